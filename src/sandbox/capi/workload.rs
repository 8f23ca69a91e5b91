//! The workload clusters: one more embedded API server per Cluster, on a free loopback port,
//! started when the Cluster stand-in first handles the Cluster and stopped when the Cluster
//! goes. What a control plane provider would bring up on the first control-plane host, minus
//! the hosts: CAPM3 reaches it through the `<cluster>-kubeconfig` Secret as it would a real
//! one, and the Machine stand-in plays the kubelets joining it.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};

use futures::StreamExt;
use futures::channel::mpsc::UnboundedSender;
use k8s_openapi::api::core::v1::Node;
use kube::Api;
use kube::runtime::reflector::ObjectRef;
use kube::runtime::{WatchStreamExt, watcher};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use super::Error;
use crate::api::capi::Cluster;
use crate::sandbox::apiserver::ApiServer;

/// A Cluster: (namespace, name).
type Key = (String, String);

struct Workload {
    server: ApiServer,
    client: kube::Client,
    /// Reports the workload Nodes' changes, which Machines wait for.
    node_watch: JoinHandle<()>,
}

pub struct WorkloadClusters {
    servers: Mutex<HashMap<Key, Workload>>,
    /// Where a workload Node change is reported, as the Cluster whose Node changed.
    node_changes: UnboundedSender<ObjectRef<Cluster>>,
}

fn key(namespace: &str, cluster: &str) -> Key {
    (namespace.to_owned(), cluster.to_owned())
}

impl WorkloadClusters {
    pub fn new(node_changes: UnboundedSender<ObjectRef<Cluster>>) -> WorkloadClusters {
        WorkloadClusters {
            servers: Mutex::new(HashMap::new()),
            node_changes,
        }
    }

    /// The kubeconfig of the workload cluster of `namespace/cluster`, started if it is not
    /// running yet.
    pub async fn ensure(&self, namespace: &str, cluster: &str) -> Result<String, Error> {
        let mut servers = self.servers.lock().await;
        if let Some(workload) = servers.get(&key(namespace, cluster)) {
            return Ok(workload.server.kubeconfig());
        }
        let listen = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        let server = ApiServer::start(listen).await.map_err(|e| {
            Error::Workload(format!(
                "cannot start the workload API server of {namespace}/{cluster}: {e}"
            ))
        })?;
        let client = server.client()?;
        let reference = ObjectRef::<Cluster>::new(cluster).within(namespace);
        let node_watch = tokio::spawn(report_node_changes(
            client.clone(),
            reference.clone(),
            self.node_changes.clone(),
        ));
        tracing::info!(namespace, cluster, url = %server.url(), "workload cluster started");
        // Machines that waited for the workload cluster look again.
        let _ = self.node_changes.unbounded_send(reference);
        let kubeconfig = server.kubeconfig();
        servers.insert(
            key(namespace, cluster),
            Workload {
                server,
                client,
                node_watch,
            },
        );
        Ok(kubeconfig)
    }

    /// A client of the workload cluster of `namespace/cluster`, if it runs.
    pub async fn client(&self, namespace: &str, cluster: &str) -> Option<kube::Client> {
        let servers = self.servers.lock().await;
        servers
            .get(&key(namespace, cluster))
            .map(|workload| workload.client.clone())
    }

    /// Stops the workload cluster of `namespace/cluster`, if it runs.
    pub async fn stop(&self, namespace: &str, cluster: &str) {
        let workload = self.servers.lock().await.remove(&key(namespace, cluster));
        if let Some(workload) = workload {
            stop(workload).await;
            tracing::info!(namespace, cluster, "workload cluster stopped");
        }
    }

    /// Stops every workload cluster.
    pub async fn stop_all(&self) {
        let servers: Vec<Workload> = self.servers.lock().await.drain().map(|(_, w)| w).collect();
        for workload in servers {
            stop(workload).await;
        }
    }
}

async fn stop(workload: Workload) {
    workload.node_watch.abort();
    workload.server.stop().await;
}

/// Reports every change of a workload Node as a change of `cluster`, until aborted.
async fn report_node_changes(
    client: kube::Client,
    cluster: ObjectRef<Cluster>,
    changes: UnboundedSender<ObjectRef<Cluster>>,
) {
    watcher(Api::<Node>::all(client), watcher::Config::default())
        .default_backoff()
        .touched_objects()
        .for_each(|change| {
            match change {
                Ok(_) => {
                    let _ = changes.unbounded_send(cluster.clone());
                }
                Err(error) => tracing::debug!(cluster = %cluster, "workload Node watch: {error}"),
            }
            std::future::ready(())
        })
        .await;
}

//! Reaching a workload cluster: through the kubeconfig Cluster API keeps in the Secret
//! `<cluster>-kubeconfig` (key `value`) in the Cluster's namespace, as upstream's
//! `baremetal/remote` does. Upstream builds a client per call; here one client per cluster is
//! kept and rebuilt only when the Secret's resourceVersion changes, so passes do not set up
//! TLS connections again and again. The Secret itself is read on demand, never cached.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Node, Secret};
use kube::api::{ListParams, Patch, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, ResourceExt};

use super::writes::not_found;
use crate::capm3::provider_id::NodePatch;

/// The Secret key holding the kubeconfig.
const KUBECONFIG_KEY: &str = "value";
/// How long a workload API server may take to accept a connection / answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the workload cluster could not be read. The messages never quote the kubeconfig.
#[derive(Debug, thiserror::Error)]
pub enum WorkloadError {
    #[error("kubeconfig Secret {0} not found")]
    NoSecret(String),
    #[error("kubeconfig Secret {0} has no valid kubeconfig under key {KUBECONFIG_KEY}")]
    BadKubeconfig(String),
    #[error("management cluster: {0}")]
    Management(kube::Error),
    #[error("workload cluster {cluster}: {error}")]
    Workload { cluster: String, error: kube::Error },
}

/// The workload clients, keyed by Cluster (namespace, name), each with the resourceVersion
/// of the Secret it was built from.
#[derive(Default)]
pub struct WorkloadClients {
    clients: Mutex<HashMap<(String, String), (String, kube::Client)>>,
}

impl WorkloadClients {
    fn cached(&self, key: &(String, String), version: &str) -> Option<kube::Client> {
        let clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        clients
            .get(key)
            .filter(|(built_from, _)| built_from == version)
            .map(|(_, client)| client.clone())
    }

    fn forget(&self, key: &(String, String)) {
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        clients.remove(key);
    }

    /// The client of Cluster `cluster` in `namespace`.
    async fn client(
        &self,
        management: &kube::Client,
        namespace: &str,
        cluster: &str,
    ) -> Result<kube::Client, WorkloadError> {
        let secret_name = format!("{cluster}-kubeconfig");
        let key = (namespace.to_owned(), cluster.to_owned());
        let secrets: Api<Secret> = Api::namespaced(management.clone(), namespace);
        let secret = match secrets.get_opt(&secret_name).await {
            Ok(Some(secret)) => secret,
            Ok(None) => {
                self.forget(&key);
                return Err(WorkloadError::NoSecret(format!(
                    "{namespace}/{secret_name}"
                )));
            }
            Err(error) => return Err(WorkloadError::Management(error)),
        };
        let version = secret.resource_version().unwrap_or_default();
        if let Some(client) = self.cached(&key, &version) {
            return Ok(client);
        }
        let bad = || WorkloadError::BadKubeconfig(format!("{namespace}/{secret_name}"));
        let text = secret
            .data
            .as_ref()
            .and_then(|data| data.get(KUBECONFIG_KEY))
            .and_then(|value| std::str::from_utf8(&value.0).ok())
            .ok_or_else(bad)?;
        let kubeconfig = Kubeconfig::from_yaml(text).map_err(|_| bad())?;
        let mut config =
            kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
                .await
                .map_err(|_| bad())?;
        config.connect_timeout = Some(CONNECT_TIMEOUT);
        config.read_timeout = Some(READ_TIMEOUT);
        let client = kube::Client::try_from(config).map_err(|_| bad())?;
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        clients.insert(key, (version, client.clone()));
        Ok(client)
    }

    /// Every Node of the workload cluster: upstream's providerID checks look at all of them
    /// (duplicates anywhere, hostnames). Read only for a provisioned host not yet linked.
    pub async fn nodes(
        &self,
        management: &kube::Client,
        namespace: &str,
        cluster: &str,
    ) -> Result<Vec<Node>, WorkloadError> {
        let client = self.client(management, namespace, cluster).await?;
        Api::<Node>::all(client)
            .list(&ListParams::default())
            .await
            .map(|list| list.items)
            .map_err(|error| WorkloadError::Workload {
                cluster: cluster.to_owned(),
                error,
            })
    }

    /// Sets a Node's `spec.providerID`; a Node gone meanwhile is left to the next pass.
    pub async fn set_provider_id(
        &self,
        management: &kube::Client,
        namespace: &str,
        cluster: &str,
        node: &NodePatch,
    ) -> Result<(), WorkloadError> {
        let client = self.client(management, namespace, cluster).await?;
        let patch = node.patch();
        match Api::<Node>::all(client)
            .patch(&node.node, &PatchParams::default(), &Patch::Merge(&patch))
            .await
        {
            Ok(_) => Ok(()),
            Err(error) if not_found(&error) => Ok(()),
            Err(error) => Err(WorkloadError::Workload {
                cluster: cluster.to_owned(),
                error,
            }),
        }
    }
}

//! The Cluster stand-in (Cluster API's Cluster controller, plus the kubeconfig a control plane
//! provider writes): the Cluster owns its Metal3Cluster, whose provisioned state and
//! `controlPlaneEndpoint` it mirrors; it gets a workload cluster and the Secret
//! `<cluster>-kubeconfig` to reach it; `controlPlaneInitialized` once a control-plane Machine
//! has its Node. Deleting a Cluster is [`super::teardown`].

use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::watcher;
use kube::{Resource, ResourceExt};
use serde_json::json;

use super::conditions::{Fact, record};
use super::names::condition::{self, reason};
use super::names::{CLUSTER_FINALIZER, CLUSTER_SECRET_TYPE, SECRET_VALUE_KEY};
use super::ownership::{adopt, owner_reference, paused};
use super::{Context, Error, Shutdown, absent_ok, error_policy, teardown};
use crate::api::capi::{ApiEndpoint, Cluster, ClusterStatus, Machine};
use crate::api::capm3::v1beta2::Metal3Cluster;
use crate::capm3::cluster::owner_cluster;
use crate::capm3::names::{CLUSTER_NAME_LABEL, CONTROL_PLANE_LABEL, GROUP};
use crate::kubeutil::finalizers;

const CONTROLLER: &str = "sandbox-cluster";

/// Watches Clusters, their Metal3Clusters and Machines.
pub async fn run(context: Arc<Context>, shutdown: Shutdown) {
    let client = &context.client;
    let controller = Controller::new(
        context.options.api::<Cluster>(client),
        watcher::Config::default(),
    );
    let clusters = controller.store();
    controller
        .watches(
            context.options.api::<Metal3Cluster>(client),
            watcher::Config::default(),
            move |metal3_cluster| clusters_of_infrastructure(&clusters, &metal3_cluster),
        )
        .watches(
            context.options.api::<Machine>(client),
            watcher::Config::default(),
            |machine| {
                let namespace = machine.namespace().unwrap_or_default();
                Some(ObjectRef::<Cluster>::new(&machine.spec.cluster_name).within(&namespace))
            },
        )
        .graceful_shutdown_on(shutdown)
        .run(reconcile, error_policy, context)
        .for_each(crate::kubeutil::log_errors(CONTROLLER))
        .await;
}

/// The Clusters a Metal3Cluster belongs to: its owner, and any Cluster referring to it
/// (before it is owned).
fn clusters_of_infrastructure(
    clusters: &Store<Cluster>,
    metal3_cluster: &Metal3Cluster,
) -> Vec<ObjectRef<Cluster>> {
    let namespace = metal3_cluster.namespace().unwrap_or_default();
    let name = metal3_cluster.name_any();
    let mut found: Vec<ObjectRef<Cluster>> = clusters
        .state()
        .iter()
        .filter(|c| c.namespace().as_deref() == Some(namespace.as_str()))
        .filter(|c| metal3_cluster_name(c).ok().flatten() == Some(name.as_str()))
        .map(|c| ObjectRef::from_obj(c.as_ref()))
        .collect();
    found.extend(owner_cluster(metal3_cluster).map(|c| ObjectRef::new(c).within(&namespace)));
    found
}

/// The Metal3Cluster a Cluster's `infrastructureRef` names; `Err` for another kind.
pub fn metal3_cluster_name(cluster: &Cluster) -> Result<Option<&str>, String> {
    match &cluster.spec.infrastructure_ref {
        None => Ok(None),
        Some(r) if r.api_group == GROUP && r.kind == "Metal3Cluster" => Ok(Some(&r.name)),
        Some(r) => Err(format!(
            "infrastructureRef {}/{} is not a Metal3Cluster: the sandbox's Cluster API \
             stand-ins only handle Metal3 infrastructure",
            r.kind, r.name
        )),
    }
}

/// What the Cluster's infrastructure says.
#[derive(Clone, Debug, Default, PartialEq)]
struct Infrastructure {
    provisioned: bool,
    endpoint: Option<ApiEndpoint>,
    /// The condition: why not provisioned, or that it is.
    fact: Option<Fact>,
}

async fn reconcile(cluster: Arc<Cluster>, context: Arc<Context>) -> Result<Action, Error> {
    if cluster.meta().deletion_timestamp.is_some() {
        return teardown::run(&context, &cluster).await;
    }
    if paused(Some(&cluster), cluster.as_ref()) {
        return Ok(Action::await_change());
    }
    let namespace = cluster.namespace().unwrap_or_default();
    let name = cluster.name_any();
    let api = context.api::<Cluster>(&namespace);
    if !finalizers::has_finalizer(cluster.as_ref(), CLUSTER_FINALIZER) {
        finalizers::add(&api, &cluster, CLUSTER_FINALIZER).await?;
        return Ok(Action::await_change());
    }
    let infrastructure = infrastructure(&context, &cluster).await?;
    let kubeconfig = context.workloads.ensure(&namespace, &name).await?;
    kubeconfig_secret(&context, &cluster, kubeconfig).await?;
    if let Some(endpoint) = endpoint_to_copy(&cluster, &infrastructure) {
        let patch = json!({"spec": {"controlPlaneEndpoint": endpoint}});
        api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await?;
        return Ok(Action::await_change());
    }
    let initialized = control_plane_initialized(&context, &cluster).await?;
    let status = desired_status(&cluster, &infrastructure, initialized);
    if cluster.status.as_ref() != Some(&status) {
        let phase = status.phase.clone().unwrap_or_default();
        let patch = json!({"metadata": {"resourceVersion": cluster.resource_version()},
                           "status": status});
        api.patch_status(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await?;
        tracing::debug!(%namespace, cluster = %name, %phase, "Cluster status updated");
    }
    Ok(Action::await_change())
}

/// Reads the Metal3Cluster, making it owned by the Cluster and labelled with its name.
async fn infrastructure(context: &Context, cluster: &Cluster) -> Result<Infrastructure, Error> {
    let name = match metal3_cluster_name(cluster) {
        Ok(Some(name)) => name,
        // No infrastructure to wait for (Cluster API's rule).
        Ok(None) => {
            return Ok(Infrastructure {
                provisioned: true,
                ..Infrastructure::default()
            });
        }
        Err(message) => {
            context
                .events
                .note(cluster, true, "UnsupportedInfrastructure", message.clone())
                .await;
            return Err(Error::Blocked(message));
        }
    };
    let namespace = cluster.namespace().unwrap_or_default();
    let api = context.api::<Metal3Cluster>(&namespace);
    let Some(metal3_cluster) = absent_ok(api.get(name).await)? else {
        return Ok(Infrastructure {
            fact: Some(Fact::new(
                condition::INFRASTRUCTURE_READY,
                false,
                reason::INFRASTRUCTURE_DOES_NOT_EXIST,
                &format!("Metal3Cluster {name} does not exist"),
            )),
            ..Infrastructure::default()
        });
    };
    adopt(
        &api,
        &metal3_cluster,
        Some(owner_reference(cluster, true)),
        &cluster.name_any(),
    )
    .await?;
    let provisioned = metal3_cluster
        .status
        .as_ref()
        .and_then(|s| s.initialization.as_ref())
        .and_then(|i| i.provisioned)
        == Some(true);
    let endpoint = metal3_cluster
        .spec
        .control_plane_endpoint
        .as_ref()
        .map(|e| ApiEndpoint {
            host: e.host.clone(),
            port: e.port,
        });
    let fact = if provisioned {
        Fact::new(
            condition::INFRASTRUCTURE_READY,
            true,
            reason::INFRASTRUCTURE_READY,
            "",
        )
    } else {
        Fact::new(
            condition::INFRASTRUCTURE_READY,
            false,
            reason::INFRASTRUCTURE_NOT_READY,
            &format!("Metal3Cluster {name} is not provisioned yet"),
        )
    };
    Ok(Infrastructure {
        provisioned,
        endpoint,
        fact: Some(fact),
    })
}

fn valid(endpoint: Option<&ApiEndpoint>) -> bool {
    endpoint.is_some_and(|e| {
        e.host.as_deref().is_some_and(|h| !h.is_empty()) && e.port.unwrap_or(0) != 0
    })
}

/// The infrastructure's endpoint, when the Cluster has none yet (Cluster API copies it once).
fn endpoint_to_copy(cluster: &Cluster, infrastructure: &Infrastructure) -> Option<ApiEndpoint> {
    if valid(cluster.spec.control_plane_endpoint.as_ref()) {
        return None;
    }
    infrastructure
        .endpoint
        .clone()
        .filter(|endpoint| valid(Some(endpoint)))
}

/// Whether a control-plane Machine of the Cluster has its Node.
async fn control_plane_initialized(context: &Context, cluster: &Cluster) -> Result<bool, Error> {
    let namespace = cluster.namespace().unwrap_or_default();
    let selector = format!(
        "{CLUSTER_NAME_LABEL}={},{CONTROL_PLANE_LABEL}",
        cluster.name_any()
    );
    let machines = context
        .api::<Machine>(&namespace)
        .list(&ListParams::default().labels(&selector))
        .await?;
    Ok(machines
        .items
        .iter()
        .any(|m| m.status.as_ref().is_some_and(|s| s.node_ref.is_some())))
}

/// The status with the infrastructure mirrored. The initialization flags, once set, stay set,
/// as Cluster API's do.
fn desired_status(
    cluster: &Cluster,
    infrastructure: &Infrastructure,
    initialized: bool,
) -> ClusterStatus {
    let mut status = cluster.status.clone().unwrap_or_default();
    let init = status.initialization.get_or_insert_default();
    let provisioned = infrastructure.provisioned || init.infrastructure_provisioned == Some(true);
    let initialized = initialized || init.control_plane_initialized == Some(true);
    init.infrastructure_provisioned = Some(provisioned);
    init.control_plane_initialized = Some(initialized);
    let phase = if provisioned && valid(cluster.spec.control_plane_endpoint.as_ref()) {
        "Provisioned"
    } else if cluster.spec.infrastructure_ref.is_some() {
        "Provisioning"
    } else {
        "Pending"
    };
    status.phase = Some(phase.to_owned());
    let control_plane = if initialized {
        Fact::new(
            condition::CONTROL_PLANE_INITIALIZED,
            true,
            reason::INITIALIZED,
            "",
        )
    } else {
        Fact::new(
            condition::CONTROL_PLANE_INITIALIZED,
            false,
            reason::NOT_INITIALIZED,
            "Control plane not yet initialized",
        )
    };
    let facts: Vec<Fact> = infrastructure
        .fact
        .clone()
        .into_iter()
        .chain([control_plane])
        .collect();
    record(
        &mut status.conditions,
        &mut status.rest,
        &facts,
        cluster.metadata.generation,
    );
    status
}

/// The Secret `<cluster>-kubeconfig` (key `value`), owned by the Cluster; rewritten when the
/// workload cluster moved (a restarted sandbox).
async fn kubeconfig_secret(
    context: &Context,
    cluster: &Cluster,
    kubeconfig: String,
) -> Result<(), Error> {
    let namespace = cluster.namespace().unwrap_or_default();
    let name = format!("{}-kubeconfig", cluster.name_any());
    let api = context.api::<Secret>(&namespace);
    let value = ByteString(kubeconfig.into_bytes());
    match api.get_opt(&name).await? {
        Some(secret)
            if secret.data.as_ref().and_then(|d| d.get(SECRET_VALUE_KEY)) == Some(&value) => {}
        Some(secret) => {
            let patch = json!({"metadata": {"resourceVersion": secret.resource_version()},
                               "data": {SECRET_VALUE_KEY: value}});
            api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await?;
        }
        None => {
            let secret: Secret = serde_json::from_value(json!({
                "metadata": {"name": name, "namespace": namespace,
                             "labels": {CLUSTER_NAME_LABEL: cluster.name_any()},
                             "ownerReferences": [owner_reference(cluster, true)]},
                "type": CLUSTER_SECRET_TYPE,
                "data": {SECRET_VALUE_KEY: value},
            }))
            .map_err(kube::Error::SerdeError)?;
            api.create(&PostParams::default(), &secret).await?;
            context
                .events
                .note(
                    cluster,
                    false,
                    "KubeconfigCreated",
                    format!("workload cluster started; its kubeconfig is in Secret {name}"),
                )
                .await;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn cluster(overlay: Value) -> Cluster {
        let mut value = json!({
            "apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Cluster",
            "metadata": {"name": "c1", "namespace": "ns", "generation": 1},
            "spec": {"infrastructureRef": {"apiGroup": GROUP, "kind": "Metal3Cluster", "name": "c1"}},
        });
        json_patch::merge(&mut value, &overlay);
        serde_json::from_value(value).expect("cluster")
    }

    fn provisioned(endpoint: Option<(&str, i32)>) -> Infrastructure {
        Infrastructure {
            provisioned: true,
            endpoint: endpoint.map(|(host, port)| ApiEndpoint {
                host: Some(host.into()),
                port: Some(port),
            }),
            fact: None,
        }
    }

    #[test]
    fn phase_follows_the_infrastructure_and_endpoint() {
        let waiting = Infrastructure::default();
        let status = desired_status(&cluster(json!({})), &waiting, false);
        assert_eq!(status.phase.as_deref(), Some("Provisioning"));
        assert_eq!(
            status
                .initialization
                .and_then(|i| i.infrastructure_provisioned),
            Some(false)
        );

        let with_endpoint =
            cluster(json!({"spec": {"controlPlaneEndpoint": {"host": "127.0.0.1", "port": 6443}}}));
        let status = desired_status(&with_endpoint, &provisioned(None), true);
        assert_eq!(status.phase.as_deref(), Some("Provisioned"));
        let init = status.initialization.expect("initialization");
        assert_eq!(init.infrastructure_provisioned, Some(true));
        assert_eq!(init.control_plane_initialized, Some(true));
        let deprecated = &status.rest["deprecated"]["v1beta1"]["conditions"];
        assert!(
            deprecated.as_array().is_some_and(|list| list
                .iter()
                .any(|c| c["type"] == "ControlPlaneInitialized" && c["status"] == "True")),
            "{deprecated}"
        );
    }

    #[test]
    fn initialization_stays_once_set() {
        let done = cluster(json!({"status": {"initialization":
            {"infrastructureProvisioned": true, "controlPlaneInitialized": true}}}));
        let status = desired_status(&done, &Infrastructure::default(), false);
        let init = status.initialization.expect("initialization");
        assert_eq!(init.infrastructure_provisioned, Some(true));
        assert_eq!(init.control_plane_initialized, Some(true));
    }

    #[test]
    fn the_endpoint_is_copied_only_when_missing() {
        let infrastructure = provisioned(Some(("127.0.0.1", 6443)));
        assert_eq!(
            endpoint_to_copy(&cluster(json!({})), &infrastructure),
            infrastructure.endpoint
        );
        let set =
            cluster(json!({"spec": {"controlPlaneEndpoint": {"host": "10.0.0.1", "port": 443}}}));
        assert_eq!(endpoint_to_copy(&set, &infrastructure), None);
        assert_eq!(
            endpoint_to_copy(&cluster(json!({})), &provisioned(Some(("", 6443)))),
            None
        );
    }

    #[test]
    fn only_metal3_infrastructure_is_handled() {
        assert_eq!(metal3_cluster_name(&cluster(json!({}))), Ok(Some("c1")));
        let other = cluster(json!({"spec": {"infrastructureRef":
            {"apiGroup": GROUP, "kind": "DockerCluster", "name": "d"}}}));
        assert!(metal3_cluster_name(&other).is_err());
    }
}

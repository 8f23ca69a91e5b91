//! The control plane stand-in: for a Cluster whose `spec.controlPlaneRef` names a control
//! plane — a KubeadmControlPlane, or any kind following the v1beta2 control plane contract
//! (`spec.replicas`, `spec.machineTemplate.spec.infrastructureRef`, `spec.version`) — keep
//! `replicas` control-plane Machines once the Cluster's infrastructure is provisioned, as
//! KubeadmControlPlane does, and report `status.replicas`, `readyReplicas` and
//! `initialization.controlPlaneInitialized`. Control plane kinds are found by discovery when
//! first met, and each is then watched.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use futures::channel::mpsc::{UnboundedReceiver, UnboundedSender};
use futures::{StreamExt, stream};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::api::{ApiResource, DynamicObject, Patch, PatchParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Resource, ResourceExt};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use super::machine_set::{report, wanted};
use super::names::CONTROL_PLANE_NAME_LABEL;
use super::ownership::{adopt, merged, owner_reference, paused};
use super::replicas::{self, Replicas};
use super::teardown::delete_ignoring_absent;
use super::{Context, Error, Shutdown, absent_ok, error_policy};
use crate::api::capi::{
    Cluster, ContractVersionedObjectReference, KubeadmControlPlaneSpec, KubeadmControlPlaneStatus,
    Machine, MachineSpec,
};
use crate::capm3::names::{CLUSTER_NAME_LABEL, CONTROL_PLANE_LABEL};
use crate::capm3::preconditions::infrastructure_ready;

const CONTROLLER: &str = "sandbox-controlplane";

/// A change of a control plane object: namespace, group, kind, name.
pub type Change = (String, String, String, String);

/// A control plane kind found by discovery.
#[derive(Clone)]
struct Resolved {
    resource: ApiResource,
    status_subresource: bool,
}

/// The control plane kinds met so far, each watched once.
pub struct ControlPlaneKinds {
    namespace: Option<String>,
    kinds: Mutex<HashMap<(String, String), Resolved>>,
    watches: Mutex<Vec<JoinHandle<()>>>,
    changes: UnboundedSender<Change>,
}

impl ControlPlaneKinds {
    pub fn new(namespace: Option<String>, changes: UnboundedSender<Change>) -> ControlPlaneKinds {
        ControlPlaneKinds {
            namespace,
            kinds: Mutex::new(HashMap::new()),
            watches: Mutex::new(Vec::new()),
            changes,
        }
    }

    fn known(&self, key: &(String, String)) -> Option<Resolved> {
        let kinds = self.kinds.lock().unwrap_or_else(|p| p.into_inner());
        kinds.get(key).cloned()
    }

    /// The kind `reference` names, found by discovery the first time and watched from then on.
    async fn resolve(
        &self,
        client: &kube::Client,
        reference: &ContractVersionedObjectReference,
    ) -> Result<Resolved, Error> {
        let key = (reference.api_group.clone(), reference.kind.clone());
        if let Some(resolved) = self.known(&key) {
            return Ok(resolved);
        }
        let unserved = |why: String| {
            Error::Blocked(format!(
                "control plane kind {} in group {} is not served: {why}",
                reference.kind, reference.api_group
            ))
        };
        let group = kube::discovery::group(client, &reference.api_group)
            .await
            .map_err(|e| unserved(e.to_string()))?;
        let (resource, capabilities) = group
            .recommended_kind(&reference.kind)
            .ok_or_else(|| unserved("no such kind".into()))?;
        let resolved = Resolved {
            status_subresource: capabilities
                .subresources
                .iter()
                .any(|(r, _)| r.plural == "status"),
            resource,
        };
        let mut kinds = self.kinds.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(raced) = kinds.get(&key) {
            return Ok(raced.clone());
        }
        kinds.insert(key, resolved.clone());
        let api = match &self.namespace {
            Some(namespace) => Api::namespaced_with(client.clone(), namespace, &resolved.resource),
            None => Api::all_with(client.clone(), &resolved.resource),
        };
        let watch = tokio::spawn(report_changes(api, self.changes.clone()));
        self.watches
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(watch);
        Ok(resolved)
    }

    /// Stops watching every control plane kind.
    pub fn stop(&self) {
        for watch in self
            .watches
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            watch.abort();
        }
    }
}

/// Reports every change of a control plane object, until aborted.
async fn report_changes(api: Api<DynamicObject>, changes: UnboundedSender<Change>) {
    watcher(api, watcher::Config::default())
        .default_backoff()
        .touched_objects()
        .for_each(|object| {
            if let Ok(object) = object {
                let (group, kind) = object
                    .types
                    .as_ref()
                    .map(|t| {
                        (
                            t.api_version
                                .split_once('/')
                                .map_or("", |(g, _)| g)
                                .to_owned(),
                            t.kind.clone(),
                        )
                    })
                    .unwrap_or_default();
                let change = (
                    object.namespace().unwrap_or_default(),
                    group,
                    kind,
                    object.name_any(),
                );
                let _ = changes.unbounded_send(change);
            }
            std::future::ready(())
        })
        .await;
}

/// The Clusters whose `controlPlaneRef` names the changed object.
fn clusters_of(clusters: &Store<Cluster>, change: &Change) -> Vec<ObjectRef<Cluster>> {
    let (namespace, group, kind, name) = change;
    clusters
        .state()
        .iter()
        .filter(|c| c.namespace().as_ref() == Some(namespace))
        .filter(|c| {
            c.spec
                .control_plane_ref
                .as_ref()
                .is_some_and(|r| &r.api_group == group && &r.kind == kind && &r.name == name)
        })
        .map(|c| ObjectRef::from_obj(c.as_ref()))
        .collect()
}

/// Watches Clusters, control-plane Machines and the control plane objects met.
pub async fn run(context: Arc<Context>, changes: UnboundedReceiver<Change>, shutdown: Shutdown) {
    let client = &context.client;
    let controller = Controller::new(
        context.options.api::<Cluster>(client),
        watcher::Config::default(),
    );
    let clusters = controller.store();
    let control_plane_machines = watcher::Config::default().labels(CONTROL_PLANE_LABEL);
    controller
        .watches(
            context.options.api::<Machine>(client),
            control_plane_machines,
            |machine| {
                let namespace = machine.namespace().unwrap_or_default();
                Some(ObjectRef::<Cluster>::new(&machine.spec.cluster_name).within(&namespace))
            },
        )
        .reconcile_on(changes.flat_map(move |change| stream::iter(clusters_of(&clusters, &change))))
        .graceful_shutdown_on(shutdown)
        .run(reconcile, error_policy, context)
        .for_each(crate::kubeutil::log_errors(CONTROLLER))
        .await;
}

/// The contract's fields of a control plane object of any kind.
fn spec_of(control_plane: &DynamicObject) -> Result<KubeadmControlPlaneSpec, String> {
    let spec = control_plane
        .data
        .get("spec")
        .cloned()
        .unwrap_or(Value::Null);
    serde_json::from_value(spec).map_err(|e| format!("unreadable control plane spec: {e}"))
}

/// The status with the counts of `outcome`; initialized once a Machine has its Node, and for
/// good.
fn status_of(
    control_plane: &DynamicObject,
    outcome: &replicas::Outcome,
) -> (KubeadmControlPlaneStatus, bool) {
    let current: KubeadmControlPlaneStatus = control_plane
        .data
        .get("status")
        .and_then(|s| serde_json::from_value(s.clone()).ok())
        .unwrap_or_default();
    let mut status = current.clone();
    status.replicas = Some(outcome.replicas);
    status.ready_replicas = Some(outcome.ready);
    let initialization = status.initialization.get_or_insert_default();
    let initialized = outcome.ready > 0 || initialization.control_plane_initialized == Some(true);
    initialization.control_plane_initialized = Some(initialized);
    let changed = status != current;
    (status, changed)
}

async fn reconcile(cluster: Arc<Cluster>, context: Arc<Context>) -> Result<Action, Error> {
    let Some(reference) = &cluster.spec.control_plane_ref else {
        return Ok(Action::await_change());
    };
    if cluster.meta().deletion_timestamp.is_some()
        || paused(Some(&cluster), cluster.as_ref())
        || !infrastructure_ready(&cluster)
    {
        return Ok(Action::await_change());
    }
    let namespace = cluster.namespace().unwrap_or_default();
    let resolved = match context
        .control_planes
        .resolve(&context.client, reference)
        .await
    {
        Ok(resolved) => resolved,
        Err(error) => {
            context
                .events
                .note(
                    cluster.as_ref(),
                    true,
                    "UnsupportedControlPlane",
                    error.to_string(),
                )
                .await;
            return Err(error);
        }
    };
    let api = Api::<DynamicObject>::namespaced_with(
        context.client.clone(),
        &namespace,
        &resolved.resource,
    );
    let Some(control_plane) = absent_ok(api.get(&reference.name).await)? else {
        return Ok(Action::await_change());
    };
    if control_plane.metadata.deletion_timestamp.is_some() || paused(Some(&cluster), &control_plane)
    {
        return Ok(Action::await_change());
    }
    let cluster_name = cluster.name_any();
    if adopt(
        &api,
        &control_plane,
        Some(owner_reference(cluster.as_ref(), true)),
        &cluster_name,
    )
    .await?
    {
        return Ok(Action::await_change());
    }
    let spec = spec_of(&control_plane).map_err(Error::Blocked)?;
    let template = spec.machine_template;
    let metadata = template.metadata.unwrap_or_default();
    let own = BTreeMap::from([
        (CONTROL_PLANE_LABEL.to_owned(), String::new()),
        (
            CONTROL_PLANE_NAME_LABEL.to_owned(),
            control_plane.name_any(),
        ),
        (CLUSTER_NAME_LABEL.to_owned(), cluster_name.clone()),
    ]);
    let machine_spec = MachineSpec {
        cluster_name: cluster_name.clone(),
        infrastructure_ref: template.spec.infrastructure_ref,
        version: Some(spec.version).filter(|v| !v.is_empty()),
        ..MachineSpec::default()
    };
    let replicas = Replicas {
        namespace: &namespace,
        cluster: &cluster_name,
        owner: OwnerReference {
            api_version: resolved.resource.api_version.clone(),
            kind: resolved.resource.kind.clone(),
            name: control_plane.name_any(),
            uid: control_plane.uid().unwrap_or_default(),
            controller: Some(true),
            block_owner_deletion: Some(true),
        },
        wanted: wanted(spec.replicas),
        labels: merged([&metadata.labels.unwrap_or_default(), &own]),
        annotations: metadata.annotations.unwrap_or_default(),
        spec: &machine_spec,
    };
    let outcome = replicas::keep(&context, &replicas).await?;
    report(&context, cluster.as_ref(), &outcome).await;
    let (status, changed) = status_of(&control_plane, &outcome);
    if changed {
        let patch = Patch::Merge(json!({ "status": status }));
        let name = control_plane.name_any();
        if resolved.status_subresource {
            api.patch_status(&name, &PatchParams::default(), &patch)
                .await?;
        } else {
            api.patch(&name, &PatchParams::default(), &patch).await?;
        }
    }
    Ok(Action::await_change())
}

/// Deletes the Cluster's control plane object (its Machines follow by garbage collection,
/// and the Cluster deletes them too).
pub async fn delete(context: &Context, cluster: &Cluster) -> Result<(), Error> {
    let Some(reference) = &cluster.spec.control_plane_ref else {
        return Ok(());
    };
    let resolved = match context
        .control_planes
        .resolve(&context.client, reference)
        .await
    {
        Ok(resolved) => resolved,
        // A kind that is not served has no object to delete.
        Err(Error::Blocked(_)) => return Ok(()),
        Err(error) => return Err(error),
    };
    let namespace = cluster.namespace().unwrap_or_default();
    let api = Api::<DynamicObject>::namespaced_with(
        context.client.clone(),
        &namespace,
        &resolved.resource,
    );
    delete_ignoring_absent(&api, &reference.name).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn control_plane(data: Value) -> DynamicObject {
        let mut object = DynamicObject::new(
            "cp",
            &ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk(
                "controlplane.cluster.x-k8s.io",
                "v1beta2",
                "RKE2ControlPlane",
            )),
        );
        object.data = data;
        object
    }

    /// Any control plane kind with the contract's fields is read alike.
    #[test]
    fn the_contract_fields_are_read_from_any_kind() {
        let cp = control_plane(json!({"spec": {"replicas": 3, "version": "v1.33.0",
            "machineTemplate": {"metadata": {"labels": {"a": "b"}}, "spec": {"infrastructureRef":
                {"apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "Metal3MachineTemplate", "name": "cp"}}},
            "serverConfig": {"cni": "calico"}}}));
        let spec = spec_of(&cp).expect("spec");
        assert_eq!(spec.replicas, Some(3));
        assert_eq!(spec.version, "v1.33.0");
        assert_eq!(spec.machine_template.spec.infrastructure_ref.name, "cp");
        assert!(spec_of(&control_plane(json!({"spec": {"replicas": "three"}}))).is_err());
    }

    #[test]
    fn initialized_once_a_machine_has_its_node_and_for_good() {
        let outcome = |ready| replicas::Outcome {
            replicas: 1,
            ready,
            ..Default::default()
        };
        let (status, changed) = status_of(&control_plane(json!({})), &outcome(0));
        assert!(changed);
        assert_eq!(
            status
                .initialization
                .and_then(|i| i.control_plane_initialized),
            Some(false)
        );
        let (status, _) = status_of(&control_plane(json!({})), &outcome(1));
        assert_eq!(
            status
                .initialization
                .and_then(|i| i.control_plane_initialized),
            Some(true)
        );
        let done = control_plane(json!({"status": {"replicas": 1, "readyReplicas": 0,
            "initialization": {"controlPlaneInitialized": true}}}));
        let (status, changed) = status_of(&done, &outcome(0));
        assert!(!changed);
        assert_eq!(
            status
                .initialization
                .and_then(|i| i.control_plane_initialized),
            Some(true)
        );
    }
}

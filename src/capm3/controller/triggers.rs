//! What brings an object back to its controller (reference §1.1, §1.2, §1.5 "Watches"): the
//! mapping from a changed object to the objects to reconcile, and which changes count. The
//! mappings read the shared stores only, never the API.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use kube::runtime::reflector::{ObjectRef, Store};
use kube::{Resource, ResourceExt};

use crate::api::bmo::v1alpha1::BareMetalHost;
use crate::api::capi::{Cluster, Machine};
use crate::api::capm3::v1beta2::{Metal3Cluster, Metal3Machine, Metal3MachineTemplate};
use crate::capm3::cluster::owner_cluster;
use crate::capm3::names::{CLUSTER_NAME_LABEL, GROUP, HOST_ANNOTATION};
use crate::capm3::node_reuse::group_of;
use crate::capm3::preconditions::{bootstrap_ready, infrastructure_ready};
use crate::capm3::select::ready_or_available;
use crate::capm3::template::cloned_from;

fn hash(value: impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// Changes when deletion starts (a deletion changes no generation on an object with
/// finalizers).
pub fn deletion<K: Resource>(object: &K) -> Option<u64> {
    object.meta().deletion_timestamp.as_ref().map(|_| 1)
}

/// What a Metal3Machine reads of its Machine: labels (the cluster), spec, bootstrap data
/// readiness and the Node reference — not the rest of its often-changing status.
pub fn machine_progress(machine: &Machine) -> Option<u64> {
    let node = machine
        .status
        .as_ref()
        .and_then(|s| s.node_ref.as_ref())
        .map(|n| n.name.as_str());
    Some(hash((
        machine.metadata.generation,
        machine.labels(),
        bootstrap_ready(machine),
        node,
    )))
}

/// What a Metal3Machine reads of its Cluster: spec (pause, infrastructureRef) and whether
/// its infrastructure is ready.
pub fn cluster_progress(cluster: &Cluster) -> Option<u64> {
    Some(hash((
        cluster.metadata.generation,
        infrastructure_ready(cluster),
    )))
}

/// The Metal3Machine a host's consumerRef names.
pub fn machine_of_host(host: &BareMetalHost) -> Option<ObjectRef<Metal3Machine>> {
    let consumer = host.spec.consumer_ref.as_ref()?;
    let is_machine = consumer.kind.as_deref() == Some("Metal3Machine")
        && group_of(consumer.api_version.as_deref().unwrap_or_default()) == GROUP;
    let name = consumer.name.as_deref().filter(|_| is_machine)?;
    let namespace = consumer
        .namespace
        .clone()
        .filter(|ns| !ns.is_empty())
        .or_else(|| host.namespace())?;
    Some(ObjectRef::new(name).within(&namespace))
}

/// The Metal3Machines of `host`'s namespace still waiting for a host, when `host` is free to
/// claim (ready or available, no consumer, not being deleted). Upstream notices such a host
/// only on the 30 s requeue after "no available host" (SEL-10); this looks at once.
pub fn machines_waiting_for(
    host: &BareMetalHost,
    machines: &Store<Metal3Machine>,
) -> Vec<ObjectRef<Metal3Machine>> {
    let free = host.spec.consumer_ref.is_none()
        && host.metadata.deletion_timestamp.is_none()
        && ready_or_available(host);
    if !free {
        return Vec::new();
    }
    let namespace = host.namespace();
    machines
        .state()
        .iter()
        .filter(|m| {
            m.namespace() == namespace
                && m.metadata.deletion_timestamp.is_none()
                && !m.annotations().contains_key(HOST_ANNOTATION)
        })
        .map(|m| ObjectRef::from_obj(m.as_ref()))
        .collect()
}

/// The Metal3Machine a Machine's infrastructureRef names.
pub fn machine_of(machine: &Machine) -> Option<ObjectRef<Metal3Machine>> {
    let reference = &machine.spec.infrastructure_ref;
    (reference.kind == "Metal3Machine"
        && reference.api_group == GROUP
        && !reference.name.is_empty())
    .then(|| ObjectRef::new(&reference.name).within(&machine.namespace().unwrap_or_default()))
}

/// The Machines labelled with Cluster `cluster` in `namespace`.
pub fn machines_in_cluster(
    machines: &Store<Machine>,
    namespace: &str,
    cluster: &str,
) -> Vec<Arc<Machine>> {
    machines
        .state()
        .into_iter()
        .filter(|m| m.namespace().as_deref() == Some(namespace))
        .filter(|m| m.labels().get(CLUSTER_NAME_LABEL).map(String::as_str) == Some(cluster))
        .collect()
}

/// The Metal3Machines of the Machines labelled with Cluster `cluster` in `namespace`.
pub fn machines_of_cluster(
    machines: &Store<Machine>,
    namespace: &str,
    cluster: &str,
) -> Vec<ObjectRef<Metal3Machine>> {
    machines_in_cluster(machines, namespace, cluster)
        .iter()
        .filter_map(|m| machine_of(m))
        .collect()
}

/// The Metal3Machines of a Metal3Cluster: those of its owner Cluster's Machines.
pub fn machines_of_metal3_cluster(
    machines: &Store<Machine>,
    metal3_cluster: &Metal3Cluster,
) -> Vec<ObjectRef<Metal3Machine>> {
    match owner_cluster(metal3_cluster) {
        Some(cluster) => machines_of_cluster(
            machines,
            &metal3_cluster.namespace().unwrap_or_default(),
            cluster,
        ),
        None => Vec::new(),
    }
}

/// The Metal3Machine owning `object` (a Metal3DataClaim or Metal3Data).
pub fn owning_machine<K: Resource>(object: &K) -> Option<ObjectRef<Metal3Machine>> {
    let owner = object
        .meta()
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.kind == "Metal3Machine" && group_of(&o.api_version) == GROUP)?;
    Some(ObjectRef::new(&owner.name).within(object.meta().namespace.as_deref().unwrap_or_default()))
}

/// The Metal3Cluster a Cluster's infrastructureRef names.
pub fn metal3_cluster_of(cluster: &Cluster) -> Option<ObjectRef<Metal3Cluster>> {
    let reference = cluster.spec.infrastructure_ref.as_ref()?;
    (reference.kind == "Metal3Cluster"
        && reference.api_group == GROUP
        && !reference.name.is_empty())
    .then(|| ObjectRef::new(&reference.name).within(&cluster.namespace().unwrap_or_default()))
}

/// The Metal3MachineTemplate a Metal3Machine was cloned from.
pub fn template_of(machine: &Metal3Machine) -> Option<ObjectRef<Metal3MachineTemplate>> {
    let name = cloned_from(machine)?;
    Some(ObjectRef::new(name).within(&machine.namespace().unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use kube::runtime::reflector;
    use kube::runtime::watcher;
    use serde_json::{Value, json};

    use super::*;

    fn parse<K: serde::de::DeserializeOwned>(value: Value) -> K {
        serde_json::from_value(value).expect("valid object")
    }

    fn capi_machine(name: &str, cluster: &str, infra: Value) -> Machine {
        parse(json!({
            "metadata": {"name": name, "namespace": "metal3",
                         "labels": {CLUSTER_NAME_LABEL: cluster}},
            "spec": {"clusterName": cluster, "infrastructureRef": infra},
        }))
    }

    fn m3m_ref(name: &str) -> Value {
        json!({"apiGroup": GROUP, "kind": "Metal3Machine", "name": name})
    }

    #[test]
    fn a_free_host_wakes_the_machines_waiting_for_one() {
        let (store, mut writer) = reflector::store::<Metal3Machine>();
        let m3m = |name: &str, annotations: Value| -> Metal3Machine {
            parse(
                json!({"metadata": {"name": name, "namespace": crate::capm3::fixtures::NS, "annotations": annotations},
                         "spec": {}}),
            )
        };
        for machine in [
            m3m("waiting", json!({})),
            m3m("placed", json!({HOST_ANNOTATION: "metal3/h0"})),
        ] {
            writer.apply_watcher_event(&watcher::Event::Apply(machine));
        }
        let host = |state: &str, consumer: Value| {
            crate::capm3::fixtures::host("h1", state, json!({"spec": {"consumerRef": consumer}}))
        };
        let woken = machines_waiting_for(&host("available", Value::Null), &store);
        assert_eq!(
            woken,
            [ObjectRef::new("waiting").within(crate::capm3::fixtures::NS)]
        );
        assert!(machines_waiting_for(&host("inspecting", Value::Null), &store).is_empty());
        let claimed = json!({"kind": "Metal3Machine", "name": "placed"});
        assert!(machines_waiting_for(&host("available", claimed), &store).is_empty());
    }

    #[test]
    fn hosts_map_to_their_consumer() {
        let host: BareMetalHost = parse(json!({
            "metadata": {"name": "h1", "namespace": "metal3"},
            "spec": {"online": false, "consumerRef": {"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1",
                                     "kind": "Metal3Machine", "name": "m3m"}},
        }));
        assert_eq!(
            machine_of_host(&host),
            Some(ObjectRef::new("m3m").within("metal3"))
        );
        let reused: BareMetalHost = parse(json!({
            "metadata": {"name": "h1", "namespace": "metal3"},
            "spec": {"online": false, "consumerRef": {"apiVersion": "cluster.x-k8s.io/v1beta2",
                                     "kind": "Cluster", "name": "test1"}},
        }));
        assert_eq!(machine_of_host(&reused), None);
    }

    #[test]
    fn clusters_map_through_their_machines() {
        let (reader, mut writer) = reflector::store();
        for machine in [
            capi_machine("a", "test1", m3m_ref("m3m-a")),
            capi_machine("b", "test2", m3m_ref("m3m-b")),
            capi_machine(
                "c",
                "test1",
                json!({"apiGroup": "infrastructure.example.com", "kind": "Other", "name": "x"}),
            ),
        ] {
            writer.apply_watcher_event(&watcher::Event::Apply(machine));
        }
        assert_eq!(
            machines_of_cluster(&reader, "metal3", "test1"),
            vec![ObjectRef::new("m3m-a").within("metal3")]
        );
        assert!(machines_of_cluster(&reader, "other", "test1").is_empty());
        let m3c: Metal3Cluster = parse(json!({
            "metadata": {"name": "test1", "namespace": "metal3", "ownerReferences": [
                {"apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Cluster", "name": "test2", "uid": "u"}]},
            "spec": {},
        }));
        assert_eq!(
            machines_of_metal3_cluster(&reader, &m3c),
            vec![ObjectRef::new("m3m-b").within("metal3")]
        );
        let cluster: Cluster = parse(json!({
            "metadata": {"name": "test1", "namespace": "metal3"},
            "spec": {"infrastructureRef": {"apiGroup": GROUP, "kind": "Metal3Cluster", "name": "m3c"}},
        }));
        assert_eq!(
            metal3_cluster_of(&cluster),
            Some(ObjectRef::new("m3c").within("metal3"))
        );
    }

    #[test]
    fn data_objects_and_templates() {
        let claim: crate::api::capm3::v1beta2::Metal3DataClaim = parse(json!({
            "metadata": {"name": "m3m", "namespace": "metal3", "ownerReferences": [
                {"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3Machine",
                 "name": "m3m", "uid": "u"}]},
            "spec": {},
        }));
        assert_eq!(
            owning_machine(&claim),
            Some(ObjectRef::new("m3m").within("metal3"))
        );
        let m3m: Metal3Machine = parse(json!({
            "metadata": {"name": "m3m", "namespace": "metal3", "annotations": {
                "cluster.x-k8s.io/cloned-from-name": "workers",
                "cluster.x-k8s.io/cloned-from-groupkind": "Metal3MachineTemplate.infrastructure.cluster.x-k8s.io"}},
            "spec": {},
        }));
        assert_eq!(
            template_of(&m3m),
            Some(ObjectRef::new("workers").within("metal3"))
        );
    }

    /// A Machine's condition churn does not wake its Metal3Machine; its Node reference does.
    #[test]
    fn machine_progress_ignores_unrelated_status() {
        let mut machine = capi_machine("a", "test1", m3m_ref("m3m-a"));
        let before = machine_progress(&machine);
        machine.status = Some(parse(json!({"phase": "Provisioning"})));
        assert_eq!(machine_progress(&machine), before);
        machine.status = Some(parse(json!({"nodeRef": {"name": "n1"}})));
        assert_ne!(machine_progress(&machine), before);
    }
}

//! Node reuse: a host released by a Machine of a MachineDeployment (or control plane) whose
//! Metal3MachineTemplate has `nodeReuse: true` is labelled `md-<deployment>` (`cp-<control
//! plane>`), and only a Machine of the same owner picks it again. These helpers name a
//! Machine's owner and find the template it was made from, from objects the shell fetched.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::ResourceExt;
use serde_json::Value;

use super::names::{CAPI_GROUP, CONTROL_PLANE_GROUP, CONTROL_PLANE_LABEL};
use crate::api::capi::{Machine, MachineSet};

/// The group of an `apiVersion` (`""` for the core group).
pub fn group_of(api_version: &str) -> &str {
    api_version
        .split_once('/')
        .map_or("", |(group, _version)| group)
}

/// Whether `machine` belongs to a control plane (upstream's `util.IsControlPlaneMachine`).
pub fn is_control_plane(machine: &Machine) -> bool {
    machine.labels().contains_key(CONTROL_PLANE_LABEL)
}

/// The control-plane object owning `machine`: its first owner in a control-plane group.
pub fn control_plane_owner(machine: &Machine) -> Option<&OwnerReference> {
    machine
        .owner_references()
        .iter()
        .find(|owner| group_of(&owner.api_version) == CONTROL_PLANE_GROUP)
}

/// The MachineSet owning a worker `machine`.
pub fn machine_set_owner(machine: &Machine) -> Option<&OwnerReference> {
    machine
        .owner_references()
        .iter()
        .find(|owner| owner.kind == "MachineSet" && group_of(&owner.api_version) == CAPI_GROUP)
}

/// The node-reuse label value for `machine`: `cp-<control plane>` for a control-plane Machine,
/// `md-<deployment>` for a worker whose MachineSet (`machine_set`, the one its owner reference
/// names, same UID when the reference has one) is owned by a MachineDeployment. `None` when
/// the owner cannot be named.
pub fn reuse_name(machine: &Machine, machine_set: Option<&MachineSet>) -> Option<String> {
    if is_control_plane(machine) {
        return control_plane_owner(machine).map(|owner| format!("cp-{}", owner.name));
    }
    let owner = machine_set_owner(machine)?;
    let machine_set = machine_set.filter(|ms| {
        ms.name_any() == owner.name
            && (owner.uid.is_empty() || ms.uid().as_deref() == Some(&owner.uid))
    })?;
    machine_set
        .owner_references()
        .iter()
        .find(|o| o.kind == "MachineDeployment" && group_of(&o.api_version) == CAPI_GROUP)
        .map(|deployment| format!("md-{}", deployment.name))
}

/// The Metal3MachineTemplate a MachineSet stamps its Machines from.
pub fn template_of_machine_set(machine_set: &MachineSet) -> Option<&str> {
    let name = machine_set
        .spec
        .template
        .spec
        .infrastructure_ref
        .name
        .as_str();
    (!name.is_empty()).then_some(name)
}

/// The Metal3MachineTemplate (name, namespace if given) a control-plane object of any
/// provider stamps its Machines from: `spec.machineTemplate.spec.infrastructureRef`.
pub fn template_of_control_plane(control_plane: &Value) -> Option<(String, Option<String>)> {
    let reference = &control_plane["spec"]["machineTemplate"]["spec"]["infrastructureRef"];
    let name = reference["name"].as_str().filter(|n| !n.is_empty())?;
    let namespace = reference["namespace"]
        .as_str()
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    Some((name.to_owned(), namespace))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::capm3::fixtures::capi_machine;

    fn machine_set(uid: &str, owners: Value) -> MachineSet {
        serde_json::from_value(json!({
            "metadata": {"name": "ms1", "namespace": "metal3", "uid": uid, "ownerReferences": owners},
            "spec": {"clusterName": "test1", "template": {"spec": {"clusterName": "test1",
                     "infrastructureRef": {"apiGroup": "infrastructure.cluster.x-k8s.io",
                                           "kind": "Metal3MachineTemplate", "name": "workers"}}}},
        }))
        .expect("machine set")
    }

    fn owner(api_version: &str, kind: &str, name: &str, uid: &str) -> Value {
        json!({"apiVersion": api_version, "kind": kind, "name": name, "uid": uid})
    }

    /// SEL-12: the label value names the control plane or the MachineDeployment.
    #[test]
    fn reuse_names() {
        let control_plane = capi_machine(
            "cp-0",
            json!({"metadata": {"labels": {"cluster.x-k8s.io/control-plane": ""},
                   "ownerReferences": [owner("controlplane.cluster.x-k8s.io/v1beta2", "KubeadmControlPlane", "kcp", "u1")]}}),
        );
        assert_eq!(reuse_name(&control_plane, None).as_deref(), Some("cp-kcp"));

        let worker = capi_machine(
            "w-0",
            json!({"metadata": {"ownerReferences": [owner("cluster.x-k8s.io/v1beta2", "MachineSet", "ms1", "ms-uid")]}}),
        );
        let deployment = json!([owner(
            "cluster.x-k8s.io/v1beta2",
            "MachineDeployment",
            "md1",
            "md-uid"
        )]);
        let set = machine_set("ms-uid", deployment.clone());
        assert_eq!(reuse_name(&worker, Some(&set)).as_deref(), Some("md-md1"));
        assert_eq!(reuse_name(&worker, None), None);
        assert_eq!(
            reuse_name(&worker, Some(&machine_set("other", deployment))),
            None
        );
        assert_eq!(
            reuse_name(&worker, Some(&machine_set("ms-uid", json!([])))),
            None
        );
        assert_eq!(template_of_machine_set(&set), Some("workers"));
    }

    #[test]
    fn control_plane_template() {
        let kcp = json!({"spec": {"machineTemplate": {"spec": {"infrastructureRef": {"name": "cp-template"}}}}});
        assert_eq!(
            template_of_control_plane(&kcp),
            Some(("cp-template".to_owned(), None))
        );
        assert_eq!(template_of_control_plane(&json!({"spec": {}})), None);
        assert_eq!(group_of("v1"), "");
    }
}

//! The kubelet joining: once a Machine's host runs its operating system — the BareMetalHost
//! reached `provisioned`, or CAPM3 reports the Metal3Machine provisioned, whichever is seen
//! first — a Node appears in the workload cluster, labelled `metal3.io/uuid=<host uid>` as
//! Metal3's images label it, named after the Machine (the hostname cloud-init gives it), with
//! the Metal3Machine's addresses and a Ready condition. CAPM3 then sets its
//! `spec.providerID` (PID-01). The Node goes with its Machine.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, NodeSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::{Api, ResourceExt};
use serde_json::{Value, json};

use super::names::{
    NODE_CLUSTER_NAME_ANNOTATION, NODE_CLUSTER_NAMESPACE_ANNOTATION, NODE_MACHINE_ANNOTATION,
    NODE_ROLE_CONTROL_PLANE,
};
use super::teardown::delete_ignoring_absent;
use super::{Context, Error, absent_ok};
use crate::api::bmo::v1alpha1::BareMetalHost;
use crate::api::capi::Machine;
use crate::api::capm3::v1beta2::Metal3Machine;
use crate::capm3::associate::associated_host;
use crate::capm3::names::{CONTROL_PLANE_LABEL, HOSTNAME_LABEL, NODE_UUID_LABEL};
use crate::capm3::provider_id::host_provisioned;
use crate::capm3::select::consumer_is;

/// The Node `machine`'s kubelet registers, on the host with UID `host_uid`.
pub fn joining_node(machine: &Machine, host_uid: &str) -> Node {
    let name = machine.name_any();
    let mut labels = BTreeMap::from([
        (NODE_UUID_LABEL.to_owned(), host_uid.to_owned()),
        (HOSTNAME_LABEL.to_owned(), name.clone()),
    ]);
    if machine.labels().contains_key(CONTROL_PLANE_LABEL) {
        labels.insert(NODE_ROLE_CONTROL_PLANE.to_owned(), String::new());
    }
    let annotations = BTreeMap::from([
        (NODE_MACHINE_ANNOTATION.to_owned(), name.clone()),
        (
            NODE_CLUSTER_NAME_ANNOTATION.to_owned(),
            machine.spec.cluster_name.clone(),
        ),
        (
            NODE_CLUSTER_NAMESPACE_ANNOTATION.to_owned(),
            machine.namespace().unwrap_or_default(),
        ),
    ]);
    Node {
        metadata: ObjectMeta {
            name: Some(name),
            labels: Some(labels),
            annotations: Some(annotations),
            ..ObjectMeta::default()
        },
        spec: Some(NodeSpec::default()),
        status: None,
    }
}

/// The status the kubelet posts: the Metal3Machine's addresses, Ready.
pub fn node_status(infrastructure: &Metal3Machine) -> Value {
    let addresses: Vec<Value> = infrastructure
        .status
        .as_ref()
        .and_then(|s| s.addresses.as_ref())
        .into_iter()
        .flatten()
        .map(|a| json!({"type": a.r#type, "address": a.address}))
        .collect();
    let now = jiff::Timestamp::now().to_string();
    json!({"status": {
        "addresses": addresses,
        "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                        "message": "kubelet is posting ready status (capm3 sandbox)",
                        "lastHeartbeatTime": now, "lastTransitionTime": now}],
    }})
}

/// Whether the host runs its operating system: provisioned for this Metal3Machine, or the
/// Metal3Machine says so.
fn booted(host: &BareMetalHost, infrastructure: &Metal3Machine) -> bool {
    let provisioned = infrastructure
        .status
        .as_ref()
        .and_then(|s| s.initialization.as_ref())
        .and_then(|i| i.provisioned)
        == Some(true);
    let namespace = infrastructure.namespace().unwrap_or_default();
    let consumed = host
        .spec
        .consumer_ref
        .as_ref()
        .is_some_and(|c| consumer_is(c, &namespace, &infrastructure.name_any()));
    provisioned || (consumed && host_provisioned(host))
}

/// Registers `machine`'s Node in the workload cluster once its host booted; returns the name
/// of a Node it registered.
pub async fn join(
    context: &Context,
    workload: &kube::Client,
    machine: &Machine,
    infrastructure: &Metal3Machine,
) -> Result<Option<String>, Error> {
    let Some(host_name) = associated_host(infrastructure) else {
        return Ok(None);
    };
    let namespace = infrastructure.namespace().unwrap_or_default();
    let Some(host) = absent_ok(
        context
            .api::<BareMetalHost>(&namespace)
            .get(host_name)
            .await,
    )?
    else {
        return Ok(None);
    };
    if !booted(&host, infrastructure) {
        return Ok(None);
    }
    let uid = host.uid().unwrap_or_default();
    let nodes = Api::<Node>::all(workload.clone());
    let labelled = nodes
        .list(&ListParams::default().labels(&format!("{NODE_UUID_LABEL}={uid}")))
        .await
        .map_err(|e| workload_error(machine, e))?;
    if !labelled.items.is_empty() {
        return Ok(None);
    }
    let node = joining_node(machine, &uid);
    let name = node.name_any();
    match nodes.create(&PostParams::default(), &node).await {
        Ok(_) => {}
        // A Node of that name on another host: a name clash this sandbox does not resolve.
        Err(error) if crate::kubeutil::errors::already_exists(&error) => {
            return Err(Error::Blocked(format!(
                "workload Node {name} already exists for another host; Machine {} cannot join",
                machine.name_any()
            )));
        }
        Err(error) => return Err(workload_error(machine, error)),
    }
    nodes
        .patch_status(
            &name,
            &PatchParams::default(),
            &Patch::Merge(&node_status(infrastructure)),
        )
        .await
        .map_err(|e| workload_error(machine, e))?;
    Ok(Some(name))
}

/// Removes `machine`'s Nodes from the workload cluster: its `nodeRef`, and any Node registered
/// for it.
pub async fn leave(workload: &kube::Client, machine: &Machine) -> Result<(), Error> {
    let nodes = Api::<Node>::all(workload.clone());
    let listed = nodes
        .list(&ListParams::default())
        .await
        .map_err(|e| workload_error(machine, e))?;
    let node_ref = machine
        .status
        .as_ref()
        .and_then(|s| s.node_ref.as_ref())
        .map(|n| n.name.clone());
    for node in listed.items {
        let registered = node.annotations().get(NODE_MACHINE_ANNOTATION)
            == Some(&machine.name_any())
            && node.annotations().get(NODE_CLUSTER_NAMESPACE_ANNOTATION)
                == machine.namespace().as_ref();
        if registered || node_ref.as_deref() == Some(node.name_any().as_str()) {
            delete_ignoring_absent(&nodes, &node.name_any())
                .await
                .map_err(|e| workload_error(machine, e))?;
        }
    }
    Ok(())
}

/// `machine`'s workload Node, once it carries `provider_id`. The stand-in's Nodes are named
/// after their Machines, so this is one GET (a list per Machine would cost O(N²) at scale).
pub async fn node_with_provider_id(
    workload: &kube::Client,
    machine: &Machine,
    provider_id: &str,
) -> Result<Option<Node>, Error> {
    let node = Api::<Node>::all(workload.clone())
        .get_opt(&machine.name_any())
        .await
        .map_err(|e| workload_error(machine, e))?;
    Ok(node.filter(|node| {
        node.spec.as_ref().and_then(|s| s.provider_id.as_deref()) == Some(provider_id)
    }))
}

fn workload_error(machine: &Machine, error: kube::Error) -> Error {
    Error::Workload(format!(
        "workload cluster {} of Machine {}: {error}",
        machine.spec.cluster_name,
        machine.name_any()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metal3_machine(provisioned: bool) -> Metal3Machine {
        serde_json::from_value(json!({
            "metadata": {"name": "m1", "namespace": "ns", "annotations": {"metal3.io/BareMetalHost": "ns/host-0"}},
            "spec": {},
            "status": {"initialization": {"provisioned": provisioned},
                       "addresses": [{"type": "InternalIP", "address": "192.168.111.20"}]},
        }))
        .expect("metal3 machine")
    }

    fn host(state: &str, consumer: &str) -> BareMetalHost {
        serde_json::from_value(json!({
            "metadata": {"name": "host-0", "namespace": "ns", "uid": "host-uid"},
            "spec": {"online": true, "consumerRef": {"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2",
                                     "kind": "Metal3Machine", "name": consumer, "namespace": "ns"}},
            "status": {"provisioning": {"state": state, "ID": ""}, "operationalStatus": "OK",
                       "poweredOn": true, "errorCount": 0, "errorMessage": "",
                       "provisioningFailCount": 0},
        }))
        .expect("host")
    }

    /// The kubelet joins once the host is provisioned for this machine, or the machine is.
    #[test]
    fn joins_once_booted() {
        assert!(booted(&host("provisioned", "m1"), &metal3_machine(false)));
        assert!(!booted(&host("provisioning", "m1"), &metal3_machine(false)));
        assert!(!booted(
            &host("provisioned", "other"),
            &metal3_machine(false)
        ));
        assert!(booted(&host("provisioning", "m1"), &metal3_machine(true)));
    }

    #[test]
    fn the_node_is_labelled_with_the_host() {
        let machine: Machine = serde_json::from_value(json!({
            "metadata": {"name": "cp-1", "namespace": "ns", "labels": {"cluster.x-k8s.io/control-plane": ""}},
            "spec": {"clusterName": "c1", "infrastructureRef":
                     {"apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "Metal3Machine", "name": "cp-1"}},
        }))
        .expect("machine");
        let node = joining_node(&machine, "host-uid");
        assert_eq!(node.name_any(), "cp-1");
        let labels = node.labels();
        assert_eq!(
            labels.get(NODE_UUID_LABEL).map(String::as_str),
            Some("host-uid")
        );
        assert_eq!(labels.get(HOSTNAME_LABEL).map(String::as_str), Some("cp-1"));
        assert!(labels.contains_key(NODE_ROLE_CONTROL_PLANE));
        assert_eq!(
            node.spec.and_then(|s| s.provider_id),
            None,
            "CAPM3 sets the providerID"
        );
        let status = node_status(&metal3_machine(true));
        assert_eq!(
            status["status"]["addresses"],
            json!([{"type": "InternalIP", "address": "192.168.111.20"}])
        );
    }
}

//! A Machine's status as Cluster API's Machine controller derives it from what it watches:
//! the bootstrap data, the Metal3Machine (provisioned, providerID, addresses — the contract's
//! fields, copied once provisioned) and the workload Node carrying the providerID. Pure.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Node;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::{Resource, ResourceExt};

use super::conditions::{Fact, record};
use super::names::condition::{self, reason};
use super::names::phase;
use crate::api::capi::{Machine, MachineAddress, MachineNodeReference, MachineStatus};
use crate::api::capm3::v1beta2::Metal3Machine;

/// What a Machine's status is made of.
pub struct Observed<'a> {
    pub machine: &'a Machine,
    pub infrastructure: Option<&'a Metal3Machine>,
    /// The workload Node whose `spec.providerID` is the Machine's.
    pub node: Option<&'a Node>,
}

fn provisioned(infrastructure: &Metal3Machine) -> bool {
    infrastructure
        .status
        .as_ref()
        .and_then(|s| s.initialization.as_ref())
        .and_then(|i| i.provisioned)
        == Some(true)
}

/// The providerID to copy to the Machine: the Metal3Machine's, once it is provisioned.
pub fn provider_id(infrastructure: Option<&Metal3Machine>) -> Option<String> {
    infrastructure
        .filter(|i| provisioned(i))
        .and_then(|i| i.spec.provider_id.clone())
        .filter(|id| !id.is_empty())
}

/// The Metal3Machine's addresses, in the Machine's terms.
fn addresses(infrastructure: &Metal3Machine) -> Option<Vec<MachineAddress>> {
    let addresses = infrastructure.status.as_ref()?.addresses.as_ref()?;
    Some(
        addresses
            .iter()
            .filter_map(|a| {
                let type_ = serde_json::to_value(a.r#type).ok()?.as_str()?.to_owned();
                Some(MachineAddress {
                    r#type: type_,
                    address: a.address.clone(),
                })
            })
            .collect(),
    )
}

fn node_ready(node: &Node) -> bool {
    node.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|conditions| {
            conditions
                .iter()
                .any(|c| c.type_ == "Ready" && c.status == "True")
        })
}

/// The status Cluster API would write. A Node that goes away leaves `nodeRef` as it was, as
/// Cluster API does (it reports the Node missing in `NodeReady`).
pub fn desired_status(observed: &Observed<'_>) -> MachineStatus {
    let machine = observed.machine;
    let mut status = machine.status.clone().unwrap_or_default();
    let bootstrapped = machine.spec.bootstrap.data_secret_name.is_some();
    let init = status.initialization.get_or_insert_default();
    init.bootstrap_data_secret_created = Some(bootstrapped);
    let infrastructure_provisioned = observed.infrastructure.is_some_and(provisioned)
        || init.infrastructure_provisioned == Some(true);
    init.infrastructure_provisioned = Some(infrastructure_provisioned);
    if let Some(addresses) = observed.infrastructure.and_then(addresses) {
        status.addresses = Some(addresses);
    }
    if let Some(node) = observed.node {
        status.node_ref = Some(MachineNodeReference {
            name: node.name_any(),
        });
    }

    let phase = if machine.meta().deletion_timestamp.is_some() {
        phase::DELETING
    } else if status.node_ref.is_some() {
        phase::RUNNING
    } else if infrastructure_provisioned && machine.spec.provider_id.is_some() {
        phase::PROVISIONED
    } else if bootstrapped {
        phase::PROVISIONING
    } else {
        phase::PENDING
    };
    if status.phase.as_deref() != Some(phase) {
        status.phase = Some(phase.to_owned());
        status.last_updated = Some(Time(Timestamp::now()));
    }
    let facts = [
        bootstrap_fact(bootstrapped),
        infrastructure_fact(observed.infrastructure, infrastructure_provisioned),
        node_fact(observed.node),
    ];
    record(
        &mut status.conditions,
        &mut status.rest,
        &facts,
        machine.metadata.generation,
    );
    status
}

fn bootstrap_fact(bootstrapped: bool) -> Fact {
    let fact = if bootstrapped {
        Fact::new(
            condition::BOOTSTRAP_CONFIG_READY,
            true,
            reason::DATA_SECRET_PROVIDED,
            "",
        )
    } else {
        Fact::new(
            condition::BOOTSTRAP_CONFIG_READY,
            false,
            reason::BOOTSTRAP_CONFIG_NOT_READY,
            "Waiting for the bootstrap data Secret",
        )
    };
    fact.v1beta1_as(condition::BOOTSTRAP_READY_V1BETA1)
}

fn infrastructure_fact(infrastructure: Option<&Metal3Machine>, provisioned: bool) -> Fact {
    match infrastructure {
        _ if provisioned => Fact::new(
            condition::INFRASTRUCTURE_READY,
            true,
            reason::INFRASTRUCTURE_READY,
            "",
        ),
        Some(infrastructure) => Fact::new(
            condition::INFRASTRUCTURE_READY,
            false,
            reason::INFRASTRUCTURE_NOT_READY,
            &format!(
                "Metal3Machine {} is not provisioned yet",
                infrastructure.name_any()
            ),
        ),
        None => Fact::new(
            condition::INFRASTRUCTURE_READY,
            false,
            reason::INFRASTRUCTURE_DOES_NOT_EXIST,
            "The Metal3Machine does not exist",
        ),
    }
}

fn node_fact(node: Option<&Node>) -> Fact {
    match node {
        Some(node) if node_ready(node) => {
            Fact::new(condition::NODE_READY, true, reason::NODE_READY, "")
        }
        Some(node) => Fact::new(
            condition::NODE_READY,
            false,
            reason::NODE_NOT_READY,
            &format!("Node {} is not ready", node.name_any()),
        ),
        None => Fact::new(
            condition::NODE_READY,
            false,
            reason::NODE_DOES_NOT_EXIST,
            "Waiting for a Node with the Machine's providerID",
        ),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn machine(overlay: Value) -> Machine {
        let mut value = json!({
            "metadata": {"name": "m1", "namespace": "ns", "generation": 1},
            "spec": {"clusterName": "c1", "infrastructureRef":
                     {"apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "Metal3Machine", "name": "m1"}},
        });
        json_patch::merge(&mut value, &overlay);
        serde_json::from_value(value).expect("machine")
    }

    fn metal3_machine(provisioned: bool) -> Metal3Machine {
        serde_json::from_value(json!({
            "metadata": {"name": "m1", "namespace": "ns"},
            "spec": {"providerID": "metal3://ns/host-0/m1"},
            "status": {"initialization": {"provisioned": provisioned},
                       "addresses": [{"type": "InternalIP", "address": "192.168.111.20"},
                                     {"type": "Hostname", "address": "host-0"}]},
        }))
        .expect("metal3 machine")
    }

    fn node() -> Node {
        serde_json::from_value(json!({
            "metadata": {"name": "m1"}, "spec": {"providerID": "metal3://ns/host-0/m1"},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]},
        }))
        .expect("node")
    }

    fn phase_of(observed: &Observed<'_>) -> String {
        desired_status(observed).phase.unwrap_or_default()
    }

    /// Pending → Provisioning (bootstrap data) → Provisioned (infrastructure, providerID) →
    /// Running (Node) → Deleting.
    #[test]
    fn phases() {
        let bare = machine(json!({}));
        assert_eq!(
            phase_of(&Observed {
                machine: &bare,
                infrastructure: None,
                node: None
            }),
            "Pending"
        );
        let bootstrapped = machine(json!({"spec": {"bootstrap": {"dataSecretName": "m1"}}}));
        let waiting = metal3_machine(false);
        assert_eq!(
            phase_of(&Observed {
                machine: &bootstrapped,
                infrastructure: Some(&waiting),
                node: None
            }),
            "Provisioning"
        );
        let linked = machine(json!({"spec": {"bootstrap": {"dataSecretName": "m1"},
                                             "providerID": "metal3://ns/host-0/m1"}}));
        let provisioned = metal3_machine(true);
        assert_eq!(
            phase_of(&Observed {
                machine: &linked,
                infrastructure: Some(&provisioned),
                node: None
            }),
            "Provisioned"
        );
        let node = node();
        let running = desired_status(&Observed {
            machine: &linked,
            infrastructure: Some(&provisioned),
            node: Some(&node),
        });
        assert_eq!(running.phase.as_deref(), Some("Running"));
        assert_eq!(running.node_ref.map(|n| n.name).as_deref(), Some("m1"));
        let addresses: Vec<(String, String)> = running
            .addresses
            .unwrap_or_default()
            .into_iter()
            .map(|a| (a.r#type, a.address))
            .collect();
        assert_eq!(
            addresses,
            vec![
                ("InternalIP".to_owned(), "192.168.111.20".to_owned()),
                ("Hostname".to_owned(), "host-0".to_owned()),
            ]
        );
        let conditions = running.conditions.unwrap_or_default();
        for type_ in ["BootstrapConfigReady", "InfrastructureReady", "NodeReady"] {
            assert!(
                conditions
                    .iter()
                    .any(|c| c.type_ == type_ && c.status == "True"),
                "{type_}"
            );
        }
        let deleting = machine(json!({"metadata": {"deletionTimestamp": "2025-01-01T00:00:00Z"}}));
        assert_eq!(
            phase_of(&Observed {
                machine: &deleting,
                infrastructure: None,
                node: None
            }),
            "Deleting"
        );
    }

    #[test]
    fn the_provider_id_is_copied_once_provisioned() {
        assert_eq!(provider_id(Some(&metal3_machine(false))), None);
        assert_eq!(
            provider_id(Some(&metal3_machine(true))).as_deref(),
            Some("metal3://ns/host-0/m1")
        );
        assert_eq!(provider_id(None), None);
    }

    #[test]
    fn the_same_observation_writes_nothing_new() {
        let linked = machine(json!({"spec": {"bootstrap": {"dataSecretName": "m1"},
                                             "providerID": "metal3://ns/host-0/m1"}}));
        let provisioned = metal3_machine(true);
        let node = node();
        let observed = Observed {
            machine: &linked,
            infrastructure: Some(&provisioned),
            node: Some(&node),
        };
        let first = desired_status(&observed);
        let mut again = linked.clone();
        again.status = Some(first.clone());
        let second = desired_status(&Observed {
            machine: &again,
            ..observed
        });
        assert_eq!(second, first);
    }
}

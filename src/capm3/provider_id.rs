//! Linking a provisioned host to its workload Node through the providerID (reference §1.2.3,
//! §1.2.7; PID-01…PID-09). Cluster API copies `spec.providerID` to the Machine and sets
//! `Machine.status.nodeRef` once a Node carries the same value.
//!
//! The format is `metal3://<namespace>/<host>/<metal3machine>`. The legacy
//! `metal3://<host uid>` is gone upstream (v1.14): a Node carrying it, or any other value,
//! is an error (PID-04).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Node;
use kube::ResourceExt;
use serde_json::{Value, json};

use super::changes::MachineChanges;
use super::data::secrets_set_externally;
use super::names::{HOST_ANNOTATION, HOSTNAME_LABEL, NODE_UUID_LABEL, PROVIDER_ID_PREFIX};
use super::outcome::{Event, Next, Report};
use crate::api::bmo::v1alpha1::BareMetalHost;
use crate::api::capm3::v1beta2::{MachineAddressType, Metal3Machine};
use crate::bmo::state::ProvisioningState;

/// `metal3://<namespace>/<host>/<metal3machine>` for `machine`, the host named by its
/// annotation, whose namespace part must be the machine's.
pub fn expected_provider_id(machine: &Metal3Machine) -> Result<String, String> {
    let namespace = machine.namespace().unwrap_or_default();
    let annotation = machine
        .annotations()
        .get(HOST_ANNOTATION)
        .map(String::as_str)
        .unwrap_or_default();
    match annotation.split('/').collect::<Vec<_>>()[..] {
        [host_namespace, host, ..] if host_namespace == namespace => Ok(format!(
            "{PROVIDER_ID_PREFIX}{namespace}/{host}/{}",
            machine.name_any()
        )),
        _ => Err(format!(
            "unable to retrieve bmh name from metal3machine {} using annotation: {annotation}",
            machine.name_any()
        )),
    }
}

fn provider_id_of(node: &Node) -> &str {
    node.spec
        .as_ref()
        .and_then(|s| s.provider_id.as_deref())
        .unwrap_or_default()
}

/// The Node carrying `expected`, refusing ambiguity (PID-08): any providerID used by more
/// than one Node (upstream checks every providerID, not only this machine's), or more than
/// one providerID under this machine's `metal3://<namespace>/<host>/` prefix.
pub fn node_with_provider_id<'n>(
    nodes: &'n [Node],
    expected: &str,
) -> Result<Option<&'n Node>, String> {
    let mut by_id: BTreeMap<&str, Vec<&Node>> = BTreeMap::new();
    for node in nodes {
        let id = provider_id_of(node);
        if !id.is_empty() && !node.name_any().is_empty() {
            by_id.entry(id).or_default().push(node);
        }
    }
    let names = |nodes: &[&Node]| {
        nodes
            .iter()
            .map(|n| n.name_any())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some((id, nodes)) = by_id.iter().find(|(_, nodes)| nodes.len() > 1) {
        return Err(format!(
            "providerID {id} is in use by multiple nodes: ({})",
            names(nodes)
        ));
    }
    let prefix = &expected[..expected.rfind('/').map_or(0, |i| i + 1)];
    let sharing: Vec<&Node> = by_id
        .iter()
        .filter(|(id, _)| id.contains(prefix))
        .flat_map(|(_, nodes)| nodes.iter().copied())
        .collect();
    if sharing.len() > 1 {
        return Err(format!(
            "providerIDs under {prefix} are used by several nodes: ({})",
            names(&sharing)
        ));
    }
    Ok(by_id.get(expected).map(|nodes| nodes[0]))
}

/// A Node's `spec.providerID` to set: as a merge or strategic-merge patch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodePatch {
    pub node: String,
    pub provider_id: String,
}

impl NodePatch {
    pub fn patch(&self) -> Value {
        json!({"spec": {"providerID": self.provider_id}})
    }
}

/// What linking writes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeLink {
    /// `spec.providerID` and `status.initialization.provisioned` (PID-02).
    pub machine: MachineChanges,
    /// Set the providerID on this workload Node.
    pub node: Option<NodePatch>,
    pub report: Report,
}

/// What linking reads.
#[derive(Clone, Copy, Debug)]
pub struct NodeLinkInput<'a> {
    pub machine: &'a Metal3Machine,
    pub host: &'a BareMetalHost,
    /// `Metal3Cluster.spec.cloudProviderEnabled`.
    pub cloud_provider_enabled: bool,
    /// The Machine has a bootstrap config (not just a data Secret): its Node will carry the
    /// `metal3.io/uuid` label, so wait for that rather than fall back to hostnames.
    pub bootstrap_config: bool,
    /// Every Node of the workload cluster.
    pub nodes: &'a [Node],
}

/// Whether `host` is `provisioned`: only then is its Node looked for, so the shell reads the
/// workload cluster's Nodes only for such hosts.
pub fn host_provisioned(host: &BareMetalHost) -> bool {
    let state = host.status.as_ref().map(|s| s.provisioning.state.as_str());
    state.and_then(ProvisioningState::parse) == Some(ProvisioningState::Provisioned)
}

/// The providerID decision tree (§1.2.7), once the host is provisioned:
/// 1. a providerID is set and a Node carries exactly it: provisioned (PID-03);
/// 2. with a cloud provider, copy the providerID of the Node that carries the expected one,
///    waiting 30 s until it exists (PID-06);
/// 3. the Node labelled `metal3.io/uuid=<host uid>`: set the expected providerID on the
///    machine, and on the Node when it has none (PID-01, PID-09); none yet but a bootstrap
///    config: wait 30 s; several: error (PID-05); another providerID: error (PID-04);
/// 4. otherwise set the expected providerID and find the Node by hostname (PID-07).
pub fn link_node(input: &NodeLinkInput<'_>) -> NodeLink {
    if !host_provisioned(input.host) {
        return NodeLink::default();
    }
    let expected = match expected_provider_id(input.machine) {
        Ok(expected) => expected,
        Err(error) => return failed(Next::Retry(error)),
    };
    let current = input
        .machine
        .spec
        .provider_id
        .clone()
        .filter(|id| !id.is_empty());
    let found = node_with_provider_id(input.nodes, &expected);
    if current.is_some() && matches!(found, Ok(Some(_))) {
        return provisioned(None, None);
    }
    if input.cloud_provider_enabled {
        return match found {
            Ok(Some(node)) => provisioned(Some(provider_id_of(node).to_owned()), None),
            Ok(None) => failed(Next::later()),
            Err(error) => failed_with(Next::later(), error),
        };
    }
    if let Some(link) = link_by_label(input, &expected) {
        return link;
    }
    let provider_id = current.clone().unwrap_or_else(|| expected.clone());
    let mut link = match current {
        Some(_) => NodeLink::default(),
        None => provisioned(Some(expected), None),
    };
    match node_by_hostname(input.machine, input.nodes) {
        Ok(node) => {
            if provider_id_of(node) != provider_id {
                link.node = Some(NodePatch {
                    node: node.name_any(),
                    provider_id,
                });
            }
        }
        Err(message) => link.report = link.report.then(failed_with(Next::later(), message).report),
    }
    link
}

/// Step 3: the Node labelled with the host's UID; `None` when there is none and no bootstrap
/// config to wait for.
fn link_by_label(input: &NodeLinkInput<'_>, expected: &str) -> Option<NodeLink> {
    let uid = input.host.uid().unwrap_or_default();
    let label = format!("{NODE_UUID_LABEL}={uid}");
    let labelled: Vec<&Node> = input
        .nodes
        .iter()
        .filter(|n| n.labels().get(NODE_UUID_LABEL) == Some(&uid))
        .collect();
    let node = match labelled[..] {
        [] if input.bootstrap_config => {
            return Some(failed_with(
                Next::later(),
                format!("requeuing, could not find node with label: {label}"),
            ));
        }
        [] => return None,
        [node] => node,
        _ => {
            let message = format!("found multiple target nodes with the same label: ({label})");
            return Some(failed(Next::Retry(message)));
        }
    };
    let on_node = provider_id_of(node);
    let mut link = match on_node {
        "" => provisioned(
            Some(expected.to_owned()),
            Some(NodePatch {
                node: node.name_any(),
                provider_id: expected.to_owned(),
            }),
        ),
        same if same == expected => provisioned(Some(expected.to_owned()), None),
        other => {
            let message = format!("node using unsupported providerID format: {other}");
            return Some(failed(Next::Retry(message)));
        }
    };
    link.report = secrets_set_externally(input.machine).then(link.report);
    Some(link)
}

/// Step 5: the one Node whose `kubernetes.io/hostname` is a hostname of the machine.
fn node_by_hostname<'n>(machine: &Metal3Machine, nodes: &'n [Node]) -> Result<&'n Node, String> {
    let hostnames: Vec<&str> = machine
        .status
        .as_ref()
        .and_then(|s| s.addresses.as_ref())
        .into_iter()
        .flatten()
        .filter(|a| a.r#type == MachineAddressType::Hostname)
        .map(|a| a.address.as_str())
        .collect();
    if hostnames.is_empty() {
        return Err("metal3Data Secret not ready".into());
    }
    if nodes.is_empty() {
        return Err("no Nodes found".into());
    }
    let matching: Vec<&Node> = nodes
        .iter()
        .filter(|n| {
            n.labels()
                .get(HOSTNAME_LABEL)
                .is_some_and(|h| hostnames.contains(&h.as_str()))
        })
        .collect();
    match matching[..] {
        [node] => Ok(node),
        [] => Err(format!(
            "no nodes matching hostnames: {}",
            hostnames.join(", ")
        )),
        _ => Err(format!(
            "multiple nodes matching hostnames: {}",
            hostnames.join(", ")
        )),
    }
}

/// Provisioned with `provider_id` set on the machine (when `Some`) and `node` patched.
fn provisioned(provider_id: Option<String>, node: Option<NodePatch>) -> NodeLink {
    let report = match &provider_id {
        Some(id) => Report::default().with_event(Event::normal(
            "ProviderIDSet",
            "LinkNode",
            format!("Set providerID {id}"),
        )),
        None => Report::default(),
    };
    NodeLink {
        machine: MachineChanges {
            provider_id,
            provisioned: Some(true),
            ..MachineChanges::default()
        },
        node,
        report,
    }
}

fn failed(next: Next) -> NodeLink {
    NodeLink {
        report: Report::next(next),
        ..NodeLink::default()
    }
}

/// The workload cluster's Nodes could not be read or written (no kubeconfig Secret yet, API
/// server unreachable): retried with backoff, as upstream returns the error, with an Event
/// saying why the Node is not linked yet.
pub fn nodes_unreadable(error: &str) -> Report {
    Report::next(Next::Retry(error.to_owned())).with_event(Event::warning(
        "NodeNotLinked",
        "LinkNode",
        error.to_owned(),
    ))
}

/// Waiting with a reason worth an Event (upstream only logs these).
fn failed_with(next: Next, message: String) -> NodeLink {
    NodeLink {
        report: Report::next(next).with_event(Event::warning("NodeNotLinked", "LinkNode", message)),
        ..NodeLink::default()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::capm3::conditions::reason;
    use crate::capm3::fixtures::{NS, host, machine, node};

    const EXPECTED: &str = "metal3://metal3/h1/m3m";

    fn m3m(overlay: Value) -> Metal3Machine {
        let mut m3m = machine("m3m", overlay);
        m3m.metadata
            .annotations
            .get_or_insert_default()
            .insert(HOST_ANNOTATION.into(), format!("{NS}/h1"));
        m3m
    }

    fn link(machine: &Metal3Machine, cloud: bool, config: bool, nodes: &[Node]) -> NodeLink {
        link_node(&NodeLinkInput {
            machine,
            host: &host("h1", "provisioned", json!({})),
            cloud_provider_enabled: cloud,
            bootstrap_config: config,
            nodes,
        })
    }

    #[test]
    fn unreadable_nodes_retry_with_an_event() {
        let report = nodes_unreadable("kubeconfig Secret metal3/test1-kubeconfig not found");
        assert!(matches!(report.next, Next::Retry(_)));
        assert_eq!(report.events[0].reason, "NodeNotLinked");
        assert!(report.conditions.is_empty());
    }

    #[test]
    fn expected_format() {
        assert_eq!(
            expected_provider_id(&m3m(json!({}))).as_deref(),
            Ok(EXPECTED)
        );
        let foreign = machine(
            "m3m",
            json!({"metadata": {"annotations": {"metal3.io/BareMetalHost": "other/h1"}}}),
        );
        assert!(expected_provider_id(&foreign).is_err());
        assert!(expected_provider_id(&machine("m3m", json!({}))).is_err());
    }

    /// Nothing happens before the host is provisioned.
    #[test]
    fn waits_for_provisioning() {
        let link = link_node(&NodeLinkInput {
            machine: &m3m(json!({})),
            host: &host("h1", "provisioning", json!({})),
            cloud_provider_enabled: false,
            bootstrap_config: true,
            nodes: &[],
        });
        assert_eq!(link, NodeLink::default());
        assert!(!host_provisioned(&host("h1", "provisioning", json!({}))));
        assert!(host_provisioned(&host("h1", "provisioned", json!({}))));
    }

    /// PID-01, PID-02, PID-09: the labelled Node gets the providerID, the machine too.
    #[test]
    fn labelled_node_without_provider_id() {
        let nodes = [
            node("n1", &[(NODE_UUID_LABEL, "uid-h1")], ""),
            node("n2", &[], ""),
        ];
        let link = link(&m3m(json!({})), false, true, &nodes);
        assert_eq!(link.machine.provider_id.as_deref(), Some(EXPECTED));
        assert_eq!(link.machine.provisioned, Some(true));
        let patch = link.node.expect("node patch");
        assert_eq!(patch.node, "n1");
        assert_eq!(patch.patch(), json!({"spec": {"providerID": EXPECTED}}));
        assert_eq!(
            link.report.conditions[0].reason,
            reason::SECRETS_SET_EXTERNALLY
        );
        assert_eq!(link.report.next, Next::AwaitChange);
    }

    /// PID-03: a Node carrying the expected providerID is accepted without a patch.
    #[test]
    fn node_already_carries_it() {
        let nodes = [node("n1", &[(NODE_UUID_LABEL, "uid-h1")], EXPECTED)];
        let fresh = link(&m3m(json!({})), false, true, &nodes);
        assert_eq!(fresh.machine.provider_id.as_deref(), Some(EXPECTED));
        assert_eq!(fresh.node, None);
        let set = link(
            &m3m(json!({"spec": {"providerID": EXPECTED}})),
            false,
            true,
            &nodes,
        );
        assert_eq!(
            set.machine,
            MachineChanges {
                provisioned: Some(true),
                ..MachineChanges::default()
            }
        );
        assert!(set.report.conditions.is_empty());
    }

    /// PID-04: a different providerID on the labelled Node (legacy format included) fails.
    #[test]
    fn unsupported_provider_id() {
        let nodes = [node(
            "n1",
            &[(NODE_UUID_LABEL, "uid-h1")],
            "metal3://uid-h1",
        )];
        let link = link(&m3m(json!({})), false, true, &nodes);
        assert_eq!(
            link.report.next,
            Next::Retry("node using unsupported providerID format: metal3://uid-h1".into())
        );
        assert_eq!(link.machine, MachineChanges::default());
    }

    /// PID-05: several labelled Nodes are an error; none with a bootstrap config is a wait.
    #[test]
    fn label_ambiguity_and_absence() {
        let nodes = [
            node("n1", &[(NODE_UUID_LABEL, "uid-h1")], ""),
            node("n2", &[(NODE_UUID_LABEL, "uid-h1")], ""),
        ];
        assert!(matches!(
            link(&m3m(json!({})), false, true, &nodes).report.next,
            Next::Retry(_)
        ));
        let waiting = link(&m3m(json!({})), false, true, &[node("n3", &[], "")]);
        assert_eq!(waiting.report.next, Next::later());
        assert_eq!(waiting.machine, MachineChanges::default());
    }

    /// PID-06: with a cloud provider, the Node's providerID is copied once it exists.
    #[test]
    fn cloud_provider() {
        let waiting = link(&m3m(json!({})), true, true, &[node("n1", &[], "")]);
        assert_eq!(waiting.report.next, Next::later());
        let found = link(&m3m(json!({})), true, true, &[node("n1", &[], EXPECTED)]);
        assert_eq!(found.machine.provider_id.as_deref(), Some(EXPECTED));
        assert_eq!(found.machine.provisioned, Some(true));
        assert_eq!(found.node, None);
    }

    /// PID-07: no label and no bootstrap config: the default providerID, then the Node by
    /// hostname.
    #[test]
    fn hostname_fallback() {
        let with_hostname =
            m3m(json!({"status": {"addresses": [{"type": "Hostname", "address": "node-1"}]}}));
        let nodes = [
            node("n1", &[(HOSTNAME_LABEL, "node-1")], ""),
            node("n2", &[(HOSTNAME_LABEL, "node-2")], ""),
        ];
        let link1 = link(&with_hostname, false, false, &nodes);
        assert_eq!(link1.machine.provider_id.as_deref(), Some(EXPECTED));
        assert_eq!(link1.machine.provisioned, Some(true));
        assert_eq!(
            link1.node,
            Some(NodePatch {
                node: "n1".into(),
                provider_id: EXPECTED.into()
            })
        );

        let no_hostname = link(&m3m(json!({})), false, false, &nodes);
        assert_eq!(no_hostname.machine.provider_id.as_deref(), Some(EXPECTED));
        assert_eq!(no_hostname.report.next, Next::later());
        assert!(
            no_hostname
                .report
                .events
                .iter()
                .any(|e| e.note == "metal3Data Secret not ready")
        );

        let twice = [
            node("n1", &[(HOSTNAME_LABEL, "node-1")], ""),
            node("n2", &[(HOSTNAME_LABEL, "node-1")], ""),
        ];
        let ambiguous = link(&with_hostname, false, false, &twice);
        assert_eq!(ambiguous.node, None);
        assert!(
            ambiguous
                .report
                .events
                .iter()
                .any(|e| e.note.starts_with("multiple nodes matching hostnames"))
        );
    }

    /// PID-08: duplicates are refused.
    #[test]
    fn duplicates() {
        let same = [node("a", &[], EXPECTED), node("b", &[], EXPECTED)];
        assert_eq!(
            node_with_provider_id(&same, EXPECTED).map(|n| n.map(|n| n.name_any())),
            Err(format!(
                "providerID {EXPECTED} is in use by multiple nodes: (a, b)"
            ))
        );
        let sharing = [
            node("a", &[], EXPECTED),
            node("b", &[], "metal3://metal3/h1/other"),
        ];
        assert!(node_with_provider_id(&sharing, EXPECTED).is_err());
        let fine = [
            node("a", &[], EXPECTED),
            node("b", &[], "metal3://metal3/h2/x"),
        ];
        assert_eq!(
            node_with_provider_id(&fine, EXPECTED).map(|n| n.map(|n| n.name_any())),
            Ok(Some("a".into()))
        );
        let cloud = link(&m3m(json!({})), true, true, &sharing);
        assert_eq!(cloud.report.next, Next::later());
        assert_eq!(cloud.report.events[0].reason, "NodeNotLinked");
    }
}

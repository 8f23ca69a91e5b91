//! The provisioning limit (upstream's `HasCapacity`): at most `PROVISIONING_LIMIT` hosts
//! boot the deploy ramdisk over the provisioning network at once.

use std::collections::HashSet;

use super::IronicProvisioner;
use super::lookup::node_name;
use crate::bmo::provisioner::ProvisionResult;
use crate::ironic::{Node, states as s};

/// States in which a node runs the deploy ramdisk.
const BUSY: [&str; 7] = [
    s::CLEANING,
    s::CLEAN_WAIT,
    s::INSPECTING,
    s::INSPECT_WAIT,
    s::DEPLOYING,
    s::WAIT_CALL_BACK,
    s::DELETING,
];

pub(super) async fn has_capacity(p: &IronicProvisioner) -> ProvisionResult<bool> {
    // Virtual media needs no DHCP and shares one image: no limit.
    if p.access()?.supports_iso_preprovisioning_image() {
        return Ok(true);
    }
    let nodes = p
        .client
        .nodes(&["uuid", "name", "provision_state", "boot_interface"])
        .await?;
    let busy = busy_hosts(&nodes);
    let own = node_name(&p.host.namespace, &p.host.name);
    let limit = usize::try_from(p.config.provisioning_limit).unwrap_or(usize::MAX);
    Ok(busy.contains(own.as_str()) || busy.len() < limit)
}

/// Names (or UUIDs) of the nodes using the provisioning network's capacity.
fn busy_hosts(nodes: &[Node]) -> HashSet<&str> {
    nodes
        .iter()
        .filter(|n| BUSY.contains(&n.provision_state.as_deref().unwrap_or_default()))
        .filter(|n| {
            !n.boot_interface
                .as_deref()
                .unwrap_or_default()
                .contains("virtual-media")
        })
        .map(|n| n.name.as_deref().unwrap_or(&n.uuid))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn virtual_media_and_idle_nodes_are_not_counted() {
        let nodes: Vec<Node> = serde_json::from_value(json!([
            {"uuid": "1", "name": "ns~a", "provision_state": "deploying", "boot_interface": "ipxe"},
            {"uuid": "2", "name": "ns~b", "provision_state": "clean wait", "boot_interface": "ipxe"},
            {"uuid": "3", "name": "ns~c", "provision_state": "inspecting", "boot_interface": "redfish-virtual-media"},
            {"uuid": "4", "name": "ns~d", "provision_state": "active", "boot_interface": "ipxe"},
            {"uuid": "5", "provision_state": "wait call-back"},
        ]))
        .expect("nodes");
        let busy = busy_hosts(&nodes);
        assert_eq!(busy, HashSet::from(["ns~a", "ns~b", "5"]));
    }
}

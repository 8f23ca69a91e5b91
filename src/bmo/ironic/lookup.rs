//! Finding the host's node (upstream's `getNode` and `findExistingHost`, reference §4.3).

use super::IronicProvisioner;
use crate::bmo::provisioner::{ProvisionResult, ProvisionerError};
use crate::ironic::{Node, Port};

/// Ironic node names are `<namespace>~<name>`.
const SEPARATOR: char = '~';

pub(super) fn node_name(namespace: &str, name: &str) -> String {
    format!("{namespace}{SEPARATOR}{name}")
}

/// What this reconcile knows of the node: its UUID (from the status, or found) and the node
/// itself once read. A state change forgets the node, so the next call reads it afresh.
pub(super) struct Known {
    pub uuid: String,
    pub node: Option<Node>,
    /// The node's ports, when the shared listing gave them with the node.
    pub ports: Option<Vec<Port>>,
}

/// How registration found the node.
pub(super) enum Found {
    Node(Box<Node>),
    Missing,
    /// The boot MAC's port belongs to a node named for another host.
    Conflict(String),
}

impl IronicProvisioner {
    /// The registered node, read at most once per reconcile.
    pub(super) async fn node(&self) -> ProvisionResult<Node> {
        let uuid = {
            let known = self.known.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(node) = &known.node {
                return Ok(node.clone());
            }
            known.uuid.clone()
        };
        if uuid.is_empty() {
            return Err(ProvisionerError::NeedsRegistration);
        }
        let listed = if self.host.state.at_rest() {
            self.snapshot.node(&self.client, &uuid).await?
        } else {
            None
        };
        let node = match listed {
            Some(listed) => {
                self.remember(Some(listed.node.clone()));
                self.known.lock().unwrap_or_else(|p| p.into_inner()).ports = Some(listed.ports);
                return Ok(listed.node);
            }
            None => self
                .client
                .find_node(&uuid)
                .await?
                .ok_or(ProvisionerError::NeedsRegistration)?,
        };
        self.remember(Some(node.clone()));
        Ok(node)
    }

    /// Forgets the node after a change, so the next read sees Ironic's view.
    pub(super) fn forget(&self) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        self.snapshot.changed(&known.uuid);
        known.node = None;
        known.ports = None;
    }

    /// The node's ports as the shared listing gave them, if it did.
    pub(super) fn listed_ports(&self) -> Option<Vec<Port>> {
        self.known
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .ports
            .clone()
    }

    /// Registration's lookup: by ID, by `ns~name`, by the legacy bare name, then by the
    /// boot MAC's port.
    pub(super) async fn find_existing(&self) -> ProvisionResult<Found> {
        match self.node().await {
            Ok(node) => return Ok(Found::Node(Box::new(node))),
            Err(ProvisionerError::NeedsRegistration) => {}
            Err(e) => return Err(e),
        }
        let host = &self.host;
        let mut names = vec![node_name(&host.namespace, &host.name)];
        if !host.name.contains(SEPARATOR) {
            names.push(host.name.clone());
        }
        for name in names {
            if let Some(node) = self.client.find_node(&name).await? {
                self.remember(Some(node.clone()));
                return Ok(Found::Node(Box::new(node)));
            }
        }
        let Some(mac) = host.boot_mac_address.as_deref().filter(|m| !m.is_empty()) else {
            return Ok(Found::Missing);
        };
        let ports = self.client.ports_by_address(mac).await?;
        let Some(node_uuid) = ports.iter().find_map(|p| p.node_uuid.as_deref()) else {
            return Ok(Found::Missing);
        };
        let node = self.client.find_node(node_uuid).await?.ok_or_else(|| {
            ProvisionerError::Other(format!(
                "port {mac} exists but linked node {node_uuid} doesn't"
            ))
        })?;
        match node.name.as_deref().filter(|n| !n.is_empty()) {
            Some(name) => Ok(Found::Conflict(format!(
                "MAC address {mac} conflicts with existing node {name}"
            ))),
            None => {
                self.remember(Some(node.clone()));
                Ok(Found::Node(Box::new(node)))
            }
        }
    }
}

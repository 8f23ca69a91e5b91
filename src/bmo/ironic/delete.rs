//! Removing the node (upstream's `Delete` and `Detach`, reference §4.7 `realDelete` and
//! §2.6).

use std::time::Duration;

use super::IronicProvisioner;
use super::actions::{LONG_DELAY, proceed, short_delay, unless_locked};
use super::patch::NodePatch;
use crate::bmo::provisioner::{Outcome, ProvisionResult, ProvisionerError};
use crate::ironic::{Node, states as s, targets};

/// Deletes the node once nothing runs on it; `force` aborts the waits a ramdisk would
/// never end (a detach that must not wait).
pub(super) async fn delete(p: &IronicProvisioner, force: bool) -> ProvisionResult<Outcome> {
    let node = match p.node().await {
        Ok(node) => node,
        Err(ProvisionerError::NeedsRegistration) => return Ok(Outcome::done()),
        Err(e) => return Err(e),
    };
    match node.provision_state.as_deref().unwrap_or_default() {
        s::VERIFYING => Ok(Outcome::waiting(short_delay())),
        s::DEPLOYING | s::CLEANING | s::INSPECTING | s::SERVICING | s::DELETING => {
            Ok(Outcome::waiting(LONG_DELAY))
        }
        s::INSPECT_WAIT | s::CLEAN_WAIT | s::SERVICE_WAIT if force => {
            p.change_state(&node, targets::ABORT).await
        }
        // Ironic aborts a deployment only from API 1.110; undeploying also stops it.
        s::WAIT_CALL_BACK if force => {
            let target = if p.client.has_microversion("1.110") {
                targets::ABORT
            } else {
                targets::DELETED
            };
            p.change_state(&node, target).await
        }
        s::INSPECT_WAIT | s::CLEAN_WAIT | s::SERVICE_WAIT | s::WAIT_CALL_BACK => {
            Ok(Outcome::waiting(LONG_DELAY))
        }
        s::ENROLL => remove(p, &node).await,
        s::AVAILABLE | s::MANAGEABLE => {
            // A stale instance would make the next owner of the hardware look provisioned.
            let mut patch = NodePatch::new(&node);
            patch.set("/instance_uuid", None);
            let node = proceed!(p.update(node, patch).await?);
            remove(p, &node).await
        }
        // Active and failed nodes can be deleted only in maintenance.
        _ if node.maintenance != Some(true) => p.set_maintenance(&node, true).await,
        _ => remove(p, &node).await,
    }
}

async fn remove(p: &IronicProvisioner, node: &Node) -> ProvisionResult<Outcome> {
    tracing::info!(uuid = %node.uuid, "deleting node");
    proceed!(unless_locked(p.client.delete_node(&node.uuid).await)?);
    p.forget();
    // Look again at once: the node is gone, the next call reports done.
    Ok(Outcome::waiting(Duration::ZERO))
}

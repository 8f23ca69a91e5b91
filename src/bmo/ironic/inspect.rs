//! Inspection (upstream's `InspectHardware`, reference §4.7 and §2.11).

use std::ops::ControlFlow;

use serde_json::{Value, json};

use super::IronicProvisioner;
use super::actions::{LONG_DELAY, proceed, settled, short_delay};
use super::enroll::set_boot_properties;
use super::hardware_details::hardware_details;
use super::patch::NodePatch;
use crate::api::bmo::v1alpha1::InspectionMode;
use crate::bmo::provisioner::{Inspection, Outcome, ProvisionResult, ProvisionerError};
use crate::ironic::{Node, ProvisionRequest, states as s, targets};

impl From<Outcome> for Inspection {
    fn from(outcome: Outcome) -> Inspection {
        Inspection {
            outcome,
            ..Inspection::default()
        }
    }
}

pub(super) async fn inspect_hardware(
    p: &IronicProvisioner,
    mut restart_on_failure: bool,
    mut refresh: bool,
    force_reboot: bool,
) -> ProvisionResult<Inspection> {
    let node = p.node().await?;
    let state = node.provision_state.as_deref().unwrap_or_default();
    let last_error = node.last_error.as_deref().unwrap_or_default();
    // Aborted on purpose (a forced reboot): start again, no error to report.
    if state == s::INSPECT_FAILED && last_error.contains("aborted") {
        refresh = true;
        restart_on_failure = true;
    }
    let fast = p.host.inspection_mode == InspectionMode::Fast;
    match state {
        s::AVAILABLE => return Ok(p.change_state(&node, targets::MANAGE).await?.into()),
        s::INSPECT_WAIT if force_reboot => {
            let flow = p
                .try_change_state(&node, ProvisionRequest::target(targets::ABORT))
                .await?;
            return Ok(Inspection {
                started: flow.is_continue(),
                outcome: settled(flow),
                details: None,
            });
        }
        s::INSPECT_WAIT | s::INSPECTING => {
            // Out-of-band inspection takes seconds, the agent's minutes.
            let delay = if fast { short_delay() } else { LONG_DELAY };
            return Ok(Outcome::waiting(delay).into());
        }
        s::INSPECT_FAILED if !restart_on_failure => {
            let failure = if last_error.is_empty() {
                "Inspection failed"
            } else {
                last_error
            };
            return Ok(Outcome::failed(failure).into());
        }
        s::INSPECT_FAILED => return start(p, node).await,
        s::MANAGEABLE if refresh => return start(p, node).await,
        s::MANAGEABLE => {}
        other => {
            return Err(ProvisionerError::Other(format!(
                "unexpected provision state {other}"
            )));
        }
    }
    let inventory = match p.client.inventory(&node.uuid).await? {
        Some(inventory) => inventory,
        // Upstream starts inspection again whenever there is no inventory, which never ends
        // with an inspect interface that stores none (Ironic's `fake` one). An inspection
        // Ironic saw succeed is done, and its inventory is empty.
        None if node.inspection_finished_at.is_some() => Value::Null,
        // Enrolled, never inspected.
        None => return start(p, node).await,
    };
    Ok(Inspection {
        outcome: Outcome::done(),
        started: false,
        details: Some(hardware_details(&inventory)),
    })
}

/// Sets the boot mode and inspect interface, then starts inspection.
async fn start(p: &IronicProvisioner, node: Node) -> ProvisionResult<Inspection> {
    let host = &p.host;
    let mut patch = NodePatch::new(&node);
    set_boot_properties(
        &mut patch,
        &node,
        host.boot_mode,
        host.cpu_architecture.as_deref(),
    );
    let fast = host.inspection_mode == InspectionMode::Fast;
    if let Some(interface) = p.access()?.inspect_interface(fast) {
        patch.set("/inspect_interface", Some(json!(interface)));
    }
    let node = proceed!(p.update(node, patch).await?);
    let flow = p
        .try_change_state(&node, ProvisionRequest::target(targets::INSPECT))
        .await?;
    if let ControlFlow::Continue(()) = flow {
        tracing::info!(uuid = %node.uuid, "inspection started");
    }
    Ok(Inspection {
        started: flow.is_continue(),
        outcome: settled(flow),
        details: None,
    })
}

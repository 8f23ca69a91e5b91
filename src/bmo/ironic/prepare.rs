//! Manual cleaning before the host becomes available (upstream's `Prepare`, reference
//! §4.7): RAID configuration. BIOS settings and firmware updates are not part of
//! [`PrepareData`] yet.

use std::ops::ControlFlow;

use serde_json::json;

use super::IronicProvisioner;
use super::actions::{LONG_DELAY, settled, unless_locked};
use super::clean_steps::{logical_disks, raid_clean_steps, raid_interface};
use super::patch::NodePatch;
use crate::bmo::provisioner::{Outcome, PrepareData, ProvisionResult, ProvisionerError};
use crate::ironic::{Node, ProvisionRequest, states as s, targets};

/// Returns the outcome and whether cleaning started (or nothing needed doing, which the host
/// records the same way).
pub(super) async fn prepare(
    p: &IronicProvisioner,
    data: &PrepareData,
    unprepared: bool,
    restart_on_failure: bool,
) -> ProvisionResult<(Outcome, bool)> {
    let driver_raid = p.access()?.interfaces().raid.unwrap_or_default();
    let node = p.node().await?;
    let target = data.target_raid.as_ref();
    let actual = data.actual_raid.as_ref();
    match node.provision_state.as_deref().unwrap_or_default() {
        s::AVAILABLE | s::MANAGEABLE if !unprepared => Ok((Outcome::done(), false)),
        s::AVAILABLE => match raid_clean_steps(driver_raid, target, actual) {
            Err(message) => Ok((Outcome::failed(message), false)),
            Ok(steps) if steps.is_empty() => Ok((Outcome::done(), true)),
            // Manual cleaning starts from manageable.
            Ok(_) => Ok((p.change_state(&node, targets::MANAGE).await?, false)),
        },
        s::MANAGEABLE => start_cleaning(p, node, driver_raid, data).await,
        s::CLEAN_FAILED if !restart_on_failure => Ok((
            Outcome::failed(node.last_error.clone().unwrap_or_default()),
            false,
        )),
        s::CLEAN_FAILED if node.maintenance == Some(true) => {
            Ok((p.set_maintenance(&node, false).await?, false))
        }
        s::CLEAN_FAILED => Ok((p.change_state(&node, targets::MANAGE).await?, false)),
        s::CLEANING | s::CLEAN_WAIT => Ok((Outcome::waiting(LONG_DELAY), false)),
        other => Err(ProvisionerError::Other(format!(
            "have unexpected ironic node state {other}"
        ))),
    }
}

/// Sets the RAID target and starts cleaning with the steps that apply it.
async fn start_cleaning(
    p: &IronicProvisioner,
    node: Node,
    driver_raid: &str,
    data: &PrepareData,
) -> ProvisionResult<(Outcome, bool)> {
    let target = data.target_raid.as_ref();
    let actual = data.actual_raid.as_ref();
    let plan = raid_clean_steps(driver_raid, target, actual).and_then(|steps| {
        Ok((
            steps,
            raid_interface(driver_raid, target, actual)?,
            logical_disks(target, data.root_device_hints.as_ref())?,
        ))
    });
    let (steps, interface, disks) = match plan {
        Ok(plan) => plan,
        Err(message) => return Ok((Outcome::failed(message), false)),
    };
    if steps.is_empty() {
        return Ok((Outcome::done(), true));
    }
    let mut node = node;
    if !disks.is_empty() {
        let mut patch = NodePatch::new(&node);
        patch.set("/raid_interface", Some(json!(interface)));
        node = match p.update(node, patch).await? {
            ControlFlow::Continue(node) => node,
            ControlFlow::Break(outcome) => return Ok((outcome, false)),
        };
        if let ControlFlow::Break(outcome) =
            unless_locked(p.client.set_raid_config(&node.uuid, &disks).await)?
        {
            return Ok((outcome, false));
        }
    }
    let request = ProvisionRequest {
        clean_steps: Some(steps),
        ..ProvisionRequest::target(targets::CLEAN)
    };
    let flow = p.try_change_state(&node, request).await?;
    let started = flow.is_continue();
    Ok((settled(flow), started))
}

//! Power (upstream's `PowerOn`, `PowerOff` and `UpdateHardwareState`, reference §2.8).

use serde_json::Value;

use super::IronicProvisioner;
use super::actions::{LONG_DELAY, settled, short_delay, unless_locked};
use crate::api::bmo::v1alpha1::AutomatedCleaningMode;
use crate::bmo::annotations::RebootMode;
use crate::bmo::provisioner::{HardwareState, Outcome, ProvisionResult, ProvisionerError};
use crate::ironic::{IronicError, Node, power, states as s, targets};

/// How long a soft power off may take before Ironic gives up (seconds).
const SOFT_POWER_OFF_TIMEOUT: u32 = 180;

pub(super) async fn hardware_state(p: &IronicProvisioner) -> ProvisionResult<HardwareState> {
    let node = p.node().await?;
    Ok(HardwareState {
        powered_on: match node.power_state.as_deref() {
            Some(power::ON) => Some(true),
            Some(power::OFF) => Some(false),
            _ => None,
        },
        power_failure: node.fault.as_deref() == Some("power failure"),
        health: node
            .other
            .get("health")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

pub(super) async fn power_on(p: &IronicProvisioner, force: bool) -> ProvisionResult<Outcome> {
    let node = p.node().await?;
    if node.power_state.as_deref() == Some(power::ON) {
        return Ok(Outcome::done());
    }
    if node.target_power_state.as_deref() == Some(power::ON) {
        return Ok(Outcome::waiting(short_delay()));
    }
    if let Some(error) = last_error(&node).filter(|_| !force) {
        return Ok(Outcome::failed(format!(
            "PowerOn operation failed: {error}"
        )));
    }
    change_power(p, &node, power::ON).await
}

pub(super) async fn power_off(
    p: &IronicProvisioner,
    mode: RebootMode,
    force: bool,
) -> ProvisionResult<Outcome> {
    let node = p.node().await?;
    match before_power_off(&node, p.host.automated_cleaning_mode) {
        BeforePowerOff::Proceed => {}
        BeforePowerOff::Wait => return Ok(Outcome::waiting(LONG_DELAY)),
        BeforePowerOff::Request(target) => return p.change_state(&node, target).await,
    }
    let soft = mode != RebootMode::Hard && !force;
    if node.disable_power_off == Some(true) {
        // Ironic refuses to power such a node off: a reboot is the nearest thing.
        if node
            .target_power_state
            .as_deref()
            .is_some_and(|t| !t.is_empty())
        {
            return Ok(Outcome::waiting(short_delay()));
        }
        let reboot = if soft {
            power::SOFT_REBOOT
        } else {
            power::REBOOT
        };
        return change_power(p, &node, reboot).await;
    }
    if node.power_state.as_deref() == Some(power::OFF) {
        return Ok(Outcome::done());
    }
    if matches!(
        node.target_power_state.as_deref(),
        Some(power::OFF | power::SOFT_OFF)
    ) {
        return Ok(Outcome::waiting(short_delay()));
    }
    // An aborted operation (inspection or cleaning stopped for the power off) is no failure.
    if let Some(error) = last_error(&node).filter(|e| !force && !e.contains("aborted"))
        && node.target_power_state.as_deref().is_none_or(str::is_empty)
    {
        return Ok(Outcome::failed(error));
    }
    if soft {
        match change_power(p, &node, power::SOFT_OFF).await {
            Err(ProvisionerError::Ironic(IronicError::Http {
                status: 400,
                message,
            })) => {
                tracing::info!(uuid = %node.uuid, %message, "soft power off unsupported, powering off");
            }
            other => return other,
        }
    }
    change_power(p, &node, power::OFF).await
}

/// What must happen before a node can be powered off.
#[derive(Debug, PartialEq, Eq)]
enum BeforePowerOff {
    Proceed,
    /// Inspection or cleaning runs and cannot be aborted yet.
    Wait,
    /// Request this provision-state change first.
    Request(&'static str),
}

/// Upstream's `abortInspectionOrCleaning`: Ironic refuses power changes while inspection or
/// cleaning runs, and a failed inspection keeps its target state, so a host deleted in the
/// middle would wait for ever. Inspection waiting for the ramdisk is aborted, a failed one is
/// brought back to manageable; manual cleaning, or automated cleaning the host no longer
/// wants, is aborted once it waits for the ramdisk.
///
/// Upstream recognises manual cleaning by a target of `clean`, which Ironic never shows (it
/// shows `manageable`, where automated cleaning shows `available`): this follows Ironic.
fn before_power_off(node: &Node, cleaning: AutomatedCleaningMode) -> BeforePowerOff {
    let target = node.target_provision_state.as_deref().unwrap_or_default();
    let abortable_cleaning = target == s::MANAGEABLE || cleaning == AutomatedCleaningMode::Disabled;
    match node.provision_state.as_deref().unwrap_or_default() {
        s::INSPECT_WAIT => BeforePowerOff::Request(targets::ABORT),
        s::INSPECTING | s::CLEANING => BeforePowerOff::Wait,
        s::INSPECT_FAILED if !target.is_empty() => BeforePowerOff::Request(targets::MANAGE),
        s::CLEAN_WAIT if abortable_cleaning => BeforePowerOff::Request(targets::ABORT),
        s::CLEAN_WAIT => BeforePowerOff::Wait,
        _ => BeforePowerOff::Proceed,
    }
}

fn last_error(node: &Node) -> Option<String> {
    node.last_error.clone().filter(|e| !e.is_empty())
}

/// Requests a power change, unless a provision-state change is under way.
async fn change_power(
    p: &IronicProvisioner,
    node: &Node,
    target: &str,
) -> ProvisionResult<Outcome> {
    if node
        .target_provision_state
        .as_deref()
        .is_some_and(|t| !t.is_empty())
    {
        return Ok(Outcome::waiting(LONG_DELAY));
    }
    let timeout = (target == power::SOFT_OFF).then_some(SOFT_POWER_OFF_TIMEOUT);
    tracing::info!(uuid = %node.uuid, %target, "changing power state");
    let sent = p.client.set_power_state(&node.uuid, target, timeout).await;
    if sent.is_ok() {
        p.forget();
    }
    unless_locked(sent).map(settled)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn node(state: &str, target: Option<&str>) -> Node {
        serde_json::from_value(
            json!({"uuid": "n", "provision_state": state, "target_provision_state": target}),
        )
        .expect("node")
    }

    #[test]
    fn inspection_and_cleaning_make_way_for_a_power_off() {
        use AutomatedCleaningMode::{Disabled, Metadata};
        use BeforePowerOff::{Proceed, Request, Wait};
        let cases = [
            (
                s::INSPECT_WAIT,
                Some(s::MANAGEABLE),
                Metadata,
                Request(targets::ABORT),
            ),
            (s::INSPECTING, Some(s::MANAGEABLE), Metadata, Wait),
            (
                s::INSPECT_FAILED,
                Some(s::MANAGEABLE),
                Metadata,
                Request(targets::MANAGE),
            ),
            (s::INSPECT_FAILED, None, Metadata, Proceed),
            // Manual cleaning, and automated cleaning the host turned off, are aborted.
            (
                s::CLEAN_WAIT,
                Some(s::MANAGEABLE),
                Metadata,
                Request(targets::ABORT),
            ),
            (
                s::CLEAN_WAIT,
                Some(s::AVAILABLE),
                Disabled,
                Request(targets::ABORT),
            ),
            (s::CLEAN_WAIT, Some(s::AVAILABLE), Metadata, Wait),
            (s::CLEANING, Some(s::MANAGEABLE), Metadata, Wait),
            (s::ACTIVE, None, Metadata, Proceed),
            (s::MANAGEABLE, None, Disabled, Proceed),
        ];
        for (state, target, cleaning, expected) in cases {
            assert_eq!(
                before_power_off(&node(state, target), cleaning),
                expected,
                "{state} → {target:?} ({cleaning:?})"
            );
        }
    }
}

//! Power (upstream's `PowerOn`, `PowerOff` and `UpdateHardwareState`, reference §2.8).

use serde_json::Value;

use super::IronicProvisioner;
use super::actions::{LONG_DELAY, settled, short_delay, unless_locked};
use crate::bmo::annotations::RebootMode;
use crate::bmo::provisioner::{HardwareState, Outcome, ProvisionResult, ProvisionerError};
use crate::ironic::{IronicError, Node, power};

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

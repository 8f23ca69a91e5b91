//! Removing the image and adopting provisioned hosts (upstream's `Deprovision` and `Adopt`,
//! reference §4.7).

use serde_json::json;

use super::IronicProvisioner;
use super::actions::{LONG_DELAY, proceed, short_delay};
use super::patch::NodePatch;
use crate::api::bmo::v1alpha1::AutomatedCleaningMode;
use crate::bmo::provisioner::{Outcome, ProvisionResult, ProvisionerError};
use crate::bmo::state::ProvisioningState;
use crate::ironic::{ProvisionRequest, states as s, targets};

pub(super) async fn deprovision(
    p: &IronicProvisioner,
    restart_on_failure: bool,
) -> ProvisionResult<Outcome> {
    let node = p.node().await?;
    let last_error = node.last_error.clone().unwrap_or_default();
    match node.provision_state.as_deref().unwrap_or_default() {
        s::ERROR if !restart_on_failure => Ok(Outcome::failed(if last_error.is_empty() {
            "Deprovisioning failed".to_owned()
        } else {
            last_error
        })),
        s::ERROR => p.change_state(&node, targets::DELETED).await,
        s::CLEAN_FAILED if !restart_on_failure => {
            Ok(Outcome::failed(format!("Cleaning failed: {last_error}")))
        }
        // Cleaning is retried from manageable.
        s::CLEAN_FAILED => p.change_state(&node, targets::MANAGE).await,
        s::MANAGEABLE => p.change_state(&node, targets::PROVIDE).await,
        s::AVAILABLE => Ok(Outcome::done()),
        s::DELETING | s::CLEANING | s::CLEAN_WAIT | s::DEPLOYING => {
            Ok(Outcome::waiting(LONG_DELAY))
        }
        s::ACTIVE | s::DEPLOY_FAILED | s::WAIT_CALL_BACK => {
            // The cleaning mode may have changed since registration.
            let mut patch = NodePatch::new(&node);
            let clean = p.host.automated_cleaning_mode != AutomatedCleaningMode::Disabled;
            patch.set("/automated_clean", Some(json!(clean)));
            let node = proceed!(p.update(node, patch).await?);
            tracing::info!(uuid = %node.uuid, "deprovisioning started");
            p.start_operation(&node, ProvisionRequest::target(targets::DELETED))
                .await
        }
        other => Err(ProvisionerError::Other(format!(
            "unhandled ironic state {other}"
        ))),
    }
}

pub(super) async fn adopt(
    p: &IronicProvisioner,
    restart_on_failure: bool,
) -> ProvisionResult<Outcome> {
    let node = p.node().await?;
    let has_image = node
        .instance_info
        .as_ref()
        .is_some_and(|info| info.contains_key("image_source") || info.contains_key("boot_iso"));
    match node.provision_state.as_deref().unwrap_or_default() {
        state @ (s::ENROLL | s::VERIFYING) => Err(ProvisionerError::Other(format!(
            "invalid state for adopt: {state}"
        ))),
        // Registered again without an image: the deployment had failed, nothing to adopt.
        s::MANAGEABLE if p.host.state == ProvisioningState::Deprovisioning && !has_image => {
            Ok(Outcome::done())
        }
        s::MANAGEABLE => p.change_state(&node, targets::ADOPT).await,
        s::ADOPTING => Ok(Outcome::waiting(short_delay())),
        s::ADOPT_FAILED if restart_on_failure => p.change_state(&node, targets::ADOPT).await,
        s::ADOPT_FAILED => Ok(Outcome::failed(format!(
            "Host adoption failed: {}",
            node.last_error.as_deref().unwrap_or_default()
        ))),
        // Maintenance without a fault was set by hand, not by Ironic.
        s::ACTIVE
            if node.maintenance == Some(true)
                && node.fault.as_deref().is_none_or(str::is_empty)
                && p.host.state != ProvisioningState::Deleting =>
        {
            p.set_maintenance(&node, false).await
        }
        _ => Ok(Outcome::done()),
    }
}

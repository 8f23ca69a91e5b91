//! Deploying the image (upstream's `Provision`, reference §4.6).

use serde_json::{Value, json};

use super::IronicProvisioner;
use super::actions::{LONG_DELAY, proceed, unless_locked};
use super::configdrive::configdrive;
use super::device_hints::hint_map;
use super::enroll::set_boot_properties;
use super::instance_info::{ImageSettings, deploy_method, has_image, set_image};
use super::patch::NodePatch;
use crate::bmo::provisioner::{Outcome, ProvisionData, ProvisionResult};
use crate::ironic::{Node, ProvisionRequest, states as s, targets};

/// The priority upstream gives a custom deploy step.
const CUSTOM_DEPLOY_PRIORITY: u32 = 80;

pub(super) async fn provision(
    p: &IronicProvisioner,
    data: &ProvisionData,
    force_reboot: bool,
) -> ProvisionResult<Outcome> {
    let node = p.node().await?;
    match node.provision_state.as_deref().unwrap_or_default() {
        s::DEPLOY_FAILED => match &data.image {
            // The same image failed: report it rather than retry for ever.
            Some(image) if has_image(node.instance_info.as_ref(), image) => {
                match node.last_error.as_deref().filter(|e| !e.is_empty()) {
                    Some(error) => Ok(Outcome::failed(format!(
                        "Image provisioning failed (url: {}, checksum: {}): {error}",
                        image.url,
                        image.checksum.as_deref().unwrap_or_default()
                    ))),
                    // Ironic writes the error just after the state: read again at once.
                    None => Ok(Outcome::waiting(std::time::Duration::ZERO)),
                }
            }
            _ => deploy(p, node, data).await,
        },
        // Automated cleaning runs on the way to available.
        s::MANAGEABLE => p.change_state(&node, targets::PROVIDE).await,
        s::CLEAN_FAILED => p.change_state(&node, targets::MANAGE).await,
        s::AVAILABLE => deploy(p, node, data).await,
        s::ACTIVE => Ok(Outcome::done()),
        // The ramdisk is booting; a forced reboot restarts the deployment.
        s::WAIT_CALL_BACK if force_reboot => p.change_state(&node, targets::DELETED).await,
        _ => Ok(Outcome::waiting(LONG_DELAY)),
    }
}

/// Writes the image settings, validates them and requests `active`.
async fn deploy(
    p: &IronicProvisioner,
    node: Node,
    data: &ProvisionData,
) -> ProvisionResult<Outcome> {
    let host = &p.host;
    let access = p.access()?;
    let boot_mode = data.boot_mode.unwrap_or(host.boot_mode);
    let custom = data.custom_deploy.as_deref().filter(|m| !m.is_empty());
    let method = deploy_method(data.image.as_ref(), custom.is_some());
    let mut patch = NodePatch::new(&node);
    let settings = ImageSettings {
        uid: &host.uid,
        image: data.image.as_ref(),
        custom_deploy: custom.is_some(),
        boot_mode,
        deploy_interface: access.deploy_interface(method),
        pull_secret: data.image_pull_secret.as_deref(),
    };
    set_image(&mut patch, &settings, node.deploy_interface.as_deref());
    let hints = data.root_device_hints.as_ref().map(hint_map);
    patch.set(
        "/instance_info/root_device",
        hints.filter(|h| !h.is_empty()).map(Value::Object),
    );
    set_boot_properties(
        &mut patch,
        &node,
        boot_mode,
        host.cpu_architecture.as_deref(),
    );
    let node = proceed!(p.update(node, patch).await?);
    let validation = proceed!(unless_locked(p.client.validate_node(&node.uuid).await)?);
    let blockers = validation.deploy_blockers();
    if !blockers.is_empty() {
        return Ok(Outcome::failed(format!(
            "host validation error: {}",
            blockers.join("; ")
        )));
    }
    let request = ProvisionRequest {
        configdrive: configdrive(host, data),
        deploy_steps: custom.map(|step| {
            vec![json!({"interface": "deploy", "step": step, "args": {}, "priority": CUSTOM_DEPLOY_PRIORITY})]
        }),
        ..ProvisionRequest::target(targets::ACTIVE)
    };
    tracing::info!(uuid = %node.uuid, "provisioning started");
    p.start_operation(&node, request).await
}

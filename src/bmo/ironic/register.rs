//! Registration (upstream's `ValidateManagementAccess`, reference §4.5): enrol the node or
//! bring an existing one in line, create its ports, and move it to `manageable`.

use serde_json::json;

use super::IronicProvisioner;
use super::actions::{proceed, short_delay, unless_locked};
use super::enroll::{deploy_images, node_create, set_boot_properties};
use super::instance_info::{ImageSettings, deploy_method, is_live_iso, set_image};
use super::lookup::{Found, node_name};
use super::patch::NodePatch;
use crate::api::bmo::v1alpha1::{AutomatedCleaningMode, BootMode, InspectionMode};
use crate::bmc::AccessDetails;
use crate::bmo::provisioner::{HostData, Outcome, ProvisionResult, ProvisionerError};
use crate::bmo::state::ProvisioningState;
use crate::ironic::{Node, states as s, targets};

pub(super) async fn register(
    p: &IronicProvisioner,
    credentials_changed: bool,
    restart_on_failure: bool,
) -> ProvisionResult<(Outcome, String)> {
    let access = match &p.access {
        Ok(access) => access,
        Err(e) => return Ok((Outcome::failed(e.to_string()), String::new())),
    };
    if let Some(refusal) = refusal(p, access) {
        return Ok((Outcome::failed(refusal), String::new()));
    }
    let node = match p.find_existing().await? {
        Found::Node(node) => *node,
        Found::Conflict(message) => return Ok((Outcome::failed(message), String::new())),
        Found::Missing => {
            let body = node_create(&p.host, access);
            // NodeCreate's Debug output hides the credentials.
            tracing::info!(?body, "registering host in Ironic");
            match unless_locked(p.client.create_node(&body).await)? {
                std::ops::ControlFlow::Continue(node) => {
                    p.remember(Some(node.clone()));
                    node
                }
                std::ops::ControlFlow::Break(outcome) => return Ok((outcome, String::new())),
            }
        }
    };
    let uuid = node.uuid.clone();
    let outcome = manage(
        p,
        access,
        node,
        credentials_changed || restart_on_failure,
        credentials_changed,
    )
    .await?;
    Ok((outcome, uuid))
}

/// Why the host cannot be registered at all, in upstream's words.
fn refusal(p: &IronicProvisioner, access: &AccessDetails) -> Option<String> {
    let host = &p.host;
    let driver = access.bmc_type();
    if host.inspection_mode == InspectionMode::Fast && !access.supports_fast_inspect() {
        return Some(format!(
            "BMC driver {driver} does not support fast (out-of-band) inspection"
        ));
    }
    if host.boot_mode == BootMode::UefiSecureBoot && !access.supports_secure_boot() {
        return Some(format!("BMC driver {driver} does not support secure boot"));
    }
    if p.config.provisioning_network_disabled && access.requires_provisioning_network() {
        return Some(format!(
            "BMC driver {driver} requires a provisioning network"
        ));
    }
    if host.disable_power_off && !p.client.has_microversion("1.95") {
        return Some(
            "current ironic version does not support DisablePowerOff, refusing to manage node"
                .into(),
        );
    }
    if access.needs_mac() && host.boot_mac_address.as_deref().is_none_or(str::is_empty) {
        return Some(format!(
            "BMC driver {driver} requires a BootMACAddress value"
        ));
    }
    None
}

/// Updates the node, creates its ports and moves it towards `manageable`.
async fn manage(
    p: &IronicProvisioner,
    access: &AccessDetails,
    node: Node,
    retry: bool,
    credentials_changed: bool,
) -> ProvisionResult<Outcome> {
    let patch = identity_patch(&p.host, access, &node, credentials_changed);
    let node = proceed!(p.update(node, patch).await?);
    let state = node.provision_state.as_deref().unwrap_or_default();
    if matches!(
        state,
        s::ENROLL
            | s::MANAGEABLE
            | s::AVAILABLE
            | s::ACTIVE
            | s::ADOPT_FAILED
            | s::INSPECT_FAILED
            | s::CLEAN_FAILED
            | s::DEPLOY_FAILED
            | s::SERVICE_FAILED
            | s::ERROR
    ) {
        ensure_ports(p, &node).await?;
    }
    match state {
        s::ENROLL => {
            if let Some(error) = node
                .last_error
                .as_deref()
                .filter(|e| !e.is_empty() && !retry)
            {
                return Ok(Outcome::failed(error));
            }
            if node.target_provision_state.as_deref() == Some(s::MANAGEABLE) {
                return Ok(Outcome::waiting(short_delay()));
            }
            p.change_state(&node, targets::MANAGE).await
        }
        s::VERIFYING => Ok(Outcome::waiting(short_delay())),
        // Ironic refuses updates while these run; what matters was sent above.
        s::CLEANING | s::CLEAN_WAIT | s::WAIT_CALL_BACK | s::DEPLOYING | s::INSPECTING => {
            Ok(Outcome::done())
        }
        _ => configure(p, access, node).await,
    }
}

/// Name, BMC credentials and the power-off policy of an existing node. Ironic never returns
/// passwords, so `driver_info` is replaced only when the credentials or the address changed.
fn identity_patch(
    host: &HostData,
    access: &AccessDetails,
    node: &Node,
    credentials_changed: bool,
) -> NodePatch {
    let mut patch = NodePatch::new(node);
    patch.set("/name", Some(json!(node_name(&host.namespace, &host.name))));
    let driver_info = access.driver_info(&host.credentials);
    let addresses = |info: &serde_json::Map<String, serde_json::Value>| {
        info.iter()
            .filter(|(key, _)| key.ends_with("_address"))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect::<Vec<_>>()
    };
    let current = node.driver_info.clone().unwrap_or_default();
    if credentials_changed || addresses(&driver_info) != addresses(&current) {
        patch.set("/driver_info", Some(serde_json::Value::Object(driver_info)));
    }
    if node.disable_power_off.unwrap_or(false) != host.disable_power_off {
        patch.set("/disable_power_off", Some(json!(host.disable_power_off)));
    }
    patch
}

/// A port for the boot MAC (PXE) and one per NIC inspection found.
async fn ensure_ports(p: &IronicProvisioner, node: &Node) -> ProvisionResult<()> {
    let host = &p.host;
    let wanted: Vec<(&str, bool)> = host
        .boot_mac_address
        .as_deref()
        .filter(|m| !m.is_empty())
        .map(|mac| (mac, true))
        .into_iter()
        .chain(host.nics.iter().map(|(mac, pxe)| (mac.as_str(), *pxe)))
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let ports = match p.listed_ports() {
        Some(ports) => ports,
        None => p.client.ports_of_node(&node.uuid).await?,
    };
    let mut present: Vec<String> = ports
        .into_iter()
        .map(|port| port.address.to_lowercase())
        .collect();
    for (mac, pxe) in wanted {
        if present.contains(&mac.to_lowercase()) {
            continue;
        }
        let taken = p.client.ports_by_address(mac).await?;
        if let Some(owner) = taken.iter().find_map(|port| port.node_uuid.as_deref()) {
            return Err(ProvisionerError::Other(format!(
                "MAC address {mac} is already used by a port of node {owner}"
            )));
        }
        tracing::info!(uuid = %node.uuid, %mac, pxe, "creating port");
        p.client.create_port(&node.uuid, mac, pxe).await?;
        p.snapshot.changed(&node.uuid);
        present.push(mac.to_lowercase());
    }
    Ok(())
}

/// Deploy images, cleaning, boot mode and architecture, and the image of a host that is
/// being provisioned (so a re-registered node can still be adopted).
async fn configure(
    p: &IronicProvisioner,
    access: &AccessDetails,
    node: Node,
) -> ProvisionResult<Outcome> {
    let host = &p.host;
    let images = deploy_images(&p.config, access.supports_iso_preprovisioning_image());
    let mut patch = NodePatch::new(&node);
    for (key, url) in images.iter().flatten() {
        patch.set(&format!("/driver_info/{key}"), Some(url.clone()));
    }
    let active = node.provision_state.as_deref() == Some(s::ACTIVE);
    // Changing the image of an active node could break its cleaning later.
    if (host.current_image.is_some() || host.has_custom_deploy) && !active {
        let method = deploy_method(host.current_image.as_ref(), host.has_custom_deploy);
        let settings = ImageSettings {
            uid: &host.uid,
            image: host.current_image.as_ref(),
            custom_deploy: host.has_custom_deploy,
            boot_mode: host.boot_mode,
            deploy_interface: access.deploy_interface(method),
            pull_secret: None,
        };
        set_image(&mut patch, &settings, node.deploy_interface.as_deref());
    }
    patch.set(
        "/automated_clean",
        Some(json!(
            host.automated_cleaning_mode != AutomatedCleaningMode::Disabled
        )),
    );
    set_boot_properties(
        &mut patch,
        &node,
        host.boot_mode,
        host.cpu_architecture.as_deref(),
    );
    proceed!(p.update(node, patch).await?);
    // Fake hardware never boots a ramdisk.
    if images.is_none() && needs_deploy_image(host) && !access.is_fake_hardware() {
        return Ok(Outcome::failed("no preprovisioning image available"));
    }
    Ok(Outcome::done())
}

/// Whether the next step boots the deploy ramdisk.
fn needs_deploy_image(host: &HostData) -> bool {
    match host.state {
        ProvisioningState::Inspecting => host.inspection_mode != InspectionMode::Fast,
        ProvisioningState::Preparing => true,
        ProvisioningState::Provisioning => !host.current_image.as_ref().is_some_and(is_live_iso),
        ProvisioningState::Deprovisioning => {
            host.automated_cleaning_mode != AutomatedCleaningMode::Disabled
        }
        _ => false,
    }
}

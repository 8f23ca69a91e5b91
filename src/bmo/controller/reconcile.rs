//! One reconcile of one host (bmo reference §2.1): pause, the status and hardware-details
//! annotations, the finalizer, the credentials, one pass of the state machine, and the writes.

use std::sync::Arc;
use std::time::Instant;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use kube::Api;
use kube::ResourceExt;
use kube::runtime::controller;

use super::secrets::{self, CredentialsError};
use super::{CONTROLLER, Context, HOST_FINALIZER, conditions, writes};
use crate::api::bmo::v1alpha1::{
    AutomatedCleaningMode, BareMetalHost, BootMode, ErrorType, InspectionMode,
};
use crate::bmc::Credentials;
use crate::bmo::annotations::{self, PAUSED, STATUS};
use crate::bmo::machine::{self, Action, Inputs, Machine};
use crate::bmo::provisioner::{HostData, ProvisionerError, ProvisionerFactory};
use crate::bmo::state::ProvisioningState;

/// How soon a host whose credentials Secret is missing or unusable is looked at again
/// (upstream's `hostErrorRetryDelay`).
const CREDENTIALS_RETRY: std::time::Duration = std::time::Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Kube(#[from] kube::Error),
    #[error(transparent)]
    Provisioner(#[from] ProvisionerError),
}

impl Error {
    /// A write lost a race: the host changed (or went) since the cache saw it.
    pub fn lost_race(&self) -> bool {
        matches!(self, Error::Kube(error) if crate::kubeutil::errors::lost_race(error))
    }
}

pub async fn reconcile<F: ProvisionerFactory>(
    host: Arc<BareMetalHost>,
    context: Arc<Context<F>>,
) -> Result<controller::Action, Error> {
    if !*context.leading.borrow() {
        return Ok(controller::Action::await_change());
    }
    let started = Instant::now();
    let (namespace, name) = (
        host.metadata.namespace.clone().unwrap_or_default(),
        host.metadata.name.clone().unwrap_or_default(),
    );
    context
        .metrics
        .hosts
        .reconcile
        .with_label_values(&[namespace.as_str(), name.as_str()])
        .inc();
    let result = reconcile_host(&host, &context).await;
    context
        .metrics
        .controllers
        .observe(CONTROLLER, started.elapsed(), result.is_ok());
    if result.is_err() {
        context.metrics.hosts.reconcile_error.inc();
    }
    result
}

async fn reconcile_host<F: ProvisionerFactory>(
    host: &BareMetalHost,
    context: &Context<F>,
) -> Result<controller::Action, Error> {
    let namespace = host.metadata.namespace.clone().unwrap_or_default();
    let api: Api<BareMetalHost> = Api::namespaced(context.client.clone(), &namespace);
    let annotation = |key: &str| {
        host.metadata
            .annotations
            .as_ref()
            .and_then(|annotations| annotations.get(key))
    };
    if annotation(PAUSED).is_some() {
        return Ok(controller::Action::await_change());
    }
    if let Some(value) = annotation(STATUS) {
        return restore_status(&api, host, value, context).await;
    }
    if let Some(value) = annotation(annotations::HARDWARE_DETAILS) {
        return consume_hardware_details(&api, host, value, context).await;
    }
    let deleting = host.metadata.deletion_timestamp.is_some();
    let has_finalizer = host.finalizers().iter().any(|f| f == HOST_FINALIZER);
    if !deleting && !has_finalizer {
        writes::finalizers(&api, host, writes::with_finalizer(host, HOST_FINALIZER)).await?;
        return Ok(controller::Action::await_change());
    }
    if deleting && !has_finalizer {
        return Ok(controller::Action::await_change());
    }

    let state = machine::host::state(host);
    let credentials = if matches!(
        state,
        ProvisioningState::None | ProvisioningState::Unmanaged
    ) {
        None
    } else {
        match secrets::load_credentials(&context.client, host).await {
            Ok(loaded) => Some(loaded),
            Err(_) if deleting => None,
            Err(CredentialsError::Kube(error)) => return Err(error.into()),
            Err(error) => return credentials_failure(&api, host, error, context).await,
        }
    };
    let provisioner = context.factory.for_host(host_data(
        host,
        credentials
            .as_ref()
            .map(|loaded| loaded.credentials.clone()),
    ));
    let provision_data = if state == ProvisioningState::Provisioning {
        Some(secrets::provision_data(&context.client, host).await?)
    } else {
        None
    };
    let now = Time(Timestamp::now());
    let mut updated = host.clone();
    let inputs = Inputs {
        credentials: credentials.map(|loaded| loaded.status),
        provision_data,
        now: now.clone(),
    };
    let mut pass = Machine::new(&mut updated, &provisioner, &context.settings, inputs);
    let action = pass.run().await;
    let out = std::mem::take(&mut pass.out);

    let conditions = conditions::compute(&updated, out.hardware_state.as_ref(), &now);
    let status = machine::host::status_mut(&mut updated);
    let conditions_changed = status.conditions.as_ref() != Some(&conditions);
    status.conditions = Some(conditions);
    if action.dirty() || conditions_changed {
        status.last_updated = Some(now);
        writes::status(&api, &updated).await?;
    }
    writes::annotations(&api, host, &updated).await?;
    if let Some(details) = out.hardware_data.clone() {
        writes::hardware_data(&context.client, &updated, details).await?;
    }
    record(context, host, &out).await;
    match action {
        Action::Error(error) => Err(error.into()),
        Action::DeleteComplete => {
            secrets::release_secrets(&context.client, &updated).await?;
            writes::release_hardware_data(&context.client, &updated).await?;
            let latest = api
                .get(&updated.metadata.name.clone().unwrap_or_default())
                .await?;
            writes::release(&api, &latest, HOST_FINALIZER).await?;
            Ok(controller::Action::await_change())
        }
        other => Ok(other.requeue_after().map_or_else(
            controller::Action::await_change,
            controller::Action::requeue,
        )),
    }
}

/// After `clusterctl move` the status arrives as an annotation: it is restored once, and the
/// annotation is removed as soon as the host has a status of its own.
async fn restore_status<F: ProvisionerFactory>(
    api: &Api<BareMetalHost>,
    host: &BareMetalHost,
    value: &str,
    context: &Context<F>,
) -> Result<controller::Action, Error> {
    let has_status = host
        .status
        .as_ref()
        .is_some_and(|status| status.last_updated.is_some());
    if !has_status {
        match annotations::decode_status(value) {
            Ok(mut status) => {
                status.last_updated = Some(Time(Timestamp::now()));
                let mut restored = host.clone();
                restored.status = Some(status);
                writes::status(api, &restored).await?;
                return Ok(controller::Action::requeue(std::time::Duration::ZERO));
            }
            Err(message) => {
                context
                    .events
                    .note(host, true, "InvalidAnnotationValue", message)
                    .await;
            }
        }
    }
    writes::remove_annotation(api, host, STATUS).await?;
    Ok(controller::Action::await_change())
}

/// Hardware details given by annotation fill `status.hardware` when inspection will not.
async fn consume_hardware_details<F: ProvisionerFactory>(
    api: &Api<BareMetalHost>,
    host: &BareMetalHost,
    value: &str,
    context: &Context<F>,
) -> Result<controller::Action, Error> {
    let inspection_disabled = host.spec.inspection_mode == Some(InspectionMode::Disabled)
        || host
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(annotations::INSPECT))
            .is_some_and(|v| v == "disabled");
    let no_hardware = host.status.as_ref().is_none_or(|s| s.hardware.is_none());
    if inspection_disabled || no_hardware {
        match annotations::decode_hardware_details(value) {
            Ok(details) => {
                let mut updated = host.clone();
                machine::host::status_mut(&mut updated).hardware = Some(details);
                writes::status(api, &updated).await?;
                context
                    .events
                    .note(
                        host,
                        false,
                        "UpdateHardwareDetails",
                        "Set HardwareDetails from annotation".into(),
                    )
                    .await;
            }
            Err(message) => {
                context
                    .events
                    .note(host, true, "InvalidAnnotationValue", message)
                    .await
            }
        }
    }
    writes::remove_annotation(api, host, annotations::HARDWARE_DETAILS).await?;
    context
        .events
        .note(
            host,
            false,
            "RemoveAnnotation",
            "HardwareDetails annotation removed".into(),
        )
        .await;
    Ok(controller::Action::await_change())
}

/// A credentials problem is a registration error on the host, looked at again soon: the
/// Secret may be created or fixed. (Upstream waits for an event of the Secret, which it
/// watches, when the Secret exists but is unusable; nothing watches Secrets here, so a fixed
/// Secret would otherwise go unnoticed until the host itself changed.)
async fn credentials_failure<F: ProvisionerFactory>(
    api: &Api<BareMetalHost>,
    host: &BareMetalHost,
    error: CredentialsError,
    context: &Context<F>,
) -> Result<controller::Action, Error> {
    let missing = matches!(error, CredentialsError::Missing(_));
    let metrics = &context.metrics.hosts;
    if missing {
        metrics.credentials_missing.inc();
    } else {
        metrics.credentials_invalid.inc();
    }
    let message = error.to_string();
    let mut updated = host.clone();
    let unchanged = machine::host::error_type(&updated) == Some(ErrorType::RegistrationError)
        && updated
            .status
            .as_ref()
            .is_some_and(|s| s.error_message == message);
    if !unchanged {
        machine::host::set_error(&mut updated, ErrorType::RegistrationError, &message);
        machine::host::status_mut(&mut updated).last_updated = Some(Time(Timestamp::now()));
        writes::status(api, &updated).await?;
        metrics
            .host_error
            .with_label_values(&["registration error"])
            .inc();
        context
            .events
            .note(host, true, "RegistrationError", message)
            .await;
    }
    Ok(controller::Action::requeue(CREDENTIALS_RETRY))
}

/// What the provisioner needs to know about the host.
fn host_data(host: &BareMetalHost, credentials: Option<Credentials>) -> HostData {
    let spec = &host.spec;
    let status = host.status.as_ref();
    let bmc = spec.bmc.as_ref();
    HostData {
        namespace: host.metadata.namespace.clone().unwrap_or_default(),
        name: host.metadata.name.clone().unwrap_or_default(),
        uid: host.metadata.uid.clone().unwrap_or_default(),
        provisioner_id: status
            .map(|s| s.provisioning.id.clone())
            .unwrap_or_default(),
        bmc_address: bmc.map(|b| b.address.clone()).unwrap_or_default(),
        disable_certificate_verification: bmc
            .and_then(|b| b.disable_certificate_verification)
            .unwrap_or(false),
        credentials: credentials.unwrap_or(Credentials {
            username: String::new(),
            password: String::new(),
        }),
        boot_mac_address: spec.boot_mac_address.clone().filter(|mac| !mac.is_empty()),
        boot_mode: spec.boot_mode.unwrap_or(BootMode::Uefi),
        automated_cleaning_mode: spec
            .automated_cleaning_mode
            .unwrap_or(AutomatedCleaningMode::Metadata),
        inspection_mode: spec.inspection_mode.unwrap_or(InspectionMode::Agent),
        state: machine::host::state(host),
        current_image: status.and_then(|s| s.provisioning.image.clone()),
        has_custom_deploy: spec.custom_deploy.is_some(),
        disable_power_off: spec.disable_power_off.unwrap_or(false),
        cpu_architecture: spec.architecture.clone().filter(|a| !a.is_empty()),
        nics: status
            .and_then(|s| s.hardware.as_ref())
            .and_then(|h| h.nics.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|nic| Some((nic.mac.clone()?, nic.pxe.unwrap_or(false))))
            .collect(),
    }
}

/// Events and metrics for what the pass did.
async fn record<F: ProvisionerFactory>(
    context: &Context<F>,
    host: &BareMetalHost,
    out: &machine::Outputs,
) {
    let metrics = &context.metrics.hosts;
    let (namespace, name) = (
        host.metadata.namespace.clone().unwrap_or_default(),
        host.metadata.name.clone().unwrap_or_default(),
    );
    for (from, to) in &out.state_changes {
        metrics
            .provisioning_state_change
            .with_label_values(&[from.as_str(), to.as_str()])
            .inc();
        context
            .events
            .note(
                host,
                false,
                "ProvisioningStateChanged",
                format!("Provisioning state changed from \"{from}\" to \"{to}\""),
            )
            .await;
    }
    for error in &out.errors {
        let label = serde_json::to_value(error)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        metrics
            .host_error
            .with_label_values(&[label.as_str()])
            .inc();
    }
    for on in &out.power_changes {
        let on_off = if *on { "on" } else { "off" };
        metrics
            .power_change
            .with_label_values(&[namespace.as_str(), name.as_str(), on_off])
            .inc();
    }
    match out.delayed {
        Some(ProvisioningState::Deprovisioning) => metrics
            .delayed_deprovisioning
            .with_label_values(&[namespace.as_str(), name.as_str()])
            .inc(),
        Some(_) => metrics
            .delayed_provisioning
            .with_label_values(&[namespace.as_str(), name.as_str()])
            .inc(),
        None => {}
    }
    if out.deleted_without_deprovisioning {
        metrics.delete_without_deprovisioning.inc();
    }
    for event in &out.events {
        context
            .events
            .note(host, event.warning, event.reason, event.message.clone())
            .await;
    }
}

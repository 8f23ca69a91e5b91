//! Reading and changing a BareMetalHost's status and annotations the way upstream's state
//! machine does.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use crate::api::bmo::v1alpha1::{
    BareMetalHost, BareMetalHostStatus, BootMode, ErrorType, OperationHistory, OperationMetric,
    OperationalStatus,
};
use crate::bmo::state::ProvisioningState;

pub fn state(host: &BareMetalHost) -> ProvisioningState {
    host.status
        .as_ref()
        .and_then(|status| ProvisioningState::parse(&status.provisioning.state))
        .unwrap_or(ProvisioningState::None)
}

pub fn status_mut(host: &mut BareMetalHost) -> &mut BareMetalHostStatus {
    host.status.get_or_insert_with(BareMetalHostStatus::default)
}

pub fn operational_status(host: &BareMetalHost) -> OperationalStatus {
    host.status
        .as_ref()
        .map(|status| status.operational_status)
        .unwrap_or_default()
}

pub fn error_type(host: &BareMetalHost) -> Option<ErrorType> {
    host.status.as_ref().and_then(|status| status.error_type)
}

pub fn error_count(host: &BareMetalHost) -> u32 {
    host.status
        .as_ref()
        .map(|status| u32::try_from(status.error_count).unwrap_or(u32::MAX))
        .unwrap_or(0)
}

/// `setErrorMessage`: the host is in error, and one failure more. Returns the count.
pub fn set_error(host: &mut BareMetalHost, error_type: ErrorType, message: &str) -> u32 {
    let status = status_mut(host);
    status.operational_status = OperationalStatus::Error;
    status.error_type = Some(error_type);
    status.error_message = message.to_owned();
    status.error_count = status.error_count.saturating_add(1);
    u32::try_from(status.error_count).unwrap_or(u32::MAX)
}

/// `clearError`: back to OK, keeping the count (it drives the backoff until a transition
/// succeeds). Returns whether anything changed.
pub fn clear_error(host: &mut BareMetalHost) -> bool {
    let status = status_mut(host);
    let changed = status.operational_status != OperationalStatus::Ok
        || status.error_type.is_some()
        || !status.error_message.is_empty();
    status.operational_status = OperationalStatus::Ok;
    status.error_type = None;
    status.error_message.clear();
    changed
}

/// Clears an error only of the given kind.
pub fn clear_error_of(host: &mut BareMetalHost, kind: ErrorType) -> bool {
    error_type(host) == Some(kind) && clear_error(host)
}

pub fn reset_error_count(host: &mut BareMetalHost) {
    status_mut(host).error_count = 0;
}

pub fn set_delayed(host: &mut BareMetalHost) {
    status_mut(host).operational_status = OperationalStatus::Delayed;
}

/// The Event reason upstream uses for each error type.
pub fn error_reason(error_type: ErrorType) -> &'static str {
    match error_type {
        ErrorType::ProvisionedRegistrationError => "ProvisionedRegistrationError",
        ErrorType::RegistrationError => "RegistrationError",
        ErrorType::InspectionError => "InspectionError",
        ErrorType::PreparationError => "PreparationError",
        ErrorType::ProvisioningError => "ProvisioningError",
        ErrorType::PowerManagementError => "PowerManagementError",
        ErrorType::ServicingError => "ServicingError",
    }
}

/// The state change itself: the new state, the operation history, and the boot mode for
/// states that boot the host.
pub fn record_transition(
    host: &mut BareMetalHost,
    from: ProvisioningState,
    to: ProvisioningState,
    now: &Time,
) {
    let boot_mode = host.spec.boot_mode.unwrap_or(BootMode::Uefi);
    let status = status_mut(host);
    status.provisioning.state = to.as_str().to_owned();
    let history = status
        .operation_history
        .get_or_insert_with(OperationHistory::default);
    if let Some(metric) = operation(history, from) {
        metric.get_or_insert_with(OperationMetric::default).end = Some(now.clone());
    }
    if let Some(metric) = operation(history, to) {
        *metric = Some(OperationMetric {
            start: Some(now.clone()),
            end: None,
        });
    }
    if matches!(
        to,
        ProvisioningState::Registering
            | ProvisioningState::Inspecting
            | ProvisioningState::Provisioning
    ) {
        status.provisioning.boot_mode = Some(boot_mode);
    }
}

/// The operation a state is timed as (`OperationMetricForState`).
fn operation(
    history: &mut OperationHistory,
    state: ProvisioningState,
) -> Option<&mut Option<OperationMetric>> {
    match state {
        ProvisioningState::Registering => Some(&mut history.register),
        ProvisioningState::Inspecting => Some(&mut history.inspect),
        ProvisioningState::Provisioning => Some(&mut history.provision),
        ProvisioningState::Deprovisioning => Some(&mut history.deprovision),
        _ => None,
    }
}

pub fn annotation<'h>(host: &'h BareMetalHost, key: &str) -> Option<&'h str> {
    host.metadata
        .annotations
        .as_ref()
        .and_then(|annotations| annotations.get(key))
        .map(String::as_str)
}

pub fn remove_annotation(host: &mut BareMetalHost, key: &str) -> bool {
    host.metadata
        .annotations
        .as_mut()
        .is_some_and(|annotations| annotations.remove(key).is_some())
}

/// The reboot annotations, key and value.
pub fn reboot_annotations(host: &BareMetalHost) -> Vec<(String, String)> {
    host.metadata
        .annotations
        .iter()
        .flatten()
        .filter(|(key, _)| crate::bmo::annotations::is_reboot(key))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}

pub fn has_bmc_details(host: &BareMetalHost) -> bool {
    host.spec
        .bmc
        .as_ref()
        .is_some_and(|bmc| !bmc.address.is_empty() || !bmc.credentials_name.is_empty())
}

pub fn inspection_disabled(host: &BareMetalHost) -> bool {
    host.spec.inspection_mode == Some(crate::api::bmo::v1alpha1::InspectionMode::Disabled)
        || annotation(host, crate::bmo::annotations::INSPECT) == Some("disabled")
}

pub fn externally_provisioned(host: &BareMetalHost) -> bool {
    host.spec.externally_provisioned == Some(true)
}

//! The host state machine (upstream's `host_state_machine.go`): one pass over a BareMetalHost,
//! calling the provisioner and changing the host in memory. The controller reads the host and
//! its Secrets before, and writes what changed after; nothing here talks to Kubernetes, so each
//! transition is tested with a fixture provisioner.
//!
//! A pass runs, in order: the capacity re-check of delayed hosts, the delete path, the detach
//! path, registration, the handler of the current state, and the bookkeeping of a state change
//! (capacity for busy states, operation history, boot mode).

pub mod action;
pub(crate) mod host;
mod power;
mod states;

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod tests;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use crate::api::bmo::v1alpha1::{BareMetalHost, CredentialsStatus, ErrorType, HardwareDetails};
use crate::bmo::provisioner::{ProvisionData, Provisioner};
use crate::bmo::state::ProvisioningState;
pub use action::Action;

/// The operator's flags the state machine obeys.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `--max-provisioning-retries`: failed provisionings of one image before giving up
    /// (0: never give up).
    pub max_provisioning_retries: u32,
}

/// What the controller read for this pass.
pub struct Inputs {
    /// The BMC Secret's reference and version, when it holds a username and password.
    pub credentials: Option<CredentialsStatus>,
    /// The configdrive and image data, read only for a host in `provisioning`; an error names
    /// what is missing.
    pub provision_data: Option<Result<ProvisionData, String>>,
    pub now: Time,
}

/// An Event to publish about the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostEvent {
    pub reason: &'static str,
    pub message: String,
    pub warning: bool,
}

/// What happened in the pass, for events, metrics and objects besides the host.
#[derive(Debug, Default)]
pub struct Outputs {
    pub events: Vec<HostEvent>,
    /// Every state change, from → to.
    pub state_changes: Vec<(ProvisioningState, ProvisioningState)>,
    /// Every failure recorded.
    pub errors: Vec<ErrorType>,
    /// A state whose start was delayed for lack of capacity.
    pub delayed: Option<ProvisioningState>,
    /// Power changes requested: true for on.
    pub power_changes: Vec<bool>,
    /// Inspection finished: the HardwareData object is to be replaced with this.
    pub hardware_data: Option<HardwareDetails>,
    /// What Ironic last said about the node's power and health, when the pass asked.
    pub hardware_state: Option<crate::bmo::provisioner::HardwareState>,
    /// The host left a state without provisioning or deprovisioning it (delete without
    /// deprovisioning after repeated failures).
    pub deleted_without_deprovisioning: bool,
}

/// One pass over one host.
pub struct Machine<'a, P: Provisioner> {
    host: &'a mut BareMetalHost,
    provisioner: &'a P,
    settings: &'a Settings,
    inputs: Inputs,
    next_state: ProvisioningState,
    pub out: Outputs,
}

impl<'a, P: Provisioner> Machine<'a, P> {
    pub fn new(
        host: &'a mut BareMetalHost,
        provisioner: &'a P,
        settings: &'a Settings,
        inputs: Inputs,
    ) -> Self {
        let state = host::state(host);
        Machine {
            host,
            provisioner,
            settings,
            inputs,
            next_state: state,
            out: Outputs::default(),
        }
    }

    /// Runs the pass and says what the controller is to do next.
    pub async fn run(&mut self) -> Action {
        let initial = self.state();
        let action = self.run_checks_and_handler().await;
        self.finish_state_change(initial, action).await
    }

    async fn run_checks_and_handler(&mut self) -> Action {
        if let Some(action) = self.check_delayed().await {
            return action;
        }
        if let Some(action) = self.check_delete() {
            return action;
        }
        if let Some(action) = self.check_detached().await {
            return action;
        }
        if let Some(action) = self.ensure_registered().await {
            return action;
        }
        self.handle_state().await
    }

    fn state(&self) -> ProvisioningState {
        host::state(self.host)
    }

    /// A delayed host waits for a free slot; a host already in a busy state re-takes its slot
    /// (after a restart the count is rebuilt from Ironic, so this only re-checks).
    async fn check_delayed(&mut self) -> Option<Action> {
        let delayed = host::operational_status(self.host)
            == crate::api::bmo::v1alpha1::OperationalStatus::Delayed;
        if !delayed {
            return None;
        }
        match self.provisioner.has_capacity().await {
            Err(error) => Some(Action::Error(error)),
            Ok(false) => Some(Action::Delayed),
            Ok(true) => {
                host::clear_error(self.host);
                Some(Action::Complete)
            }
        }
    }

    /// Applies a state change the handler asked for: busy states need a slot, the operation
    /// history and the boot mode are recorded.
    async fn finish_state_change(&mut self, initial: ProvisioningState, action: Action) -> Action {
        let next = self.next_state;
        if next == initial {
            return action;
        }
        if next.needs_capacity() {
            match self.provisioner.has_capacity().await {
                Err(error) => return Action::Error(error),
                Ok(false) => {
                    host::set_delayed(self.host);
                    self.out.delayed = Some(next);
                    return Action::Delayed;
                }
                Ok(true) => {}
            }
        }
        host::record_transition(self.host, initial, next, &self.inputs.now);
        self.out.state_changes.push((initial, next));
        action
    }

    fn goto(&mut self, state: ProvisioningState) {
        self.next_state = state;
    }

    fn event(&mut self, reason: &'static str, message: impl Into<String>) {
        self.out.events.push(HostEvent {
            reason,
            message: message.into(),
            warning: false,
        });
    }

    /// `recordActionFailure`: the error is on the host, counted, and told.
    fn fail(&mut self, error_type: ErrorType, message: String) -> Action {
        let count = host::set_error(self.host, error_type, &message);
        self.out.events.push(HostEvent {
            reason: host::error_reason(error_type),
            message,
            warning: true,
        });
        self.out.errors.push(error_type);
        Action::Failed(count)
    }

    /// Whether the last failure was of this kind: the retry then asks the backend to restart.
    fn retrying(&self, error_type: ErrorType) -> bool {
        host::error_type(self.host) == Some(error_type)
    }
}

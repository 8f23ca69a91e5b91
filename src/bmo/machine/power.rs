//! `manageHostPower` (bmo reference §2.8): the power state follows `spec.online` and the
//! reboot annotations, in available, provisioned and externally provisioned hosts.

use crate::api::bmo::v1alpha1::ErrorType;
use crate::bmo::annotations::{self, REBOOT, RebootMode};
use crate::bmo::provisioner::Provisioner;
use crate::bmo::state::ProvisioningState as S;

use super::action::{Action, POWER_POLL};
use super::{Machine, host};

/// Upstream's prefix for a failed soft power-off (the next attempt is hard).
const SOFT_OFF_FAILED: &str =
    "Continuing with hard poweroff after soft poweroff fails. More details: ";

impl<P: Provisioner> Machine<'_, P> {
    pub(super) async fn manage_power(&mut self) -> Action {
        let observed = match self.provisioner.update_hardware_state().await {
            Err(error) => return Action::Error(error),
            Ok(state) => {
                let powered_on = state.powered_on;
                self.out.hardware_state = Some(state);
                powered_on
            }
        };
        let status = host::status_mut(self.host);
        if let Some(on) = observed
            && on != status.powered_on
        {
            status.powered_on = on;
            host::clear_error_of(self.host, ErrorType::PowerManagementError);
            return Action::Update(std::time::Duration::ZERO);
        }
        let powered_on = status.powered_on;
        if !powered_on && host::remove_annotation(self.host, REBOOT) {
            // The one-shot reboot has happened: the host may come back on.
            return Action::Update(std::time::Duration::ZERO);
        }
        let (wanted_on, mode) = self.wanted_power();
        if wanted_on == powered_on {
            if host::error_count(self.host) > 0 {
                host::reset_error_count(self.host);
                return Action::Update(POWER_POLL);
            }
            return Action::Continue(POWER_POLL);
        }
        let force = self.retrying(ErrorType::PowerManagementError);
        // After a failure the next power-off is hard.
        let mode = if host::error_count(self.host) > 0 {
            RebootMode::Hard
        } else {
            mode
        };
        let result = if wanted_on {
            self.provisioner.power_on(force).await
        } else {
            self.provisioner.power_off(mode, force).await
        };
        let outcome = match result {
            Err(error) => return Action::Error(error),
            Ok(outcome) => outcome,
        };
        if let Some(message) = outcome.error_message {
            let message = if !wanted_on && mode != RebootMode::Hard {
                format!("{SOFT_OFF_FAILED}{message}")
            } else {
                message
            };
            return self.fail(ErrorType::PowerManagementError, message);
        }
        if outcome.dirty {
            self.out.power_changes.push(wanted_on);
            self.event(
                if wanted_on { "PowerOn" } else { "PowerOff" },
                if wanted_on {
                    "Host powered on"
                } else {
                    "Host powered off"
                },
            );
            if !wanted_on && self.host.spec.disable_power_off == Some(true) {
                // The "power-off" was a reboot: it is done once requested.
                host::remove_annotation(self.host, REBOOT);
            }
            let cleared = host::clear_error_of(self.host, ErrorType::PowerManagementError);
            return if cleared {
                Action::Update(outcome.requeue_after)
            } else {
                Action::Continue(outcome.requeue_after)
            };
        }
        let status = host::status_mut(self.host);
        status.powered_on = wanted_on;
        status.error_count = 0;
        Action::Update(std::time::Duration::ZERO)
    }

    /// The power state `online` and the reboot annotations ask for, and how to power off.
    /// Reboot annotations act on provisioned hosts, and on others only with `force`.
    fn wanted_power(&self) -> (bool, RebootMode) {
        let provisioned = matches!(self.state(), S::Provisioned | S::ExternallyProvisioned);
        let reboots: Vec<_> = host::reboot_annotations(self.host)
            .iter()
            .filter_map(|(_, value)| annotations::parse_reboot(value).ok())
            .filter(|args| provisioned || args.force)
            .collect();
        let mode = if reboots.iter().any(|args| args.mode == RebootMode::Hard) {
            RebootMode::Hard
        } else {
            RebootMode::Soft
        };
        (self.host.spec.online && reboots.is_empty(), mode)
    }
}

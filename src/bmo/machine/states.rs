//! The checks before the state handler (delete, detach, registration) and the handler of each
//! provisioning state (bmo reference §2.2–§2.6 and the table in §2.4).

use crate::api::bmo::v1alpha1::{ErrorType, OperationalStatus};
use crate::bmo::annotations::{self, DETACHED, INSPECT, REBOOT};
use crate::bmo::provisioner::{Outcome, PrepareData, ProvisionResult, Provisioner};
use crate::bmo::state::{Deployment, ProvisioningState as S};

use super::action::{Action, LONG_RETRY, SLOW_POLL};
use super::{Machine, host};

/// Failed deprovisionings or power-offs after which a deleted host is let go anyway.
const DELETE_ATTEMPTS: u32 = 3;

impl<P: Provisioner> Machine<'_, P> {
    /// `checkInitiateDelete`: a host being deleted takes the delete path of its state.
    pub(super) fn check_delete(&mut self) -> Option<Action> {
        self.host.metadata.deletion_timestamp.as_ref()?;
        let state = self.state();
        if state == S::Deleting {
            return None;
        }
        let annotation = host::annotation(self.host, DETACHED);
        if annotation.is_some()
            || host::operational_status(self.host) == OperationalStatus::Detached
        {
            // The node is already gone: no deprovisioning and no power-off. A removed
            // annotation first re-attaches (check_detached), a "delay" waits for removal.
            let waiting =
                annotation.is_none_or(|value| annotations::parse_detached(value).delay_delete);
            if waiting {
                return None;
            }
            return Some(self.goto_complete(S::Deleting));
        }
        match state.on_delete() {
            Some(next) => Some(self.goto_complete(next)),
            None if matches!(state, S::Deprovisioning | S::PoweringOffBeforeDelete)
                && host::error_type(self.host) == Some(ErrorType::RegistrationError)
                && host::error_count(self.host) > DELETE_ATTEMPTS =>
            {
                self.out.deleted_without_deprovisioning = true;
                Some(self.goto_complete(S::Deleting))
            }
            None => None,
        }
    }

    /// `checkDetachedHost`: the detached annotation removes the node without touching the
    /// hardware; removing the annotation brings the host back.
    pub(super) async fn check_detached(&mut self) -> Option<Action> {
        if matches!(self.state(), S::Deleting | S::PoweringOffBeforeDelete) {
            return None;
        }
        let detached = host::operational_status(self.host) == OperationalStatus::Detached;
        let Some(value) = host::annotation(self.host, DETACHED) else {
            if detached {
                host::clear_error(self.host);
                return Some(Action::Complete);
            }
            return None;
        };
        if detached {
            return Some(Action::Continue(SLOW_POLL));
        }
        let force = annotations::parse_detached(value).force;
        let allowed = matches!(
            self.state(),
            S::Provisioned | S::ExternallyProvisioned | S::Ready | S::Available
        );
        if !allowed && !force {
            return None;
        }
        match self.provisioner.detach(force).await {
            Err(error) => Some(Action::Error(error)),
            Ok(Outcome {
                error_message: Some(message),
                ..
            }) => {
                self.event("DetachError", message);
                Some(Action::Continue(LONG_RETRY))
            }
            Ok(outcome) if outcome.dirty => Some(Action::Continue(outcome.requeue_after)),
            Ok(_) => {
                host::clear_error(self.host);
                host::status_mut(self.host).operational_status = OperationalStatus::Detached;
                Some(Action::Update(SLOW_POLL))
            }
        }
    }

    /// `ensureRegistered`: the node exists, has the current credentials and settings.
    pub(super) async fn ensure_registered(&mut self) -> Option<Action> {
        let credentials = self.inputs.credentials.clone()?;
        if matches!(
            self.next_state,
            S::None | S::Unmanaged | S::MatchProfile | S::Deleting
        ) {
            return None;
        }
        let status = host::status_mut(self.host);
        let credentials_changed = status.tried_credentials.as_ref() != Some(&credentials);
        if credentials_changed {
            status.tried_credentials = Some(credentials.clone());
        }
        let restart = self.retrying(ErrorType::RegistrationError);
        let (outcome, id) = match self
            .provisioner
            .register(credentials_changed, restart)
            .await
        {
            Err(error) => return Some(Action::Error(error)),
            Ok(result) => result,
        };
        if let Some(message) = outcome.error_message {
            return Some(self.fail(ErrorType::RegistrationError, message));
        }
        let status = host::status_mut(self.host);
        let new_id = !id.is_empty() && status.provisioning.id != id;
        if new_id {
            status.provisioning.id = id;
            self.event("Registered", "Registered new host");
        }
        if outcome.dirty {
            let cleared = host::clear_error(self.host);
            return Some(if new_id || cleared || credentials_changed {
                Action::Update(outcome.requeue_after)
            } else {
                Action::Continue(outcome.requeue_after)
            });
        }
        let status = host::status_mut(self.host);
        if status
            .hardware_profile
            .as_deref()
            .unwrap_or_default()
            .is_empty()
        {
            // Hardware profiles are deprecated; upstream's match always ends here.
            status.hardware_profile = Some("unknown".to_owned());
            return Some(Action::Complete);
        }
        if status.good_credentials.as_ref() != Some(&credentials) {
            status.good_credentials = Some(credentials);
            host::clear_error_of(self.host, ErrorType::RegistrationError);
            self.event("BMCAccessValidated", "Verified access to BMC");
            return Some(Action::Complete);
        }
        if new_id || credentials_changed {
            return Some(Action::Update(outcome.requeue_after));
        }
        None
    }

    pub(super) async fn handle_state(&mut self) -> Action {
        match self.state() {
            S::None => self.handle_none(),
            S::Unmanaged if host::has_bmc_details(self.host) => self.goto_complete(S::Registering),
            S::Unmanaged => Action::Continue(SLOW_POLL),
            S::Registering => self.handle_registering(),
            S::Inspecting => self.handle_inspecting().await,
            S::MatchProfile => self.goto_complete(S::Preparing),
            S::Preparing => self.handle_preparing().await,
            S::Available | S::Ready => self.handle_available().await,
            S::Provisioning => self.handle_provisioning().await,
            S::Provisioned => self.handle_provisioned().await,
            S::ExternallyProvisioned => self.handle_externally_provisioned().await,
            S::Deprovisioning => self.handle_deprovisioning().await,
            S::PoweringOffBeforeDelete => self.handle_powering_off_before_delete().await,
            S::Deleting => self.handle_deleting().await,
        }
    }

    /// A state change that succeeded: the error count starts again.
    fn goto_complete(&mut self, state: S) -> Action {
        self.goto(state);
        Action::Complete
    }

    fn transition_resetting_errors(&mut self, state: S) -> Action {
        host::reset_error_count(self.host);
        self.goto_complete(state)
    }

    fn handle_none(&mut self) -> Action {
        if host::has_bmc_details(self.host) {
            return self.goto_complete(S::Registering);
        }
        host::status_mut(self.host).operational_status = OperationalStatus::Discovered;
        self.event("Discovered", "Discovered host with unknown BMC details");
        self.goto_complete(S::Unmanaged)
    }

    /// Runs once registration succeeded.
    fn handle_registering(&mut self) -> Action {
        let next = if host::externally_provisioned(self.host) {
            S::ExternallyProvisioned
        } else if host::inspection_disabled(self.host) {
            S::Preparing
        } else {
            S::Inspecting
        };
        self.transition_resetting_errors(next)
    }

    async fn handle_inspecting(&mut self) -> Action {
        if host::inspection_disabled(self.host) {
            self.event(
                "InspectionSkipped",
                "disabled by annotation or inspectionMode",
            );
            return self.transition_resetting_errors(S::Preparing);
        }
        let refresh = host::annotation(self.host, INSPECT).is_some();
        let force_reboot = self.forced_reboot();
        let restart = self.retrying(ErrorType::InspectionError);
        let inspection = match self
            .provisioner
            .inspect_hardware(restart, refresh, force_reboot)
            .await
        {
            Err(error) => return Action::Error(error),
            Ok(inspection) => inspection,
        };
        if inspection.started {
            host::remove_annotation(self.host, INSPECT);
            host::remove_annotation(self.host, REBOOT);
            self.event("InspectionStarted", "Hardware inspection started");
        }
        if let Some(message) = inspection.outcome.error_message {
            return self.fail(ErrorType::InspectionError, message);
        }
        if let Some(details) = inspection.details {
            host::status_mut(self.host).hardware = Some(details.clone());
            self.out.hardware_data = Some(details);
            self.event("InspectionComplete", "Hardware inspection completed");
            return self.transition_resetting_errors(S::Preparing);
        }
        self.progress(inspection.outcome.requeue_after, inspection.started)
    }

    async fn handle_preparing(&mut self) -> Action {
        let data = PrepareData {
            target_raid: self.host.spec.raid.clone(),
            actual_raid: self
                .host
                .status
                .as_ref()
                .and_then(|status| status.provisioning.raid.clone()),
            root_device_hints: self.host.spec.root_device_hints.clone(),
        };
        let unprepared = self.settings_changed();
        let restart = self.retrying(ErrorType::PreparationError);
        let (outcome, started) = match self.provisioner.prepare(&data, unprepared, restart).await {
            Err(error) => return Action::Error(error),
            Ok(result) => result,
        };
        if let Some(message) = outcome.error_message {
            self.clear_provisioning_settings();
            return self.fail(ErrorType::PreparationError, message);
        }
        if started || !outcome.dirty {
            self.save_provisioning_settings();
        }
        if outcome.dirty {
            return self.progress(outcome.requeue_after, started);
        }
        self.transition_resetting_errors(S::Available)
    }

    async fn handle_available(&mut self) -> Action {
        if host::externally_provisioned(self.host) {
            self.clear_provisioning_settings();
            return self.goto_complete(S::ExternallyProvisioned);
        }
        if host::annotation(self.host, INSPECT).is_some_and(|value| value != "disabled") {
            return self.goto_complete(S::Inspecting);
        }
        if self.settings_changed() {
            return self.goto_complete(S::Preparing);
        }
        let image = self.host.spec.image.clone();
        let status = host::status_mut(self.host);
        let mut changed = false;
        if image.as_ref().is_none_or(|image| image.url.is_empty())
            && (status.provisioning_fail_count != 0 || status.last_attempted_image.is_some())
        {
            status.provisioning_fail_count = 0;
            status.last_attempted_image = None;
            changed = true;
        }
        if self.deployment().needs_provisioning() {
            return self.start_provisioning();
        }
        let power = self.manage_power().await;
        match power {
            Action::Continue(delay) if changed => Action::Update(delay),
            other => other,
        }
    }

    /// `actionManageAvailable`'s provisioning branch, with the retry limit.
    fn start_provisioning(&mut self) -> Action {
        let image = self.host.spec.image.clone();
        let limit = self.settings.max_provisioning_retries;
        let status = host::status_mut(self.host);
        if image.is_some() && status.last_attempted_image != image {
            status.provisioning_fail_count = 0;
        }
        let failures = u32::try_from(status.provisioning_fail_count).unwrap_or(u32::MAX);
        if limit > 0 && failures >= limit {
            let message = format!(
                "provisioning failed {failures} times, retry limit ({limit}) reached; \
                 change image or reset provisioningFailCount to retry"
            );
            if status.error_message == message {
                return Action::Continue(SLOW_POLL);
            }
            self.fail(ErrorType::ProvisioningError, message);
            return Action::Update(SLOW_POLL);
        }
        // A retry-limit error is over once the image changed.
        host::clear_error(self.host);
        self.goto_complete(S::Provisioning)
    }

    async fn handle_provisioning(&mut self) -> Action {
        let failed = host::error_type(self.host).is_some();
        if failed || self.provisioning_cancelled() {
            if failed {
                let status = host::status_mut(self.host);
                status.provisioning_fail_count = status.provisioning_fail_count.saturating_add(1);
            }
            return self.goto_complete(S::Deprovisioning);
        }
        host::status_mut(self.host).last_attempted_image = self.host.spec.image.clone();
        let data = match self.inputs.provision_data.take() {
            Some(Ok(data)) => data,
            Some(Err(message)) => return self.fail(ErrorType::ProvisioningError, message),
            None => {
                return self.fail(
                    ErrorType::ProvisioningError,
                    "provisioning data was not read".to_owned(),
                );
            }
        };
        let force_reboot = self.forced_reboot();
        let result = self.provisioner.provision(&data, force_reboot).await;
        if result.is_ok() {
            host::remove_annotation(self.host, REBOOT);
        }
        let image = self.wanted_deployment();
        let message = format!("Image provisioning started for {image}");
        self.announce_start(&result, "ProvisioningStarted", message);
        if let Some(action) = self.unfinished(result, ErrorType::ProvisioningError, true) {
            return action;
        }
        self.event(
            "ProvisioningComplete",
            format!("Image provisioning completed for {image}"),
        );
        let (image, custom_deploy) = (
            self.host.spec.image.clone(),
            self.host.spec.custom_deploy.clone(),
        );
        let status = host::status_mut(self.host);
        status.provisioning.image = image;
        status.provisioning.custom_deploy = custom_deploy;
        status.provisioning_fail_count = 0;
        self.transition_resetting_errors(S::Provisioned)
    }

    async fn handle_provisioned(&mut self) -> Action {
        if self.provisioning_cancelled() {
            return self.goto_complete(S::Deprovisioning);
        }
        self.steady_state().await
    }

    async fn handle_externally_provisioned(&mut self) -> Action {
        if host::externally_provisioned(self.host) {
            return self.steady_state().await;
        }
        let (image, custom_deploy) = (
            self.host.spec.image.clone(),
            self.host.spec.custom_deploy.clone(),
        );
        let status = host::status_mut(self.host);
        status.provisioning.image = image;
        status.provisioning.custom_deploy = custom_deploy;
        self.goto_complete(S::Provisioned)
    }

    /// `actionManageSteadyState`: the node is adopted, then the power is managed.
    async fn steady_state(&mut self) -> Action {
        if let Some(action) = self.adopt().await {
            return action;
        }
        if host::clear_error_of(self.host, ErrorType::ProvisionedRegistrationError) {
            return Action::Update(super::action::SHORT_RETRY);
        }
        self.manage_power().await
    }

    /// The node is adopted (as provisioned) by the backend; `None` once it is.
    async fn adopt(&mut self) -> Option<Action> {
        let restart = self.retrying(ErrorType::ProvisionedRegistrationError);
        match self.provisioner.adopt(restart).await {
            Err(error) => Some(Action::Error(error)),
            Ok(Outcome {
                error_message: Some(message),
                ..
            }) => Some(self.fail(ErrorType::ProvisionedRegistrationError, message)),
            Ok(outcome) if outcome.dirty => Some(Action::Continue(outcome.requeue_after)),
            Ok(_) => None,
        }
    }

    async fn handle_deprovisioning(&mut self) -> Action {
        let deleting = self.host.metadata.deletion_timestamp.is_some();
        if deleting && host::error_count(self.host) > DELETE_ATTEMPTS {
            self.out.deleted_without_deprovisioning = true;
            return self.goto_complete(S::PoweringOffBeforeDelete);
        }
        if self.has_deployment_in_status() {
            // The node may have been re-registered mid-way: it is adopted before cleaning.
            if let Some(action) = self.adopt().await {
                return action;
            }
        }
        let restart = self.retrying(ErrorType::ProvisioningError);
        let result = self.provisioner.deprovision(restart).await;
        let message = "Image deprovisioning started".to_owned();
        self.announce_start(&result, "DeprovisioningStarted", message);
        if let Some(action) = self.unfinished(result, ErrorType::ProvisioningError, false) {
            return action;
        }
        self.event("DeprovisioningComplete", "Image deprovisioning completed");
        host::remove_annotation(self.host, REBOOT);
        let status = host::status_mut(self.host);
        status.provisioning.image = None;
        status.provisioning.custom_deploy = None;
        status.provisioning.root_device_hints = None;
        if let Some(raid) = status.provisioning.raid.as_mut() {
            raid.software_raid_volumes = None;
        }
        let next = if deleting {
            S::PoweringOffBeforeDelete
        } else {
            S::Available
        };
        self.transition_resetting_errors(next)
    }

    async fn handle_powering_off_before_delete(&mut self) -> Action {
        if host::error_count(self.host) > DELETE_ATTEMPTS
            || self.host.spec.disable_power_off == Some(true)
            || self.inputs.credentials.is_none()
        {
            return self.goto_complete(S::Deleting);
        }
        let force = self.retrying(ErrorType::PowerManagementError);
        let result = self
            .provisioner
            .power_off(annotations::RebootMode::Hard, force)
            .await;
        if let Some(action) = self.unfinished(result, ErrorType::PowerManagementError, false) {
            return action;
        }
        host::status_mut(self.host).powered_on = false;
        self.transition_resetting_errors(S::Deleting)
    }

    async fn handle_deleting(&mut self) -> Action {
        let nothing_registered = host::status_mut(self.host).provisioning.id.is_empty()
            && self.inputs.credentials.is_none();
        if nothing_registered {
            return Action::DeleteComplete;
        }
        match self.provisioner.delete().await {
            Err(error) => Action::Error(error),
            Ok(outcome) if outcome.dirty || outcome.error_message.is_some() => {
                Action::Continue(outcome.requeue_after.max(super::action::SHORT_RETRY))
            }
            Ok(_) => Action::DeleteComplete,
        }
    }

    /// What an operation's result means for the pass unless it is done: a failure is
    /// recorded as `error_type`, work in progress is waited for.
    fn unfinished(
        &mut self,
        result: ProvisionResult<Outcome>,
        error_type: ErrorType,
        changed: bool,
    ) -> Option<Action> {
        match result {
            Err(error) => Some(Action::Error(error)),
            Ok(Outcome {
                error_message: Some(message),
                ..
            }) => Some(self.fail(error_type, message)),
            Ok(outcome) if outcome.dirty => Some(self.progress(outcome.requeue_after, changed)),
            Ok(_) => None,
        }
    }

    /// An Event when this call began the operation.
    fn announce_start(
        &mut self,
        result: &ProvisionResult<Outcome>,
        reason: &'static str,
        message: String,
    ) {
        if matches!(result, Ok(outcome) if outcome.started) {
            self.event(reason, message);
        }
    }

    /// The backend is working: an earlier error is over. The status is saved only if that
    /// (or the call itself) changed it.
    fn progress(&mut self, delay: std::time::Duration, changed: bool) -> Action {
        let delay = if delay.is_zero() { LONG_RETRY } else { delay };
        if host::clear_error(self.host) || changed {
            Action::Update(delay)
        } else {
            Action::Continue(delay)
        }
    }

    /// A reboot annotation with `force`: restarts a running ramdisk.
    fn forced_reboot(&self) -> bool {
        host::reboot_annotations(self.host)
            .iter()
            .any(|(_, value)| annotations::parse_reboot(value).is_ok_and(|args| args.force))
    }

    fn deployment(&self) -> Deployment<'_> {
        let spec = &self.host.spec;
        let provisioning = self.host.status.as_ref().map(|status| &status.provisioning);
        Deployment {
            online: spec.online,
            spec_image_url: spec.image.as_ref().map_or("", |image| image.url.as_str()),
            status_image_url: provisioning
                .and_then(|p| p.image.as_ref())
                .map_or("", |image| image.url.as_str()),
            spec_custom_deploy: spec
                .custom_deploy
                .as_ref()
                .map_or("", |deploy| deploy.method.as_str()),
            status_custom_deploy: provisioning
                .and_then(|p| p.custom_deploy.as_ref())
                .map_or("", |deploy| deploy.method.as_str()),
        }
    }

    /// The image URL (or custom deploy method) the spec asks for, as Events name it.
    fn wanted_deployment(&self) -> String {
        let deployment = self.deployment();
        if deployment.spec_image_url.is_empty() {
            deployment.spec_custom_deploy.to_owned()
        } else {
            deployment.spec_image_url.to_owned()
        }
    }

    /// `provisioningCancelled`: the image or custom deploy was removed or replaced.
    fn provisioning_cancelled(&self) -> bool {
        let deployment = self.deployment();
        (deployment.spec_image_url.is_empty() && deployment.spec_custom_deploy.is_empty())
            || (!deployment.status_image_url.is_empty()
                && deployment.spec_image_url != deployment.status_image_url)
            || (!deployment.status_custom_deploy.is_empty()
                && deployment.spec_custom_deploy != deployment.status_custom_deploy)
    }

    fn has_deployment_in_status(&self) -> bool {
        let deployment = self.deployment();
        !deployment.status_image_url.is_empty() || !deployment.status_custom_deploy.is_empty()
    }

    /// The RAID layout or root device hints differ from what was applied.
    fn settings_changed(&self) -> bool {
        let applied = self.host.status.as_ref().map(|status| &status.provisioning);
        self.host.spec.raid.as_ref() != applied.and_then(|p| p.raid.as_ref())
            || self.host.spec.root_device_hints.as_ref()
                != applied.and_then(|p| p.root_device_hints.as_ref())
    }

    fn save_provisioning_settings(&mut self) {
        let (raid, hints) = (
            self.host.spec.raid.clone(),
            self.host.spec.root_device_hints.clone(),
        );
        let status = host::status_mut(self.host);
        status.provisioning.raid = raid;
        status.provisioning.root_device_hints = hints;
    }

    fn clear_provisioning_settings(&mut self) {
        let status = host::status_mut(self.host);
        status.provisioning.raid = None;
        status.provisioning.root_device_hints = None;
    }
}

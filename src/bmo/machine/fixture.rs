//! An in-memory provisioner for the state machine's tests (upstream's fixture provisioner):
//! every operation takes one "still working" call before it is done, failures are injected
//! per operation, and every call is logged.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use crate::api::bmo::v1alpha1::HardwareDetails;
use crate::bmo::annotations::RebootMode;
use crate::bmo::provisioner::{
    HardwareState, Inspection, Outcome, PrepareData, ProvisionData, ProvisionResult, Provisioner,
};

pub const NODE_ID: &str = "7a1c2d5e-fixture";

#[derive(Default)]
struct Node {
    registered: bool,
    powered_on: bool,
    /// Operations started and not finished yet.
    running: HashMap<&'static str, ()>,
    failures: HashMap<&'static str, String>,
    /// Failures that stay until cleared.
    broken: HashMap<&'static str, String>,
    calls: Vec<String>,
    no_capacity: bool,
}

#[derive(Default)]
pub struct Fixture {
    node: Mutex<Node>,
}

impl Fixture {
    fn with<T>(&self, f: impl FnOnce(&mut Node) -> T) -> T {
        let mut node = self
            .node
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut node)
    }

    /// The next call of `operation` fails with `message` (once).
    pub fn fail_next(&self, operation: &'static str, message: &str) {
        self.with(|node| node.failures.insert(operation, message.to_owned()));
    }

    /// Every call of `operation` fails with `message` until [`Fixture::repair`].
    pub fn break_operation(&self, operation: &'static str, message: &str) {
        self.with(|node| node.broken.insert(operation, message.to_owned()));
    }

    pub fn repair(&self, operation: &'static str) {
        self.with(|node| node.broken.remove(operation));
    }

    pub fn set_capacity(&self, available: bool) {
        self.with(|node| node.no_capacity = !available);
    }

    pub fn set_powered_on(&self, on: bool) {
        self.with(|node| node.powered_on = on);
    }

    pub fn calls(&self) -> Vec<String> {
        self.with(|node| node.calls.clone())
    }

    /// One call of an operation: a failure if one was injected, else "working" on the first
    /// call and done on the next.
    fn step(&self, operation: &'static str, call: String) -> Outcome {
        self.with(|node| {
            node.calls.push(call);
            let failure = node
                .failures
                .remove(operation)
                .or_else(|| node.broken.get(operation).cloned());
            if let Some(message) = failure {
                node.running.remove(operation);
                return Outcome::failed(message);
            }
            if node.running.remove(operation).is_some() {
                Outcome::done()
            } else {
                node.running.insert(operation, ());
                Outcome {
                    started: true,
                    ..Outcome::waiting(Duration::from_secs(3))
                }
            }
        })
    }
}

impl Provisioner for Fixture {
    async fn register(
        &self,
        credentials_changed: bool,
        restart_on_failure: bool,
    ) -> ProvisionResult<(Outcome, String)> {
        let call = format!("register(changed={credentials_changed},restart={restart_on_failure})");
        if let Some(message) = self.with(|node| node.failures.remove("register")) {
            self.with(|node| node.calls.push(call));
            return Ok((Outcome::failed(message), String::new()));
        }
        let first = self.with(|node| {
            node.calls.push(call);
            !std::mem::replace(&mut node.registered, true)
        });
        let outcome = if first {
            Outcome::waiting(Duration::from_secs(3))
        } else {
            Outcome::done()
        };
        Ok((outcome, NODE_ID.to_owned()))
    }

    async fn inspect_hardware(
        &self,
        restart_on_failure: bool,
        refresh: bool,
        force_reboot: bool,
    ) -> ProvisionResult<Inspection> {
        let outcome = self.step(
            "inspect",
            format!("inspect(restart={restart_on_failure},refresh={refresh},force={force_reboot})"),
        );
        let started = outcome.dirty;
        let finished = !outcome.dirty && outcome.error_message.is_none();
        Ok(Inspection {
            outcome,
            started,
            details: finished.then(|| HardwareDetails {
                ram_mebibytes: Some(16384),
                hostname: Some("fixture".into()),
                cpu: None,
                firmware: None,
                nics: None,
                storage: None,
                system_vendor: None,
            }),
        })
    }

    async fn update_hardware_state(&self) -> ProvisionResult<HardwareState> {
        Ok(HardwareState {
            powered_on: Some(self.with(|node| node.powered_on)),
            ..HardwareState::default()
        })
    }

    async fn prepare(
        &self,
        _data: &PrepareData,
        unprepared: bool,
        restart_on_failure: bool,
    ) -> ProvisionResult<(Outcome, bool)> {
        let call = format!("prepare(unprepared={unprepared},restart={restart_on_failure})");
        if !unprepared {
            self.with(|node| node.calls.push(call));
            return Ok((Outcome::done(), false));
        }
        let outcome = self.step("prepare", call);
        let started = outcome.dirty;
        Ok((outcome, started))
    }

    async fn adopt(&self, restart_on_failure: bool) -> ProvisionResult<Outcome> {
        let call = format!("adopt(restart={restart_on_failure})");
        Ok(self.with(|node| {
            node.calls.push(call);
            node.failures
                .remove("adopt")
                .map_or_else(Outcome::done, Outcome::failed)
        }))
    }

    async fn provision(
        &self,
        _data: &ProvisionData,
        force_reboot: bool,
    ) -> ProvisionResult<Outcome> {
        Ok(self.step("provision", format!("provision(force={force_reboot})")))
    }

    async fn deprovision(&self, restart_on_failure: bool) -> ProvisionResult<Outcome> {
        Ok(self.step(
            "deprovision",
            format!("deprovision(restart={restart_on_failure})"),
        ))
    }

    async fn delete(&self) -> ProvisionResult<Outcome> {
        Ok(self.step("delete", "delete".to_owned()))
    }

    async fn detach(&self, force: bool) -> ProvisionResult<Outcome> {
        Ok(self.step("detach", format!("detach(force={force})")))
    }

    async fn power_on(&self, force: bool) -> ProvisionResult<Outcome> {
        let outcome = self.step("power", format!("power_on(force={force})"));
        if !outcome.dirty && outcome.error_message.is_none() {
            self.set_powered_on(true);
        }
        Ok(outcome)
    }

    async fn power_off(&self, mode: RebootMode, force: bool) -> ProvisionResult<Outcome> {
        let outcome = self.step("power", format!("power_off({mode:?},force={force})"));
        if !outcome.dirty && outcome.error_message.is_none() {
            self.set_powered_on(false);
        }
        Ok(outcome)
    }

    async fn has_capacity(&self) -> ProvisionResult<bool> {
        Ok(self.with(|node| !node.no_capacity))
    }
}

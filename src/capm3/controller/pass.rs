//! One pass over a Metal3Machine: the object as the API server last returned it, a working
//! copy carrying every change the decisions asked for, and the conditions and Events they
//! reported. At the end the difference is written back once — metadata and spec, then status
//! with `Ready` summarised — as upstream's deferred patch does; steps that must be written
//! before they go on (the finalizer, the chosen host) write early.

use crate::kubeutil::events::Events;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use kube::Api;
use kube::ResourceExt;

use super::writes;
use crate::api::capm3::v1beta2::{
    Metal3Machine, Metal3MachineDeprecatedStatus, Metal3MachineStatus,
    Metal3MachineV1Beta1DeprecatedStatus,
};
use crate::api::common::V1Beta1Condition;
use crate::capm3::changes::{MachineChanges, empty_status};
use crate::capm3::conditions::{self, Cond, LegacyCond, MACHINE_READY_OF, v1beta1};
use crate::capm3::outcome::{Event, Next, Report};

pub(super) struct MachinePass {
    /// The machine as the API server last returned it.
    stored: Metal3Machine,
    /// `stored` with every change of this pass.
    pub working: Metal3Machine,
    conditions: Vec<Cond>,
    legacy: Vec<LegacyCond>,
    events: Vec<Event>,
    now: Time,
    /// The finalizer is gone: the object may be deleted, nothing more is written.
    pub released: bool,
}

impl MachinePass {
    pub fn new(machine: Metal3Machine) -> MachinePass {
        MachinePass {
            working: machine.clone(),
            stored: machine,
            conditions: Vec::new(),
            legacy: Vec::new(),
            events: Vec::new(),
            now: Time(Timestamp::now()),
            released: false,
        }
    }

    pub fn namespace(&self) -> String {
        self.working.namespace().unwrap_or_default()
    }

    /// Applies changes a decision asked for to the working copy.
    pub fn change(&mut self, changes: &MachineChanges) {
        if !changes.is_empty() {
            changes.apply(&mut self.working);
        }
    }

    /// Takes a decision's report: its conditions go onto the working copy at once (later
    /// decisions read them), its Events are kept for the end; returns when to look again.
    pub fn absorb(&mut self, report: Report) -> Next {
        let generation = self.working.metadata.generation;
        let status = self.working.status.get_or_insert_with(empty_status);
        if !report.conditions.is_empty() {
            status.conditions = Some(conditions::apply(
                status.conditions.as_deref().unwrap_or_default(),
                &report.conditions,
                generation,
                &self.now,
            ));
        }
        if !report.v1beta1.is_empty() {
            let applied = conditions::apply_v1beta1(
                legacy_conditions(status).unwrap_or_default(),
                &report.v1beta1,
                &self.now,
            );
            set_legacy_conditions(status, applied);
        }
        self.conditions.extend(report.conditions);
        self.legacy.extend(report.v1beta1);
        self.events.extend(report.events);
        report.next
    }

    /// Writes the metadata and spec changes so far.
    pub async fn write_metadata(&mut self, api: &Api<Metal3Machine>) -> Result<(), kube::Error> {
        if let Some(written) = writes::metadata_and_spec(api, &self.stored, &self.working).await? {
            self.working.metadata = written.metadata.clone();
            self.stored = written;
        }
        Ok(())
    }

    /// Writes the status changes so far, with `Ready` summarised over every condition this
    /// pass reported (re-applying them is a no-op but for the final observedGeneration), and
    /// `lastUpdated` when anything else changed.
    pub async fn write_status(&mut self, api: &Api<Metal3Machine>) -> Result<(), kube::Error> {
        let generation = self.working.metadata.generation;
        let status = self.working.status.get_or_insert_with(empty_status);
        status.conditions = Some(conditions::apply_with_summary(
            status.conditions.as_deref().unwrap_or_default(),
            &self.conditions,
            &MACHINE_READY_OF,
            generation,
            &self.now,
        ));
        let legacy = conditions::apply_v1beta1_with_summary(
            legacy_conditions(status).unwrap_or_default(),
            &self.legacy,
            &v1beta1::MACHINE_READY_OF,
            &self.now,
        );
        set_legacy_conditions(status, legacy);
        if changed_besides_last_updated(self.stored.status.as_ref(), status) {
            status.last_updated = Some(self.now.clone());
        }
        if let Some(written) = writes::status(api, &self.stored, &self.working).await? {
            self.working.metadata.resource_version = written.resource_version();
            self.stored = written;
        }
        Ok(())
    }

    /// Publishes the Events reported so far.
    pub async fn publish(&mut self, publisher: &Events) {
        let events = std::mem::take(&mut self.events);
        writes::publish(publisher, &self.working, &events).await;
    }

    /// Publishes the Events, then writes the metadata, spec and status changes.
    pub async fn finish(
        &mut self,
        api: &Api<Metal3Machine>,
        events: &Events,
    ) -> Result<(), kube::Error> {
        self.publish(events).await;
        if self.released {
            return Ok(());
        }
        self.write_metadata(api).await?;
        self.write_status(api).await
    }
}

fn legacy_conditions(status: &Metal3MachineStatus) -> Option<&[V1Beta1Condition]> {
    status
        .deprecated
        .as_ref()?
        .v1_beta1
        .as_ref()?
        .conditions
        .as_deref()
}

/// Sets the deprecated v1beta1 conditions; an empty list leaves a status without any alone.
fn set_legacy_conditions(status: &mut Metal3MachineStatus, list: Vec<V1Beta1Condition>) {
    if list.is_empty() && legacy_conditions(status).is_none() {
        return;
    }
    let deprecated = status
        .deprecated
        .get_or_insert(Metal3MachineDeprecatedStatus { v1_beta1: None });
    let v1beta1 = deprecated
        .v1_beta1
        .get_or_insert(Metal3MachineV1Beta1DeprecatedStatus {
            conditions: None,
            failure_message: None,
            failure_reason: None,
        });
    v1beta1.conditions = Some(list);
}

fn changed_besides_last_updated(
    stored: Option<&Metal3MachineStatus>,
    wanted: &Metal3MachineStatus,
) -> bool {
    let Some(stored) = stored else {
        return true;
    };
    let mut stored = stored.clone();
    stored.last_updated = wanted.last_updated.clone();
    stored != *wanted
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::capm3::conditions::{ASSOCIATE_BARE_METAL_HOST, READY, Severity, reason};

    fn machine() -> Metal3Machine {
        serde_json::from_value(json!({
            "metadata": {"name": "m3m", "namespace": "metal3", "generation": 3},
            "spec": {},
        }))
        .expect("machine")
    }

    /// Conditions land on the working copy as they are reported, for later decisions to read.
    #[test]
    fn reports_apply_at_once() {
        let mut pass = MachinePass::new(machine());
        let next = pass.absorb(
            Report::next(Next::later())
                .with(Cond::no(ASSOCIATE_BARE_METAL_HOST, reason::PAUSED, ""))
                .with_v1beta1(LegacyCond::no(
                    v1beta1::ASSOCIATE_BMH,
                    v1beta1::reason::PAUSED,
                    Severity::Info,
                    "",
                )),
        );
        assert_eq!(next, Next::later());
        let status = pass.working.status.as_ref().expect("status");
        let conditions = status.conditions.as_deref().expect("conditions");
        assert_eq!(conditions[0].type_, ASSOCIATE_BARE_METAL_HOST);
        assert_eq!(conditions[0].observed_generation, Some(3));
        assert!(conditions.iter().all(|c| c.type_ != READY));
        assert_eq!(legacy_conditions(status).map(<[_]>::len), Some(1));
    }

    #[test]
    fn last_updated_alone_is_no_change() {
        let mut status = empty_status();
        assert!(changed_besides_last_updated(None, &status));
        let stored = status.clone();
        status.last_updated = Some(Time(Timestamp::now()));
        assert!(!changed_besides_last_updated(Some(&stored), &status));
        status.user_data = Some(Default::default());
        assert!(changed_besides_last_updated(Some(&stored), &status));
    }
}

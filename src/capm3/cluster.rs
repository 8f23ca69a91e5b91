//! The Metal3Cluster decisions (reference §1.1; M3C-01…M3C-09): the Cluster API
//! InfraCluster contract — `status.initialization.provisioned`, `status.failureDomains`,
//! `Ready` and `Paused` — and holding deletion until the Cluster's Machines are gone.

use kube::ResourceExt;

use super::conditions::{self as cond, Cond, LegacyCond, Severity, reason, v1beta1};
use super::names::{CAPI_GROUP, CAPI_PAUSED, CLUSTER_FINALIZER, MANAGED_BY};
use super::node_reuse::group_of;
use super::outcome::{Next, Report};
use crate::api::capi::Cluster;
use crate::api::capm3::v1beta2::{FailureDomain, Metal3Cluster};

/// The name of the Cluster owning `metal3_cluster` (owner of kind Cluster in the CAPI group).
pub fn owner_cluster(metal3_cluster: &Metal3Cluster) -> Option<&str> {
    metal3_cluster
        .owner_references()
        .iter()
        .find(|o| o.kind == "Cluster" && group_of(&o.api_version) == CAPI_GROUP)
        .map(|o| o.name.as_str())
}

/// An externally managed Metal3Cluster (`cluster.x-k8s.io/managed-by`) is left alone (M3C-09).
pub fn is_externally_managed(metal3_cluster: &Metal3Cluster) -> bool {
    metal3_cluster.annotations().contains_key(MANAGED_BY)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FinalizerChange {
    /// Add [`CLUSTER_FINALIZER`].
    Add,
    /// Remove it: deletion may proceed.
    Remove,
}

/// The deprecated `status.deprecated.v1beta1.failureReason` / `failureMessage` pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub reason: &'static str,
    pub message: String,
}

/// Everything one Metal3Cluster pass writes. `None` fields stay as they are.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClusterPlan {
    pub finalizer: Option<FinalizerChange>,
    /// `status.initialization.provisioned`.
    pub provisioned: Option<bool>,
    /// `status.failureDomains`.
    pub failure_domains: Option<Option<Vec<FailureDomain>>>,
    /// The deprecated failure: `Some(None)` clears a recorded one.
    pub failure: Option<Option<Failure>>,
    /// Set `status.lastUpdated` to now.
    pub touch: bool,
    /// Conditions (the shell adds the `Ready` summary unless the report sets `Ready`:
    /// [`super::conditions::apply_with_summary`] with [`super::conditions::CLUSTER_READY_OF`]).
    pub report: Report,
}

/// What a pass reads.
#[derive(Clone, Copy, Debug)]
pub struct ClusterInput<'a> {
    pub metal3_cluster: &'a Metal3Cluster,
    /// The owner Cluster; `None` until Cluster API sets the owner reference.
    pub cluster: Option<&'a Cluster>,
    /// Machines labelled with the Cluster's name in its namespace (read when deleting).
    pub machines: usize,
}

/// One Metal3Cluster pass:
/// 1. `spec.failureDomains` copied to status (M3C-05);
/// 2. no owner Cluster yet: nothing more, no requeue (M3C-02);
/// 3. `Paused` (M3C-07): paused ends the pass for 30 s; a condition that just changed ends
///    it too, to be written first, and the next pass follows at once;
/// 4. deleting: `Ready=False/Deleting`; the finalizer goes once no Machine is left, else
///    30 s (M3C-08);
/// 5. finalizer (M3C-01), then the control-plane endpoint: valid → provisioned (M3C-03),
///    invalid → not provisioned with `InvalidConfiguration` (M3C-04).
///
/// Deliberate differences: after the `Paused` condition changed to False the next pass runs
/// at once, where upstream waits 30 s (a new Metal3Cluster would otherwise be provisioned
/// only 30 s after Cluster API owns it); an invalid endpoint waits for the spec to change
/// instead of backing off as an error (editing the spec brings the object back), and a valid
/// endpoint clears a stale deprecated failure.
pub fn reconcile(input: &ClusterInput<'_>) -> ClusterPlan {
    let metal3_cluster = input.metal3_cluster;
    let status = metal3_cluster.status.as_ref();
    let mut plan = ClusterPlan::default();
    let wanted = metal3_cluster.spec.failure_domains.clone();
    if status.and_then(|s| s.failure_domains.clone()) != wanted {
        plan.failure_domains = Some(wanted);
    }
    let Some(cluster) = input.cluster else {
        return plan;
    };

    let paused =
        cluster.spec.paused == Some(true) || metal3_cluster.annotations().contains_key(CAPI_PAUSED);
    let was_paused = status
        .and_then(|s| s.conditions.as_deref())
        .and_then(|c| c.iter().find(|c| c.type_ == cond::PAUSED))
        .map(|c| c.status == "True");
    plan.report = Report::default().with(if paused {
        Cond::yes(cond::PAUSED, reason::PAUSED)
    } else {
        Cond::no(cond::PAUSED, reason::NOT_PAUSED, "")
    });
    if paused {
        plan.report.next = Next::later();
        return plan;
    }
    if was_paused != Some(paused) {
        plan.report.next = Next::After(std::time::Duration::ZERO);
        return plan;
    }

    let has_finalizer = metal3_cluster
        .finalizers()
        .iter()
        .any(|f| f == CLUSTER_FINALIZER);
    if metal3_cluster.metadata.deletion_timestamp.is_some() {
        plan.report = plan
            .report
            .with(Cond::no(cond::READY, reason::DELETING, ""));
        if input.machines > 0 {
            plan.report.next = Next::later();
        } else if has_finalizer {
            plan.finalizer = Some(FinalizerChange::Remove);
        }
        return plan;
    }
    if !has_finalizer {
        plan.finalizer = Some(FinalizerChange::Add);
    }

    let endpoint = metal3_cluster.spec.control_plane_endpoint.as_ref();
    let valid = endpoint.is_some_and(|e| {
        e.host.as_deref().is_some_and(|h| !h.is_empty()) && e.port.is_some_and(|p| p != 0)
    });
    let recorded_failure = status
        .and_then(|s| s.deprecated.as_ref())
        .and_then(|d| d.v1_beta1.as_ref())
        .is_some_and(|v| v.failure_reason.is_some() || v.failure_message.is_some());
    if valid {
        plan.provisioned = Some(true);
        plan.touch = true;
        plan.failure = recorded_failure.then_some(None);
        plan.report = plan
            .report
            .with(Cond::yes(
                cond::BAREMETAL_INFRASTRUCTURE_READY,
                reason::READY,
            ))
            .with_v1beta1(LegacyCond::yes(v1beta1::BAREMETAL_INFRASTRUCTURE_READY));
    } else {
        plan.provisioned = Some(false);
        plan.failure = Some(Some(Failure {
            reason: reason::INVALID_CONFIGURATION,
            message: "Invalid Metal3Cluster provided".into(),
        }));
        let message = "invalid field ControlPlaneEndpoint: host and port are required";
        plan.report = plan
            .report
            .with(Cond::no(
                cond::BAREMETAL_INFRASTRUCTURE_READY,
                reason::INVALID_CONFIGURATION,
                message,
            ))
            .with_v1beta1(LegacyCond::no(
                v1beta1::BAREMETAL_INFRASTRUCTURE_READY,
                v1beta1::reason::CONTROL_PLANE_ENDPOINT_FAILED,
                Severity::Error,
                message,
            ));
    }
    plan
}

/// The report when the owner Cluster could not be read.
pub fn owner_cluster_failed(error: &str) -> (Failure, Report) {
    let failure = Failure {
        reason: reason::INVALID_CONFIGURATION,
        message: "Unable to get owner cluster".into(),
    };
    let report = Report::next(Next::Retry(error.to_owned()))
        .with(Cond::no(
            cond::READY,
            reason::FAILED_TO_GET_OWNER_CLUSTER,
            error,
        ))
        .with_v1beta1(LegacyCond::no(
            v1beta1::BAREMETAL_INFRASTRUCTURE_READY,
            v1beta1::reason::INTERNAL_FAILURE,
            Severity::Error,
            error,
        ));
    (failure, report)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::capm3::conditions::Status;
    use crate::capm3::fixtures::{NS, cluster, merge};

    fn m3c(overlay: Value) -> Metal3Cluster {
        let mut base = json!({
            "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3Cluster",
            "metadata": {"name": "test1", "namespace": NS,
                         "ownerReferences": [{"apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Cluster", "name": "test1", "uid": "u"}]},
            "spec": {"controlPlaneEndpoint": {"host": "127.0.0.1", "port": 6443}},
            "status": {"conditions": [{"type": "Paused", "status": "False", "reason": "NotPaused", "message": "",
                                       "lastTransitionTime": "2026-01-01T00:00:00Z"}]},
        });
        merge(&mut base, overlay);
        serde_json::from_value(base).expect("m3c")
    }

    fn run(m3c: &Metal3Cluster, cluster: Option<&Cluster>, machines: usize) -> ClusterPlan {
        reconcile(&ClusterInput {
            metal3_cluster: m3c,
            cluster,
            machines,
        })
    }

    /// M3C-01, M3C-03: the finalizer, then provisioned with BaremetalInfrastructureReady.
    #[test]
    fn valid_endpoint() {
        let plan = run(&m3c(json!({})), Some(&cluster(json!({}))), 0);
        assert_eq!(plan.finalizer, Some(FinalizerChange::Add));
        assert_eq!(plan.provisioned, Some(true));
        assert!(plan.touch);
        assert!(plan.report.conditions.contains(&Cond::yes(
            cond::BAREMETAL_INFRASTRUCTURE_READY,
            reason::READY
        )));
        assert_eq!(plan.report.next, Next::AwaitChange);
        let with_finalizer = m3c(
            json!({"metadata": {"name": "test1", "namespace": NS, "finalizers": [CLUSTER_FINALIZER],
            "ownerReferences": [{"apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Cluster", "name": "test1", "uid": "u"}]}}),
        );
        assert_eq!(
            run(&with_finalizer, Some(&cluster(json!({}))), 0).finalizer,
            None
        );
        assert_eq!(owner_cluster(&with_finalizer), Some("test1"));
    }

    /// M3C-02: without an owner Cluster nothing happens, without requeue.
    #[test]
    fn no_owner() {
        let plan = run(&m3c(json!({})), None, 0);
        assert_eq!(plan, ClusterPlan::default());
    }

    /// M3C-04: an incomplete endpoint.
    #[test]
    fn invalid_endpoint() {
        for endpoint in [
            json!({"host": "", "port": 6443}),
            json!({"host": "127.0.0.1", "port": null}),
            json!({"host": "127.0.0.1", "port": 0}),
        ] {
            let plan = run(
                &m3c(json!({"spec": {"controlPlaneEndpoint": endpoint}})),
                Some(&cluster(json!({}))),
                0,
            );
            assert_eq!(plan.provisioned, Some(false));
            assert_eq!(
                plan.failure.clone().flatten().map(|f| f.reason),
                Some(reason::INVALID_CONFIGURATION)
            );
            let condition = plan
                .report
                .conditions
                .iter()
                .find(|c| c.type_ == cond::BAREMETAL_INFRASTRUCTURE_READY)
                .expect("condition");
            assert_eq!(
                (condition.status, condition.reason),
                (Status::False, reason::INVALID_CONFIGURATION)
            );
            assert_eq!(
                plan.report.v1beta1[0].reason.as_deref(),
                Some(v1beta1::reason::CONTROL_PLANE_ENDPOINT_FAILED)
            );
        }
        let fixed = m3c(
            json!({"status": {"deprecated": {"v1beta1": {"failureReason": "InvalidConfiguration"}},
            "conditions": [{"type": "Paused", "status": "False", "reason": "NotPaused", "message": "", "lastTransitionTime": "2026-01-01T00:00:00Z"}]}}),
        );
        assert_eq!(
            run(&fixed, Some(&cluster(json!({}))), 0).failure,
            Some(None)
        );
    }

    /// M3C-05: failure domains copied verbatim.
    #[test]
    fn failure_domains() {
        let domains = json!([{"name": "fd1", "controlPlane": true, "attributes": {"rack": "1"}}]);
        let plan = run(
            &m3c(
                json!({"spec": {"controlPlaneEndpoint": {"host": "h", "port": 1}, "failureDomains": domains}}),
            ),
            None,
            0,
        );
        let copied = plan.failure_domains.flatten().expect("copied");
        assert_eq!(serde_json::to_value(copied).expect("json"), domains);
        assert_eq!(run(&m3c(json!({})), None, 0).failure_domains, None);
    }

    /// M3C-06, M3C-07: the Paused condition; paused ends the pass for 30 s, a change to
    /// not paused ends it to be written and looks again at once.
    #[test]
    fn paused() {
        let plan = run(
            &m3c(json!({})),
            Some(&cluster(json!({"spec": {"paused": true}}))),
            0,
        );
        assert_eq!(
            plan.report.conditions,
            vec![Cond::yes(cond::PAUSED, reason::PAUSED)]
        );
        assert_eq!(plan.report.next, Next::later());
        assert_eq!(plan.finalizer, None);
        let annotated = m3c(
            json!({"metadata": {"name": "test1", "namespace": NS, "annotations": {CAPI_PAUSED: ""}}}),
        );
        assert_eq!(
            run(&annotated, Some(&cluster(json!({}))), 0).report.next,
            Next::later()
        );
        let first = m3c(json!({"status": {"conditions": []}}));
        let plan = run(&first, Some(&cluster(json!({}))), 0);
        assert_eq!(
            plan.report.conditions,
            vec![Cond::no(cond::PAUSED, reason::NOT_PAUSED, "")]
        );
        assert_eq!(plan.report.next, Next::After(std::time::Duration::ZERO));
        assert_eq!(plan.finalizer, None);
    }

    /// M3C-08: deletion waits for the Machines, then drops the finalizer.
    #[test]
    fn deletion() {
        let deleting = m3c(
            json!({"metadata": {"name": "test1", "namespace": NS, "finalizers": [CLUSTER_FINALIZER],
            "deletionTimestamp": "2026-01-01T00:00:00Z"}}),
        );
        let waiting = run(&deleting, Some(&cluster(json!({}))), 2);
        assert_eq!(waiting.report.next, Next::later());
        assert_eq!(waiting.finalizer, None);
        assert!(
            waiting
                .report
                .conditions
                .contains(&Cond::no(cond::READY, reason::DELETING, ""))
        );
        let done = run(&deleting, Some(&cluster(json!({}))), 0);
        assert_eq!(done.finalizer, Some(FinalizerChange::Remove));
        assert_eq!(done.provisioned, None);
    }

    /// M3C-09: externally managed Metal3Clusters are recognised.
    #[test]
    fn externally_managed() {
        assert!(!is_externally_managed(&m3c(json!({}))));
        let managed = m3c(
            json!({"metadata": {"name": "test1", "namespace": NS, "annotations": {MANAGED_BY: "me"}}}),
        );
        assert!(is_externally_managed(&managed));
        let (failure, report) = owner_cluster_failed("boom");
        assert_eq!(failure.message, "Unable to get owner cluster");
        assert_eq!(
            report.conditions[0].reason,
            reason::FAILED_TO_GET_OWNER_CLUSTER
        );
    }
}

//! What a Metal3Machine waits for before touching any host, and how pause is handled
//! (reference §1.2 preamble and SetPauseAnnotation; M3M-01…M3M-11).

use std::collections::BTreeMap;

use kube::ResourceExt;
use serde_json::Value;

use super::changes::MachineChanges;
use super::conditions::{self as cond, Cond, LegacyCond, Severity, reason, v1beta1};
use super::names::{
    BLOCK_MOVE, CAPI_GROUP, CAPI_PAUSED, CLUSTER_NAME_LABEL, HOST_PAUSED, HOST_STATUS,
    PAUSED_BY_CAPM3,
};
use super::node_reuse::group_of;
use super::outcome::{Event, Next, Report};
use super::patch::MergePatch;
use super::select::consumer_is;
use crate::api::bmo::v1alpha1::{BareMetalHost, BareMetalHostStatus};
use crate::api::capi::{Cluster, Machine, Rest};
use crate::api::capm3::v1beta2::{Metal3Cluster, Metal3Machine};

/// The name of the CAPI Machine owning `machine` (owner of kind Machine in the CAPI group).
pub fn owner_machine(machine: &Metal3Machine) -> Option<&str> {
    machine
        .owner_references()
        .iter()
        .find(|o| o.kind == "Machine" && group_of(&o.api_version) == CAPI_GROUP)
        .map(|o| o.name.as_str())
}

/// The name of the Cluster a Machine belongs to (its cluster-name label).
pub fn cluster_of(machine: &Machine) -> Option<&str> {
    machine
        .labels()
        .get(CLUSTER_NAME_LABEL)
        .map(String::as_str)
        .filter(|name| !name.is_empty())
}

/// The name of the Metal3Cluster a Cluster points at (`spec.infrastructureRef.name`).
pub fn metal3_cluster_of(cluster: &Cluster) -> Option<&str> {
    cluster
        .spec
        .infrastructure_ref
        .as_ref()
        .map(|r| r.name.as_str())
        .filter(|name| !name.is_empty())
}

/// Whether a deprecated v1beta1 condition of a Cluster API object (kept in `rest` under
/// `deprecated.v1beta1.conditions`) is True.
fn deprecated_condition_true(status_rest: &Rest, type_: &str) -> bool {
    status_rest
        .get("deprecated")
        .and_then(|d| d["v1beta1"]["conditions"].as_array())
        .is_some_and(|conditions| {
            conditions
                .iter()
                .any(|c| c["type"] == type_ && c["status"] == "True")
        })
}

/// Whether the Cluster's infrastructure is ready: `status.initialization.infrastructureProvisioned`
/// or, as upstream reads it, the deprecated v1beta1 `InfrastructureReady` condition (quirk 10:
/// both are accepted, Cluster API writes both).
pub fn infrastructure_ready(cluster: &Cluster) -> bool {
    cluster.status.as_ref().is_some_and(|status| {
        status
            .initialization
            .as_ref()
            .and_then(|i| i.infrastructure_provisioned)
            == Some(true)
            || deprecated_condition_true(&status.rest, "InfrastructureReady")
    })
}

/// Whether the Machine has its bootstrap data: with a bootstrap config, once the config is
/// ready (`status.initialization.bootstrapDataSecretCreated`, or as upstream reads it the
/// deprecated v1beta1 `BootstrapReady` condition); without one, once `dataSecretName` is set.
pub fn bootstrap_ready(machine: &Machine) -> bool {
    let bootstrap = &machine.spec.bootstrap;
    if bootstrap
        .config_ref
        .as_ref()
        .is_some_and(|r| !r.name.is_empty())
    {
        return machine.status.as_ref().is_some_and(|status| {
            status
                .initialization
                .as_ref()
                .and_then(|i| i.bootstrap_data_secret_created)
                == Some(true)
                || deprecated_condition_true(&status.rest, "BootstrapReady")
        });
    }
    bootstrap.data_secret_name.is_some()
}

fn waiting(v1beta2_reason: &'static str, v1beta1_reason: &'static str, message: &str) -> Report {
    Report::default()
        .with(Cond::no(
            cond::ASSOCIATE_BARE_METAL_HOST,
            v1beta2_reason,
            message,
        ))
        .with_v1beta1(LegacyCond::no(
            v1beta1::ASSOCIATE_BMH,
            v1beta1_reason,
            Severity::Info,
            message,
        ))
}

/// The objects a Metal3Machine needs before anything else: its owner Machine (M3M-01), the
/// Cluster with ready infrastructure (M3M-03), the Metal3Cluster (M3M-04). Each is `None`
/// when missing. `Err`: wait; watches on Machine, Cluster and Metal3Cluster bring the
/// Metal3Machine back.
pub fn gate(
    owner: Option<&Machine>,
    cluster: Option<&Cluster>,
    metal3_cluster: Option<&Metal3Cluster>,
) -> Result<(), Report> {
    if owner.is_none() {
        return Err(waiting(
            reason::WAITING_FOR_OWNER_REF,
            v1beta1::reason::WAITING_FOR_OWNER_REF,
            "waiting for the Machine controller to set the owner reference",
        ));
    }
    if !cluster.is_some_and(infrastructure_ready) {
        return Err(waiting(
            reason::WAITING_FOR_CLUSTER_INFRASTRUCTURE,
            v1beta1::reason::WAITING_FOR_CLUSTER_INFRASTRUCTURE,
            "waiting for the Cluster infrastructure to be ready",
        ));
    }
    if metal3_cluster.is_none() {
        return Err(waiting(
            reason::WAITING_FOR_METAL3_CLUSTER,
            v1beta1::reason::WAITING_FOR_METAL3_CLUSTER,
            "waiting for the Metal3Cluster",
        ));
    }
    Ok(())
}

/// `Machine.spec.failureDomain` copied into the Metal3Machine (M3M-02).
pub fn failure_domain(machine: &Metal3Machine, owner: &Machine) -> MachineChanges {
    let wanted = owner
        .spec
        .failure_domain
        .clone()
        .filter(|fd| !fd.is_empty());
    let current = machine
        .spec
        .failure_domain
        .clone()
        .filter(|fd| !fd.is_empty());
    MachineChanges {
        failure_domain: (wanted != current).then_some(wanted),
        ..MachineChanges::default()
    }
}

/// Waits for the bootstrap data (M3M-05).
pub fn bootstrap_gate(owner: &Machine) -> Result<(), Report> {
    if bootstrap_ready(owner) {
        return Ok(());
    }
    Err(Report::default()
        .with(Cond::no(
            cond::ASSOCIATE_BARE_METAL_HOST,
            reason::WAITING_FOR_BOOTSTRAP_DATA,
            "waiting for the bootstrap data",
        ))
        .with_v1beta1(LegacyCond::no(
            v1beta1::ASSOCIATE_BMH,
            v1beta1::reason::WAITING_FOR_BOOTSTRAP_READY,
            Severity::Info,
            "",
        )))
}

/// Whether `machine` is provisioned (providerID set, `status.initialization.provisioned`) and
/// Cluster API has linked its Node (`Machine.status.nodeRef`): a pass then only keeps the host
/// in line ([`super::associate::update`]) and reports `AssociateMetal3MachineMetaData` True
/// (reconcileNormal step 2).
pub fn linked(machine: &Metal3Machine, owner: &Machine) -> bool {
    let provider_id = machine
        .spec
        .provider_id
        .as_deref()
        .is_some_and(|id| !id.is_empty());
    let provisioned = machine
        .status
        .as_ref()
        .and_then(|s| s.initialization.as_ref())
        .and_then(|i| i.provisioned)
        == Some(true);
    let node = owner
        .status
        .as_ref()
        .and_then(|s| s.node_ref.as_ref())
        .is_some_and(|n| !n.name.is_empty());
    provider_id && provisioned && node
}

/// Adds `clusterctl.cluster.x-k8s.io/block-move` to the host of `machine` while it is
/// neither blocked nor paused, so that `clusterctl move` waits for its pause and status
/// annotations (M3M-09). It stays on after the machine is deleted, as upstream (quirk 5).
pub fn block_move_patch(machine: &Metal3Machine, host: &BareMetalHost) -> Option<Value> {
    let ours = host.spec.consumer_ref.as_ref().is_some_and(|c| {
        consumer_is(
            c,
            &machine.namespace().unwrap_or_default(),
            &machine.name_any(),
        )
    });
    let annotations = host.annotations();
    if !ours || annotations.contains_key(BLOCK_MOVE) || annotations.contains_key(HOST_PAUSED) {
        return None;
    }
    let mut patch = MergePatch::default();
    patch.annotation(BLOCK_MOVE, Some(""));
    patch.build()
}

/// Whether reconciling is paused: the Cluster's `spec.paused` or the object's
/// `cluster.x-k8s.io/paused` annotation.
pub fn is_paused(cluster: &Cluster, annotations: &BTreeMap<String, String>) -> bool {
    cluster.spec.paused == Some(true) || annotations.contains_key(CAPI_PAUSED)
}

/// What pause handling writes and reports.
#[derive(Clone, Debug, PartialEq)]
pub struct PausePlan {
    /// Annotations patch for the associated host.
    pub host_patch: Option<Value>,
    pub report: Report,
    /// The Metal3Machine is paused: stop here (`report.next` is 30 s).
    pub paused: bool,
}

/// Pause handling (M3M-07, M3M-08, M3M-10, M3M-11) for `machine` of `cluster` and its host.
///
/// A paused Cluster pauses the host for `clusterctl move`: `baremetalhost.metal3.io/paused`
/// set to `metal3.io/capm3` and `baremetalhost.metal3.io/status` set to the host status
/// without hardware details, in the same patch that removes the block-move annotation, so
/// clusterctl sees the block until both are there. (Upstream writes three patches — block,
/// pause and status, unblock — to the same effect.) A host paused by anyone already only
/// loses a stale block-move annotation.
///
/// An unpaused Cluster takes the pause back, but only capm3's own (value `metal3.io/capm3`,
/// host labelled with this cluster): a user's pause stays.
pub fn pause(
    machine: &Metal3Machine,
    cluster: &Cluster,
    host: Option<&BareMetalHost>,
) -> PausePlan {
    let writes = match host {
        None => Ok((None, None)),
        Some(host) if cluster.spec.paused == Some(true) => pause_host(host),
        Some(host) => Ok(unpause_host(host, &cluster.name_any())),
    };
    let (host_patch, event) = match writes {
        Ok(writes) => writes,
        Err(error) => {
            return PausePlan {
                host_patch: None,
                report: pause_write_failed(true, &error),
                paused: true,
            };
        }
    };
    let mut report = Report::default();
    report.events.extend(event);
    let paused = is_paused(cluster, machine.annotations());
    let report = if paused {
        report
            .with(Cond::no(
                cond::ASSOCIATE_BARE_METAL_HOST,
                reason::PAUSED,
                "",
            ))
            .with_v1beta1(LegacyCond::no(
                v1beta1::ASSOCIATE_BMH,
                v1beta1::reason::PAUSED,
                Severity::Info,
                "",
            ))
            .with(Cond::yes(cond::PAUSED, reason::PAUSED))
            .then(Report::next(Next::later()))
    } else {
        report.with(Cond::no(cond::PAUSED, reason::NOT_PAUSED, ""))
    };
    PausePlan {
        host_patch,
        report,
        paused,
    }
}

/// SetPauseAnnotation's writes for `host`.
fn pause_host(host: &BareMetalHost) -> Result<(Option<Value>, Option<Event>), String> {
    let annotations = host.annotations();
    let mut patch = MergePatch::default();
    if annotations.contains_key(BLOCK_MOVE) {
        patch.annotation(BLOCK_MOVE, None);
    }
    if annotations.contains_key(HOST_PAUSED) {
        return Ok((patch.build(), None));
    }
    patch.annotation(HOST_PAUSED, Some(PAUSED_BY_CAPM3));
    patch.annotation(HOST_STATUS, Some(&status_annotation(host.status.as_ref())?));
    let event = Event::normal(
        "HostPaused",
        "Pause",
        format!(
            "Paused BareMetalHost {} for the paused Cluster",
            host.name_any()
        ),
    );
    Ok((patch.build(), Some(event)))
}

/// RemovePauseAnnotation's write for `host` of cluster `cluster`.
fn unpause_host(host: &BareMetalHost, cluster: &str) -> (Option<Value>, Option<Event>) {
    let ours = host.annotations().get(HOST_PAUSED).map(String::as_str) == Some(PAUSED_BY_CAPM3)
        && host.labels().get(CLUSTER_NAME_LABEL).map(String::as_str) == Some(cluster);
    if !ours {
        return (None, None);
    }
    let mut patch = MergePatch::default();
    patch.annotation(HOST_PAUSED, None);
    let event = Event::normal(
        "HostUnpaused",
        "Unpause",
        format!("Unpaused BareMetalHost {}", host.name_any()),
    );
    (patch.build(), Some(event))
}

/// The host status as JSON without its hardware details, for `baremetalhost.metal3.io/status`.
fn status_annotation(status: Option<&BareMetalHostStatus>) -> Result<String, String> {
    let empty = BareMetalHostStatus::default();
    let mut value = serde_json::to_value(status.unwrap_or(&empty))
        .map_err(|error| format!("failed to marshal the BareMetalHost status: {error}"))?;
    if let Some(object) = value.as_object_mut() {
        object.remove("hardware");
    }
    Ok(value.to_string())
}

/// The report when writing the pause (`pausing`) or unpause to the host failed.
pub fn pause_write_failed(pausing: bool, error: &str) -> Report {
    let (reason, legacy) = if pausing {
        (
            reason::PAUSE_ANNOTATION_SET_FAILED,
            v1beta1::reason::PAUSE_ANNOTATION_SET_FAILED,
        )
    } else {
        (
            reason::PAUSE_ANNOTATION_REMOVE_FAILED,
            v1beta1::reason::PAUSE_ANNOTATION_REMOVE_FAILED,
        )
    };
    Report::next(Next::Retry(error.to_owned()))
        .with(Cond::no(cond::ASSOCIATE_BARE_METAL_HOST, reason, error))
        .with(Cond::no(cond::PAUSED, reason, error))
        .with_v1beta1(LegacyCond::no(
            v1beta1::ASSOCIATE_BMH,
            legacy,
            Severity::Warning,
            error,
        ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::capm3::conditions::Status;
    use crate::capm3::fixtures::{NS, capi_machine, cluster, host, machine, owned_host};

    fn ours(overlay: Value) -> BareMetalHost {
        owned_host("provisioned", overlay)
    }

    fn ready_cluster(overlay: Value) -> Cluster {
        let mut cluster = cluster(overlay);
        cluster.status =
            serde_json::from_value(json!({"initialization": {"infrastructureProvisioned": true}}))
                .expect("status");
        cluster
    }

    fn m3c() -> Metal3Cluster {
        serde_json::from_value(json!({"metadata": {"name": "test1", "namespace": NS}, "spec": {}}))
            .expect("m3c")
    }

    /// M3M-01, M3M-03, M3M-04: the waits, in order, with upstream's reasons.
    #[test]
    fn gates() {
        let owner = capi_machine("m1", json!({}));
        let reason_of =
            |result: Result<(), Report>| result.expect_err("waits").conditions[0].reason;
        assert_eq!(
            reason_of(gate(None, None, None)),
            reason::WAITING_FOR_OWNER_REF
        );
        assert_eq!(
            reason_of(gate(Some(&owner), None, None)),
            reason::WAITING_FOR_CLUSTER_INFRASTRUCTURE
        );
        assert_eq!(
            reason_of(gate(Some(&owner), Some(&cluster(json!({}))), None)),
            reason::WAITING_FOR_CLUSTER_INFRASTRUCTURE
        );
        assert_eq!(
            reason_of(gate(Some(&owner), Some(&ready_cluster(json!({}))), None)),
            reason::WAITING_FOR_METAL3_CLUSTER
        );
        assert_eq!(
            gate(Some(&owner), Some(&ready_cluster(json!({}))), Some(&m3c())),
            Ok(())
        );
        let legacy: Cluster = cluster(json!({"status": {"deprecated": {"v1beta1": {"conditions": [
            {"type": "InfrastructureReady", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}]}}}}));
        assert!(infrastructure_ready(&legacy));
        let waiting = gate(None, None, None).expect_err("waits");
        assert_eq!(waiting.next, Next::AwaitChange);
        assert_eq!(
            waiting.v1beta1[0].reason.as_deref(),
            Some(v1beta1::reason::WAITING_FOR_OWNER_REF)
        );
    }

    #[test]
    fn lookups() {
        let m3m = machine(
            "m3m",
            json!({"metadata": {"ownerReferences": [
            {"apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Machine", "name": "m1", "uid": "u"}]}}),
        );
        assert_eq!(owner_machine(&m3m), Some("m1"));
        assert_eq!(owner_machine(&machine("m3m", json!({}))), None);
        assert_eq!(cluster_of(&capi_machine("m1", json!({}))), Some("test1"));
        assert_eq!(metal3_cluster_of(&cluster(json!({}))), Some("test1"));
    }

    /// M3M-02: the Machine's failure domain wins, also when it is cleared.
    #[test]
    fn failure_domain_follows_the_machine() {
        let owner = capi_machine("m1", json!({"spec": {"failureDomain": "fd1"}}));
        assert_eq!(
            failure_domain(&machine("m3m", json!({})), &owner).failure_domain,
            Some(Some("fd1".into()))
        );
        assert!(
            failure_domain(
                &machine("m3m", json!({"spec": {"failureDomain": "fd1"}})),
                &owner
            )
            .is_empty()
        );
        let cleared = failure_domain(
            &machine("m3m", json!({"spec": {"failureDomain": "fd1"}})),
            &capi_machine("m1", json!({})),
        );
        assert_eq!(cleared.failure_domain, Some(None));
    }

    /// M3M-05: bootstrap data through dataSecretName, or a ready bootstrap config.
    #[test]
    fn bootstrap() {
        assert!(bootstrap_gate(&capi_machine("m1", json!({}))).is_ok());
        let config = json!({"spec": {"bootstrap": {"dataSecretName": null,
            "configRef": {"apiGroup": "bootstrap.cluster.x-k8s.io", "kind": "KubeadmConfig", "name": "cfg"}}}});
        let pending = capi_machine("m1", config.clone());
        let waiting = bootstrap_gate(&pending).expect_err("waits");
        assert_eq!(
            waiting.conditions[0].reason,
            reason::WAITING_FOR_BOOTSTRAP_DATA
        );
        assert_eq!(
            waiting.v1beta1[0].reason.as_deref(),
            Some(v1beta1::reason::WAITING_FOR_BOOTSTRAP_READY)
        );
        let mut ready = pending.clone();
        ready.status =
            serde_json::from_value(json!({"initialization": {"bootstrapDataSecretCreated": true}}))
                .expect("status");
        assert!(bootstrap_ready(&ready));
        ready.status = serde_json::from_value(json!({"deprecated": {"v1beta1": {"conditions": [
            {"type": "BootstrapReady", "status": "True"}]}}}))
        .expect("status");
        assert!(bootstrap_ready(&ready));
        let none = capi_machine(
            "m1",
            json!({"spec": {"bootstrap": {"dataSecretName": null}}}),
        );
        assert!(!bootstrap_ready(&none));
    }

    #[test]
    fn linked_machines() {
        let provisioned = machine(
            "m3m",
            json!({"spec": {"providerID": "metal3://metal3/h1/m3m"},
                                                "status": {"initialization": {"provisioned": true}}}),
        );
        let mut owner = capi_machine("m1", json!({}));
        assert!(!linked(&provisioned, &owner));
        owner.status = serde_json::from_value(json!({"nodeRef": {"name": "n1"}})).expect("status");
        assert!(linked(&provisioned, &owner));
        assert!(!linked(&machine("m3m", json!({})), &owner));
    }

    /// M3M-09: block-move on an associated host that is neither blocked nor paused.
    #[test]
    fn block_move() {
        let m3m = machine("m3m", json!({}));
        assert_eq!(
            block_move_patch(&m3m, &ours(json!({}))),
            Some(
                json!({"metadata": {"annotations": {"clusterctl.cluster.x-k8s.io/block-move": ""}}})
            )
        );
        assert_eq!(
            block_move_patch(
                &m3m,
                &ours(json!({"metadata": {"annotations": {BLOCK_MOVE: ""}}}))
            ),
            None
        );
        assert_eq!(
            block_move_patch(
                &m3m,
                &ours(json!({"metadata": {"annotations": {HOST_PAUSED: "x"}}}))
            ),
            None
        );
        assert_eq!(
            block_move_patch(&m3m, &host("h2", "available", json!({}))),
            None
        );
    }

    /// M3M-07, M3M-08: a paused Cluster pauses the host with its status, unblocking it in the
    /// same write, and pauses the machine.
    #[test]
    fn paused_cluster_pauses_the_host() {
        let bmh = ours(json!({"metadata": {"annotations": {BLOCK_MOVE: ""}},
                              "status": {"hardware": {"hostname": "h"}, "poweredOn": true}}));
        let plan = pause(
            &machine("m3m", json!({})),
            &cluster(json!({"spec": {"paused": true}})),
            Some(&bmh),
        );
        let patch = plan.host_patch.expect("patch");
        let annotations = &patch["metadata"]["annotations"];
        assert_eq!(annotations[HOST_PAUSED], json!(PAUSED_BY_CAPM3));
        assert_eq!(annotations[BLOCK_MOVE], Value::Null);
        assert!(
            annotations
                .as_object()
                .expect("object")
                .contains_key(BLOCK_MOVE)
        );
        let status: Value =
            serde_json::from_str(annotations[HOST_STATUS].as_str().expect("string")).expect("json");
        assert_eq!(status["provisioning"]["state"], json!("provisioned"));
        assert_eq!(status["poweredOn"], json!(true));
        assert!(status.get("hardware").is_none());
        assert!(
            crate::bmo::annotations::decode_status(
                annotations[HOST_STATUS].as_str().expect("string")
            )
            .is_ok()
        );
        assert!(plan.paused);
        assert_eq!(plan.report.next, Next::later());
        assert!(
            plan.report
                .conditions
                .contains(&Cond::yes(cond::PAUSED, reason::PAUSED))
        );
        assert!(plan.report.conditions.contains(&Cond::no(
            cond::ASSOCIATE_BARE_METAL_HOST,
            reason::PAUSED,
            ""
        )));
        assert_eq!(plan.report.events[0].reason, "HostPaused");

        let already =
            ours(json!({"metadata": {"annotations": {HOST_PAUSED: "user", BLOCK_MOVE: ""}}}));
        let plan = pause(
            &machine("m3m", json!({})),
            &cluster(json!({"spec": {"paused": true}})),
            Some(&already),
        );
        assert_eq!(
            plan.host_patch,
            Some(json!({"metadata": {"annotations": {BLOCK_MOVE: null}}}))
        );
        assert!(plan.report.events.is_empty());
    }

    /// M3M-10, M3M-11: only capm3's own pause is taken back.
    #[test]
    fn unpaused_cluster_takes_back_its_own_pause() {
        let m3m = machine("m3m", json!({}));
        let running = cluster(json!({}));
        let capm3 = ours(json!({"metadata": {"annotations": {HOST_PAUSED: PAUSED_BY_CAPM3}}}));
        let plan = pause(&m3m, &running, Some(&capm3));
        assert_eq!(
            plan.host_patch,
            Some(json!({"metadata": {"annotations": {HOST_PAUSED: null}}}))
        );
        assert!(!plan.paused);
        assert_eq!(
            plan.report.conditions,
            vec![Cond::no(cond::PAUSED, reason::NOT_PAUSED, "")]
        );
        let user = ours(json!({"metadata": {"annotations": {HOST_PAUSED: "maintenance"}}}));
        assert_eq!(pause(&m3m, &running, Some(&user)).host_patch, None);
        let mut other_cluster = capm3.clone();
        other_cluster.metadata.labels = None;
        assert_eq!(pause(&m3m, &running, Some(&other_cluster)).host_patch, None);
    }

    /// A paused Metal3Machine (annotation) stops with Paused=True though the Cluster runs.
    #[test]
    fn paused_machine() {
        let m3m = machine(
            "m3m",
            json!({"metadata": {"annotations": {CAPI_PAUSED: ""}}}),
        );
        let plan = pause(&m3m, &cluster(json!({})), None);
        assert!(plan.paused);
        assert_eq!(plan.host_patch, None);
        let failed = pause_write_failed(false, "boom");
        assert_eq!(
            failed.conditions[1],
            Cond::no(cond::PAUSED, reason::PAUSE_ANNOTATION_REMOVE_FAILED, "boom")
        );
        assert_eq!(failed.conditions[0].status, Status::False);
    }
}

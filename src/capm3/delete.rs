//! Deleting a Metal3Machine: deprovisioning and releasing its host (reference §1.2.6;
//! DEL-02…DEL-11; DEL-01, the data claim, is [`super::data::release_metadata`]).
//!
//! A pass of [`release_host`] does one of: nothing (no host of ours: the finalizer may go),
//! clear the host's deployment and power it down (then look again at once), wait for
//! deprovisioning (30 s), or release the host (then the finalizer may go).

use kube::ResourceExt;
use serde_json::{Value, json};

use super::conditions::{self as cond, Cond, LegacyCond, Severity, reason, v1beta1};
use super::names::{
    CAPI_API_VERSION, CLUSTER_NAME_LABEL, HOST_PAUSED, NODE_REUSE_LABEL, PAUSED_BY_CAPM3,
};
use super::outcome::{Event, Next, Report};
use super::patch::MergePatch;
use super::select::consumer_is;
use crate::api::bmo::v1alpha1::{AutomatedCleaningMode, BareMetalHost};
use crate::api::capi::Cluster;
use crate::api::capm3::v1beta2::{Metal3Machine, Metal3MachineTemplate};
use crate::bmo::state::ProvisioningState;

/// The conditions of a Metal3Machine being deleted.
pub fn deleting() -> Report {
    Report::default()
        .with(Cond::no(
            cond::ASSOCIATE_METAL3_MACHINE_META_DATA,
            reason::DELETING,
            "",
        ))
        .with_v1beta1(LegacyCond::no(
            v1beta1::KUBERNETES_NODE_READY,
            v1beta1::reason::DELETING,
            Severity::Info,
            "",
        ))
}

/// The report when a deletion step failed (releasing the claim: `claim`, else the host).
pub fn deletion_failed(claim: bool, error: &str) -> Report {
    let (reason, legacy) = if claim {
        (
            reason::DISASSOCIATE_META_DATA_FAILED,
            v1beta1::reason::DISASSOCIATE_M3_META_DATA_FAILED,
        )
    } else {
        (reason::DELETION_FAILED, v1beta1::reason::DELETION_FAILED)
    };
    Report::next(Next::Retry(error.to_owned()))
        .with(Cond::no(
            cond::ASSOCIATE_METAL3_MACHINE_META_DATA,
            reason,
            error,
        ))
        .with_v1beta1(LegacyCond::no(
            v1beta1::KUBERNETES_NODE_READY,
            legacy,
            Severity::Warning,
            error,
        ))
}

/// How a host released for node reuse is marked (DEL-10).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReuseRelease {
    /// The node-reuse label value, `cp-<name>` or `md-<name>`.
    pub label: String,
    /// The Cluster the host's consumerRef then names.
    pub cluster: String,
    pub namespace: String,
}

/// Whether the released host is kept for node reuse: the Cluster (`cluster`, if found)
/// is not being deleted, and the template the Machine was made from (`template`, if still
/// there) has `nodeReuse: true` (DEL-10, DEL-11). `reuse_name` is the Machine owner's
/// [`super::node_reuse::reuse_name`]; without it reuse cannot be honoured, which is an error.
pub fn reuse_on_release(
    cluster: Option<&Cluster>,
    template: Option<&Metal3MachineTemplate>,
    reuse_name: Option<&str>,
) -> Result<Option<ReuseRelease>, String> {
    let Some(cluster) = cluster.filter(|c| c.metadata.deletion_timestamp.is_none()) else {
        return Ok(None);
    };
    if template.is_none_or(|t| t.spec.node_reuse != Some(true)) {
        return Ok(None);
    }
    let label = reuse_name.ok_or_else(|| {
        "node reuse is enabled but the Machine's control plane or MachineDeployment is not found"
            .to_owned()
    })?;
    Ok(Some(ReuseRelease {
        label: label.to_owned(),
        cluster: cluster.name_any(),
        namespace: cluster.namespace().unwrap_or_default(),
    }))
}

/// What releasing reads.
#[derive(Clone, Copy, Debug)]
pub struct ReleaseInput<'a> {
    pub machine: &'a Metal3Machine,
    /// `Machine.spec.clusterName`.
    pub cluster_name: &'a str,
    /// The host the machine's annotation names, if it exists.
    pub host: Option<&'a BareMetalHost>,
    /// `CAPM3_FAST_TRACK=true`: keep released hosts powered on (unless cleaning is disabled).
    pub fast_track: bool,
    /// From [`reuse_on_release`].
    pub reuse: Option<&'a ReuseRelease>,
}

/// What one deletion pass writes.
#[derive(Clone, Debug, PartialEq)]
pub struct HostRelease {
    /// Merge patch for the host, guarded by its resourceVersion.
    pub host_patch: Option<Value>,
    /// Take the cluster-name label off the host's BMC Secret
    /// ([`super::associate::bmc_secret_patch`] with `associate: false`; a missing Secret is fine).
    pub unlabel_bmc_secret: bool,
    /// Once `host_patch` is written, the Metal3Machine's finalizer may go.
    pub finished: bool,
    pub report: Report,
}

impl HostRelease {
    fn finished() -> HostRelease {
        HostRelease {
            host_patch: None,
            unlabel_bmc_secret: false,
            finished: true,
            report: Report::default(),
        }
    }
}

/// One deletion pass over the machine's host:
/// - no host, no consumerRef, or another consumer's host: nothing to do (DEL-08, DEL-09);
/// - clear `image`, `customDeploy` and the user/meta/network data the machine set, and
///   set `online` (DEL-02…DEL-05); when that changes anything, write and look again at once;
/// - wait while the host is being provisioned or deprovisioned, and while an externally
///   provisioned host is powered on (DEL-06);
/// - release: no consumerRef (or the Cluster's, with the node-reuse label, DEL-10), no
///   cluster-name label, no pause of capm3's (DEL-07).
pub fn release_host(input: &ReleaseInput<'_>) -> HostRelease {
    let machine = input.machine;
    let Some(host) = input.host else {
        return HostRelease::finished();
    };
    let Some(consumer) = &host.spec.consumer_ref else {
        return HostRelease::finished();
    };
    if !consumer_is(
        consumer,
        &machine.namespace().unwrap_or_default(),
        &machine.name_any(),
    ) {
        return HostRelease::finished();
    }
    let rv = host.resource_version();
    if let Some(patch) = deprovision(input, host).build_guarded(rv.as_deref()) {
        return HostRelease {
            host_patch: Some(patch),
            unlabel_bmc_secret: true,
            finished: false,
            report: Report::next(Next::After(std::time::Duration::ZERO)).with_event(Event::normal(
                "HostDeprovisioning",
                "Release",
                format!("Deprovisioning BareMetalHost {}", host.name_any()),
            )),
        };
    }
    let status = host.status.as_ref();
    let state = status.map_or("", |s| s.provisioning.state.as_str());
    if still_deprovisioning(state, status.is_some_and(|s| s.powered_on)) {
        return HostRelease {
            host_patch: None,
            unlabel_bmc_secret: true,
            finished: false,
            report: Report::next(Next::later()),
        };
    }
    HostRelease {
        host_patch: release(input, host).build_guarded(rv.as_deref()),
        unlabel_bmc_secret: true,
        finished: true,
        report: Report::default().with_event(Event::normal(
            "HostReleased",
            "Release",
            match input.reuse {
                Some(reuse) => format!(
                    "Released BareMetalHost {} for reuse by {}",
                    host.name_any(),
                    reuse.label
                ),
                None => format!("Released BareMetalHost {}", host.name_any()),
            },
        )),
    }
}

/// The deployment fields to clear and the power to set.
fn deprovision(input: &ReleaseInput<'_>, host: &BareMetalHost) -> MergePatch {
    let spec = &host.spec;
    let status = input.machine.status.as_ref();
    let mut patch = MergePatch::default();
    if spec.image.is_some() {
        patch.set(&["spec", "image"], Value::Null);
    }
    if spec.custom_deploy.is_some() {
        patch.set(&["spec", "customDeploy"], Value::Null);
    }
    for (field, set_by_machine, on_host) in [
        (
            "userData",
            status.is_some_and(|s| s.user_data.is_some()),
            spec.user_data.is_some(),
        ),
        (
            "metaData",
            status.is_some_and(|s| s.meta_data.is_some()),
            spec.meta_data.is_some(),
        ),
        (
            "networkData",
            status.is_some_and(|s| s.network_data.is_some()),
            spec.network_data.is_some(),
        ),
    ] {
        if set_by_machine && on_host {
            patch.set(&["spec", field], Value::Null);
        }
    }
    let online = spec.disable_power_off == Some(true)
        || (input.fast_track
            && spec.automated_cleaning_mode != Some(AutomatedCleaningMode::Disabled));
    if spec.online != online {
        patch.set(&["spec", "online"], json!(online));
    }
    patch
}

/// Whether deletion must wait for the host in `state` (DEL-06): through provisioning and
/// deprovisioning, and for an externally provisioned host while it is powered on. Unknown
/// states wait too.
fn still_deprovisioning(state: &str, powered_on: bool) -> bool {
    use ProvisioningState as S;
    match ProvisioningState::parse(state) {
        Some(
            S::Registering
            | S::MatchProfile
            | S::Inspecting
            | S::Ready
            | S::Available
            | S::None
            | S::Unmanaged,
        ) => false,
        Some(S::ExternallyProvisioned) => powered_on,
        Some(
            S::Preparing
            | S::Provisioning
            | S::Provisioned
            | S::Deprovisioning
            | S::PoweringOffBeforeDelete
            | S::Deleting,
        )
        | None => true,
    }
}

/// The release writes.
fn release(input: &ReleaseInput<'_>, host: &BareMetalHost) -> MergePatch {
    let mut patch = MergePatch::default();
    let consumer = input.reuse.map_or(Value::Null, |reuse| {
        json!({
            "apiVersion": CAPI_API_VERSION, "kind": "Cluster",
            "name": reuse.cluster, "namespace": reuse.namespace,
            "uid": null, "resourceVersion": null, "fieldPath": null,
        })
    });
    patch.set(&["spec", "consumerRef"], consumer);
    if let Some(reuse) = input.reuse {
        patch.label(NODE_REUSE_LABEL, Some(&reuse.label));
    }
    if host.labels().get(CLUSTER_NAME_LABEL).map(String::as_str) == Some(input.cluster_name) {
        patch.label(CLUSTER_NAME_LABEL, None);
    }
    if host.annotations().get(HOST_PAUSED).map(String::as_str) == Some(PAUSED_BY_CAPM3) {
        patch.annotation(HOST_PAUSED, None);
    }
    patch
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::capm3::fixtures::{NS, cluster, host, machine, owned_host};

    fn ours(state: &str, overlay: Value) -> BareMetalHost {
        owned_host(state, overlay)
    }

    fn pass(
        host: Option<&BareMetalHost>,
        fast_track: bool,
        reuse: Option<&ReuseRelease>,
    ) -> HostRelease {
        let m3m = machine(
            "m3m",
            json!({"status": {"userData": {"name": "u"}, "metaData": {"name": "md"}}}),
        );
        release_host(&ReleaseInput {
            machine: &m3m,
            cluster_name: "test1",
            host,
            fast_track,
            reuse,
        })
    }

    fn provisioned_spec() -> Value {
        json!({"spec": {"online": true, "image": {"url": "u", "checksum": "c"}, "userData": {"name": "u"},
                        "metaData": {"name": "md"}, "networkData": {"name": "user-nd"}}})
    }

    /// DEL-02, DEL-03: deployment cleared (network data the machine did not set stays),
    /// power off, look again at once.
    #[test]
    fn deprovision_first() {
        let bmh = ours("provisioned", provisioned_spec());
        let first = pass(Some(&bmh), false, None);
        assert_eq!(
            first.host_patch,
            Some(json!({"metadata": {"resourceVersion": "11"},
                        "spec": {"image": null, "userData": null, "metaData": null, "online": false}}))
        );
        assert!(!first.finished);
        assert!(first.unlabel_bmc_secret);
        assert_eq!(first.report.next, Next::After(std::time::Duration::ZERO));
    }

    /// DEL-04, DEL-05: fast track keeps the host on unless cleaning is disabled;
    /// disablePowerOff always does.
    #[test]
    fn power_on_release() {
        let online = |overlay: Value, fast_track: bool| {
            let bmh = ours("provisioned", overlay);
            pass(Some(&bmh), fast_track, None)
                .host_patch
                .map(|p| p["spec"]["online"].clone())
        };
        assert_eq!(online(json!({"spec": {"online": true}}), true), None);
        assert_eq!(
            online(
                json!({"spec": {"online": true, "automatedCleaningMode": "disabled"}}),
                true
            ),
            Some(json!(false))
        );
        assert_eq!(
            online(
                json!({"spec": {"online": true, "automatedCleaningMode": "metadata"}}),
                false
            ),
            Some(json!(false))
        );
        assert_eq!(
            online(
                json!({"spec": {"online": false, "disablePowerOff": true}}),
                false
            ),
            Some(json!(true))
        );
    }

    /// DEL-06: wait through (de)provisioning; an externally provisioned host while powered on.
    #[test]
    fn waits_for_deprovisioning() {
        for state in ProvisioningState::ALL {
            let waits = matches!(
                state,
                ProvisioningState::Preparing
                    | ProvisioningState::Provisioning
                    | ProvisioningState::Provisioned
                    | ProvisioningState::Deprovisioning
                    | ProvisioningState::PoweringOffBeforeDelete
                    | ProvisioningState::Deleting
            );
            let result = pass(Some(&ours(state.as_str(), json!({}))), false, None);
            assert_eq!(!result.finished, waits, "{state}");
            if waits {
                assert_eq!(result.report.next, Next::later());
                assert_eq!(result.host_patch, None);
            }
        }
        assert!(!pass(Some(&ours("bogus", json!({}))), false, None).finished);
        let on = ours(
            "externally provisioned",
            json!({"status": {"poweredOn": true}}),
        );
        assert!(!pass(Some(&on), false, None).finished);
    }

    /// DEL-07: released: no consumerRef, no cluster label, no capm3 pause; a user's pause stays.
    #[test]
    fn release_writes() {
        let bmh = ours(
            "available",
            json!({"metadata": {"annotations": {"baremetalhost.metal3.io/paused": "metal3.io/capm3"}}}),
        );
        let done = pass(Some(&bmh), false, None);
        assert!(done.finished);
        assert_eq!(
            done.host_patch,
            Some(
                json!({"metadata": {"labels": {"cluster.x-k8s.io/cluster-name": null},
                                     "annotations": {"baremetalhost.metal3.io/paused": null},
                                     "resourceVersion": "11"},
                        "spec": {"consumerRef": null}})
            )
        );
        assert_eq!(done.report.events[0].reason, "HostReleased");
        let user = ours(
            "available",
            json!({"metadata": {"annotations": {"baremetalhost.metal3.io/paused": "me"}}}),
        );
        let patch = pass(Some(&user), false, None).host_patch.expect("patch");
        assert!(patch["metadata"].get("annotations").is_none());
    }

    /// DEL-08, DEL-09: another consumer's host, or none, is left alone.
    #[test]
    fn not_ours() {
        let other = host(
            "h1",
            "provisioned",
            json!({"spec": {"consumerRef": {"kind": "Metal3Machine", "name": "other",
            "namespace": NS, "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2"}}}),
        );
        for host in [
            Some(&other),
            Some(&host("h2", "provisioned", json!({}))),
            None,
        ] {
            let result = pass(host, false, None);
            assert_eq!(result, HostRelease::finished());
        }
    }

    /// DEL-10: node reuse labels the host and hands it to the Cluster.
    #[test]
    fn node_reuse_release() {
        let reuse = ReuseRelease {
            label: "md-md1".into(),
            cluster: "test1".into(),
            namespace: NS.into(),
        };
        let patch = pass(Some(&ours("available", json!({}))), false, Some(&reuse))
            .host_patch
            .expect("patch");
        assert_eq!(
            patch["metadata"]["labels"]["infrastructure.cluster.x-k8s.io/node-reuse"],
            json!("md-md1")
        );
        assert_eq!(
            patch["spec"]["consumerRef"],
            json!({"apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Cluster", "name": "test1", "namespace": NS,
                   "uid": null, "resourceVersion": null, "fieldPath": null})
        );
    }

    /// DEL-10, DEL-11: reuse only while the Cluster lives and the template asks for it.
    #[test]
    fn reuse_decision() {
        let template = |reuse: bool| -> Metal3MachineTemplate {
            serde_json::from_value(json!({"metadata": {"name": "t", "namespace": NS},
                "spec": {"nodeReuse": reuse, "template": {"spec": {"image": {"url": "u"}}}}}))
            .expect("template")
        };
        let live = cluster(json!({}));
        let dying = cluster(
            json!({"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z", "finalizers": ["f"]}}),
        );
        assert_eq!(
            reuse_on_release(Some(&live), Some(&template(true)), Some("md-md1")),
            Ok(Some(ReuseRelease {
                label: "md-md1".into(),
                cluster: "test1".into(),
                namespace: NS.into()
            }))
        );
        assert_eq!(
            reuse_on_release(Some(&dying), Some(&template(true)), Some("md-md1")),
            Ok(None)
        );
        assert_eq!(
            reuse_on_release(Some(&live), None, Some("md-md1")),
            Ok(None)
        );
        assert_eq!(
            reuse_on_release(Some(&live), Some(&template(false)), Some("md-md1")),
            Ok(None)
        );
        assert_eq!(
            reuse_on_release(None, Some(&template(true)), Some("md-md1")),
            Ok(None)
        );
        assert!(reuse_on_release(Some(&live), Some(&template(true)), None).is_err());
    }

    #[test]
    fn reports() {
        assert_eq!(deleting().conditions[0].reason, reason::DELETING);
        let failed = deletion_failed(true, "boom");
        assert_eq!(
            failed.conditions[0].reason,
            reason::DISASSOCIATE_META_DATA_FAILED
        );
        assert_eq!(failed.next, Next::Retry("boom".into()));
        assert_eq!(
            deletion_failed(false, "x").v1beta1[0].reason.as_deref(),
            Some(v1beta1::reason::DELETION_FAILED)
        );
    }
}

//! The Metal3Data's own decisions (reference §1.4): whether it is looked at, which claim and
//! Metal3Machine it serves, its status, and when it may let go of its addresses.

use kube::ResourceExt;
use serde_json::{Value, json};

use crate::api::capi::Cluster;
use crate::api::capm3::v1beta2::{Metal3Data, Metal3DataClaim, Metal3DataTemplate, Metal3Machine};
use crate::capm3::data_controllers::template::claims::rendered;
use crate::capm3::data_controllers::triggers::annotated_paused;
use crate::capm3::names::CLUSTER_NAME_LABEL;

/// Upstream's message when the claim's Metal3Machine does not use the template.
pub const WRONG_METAL3_MACHINE: &str =
    "Metal3Machine associated with Metal3DataTemplate is not found";
/// Upstream's message when the claim has no Metal3Machine owner.
pub const NO_METAL3_MACHINE: &str = "Metal3Machine not found in owner references";
/// `status.errorMessage` is at most this long (CRD).
const MAX_MESSAGE: usize = 512;

/// The Cluster a Metal3Data belongs to (MD-01): without the label it is not looked at.
pub fn cluster_name(data: &Metal3Data) -> Option<&str> {
    data.labels()
        .get(CLUSTER_NAME_LABEL)
        .map(String::as_str)
        .filter(|n| !n.is_empty())
}

/// Whether reconciling waits: the Cluster's `spec.paused` or the Metal3Data's annotation.
pub fn paused(data: &Metal3Data, cluster: &Cluster) -> bool {
    cluster.spec.paused == Some(true) || annotated_paused(&data.metadata)
}

/// Whether the claim names this Metal3Data in `status.renderedData`. Only then is it
/// rendered: two replicas serving one claim at once may each make a Metal3Data, and the
/// claim's status, written with its resourceVersion, says which one counts.
pub fn held_by(data: &Metal3Data, claim: &Metal3DataClaim) -> bool {
    rendered(claim) == Some(data.name_any().as_str())
}

/// MD-19: a Metal3Data being deleted keeps its addresses while its claim still holds it.
/// Upstream waits until the claim is gone; the template controller lets go of the claim's
/// Metal3Data (clears `renderedData`) before the claim goes, so this is the same wait, except
/// for a Metal3Data its claim never held (see [`held_by`]), which need not wait at all.
pub fn must_wait(data: &Metal3Data, claim: Option<&Metal3DataClaim>) -> bool {
    claim.is_some_and(|claim| held_by(data, claim))
}

/// Whether the Metal3Machine uses `template` (`spec.dataTemplate`, namespace defaulted).
pub fn uses_template(metal3_machine: &Metal3Machine, template: &Metal3DataTemplate) -> bool {
    let Some(reference) = metal3_machine.spec.data_template.as_ref() else {
        return false;
    };
    let namespace_matches = reference
        .namespace
        .as_deref()
        .is_none_or(|ns| ns.is_empty() || Some(ns) == template.namespace().as_deref());
    namespace_matches && reference.name.as_deref() == Some(template.name_any().as_str())
}

/// What a pass came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Every Secret exists (MD-04).
    Ready,
    /// No template to render.
    Idle,
    /// Something it needs is not there yet; why.
    Waiting(String),
    /// It cannot be rendered as it is: `status.errorMessage` (MD-04).
    Failed(String),
}

/// The status merge patch for `progress`, `None` when the status shows it already.
pub fn status_patch(data: &Metal3Data, progress: &Progress) -> Option<Value> {
    let ready = *progress == Progress::Ready;
    let message = match progress {
        Progress::Failed(message) => Some(truncate(message)),
        _ => None,
    };
    let status = data.status.as_ref();
    let current = (
        status.and_then(|s| s.ready),
        status.and_then(|s| s.error_message.as_deref()),
    );
    (current != (Some(ready), message)).then(|| json!({"ready": ready, "errorMessage": message}))
}

/// At most [`MAX_MESSAGE`] bytes, cut at a character boundary.
fn truncate(message: &str) -> &str {
    let mut end = message.len().min(MAX_MESSAGE);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    &message[..end]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::capm3::data_controllers::fixtures::{claim, data, data_with, template};
    use crate::capm3::fixtures::{NS, cluster, machine};

    fn named(data: &str) -> Metal3DataClaim {
        claim(
            "m",
            "t",
            json!({"status": {"renderedData": {"name": data, "namespace": NS}}}),
        )
    }

    /// MD-01
    #[test]
    fn cluster_label_and_pause() {
        let labelled = data_with(
            "t-0",
            "t",
            Some(0),
            Some("m"),
            json!({"metadata": {"labels": {"cluster.x-k8s.io/cluster-name": "test1"}}}),
        );
        assert_eq!(cluster_name(&labelled), Some("test1"));
        assert_eq!(cluster_name(&data("t-0", "t", Some(0), Some("m"))), None);
        assert!(!paused(&labelled, &cluster(json!({}))));
        assert!(paused(
            &labelled,
            &cluster(json!({"spec": {"paused": true}}))
        ));
        let annotated = data_with(
            "t-0",
            "t",
            Some(0),
            Some("m"),
            json!({"metadata": {"annotations": {"cluster.x-k8s.io/paused": "true"}}}),
        );
        assert!(paused(&annotated, &cluster(json!({}))));
    }

    /// MD-19: wait while the claim holds it; a claim gone or holding another lets go.
    #[test]
    fn deletion_waits_for_the_claim() {
        let d = data("t-0", "t", Some(0), Some("m"));
        assert!(must_wait(&d, Some(&named("t-0"))));
        assert!(!must_wait(&d, Some(&named("t-1"))));
        assert!(!must_wait(&d, Some(&claim("m", "t", json!({})))));
        assert!(!must_wait(&d, None));
        assert!(held_by(&d, &named("t-0")));
    }

    #[test]
    fn metal3_machine_must_use_the_template() {
        let t = template("t", json!({}));
        let uses = |reference| {
            uses_template(
                &machine("m", json!({"spec": {"dataTemplate": reference}})),
                &t,
            )
        };
        assert!(uses(json!({"name": "t"})));
        assert!(uses(json!({"name": "t", "namespace": NS})));
        assert!(!uses(json!({"name": "t", "namespace": "other"})));
        assert!(!uses(json!({"name": "u"})));
        assert!(!uses_template(&machine("m", json!({})), &t));
    }

    /// MD-04: ready once rendered, the error message when it cannot be, written on change.
    #[test]
    fn status_follows_progress() {
        let d = data("t-0", "t", Some(0), Some("m"));
        assert_eq!(
            status_patch(&d, &Progress::Ready),
            Some(json!({"ready": true, "errorMessage": null}))
        );
        assert_eq!(
            status_patch(&d, &Progress::Waiting("w".into())),
            Some(json!({"ready": false, "errorMessage": null}))
        );
        assert_eq!(
            status_patch(&d, &Progress::Failed("bad".into())),
            Some(json!({"ready": false, "errorMessage": "bad"}))
        );
        let ready = data_with(
            "t-0",
            "t",
            Some(0),
            Some("m"),
            json!({"status": {"ready": true}}),
        );
        assert_eq!(status_patch(&ready, &Progress::Ready), None);
        let long = "é".repeat(300);
        let patch = status_patch(&d, &Progress::Failed(long)).expect("patch");
        assert_eq!(patch["errorMessage"].as_str().map(str::len), Some(512));
    }
}

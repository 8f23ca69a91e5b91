//! What a template pass does with each of its claims (reference §1.3 `UpdateDatas`,
//! `createData`, `deleteMetal3DataAndClaim`) and with the template itself at the end.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::ResourceExt;

use super::indexes::Book;
use crate::api::capi::Cluster;
use crate::api::capm3::v1beta2::{Metal3DataClaim, Metal3DataTemplate};
use crate::capm3::data_controllers::triggers::{annotated_paused, owner_is};

/// Upstream's message when a claim has no Metal3Machine owner.
pub const NO_METAL3_MACHINE: &str = "metal3Machine not found in owner references";
/// Upstream's message when the Metal3Data could not be created.
pub const CREATE_FAILED: &str = "Failed to create associated Metal3Data object";

/// Whether `claim` asks for `template`: its `spec.template.name`, in the claim's namespace
/// (a `spec.template.namespace` naming another namespace is ignored, as upstream).
pub fn references(claim: &Metal3DataClaim, template: &Metal3DataTemplate) -> bool {
    let Some(reference) = claim.spec.template.as_ref() else {
        return false;
    };
    let namespace = claim.namespace();
    let same_namespace = reference
        .namespace
        .as_deref()
        .is_none_or(|ns| ns.is_empty() || Some(ns) == namespace.as_deref());
    same_namespace
        && namespace == template.namespace()
        && reference.name.as_deref() == Some(template.name_any().as_str())
}

/// The Metal3Data the claim was given (`status.renderedData.name`).
pub fn rendered(claim: &Metal3DataClaim) -> Option<&str> {
    claim
        .status
        .as_ref()
        .and_then(|s| s.rendered_data.as_ref())
        .and_then(|r| r.name.as_deref())
        .filter(|name| !name.is_empty())
}

/// Whether the claim still waits for its Metal3Data: not being deleted, not served yet. Only
/// such a claim's Cluster is read (for [`paused`]).
pub fn awaits_data(claim: &Metal3DataClaim) -> bool {
    claim.metadata.deletion_timestamp.is_none() && rendered(claim).is_none()
}

/// Whether a claim waits for its Cluster (DT-06): the claim's own pause annotation, or
/// `spec.paused` of the Cluster its `cluster.x-k8s.io/cluster-name` label names. The check
/// keeps `clusterctl move` from racing the template controller.
pub fn paused(claim: &Metal3DataClaim, cluster: Option<&Cluster>) -> bool {
    annotated_paused(&claim.metadata) || cluster.is_some_and(|c| c.spec.paused == Some(true))
}

/// What to do with one claim.
#[derive(Clone, Debug, PartialEq)]
pub enum ClaimPlan {
    /// DT-07: the claim is being deleted. Release `datas` (our finalizer off, deleted), then
    /// clear `status.renderedData` and remove the claim's finalizer.
    Release { datas: Vec<String> },
    /// The claim is served; delete `discard`, Metal3Datas made for it that it does not use
    /// (left over from two replicas serving it at once).
    Served { discard: Vec<String> },
    /// DT-06: not now, its Cluster is paused; look again in 30 s.
    Paused,
    /// The claim owns `data` already (made by an earlier pass whose status write was lost):
    /// record it in `status.renderedData`, delete `discard`.
    Record { data: String, discard: Vec<String> },
    /// Hand out a new index (DT-02): create the Metal3Data, owned also by this Metal3Machine.
    Create { metal3_machine: OwnerReference },
    /// The claim cannot be served: say why in `status.errorMessage`.
    Fail(&'static str),
}

/// The plan for `claim` of the template `book` is for; `paused` from [`paused`].
pub fn plan(claim: &Metal3DataClaim, book: &Book, paused: bool) -> ClaimPlan {
    let name = claim.name_any();
    let datas = book.of_claim(&name);
    if claim.metadata.deletion_timestamp.is_some() {
        let mut names: Vec<String> = datas.iter().map(|d| d.name_any()).collect();
        // The status names it even when the listing missed it (upstream's fallback).
        if let Some(rendered) = rendered(claim).filter(|r| !names.iter().any(|n| n == r)) {
            names.push(rendered.to_owned());
        }
        return ClaimPlan::Release { datas: names };
    }
    let live: Vec<String> = datas
        .iter()
        .filter(|d| book.is_live(d))
        .map(|d| d.name_any())
        .collect();
    let others =
        |keep: &str| -> Vec<String> { live.iter().filter(|n| *n != keep).cloned().collect() };
    if let Some(rendered) = rendered(claim) {
        return ClaimPlan::Served {
            discard: others(rendered),
        };
    }
    if paused {
        return ClaimPlan::Paused;
    }
    if let Some(first) = live.first() {
        return ClaimPlan::Record {
            data: first.clone(),
            discard: others(first),
        };
    }
    match metal3_machine(claim) {
        Some(owner) => ClaimPlan::Create {
            metal3_machine: owner,
        },
        None => ClaimPlan::Fail(NO_METAL3_MACHINE),
    }
}

/// The claim's Metal3Machine owner, as a non-controller owner of the Metal3Data.
fn metal3_machine(claim: &Metal3DataClaim) -> Option<OwnerReference> {
    let owner = claim
        .owner_references()
        .iter()
        .find(|o| owner_is(o, "Metal3Machine"))?;
    Some(OwnerReference {
        api_version: owner.api_version.clone(),
        kind: owner.kind.clone(),
        name: owner.name.clone(),
        uid: owner.uid.clone(),
        controller: None,
        block_owner_deletion: None,
    })
}

/// What the template itself needs at the end of a pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TemplateEnd {
    /// Not being deleted: keep serving.
    Serve,
    /// DT-08: claims still reference it; their changes bring it back.
    WaitForClaims,
    /// DT-08: Metal3Datas of it remain; look again in 30 s.
    WaitForDatas,
    /// Nothing refers to it any more: remove the finalizer.
    Release,
}

/// DT-08: a deleted template goes once no claim references it and no Metal3Data remains.
pub fn template_end(deleting: bool, live_claims: bool, book: &Book) -> TemplateEnd {
    match (deleting, live_claims, book.has_datas()) {
        (false, _, _) => TemplateEnd::Serve,
        (true, true, _) => TemplateEnd::WaitForClaims,
        (true, false, true) => TemplateEnd::WaitForDatas,
        (true, false, false) => TemplateEnd::Release,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::capm3::data_controllers::fixtures::{claim, data, data_with, template};
    use crate::capm3::fixtures::cluster;

    fn deleting() -> serde_json::Value {
        json!({"metadata": {"deletionTimestamp": "2024-01-01T00:00:00Z",
                            "finalizers": ["metal3dataclaim.infrastructure.cluster.x-k8s.io"]}})
    }

    fn rendered_as(name: &str) -> serde_json::Value {
        json!({"status": {"renderedData": {"name": name, "namespace": "metal3"}}})
    }

    #[test]
    fn claims_reference_templates_of_their_namespace() {
        let t = template("t", json!({}));
        assert!(references(&claim("m", "t", json!({})), &t));
        assert!(!references(&claim("m", "u", json!({})), &t));
        let elsewhere = claim(
            "m",
            "t",
            json!({"spec": {"template": {"namespace": "other"}}}),
        );
        assert!(!references(&elsewhere, &t));
        let defaulted: Metal3DataClaim = serde_json::from_value(json!({
            "metadata": {"name": "m", "namespace": "metal3"},
            "spec": {"template": {"name": "t"}}}))
        .expect("claim");
        assert!(references(&defaulted, &t));
    }

    /// DT-02: a new claim gets a new Metal3Data, owned also by its Metal3Machine.
    #[test]
    fn new_claim_creates() {
        let book = Book::new("t", vec![data("t-0", "t", Some(0), Some("other"))]);
        let ClaimPlan::Create { metal3_machine } = plan(&claim("m", "t", json!({})), &book, false)
        else {
            panic!("expected Create");
        };
        assert_eq!(
            (
                metal3_machine.kind.as_str(),
                metal3_machine.name.as_str(),
                metal3_machine.controller
            ),
            ("Metal3Machine", "m", None)
        );
    }

    #[test]
    fn claim_without_metal3_machine_fails() {
        let orphan = claim(
            "m",
            "t",
            json!({"metadata": {"ownerReferences": [
            {"apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Machine", "name": "m", "uid": "u"}]}}),
        );
        assert_eq!(
            plan(&orphan, &Book::new("t", vec![]), false),
            ClaimPlan::Fail(NO_METAL3_MACHINE)
        );
    }

    /// DT-06: a paused Cluster or a paused claim waits; a served claim needs nothing.
    #[test]
    fn pause() {
        let book = Book::new("t", vec![]);
        let paused_cluster = cluster(json!({"spec": {"paused": true}}));
        let c = claim("m", "t", json!({}));
        assert!(paused(&c, Some(&paused_cluster)));
        assert!(!paused(&c, Some(&cluster(json!({})))));
        assert!(!paused(&c, None));
        let annotated = claim(
            "m",
            "t",
            json!({"metadata": {"annotations": {"cluster.x-k8s.io/paused": ""}}}),
        );
        assert!(paused(&annotated, None));
        assert_eq!(plan(&c, &book, true), ClaimPlan::Paused);
        let served = claim("m", "t", rendered_as("t-0"));
        assert_eq!(
            plan(&served, &book, true),
            ClaimPlan::Served { discard: vec![] }
        );
    }

    /// A Metal3Data made for the claim by an earlier pass is recorded, not made again; of two
    /// (two replicas at once) the lowest index is kept.
    #[test]
    fn existing_data_is_recorded() {
        let book = Book::new(
            "t",
            vec![
                data("t-4", "t", Some(4), Some("m")),
                data("t-2", "t", Some(2), Some("m")),
                data_with("t-1", "t", Some(1), Some("m"), deleting()),
            ],
        );
        assert_eq!(
            plan(&claim("m", "t", json!({})), &book, false),
            ClaimPlan::Record {
                data: "t-2".into(),
                discard: vec!["t-4".into()]
            }
        );
        let served = claim("m", "t", rendered_as("t-4"));
        assert_eq!(
            plan(&served, &book, false),
            ClaimPlan::Served {
                discard: vec!["t-2".into()]
            }
        );
    }

    /// DT-07: every Metal3Data of a deleting claim goes, the rendered one even if unlisted.
    #[test]
    fn deleting_claim_releases() {
        let book = Book::new("t", vec![data("t-3", "t", Some(3), Some("m"))]);
        let mut overlay = deleting();
        crate::capm3::fixtures::merge(&mut overlay, rendered_as("t-9"));
        assert_eq!(
            plan(&claim("m", "t", overlay), &book, true),
            ClaimPlan::Release {
                datas: vec!["t-3".into(), "t-9".into()]
            }
        );
        let bare = claim("m", "t", deleting());
        assert_eq!(
            plan(&bare, &Book::new("t", vec![]), false),
            ClaimPlan::Release { datas: vec![] }
        );
    }

    /// DT-08
    #[test]
    fn template_deletion_order() {
        let empty = Book::new("t", vec![]);
        let with_data = Book::new("t", vec![data("t-0", "t", Some(0), Some("m"))]);
        assert_eq!(template_end(false, true, &with_data), TemplateEnd::Serve);
        assert_eq!(template_end(true, true, &empty), TemplateEnd::WaitForClaims);
        assert_eq!(
            template_end(true, false, &with_data),
            TemplateEnd::WaitForDatas
        );
        assert_eq!(template_end(true, false, &empty), TemplateEnd::Release);
    }
}

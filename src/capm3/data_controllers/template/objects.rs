//! The objects and status a template pass writes.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use kube::{Resource, ResourceExt};
use serde_json::{Value, json};

use super::indexes::{Book, data_name};
use crate::api::capm3::v1beta2::{
    Metal3Data, Metal3DataClaim, Metal3DataSpec, Metal3DataTemplate, Metal3ObjectRef,
};
use crate::capm3::names::DATA_CLAIM_FINALIZER;

/// The Metal3Data holding `index` of `template` for `claim` (DT-02): named
/// `<template>-<index>` in the template's namespace, held by the claim's finalizer, labelled
/// as the claim, owned by the claim (controller) and its Metal3Machine. The template is
/// deliberately not an owner, as upstream: deleting it must not take the data.
pub fn metal3_data(
    template: &Metal3DataTemplate,
    claim: &Metal3DataClaim,
    metal3_machine: OwnerReference,
    index: i32,
) -> Metal3Data {
    let namespace = template.namespace();
    let reference = |name: String| Metal3ObjectRef {
        name: Some(name),
        namespace: namespace.clone(),
    };
    let claim_owner = OwnerReference {
        api_version: Metal3DataClaim::api_version(&()).into_owned(),
        kind: Metal3DataClaim::kind(&()).into_owned(),
        name: claim.name_any(),
        uid: claim.uid().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: None,
    };
    Metal3Data {
        metadata: ObjectMeta {
            name: Some(data_name(&template.name_any(), index)),
            namespace: namespace.clone(),
            labels: claim.metadata.labels.clone().filter(|l| !l.is_empty()),
            finalizers: Some(vec![DATA_CLAIM_FINALIZER.to_owned()]),
            owner_references: Some(vec![claim_owner, metal3_machine]),
            ..ObjectMeta::default()
        },
        spec: Metal3DataSpec {
            claim: Some(reference(claim.name_any())),
            index: Some(index),
            meta_data: None,
            network_data: None,
            template: Some(reference(template.name_any())),
        },
        status: None,
    }
}

/// The claim's status once it holds `data` (DT-04); clears an earlier error.
pub fn rendered_status(data: &str, namespace: &str) -> Value {
    json!({"renderedData": {"name": data, "namespace": namespace},
           "errorMessage": null})
}

/// The claim's status when it cannot be served.
pub fn error_status(message: &str) -> Value {
    json!({"errorMessage": message})
}

/// The status of a claim whose Metal3Data is released (DT-07).
pub fn released_status() -> Value {
    json!({"renderedData": null})
}

/// Whether the claim's status already shows `message`.
pub fn shows_error(claim: &Metal3DataClaim, message: &str) -> bool {
    claim
        .status
        .as_ref()
        .and_then(|s| s.error_message.as_deref())
        == Some(message)
}

/// The template's status after a pass, `None` when `status.indexes` is unchanged.
/// `lastUpdated` moves only with the indexes (upstream bumps it on every pass, quirk 15, and
/// so writes the template every time).
pub fn template_status(template: &Metal3DataTemplate, book: &Book, now: Time) -> Option<Value> {
    let indexes = book.status_indexes();
    let current = template.status.as_ref().and_then(|s| s.indexes.clone());
    (indexes != current).then(|| json!({"indexes": indexes, "lastUpdated": now}))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::capm3::data_controllers::fixtures::{claim, data, template};
    use crate::capm3::fixtures::{NS, time};

    fn m3m_owner() -> OwnerReference {
        OwnerReference {
            api_version: "infrastructure.cluster.x-k8s.io/v1beta2".into(),
            kind: "Metal3Machine".into(),
            name: "m".into(),
            uid: "uid-m".into(),
            controller: None,
            block_owner_deletion: None,
        }
    }

    /// DT-02: name, finalizer, labels, owners and spec.
    #[test]
    fn metal3_data_for_a_claim() {
        let t = template("t", json!({}));
        let c = claim(
            "m",
            "t",
            json!({"metadata": {"labels": {"role": "worker"}}}),
        );
        let d = metal3_data(&t, &c, m3m_owner(), 3);
        assert_eq!(d.metadata.name.as_deref(), Some("t-3"));
        assert_eq!(d.metadata.namespace.as_deref(), Some(NS));
        assert_eq!(
            d.metadata.finalizers,
            Some(vec![DATA_CLAIM_FINALIZER.to_owned()])
        );
        assert_eq!(d.metadata.labels, c.metadata.labels);
        let owners = d.metadata.owner_references.expect("owners");
        assert_eq!(
            owners
                .iter()
                .map(|o| (
                    o.kind.as_str(),
                    o.name.as_str(),
                    o.uid.as_str(),
                    o.controller
                ))
                .collect::<Vec<_>>(),
            [
                ("Metal3DataClaim", "m", "uid-claim-m", Some(true)),
                ("Metal3Machine", "m", "uid-m", None)
            ]
        );
        assert_eq!(
            serde_json::to_value(&d.spec).expect("spec"),
            json!({"index": 3, "template": {"name": "t", "namespace": NS},
                   "claim": {"name": "m", "namespace": NS}})
        );
    }

    /// DT-04
    #[test]
    fn claim_status_names_its_data() {
        assert_eq!(
            rendered_status("t-3", NS),
            json!({"renderedData": {"name": "t-3", "namespace": NS}, "errorMessage": null})
        );
    }

    /// DT-05: written when the indexes change, not otherwise.
    #[test]
    fn template_status_only_on_change() {
        let book = Book::new("t", vec![data("t-0", "t", Some(0), Some("m"))]);
        let fresh = template("t", json!({}));
        let status = template_status(&fresh, &book, time(0)).expect("written");
        assert_eq!(status["indexes"], json!([{"name": "m", "index": 0}]));
        let mut current = fresh.clone();
        current.status = serde_json::from_value(json!({"indexes": [{"name": "m", "index": 0}]}))
            .expect("status");
        assert_eq!(template_status(&current, &book, time(1)), None);
        let emptied = template_status(&current, &Book::new("t", vec![]), time(2)).expect("written");
        assert_eq!(emptied["indexes"], json!(null));
    }
}

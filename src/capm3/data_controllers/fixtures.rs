//! Templates, claims and Metal3Datas for the decision tests, in the namespace of
//! [`crate::capm3::fixtures`] (whose hosts, machines and Clusters they go with).

use serde_json::{Value, json};

use crate::api::capm3::v1beta2::{Metal3Data, Metal3DataClaim, Metal3DataTemplate};
use crate::capm3::fixtures::{NS, merge};

fn build<T: serde::de::DeserializeOwned>(mut base: Value, overlay: Value) -> T {
    merge(&mut base, overlay);
    serde_json::from_value(base).expect("fixture deserializes")
}

/// The Metal3Data `name` of `template`, with its index and claim.
pub fn data(name: &str, template: &str, index: Option<i32>, claim: Option<&str>) -> Metal3Data {
    data_with(name, template, index, claim, json!({}))
}

/// [`data`] with `overlay` merged in.
pub fn data_with(
    name: &str,
    template: &str,
    index: Option<i32>,
    claim: Option<&str>,
    overlay: Value,
) -> Metal3Data {
    build(
        json!({
            "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3Data",
            "metadata": {"name": name, "namespace": NS, "uid": format!("uid-{name}"),
                         "resourceVersion": "5"},
            "spec": {"index": index, "template": {"name": template, "namespace": NS},
                     "claim": claim.map(|c| json!({"name": c, "namespace": NS}))},
        }),
        overlay,
    )
}

/// The Metal3DataClaim `name` of Metal3Machine `name` for template `template`.
pub fn claim(name: &str, template: &str, overlay: Value) -> Metal3DataClaim {
    build(
        json!({
            "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3DataClaim",
            "metadata": {"name": name, "namespace": NS, "uid": format!("uid-claim-{name}"),
                         "resourceVersion": "7",
                         "labels": {"cluster.x-k8s.io/cluster-name": "test1"},
                         "ownerReferences": [{
                             "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2",
                             "kind": "Metal3Machine", "name": name, "uid": format!("uid-{name}"),
                             "controller": true}]},
            "spec": {"template": {"name": template, "namespace": NS}},
        }),
        overlay,
    )
}

/// The Metal3DataTemplate `name` with `spec`.
pub fn template(name: &str, spec: Value) -> Metal3DataTemplate {
    build(
        json!({
            "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3DataTemplate",
            "metadata": {"name": name, "namespace": NS, "uid": format!("uid-{name}"),
                         "resourceVersion": "3"},
        }),
        json!({ "spec": spec }),
    )
}

//! Objects for the decision tests, written as the JSON users and controllers write.

use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Node;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde_json::{Value, json};

use crate::api::bmo::v1alpha1::BareMetalHost;
use crate::api::capi::{Cluster, Machine};
use crate::api::capm3::v1beta2::Metal3Machine;

pub const NS: &str = "metal3";

pub fn time(offset: i64) -> Time {
    Time(Timestamp::from_second(1_700_000_000 + offset).expect("time"))
}

pub fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Deserializes `value`, overlaid on `base` object by object.
fn build<T: serde::de::DeserializeOwned>(mut base: Value, overlay: Value) -> T {
    merge(&mut base, overlay);
    serde_json::from_value(base).expect("fixture deserializes")
}

/// Overlays `overlay` on `base`, object by object.
pub fn merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(&key) {
                    Some(existing) if value.is_object() => merge(existing, value),
                    _ => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, overlay) => *base = overlay,
    }
}

/// A BareMetalHost `name` in provisioning state `state`, with `overlay` merged in.
pub fn host(name: &str, state: &str, overlay: Value) -> BareMetalHost {
    build(
        json!({
            "apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
            "metadata": {"name": name, "namespace": NS, "uid": format!("uid-{name}"),
                         "resourceVersion": "11"},
            "spec": {"online": false, "bmc": {"address": "redfish://127.0.0.1/redfish/v1/Systems/1",
                                              "credentialsName": format!("{name}-bmc")}},
            "status": {"errorCount": 0, "errorMessage": "", "operationalStatus": "OK",
                       "poweredOn": false, "provisioningFailCount": 0,
                       "provisioning": {"ID": "", "state": state}},
        }),
        overlay,
    )
}

/// The host `h1` associated with the Metal3Machine `m3m` of cluster `test1`, in `state`.
pub fn owned_host(state: &str, overlay: Value) -> BareMetalHost {
    let mut base = json!({
        "spec": {"consumerRef": {"kind": "Metal3Machine", "name": "m3m", "namespace": NS,
                                 "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2"}},
        "metadata": {"labels": {"cluster.x-k8s.io/cluster-name": "test1"}},
    });
    merge(&mut base, overlay);
    host("h1", state, base)
}

/// A Metal3Machine `name` with an image, with `overlay` merged in.
pub fn machine(name: &str, overlay: Value) -> Metal3Machine {
    build(
        json!({
            "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3Machine",
            "metadata": {"name": name, "namespace": NS, "uid": format!("uid-{name}"),
                         "generation": 1},
            "spec": {"image": {"url": "http://127.0.0.1/image.qcow2", "checksum": "abc",
                               "checksumType": "sha256", "diskFormat": "qcow2"}},
        }),
        overlay,
    )
}

/// A CAPI Machine `name` of cluster `test1`, with `overlay` merged in.
pub fn capi_machine(name: &str, overlay: Value) -> Machine {
    build(
        json!({
            "apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Machine",
            "metadata": {"name": name, "namespace": NS,
                         "labels": {"cluster.x-k8s.io/cluster-name": "test1"}},
            "spec": {"clusterName": "test1",
                     "bootstrap": {"dataSecretName": format!("{name}-bootstrap")}},
        }),
        overlay,
    )
}

/// The CAPI Cluster `test1`, with `overlay` merged in.
pub fn cluster(overlay: Value) -> Cluster {
    build(
        json!({
            "apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Cluster",
            "metadata": {"name": "test1", "namespace": NS, "uid": "uid-test1"},
            "spec": {"infrastructureRef": {"apiGroup": "infrastructure.cluster.x-k8s.io",
                                           "kind": "Metal3Cluster", "name": "test1"}},
        }),
        overlay,
    )
}

/// A workload Node `name` with `labels` and `provider_id` ("" for none).
pub fn node(name: &str, node_labels: &[(&str, &str)], provider_id: &str) -> Node {
    let mut node: Node = serde_json::from_value(json!({
        "metadata": {"name": name, "labels": labels(node_labels)},
        "spec": {},
    }))
    .expect("node");
    if !provider_id.is_empty() {
        node.spec.get_or_insert_default().provider_id = Some(provider_id.to_owned());
    }
    node
}

//! The embedded API server converts custom resources through the CRD's conversion webhook
//! (ConversionReview v1): objects written in v1beta1 are stored in v1beta2 and read back in
//! either version.

mod common;

use capm3::sandbox::apiserver::store::{ObjectKey, ResourceKey};
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, PostParams};
use serde_json::{Value, json};

/// Every field of `given` is in `got` with the same value (the server may add defaults).
fn contains(got: &Value, given: &Value, path: &str, missing: &mut Vec<String>) {
    match (got, given) {
        (Value::Object(g), Value::Object(w)) => {
            for (k, v) in w {
                match g.get(k) {
                    Some(gv) => contains(gv, v, &format!("{path}.{k}"), missing),
                    None => missing.push(format!("{path}.{k}")),
                }
            }
        }
        (Value::Array(g), Value::Array(w)) if g.len() == w.len() => {
            for (i, (gv, wv)) in g.iter().zip(w).enumerate() {
                contains(gv, wv, &format!("{path}[{i}]"), missing);
            }
        }
        _ if got == given => {}
        _ => missing.push(format!("{path}: {given} became {got}")),
    }
}

#[tokio::test]
async fn v1beta1_objects_are_stored_as_v1beta2_and_read_back_unchanged() {
    let server = common::server_with_conversion_webhook().await;
    let client = server.client().expect("client");

    let mut checked = 0;
    for path in common::fixtures("manifests") {
        for doc in common::yaml_documents(&path) {
            let (api_version, kind) = common::api_version_and_kind(&doc);
            if api_version != "infrastructure.cluster.x-k8s.io/v1beta1" {
                continue;
            }
            let resource = |version: &str| {
                let gvk = GroupVersionKind::gvk("infrastructure.cluster.x-k8s.io", version, &kind);
                ApiResource::from_gvk_with_plural(&gvk, &format!("{}s", kind.to_lowercase()))
            };
            let old: Api<DynamicObject> =
                Api::namespaced_with(client.clone(), "default", &resource("v1beta1"));
            let new: Api<DynamicObject> =
                Api::namespaced_with(client.clone(), "default", &resource("v1beta2"));
            let object: DynamicObject = serde_json::from_value(doc.clone()).expect("object");
            let name = object.metadata.name.clone().expect("name");
            old.create(&PostParams::default(), &object)
                .await
                .unwrap_or_else(|e| panic!("{kind} {name}: {e}"));

            let stored = server
                .api
                .store
                .get(
                    &ResourceKey::new(
                        "infrastructure.cluster.x-k8s.io",
                        &format!("{}s", kind.to_lowercase()),
                    ),
                    &ObjectKey::new("default", &name),
                )
                .expect("stored");
            assert_eq!(
                stored["apiVersion"], "infrastructure.cluster.x-k8s.io/v1beta2",
                "{kind} is stored in v1beta2"
            );

            let read_back =
                serde_json::to_value(old.get(&name).await.expect("read as v1beta1")).expect("json");
            let mut missing = Vec::new();
            contains(&read_back["spec"], &doc["spec"], "spec", &mut missing);
            assert!(
                missing.is_empty(),
                "{kind} {name} lost in the round trip: {missing:?}"
            );
            let as_new = new.get(&name).await.expect("read as v1beta2");
            assert_eq!(
                as_new.types.map(|t| t.api_version).as_deref(),
                Some("infrastructure.cluster.x-k8s.io/v1beta2")
            );
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} v1beta1 fixtures");
    server.stop().await;
}

#[tokio::test]
async fn an_unreachable_conversion_webhook_is_a_clear_error() {
    let server = common::server_with_crds().await;
    let client = server.client().expect("client");
    let gvk = GroupVersionKind::gvk(
        "infrastructure.cluster.x-k8s.io",
        "v1beta1",
        "Metal3Cluster",
    );
    let clusters: Api<DynamicObject> = Api::namespaced_with(
        client,
        "default",
        &ApiResource::from_gvk_with_plural(&gvk, "metal3clusters"),
    );
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1", "kind": "Metal3Cluster", "metadata": {"name": "c"},
        "spec": {"controlPlaneEndpoint": {"host": "127.0.0.1", "port": 6443}},
    }))
    .expect("object");
    match clusters.create(&PostParams::default(), &object).await {
        Err(kube::Error::Api(status)) => {
            assert_eq!(status.code, 500);
            assert!(
                status.message.contains(
                    "conversion webhook for metal3clusters.infrastructure.cluster.x-k8s.io failed"
                ),
                "{}",
                status.message
            );
        }
        other => panic!("expected a 500, got {other:?}"),
    }
    server.stop().await;
}

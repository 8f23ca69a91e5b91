//! The embedded API server calls admission webhooks (AdmissionReview v1) as kube-apiserver
//! does: mutating ones before schema validation, validating ones after.

mod common;

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use base64::Engine;
use capm3::api::bmo::v1alpha1::BareMetalHost;
use k8s_openapi::api::admissionregistration::v1::{
    MutatingWebhookConfiguration, ValidatingWebhookConfiguration,
};
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, PostParams};
use serde_json::{Value, json};

/// (operation, apiVersion of the object sent) for every review the webhook received.
type Seen = Arc<Mutex<Vec<(String, String)>>>;

async fn mutate(seen: State<Seen>, review: Json<Value>) -> Json<Value> {
    answer(seen, review, false)
}

async fn validate(seen: State<Seen>, review: Json<Value>) -> Json<Value> {
    answer(seen, review, true)
}

/// Records the review; a validating call denies objects labelled `deny: "true"`; a
/// mutating call adds the label `mutated: "true"` to new BareMetalHosts.
fn answer(State(seen): State<Seen>, Json(review): Json<Value>, validating: bool) -> Json<Value> {
    let request = &review["request"];
    let object = if request["object"].is_null() {
        &request["oldObject"]
    } else {
        &request["object"]
    };
    seen.lock().unwrap_or_else(|p| p.into_inner()).push((
        request["operation"].as_str().unwrap_or_default().to_owned(),
        object["apiVersion"].as_str().unwrap_or_default().to_owned(),
    ));
    let denied = validating
        && object["metadata"]["labels"]["deny"] == "true"
        && request["operation"] != "DELETE";
    let mut response = json!({"uid": request["uid"], "allowed": !denied});
    if denied {
        response["status"] =
            json!({"message": "denied by test", "code": 403, "reason": "Forbidden"});
    } else if !validating && request["operation"] == "CREATE" && object["kind"] == "BareMetalHost" {
        let patch = json!([{"op": "add", "path": "/metadata/labels/mutated", "value": "true"}]);
        response["patchType"] = json!("JSONPatch");
        response["patch"] =
            json!(base64::engine::general_purpose::STANDARD.encode(patch.to_string()));
    }
    Json(
        json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response}),
    )
}

async fn start_webhook(seen: Seen) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = axum::Router::new()
        .route("/mutate", axum::routing::post(mutate))
        .route("/validate", axum::routing::post(validate))
        .with_state(seen);
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn webhook(
    name: &str,
    url: &str,
    group: &str,
    versions: &[&str],
    resources: &[&str],
    failure_policy: &str,
) -> Value {
    json!({
        "name": name,
        "clientConfig": {"url": url},
        "rules": [{"operations": ["CREATE", "UPDATE", "DELETE"], "apiGroups": [group], "apiVersions": versions, "resources": resources}],
        "failurePolicy": failure_policy,
        "sideEffects": "None",
        "admissionReviewVersions": ["v1"],
    })
}

fn host(name: &str, labels: Value) -> BareMetalHost {
    serde_json::from_value(
        json!({"apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
        "metadata": {"name": name, "labels": labels}, "spec": {"online": true}}),
    )
    .expect("host")
}

#[tokio::test]
async fn mutating_and_validating_webhooks_are_called() {
    let server = common::server_with_crds().await;
    let client = server.client().expect("client");
    let seen: Seen = Arc::default();
    let url = start_webhook(seen.clone()).await;

    let mutating: MutatingWebhookConfiguration = serde_json::from_value(json!({"metadata": {"name": "m"},
        "webhooks": [webhook("mutate.example.com", &format!("{url}/mutate"), "metal3.io", &["v1alpha1"], &["baremetalhosts"], "Fail")]}))
    .expect("config");
    Api::<MutatingWebhookConfiguration>::all(client.clone())
        .create(&PostParams::default(), &mutating)
        .await
        .expect("mutating");
    let validating: ValidatingWebhookConfiguration = serde_json::from_value(json!({"metadata": {"name": "v"},
        "webhooks": [webhook("deny.example.com", &format!("{url}/validate"), "metal3.io", &["v1alpha1"], &["baremetalhosts"], "Fail")]}))
    .expect("config");
    Api::<ValidatingWebhookConfiguration>::all(client.clone())
        .create(&PostParams::default(), &validating)
        .await
        .expect("validating");

    let hosts: Api<BareMetalHost> = Api::namespaced(client.clone(), "default");
    let created = hosts
        .create(&PostParams::default(), &host("node-0", json!({})))
        .await
        .expect("created");
    assert_eq!(
        created
            .metadata
            .labels
            .unwrap_or_default()
            .get("mutated")
            .map(String::as_str),
        Some("true")
    );

    match hosts
        .create(
            &PostParams::default(),
            &host("node-1", json!({"deny": "true"})),
        )
        .await
    {
        Err(kube::Error::Api(status)) => {
            assert_eq!(status.code, 403);
            assert_eq!(
                status.message,
                "admission webhook \"deny.example.com\" denied the request: denied by test"
            );
        }
        other => panic!("expected a denial, got {other:?}"),
    }
    hosts
        .delete("node-0", &DeleteParams::default())
        .await
        .expect("deleted");
    let operations: Vec<String> = seen
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .map(|(op, _)| op.clone())
        .collect();
    assert!(operations.contains(&"DELETE".to_owned()), "{operations:?}");
    server.stop().await;
}

#[tokio::test]
async fn equivalent_match_policy_sends_the_version_the_rule_names() {
    let server = common::server_with_conversion_webhook().await;
    let client = server.client().expect("client");
    let seen: Seen = Arc::default();
    let url = start_webhook(seen.clone()).await;
    let validating: ValidatingWebhookConfiguration = serde_json::from_value(json!({"metadata": {"name": "v"},
        "webhooks": [webhook("validation.metal3cluster.infrastructure.cluster.x-k8s.io", &format!("{url}/validate"), "infrastructure.cluster.x-k8s.io", &["v1beta2"], &["metal3clusters"], "Fail")]}))
    .expect("config");
    Api::<ValidatingWebhookConfiguration>::all(client.clone())
        .create(&PostParams::default(), &validating)
        .await
        .expect("validating");

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
    let object: DynamicObject = serde_json::from_value(json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1", "kind": "Metal3Cluster",
        "metadata": {"name": "c"}, "spec": {"controlPlaneEndpoint": {"host": "127.0.0.1", "port": 6443}}}))
    .expect("object");
    clusters
        .create(&PostParams::default(), &object)
        .await
        .expect("created");
    let seen = seen.lock().unwrap_or_else(|p| p.into_inner()).clone();
    assert_eq!(
        seen,
        [(
            "CREATE".to_owned(),
            "infrastructure.cluster.x-k8s.io/v1beta2".to_owned()
        )]
    );
    server.stop().await;
}

#[tokio::test]
async fn failure_policy_decides_what_an_unreachable_webhook_means() {
    let server = common::server_with_crds().await;
    let client = server.client().expect("client");
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port nobody listens on");
    let url = format!("http://{closed}/review");
    let ignore: ValidatingWebhookConfiguration =
        serde_json::from_value(json!({"metadata": {"name": "ignore"},
        "webhooks": [webhook("ignore.example.com", &url, "metal3.io", &["*"], &["*"], "Ignore")]}))
        .expect("config");
    let configs = Api::<ValidatingWebhookConfiguration>::all(client.clone());
    configs
        .create(&PostParams::default(), &ignore)
        .await
        .expect("config");
    let hosts: Api<BareMetalHost> = Api::namespaced(client.clone(), "default");
    hosts
        .create(&PostParams::default(), &host("node-0", json!({})))
        .await
        .expect("Ignore lets it through");

    let fail: ValidatingWebhookConfiguration =
        serde_json::from_value(json!({"metadata": {"name": "fail"},
        "webhooks": [webhook("fail.example.com", &url, "metal3.io", &["*"], &["*"], "Fail")]}))
        .expect("config");
    configs
        .create(&PostParams::default(), &fail)
        .await
        .expect("config");
    match hosts
        .create(&PostParams::default(), &host("node-1", json!({})))
        .await
    {
        Err(kube::Error::Api(status)) => {
            assert_eq!(status.code, 500);
            assert!(
                status
                    .message
                    .contains("failed calling webhook \"fail.example.com\""),
                "{}",
                status.message
            );
        }
        other => panic!("expected a 500, got {other:?}"),
    }
    server.stop().await;
}

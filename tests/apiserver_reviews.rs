//! TokenReview and SubjectAccessReview through kube-rs: what the manager's authenticated
//! `/metrics` asks the API server.

use capm3::sandbox::apiserver::ApiServer;
use k8s_openapi::api::authentication::v1::TokenReview;
use k8s_openapi::api::authorization::v1::SubjectAccessReview;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use kube::api::{Api, PostParams};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn typed<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("valid object")
}

async fn create<K>(api: Api<K>, object: Value) -> K
where
    K: kube::Resource + Clone + DeserializeOwned + serde::Serialize + std::fmt::Debug,
{
    api.create(&PostParams::default(), &typed(object))
        .await
        .expect("created")
}

async fn review_token(client: &kube::Client, token: &str) -> Value {
    let review: TokenReview = create(
        Api::all(client.clone()),
        json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": token}}),
    )
    .await;
    serde_json::to_value(review.status).expect("json")
}

async fn allowed(client: &kube::Client, user: &str, attributes: Value) -> bool {
    let mut spec = json!({"user": user, "groups": ["system:authenticated"]});
    for (key, value) in attributes.as_object().cloned().unwrap_or_default() {
        spec[key] = value;
    }
    let review: SubjectAccessReview = create(
        Api::all(client.clone()),
        json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": spec}),
    )
    .await;
    review.status.is_some_and(|s| s.allowed)
}

#[tokio::test]
async fn service_account_tokens_authenticate_and_rbac_authorizes() {
    let server = ApiServer::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("server starts");
    let client = server.client().expect("client");
    let _: Secret = create(
        Api::namespaced(client.clone(), "default"),
        json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "scraper-token", "annotations": {"kubernetes.io/service-account.name": "prometheus"}},
            "type": "kubernetes.io/service-account-token",
            "data": {"token": "c2VjcmV0LXRva2Vu"},
        }),
    )
    .await;
    let status = review_token(&client, "secret-token").await;
    assert_eq!(status["authenticated"], true, "{status}");
    assert_eq!(
        status["user"]["username"],
        "system:serviceaccount:default:prometheus"
    );
    let status = review_token(&client, "wrong").await;
    assert_eq!(status["authenticated"], false, "{status}");

    let _: ClusterRole = create(
        Api::all(client.clone()),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
               "metadata": {"name": "metrics-reader"},
               "rules": [{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}]}),
    )
    .await;
    let _: ClusterRoleBinding = create(
        Api::all(client.clone()),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": {"name": "prometheus-metrics"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "metrics-reader"},
               "subjects": [{"kind": "ServiceAccount", "name": "prometheus", "namespace": "default"}]}),
    )
    .await;
    let metrics = json!({"nonResourceAttributes": {"path": "/metrics", "verb": "get"}});
    let prometheus = "system:serviceaccount:default:prometheus";
    assert!(allowed(&client, prometheus, metrics.clone()).await);
    assert!(!allowed(&client, "system:serviceaccount:default:other", metrics).await);
    let other_path = json!({"nonResourceAttributes": {"path": "/debug/pprof/", "verb": "get"}});
    assert!(!allowed(&client, prometheus, other_path).await);

    // A Role in one namespace grants only there.
    let _: Role = create(
        Api::namespaced(client.clone(), "default"),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
               "metadata": {"name": "host-reader"},
               "rules": [{"apiGroups": ["metal3.io"], "resources": ["baremetalhosts", "baremetalhosts/status"], "verbs": ["get", "list"]}]}),
    )
    .await;
    let _: RoleBinding = create(
        Api::namespaced(client.clone(), "default"),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": "alice-hosts"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "host-reader"},
               "subjects": [{"kind": "User", "name": "alice"}]}),
    )
    .await;
    let hosts = |namespace: &str, verb: &str, subresource: &str| {
        json!({"resourceAttributes": {"namespace": namespace, "verb": verb, "group": "metal3.io",
                                      "resource": "baremetalhosts", "subresource": subresource}})
    };
    assert!(allowed(&client, "alice", hosts("default", "list", "")).await);
    assert!(allowed(&client, "alice", hosts("default", "get", "status")).await);
    assert!(!allowed(&client, "alice", hosts("default", "delete", "")).await);
    assert!(!allowed(&client, "alice", hosts("kube-system", "list", "")).await);
}

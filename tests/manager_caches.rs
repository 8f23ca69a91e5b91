//! Shared watch caches: one watch per kind, scoped by `--namespace` and `--watch-filter`.

use std::time::Duration;

use capm3::api::bmo::v1alpha1::BareMetalHost;
use capm3::manager::caches::{Scope, SharedCache};
use capm3::sandbox::apiserver::ApiServer;
use futures::StreamExt;
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, PostParams};
use serde_json::json;

async fn create_host(client: &kube::Client, namespace: &str, name: &str, filter: Option<&str>) {
    let mut labels = json!({});
    if let Some(value) = filter {
        labels["cluster.x-k8s.io/watch-filter"] = value.into();
    }
    let host: BareMetalHost = serde_json::from_value(json!({
        "apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
        "metadata": {"name": name, "labels": labels},
        "spec": {"online": false},
    }))
    .expect("host");
    Api::<BareMetalHost>::namespaced(client.clone(), namespace)
        .create(&PostParams::default(), &host)
        .await
        .expect("created");
}

#[tokio::test]
async fn caches_hold_only_the_scoped_objects_and_share_changes() {
    let server = ApiServer::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("server");
    let client = server.client().expect("client");
    for crd in capm3::crds::metal3() {
        Api::<CustomResourceDefinition>::all(client.clone())
            .create(&PostParams::default(), &crd)
            .await
            .expect("CRD");
    }
    let namespace: Namespace =
        serde_json::from_value(json!({"metadata": {"name": "metal3"}})).expect("ns");
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &namespace)
        .await
        .expect("namespace");
    create_host(&client, "metal3", "in-scope", Some("team-a")).await;
    create_host(&client, "metal3", "other-filter", Some("team-b")).await;
    create_host(&client, "metal3", "unlabelled", None).await;
    create_host(&client, "default", "other-namespace", Some("team-a")).await;

    let cache = SharedCache::<BareMetalHost>::new();
    let (mut first, mut second) = (
        cache.subscribe().expect("subscription"),
        cache.subscribe().expect("subscription"),
    );
    let store = cache.store.clone();
    let watch = cache.start(&client, &Scope::new("metal3", "team-a"));
    tokio::time::timeout(Duration::from_secs(10), store.wait_until_ready())
        .await
        .expect("synced in time")
        .expect("synced");
    let names: Vec<String> = store
        .state()
        .iter()
        .filter_map(|h| h.metadata.name.clone())
        .collect();
    assert_eq!(names, ["in-scope"]);

    // Both subscribers see a new in-scope host from the one watch.
    create_host(&client, "metal3", "added", Some("team-a")).await;
    for subscriber in [&mut first, &mut second] {
        let mut seen = Vec::new();
        while !seen.iter().any(|n| n == "added") {
            let host = tokio::time::timeout(Duration::from_secs(10), subscriber.next())
                .await
                .expect("event in time")
                .expect("stream open");
            seen.push(host.metadata.name.clone().unwrap_or_default());
        }
    }
    assert_eq!(store.state().len(), 2);
    watch.abort();
}

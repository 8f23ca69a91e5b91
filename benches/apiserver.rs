//! Measures the embedded API server: in-process writes with 10,000 objects of a kind, and
//! writes over HTTP while 100 watchers follow them. Prints numbers; asserts nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use capm3::sandbox::apiserver::ApiServer;
use capm3::sandbox::apiserver::api::{Api, ListOptions, WriteOptions};
use capm3::sandbox::apiserver::request::ResourcePath;
use futures::TryStreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api as KubeApi, PostParams, WatchEvent, WatchParams};
use serde_json::json;

const OBJECTS: usize = 10_000;
const WATCHERS: usize = 100;
const HTTP_WRITES: usize = 10_000;

fn hosts() -> ResourcePath {
    ResourcePath {
        group: "metal3.io".into(),
        version: "v1alpha1".into(),
        namespace: Some("default".into()),
        resource: "baremetalhosts".into(),
        name: None,
        subresource: None,
    }
}

fn host(i: usize) -> serde_json::Value {
    json!({"apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
           "metadata": {"name": format!("node-{i}"), "labels": {"rack": format!("r{}", i % 10)}},
           "spec": {"online": true, "bootMACAddress": "00:5a:91:3f:9a:bd",
                    "bmc": {"address": format!("redfish+http://127.0.0.1:8000/redfish/v1/Systems/{i}"), "credentialsName": format!("node-{i}-bmc")}}})
}

async fn in_process() {
    let api = Api::new(100_000);
    let crd = capm3::crds::metal3()
        .into_iter()
        .find(|c| c.spec.names.kind == "BareMetalHost")
        .expect("crd");
    let crds = ResourcePath {
        group: "apiextensions.k8s.io".into(),
        version: "v1".into(),
        namespace: None,
        resource: "customresourcedefinitions".into(),
        name: None,
        subresource: None,
    };
    api.create(
        &crds,
        serde_json::to_value(crd).expect("json"),
        WriteOptions::default(),
    )
    .await
    .expect("crd");

    let started = Instant::now();
    for i in 0..OBJECTS {
        api.create(&hosts(), host(i), WriteOptions::default())
            .await
            .expect("created");
    }
    let create = started.elapsed();
    let started = Instant::now();
    for i in 0..OBJECTS {
        let path = ResourcePath {
            name: Some(format!("node-{i}")),
            ..hosts()
        };
        api.patch(
            &path,
            capm3::sandbox::apiserver::patch::PatchType::Merge,
            &json!({"spec": {"online": false}}),
            WriteOptions::default(),
        )
        .await
        .expect("patched");
    }
    let patch = started.elapsed();
    let started = Instant::now();
    let listed = api
        .list(
            &hosts(),
            &ListOptions {
                label_selector: Some("rack=r3".into()),
                ..Default::default()
            },
        )
        .await
        .expect("list");
    let list = started.elapsed();
    println!("in-process, BareMetalHost with schema + CEL admission, {OBJECTS} objects:");
    println!("  create  {:>8.1} µs/object", per(create, OBJECTS));
    println!(
        "  patch   {:>8.1} µs/object (merge patch, re-admitted)",
        per(patch, OBJECTS)
    );
    println!(
        "  list with label selector over {OBJECTS}: {:.1} ms ({} matched)",
        list.as_secs_f64() * 1e3,
        listed["items"].as_array().map_or(0, Vec::len)
    );
}

async fn over_http() {
    let server = ApiServer::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("server");
    let client = server.client().expect("client");
    let maps: KubeApi<ConfigMap> = KubeApi::namespaced(client.clone(), "default");
    let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut watchers = Vec::new();
    for _ in 0..WATCHERS {
        let stream = maps
            .watch(&WatchParams::default(), "0")
            .await
            .expect("watch");
        let seen = seen.clone();
        watchers.push(tokio::spawn(async move {
            tokio::pin!(stream);
            while let Ok(Some(event)) = stream.try_next().await {
                if matches!(event, WatchEvent::Added(_)) {
                    seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        }));
    }
    let started = Instant::now();
    for i in 0..HTTP_WRITES {
        let cm: ConfigMap = serde_json::from_value(
            json!({"metadata": {"name": format!("cm-{i}")}, "data": {"k": "v"}}),
        )
        .expect("cm");
        maps.create(&PostParams::default(), &cm)
            .await
            .expect("created");
    }
    let writes = started.elapsed();
    let expected = HTTP_WRITES * WATCHERS;
    let deadline = Instant::now() + Duration::from_secs(120);
    while seen.load(std::sync::atomic::Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let delivered = started.elapsed();
    println!("over HTTP (kube-rs client, sequential), {WATCHERS} watchers:");
    println!(
        "  create  {:>8.1} µs/request, {:.0} requests/s",
        per(writes, HTTP_WRITES),
        HTTP_WRITES as f64 / writes.as_secs_f64()
    );
    println!(
        "  {} of {expected} watch events delivered in {:.2} s ({:.0} events/s)",
        seen.load(std::sync::atomic::Ordering::Relaxed),
        delivered.as_secs_f64(),
        seen.load(std::sync::atomic::Ordering::Relaxed) as f64 / delivered.as_secs_f64()
    );
    let started = Instant::now();
    let listed = maps
        .list(&kube::api::ListParams::default())
        .await
        .expect("list");
    let full_list = started.elapsed();
    let started = Instant::now();
    let paged = maps
        .list(&kube::api::ListParams::default().limit(500))
        .await
        .expect("first page");
    let page = started.elapsed();
    println!(
        "  list of {} objects over HTTP: {:.0} ms; a first page of {}: {:.1} ms",
        listed.items.len(),
        full_list.as_secs_f64() * 1e3,
        paged.items.len(),
        page.as_secs_f64() * 1e3
    );
    for w in watchers {
        w.abort();
    }
    server.stop().await;
}

fn per(elapsed: Duration, n: usize) -> f64 {
    elapsed.as_secs_f64() * 1e6 / n as f64
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(in_process());
    runtime.block_on(over_http());
    if let Some(rss) = capm3::sandbox::measure::peak_rss() {
        println!("peak RSS: {rss}");
    }
}

//! kube-runtime's watcher and Controller against the embedded API server over many watch
//! expiries: watches resume from where they stopped, with no spurious relist or error.
//!
//! `make test` runs it for a few seconds; `CAPM3_SOAK_SECONDS=300 cargo test --test
//! apiserver_soak` runs it for minutes.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use capm3::sandbox::apiserver::ApiServer;
use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::watcher;
use serde_json::json;

/// How long writes go on, by default: long enough for several watch lifetimes.
const DEFAULT_SECONDS: u64 = 6;
/// The server ends each watch after a second, so the run sees many re-watches.
const WATCH_TIMEOUT_SECONDS: u32 = 1;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watches_resume_without_relisting_and_the_controller_sees_everything() {
    let server = ApiServer::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("server");
    let client = server.client().expect("client");
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let config = watcher::Config::default().timeout(WATCH_TIMEOUT_SECONDS);

    // A raw watcher, to count relists (Init…InitDone) and errors.
    let relists = Arc::new(Mutex::new((0usize, 0usize)));
    let counting = {
        let relists = relists.clone();
        let stream = watcher(maps.clone(), config.clone());
        tokio::spawn(async move {
            tokio::pin!(stream);
            while let Some(event) = stream.next().await {
                let mut counts = relists.lock().unwrap_or_else(|p| p.into_inner());
                match event {
                    Ok(watcher::Event::InitDone) => counts.0 += 1,
                    Err(_) => counts.1 += 1,
                    Ok(_) => {}
                }
            }
        })
    };

    // A controller that records every object it reconciles.
    let reconciled = Arc::new(Mutex::new(BTreeSet::new()));
    let controller = {
        let reconciled = reconciled.clone();
        let controller = Controller::new(maps.clone(), config).run(
            move |cm: Arc<ConfigMap>, seen: Arc<Mutex<BTreeSet<String>>>| async move {
                seen.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(cm.metadata.name.clone().unwrap_or_default());
                Ok::<_, kube::Error>(Action::await_change())
            },
            |_, _: &kube::Error, _| Action::requeue(Duration::from_secs(1)),
            reconciled,
        );
        tokio::spawn(controller.for_each(|_| async {}))
    };

    // Writes spread over many watch lifetimes.
    let seconds = std::env::var("CAPM3_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SECONDS);
    let writes_end = tokio::time::Instant::now() + Duration::from_secs(seconds);
    let mut objects = 0;
    while tokio::time::Instant::now() < writes_end {
        let name = format!("cm-{objects}");
        let cm: ConfigMap =
            serde_json::from_value(json!({"metadata": {"name": name}, "data": {"n": "0"}}))
                .expect("cm");
        maps.create(&PostParams::default(), &cm)
            .await
            .expect("created");
        maps.patch(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"n": "1"}})),
        )
        .await
        .expect("patched");
        objects += 1;
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while reconciled.lock().unwrap_or_else(|p| p.into_inner()).len() < objects {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the controller did not see every object"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let watch_requests = server
        .api
        .hooks
        .counts()
        .get(&("watch".into(), "configmaps".into()))
        .copied()
        .unwrap_or(0);
    let (inits, errors) = *relists.lock().unwrap_or_else(|p| p.into_inner());
    eprintln!(
        "soak: {seconds} s, {objects} objects written twice, {watch_requests} watch requests, {inits} initial list(s), {errors} watch errors"
    );
    assert!(
        watch_requests >= 8,
        "expected many re-watches, saw {watch_requests}"
    );
    assert_eq!(inits, 1, "the watcher relisted after its first list");
    assert_eq!(errors, 0, "the watcher saw errors");
    counting.abort();
    controller.abort();
    server.stop().await;
}

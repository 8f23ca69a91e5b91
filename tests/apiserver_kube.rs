//! The embedded API server through the real kube-rs client: what controllers do.

use std::time::Duration;

use capm3::api::bmo::v1alpha1::BareMetalHost;
use capm3::sandbox::apiserver::ApiServer;
use futures::TryStreamExt;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::{WatchStreamExt, watcher};
use serde_json::json;

async fn server_with_crds() -> (ApiServer, kube::Client) {
    let server = ApiServer::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("server starts");
    let client = server.client().expect("client");
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    for crd in capm3::crds::metal3() {
        crds.create(&PostParams::default(), &crd)
            .await
            .expect("CRD created");
    }
    (server, client)
}

fn host(name: &str) -> BareMetalHost {
    serde_json::from_value(json!({
        "apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
        "metadata": {"name": name, "labels": {"role": "worker"}},
        "spec": {"online": true, "bmc": {"address": "ipmi://127.0.0.1:6230", "credentialsName": format!("{name}-bmc")}},
    }))
    .expect("valid host")
}

#[tokio::test]
async fn typed_crud_through_kube_rs() {
    let (server, client) = server_with_crds().await;
    let hosts: Api<BareMetalHost> = Api::namespaced(client.clone(), "default");

    let created = hosts
        .create(&PostParams::default(), &host("node-0"))
        .await
        .expect("created");
    assert_eq!(
        created
            .spec
            .automated_cleaning_mode
            .map(|m| format!("{m:?}"))
            .as_deref(),
        Some("Metadata"),
        "defaulted"
    );
    let fetched = hosts.get("node-0").await.expect("get");
    assert_eq!(fetched.metadata.uid, created.metadata.uid);

    let patched = hosts
        .patch(
            "node-0",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"online": false}})),
        )
        .await
        .expect("patched");
    assert!(!patched.spec.online);
    assert_eq!(patched.metadata.generation, Some(2));

    // A write based on the old version conflicts.
    let stale = hosts
        .replace("node-0", &PostParams::default(), &created)
        .await
        .expect_err("stale");
    assert!(
        matches!(&stale, kube::Error::Api(s) if s.code == 409),
        "{stale:?}"
    );

    // Invalid input: 422 with the field in the causes.
    let bad = hosts
        .patch(
            "node-0",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"bootMode": "BIOS"}})),
        )
        .await
        .expect_err("invalid");
    match bad {
        kube::Error::Api(s) => {
            assert_eq!(s.code, 422);
            assert!(
                s.message.contains("spec.bootMode: Unsupported value"),
                "{}",
                s.message
            );
        }
        other => panic!("{other:?}"),
    }

    let listed = hosts
        .list(&ListParams::default().labels("role=worker"))
        .await
        .expect("list");
    assert_eq!(listed.items.len(), 1);
    hosts
        .delete("node-0", &DeleteParams::default())
        .await
        .expect("deleted");
    assert!(matches!(hosts.get("node-0").await, Err(kube::Error::Api(s)) if s.code == 404));
    server.stop().await;
}

#[tokio::test]
async fn discovery_finds_our_kinds() {
    let (server, client) = server_with_crds().await;
    let discovery = kube::discovery::Discovery::new(client)
        .run()
        .await
        .expect("discovery");
    let metal3 = discovery.get("metal3.io").expect("metal3.io served");
    let kinds: Vec<String> = metal3
        .recommended_resources()
        .into_iter()
        .map(|(r, _)| r.kind)
        .collect();
    assert!(kinds.contains(&"BareMetalHost".to_owned()), "{kinds:?}");
    let infra = discovery
        .get("infrastructure.cluster.x-k8s.io")
        .expect("infrastructure served");
    assert_eq!(infra.preferred_version_or_latest(), "v1beta2");
    server.stop().await;
}

#[tokio::test]
async fn a_watcher_sees_changes() {
    let (server, client) = server_with_crds().await;
    let secrets: Api<Secret> = Api::namespaced(client.clone(), "default");
    let events = watcher(secrets.clone(), watcher::Config::default()).applied_objects();
    tokio::pin!(events);
    for i in 0..3 {
        let secret: Secret = serde_json::from_value(
            json!({"metadata": {"name": format!("s{i}")}, "stringData": {"a": "b"}}),
        )
        .expect("secret");
        secrets
            .create(&PostParams::default(), &secret)
            .await
            .expect("created");
    }
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let next = tokio::time::timeout(Duration::from_secs(10), events.try_next())
            .await
            .expect("an event in time");
        let secret = next.expect("no watch error").expect("stream continues");
        seen.push(secret.metadata.name.unwrap_or_default());
    }
    seen.sort();
    assert_eq!(seen, ["s0", "s1", "s2"]);
    server.stop().await;
}

/// Polls until `check` holds (the garbage collector acts asynchronously).
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn owner_and_dependent(
    client: &kube::Client,
    name: &str,
) -> (Api<k8s_openapi::api::core::v1::ConfigMap>, Api<Secret>) {
    let owners: Api<k8s_openapi::api::core::v1::ConfigMap> =
        Api::namespaced(client.clone(), "default");
    let secrets: Api<Secret> = Api::namespaced(client.clone(), "default");
    let owner = owners
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": name}})).expect("cm"),
        )
        .await
        .expect("owner");
    let dependent: Secret = serde_json::from_value(
        json!({"metadata": {"name": format!("{name}-dep"), "ownerReferences": [{
            "apiVersion": "v1", "kind": "ConfigMap", "name": name, "uid": owner.metadata.uid,
        }]}}),
    )
    .expect("secret");
    secrets
        .create(&PostParams::default(), &dependent)
        .await
        .expect("dependent");
    (owners, secrets)
}

#[tokio::test]
async fn garbage_collection_follows_the_propagation_policy() {
    let (server, client) = server_with_crds().await;

    let (owners, secrets) = owner_and_dependent(&client, "background").await;
    owners
        .delete("background", &DeleteParams::background())
        .await
        .expect("deleted");
    eventually("the dependent is collected", || async {
        secrets
            .get_opt("background-dep")
            .await
            .ok()
            .flatten()
            .is_none()
    })
    .await;

    let (owners, secrets) = owner_and_dependent(&client, "orphan").await;
    owners
        .delete("orphan", &DeleteParams::orphan())
        .await
        .expect("deleted");
    eventually("the owner is gone", || async {
        owners.get_opt("orphan").await.ok().flatten().is_none()
    })
    .await;
    let kept = secrets
        .get("orphan-dep")
        .await
        .expect("the dependent stays");
    assert!(
        kept.metadata
            .owner_references
            .unwrap_or_default()
            .is_empty(),
        "its reference to the owner is removed"
    );

    let (owners, secrets) = owner_and_dependent(&client, "foreground").await;
    owners
        .delete("foreground", &DeleteParams::foreground())
        .await
        .expect("deleted");
    eventually("both are gone", || async {
        owners.get_opt("foreground").await.ok().flatten().is_none()
            && secrets
                .get_opt("foreground-dep")
                .await
                .ok()
                .flatten()
                .is_none()
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn injected_faults_and_request_counts() {
    use capm3::sandbox::apiserver::hooks::{Fault, FaultAction};
    let (server, client) = server_with_crds().await;
    let hosts: Api<BareMetalHost> = Api::namespaced(client.clone(), "default");
    hosts
        .create(&PostParams::default(), &host("node-0"))
        .await
        .expect("created");
    server.api.hooks.inject(Fault {
        verb: Some("patch".into()),
        resource: Some("baremetalhosts".into()),
        probability: 1.0,
        action: FaultAction::Status(409),
        times: Some(1),
    });
    let patch = Patch::Merge(json!({"spec": {"online": false}}));
    let first = hosts
        .patch("node-0", &PatchParams::default(), &patch)
        .await
        .expect_err("injected");
    assert!(
        matches!(&first, kube::Error::Api(s) if s.code == 409 && s.reason == "Conflict"),
        "{first:?}"
    );
    hosts
        .patch("node-0", &PatchParams::default(), &patch)
        .await
        .expect("the fault is used up");
    let counts = server.api.hooks.counts();
    assert_eq!(
        counts.get(&("patch".into(), "baremetalhosts".into())),
        Some(&2)
    );
    assert_eq!(
        counts.get(&("create".into(), "baremetalhosts".into())),
        Some(&1)
    );
    server.stop().await;
}

#[tokio::test]
async fn a_watch_from_compacted_history_gets_410() {
    use kube::api::{WatchEvent, WatchParams};
    let (server, client) = server_with_crds().await;
    let secrets: Api<Secret> = Api::namespaced(client.clone(), "default");
    let first: Secret = serde_json::from_value(json!({"metadata": {"name": "a"}})).expect("secret");
    let created = secrets
        .create(&PostParams::default(), &first)
        .await
        .expect("created");
    let old_rv = created.metadata.resource_version.expect("resourceVersion");
    let second: Secret =
        serde_json::from_value(json!({"metadata": {"name": "b"}})).expect("secret");
    secrets
        .create(&PostParams::default(), &second)
        .await
        .expect("created");
    server.api.store.compact();
    let stream = secrets
        .watch(&WatchParams::default(), &old_rv)
        .await
        .expect("watch starts");
    tokio::pin!(stream);
    let event = tokio::time::timeout(Duration::from_secs(10), stream.try_next())
        .await
        .expect("in time")
        .expect("no transport error");
    match event {
        Some(WatchEvent::Error(status)) => {
            assert_eq!((status.code, status.reason.as_str()), (410, "Expired"))
        }
        other => panic!("expected a 410 error event, got {other:?}"),
    }
    server.stop().await;
}

#[tokio::test]
async fn a_watcher_recovers_from_dropped_watches_and_compaction() {
    let (server, client) = server_with_crds().await;
    let secrets: Api<Secret> = Api::namespaced(client.clone(), "default");
    let store_writer = kube::runtime::reflector::store::Writer::<Secret>::default();
    let reader = store_writer.as_reader();
    let stream = kube::runtime::reflector(
        store_writer,
        watcher(secrets.clone(), watcher::Config::default()),
    )
    .touched_objects();
    let driver = tokio::spawn(async move {
        tokio::pin!(stream);
        while stream.try_next().await.is_ok() {}
    });
    let make = |name: &str| -> Secret {
        serde_json::from_value(json!({"metadata": {"name": name}})).expect("secret")
    };
    secrets
        .create(&PostParams::default(), &make("before"))
        .await
        .expect("created");
    eventually("the cache has the first secret", || async {
        reader
            .get(&kube::runtime::reflector::ObjectRef::new("before").within("default"))
            .is_some()
    })
    .await;

    server.api.store.compact();
    server.api.hooks.drop_watches();
    secrets
        .create(&PostParams::default(), &make("after"))
        .await
        .expect("created");
    eventually(
        "the cache has the secret created after the drop",
        || async {
            reader
                .get(&kube::runtime::reflector::ObjectRef::new("after").within("default"))
                .is_some()
        },
    )
    .await;
    driver.abort();
    server.stop().await;
}

#[tokio::test]
async fn recorded_events_are_seen_as_core_events() {
    use k8s_openapi::api::core::v1::Event as CoreEvent;
    use kube::Resource;
    use kube::runtime::events::{Event, EventType, Recorder, Reporter};
    let (server, client) = server_with_crds().await;
    let hosts: Api<BareMetalHost> = Api::namespaced(client.clone(), "default");
    let created = hosts
        .create(&PostParams::default(), &host("node-0"))
        .await
        .expect("created");
    let recorder = Recorder::new(
        client.clone(),
        Reporter {
            controller: "capm3".into(),
            instance: Some("capm3-0".into()),
        },
    );
    let event = Event {
        type_: EventType::Normal,
        reason: "Registered".into(),
        note: Some("registered with Ironic".into()),
        action: "Register".into(),
        secondary: None,
    };
    recorder
        .publish(&event, &created.object_ref(&()))
        .await
        .expect("published");
    let events: Api<CoreEvent> = Api::namespaced(client.clone(), "default");
    let listed = events
        .list(&ListParams::default())
        .await
        .expect("core events");
    let seen = listed
        .items
        .iter()
        .find(|e| e.reason.as_deref() == Some("Registered"))
        .expect("the event, as a core Event");
    assert_eq!(seen.involved_object.name.as_deref(), Some("node-0"));
    assert_eq!(seen.message.as_deref(), Some("registered with Ironic"));
    server.stop().await;
}

#[tokio::test]
async fn tls_with_a_self_signed_ca() {
    let server = ApiServer::start_tls("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("server");
    assert!(server.url().starts_with("https://127.0.0.1:"));
    assert!(server.kubeconfig().contains("certificate-authority-data: "));
    let client = server.client().expect("client trusting the CA");
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client);
    let names: Vec<String> = namespaces
        .list(&ListParams::default())
        .await
        .expect("list over TLS")
        .items
        .into_iter()
        .filter_map(|n| n.metadata.name)
        .collect();
    assert!(names.contains(&"default".to_owned()));

    // A client that does not trust the CA is refused.
    let untrusting = kube::Client::try_from(kube::Config::new(server.url().parse().expect("url")))
        .expect("client");
    let refused = Api::<k8s_openapi::api::core::v1::Namespace>::all(untrusting)
        .list(&ListParams::default())
        .await;
    assert!(
        refused.is_err(),
        "an untrusted certificate must fail the handshake"
    );
    server.stop().await;
}

/// Server-side apply: a field another manager owns cannot be taken without force; this is
/// what leader election on a Lease relies on.
#[tokio::test]
async fn apply_conflicts_protect_owned_fields() {
    use k8s_openapi::api::coordination::v1::Lease;
    let (server, client) = server_with_crds().await;
    let leases: Api<Lease> = Api::namespaced(client, "default");
    let lease = |holder: &str| {
        json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "leader"},
                                      "spec": {"holderIdentity": holder, "leaseDurationSeconds": 15}})
    };
    leases
        .patch(
            "leader",
            &PatchParams::apply("candidate-a"),
            &Patch::Apply(lease("a")),
        )
        .await
        .expect("a takes it");
    let taken = leases
        .patch(
            "leader",
            &PatchParams::apply("candidate-b"),
            &Patch::Apply(lease("b")),
        )
        .await;
    match taken {
        Err(kube::Error::Api(s)) => {
            assert_eq!((s.code, s.reason.as_str()), (409, "Conflict"));
            assert_eq!(
                s.message,
                "Apply failed with 1 conflict: conflict with \"candidate-a\": .spec.holderIdentity"
            );
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    leases
        .patch(
            "leader",
            &PatchParams::apply("candidate-a"),
            &Patch::Apply(lease("a")),
        )
        .await
        .expect("the owner may reapply");
    let forced = leases
        .patch(
            "leader",
            &PatchParams::apply("candidate-b").force(),
            &Patch::Apply(lease("b")),
        )
        .await
        .expect("force takes it");
    assert_eq!(
        forced.spec.and_then(|s| s.holder_identity).as_deref(),
        Some("b")
    );
    let managers: Vec<String> = forced
        .metadata
        .managed_fields
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| m.manager)
        .collect();
    assert!(managers.contains(&"candidate-b".to_owned()), "{managers:?}");
    server.stop().await;
}

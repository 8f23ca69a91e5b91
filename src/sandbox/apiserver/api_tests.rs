use serde_json::{Value, json};

use super::*;

fn path(
    group: &str,
    version: &str,
    namespace: Option<&str>,
    resource: &str,
    name: Option<&str>,
) -> ResourcePath {
    ResourcePath {
        group: group.into(),
        version: version.into(),
        namespace: namespace.map(Into::into),
        resource: resource.into(),
        name: name.map(Into::into),
        subresource: None,
    }
}

fn crds() -> ResourcePath {
    path(
        "apiextensions.k8s.io",
        "v1",
        None,
        "customresourcedefinitions",
        None,
    )
}

fn hosts(name: Option<&str>) -> ResourcePath {
    path(
        "metal3.io",
        "v1alpha1",
        Some("default"),
        "baremetalhosts",
        name,
    )
}

async fn api_with_bmh_crd() -> Api {
    let api = Api::new(1000);
    let crd = crate::crds::metal3()
        .into_iter()
        .find(|c| c.spec.names.kind == "BareMetalHost")
        .expect("crd");
    api.create(
        &crds(),
        serde_json::to_value(crd).expect("json"),
        WriteOptions::default(),
    )
    .await
    .expect("crd created");
    api
}

fn host(name: &str, labels: Value) -> Value {
    json!({"apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
           "metadata": {"name": name, "labels": labels},
           "spec": {"online": true, "bmc": {"address": "ipmi://127.0.0.1:6230", "credentialsName": "s"}}})
}

#[tokio::test]
async fn creating_a_crd_serves_its_kind_and_deleting_it_stops() {
    let api = Api::new(1000);
    assert_eq!(
        api.list(&hosts(None), &ListOptions::default())
            .await
            .map_err(|e| e.code),
        Err(404)
    );
    let api = api_with_bmh_crd().await;
    assert!(
        api.list(&hosts(None), &ListOptions::default())
            .await
            .is_ok()
    );
    api.delete(
        &path(
            "apiextensions.k8s.io",
            "v1",
            None,
            "customresourcedefinitions",
            Some("baremetalhosts.metal3.io"),
        ),
        &json!({}),
    )
    .await
    .expect("deleted");
    assert_eq!(
        api.list(&hosts(None), &ListOptions::default())
            .await
            .map_err(|e| e.code),
        Err(404)
    );
}

#[tokio::test]
async fn custom_resources_are_pruned_defaulted_and_validated() {
    let api = api_with_bmh_crd().await;
    let mut body = host("node-0", json!({}));
    body["spec"]["unknownField"] = json!(1);
    let created = api
        .create(&hosts(None), body, WriteOptions::default())
        .await
        .expect("created");
    assert!(created["spec"].get("unknownField").is_none());
    assert_eq!(
        created["spec"]["automatedCleaningMode"], "metadata",
        "upstream's default"
    );
    assert_eq!(created["metadata"]["generation"], 1);

    let mut bad = host("node-1", json!({}));
    bad["spec"]["bootMode"] = json!("BIOS");
    let error = api
        .create(&hosts(None), bad, WriteOptions::default())
        .await
        .expect_err("invalid");
    assert_eq!(error.code, 422);
    assert_eq!(error.body["details"]["causes"][0]["field"], "spec.bootMode");
    assert_eq!(
        api.create(
            &hosts(None),
            host("node-0", json!({})),
            WriteOptions::default()
        )
        .await
        .map_err(|e| e.code),
        Err(409),
        "already exists"
    );
}

#[tokio::test]
async fn objects_need_an_existing_namespace_and_may_generate_names() {
    let api = api_with_bmh_crd().await;
    let missing = path(
        "metal3.io",
        "v1alpha1",
        Some("nowhere"),
        "baremetalhosts",
        None,
    );
    assert_eq!(
        api.create(&missing, host("h", json!({})), WriteOptions::default())
            .await
            .map_err(|e| e.code),
        Err(404)
    );
    let mut body = host("", json!({}));
    body["metadata"] = json!({"generateName": "node-"});
    let created = api
        .create(&hosts(None), body, WriteOptions::default())
        .await
        .expect("created");
    assert!(
        created["metadata"]["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("node-") && n.len() == 10)
    );
}

#[tokio::test]
async fn list_filters_by_labels_and_pages_with_continue() {
    let api = api_with_bmh_crd().await;
    for i in 0..5 {
        let role = if i % 2 == 0 {
            "worker"
        } else {
            "control-plane"
        };
        api.create(
            &hosts(None),
            host(&format!("node-{i}"), json!({"role": role})),
            WriteOptions::default(),
        )
        .await
        .expect("created");
    }
    let workers = api
        .list(
            &hosts(None),
            &ListOptions {
                label_selector: Some("role=worker".into()),
                ..Default::default()
            },
        )
        .await
        .expect("list");
    let names: Vec<&str> = workers["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["metadata"]["name"].as_str())
        .collect();
    assert_eq!(names, ["node-0", "node-2", "node-4"]);
    assert_eq!(workers["kind"], "BareMetalHostList");

    let mut seen = Vec::new();
    let mut options = ListOptions {
        limit: Some(2),
        ..Default::default()
    };
    loop {
        let page = api.list(&hosts(None), &options).await.expect("page");
        seen.extend(
            page["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| i["metadata"]["name"].as_str().map(str::to_owned)),
        );
        match page["metadata"]["continue"].as_str() {
            Some(token) => options.continue_token = Some(token.into()),
            None => break,
        }
    }
    assert_eq!(seen, ["node-0", "node-1", "node-2", "node-3", "node-4"]);
}

#[tokio::test]
async fn updates_conflict_on_stale_versions_and_status_is_split() {
    let api = api_with_bmh_crd().await;
    let created = api
        .create(
            &hosts(None),
            host("node-0", json!({})),
            WriteOptions::default(),
        )
        .await
        .expect("created");

    let mut with_status = created.clone();
    with_status["status"] = json!({"operationalStatus": "OK"});
    with_status["spec"]["online"] = json!(false);
    let updated = api
        .update(
            &hosts(Some("node-0")),
            with_status.clone(),
            WriteOptions::default(),
        )
        .await
        .expect("updated");
    assert!(
        updated.get("status").is_none(),
        "status is written only through /status"
    );
    assert_eq!(updated["metadata"]["generation"], 2);

    let stale = api
        .update(
            &hosts(Some("node-0")),
            with_status.clone(),
            WriteOptions::default(),
        )
        .await
        .expect_err("stale");
    assert_eq!((stale.code, stale.reason()), (409, "Conflict"));

    let mut status_path = hosts(Some("node-0"));
    status_path.subresource = Some("status".into());
    let mut status_write = updated.clone();
    status_write["status"] = json!({"operationalStatus": "OK", "errorCount": 0, "errorMessage": "", "poweredOn": false,
        "provisioningFailCount": 0, "provisioning": {"ID": "", "state": "registering"}});
    let written = api
        .update(&status_path, status_write, WriteOptions::default())
        .await
        .expect("status written");
    assert_eq!(written["status"]["operationalStatus"], "OK");
    assert_eq!(
        written["metadata"]["generation"], 2,
        "status writes do not bump generation"
    );
}

#[tokio::test]
async fn delete_waits_for_finalizers() {
    let api = api_with_bmh_crd().await;
    let mut body = host("node-0", json!({}));
    body["metadata"]["finalizers"] = json!(["baremetalhost.metal3.io"]);
    api.create(&hosts(None), body, WriteOptions::default())
        .await
        .expect("created");
    let marked = api
        .delete(&hosts(Some("node-0")), &json!({}))
        .await
        .expect("marked");
    assert!(marked["metadata"]["deletionTimestamp"].is_string());
    let mut release = api.get(&hosts(Some("node-0"))).await.expect("still there");
    release["metadata"]["finalizers"] = json!([]);
    api.update(&hosts(Some("node-0")), release, WriteOptions::default())
        .await
        .expect("released");
    assert_eq!(
        api.get(&hosts(Some("node-0"))).await.map_err(|e| e.code),
        Err(404)
    );
}

#[tokio::test]
async fn patches_merge_test_and_apply() {
    let api = api_with_bmh_crd().await;
    api.create(
        &hosts(None),
        host("node-0", json!({"a": "1"})),
        WriteOptions::default(),
    )
    .await
    .expect("created");
    let merged = api
        .patch(
            &hosts(Some("node-0")),
            PatchType::Merge,
            &json!({"metadata": {"labels": {"a": null, "b": "2"}}}),
            WriteOptions::default(),
        )
        .await
        .expect("merged");
    assert_eq!(merged["metadata"]["labels"], json!({"b": "2"}));
    let failed = api
        .patch(
            &hosts(Some("node-0")),
            PatchType::Json,
            &json!([{"op": "test", "path": "/spec/online", "value": false}]),
            WriteOptions::default(),
        )
        .await
        .expect_err("test fails");
    assert_eq!(failed.code, 422);
    let invalid = api
        .patch(
            &hosts(Some("node-0")),
            PatchType::Merge,
            &json!({"spec": {"bootMode": "BIOS"}}),
            WriteOptions::default(),
        )
        .await
        .expect_err("invalid");
    assert_eq!(invalid.code, 422);
    let applied = api
        .patch(
            &hosts(Some("node-9")),
            PatchType::Apply,
            &host("node-9", json!({})),
            WriteOptions::default(),
        )
        .await
        .expect("created by apply");
    assert_eq!(applied["metadata"]["name"], "node-9");
    assert_eq!(
        api.patch(
            &hosts(Some("missing")),
            PatchType::Merge,
            &json!({}),
            WriteOptions::default()
        )
        .await
        .map_err(|e| e.code),
        Err(404)
    );
}

#[tokio::test]
async fn strict_field_validation_refuses_unknown_fields() {
    let api = api_with_bmh_crd().await;
    let mut body = host("node-0", json!({}));
    body["spec"]["onlin"] = json!(true);
    let strict = WriteOptions {
        strict_fields: true,
        ..WriteOptions::default()
    };
    let error = api
        .create(&hosts(None), body.clone(), strict)
        .await
        .expect_err("strict");
    assert_eq!(error.code, 400);
    assert_eq!(
        error.body["message"],
        "BareMetalHost in version \"v1alpha1\" cannot be handled as a BareMetalHost: strict decoding error: unknown field \"spec.onlin\""
    );
    let created = api
        .create(&hosts(None), body, WriteOptions::default())
        .await
        .expect("dropped, not refused");
    assert!(created["spec"].get("onlin").is_none());
}

#[tokio::test]
async fn dry_run_admits_but_stores_nothing() {
    let api = api_with_bmh_crd().await;
    let dry = WriteOptions {
        dry_run: true,
        ..WriteOptions::default()
    };
    let answer = api
        .create(&hosts(None), host("node-0", json!({})), dry.clone())
        .await
        .expect("admitted");
    assert_eq!(answer["spec"]["automatedCleaningMode"], "metadata");
    assert_eq!(
        api.get(&hosts(Some("node-0"))).await.map_err(|e| e.code),
        Err(404)
    );
    let mut bad = host("node-1", json!({}));
    bad["spec"]["bootMode"] = json!("BIOS");
    assert_eq!(
        api.create(&hosts(None), bad, dry.clone())
            .await
            .map_err(|e| e.code),
        Err(422),
        "still validated"
    );

    api.create(
        &hosts(None),
        host("node-0", json!({})),
        WriteOptions::default(),
    )
    .await
    .expect("created");
    let revision = api.store.revision();
    api.patch(
        &hosts(Some("node-0")),
        PatchType::Merge,
        &json!({"spec": {"online": false}}),
        dry,
    )
    .await
    .expect("admitted");
    api.delete(&hosts(Some("node-0")), &json!({"dryRun": ["All"]}))
        .await
        .expect("admitted");
    assert_eq!(api.store.revision(), revision, "nothing written");
    assert_eq!(
        api.get(&hosts(Some("node-0"))).await.expect("still there")["spec"]["online"],
        true
    );
}

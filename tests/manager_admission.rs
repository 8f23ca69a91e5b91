//! capm3's admission webhooks, called by the embedded API server with webhook configurations
//! registered as upstream's manifests register them.

mod common;

use kube::api::{Api, ApiResource, DynamicObject, PostParams};
use serde_json::{Value, json};

fn api(client: &kube::Client, api_version: &str, kind: &str) -> Api<DynamicObject> {
    let (group, version) = api_version.split_once('/').expect("group/version");
    let resource = ApiResource {
        group: group.into(),
        version: version.into(),
        api_version: api_version.into(),
        kind: kind.into(),
        plural: format!("{}s", kind.to_lowercase()),
    };
    Api::namespaced_with(client.clone(), "default", &resource)
}

async fn create(client: &kube::Client, object: Value) -> Result<Value, kube::Error> {
    let api_version = object["apiVersion"]
        .as_str()
        .expect("apiVersion")
        .to_owned();
    let kind = object["kind"].as_str().expect("kind").to_owned();
    let created = api(client, &api_version, &kind)
        .create(
            &PostParams::default(),
            &serde_json::from_value(object).expect("object"),
        )
        .await?;
    Ok(serde_json::to_value(created).expect("json"))
}

#[tokio::test]
async fn defaults_are_applied_and_invalid_objects_rejected_with_upstreams_messages() {
    let server = common::server_with_admission_webhooks().await;
    let client = server.client().expect("client");

    // The mutating webhook fills in upstream's defaults, also for v1beta1 requests.
    // (v1beta1's schema requires the port, so a v1beta1 client sends 0.)
    for (name, api_version, endpoint) in [
        (
            "v1beta2-cluster",
            "infrastructure.cluster.x-k8s.io/v1beta2",
            json!({"host": "127.0.0.1"}),
        ),
        (
            "v1beta1-cluster",
            "infrastructure.cluster.x-k8s.io/v1beta1",
            json!({"host": "127.0.0.1", "port": 0}),
        ),
    ] {
        create(
            &client,
            json!({"apiVersion": api_version, "kind": "Metal3Cluster",
            "metadata": {"name": name}, "spec": {"controlPlaneEndpoint": endpoint}}),
        )
        .await
        .expect("cluster created");
        let stored = api(
            &client,
            "infrastructure.cluster.x-k8s.io/v1beta2",
            "Metal3Cluster",
        )
        .get(name)
        .await
        .expect("cluster");
        let spec = &stored.data["spec"];
        assert_eq!(spec["controlPlaneEndpoint"]["port"], 6443, "{name}: {spec}");
        assert_eq!(spec["cloudProviderEnabled"], false, "{name}: {spec}");
    }

    let template = create(
        &client,
        json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2",
        "kind": "Metal3RemediationTemplate", "metadata": {"name": "reboot"},
        "spec": {"template": {"spec": {"strategy": {"retryLimit": 3}}}}}),
    )
    .await
    .expect("template created");
    assert_eq!(
        template["spec"]["template"]["spec"]["strategy"],
        json!({"type": "Reboot", "retryLimit": 3, "timeoutSeconds": 600})
    );

    // The validating webhook refuses what the schema cannot see.
    let error = create(
        &client,
        json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2",
        "kind": "Metal3Machine", "metadata": {"name": "worker-0"},
        "spec": {"image": {"url": "http://127.0.0.1/image.qcow2", "checksum": "abc"},
                 "userData": {"name": "user-data", "namespace": "kube-system"}}}),
    )
    .await
    .expect_err("cross-namespace user data is refused");
    let kube::Error::Api(status) = error else {
        panic!("not an API error: {error}");
    };
    assert_eq!(status.code, 422);
    assert_eq!(
        status.message,
        "admission webhook \"validation.metal3machine.infrastructure.cluster.x-k8s.io\" denied the request: \
         Metal3Machine.infrastructure.cluster.x-k8s.io \"worker-0\" is invalid: \
         spec.userData.namespace: Forbidden: cross-namespace secret references are not allowed"
    );

    // Valid objects of every kind pass their validating webhook.
    create(
        &client,
        json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2",
        "kind": "Metal3Machine", "metadata": {"name": "worker-1"},
        "spec": {"image": {"url": "http://127.0.0.1/image.qcow2", "checksum": "abc"},
                 "userData": {"name": "user-data", "namespace": "default"}}}),
    )
    .await
    .expect("same-namespace user data is fine");
    create(
        &client,
        json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2",
        "kind": "Metal3DataClaim", "metadata": {"name": "claim"},
        "spec": {"template": {"name": "workers"}}}),
    )
    .await
    .expect("claim created");
}

#[tokio::test]
async fn baremetalhosts_are_checked_as_upstreams_webhook_checks_them() {
    let server = common::server_with_admission_webhooks().await;
    let client = server.client().expect("client");
    let host = |name: &str, address: &str| {
        json!({"apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
        "metadata": {"name": name},
        "spec": {"online": true, "bmc": {"address": address, "credentialsName": "bmc"},
                 "userData": {"name": "user-data", "namespace": "kube-system"}}})
    };

    // Every broken rule is reported at once, as upstream aggregates them.
    let error = create(&client, host("worker-0", "foo://127.0.0.1"))
        .await
        .expect_err("refused");
    let kube::Error::Api(status) = error else {
        panic!("not an API error: {error}");
    };
    assert_eq!(status.code, 403);
    assert_eq!(
        status.message,
        "admission webhook \"validation.baremetalhost.metal3.io\" denied the request: \
         [Unknown BMC type 'foo' for address foo://127.0.0.1, \
         baremetalhosts.metal3.io \"worker-0\" is forbidden: userData: cross-namespace Secret references are not allowed]"
    );

    // A valid host is stored; on update, the boot MAC is then fixed.
    let mut valid = host("worker-1", "redfish://127.0.0.1:8000/redfish/v1/Systems/1");
    valid["spec"]["userData"]["namespace"] = json!("default");
    valid["spec"]["bootMACAddress"] = json!("00:11:22:33:44:55");
    create(&client, valid).await.expect("valid host created");
    let hosts = api(&client, "metal3.io/v1alpha1", "BareMetalHost");
    let mut stored = hosts.get("worker-1").await.expect("stored");
    stored.data["spec"]["bootMACAddress"] = json!("00:11:22:33:44:66");
    let error = hosts
        .replace("worker-1", &PostParams::default(), &stored)
        .await
        .expect_err("MAC change refused");
    assert!(
        error
            .to_string()
            .contains("bootMACAddress can not be changed once it is set"),
        "{error}"
    );
}

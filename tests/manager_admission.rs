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
        plural: plural(kind),
    };
    Api::namespaced_with(client.clone(), "default", &resource)
}

/// The plural of the kinds used here (`ipaddresses`, `metal3datas`).
fn plural(kind: &str) -> String {
    let lower = kind.to_lowercase();
    if lower.ends_with('s') {
        format!("{lower}es")
    } else {
        format!("{lower}s")
    }
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
        "admission webhook \"baremetalhost.metal3.io\" denied the request: \
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

/// The status of a refused request.
fn refusal<T: std::fmt::Debug>(result: Result<T, kube::Error>) -> (u16, String) {
    match result {
        Err(kube::Error::Api(status)) => (status.code, status.message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

const IPAM: &str = "ipam.metal3.io/v1alpha1";

fn ippool(name: &str, spec: Value) -> Value {
    json!({"apiVersion": IPAM, "kind": "IPPool", "metadata": {"name": name}, "spec": spec})
}

#[tokio::test]
async fn ip_pools_are_checked_as_upstreams_webhook_checks_them() {
    let server = common::server_with_admission_webhooks().await;
    let client = server.client().expect("client");
    let pools = Api::<capm3::api::ipam::v1alpha1::IPPool>::namespaced(client.clone(), "default");

    // IPAM-51: the schema's default, so no mutating webhook is needed.
    create(
        &client,
        ippool(
            "pool",
            json!({"namePrefix": "pool", "pools": [{"subnet": "10.0.0.0/24"}]}),
        ),
    )
    .await
    .expect("valid pool");
    let stored = pools.get("pool").await.expect("pool");
    assert_eq!(
        stored.spec.allocation_strategy,
        Some(capm3::api::ipam::v1alpha1::AllocationStrategy::Sequential)
    );

    // IPAM-53, IPAM-55: refused with upstream's messages, every broken rule at once.
    let (code, message) = refusal(
        create(
            &client,
            ippool(
                "bad",
                json!({"namePrefix": "bad", "allocationStrategy": "random",
                       "pools": [{}, {"start": "10.0.1.20", "end": "10.0.1.10"}, {"start": "10.0.2.1"}],
                       "preAllocations": {"a": "10.0.0.1"}}),
            ),
        )
        .await,
    );
    assert_eq!(code, 422);
    assert_eq!(
        message,
        "admission webhook \"validation.ippool.ipam.metal3.io\" denied the request: \
         IPPool.ipam.metal3.io \"bad\" is invalid: [\
         spec.pools[0]: Invalid value: \"\": pool entry must specify at least one of start, end, or subnet, \
         spec.pools[1]: Invalid value: \"\": end IP 10.0.1.10 is before start IP 10.0.1.20, \
         spec.pools[2]: Invalid value: \"\": cannot be used with allocationStrategy \"random\": pool with Start requires End or Subnet to determine size, \
         spec.preAllocations: Invalid value: \"10.0.0.1\": is out of bonds of the pools given]"
    );

    // IPAM-55: unparsable addresses are the schema's to refuse, before any webhook.
    let (code, message) = refusal(
        create(
            &client,
            ippool(
                "unparsable",
                json!({"namePrefix": "u", "gateway": "10.0.0.300", "pools": [{"subnet": "10.0.0.0/24"}]}),
            ),
        )
        .await,
    );
    assert_eq!(code, 422);
    assert!(
        message.contains("spec.gateway") && !message.contains("admission webhook"),
        "{message}"
    );

    // IPAM-52, IPAM-54: on update the prefix stays and addresses in use stay inside the pools.
    pools
        .patch_status(
            "pool",
            &kube::api::PatchParams::default(),
            &kube::api::Patch::Merge(json!({"status": {"indexes": {"claim-a": "10.0.0.200"}}})),
        )
        .await
        .expect("status written");
    let mut changed = pools.get("pool").await.expect("pool");
    changed.spec.name_prefix = "other".into();
    changed.spec.pools = Some(
        serde_json::from_value(json!([{"start": "10.0.0.1", "end": "10.0.0.100"}]))
            .expect("entries"),
    );
    let (code, message) = refusal(
        pools
            .replace("pool", &PostParams::default(), &changed)
            .await,
    );
    assert_eq!(code, 422);
    assert_eq!(
        message,
        "admission webhook \"validation.ippool.ipam.metal3.io\" denied the request: \
         IPPool.ipam.metal3.io \"pool\" is invalid: [\
         spec.namePrefix: Invalid value: \"other\": cannot be modified, \
         spec.pools: Invalid value: \"10.0.0.200\": is in use but out of bounds of the pools given]"
    );
}

#[tokio::test]
async fn ip_claims_and_addresses_keep_their_references() {
    let server = common::server_with_admission_webhooks().await;
    let client = server.client().expect("client");
    let claim = |name: &str, pool: Value| {
        json!({"apiVersion": IPAM, "kind": "IPClaim", "metadata": {"name": name},
               "spec": {"pool": pool}})
    };

    // IPAM-56
    let mut unnamed = claim("unnamed", json!({"kind": "IPPool"}));
    unnamed["metadata"]["annotations"] = json!({"ipAddress": "10.0.0.300"});
    let (code, message) = refusal(create(&client, unnamed).await);
    assert_eq!(code, 422);
    assert_eq!(
        message,
        "admission webhook \"validation.ipclaim.ipam.metal3.io\" denied the request: \
         IPClaim.ipam.metal3.io \"unnamed\" is invalid: [\
         spec.pool.name: Invalid value: \"\": cannot be empty, \
         metadata.annotations.ipAddress: Invalid value: \"10.0.0.300\": is not a valid IP address]"
    );
    create(&client, claim("claim", json!({"name": "pool"})))
        .await
        .expect("valid claim");
    let claims = Api::<capm3::api::ipam::v1alpha1::IPClaim>::namespaced(client.clone(), "default");
    let mut moved = claims.get("claim").await.expect("claim");
    moved.spec.pool.name = Some("other".into());
    let (_, message) = refusal(
        claims
            .replace("claim", &PostParams::default(), &moved)
            .await,
    );
    assert!(
        message.ends_with(
            "spec.pool: Invalid value: v1.ObjectReference{Kind:\"\", Namespace:\"\", Name:\"other\", \
             UID:\"\", APIVersion:\"\", ResourceVersion:\"\", FieldPath:\"\"}: cannot be modified"
        ),
        "{message}"
    );

    // IPAM-57
    let address = |name: &str, address: &str, claim: &str| {
        json!({"apiVersion": IPAM, "kind": "IPAddress", "metadata": {"name": name},
               "spec": {"address": address, "pool": {"name": "pool"}, "claim": {"name": claim}}})
    };
    let (_, message) = refusal(create(&client, address("no-claim", "10.0.0.1", "")).await);
    assert!(
        message.ends_with(
            "IPAddress.ipam.metal3.io \"no-claim\" is invalid: spec.claim.name: Invalid value: \"\": cannot be empty"
        ),
        "{message}"
    );
    let (code, message) = refusal(create(&client, address("empty", "", "claim")).await);
    assert!(
        code == 422 && message.contains("spec.address") && !message.contains("admission webhook"),
        "the schema refuses an empty address: {message}"
    );
    create(&client, address("pool-10-0-0-1", "10.0.0.1", "claim"))
        .await
        .expect("valid address");
    let addresses = api(&client, IPAM, "IPAddress");
    let mut readdressed = addresses.get("pool-10-0-0-1").await.expect("address");
    readdressed.data["spec"]["address"] = json!("10.0.0.2");
    let (_, message) = refusal(
        addresses
            .replace("pool-10-0-0-1", &PostParams::default(), &readdressed)
            .await,
    );
    assert!(
        message.ends_with("spec.address: Invalid value: \"10.0.0.2\": cannot be modified"),
        "{message}"
    );
}

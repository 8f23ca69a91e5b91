//! The Metal3DataTemplate and Metal3Data controllers against the embedded API server, over real
//! HTTP with kube-rs, with the bundled IP address manager allocating: indexes handed out to
//! 100 claims at once and freed again, rendered Secrets with allocated addresses, their
//! release, CAPI IPAddressClaims for other pool kinds, and two controller instances at once.

mod common;

use common::objects::Objects;

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use capm3::api::capi::{self, IPAddressClaim};
use capm3::api::capm3::v1beta2::{Metal3Data, Metal3DataClaim, Metal3DataTemplate, Metal3Machine};
use capm3::api::ipam::v1alpha1::{IPAddress, IPClaim, IPPool};
use capm3::capm3::data_controllers::{self, Settings};
use capm3::manager::caches::Scope;
use capm3::metrics::Metrics;
use capm3::sandbox::apiserver::ApiServer;
use k8s_openapi::api::core::v1::Secret;
use kube::ResourceExt;
use serde_json::{Value, json};
use tokio::sync::watch;

const NS: &str = "default";
const DATA_FINALIZER: &str = "metal3data.infrastructure.cluster.x-k8s.io";
const CLAIM_FINALIZER: &str = "metal3dataclaim.infrastructure.cluster.x-k8s.io";

/// An API server with the Metal3 and CAPI CRDs, and controllers running against it.
struct Env {
    server: ApiServer,
    objects: Objects,
    stop: watch::Sender<bool>,
    /// Keeps every controller leading.
    leader: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// The typed object helpers every test uses through `env`.
impl std::ops::Deref for Env {
    type Target = Objects;

    fn deref(&self) -> &Objects {
        &self.objects
    }
}

impl Env {
    async fn start() -> Env {
        let server = common::server_with_all_crds().await;
        let client = server.client().expect("client");
        Env {
            server,
            objects: Objects::new(client, NS),
            stop: watch::channel(false).0,
            leader: watch::channel(true).0,
            tasks: Vec::new(),
        }
    }

    fn shutdown(&self) -> impl Future<Output = ()> + Send + Sync + 'static {
        let mut stopping = self.stop.subscribe();
        async move {
            let _ = stopping.changed().await;
        }
    }

    /// Starts one more instance of the data controllers, with its own client.
    fn data_controllers(&mut self, preallocation: bool) {
        let client = self.server.client().expect("client");
        let (leading, shutdown) = (self.leader.subscribe(), self.shutdown());
        let settings = Settings {
            metal3datatemplate_concurrency: 4,
            metal3data_concurrency: 4,
            enable_bmh_name_based_preallocation: preallocation,
        };
        self.tasks.push(tokio::spawn(async move {
            let metrics = Arc::new(Metrics::new());
            data_controllers::run(
                client,
                &Scope::default(),
                settings,
                metrics,
                leading,
                shutdown,
            )
            .await;
        }));
    }

    /// Starts the IP address manager, which serves the IPClaims the Metal3Datas make.
    fn ipam(&mut self) {
        let client = self.server.client().expect("client");
        let (leading, shutdown) = (self.leader.subscribe(), self.shutdown());
        self.tasks.push(tokio::spawn(async move {
            capm3::ipam::controller::run(client, &Scope::default(), 4, leading, shutdown).await;
        }));
    }

    async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
        self.server.stop().await;
    }

    async fn template(&self, name: &str, spec: Value) -> Metal3DataTemplate {
        self.create(json!({
            "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3DataTemplate",
            "metadata": {"name": name}, "spec": spec}))
            .await
    }

    async fn cluster(&self) {
        self.create::<capi::Cluster>(json!({
            "apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Cluster",
            "metadata": {"name": "test1"}, "spec": {}}))
            .await;
    }

    async fn pool(&self, name: &str) -> IPPool {
        self.create(json!({
            "apiVersion": "ipam.metal3.io/v1alpha1", "kind": "IPPool",
            "metadata": {"name": name},
            "spec": {"namePrefix": name,
                     "pools": [{"start": "192.168.10.10", "end": "192.168.10.20"}],
                     "prefix": 24, "gateway": "192.168.10.1", "dnsServers": ["192.168.10.2"]}}))
            .await
    }

    /// A Metal3Machine `name` using `template`, owned by the Machine `name` of Cluster `test1`
    /// and associated with the BareMetalHost `host`.
    async fn metal3_machine(&self, name: &str, template: &str, host: &str) -> Metal3Machine {
        self.create::<capi::Machine>(json!({
            "apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Machine",
            "metadata": {"name": name, "labels": {"cluster.x-k8s.io/cluster-name": "test1"}},
            "spec": {"clusterName": "test1", "bootstrap": {"dataSecretName": "bootstrap"},
                     "infrastructureRef": {"apiGroup": "infrastructure.cluster.x-k8s.io",
                                           "kind": "Metal3Machine", "name": name}}}))
            .await;
        let machine: capi::Machine = self.get(name).await.expect("machine");
        self.create::<capm3::api::bmo::v1alpha1::BareMetalHost>(json!({
            "apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
            "metadata": {"name": host},
            "spec": {"online": false, "bootMACAddress": "00:1a:2b:3c:4d:5e"}}))
            .await;
        self.create(json!({
            "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3Machine",
            "metadata": {"name": name,
                         "labels": {"cluster.x-k8s.io/cluster-name": "test1"},
                         "annotations": {"metal3.io/BareMetalHost": format!("{NS}/{host}")},
                         "ownerReferences": [{"apiVersion": "cluster.x-k8s.io/v1beta2",
                                              "kind": "Machine", "name": name,
                                              "uid": machine.uid().expect("uid")}]},
            "spec": {"image": {"url": "http://127.0.0.1/image.qcow2", "checksum": "abc",
                               "checksumType": "sha256", "diskFormat": "qcow2"},
                     "dataTemplate": {"name": template}}}))
            .await
    }

    /// The Metal3DataClaim `name` of `owner` for `template`, labelled like its Metal3Machine.
    async fn claim(&self, name: &str, template: &str, owner: &Metal3Machine) -> Metal3DataClaim {
        self.create(json!({
            "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3DataClaim",
            "metadata": {"name": name, "labels": owner.labels(),
                         "ownerReferences": [{"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2",
                                              "kind": "Metal3Machine", "name": owner.name_any(),
                                              "uid": owner.uid().expect("uid"),
                                              "controller": true}]},
            "spec": {"template": {"name": template}}}))
        .await
    }

    /// The Metal3Data the claim was given (DT-04).
    async fn rendered(&self, claim: &str) -> String {
        common::eventually(&format!("claim {claim} rendered"), || async {
            let claim: Metal3DataClaim = self.get(claim).await?;
            claim.status?.rendered_data?.name
        })
        .await
    }

    async fn ready(&self, data: &str) -> Metal3Data {
        common::eventually(&format!("Metal3Data {data} ready"), || async {
            let data: Metal3Data = self.get(data).await?;
            (data.status.as_ref()?.ready == Some(true)).then_some(data)
        })
        .await
    }

    /// The YAML document under `key` of Secret `name`, parsed.
    async fn document(&self, name: &str, key: &str) -> Value {
        let secret: Secret = self.get(name).await.expect("secret");
        let bytes = &secret.data.expect("data")[key].0;
        serde_norway::from_slice(bytes).expect("YAML")
    }

    /// The index of every claim's Metal3Data, checking that each names its claim.
    async fn indexes(&self, claims: &[String]) -> BTreeMap<String, i32> {
        let mut indexes = BTreeMap::new();
        for claim in claims {
            let name = self.rendered(claim).await;
            let data: Metal3Data = self.get(&name).await.expect("data");
            assert_eq!(data.spec.claim.and_then(|c| c.name).as_ref(), Some(claim));
            let index = data.spec.index.expect("index");
            assert_eq!(name, format!("t-{index}"));
            indexes.insert(claim.clone(), index);
        }
        indexes
    }
}

/// Creates `count` claims `c-<i>` of one Metal3Machine for template `t`, all at once.
async fn claims(env: &Env, owner: &Metal3Machine, names: &[String]) {
    futures::future::join_all(names.iter().map(|name| env.claim(name, "t", owner))).await;
}

fn names(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("c-{i}")).collect()
}

/// A Metal3Machine whose Cluster does not exist: its Metal3Datas are only indexed, not rendered.
async fn unrendered_owner(env: &Env) -> Metal3Machine {
    env.create(json!({
        "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3Machine",
        "metadata": {"name": "owner"},
        "spec": {"image": {"url": "http://127.0.0.1/image.qcow2", "checksum": "abc",
                           "checksumType": "sha256", "diskFormat": "qcow2"},
                 "dataTemplate": {"name": "t"}}}))
        .await
}

/// DT-01…DT-05, DT-07: 100 claims at once get indexes 0–99, each once; a deleted claim's index
/// is handed out again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_claims_get_distinct_indexes_and_freed_ones_are_reused() {
    let mut env = Env::start().await;
    env.data_controllers(false);
    env.template(
        "t",
        json!({"metaData": {"strings": [{"key": "k", "value": "v"}]}}),
    )
    .await;
    let owner = unrendered_owner(&env).await;
    let first = names(0..100);
    claims(&env, &owner, &first).await;
    let indexes = env.indexes(&first).await;
    let distinct: BTreeSet<i32> = indexes.values().copied().collect();
    assert_eq!(distinct, (0..100).collect::<BTreeSet<i32>>());
    // DT-01: both finalizers.
    let template: Metal3DataTemplate = env.get("t").await.expect("template");
    assert_eq!(
        template.finalizers(),
        ["metal3datatemplate.infrastructure.cluster.x-k8s.io"]
    );
    let claim: Metal3DataClaim = env.get("c-0").await.expect("claim");
    assert!(claim.finalizers().iter().any(|f| f == CLAIM_FINALIZER));
    // DT-02: owners, finalizer and labels of a Metal3Data.
    let data: Metal3Data = env.get("t-0").await.expect("data");
    assert_eq!(data.finalizers(), [CLAIM_FINALIZER]);
    let owners: Vec<(&str, bool)> = data
        .owner_references()
        .iter()
        .map(|o| (o.kind.as_str(), o.controller == Some(true)))
        .collect();
    assert_eq!(
        owners,
        [("Metal3DataClaim", true), ("Metal3Machine", false)]
    );
    // DT-05
    let listed = common::eventually("status.indexes lists 100 claims", || async {
        let template: Metal3DataTemplate = env.get("t").await?;
        let indexes = template.status?.indexes?;
        (indexes.len() == 100).then_some(indexes)
    })
    .await;
    assert!(listed.windows(2).all(|w| w[0].index < w[1].index));
    assert!(
        listed
            .iter()
            .all(|entry| indexes.get(&entry.name) == Some(&entry.index))
    );

    // DT-07, DT-03: deleting the claim holding 37 frees 37 for the next claim.
    let holder = indexes
        .iter()
        .find(|(_, index)| **index == 37)
        .map(|(claim, _)| claim.clone())
        .expect("index 37");
    env.delete::<Metal3DataClaim>(&holder).await;
    env.gone::<Metal3Data>("t-37").await;
    env.gone::<Metal3DataClaim>(&holder).await;
    common::eventually("status.indexes without the deleted claim", || async {
        let template: Metal3DataTemplate = env.get("t").await?;
        let indexes = template.status?.indexes?;
        (indexes.len() == 99 && indexes.iter().all(|e| e.name != holder)).then_some(())
    })
    .await;
    env.claim("c-100", "t", &owner).await;
    assert_eq!(env.rendered("c-100").await, "t-37");
    env.claim("c-101", "t", &owner).await;
    assert_eq!(env.rendered("c-101").await, "t-100");
    env.stop().await;
}

/// Two controller instances at once — a leader handover's overlap — never give one index to
/// two claims, and each claim ends up with exactly one Metal3Data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_never_hand_out_one_index_twice() {
    let mut env = Env::start().await;
    env.data_controllers(false);
    env.data_controllers(false);
    env.template(
        "t",
        json!({"metaData": {"strings": [{"key": "k", "value": "v"}]}}),
    )
    .await;
    let owner = unrendered_owner(&env).await;
    let all = names(0..60);
    claims(&env, &owner, &all).await;
    let indexes = env.indexes(&all).await;
    let distinct: BTreeSet<i32> = indexes.values().copied().collect();
    assert_eq!(distinct.len(), 60, "one index per claim: {indexes:?}");
    // A Metal3Data one instance made for a claim the other served first is discarded.
    common::eventually("one Metal3Data per claim", || async {
        let datas = env.list::<Metal3Data>().await;
        (datas.len() == 60).then_some(())
    })
    .await;
    env.stop().await;
}

/// The template every rendering test uses: addresses, prefix and gateway from `pool` in both
/// documents.
fn rendering_template() -> Value {
    json!({
        "metaData": {
            "ipAddressesFromPool": [{"key": "ip", "name": "pool"}],
            "prefixesFromPool": [{"key": "prefix", "name": "pool"}],
            "gatewaysFromPool": [{"key": "gateway", "name": "pool"}],
            "indexes": [{"key": "index", "prefix": "node-"}],
            "objectNames": [{"key": "machine", "object": "machine"}],
        },
        "networkData": {
            "links": {"ethernets": [{"type": "phy", "id": "eth0",
                                     "macAddress": {"string": "00:1a:2b:3c:4d:5e"}}]},
            "networks": {"ipv4": [{"id": "provisioning", "link": "eth0",
                                   "ipAddressFromIPPool": "pool",
                                   "routes": [{"network": "0.0.0.0", "prefix": 0,
                                               "gateway": {"fromIPPool": "pool"}}]}]},
            "services": {"dnsFromIPPool": "pool"},
        },
    })
}

/// MD-01…MD-04, MD-19, IP-01, IP-04, IP-10, DT-07: a Metal3Data claims an address, renders
/// both Secrets with it, never rewrites them, and on deletion releases the address and takes
/// the Secrets with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renders_secrets_with_allocated_addresses_and_releases_them() {
    let mut env = Env::start().await;
    env.ipam();
    env.data_controllers(false);
    env.cluster().await;
    env.pool("pool").await;
    env.template("t", rendering_template()).await;
    let m3m = env.metal3_machine("m0", "t", "host0").await;
    env.claim("m0", "t", &m3m).await;
    assert_eq!(env.rendered("m0").await, "t-0");
    let data = env.ready("t-0").await;
    // MD-01
    assert!(data.finalizers().iter().any(|f| f == DATA_FINALIZER));
    // MD-02: names recorded on the Metal3Data, the Secrets' type, label and owner.
    assert_eq!(
        data.spec.meta_data.and_then(|s| s.name).as_deref(),
        Some("m0-metadata")
    );
    assert_eq!(
        data.spec.network_data.and_then(|s| s.name).as_deref(),
        Some("m0-networkdata")
    );
    let secret: Secret = env.get("m0-metadata").await.expect("metadata Secret");
    assert_eq!(
        secret.type_.as_deref(),
        Some("infrastructure.cluster.x-k8s.io/secret")
    );
    assert_eq!(
        secret
            .labels()
            .get("cluster.x-k8s.io/cluster-name")
            .map(String::as_str),
        Some("test1")
    );
    assert_eq!(secret.owner_references()[0].name, "t-0");
    // IP-01: the IPClaim, served by the IP address manager.
    let claim: IPClaim = env.get("t-0-pool").await.expect("IPClaim");
    assert!(claim.finalizers().iter().any(|f| f == DATA_FINALIZER));
    assert_eq!(claim.owner_references()[0].name, "t-0");
    let address = claim
        .status
        .and_then(|s| s.address)
        .and_then(|a| a.name)
        .expect("address");
    let allocated: IPAddress = env.get(&address).await.expect("IPAddress");
    assert_eq!(allocated.spec.address, "192.168.10.10");
    // MD-08, MD-15, MD-17, MD-18: the allocated address, prefix and gateway.
    let meta_data = env.document("m0-metadata", "metaData").await;
    assert_eq!(
        meta_data,
        json!({"ip": "192.168.10.10", "prefix": "24", "gateway": "192.168.10.1",
               "index": "node-0", "machine": "m0", "providerid": "default/host0/m0"})
    );
    let network_data = env.document("m0-networkdata", "networkData").await;
    assert_eq!(
        network_data["networks"][0],
        json!({"type": "ipv4", "id": "provisioning", "link": "eth0",
               "ip_address": "192.168.10.10", "netmask": "255.255.255.0",
               "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0",
                           "gateway": "192.168.10.1", "services": []}]})
    );
    assert_eq!(
        network_data["services"],
        json!([{"type": "dns", "address": "192.168.10.2"}])
    );

    // MD-03: an existing Secret is never rewritten; a missing one is rendered again.
    env.merge::<Secret>(
        "m0-metadata",
        // "edited: true\n"
        json!({"data": {"metaData": "ZWRpdGVkOiB0cnVlCg=="}}),
    )
    .await;
    env.delete::<Secret>("m0-networkdata").await;
    env.merge::<Metal3Data>("t-0", json!({"metadata": {"annotations": {"touch": "1"}}}))
        .await;
    common::eventually("networkData rendered again", || async {
        env.get::<Secret>("m0-networkdata").await.map(|_| ())
    })
    .await;
    assert_eq!(
        env.document("m0-networkdata", "networkData").await,
        network_data
    );
    assert_eq!(
        env.document("m0-metadata", "metaData").await,
        json!({"edited": true})
    );

    // DT-07, MD-19, IP-10: deleting the claim takes the Metal3Data, its IPClaim (the address
    // freed) and its Secrets.
    env.delete::<Metal3DataClaim>("m0").await;
    env.gone::<Metal3DataClaim>("m0").await;
    env.gone::<Metal3Data>("t-0").await;
    env.gone::<IPClaim>("t-0-pool").await;
    env.gone::<IPAddress>(&address).await;
    env.gone::<Secret>("m0-metadata").await;
    env.gone::<Secret>("m0-networkdata").await;
    common::eventually("the pool's index emptied", || async {
        let pool: IPPool = env.get("pool").await?;
        pool.status
            .and_then(|s| s.indexes)
            .unwrap_or_default()
            .is_empty()
            .then_some(())
    })
    .await;
    env.stop().await;
}

/// IP-02: with BMH-name based preallocation the IPClaim is named after the host.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preallocation_names_ip_claims_after_the_host() {
    let mut env = Env::start().await;
    env.ipam();
    env.data_controllers(true);
    env.cluster().await;
    env.pool("pool").await;
    env.template("t", rendering_template()).await;
    let m3m = env.metal3_machine("m0", "t", "host0").await;
    env.claim("m0", "t", &m3m).await;
    env.ready("t-0").await;
    let claim: IPClaim = env
        .get("host0-pool")
        .await
        .expect("IPClaim named after the host");
    assert_eq!(
        claim
            .labels()
            .get("infrastructure.cluster.x-k8s.io/data-name")
            .map(String::as_str),
        Some("t-0")
    );
    assert_eq!(
        claim
            .labels()
            .get("infrastructure.cluster.x-k8s.io/pool-name")
            .map(String::as_str),
        Some("pool")
    );
    env.delete::<Metal3DataClaim>("m0").await;
    env.gone::<IPClaim>("host0-pool").await;
    env.gone::<Metal3Data>("t-0").await;
    env.stop().await;
}

/// IP-03, IP-04: a pool of another kind is claimed with a CAPI IPAddressClaim; rendering waits
/// until its provider (played here by the test) answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_pool_kinds_get_capi_ip_address_claims() {
    let mut env = Env::start().await;
    env.data_controllers(false);
    env.cluster().await;
    let pool_ref = json!({"apiGroup": "ipam.example.com", "kind": "ExamplePool", "name": "pool"});
    env.template(
        "t",
        json!({
            "networkData": {
                "networks": {"ipv4": [{"id": "net", "link": "eth0", "fromPoolRef": pool_ref,
                                       "routes": [{"network": "10.0.0.0", "prefix": 8,
                                                   "gateway": {"fromPoolRef": pool_ref}}]}]},
            },
        }),
    )
    .await;
    let m3m = env.metal3_machine("m0", "t", "host0").await;
    env.claim("m0", "t", &m3m).await;
    let claim: IPAddressClaim = common::eventually("IPAddressClaim made", || async {
        env.get::<IPAddressClaim>("t-0-pool").await
    })
    .await;
    assert_eq!(
        serde_json::to_value(&claim.spec.pool_ref).expect("json"),
        pool_ref
    );
    assert!(claim.finalizers().iter().any(|f| f == DATA_FINALIZER));
    assert_eq!(claim.owner_references()[0].name, "t-0");
    let data: Metal3Data = env.get("t-0").await.expect("data");
    assert_ne!(data.status.and_then(|s| s.ready), Some(true));
    // The provider allocates.
    env.create::<capi::IPAddress>(json!({
        "apiVersion": "ipam.cluster.x-k8s.io/v1beta2", "kind": "IPAddress",
        "metadata": {"name": "pool-10-1-2-3"},
        "spec": {"address": "10.1.2.3", "prefix": 16, "gateway": "10.1.0.1",
                 "claimRef": {"name": "t-0-pool"}, "poolRef": pool_ref}}))
        .await;
    env.merge_status::<IPAddressClaim>(
        "t-0-pool",
        json!({"addressRef": {"name": "pool-10-1-2-3"}}),
    )
    .await;
    env.ready("t-0").await;
    let network_data = env.document("m0-networkdata", "networkData").await;
    assert_eq!(network_data["networks"][0]["ip_address"], "10.1.2.3");
    assert_eq!(network_data["networks"][0]["netmask"], "255.255.0.0");
    assert_eq!(
        network_data["networks"][0]["routes"][0]["gateway"],
        "10.1.0.1"
    );
    // IP-10: released on deletion.
    env.delete::<Metal3DataClaim>("m0").await;
    env.gone::<IPAddressClaim>("t-0-pool").await;
    env.gone::<Metal3Data>("t-0").await;
    env.stop().await;
}

/// DT-06, DT-08, DT-09: pauses hold the template back; a deleted template waits for its
/// claims and Metal3Datas.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_and_template_deletion() {
    let mut env = Env::start().await;
    env.data_controllers(false);
    env.create::<capi::Cluster>(json!({
        "apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Cluster",
        "metadata": {"name": "test1"}, "spec": {"paused": true}}))
        .await;
    let template: Metal3DataTemplate = env
        .create(json!({
            "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3DataTemplate",
            "metadata": {"name": "t", "annotations": {"cluster.x-k8s.io/paused": ""}},
            "spec": {"metaData": {"strings": [{"key": "k", "value": "v"}]}}}))
        .await;
    let m3m = env.metal3_machine("m0", "t", "host0").await;
    env.claim("m0", "t", &m3m).await;
    // DT-09: a paused template is left alone. Give a (wrongly) active controller ample
    // opportunity before looking.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let unchanged: Metal3DataTemplate = env.get("t").await.expect("template");
    assert_eq!(unchanged.metadata.finalizers, template.metadata.finalizers);
    env.merge::<Metal3DataTemplate>(
        "t",
        json!({"metadata": {"annotations": {"cluster.x-k8s.io/paused": null}}}),
    )
    .await;
    common::eventually("template finalizer", || async {
        let template: Metal3DataTemplate = env.get("t").await?;
        (!template.finalizers().is_empty()).then_some(())
    })
    .await;
    // DT-06: the claim of a paused Cluster is not served...
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(env.get::<Metal3Data>("t-0").await.is_none());
    // ... until the Cluster is unpaused (looked at again every 30 s; a change of the claim
    // brings it back at once).
    env.merge::<capi::Cluster>("test1", json!({"spec": {"paused": false}}))
        .await;
    env.merge::<Metal3DataClaim>("m0", json!({"metadata": {"annotations": {"touch": "1"}}}))
        .await;
    assert_eq!(env.rendered("m0").await, "t-0");
    env.ready("t-0").await;

    // DT-08: the template stays while its claim does, and goes after its Metal3Data.
    env.delete::<Metal3DataTemplate>("t").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(env.get::<Metal3DataTemplate>("t").await.is_some());
    env.delete::<Metal3DataClaim>("m0").await;
    env.gone::<Metal3Data>("t-0").await;
    env.gone::<Metal3DataTemplate>("t").await;
    env.stop().await;
}

//! The IPPool controller against the embedded API server, over real HTTP with kube-rs: IPClaims
//! and CAPI IPAddressClaims served, released, exhausted, in IPv4 and IPv6, and never one
//! address twice — under 50 concurrent claims and with two controllers acting at once.

mod common;

use common::objects::Objects;

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::time::Duration;

use capm3::api::capi::{self, IPAddressClaim};
use capm3::api::ipam::v1alpha1::{IPAddress, IPClaim, IPPool};
use capm3::ipam::controller;
use capm3::manager::caches::Scope;
use capm3::sandbox::apiserver::ApiServer;
use k8s_openapi::api::events::v1::Event;
use serde_json::{Value, json};
use tokio::sync::watch;

const NS: &str = "default";

/// An API server with the Metal3 and CAPI CRDs, and controllers running against it.
struct Env {
    server: ApiServer,
    objects: Objects,
    stop: watch::Sender<bool>,
    controllers: Vec<(watch::Sender<bool>, tokio::task::JoinHandle<()>)>,
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
        let (stop, _) = watch::channel(false);
        Env {
            server,
            objects: Objects::new(client, NS),
            stop,
            controllers: Vec::new(),
        }
    }

    /// Starts one more controller, with its own client, leading or not.
    fn controller(&mut self, leading: bool) -> usize {
        let (leader, leading) = watch::channel(leading);
        let client = self.server.client().expect("client");
        let mut stopping = self.stop.subscribe();
        let task = tokio::spawn(async move {
            controller::run(client, &Scope::default(), 4, leading, async move {
                let _ = stopping.changed().await;
            })
            .await;
        });
        self.controllers.push((leader, task));
        self.controllers.len() - 1
    }

    async fn stop(self) {
        let _ = self.stop.send(true);
        for (_, task) in self.controllers {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
        self.server.stop().await;
    }

    async fn pool(&self, name: &str, spec: Value) -> IPPool {
        self.create(
            json!({"apiVersion": "ipam.metal3.io/v1alpha1", "kind": "IPPool",
                           "metadata": {"name": name}, "spec": spec}),
        )
        .await
    }

    async fn claim(&self, name: &str, pool: &str, annotations: Value) -> IPClaim {
        self.create(
            json!({"apiVersion": "ipam.metal3.io/v1alpha1", "kind": "IPClaim",
                           "metadata": {"name": name, "annotations": annotations,
                                        "labels": {"owner": name}},
                           "spec": {"pool": {"name": pool, "namespace": NS}}}),
        )
        .await
    }

    async fn capi_claim(&self, name: &str, pool: &str, kind: &str) -> IPAddressClaim {
        self.create(
            json!({"apiVersion": "ipam.cluster.x-k8s.io/v1beta2", "kind": "IPAddressClaim",
                           "metadata": {"name": name, "labels": {"owner": name}},
                           "spec": {"poolRef": {"apiGroup": "ipam.metal3.io", "kind": kind,
                                                "name": pool}}}),
        )
        .await
    }

    /// The claim's IPAddress, once its status names one.
    async fn served(&self, claim: &str) -> IPAddress {
        common::eventually(&format!("IPClaim {claim} served"), || async {
            let claim: IPClaim = self.get(claim).await?;
            let name = claim.status?.address?.name?;
            self.get::<IPAddress>(&name).await
        })
        .await
    }

    async fn capi_served(&self, claim: &str) -> (IPAddressClaim, capi::IPAddress) {
        common::eventually(&format!("IPAddressClaim {claim} served"), || async {
            let claim: IPAddressClaim = self.get(claim).await?;
            let name = claim.status.as_ref()?.address_ref.as_ref()?.name.clone();
            Some((claim, self.get::<capi::IPAddress>(&name).await?))
        })
        .await
    }

    async fn error_of(&self, claim: &str) -> String {
        common::eventually(&format!("IPClaim {claim} failed"), || async {
            self.get::<IPClaim>(claim).await?.status?.error_message
        })
        .await
    }

    async fn indexes(&self, pool: &str) -> BTreeMap<String, String> {
        let pool: IPPool = self.get(pool).await.expect("pool");
        pool.status.and_then(|s| s.indexes).unwrap_or_default()
    }

    async fn events_for(&self, name: &str) -> Vec<Event> {
        self.list::<Event>()
            .await
            .into_iter()
            .filter(|e| e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some(name))
            .collect()
    }
}

fn range_pool() -> Value {
    json!({"namePrefix": "pool1-prov",
           "pools": [{"start": "192.168.0.11", "end": "192.168.0.20",
                      "dnsServers": ["8.8.8.8"]}],
           "prefix": 24, "gateway": "192.168.0.1", "dnsServers": ["8.8.4.4"]})
}

/// IPAM-06, IPAM-13, IPAM-27, IPAM-28, IPAM-29, IPAM-35, IPAM-41.
#[tokio::test]
async fn ipclaims_get_distinct_addresses_with_gateway_prefix_and_dns() {
    let mut env = Env::start().await;
    env.controller(true);
    env.pool("pool1", range_pool()).await;
    let claim = env.claim("node-a", "pool1", json!({})).await;
    let first = env.served("node-a").await;
    env.claim("node-b", "pool1", json!({})).await;
    let second = env.served("node-b").await;

    assert_eq!(
        first.metadata.name.as_deref(),
        Some("pool1-prov-192-168-0-11")
    );
    assert_eq!(second.spec.address, "192.168.0.12");
    let spec = serde_json::to_value(&first.spec).expect("json");
    assert_eq!(
        spec,
        json!({"address": "192.168.0.11", "prefix": 24, "gateway": "192.168.0.1",
               "dnsServers": ["8.8.8.8"],
               "pool": {"name": "pool1", "namespace": NS},
               "claim": {"name": "node-a", "namespace": NS}})
    );
    assert_eq!(
        first.metadata.finalizers,
        Some(vec![controller::ADDRESS_FINALIZER.to_owned()])
    );
    let owners: Vec<(String, String)> = first
        .metadata
        .owner_references
        .iter()
        .flatten()
        .map(|o| (o.kind.clone(), o.name.clone()))
        .collect();
    assert_eq!(
        owners,
        [
            ("IPPool".into(), "pool1".into()),
            ("IPClaim".into(), "node-a".into())
        ]
    );
    assert_eq!(
        first
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get("owner"))
            .map(String::as_str),
        Some("node-a")
    );

    let claim: IPClaim = env
        .get(&claim.metadata.name.expect("name"))
        .await
        .expect("claim");
    assert_eq!(
        claim.metadata.finalizers,
        Some(vec![controller::CLAIM_FINALIZER.to_owned()])
    );
    let status = claim.status.expect("status");
    assert_eq!(
        status.address.and_then(|a| a.namespace).as_deref(),
        Some(NS)
    );
    assert_eq!(status.error_message, None);

    let pool: IPPool = env.get("pool1").await.expect("pool");
    assert_eq!(
        pool.metadata.finalizers,
        Some(vec![controller::POOL_FINALIZER.to_owned()])
    );
    let events = env.events_for("node-a").await;
    assert!(
        events
            .iter()
            .any(|e| e.reason.as_deref() == Some("AddressAllocated"))
    );
    common::eventually("indexes recorded", || async {
        let expected = BTreeMap::from([
            ("node-a".to_owned(), "192.168.0.11".to_owned()),
            ("node-b".to_owned(), "192.168.0.12".to_owned()),
        ]);
        (env.indexes("pool1").await == expected).then_some(())
    })
    .await;
    env.stop().await;
}

/// IPAM-37, IPAM-38, IPAM-40, IPAM-42.
#[tokio::test]
async fn deleting_a_claim_releases_its_address_for_the_next_claim() {
    let mut env = Env::start().await;
    env.controller(true);
    env.pool("pool1", range_pool()).await;
    for name in ["a", "b", "c"] {
        env.claim(name, "pool1", json!({})).await;
        env.served(name).await;
    }
    env.delete::<IPClaim>("b").await;
    env.gone::<IPClaim>("b").await;
    env.gone::<IPAddress>("pool1-prov-192-168-0-12").await;
    common::eventually("index dropped", || async {
        (!env.indexes("pool1").await.contains_key("b")).then_some(())
    })
    .await;
    env.claim("d", "pool1", json!({})).await;
    assert_eq!(env.served("d").await.spec.address, "192.168.0.12");

    // Another finalizer keeps the address until it is removed.
    env.merge::<IPClaim>(
        "a",
        json!({"metadata": {"finalizers": [
        "metal3data.infrastructure.cluster.x-k8s.io", controller::CLAIM_FINALIZER]}}),
    )
    .await;
    env.delete::<IPClaim>("a").await;
    env.claim("e", "pool1", json!({})).await;
    assert_eq!(env.served("e").await.spec.address, "192.168.0.14");
    assert!(
        env.get::<IPAddress>("pool1-prov-192-168-0-11")
            .await
            .is_some()
    );
    env.merge::<IPClaim>(
        "a",
        json!({"metadata": {"finalizers": [controller::CLAIM_FINALIZER]}}),
    )
    .await;
    env.gone::<IPAddress>("pool1-prov-192-168-0-11").await;

    // The pool stays while IPAddresses refer to it, and goes after the last.
    env.delete::<IPPool>("pool1").await;
    for name in ["c", "d", "e"] {
        assert!(env.get::<IPPool>("pool1").await.is_some());
        env.delete::<IPClaim>(name).await;
        env.gone::<IPClaim>(name).await;
    }
    env.gone::<IPPool>("pool1").await;
    assert!(env.list::<IPAddress>().await.is_empty());
    env.stop().await;
}

/// IPAM-24 with an event, and Q-4 as decided: the claim succeeds once an address is free.
#[tokio::test]
async fn exhaustion_is_reported_and_cleared_once_an_address_is_free() {
    let mut env = Env::start().await;
    env.controller(true);
    env.pool(
        "small",
        json!({"namePrefix": "small", "pools": [{"subnet": "10.0.0.0/31"}]}),
    )
    .await;
    env.claim("first", "small", json!({})).await;
    assert_eq!(env.served("first").await.spec.address, "10.0.0.1");
    env.claim("second", "small", json!({})).await;
    assert_eq!(env.error_of("second").await, "Exhausted IP Pools");
    let warning = common::eventually("warning event", || async {
        env.events_for("second")
            .await
            .into_iter()
            .find(|e| e.reason.as_deref() == Some("PoolExhausted"))
    })
    .await;
    assert_eq!(warning.type_.as_deref(), Some("Warning"));
    assert_eq!(warning.note.as_deref(), Some("Exhausted IP Pools"));

    env.delete::<IPClaim>("first").await;
    let address = env.served("second").await;
    assert_eq!(address.spec.address, "10.0.0.1");
    let second: IPClaim = env.get("second").await.expect("claim");
    assert_eq!(second.status.and_then(|s| s.error_message), None);
    env.stop().await;
}

/// IPAM-19, IPAM-20, IPAM-23: the `ipAddress` annotation.
#[tokio::test]
async fn requested_addresses() {
    let mut env = Env::start().await;
    env.controller(true);
    env.pool("pool1", range_pool()).await;
    env.claim("wants-16", "pool1", json!({"ipAddress": "192.168.0.16"}))
        .await;
    assert_eq!(env.served("wants-16").await.spec.address, "192.168.0.16");
    env.claim("also-16", "pool1", json!({"ipAddress": "192.168.0.16"}))
        .await;
    assert_eq!(env.error_of("also-16").await, "Requested IP not available");
    env.claim("bad", "pool1", json!({"ipAddress": "not-an-ip"}))
        .await;
    assert_eq!(
        env.error_of("bad").await,
        "Invalid ipAddress annotation \"not-an-ip\": not a valid IP address"
    );
    env.stop().await;
}

/// IPAM-30, IPAM-31, IPAM-39, IPAM-50, Q-13 and Q-14.
#[tokio::test]
async fn capi_claims_get_capi_addresses() {
    let mut env = Env::start().await;
    env.controller(true);
    env.pool("pool1", range_pool()).await;
    env.claim("node", "pool1", json!({})).await;
    env.capi_claim("machine", "pool1", "IPPool").await;
    let metal3 = env.served("node").await;
    let (claim, address) = env.capi_served("machine").await;
    assert_ne!(metal3.spec.address, address.spec.address);
    assert_eq!(
        serde_json::to_value(&address.spec).expect("json"),
        json!({"address": address.spec.address, "prefix": 24, "gateway": "192.168.0.1",
               "claimRef": {"name": "machine"},
               "poolRef": {"apiGroup": "ipam.metal3.io", "kind": "IPPool", "name": "pool1"}})
    );
    assert_eq!(
        address.metadata.finalizers,
        Some(vec![controller::CAPI_ADDRESS_FINALIZER.to_owned()])
    );
    assert_eq!(
        claim.metadata.finalizers,
        Some(vec![controller::CAPI_CLAIM_FINALIZER.to_owned()])
    );
    let ready = claim
        .status
        .and_then(|s| s.conditions)
        .and_then(|c| c.into_iter().find(|c| c.type_ == "Ready"))
        .expect("Ready");
    assert_eq!(
        (ready.status.as_str(), ready.reason.as_str()),
        ("True", "Ready")
    );

    // A claim for another provider's pool of the same name is not ours.
    env.capi_claim("foreign", "pool1", "InClusterIPPool").await;
    env.claim("later", "pool1", json!({})).await;
    env.served("later").await;
    let foreign: IPAddressClaim = env.get("foreign").await.expect("claim");
    assert_eq!(foreign.metadata.finalizers, None);
    assert_eq!(foreign.status, None);

    env.delete::<IPAddressClaim>("machine").await;
    env.gone::<IPAddressClaim>("machine").await;
    env.gone::<capi::IPAddress>(&address.metadata.name.expect("name"))
        .await;
    env.stop().await;
}

/// Exhaustion of a CAPI claim: Ready False with reason PoolExhausted (IPAM-24).
#[tokio::test]
async fn capi_exhaustion_condition() {
    let mut env = Env::start().await;
    env.controller(true);
    env.pool(
        "tiny",
        json!({"namePrefix": "tiny", "pools": [{"start": "10.1.0.1", "end": "10.1.0.1"}]}),
    )
    .await;
    env.capi_claim("one", "tiny", "IPPool").await;
    env.capi_served("one").await;
    env.capi_claim("two", "tiny", "IPPool").await;
    let ready = common::eventually("PoolExhausted", || async {
        let claim: IPAddressClaim = env.get("two").await?;
        claim
            .status?
            .conditions?
            .into_iter()
            .find(|c| c.type_ == "Ready" && c.status == "False")
    })
    .await;
    assert_eq!(
        (ready.reason.as_str(), ready.message.as_str()),
        ("PoolExhausted", "Exhausted IP Pools")
    );
    env.stop().await;
}

/// IPAM-16, IPAM-27: an IPv6 subnet, with a non-canonical pre-allocation.
#[tokio::test]
async fn ipv6_pool() {
    let mut env = Env::start().await;
    env.controller(true);
    env.pool(
        "v6",
        json!({"namePrefix": "v6", "pools": [{"subnet": "2001:db8::/64", "prefix": 64,
                                             "gateway": "2001:db8::fffe"}],
               "preAllocations": {"fixed": "2001:DB8::0002"}}),
    )
    .await;
    env.claim("fixed", "v6", json!({})).await;
    env.claim("one", "v6", json!({})).await;
    let fixed = env.served("fixed").await;
    assert_eq!(fixed.metadata.name.as_deref(), Some("v6-2001-db8--2"));
    assert_eq!(fixed.spec.address, "2001:db8::2");
    let one = env.served("one").await;
    assert_eq!(one.spec.address, "2001:db8::1");
    env.claim("two", "v6", json!({})).await;
    let two = env.served("two").await;
    assert_eq!(two.spec.address, "2001:db8::3");
    assert_eq!(two.spec.prefix, Some(64));
    assert_eq!(two.spec.gateway.as_deref(), Some("2001:db8::fffe"));
    env.stop().await;
}

/// Every claim's address, and the addresses of all IPAddresses of both kinds.
async fn assert_distinct(env: &Env, metal3: &[String], capi: &[String]) {
    let mut given = BTreeSet::new();
    for name in metal3 {
        let address = env.served(name).await;
        assert_eq!(address.spec.claim.name.as_deref(), Some(name.as_str()));
        assert!(
            given.insert(address.spec.address.clone()),
            "{} twice",
            address.spec.address
        );
    }
    for name in capi {
        let (_, address) = env.capi_served(name).await;
        assert_eq!(address.spec.claim_ref.name, *name);
        assert!(
            given.insert(address.spec.address.clone()),
            "{} twice",
            address.spec.address
        );
    }
    let mut recorded = BTreeSet::new();
    let addresses = env
        .list::<IPAddress>()
        .await
        .into_iter()
        .map(|a| a.spec.address);
    let capi_addresses = env
        .list::<capi::IPAddress>()
        .await
        .into_iter()
        .map(|a| a.spec.address);
    for address in addresses.chain(capi_addresses) {
        assert!(recorded.insert(address.clone()), "{address} recorded twice");
    }
    assert!(given.is_subset(&recorded));
}

/// 50 claims created at once get 50 different addresses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_claims_get_distinct_addresses() {
    let mut env = Env::start().await;
    env.controller(true);
    env.pool(
        "big",
        json!({"namePrefix": "big", "pools": [{"subnet": "10.20.0.0/24"}]}),
    )
    .await;
    let names: Vec<String> = (0..50).map(|i| format!("claim-{i}")).collect();
    futures::future::join_all(names.iter().map(|name| env.claim(name, "big", json!({})))).await;
    assert_distinct(&env, &names, &[]).await;
    assert_eq!(env.list::<IPAddress>().await.len(), 50);
    common::eventually("50 indexes", || async {
        (env.indexes("big").await.len() == 50).then_some(())
    })
    .await;
    env.stop().await;
}

/// Two controllers acting at once — a leader handover's overlap — with both kinds of claim
/// arriving together, sequential and random pools alike: no address is handed out twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_controllers_never_hand_out_one_address_twice() {
    let mut env = Env::start().await;
    env.controller(true);
    env.controller(true);
    env.pool(
        "shared",
        json!({"namePrefix": "shared", "pools": [{"start": "10.30.0.1", "end": "10.30.0.200"}]}),
    )
    .await;
    env.pool(
        "scattered",
        json!({"namePrefix": "scattered", "allocationStrategy": "random",
               "pools": [{"start": "10.40.0.1", "end": "10.40.0.80"}]}),
    )
    .await;
    let metal3: Vec<String> = (0..30).map(|i| format!("m3-{i}")).collect();
    let capi: Vec<String> = (0..20).map(|i| format!("capi-{i}")).collect();
    let random: Vec<String> = (0..20).map(|i| format!("random-{i}")).collect();
    let creations = metal3
        .iter()
        .map(|name| {
            Box::pin(async {
                env.claim(name, "shared", json!({})).await;
            }) as _
        })
        .chain(capi.iter().map(|name| {
            Box::pin(async {
                env.capi_claim(name, "shared", "IPPool").await;
            }) as _
        }))
        .chain(random.iter().map(|name| {
            Box::pin(async {
                env.claim(name, "scattered", json!({})).await;
            }) as _
        }));
    let creations: Vec<std::pin::Pin<Box<dyn Future<Output = ()> + Send + '_>>> =
        creations.collect();
    futures::future::join_all(creations).await;
    let all_metal3: Vec<String> = metal3.iter().chain(&random).cloned().collect();
    assert_distinct(&env, &all_metal3, &capi).await;
    env.stop().await;
}

/// A standby replica keeps still; once it leads, it serves what arrived meanwhile.
#[tokio::test]
async fn only_the_leader_allocates() {
    let mut env = Env::start().await;
    let standby = env.controller(false);
    env.pool("pool1", range_pool()).await;
    env.claim("waiting", "pool1", json!({})).await;
    // Give a (wrongly) active controller ample opportunity before looking.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let claim: IPClaim = env.get("waiting").await.expect("claim");
    assert_eq!(claim.status, None);
    assert_eq!(claim.metadata.finalizers, None);
    env.controllers[standby].0.send(true).expect("lead");
    assert_eq!(env.served("waiting").await.spec.address, "192.168.0.11");
    env.stop().await;
}

/// IPAM-43, IPAM-44, IPAM-45, IPAM-46 and Q-16: the Cluster and pause.
#[tokio::test]
async fn cluster_labels_owner_and_pause() {
    let mut env = Env::start().await;
    env.controller(true);
    let mut spec = range_pool();
    spec["clusterName"] = json!("c1");
    env.pool("pool1", spec).await;
    env.claim("node", "pool1", json!({})).await;
    let labelled = common::eventually("labels", || async {
        let pool: IPPool = env.get("pool1").await?;
        pool.metadata
            .labels
            .filter(|l| l.contains_key("cluster.x-k8s.io/cluster-name"))
    })
    .await;
    assert_eq!(
        labelled
            .get("cluster.x-k8s.io/provider")
            .map(String::as_str),
        Some("ipam-metal3")
    );
    // No Cluster: nothing is allocated.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let claim: IPClaim = env.get("node").await.expect("claim");
    assert_eq!(claim.status, None);

    env.create::<capi::Cluster>(json!({"apiVersion": "cluster.x-k8s.io/v1beta2",
                                       "kind": "Cluster", "metadata": {"name": "c1"},
                                       "spec": {"paused": true}}))
        .await;
    // Clusters are not watched: a change to the pool looks again.
    env.merge::<IPPool>(
        "pool1",
        json!({"metadata": {"annotations": {"touched": "1"}}}),
    )
    .await;
    let owner = common::eventually("cluster owner", || async {
        let pool: IPPool = env.get("pool1").await?;
        pool.metadata
            .owner_references?
            .into_iter()
            .find(|o| o.kind == "Cluster")
    })
    .await;
    assert_eq!((owner.name.as_str(), owner.controller), ("c1", Some(false)));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let claim: IPClaim = env.get("node").await.expect("claim");
    assert_eq!(claim.status, None, "paused cluster: no allocation");

    env.merge::<capi::Cluster>("c1", json!({"spec": {"paused": false}}))
        .await;
    env.merge::<IPPool>(
        "pool1",
        json!({"metadata": {"annotations": {"cluster.x-k8s.io/paused": ""}}}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let claim: IPClaim = env.get("node").await.expect("claim");
    assert_eq!(claim.status, None, "paused pool: no allocation");
    env.merge::<IPPool>(
        "pool1",
        json!({"metadata": {"annotations": {"cluster.x-k8s.io/paused": null}}}),
    )
    .await;
    assert_eq!(env.served("node").await.spec.address, "192.168.0.11");
    env.stop().await;
}

/// A deleting pool serves no one and lets waiting claims go, so they can be deleted after it.
#[tokio::test]
async fn pool_deletion_lets_waiting_claims_go() {
    let mut env = Env::start().await;
    env.controller(true);
    env.pool(
        "one",
        json!({"namePrefix": "one", "pools": [{"start": "10.2.0.1", "end": "10.2.0.1"}]}),
    )
    .await;
    env.claim("holder", "one", json!({})).await;
    env.served("holder").await;
    env.claim("waiting", "one", json!({})).await;
    assert_eq!(env.error_of("waiting").await, "Exhausted IP Pools");
    env.delete::<IPPool>("one").await;
    common::eventually("waiting claim let go", || async {
        let claim: IPClaim = env.get("waiting").await?;
        claim
            .metadata
            .finalizers
            .is_none_or(|f| f.is_empty())
            .then_some(())
    })
    .await;
    assert!(
        env.get::<IPPool>("one").await.is_some(),
        "held by an address"
    );
    env.delete::<IPClaim>("holder").await;
    env.gone::<IPPool>("one").await;
    env.delete::<IPClaim>("waiting").await;
    env.gone::<IPClaim>("waiting").await;
    env.stop().await;
}

/// the address of a claim that went without its release (finalizer removed by hand) is
/// released on the pool's next pass, and handed out again.
#[tokio::test]
async fn orphaned_addresses_are_released() {
    let mut env = Env::start().await;
    env.controller(true);
    env.pool(
        "one",
        json!({"namePrefix": "one", "pools": [{"start": "10.3.0.1", "end": "10.3.0.1"}]}),
    )
    .await;
    env.claim("forced", "one", json!({})).await;
    env.served("forced").await;
    env.merge::<IPClaim>("forced", json!({"metadata": {"finalizers": null}}))
        .await;
    env.delete::<IPClaim>("forced").await;
    env.gone::<IPClaim>("forced").await;
    env.claim("next", "one", json!({})).await;
    assert_eq!(env.served("next").await.spec.address, "10.3.0.1");
    let events = env.events_for("one").await;
    assert!(
        events
            .iter()
            .any(|e| e.reason.as_deref() == Some("AddressReleased"))
    );
    env.stop().await;
}

/// two pools with one namePrefix in a namespace do not fight over IPAddress names: an
/// address whose name the other pool's IPAddress has is skipped.
#[tokio::test]
async fn pools_sharing_a_name_prefix() {
    let mut env = Env::start().await;
    env.controller(true);
    for name in ["first", "second"] {
        env.pool(
            name,
            json!({"namePrefix": "same", "pools": [{"start": "10.4.0.1", "end": "10.4.0.9"}]}),
        )
        .await;
    }
    env.claim("x", "first", json!({})).await;
    assert_eq!(env.served("x").await.spec.address, "10.4.0.1");
    env.claim("y", "second", json!({})).await;
    let y = env.served("y").await;
    assert_eq!(y.spec.address, "10.4.0.2");
    assert_eq!(y.spec.pool.name.as_deref(), Some("second"));
    env.stop().await;
}

//! The Metal3Cluster, Metal3Machine and Metal3MachineTemplate controllers against the embedded
//! API server, over real HTTP with kube-rs. No BareMetalHost operator runs: the tests set host
//! states by hand. A second embedded API server plays the workload cluster, reached through
//! the `<cluster>-kubeconfig` Secret as Cluster API writes it.

mod common;

use common::objects::Objects;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use capm3::api::bmo::v1alpha1::BareMetalHost;
use capm3::api::capi::{Cluster, Machine};
use capm3::api::capm3::v1beta2::{
    Metal3Cluster, Metal3Data, Metal3DataClaim, Metal3Machine, Metal3MachineTemplate,
};
use capm3::capm3::controller::{self, Caches, Settings};
use capm3::manager::caches::{Scope, SharedCache};
use capm3::metrics::Metrics;
use capm3::sandbox::apiserver::ApiServer;
use capm3::sandbox::apiserver::hooks::{Fault, FaultAction};
use k8s_openapi::api::core::v1::{Node, Secret};
use k8s_openapi::api::events::v1::Event;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use kube::api::{Api, PostParams};
use kube::{Resource, ResourceExt};
use serde_json::{Value, json};
use tokio::sync::watch;

const NS: &str = "default";
const CLUSTER: &str = "test1";
const INFRA: &str = "infrastructure.cluster.x-k8s.io";

/// The management cluster with the Metal3 and CAPI CRDs, a workload cluster, and
/// controllers running against the management cluster.
struct Env {
    server: ApiServer,
    workload: ApiServer,
    objects: Objects,
    stop: watch::Sender<bool>,
    controllers: Vec<tokio::task::JoinHandle<()>>,
    metrics: Arc<Metrics>,
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
        // RUST_LOG=capm3=debug shows the controllers' view when a step times out.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let server = common::server_with_all_crds().await;
        let workload = ApiServer::start("127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("workload server starts");
        let client = server.client().expect("client");
        let (stop, _) = watch::channel(false);
        Env {
            server,
            workload,
            objects: Objects::new(client, NS),
            stop,
            controllers: Vec::new(),
            metrics: Arc::new(Metrics::new()),
        }
    }

    /// Starts one more controller instance (a replica), with its own client and caches,
    /// leading.
    fn controller(&mut self, fast_track: bool) {
        let client = self.server.client().expect("client");
        let hosts = SharedCache::<BareMetalHost>::new();
        let machines = SharedCache::<Metal3Machine>::new();
        let caches = Caches {
            hosts: hosts.store.clone(),
            host_events: hosts.subscribe().expect("subscription"),
            hosts_listed: hosts.listed(),
            machines: machines.store.clone(),
            machine_events: machines.subscribe().expect("subscription"),
            machines_listed: machines.listed(),
        };
        let settings = Settings {
            metal3machine_concurrency: 10,
            metal3cluster_concurrency: 2,
            metal3machinetemplate_concurrency: 2,
            fast_track,
        };
        let mut stopping = self.stop.subscribe();
        let metrics = self.metrics.clone();
        let watches = [
            hosts.start(&client, &Scope::default()),
            machines.start(&client, &Scope::default()),
        ];
        self.controllers.push(tokio::spawn(async move {
            let (_leader, leading) = watch::channel(true);
            let shutdown = async move {
                let _ = stopping.wait_for(|stop| *stop).await;
            };
            controller::run(
                client,
                caches,
                &Scope::default(),
                settings,
                metrics,
                leading,
                shutdown,
            )
            .await;
            for watch in watches {
                watch.abort();
            }
        }));
    }

    async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.controllers {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
        self.server.stop().await;
        self.workload.stop().await;
    }

    /// The CAPI Cluster with ready infrastructure, its Metal3Cluster and the kubeconfig of
    /// the workload cluster.
    async fn cluster(&self) -> Cluster {
        use base64::Engine;
        let kubeconfig =
            base64::engine::general_purpose::STANDARD.encode(self.workload.kubeconfig());
        self.create::<Secret>(json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": format!("{CLUSTER}-kubeconfig"),
                         "labels": {"cluster.x-k8s.io/cluster-name": CLUSTER}},
            "data": {"value": kubeconfig},
        }))
        .await;
        let cluster: Cluster = self
            .create(json!({
                "apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Cluster",
                "metadata": {"name": CLUSTER},
                "spec": {"infrastructureRef": {"apiGroup": INFRA, "kind": "Metal3Cluster",
                                               "name": CLUSTER}},
            }))
            .await;
        self.merge_status::<Cluster>(
            CLUSTER,
            json!({"initialization": {"infrastructureProvisioned": true}}),
        )
        .await;
        self.create::<Metal3Cluster>(json!({
            "apiVersion": format!("{INFRA}/v1beta2"), "kind": "Metal3Cluster",
            "metadata": {"name": CLUSTER, "ownerReferences": [owner(&cluster)]},
            "spec": {"controlPlaneEndpoint": {"host": "127.0.0.1", "port": 6443}},
        }))
        .await;
        cluster
    }

    /// An `available` host `name` with its BMC Secret.
    async fn host(&self, name: &str) -> BareMetalHost {
        self.create::<Secret>(json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": format!("{name}-bmc")},
            "stringData": {"username": "admin", "password": "secret"},
        }))
        .await;
        self.create::<BareMetalHost>(json!({
            "apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
            "metadata": {"name": name},
            "spec": {"online": false,
                     "bmc": {"address": "redfish://127.0.0.1/redfish/v1/Systems/1",
                             "credentialsName": format!("{name}-bmc")}},
        }))
        .await;
        self.host_state(name, "available").await;
        self.get(name).await.expect("host")
    }

    async fn host_state(&self, name: &str, state: &str) {
        self.merge_status::<BareMetalHost>(
            name,
            json!({"errorCount": 0, "errorMessage": "", "operationalStatus": "OK",
                   "poweredOn": state == "provisioned", "provisioningFailCount": 0,
                   "provisioning": {"ID": "", "state": state},
                   "hardware": {"hostname": name, "nics": [{"name": "eth0", "ip": "192.168.111.20"}]}}),
        )
        .await;
    }

    /// A Machine `m-<name>` with bootstrap data and its Metal3Machine `name`.
    async fn machine(&self, name: &str, overlay: Value) -> Metal3Machine {
        let machine: Machine = self
            .create(json!({
                "apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Machine",
                "metadata": {"name": format!("m-{name}"),
                             "labels": {"cluster.x-k8s.io/cluster-name": CLUSTER}},
                "spec": {"clusterName": CLUSTER,
                         "bootstrap": {"dataSecretName": format!("m-{name}-bootstrap")},
                         "infrastructureRef": {"apiGroup": INFRA, "kind": "Metal3Machine",
                                               "name": name}},
            }))
            .await;
        let mut object = json!({
            "apiVersion": format!("{INFRA}/v1beta2"), "kind": "Metal3Machine",
            "metadata": {"name": name, "ownerReferences": [owner(&machine)],
                         "labels": {"cluster.x-k8s.io/cluster-name": CLUSTER}},
            "spec": {"image": {"url": "http://127.0.0.1/image.qcow2", "checksum": "abc",
                               "checksumType": "sha256", "diskFormat": "qcow2"}},
        });
        merge_json(&mut object, overlay);
        self.create(object).await
    }

    /// The Metal3Machine once `probe` accepts it.
    async fn machine_when(
        &self,
        what: &str,
        probe: impl Fn(&Metal3Machine) -> bool,
    ) -> Metal3Machine {
        common::eventually(what, || async {
            self.get::<Metal3Machine>("m3m").await.filter(&probe)
        })
        .await
    }

    async fn host_when(
        &self,
        name: &str,
        what: &str,
        probe: impl Fn(&BareMetalHost) -> bool,
    ) -> BareMetalHost {
        common::eventually(what, || async {
            self.get::<BareMetalHost>(name).await.filter(&probe)
        })
        .await
    }

    async fn event(&self, name: &str, reason: &str) -> Event {
        common::eventually(&format!("{reason} event for {name}"), || async {
            self.list::<Event>().await.into_iter().find(|e| {
                e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some(name)
                    && e.reason.as_deref() == Some(reason)
            })
        })
        .await
    }
}

fn owner<K: Resource<DynamicType = ()>>(object: &K) -> Value {
    json!({"apiVersion": K::api_version(&()), "kind": K::kind(&()),
           "name": object.meta().name, "uid": object.meta().uid})
}

fn merge_json(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(&key) {
                    Some(existing) if value.is_object() => merge_json(existing, value),
                    _ => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, overlay) => *base = overlay,
    }
}

fn condition<'c>(conditions: Option<&'c [Condition]>, type_: &str) -> Option<&'c Condition> {
    conditions?.iter().find(|c| c.type_ == type_)
}

fn is_true(conditions: Option<&[Condition]>, type_: &str) -> bool {
    condition(conditions, type_).is_some_and(|c| c.status == "True")
}

fn machine_conditions(machine: &Metal3Machine) -> Option<&[Condition]> {
    machine.status.as_ref()?.conditions.as_deref()
}

fn annotation<'a, K: ResourceExt>(object: &'a K, key: &str) -> Option<&'a str> {
    object.annotations().get(key).map(String::as_str)
}

fn label<'a, K: ResourceExt>(object: &'a K, key: &str) -> Option<&'a str> {
    object.labels().get(key).map(String::as_str)
}

fn consumer(host: &BareMetalHost) -> Option<&str> {
    host.spec.consumer_ref.as_ref()?.name.as_deref()
}

/// M3C-01, M3C-03, M3C-05, M3C-06; M3C-07 with a paused Cluster; M3C-08.
#[tokio::test]
async fn metal3_cluster_is_provisioned_paused_and_held_until_its_machines_go() {
    let mut env = Env::start().await;
    env.controller(false);
    env.cluster().await;
    env.merge::<Metal3Cluster>(
        CLUSTER,
        json!({"spec": {"failureDomains": [{"name": "fd1", "controlPlane": true}]}}),
    )
    .await;
    let ready = common::eventually("Metal3Cluster provisioned and Ready", || async {
        let m3c: Metal3Cluster = env.get(CLUSTER).await?;
        let status = m3c.status.as_ref()?;
        let conditions = status.conditions.as_deref();
        (status.initialization.as_ref()?.provisioned == Some(true)
            && is_true(conditions, "Ready")
            && is_true(conditions, "BaremetalInfrastructureReady")
            && status.failure_domains.is_some())
        .then_some(m3c)
    })
    .await;
    assert!(
        ready
            .finalizers()
            .iter()
            .any(|f| f == "metal3cluster.infrastructure.cluster.x-k8s.io")
    );
    let status = ready.status.expect("status");
    assert_eq!(
        condition(status.conditions.as_deref(), "Paused").map(|c| c.status.as_str()),
        Some("False")
    );
    assert_eq!(
        status.failure_domains.expect("domains")[0].name,
        "fd1".to_owned()
    );
    assert!(status.last_updated.is_some());

    env.merge::<Cluster>(CLUSTER, json!({"spec": {"paused": true}}))
        .await;
    common::eventually("Metal3Cluster Paused", || async {
        let m3c: Metal3Cluster = env.get(CLUSTER).await?;
        is_true(m3c.status?.conditions.as_deref(), "Paused").then_some(())
    })
    .await;
    env.merge::<Cluster>(CLUSTER, json!({"spec": {"paused": false}}))
        .await;
    common::eventually("Metal3Cluster unpaused", || async {
        let m3c: Metal3Cluster = env.get(CLUSTER).await?;
        (!is_true(m3c.status?.conditions.as_deref(), "Paused")).then_some(())
    })
    .await;

    // Deletion waits for the Cluster's Machines.
    env.create::<Machine>(json!({
        "apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Machine",
        "metadata": {"name": "m-0", "labels": {"cluster.x-k8s.io/cluster-name": CLUSTER}},
        "spec": {"clusterName": CLUSTER,
                 "infrastructureRef": {"apiGroup": INFRA, "kind": "Metal3Machine", "name": "m3m-0"}},
    }))
    .await;
    env.delete::<Metal3Cluster>(CLUSTER).await;
    common::eventually("Metal3Cluster Deleting", || async {
        let m3c: Metal3Cluster = env.get(CLUSTER).await?;
        let conditions = m3c.status?.conditions;
        let ready = condition(conditions.as_deref(), "Ready")?;
        (ready.reason == "Deleting").then_some(())
    })
    .await;
    assert!(env.get::<Metal3Cluster>(CLUSTER).await.is_some());
    env.delete::<Machine>("m-0").await;
    // Machines are not watched (as upstream): the 30 s look would find none left; an
    // annotation change brings the Metal3Cluster back at once.
    env.merge::<Metal3Cluster>(
        CLUSTER,
        json!({"metadata": {"annotations": {"nudge": "1"}}}),
    )
    .await;
    common::eventually("Metal3Cluster gone", || async {
        env.get::<Metal3Cluster>(CLUSTER)
            .await
            .is_none()
            .then_some(())
    })
    .await;
    env.stop().await;
}

/// The whole life of one Metal3Machine: association (ASC-01…ASC-05, ASC-06, ASC-11, M3M-06,
/// M3M-09), providerID on the machine and on the workload Node (PID-01, PID-02, PID-09),
/// pause and unpause (M3M-07, M3M-08, M3M-10), deletion (DEL-02, DEL-03, DEL-06, DEL-07).
#[tokio::test]
async fn a_machine_gets_a_host_a_node_and_gives_the_host_back() {
    let mut env = Env::start().await;
    env.controller(false);
    env.cluster().await;
    let host = env.host("h1").await;
    env.machine("m3m", json!({})).await;

    let machine = env
        .machine_when("associated", |m| {
            is_true(machine_conditions(m), "AssociateBareMetalHost")
        })
        .await;
    assert_eq!(
        annotation(&machine, "metal3.io/BareMetalHost"),
        Some("default/h1")
    );
    assert!(
        machine
            .finalizers()
            .iter()
            .any(|f| f == "metal3machine.infrastructure.cluster.x-k8s.io")
    );
    let user_data = machine
        .status
        .as_ref()
        .and_then(|s| s.user_data.clone())
        .expect("userData");
    assert_eq!(
        (user_data.name.as_deref(), user_data.namespace.as_deref()),
        (Some("m-m3m-bootstrap"), Some(NS))
    );
    let claimed = env
        .host_when("h1", "host claimed and blocked for moves", |h| {
            consumer(h) == Some("m3m")
                && annotation(h, "clusterctl.cluster.x-k8s.io/block-move").is_some()
        })
        .await;
    let consumer_ref = claimed.spec.consumer_ref.clone().expect("consumerRef");
    assert_eq!(consumer_ref.kind.as_deref(), Some("Metal3Machine"));
    assert_eq!(
        consumer_ref.api_version.as_deref(),
        Some("infrastructure.cluster.x-k8s.io/v1beta2")
    );
    assert_eq!(
        label(&claimed, "cluster.x-k8s.io/cluster-name"),
        Some(CLUSTER)
    );
    assert!(claimed.spec.online);
    let image = claimed.spec.image.clone().expect("image");
    assert_eq!(image.url, "http://127.0.0.1/image.qcow2");
    assert_eq!(image.checksum.as_deref(), Some("abc"));
    assert_eq!(
        claimed
            .spec
            .user_data
            .as_ref()
            .and_then(|s| s.name.as_deref()),
        Some("m-m3m-bootstrap")
    );
    let bmc: Secret = env.get("h1-bmc").await.expect("BMC Secret");
    assert_eq!(label(&bmc, "cluster.x-k8s.io/cluster-name"), Some(CLUSTER));
    let associated = env.event("m3m", "HostAssociated").await;
    assert_eq!(associated.type_.as_deref(), Some("Normal"));
    assert_eq!(
        associated
            .reporting_controller
            .as_deref()
            .unwrap_or_default(),
        controller::REPORTER
    );

    // The host is provisioned; its Node in the workload cluster carries the host's UID.
    let nodes: Api<Node> = Api::all(env.workload.client().expect("workload client"));
    let node: Node = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": "node-1", "labels": {"metal3.io/uuid": host.uid().expect("uid")}},
    }))
    .expect("node");
    nodes
        .create(&PostParams::default(), &node)
        .await
        .expect("node created");
    env.host_state("h1", "provisioned").await;
    let expected = "metal3://default/h1/m3m";
    let machine = env
        .machine_when("providerID set and Ready", |m| {
            m.spec.provider_id.as_deref() == Some(expected)
                && is_true(machine_conditions(m), "Ready")
        })
        .await;
    let status = machine.status.as_ref().expect("status");
    assert_eq!(
        status.initialization.as_ref().and_then(|i| i.provisioned),
        Some(true)
    );
    assert_eq!(
        condition(status.conditions.as_deref(), "Metal3DataReady").map(|c| c.reason.as_str()),
        Some("SecretsSetExternally")
    );
    let addresses: BTreeSet<String> = status
        .addresses
        .iter()
        .flatten()
        .map(|a| a.address.clone())
        .collect();
    assert_eq!(
        addresses,
        BTreeSet::from(["192.168.111.20".to_owned(), "h1".to_owned()])
    );
    let node = nodes.get("node-1").await.expect("node");
    assert_eq!(
        node.spec.and_then(|s| s.provider_id).as_deref(),
        Some(expected)
    );
    env.event("m3m", "ProviderIDSet").await;

    // A paused Cluster pauses the host for clusterctl move, and takes it back after.
    env.merge::<Cluster>(CLUSTER, json!({"spec": {"paused": true}}))
        .await;
    let paused = env
        .host_when("h1", "host paused by capm3", |h| {
            annotation(h, "baremetalhost.metal3.io/paused") == Some("metal3.io/capm3")
        })
        .await;
    let saved: Value = serde_json::from_str(
        annotation(&paused, "baremetalhost.metal3.io/status").expect("status annotation"),
    )
    .expect("status JSON");
    assert_eq!(saved["provisioning"]["state"], json!("provisioned"));
    assert!(saved.get("hardware").is_none());
    assert_eq!(
        annotation(&paused, "clusterctl.cluster.x-k8s.io/block-move"),
        None
    );
    env.machine_when("machine Paused", |m| {
        is_true(machine_conditions(m), "Paused")
    })
    .await;
    env.merge::<Cluster>(CLUSTER, json!({"spec": {"paused": false}}))
        .await;
    env.host_when("h1", "host unpaused", |h| {
        annotation(h, "baremetalhost.metal3.io/paused").is_none()
    })
    .await;
    env.machine_when("machine unpaused", |m| {
        !is_true(machine_conditions(m), "Paused")
    })
    .await;
    // The machine's own pause annotation pauses the machine, not its host.
    env.merge::<Metal3Machine>(
        "m3m",
        json!({"metadata": {"annotations": {"cluster.x-k8s.io/paused": ""}}}),
    )
    .await;
    env.machine_when("machine paused by annotation", |m| {
        is_true(machine_conditions(m), "Paused")
    })
    .await;
    let host_now: BareMetalHost = env.get("h1").await.expect("host");
    assert_eq!(
        annotation(&host_now, "baremetalhost.metal3.io/paused"),
        None
    );
    env.merge::<Metal3Machine>(
        "m3m",
        json!({"metadata": {"annotations": {"cluster.x-k8s.io/paused": null}}}),
    )
    .await;
    env.machine_when("machine unpaused again", |m| {
        !is_true(machine_conditions(m), "Paused")
    })
    .await;

    // Deletion deprovisions the host, waits for it, then releases it.
    env.delete::<Metal3Machine>("m3m").await;
    let deprovisioning = env
        .host_when("h1", "deployment cleared", |h| {
            h.spec.image.is_none() && h.spec.user_data.is_none()
        })
        .await;
    assert!(!deprovisioning.spec.online, "DEL-03: powered off");
    assert_eq!(consumer(&deprovisioning), Some("m3m"));
    let deleting = env
        .machine_when("machine waits for its host", |m| {
            condition(machine_conditions(m), "AssociateMetal3MachineMetaData")
                .is_some_and(|c| c.reason == "Deleting")
        })
        .await;
    assert!(deleting.metadata.deletion_timestamp.is_some());
    env.host_state("h1", "deprovisioning").await;
    env.event("m3m", "HostDeprovisioning").await;
    assert!(env.get::<Metal3Machine>("m3m").await.is_some());
    env.host_state("h1", "available").await;
    common::eventually("machine gone", || async {
        env.get::<Metal3Machine>("m3m")
            .await
            .is_none()
            .then_some(())
    })
    .await;
    let released: BareMetalHost = env.get("h1").await.expect("host");
    assert_eq!(released.spec.consumer_ref, None);
    assert_eq!(label(&released, "cluster.x-k8s.io/cluster-name"), None);
    let bmc: Secret = env.get("h1-bmc").await.expect("BMC Secret");
    assert_eq!(label(&bmc, "cluster.x-k8s.io/cluster-name"), None);
    env.event("m3m", "HostReleased").await;
    let rendered = env.metrics.render();
    assert!(
        rendered.contains("controller_runtime_reconcile_total{controller=\"metal3machine\""),
        "{rendered}"
    );
    env.stop().await;
}

/// SEL-10 with its reason, and DEL-04: fast track keeps a released host powered on.
#[tokio::test]
async fn no_host_is_reported_and_fast_track_keeps_released_hosts_on() {
    let mut env = Env::start().await;
    env.controller(true);
    env.cluster().await;
    env.machine(
        "m3m",
        json!({"spec": {"hostSelector": {"matchLabels": {"rack": "a"}}}}),
    )
    .await;
    let waiting = env
        .machine_when("no host reported", |m| {
            condition(machine_conditions(m), "AssociateBareMetalHost")
                .is_some_and(|c| c.reason == "AssociateBareMetalHostFailed")
        })
        .await;
    let message = &condition(machine_conditions(&waiting), "AssociateBareMetalHost")
        .expect("condition")
        .message;
    assert!(message.contains("no available host"), "{message}");
    let warning = env.event("m3m", "NoHostAvailable").await;
    assert_eq!(warning.type_.as_deref(), Some("Warning"));

    env.host("h1").await;
    env.merge::<BareMetalHost>("h1", json!({"metadata": {"labels": {"rack": "a"}}}))
        .await;
    // The machine would look again within 30 s; a label change brings it back at once.
    env.merge::<Metal3Machine>("m3m", json!({"metadata": {"labels": {"nudge": "1"}}}))
        .await;
    env.host_when("h1", "host claimed", |h| consumer(h) == Some("m3m"))
        .await;
    env.delete::<Metal3Machine>("m3m").await;
    let cleared = env
        .host_when("h1", "deployment cleared", |h| h.spec.image.is_none())
        .await;
    assert!(cleared.spec.online, "DEL-04: fast track keeps it on");
    env.stop().await;
}

/// DTI-01…DTI-05 and DEL-01, with the Metal3DataTemplate controller's part played by hand:
/// the machine claims its data, keeps its host unprovisioned until the rendered Metal3Data is
/// ready, then points the host at the rendered Secrets; deletion releases the claim.
#[tokio::test]
async fn a_data_template_machine_waits_for_its_rendered_data() {
    let mut env = Env::start().await;
    env.controller(false);
    env.cluster().await;
    env.host("h1").await;
    env.machine("m3m", json!({"spec": {"dataTemplate": {"name": "tmpl"}}}))
        .await;
    let claim = common::eventually("Metal3DataClaim created", || async {
        env.get::<Metal3DataClaim>("m3m").await
    })
    .await;
    assert_eq!(
        claim.metadata.finalizers,
        Some(vec![
            "metal3machine.infrastructure.cluster.x-k8s.io".to_owned()
        ])
    );
    let owner_ref = &claim.metadata.owner_references.as_ref().expect("owner")[0];
    assert_eq!(
        (owner_ref.kind.as_str(), owner_ref.controller),
        ("Metal3Machine", Some(true))
    );
    let template = claim.spec.template.clone().expect("template");
    assert_eq!(
        (template.name.as_deref(), template.namespace.as_deref()),
        (Some("tmpl"), Some(NS))
    );
    let machine = env
        .machine_when("template namespace defaulted", |m| {
            m.spec
                .data_template
                .as_ref()
                .and_then(|t| t.namespace.as_deref())
                == Some(NS)
        })
        .await;
    let claimed = env
        .host_when("h1", "host claimed", |h| consumer(h) == Some("m3m"))
        .await;
    assert!(claimed.spec.image.is_none(), "DTI-04: not provisioned yet");

    env.create::<Metal3Data>(json!({
        "apiVersion": format!("{INFRA}/v1beta2"), "kind": "Metal3Data",
        "metadata": {"name": "tmpl-0",
                     "ownerReferences": [owner(&claim), owner(&machine)]},
        "spec": {"index": 0, "template": {"name": "tmpl", "namespace": NS},
                 "claim": {"name": "m3m", "namespace": NS},
                 "metaData": {"name": "m3m-metadata", "namespace": NS},
                 "networkData": {"name": "m3m-networkdata", "namespace": NS}},
    }))
    .await;
    env.merge_status::<Metal3Data>("tmpl-0", json!({"ready": false}))
        .await;
    env.merge_status::<Metal3DataClaim>(
        "m3m",
        json!({"renderedData": {"name": "tmpl-0", "namespace": NS}}),
    )
    .await;
    env.machine_when("waiting for the Metal3Data", |m| {
        condition(machine_conditions(m), "Metal3DataReady")
            .is_some_and(|c| c.reason == "WaitingForMetal3Data")
    })
    .await;
    let host_now: BareMetalHost = env.get("h1").await.expect("host");
    assert!(host_now.spec.image.is_none(), "DTI-04: data not ready");

    env.merge_status::<Metal3Data>("tmpl-0", json!({"ready": true}))
        .await;
    let provisioned = env
        .host_when("h1", "host provisioned with the rendered data", |h| {
            h.spec.image.is_some()
        })
        .await;
    assert_eq!(
        provisioned.spec.meta_data.and_then(|s| s.name).as_deref(),
        Some("m3m-metadata")
    );
    assert_eq!(
        provisioned
            .spec
            .network_data
            .and_then(|s| s.name)
            .as_deref(),
        Some("m3m-networkdata")
    );
    let machine = env
        .machine_when("data recorded", |m| {
            is_true(machine_conditions(m), "Metal3DataReady")
        })
        .await;
    let status = machine.status.expect("status");
    assert_eq!(
        status.rendered_data.and_then(|r| r.name).as_deref(),
        Some("tmpl-0")
    );
    assert_eq!(
        status.meta_data.and_then(|s| s.name).as_deref(),
        Some("m3m-metadata")
    );

    env.delete::<Metal3Machine>("m3m").await;
    common::eventually("claim released", || async {
        env.get::<Metal3DataClaim>("m3m")
            .await
            .is_none()
            .then_some(())
    })
    .await;
    common::eventually("machine gone", || async {
        env.get::<Metal3Machine>("m3m")
            .await
            .is_none()
            .then_some(())
    })
    .await;
    env.stop().await;
}

/// MT-01, MT-03: a template's cleaning mode follows onto its own clones.
#[tokio::test]
async fn template_cleaning_mode_follows_onto_its_machines() {
    let mut env = Env::start().await;
    env.controller(false);
    env.create::<Metal3MachineTemplate>(json!({
        "apiVersion": format!("{INFRA}/v1beta2"), "kind": "Metal3MachineTemplate",
        "metadata": {"name": "workers"},
        "spec": {"template": {"spec": {"image": {"url": "http://127.0.0.1/image.qcow2",
                                                  "checksum": "abc"},
                                        "automatedCleaningMode": "disabled"}}},
    }))
    .await;
    let cloned_from = |template: &str| {
        json!({"metadata": {"annotations": {
            "cluster.x-k8s.io/cloned-from-name": template,
            "cluster.x-k8s.io/cloned-from-groupkind": "Metal3MachineTemplate.infrastructure.cluster.x-k8s.io"}}})
    };
    env.machine("m3m", cloned_from("workers")).await;
    env.machine("other", cloned_from("elsewhere")).await;
    env.machine_when("cleaning mode from the template", |m| {
        m.spec.automated_cleaning_mode.is_some()
    })
    .await;
    let other: Metal3Machine = env.get("other").await.expect("other");
    assert_eq!(other.spec.automated_cleaning_mode, None);
    env.stop().await;
}

/// SEL-11 across workers and replicas: 50 Metal3Machines, 50 hosts, two controllers leading
/// at once, host and machine writes failing with injected 409s now and then. Every machine
/// gets its own host, and every claimed host belongs to the machine that names it.
#[tokio::test]
async fn fifty_machines_two_replicas_never_share_or_leak_a_host() {
    let mut env = Env::start().await;
    env.cluster().await;
    const COUNT: usize = 50;
    for i in 0..COUNT {
        env.host(&format!("h{i:02}")).await;
        env.machine(&format!("m{i:02}"), json!({})).await;
    }
    for resource in ["baremetalhosts", "metal3machines"] {
        env.server.api.hooks.inject(Fault {
            verb: Some("patch".into()),
            resource: Some(resource.into()),
            probability: 0.2,
            action: FaultAction::Status(409),
            times: Some(40),
        });
    }
    env.controller(false);
    env.controller(false);

    let (annotated, consumers) = common::eventually("every machine holds its own host", || async {
        let machines: Vec<Metal3Machine> = env.list().await;
        let hosts: Vec<BareMetalHost> = env.list().await;
        let annotated: BTreeMap<String, String> = machines
            .iter()
            .filter_map(|m| {
                let host = annotation(m, "metal3.io/BareMetalHost")?;
                Some((m.name_any(), host.trim_start_matches("default/").to_owned()))
            })
            .collect();
        let consumers: BTreeMap<String, String> = hosts
            .iter()
            .filter_map(|h| Some((h.name_any(), consumer(h)?.to_owned())))
            .collect();
        let settled = annotated.len() == COUNT
            && consumers.len() == COUNT
            && annotated
                .iter()
                .all(|(machine, host)| consumers.get(host) == Some(machine));
        settled.then_some((annotated, consumers))
    })
    .await;
    let distinct: BTreeSet<&String> = annotated.values().collect();
    assert_eq!(distinct.len(), COUNT, "no host claimed twice");
    let holders: BTreeSet<&String> = consumers.values().collect();
    assert_eq!(holders.len(), COUNT, "no machine holds two hosts");
    env.stop().await;
}

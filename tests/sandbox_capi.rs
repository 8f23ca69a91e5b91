//! The Cluster API stand-ins of `capm3 sandbox` against the embedded API server, over real
//! HTTP with kube-rs. Only the stand-ins run: the tests play CAPM3 by hand (Metal3Cluster and
//! Metal3Machine status, the host annotation, the Node's providerID), so each stand-in
//! behaviour is seen on its own. The CAPM3 checklist IDs name what CAPM3 reads of these
//! objects (M3C-02 owner Cluster, M3M-01 owner Machine, M3M-03 infrastructure ready, M3M-05
//! bootstrap data, M3C-08 Machines before the Metal3Cluster, PID-01 the labelled Node).

mod common;

use common::objects::{Kind, Objects};

use std::collections::BTreeSet;

use capm3::api::bmo::v1alpha1::BareMetalHost;
use capm3::api::capi::{Cluster, KubeadmControlPlane, Machine, MachineDeployment, MachineSet};
use capm3::api::capm3::v1beta2::{Metal3Cluster, Metal3Machine, Metal3MachineTemplate};
use capm3::sandbox::apiserver::ApiServer;
use capm3::sandbox::capi::{self, Options};
use k8s_openapi::api::core::v1::{Node, Secret};
use k8s_openapi::api::events::v1::Event;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Resource, ResourceExt};
use serde_json::{Value, json};
use tokio::sync::watch;

const NS: &str = "default";
const CLUSTER: &str = "test1";
const INFRA: &str = "infrastructure.cluster.x-k8s.io";
const HOLD: &str = "test.capm3.io/hold";

/// The management cluster with the Metal3 and CAPI CRDs and the stand-ins running on it.
struct Env {
    server: ApiServer,
    objects: Objects,
    stop: watch::Sender<bool>,
    standins: tokio::task::JoinHandle<()>,
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
        // RUST_LOG=capm3=debug shows the stand-ins' view when a step times out.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let server = common::server_with_all_crds().await;
        let client = server.client().expect("client");
        let (stop, mut stopping) = watch::channel(false);
        let standins = tokio::spawn(capi::run(
            server.client().expect("client"),
            Options::default(),
            async move {
                let _ = stopping.wait_for(|stop| *stop).await;
            },
        ));
        Env {
            server,
            objects: Objects::new(client, NS),
            stop,
            standins,
        }
    }

    async fn stop(self) {
        let _ = self.stop.send(true);
        self.standins.await.expect("stand-ins stop");
        self.server.stop().await;
    }

    /// `name` once `probe` accepts it.
    async fn when<K: Kind>(&self, name: &str, what: &str, probe: impl Fn(&K) -> bool) -> K {
        common::eventually(what, || async { self.get::<K>(name).await.filter(&probe) }).await
    }

    /// Every object of kind `K` once `probe` accepts the list.
    async fn all_when<K: Kind>(&self, what: &str, probe: impl Fn(&[K]) -> bool) -> Vec<K> {
        common::eventually(what, || async {
            let all = self.list::<K>().await;
            probe(&all).then_some(all)
        })
        .await
    }

    /// The Cluster, its Metal3Cluster (with `metal3_cluster` merged in) and, when
    /// `provisioned`, the Metal3Cluster reported provisioned as CAPM3 would (M3C-03).
    async fn cluster(&self, spec: Value, metal3_cluster: Value, provisioned: bool) -> Cluster {
        let mut cluster = json!({
            "apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Cluster",
            "metadata": {"name": CLUSTER},
            "spec": {"infrastructureRef": {"apiGroup": INFRA, "kind": "Metal3Cluster", "name": CLUSTER}},
        });
        json_patch::merge(&mut cluster["spec"], &spec);
        let cluster: Cluster = self.create(cluster).await;
        let mut infrastructure = json!({
            "apiVersion": format!("{INFRA}/v1beta2"), "kind": "Metal3Cluster",
            "metadata": {"name": CLUSTER},
            "spec": {"controlPlaneEndpoint": {"host": "127.0.0.1", "port": 6443}},
        });
        json_patch::merge(&mut infrastructure, &metal3_cluster);
        self.create::<Metal3Cluster>(infrastructure).await;
        if provisioned {
            self.merge_status::<Metal3Cluster>(
                CLUSTER,
                json!({"initialization": {"provisioned": true}}),
            )
            .await;
            self.when::<Cluster>(CLUSTER, "Cluster infrastructure provisioned", |c| {
                c.status
                    .as_ref()
                    .and_then(|s| s.initialization.as_ref())
                    .and_then(|i| i.infrastructure_provisioned)
                    == Some(true)
            })
            .await;
        }
        cluster
    }

    async fn template(&self, name: &str) {
        self.create::<Metal3MachineTemplate>(json!({
            "apiVersion": format!("{INFRA}/v1beta2"), "kind": "Metal3MachineTemplate",
            "metadata": {"name": name},
            "spec": {"template": {
                "metadata": {"labels": {"pool": name}},
                "spec": {"image": {"url": "http://127.0.0.1/image.qcow2", "checksum": "abc",
                                   "checksumType": "sha256", "diskFormat": "qcow2"},
                         "hostSelector": {"matchLabels": {"role": name}}}}},
        }))
        .await;
    }

    async fn deployment(&self, name: &str, replicas: i32) -> MachineDeployment {
        self.template(name).await;
        self.create(json!({
            "apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "MachineDeployment",
            "metadata": {"name": name},
            "spec": {"clusterName": CLUSTER, "replicas": replicas,
                     "template": {"spec": {"clusterName": CLUSTER, "version": "v1.33.0",
                         "bootstrap": {"configRef": {"apiGroup": "bootstrap.cluster.x-k8s.io",
                                                     "kind": "KubeadmConfigTemplate", "name": name}},
                         "infrastructureRef": {"apiGroup": INFRA, "kind": "Metal3MachineTemplate",
                                               "name": name}}}},
        }))
        .await
    }

    async fn control_plane(&self, replicas: i32) -> KubeadmControlPlane {
        self.template("cp").await;
        self.create(json!({
            "apiVersion": "controlplane.cluster.x-k8s.io/v1beta2", "kind": "KubeadmControlPlane",
            "metadata": {"name": "cp"},
            "spec": {"replicas": replicas, "version": "v1.33.0",
                     "machineTemplate": {"spec": {"infrastructureRef":
                         {"apiGroup": INFRA, "kind": "Metal3MachineTemplate", "name": "cp"}}}},
        }))
        .await
    }

    /// The Machines owned by the object with `uid`, once there are `count` of them not being
    /// deleted.
    async fn machines_of(&self, uid: &str, count: usize) -> Vec<Machine> {
        self.all_when::<Machine>(&format!("{count} Machines of {uid}"), |all| {
            live_owned(all, uid).len() == count
        })
        .await
        .into_iter()
        .filter(|m| owned_by(m, uid) && m.meta().deletion_timestamp.is_none())
        .collect()
    }

    /// The Metal3Machine `name`, once cloned (just after its Machine is created).
    async fn cloned(&self, name: &str) -> Metal3Machine {
        self.when::<Metal3Machine>(name, "Metal3Machine cloned", |_| true)
            .await
    }

    /// An `available` host `name` with its BMC Secret.
    async fn host(&self, name: &str) -> BareMetalHost {
        self.create::<BareMetalHost>(json!({
            "apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
            "metadata": {"name": name},
            "spec": {"online": false,
                     "bmc": {"address": "redfish://127.0.0.1/redfish/v1/Systems/1",
                             "credentialsName": format!("{name}-bmc")}},
        }))
        .await
    }

    async fn host_state(&self, name: &str, state: &str) {
        self.merge_status::<BareMetalHost>(
            name,
            json!({"errorCount": 0, "errorMessage": "", "operationalStatus": "OK",
                   "poweredOn": state == "provisioned", "provisioningFailCount": 0,
                   "provisioning": {"ID": "", "state": state}}),
        )
        .await;
    }

    /// A client of the workload cluster, built from the `<cluster>-kubeconfig` Secret as
    /// CAPM3 builds it.
    async fn workload(&self) -> kube::Client {
        let secret = self
            .when::<Secret>(
                &format!("{CLUSTER}-kubeconfig"),
                "kubeconfig Secret",
                |_| true,
            )
            .await;
        client_from(&secret).await
    }

    async fn event(&self, reason: &str, about: &str) -> Event {
        common::eventually(&format!("{reason} Event about {about}"), || async {
            self.list::<Event>().await.into_iter().find(|e| {
                e.reason.as_deref() == Some(reason)
                    && e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some(about)
            })
        })
        .await
    }
}

async fn client_from(secret: &Secret) -> kube::Client {
    let data = secret.data.clone().unwrap_or_default();
    let text = std::str::from_utf8(&data["value"].0).expect("UTF-8 kubeconfig");
    let kubeconfig = Kubeconfig::from_yaml(text).expect("a kubeconfig");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("kubeconfig usable");
    kube::Client::try_from(config).expect("client")
}

fn owned_by<K: Resource>(object: &K, uid: &str) -> bool {
    object.owner_references().iter().any(|o| o.uid == uid)
}

fn controller_of<K: Resource>(object: &K) -> Option<(String, String)> {
    object
        .owner_references()
        .iter()
        .find(|o| o.controller == Some(true))
        .map(|o| (o.kind.clone(), o.uid.clone()))
}

fn live_owned<'a>(all: &'a [Machine], uid: &str) -> Vec<&'a Machine> {
    all.iter()
        .filter(|m| owned_by(*m, uid) && m.meta().deletion_timestamp.is_none())
        .collect()
}

fn label<'a, K: Resource>(object: &'a K, key: &str) -> Option<&'a str> {
    object.labels().get(key).map(String::as_str)
}

fn phase(machine: &Machine) -> Option<&str> {
    machine.status.as_ref().and_then(|s| s.phase.as_deref())
}

fn uid<K: Resource>(object: &K) -> String {
    object.uid().expect("uid")
}

/// The deprecated v1beta1 condition `type_` of a CAPI status (what upstream CAPM3 reads).
fn v1beta1_condition(status: &capm3::api::capi::Rest, type_: &str) -> Option<String> {
    status.get("deprecated")?["v1beta1"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)
        .and_then(|c| c["status"].as_str().map(str::to_owned))
}

/// M3C-02/M3M-03: the Cluster owns its Metal3Cluster, mirrors its provisioned state and
/// endpoint, and hands out a kubeconfig that reaches its workload cluster.
#[tokio::test]
async fn cluster_mirrors_its_infrastructure_and_has_a_workload_cluster() {
    let env = Env::start().await;
    let cluster = env.cluster(json!({}), json!({}), false).await;
    let metal3_cluster = env
        .when::<Metal3Cluster>(CLUSTER, "Metal3Cluster owned by its Cluster", |m| {
            controller_of(m).is_some()
        })
        .await;
    assert_eq!(
        controller_of(&metal3_cluster),
        Some(("Cluster".to_owned(), uid(&cluster)))
    );
    assert_eq!(
        label(&metal3_cluster, "cluster.x-k8s.io/cluster-name"),
        Some(CLUSTER)
    );
    let waiting = env
        .when::<Cluster>(CLUSTER, "Cluster provisioning", |c| {
            c.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Provisioning")
        })
        .await;
    assert!(
        waiting
            .finalizers()
            .iter()
            .any(|f| f == "cluster.cluster.x-k8s.io")
    );
    let status = waiting.status.expect("status");
    assert_eq!(
        status
            .initialization
            .and_then(|i| i.infrastructure_provisioned),
        Some(false)
    );
    assert_eq!(
        v1beta1_condition(&status.rest, "InfrastructureReady").as_deref(),
        Some("False")
    );

    // CAPM3's part: the Metal3Cluster is provisioned.
    env.merge_status::<Metal3Cluster>(CLUSTER, json!({"initialization": {"provisioned": true}}))
        .await;
    let provisioned = env
        .when::<Cluster>(CLUSTER, "Cluster provisioned", |c| {
            c.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Provisioned")
        })
        .await;
    let endpoint = provisioned
        .spec
        .control_plane_endpoint
        .clone()
        .expect("endpoint copied");
    assert_eq!(
        (endpoint.host.as_deref(), endpoint.port),
        (Some("127.0.0.1"), Some(6443))
    );
    let status = provisioned.status.expect("status");
    assert_eq!(
        status
            .initialization
            .and_then(|i| i.infrastructure_provisioned),
        Some(true)
    );
    assert_eq!(
        v1beta1_condition(&status.rest, "InfrastructureReady").as_deref(),
        Some("True")
    );
    assert!(
        status
            .conditions
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "InfrastructureReady" && c.status == "True")
    );

    let secret = env
        .when::<Secret>(
            &format!("{CLUSTER}-kubeconfig"),
            "kubeconfig Secret",
            |_| true,
        )
        .await;
    assert_eq!(secret.type_.as_deref(), Some("cluster.x-k8s.io/secret"));
    assert_eq!(
        label(&secret, "cluster.x-k8s.io/cluster-name"),
        Some(CLUSTER)
    );
    assert_eq!(
        controller_of(&secret),
        Some(("Cluster".to_owned(), uid(&cluster)))
    );
    let workload = client_from(&secret).await;
    let nodes = Api::<Node>::all(workload)
        .list(&ListParams::default())
        .await
        .expect("the workload cluster answers");
    assert!(nodes.items.is_empty());
    env.event("KubeconfigCreated", CLUSTER).await;
    env.stop().await;
}

/// A MachineDeployment keeps `replicas` Machines through one MachineSet: each labelled and
/// owned as Cluster API does, with a Metal3Machine cloned from the template and owned by the
/// Machine (M3M-01), and bootstrap data (M3M-05); scaling down deletes the newest.
#[tokio::test]
async fn machine_deployment_keeps_its_replicas() {
    let env = Env::start().await;
    let cluster = env.cluster(json!({}), json!({}), true).await;
    let deployment = env.deployment("workers", 2).await;
    let sets = env
        .all_when::<MachineSet>("the deployment's MachineSet", |all| {
            all.iter().any(|s| owned_by(s, &uid(&deployment)))
        })
        .await;
    assert_eq!(sets.len(), 1, "one MachineSet per deployment");
    let set = &sets[0];
    assert_eq!(
        controller_of(set),
        Some(("MachineDeployment".to_owned(), uid(&deployment)))
    );
    assert_eq!(
        label(set, "cluster.x-k8s.io/deployment-name"),
        Some("workers")
    );
    let deployment_now = env
        .get::<MachineDeployment>("workers")
        .await
        .expect("deployment");
    assert!(
        owned_by(&deployment_now, &uid(&cluster)),
        "the Cluster owns its deployments"
    );
    assert_eq!(
        label(&deployment_now, "cluster.x-k8s.io/cluster-name"),
        Some(CLUSTER)
    );

    let machines = env.machines_of(&uid(set), 2).await;
    for machine in &machines {
        let name = machine.name_any();
        assert_eq!(
            label(machine, "cluster.x-k8s.io/cluster-name"),
            Some(CLUSTER)
        );
        assert_eq!(
            label(machine, "cluster.x-k8s.io/deployment-name"),
            Some("workers")
        );
        assert_eq!(
            label(machine, "cluster.x-k8s.io/set-name"),
            Some(set.name_any().as_str())
        );
        assert_eq!(machine.spec.version.as_deref(), Some("v1.33.0"));
        assert_eq!(machine.spec.infrastructure_ref.kind, "Metal3Machine");
        let machine = env
            .when::<Machine>(&name, "Machine with bootstrap data", |m| {
                m.spec.bootstrap.data_secret_name.is_some()
                    && m.finalizers()
                        .iter()
                        .any(|f| f == "machine.cluster.x-k8s.io")
                    && phase(m) == Some("Provisioning")
            })
            .await;
        assert_eq!(
            machine.spec.bootstrap.data_secret_name.as_deref(),
            Some(name.as_str())
        );

        let infrastructure = env.cloned(&machine.spec.infrastructure_ref.name).await;
        assert_eq!(
            controller_of(&infrastructure),
            Some(("Machine".to_owned(), uid(&machine)))
        );
        assert_eq!(
            label(&infrastructure, "cluster.x-k8s.io/cluster-name"),
            Some(CLUSTER)
        );
        assert_eq!(
            label(&infrastructure, "pool"),
            Some("workers"),
            "template labels"
        );
        let annotations = infrastructure.annotations();
        assert_eq!(
            annotations
                .get("cluster.x-k8s.io/cloned-from-name")
                .map(String::as_str),
            Some("workers")
        );
        assert_eq!(
            annotations
                .get("cluster.x-k8s.io/cloned-from-groupkind")
                .map(String::as_str),
            Some("Metal3MachineTemplate.infrastructure.cluster.x-k8s.io")
        );
        assert_eq!(
            infrastructure.spec.image.as_ref().map(|i| i.url.as_str()),
            Some("http://127.0.0.1/image.qcow2")
        );

        let bootstrap = env.get::<Secret>(&name).await.expect("bootstrap Secret");
        assert_eq!(bootstrap.type_.as_deref(), Some("cluster.x-k8s.io/secret"));
        assert_eq!(
            controller_of(&bootstrap),
            Some(("Machine".to_owned(), uid(&machine)))
        );
        let data = bootstrap.data.unwrap_or_default();
        assert!(
            std::str::from_utf8(&data["value"].0)
                .expect("text")
                .starts_with("#cloud-config")
        );
        assert_eq!(data["format"].0, b"cloud-config");
    }
    env.when::<MachineSet>(&set.name_any(), "MachineSet status", |s| {
        s.status.as_ref().and_then(|s| s.replicas) == Some(2)
    })
    .await;
    env.when::<MachineDeployment>("workers", "MachineDeployment status", |d| {
        d.status.as_ref().and_then(|s| s.replicas) == Some(2)
    })
    .await;
    env.event("SuccessfulCreate", &set.name_any()).await;

    // Scale down: the newest Machine goes, with its Metal3Machine and bootstrap data.
    let newest = machines
        .iter()
        .max_by_key(|m| {
            (
                m.metadata.creation_timestamp.clone().map(|t| t.0),
                m.name_any(),
            )
        })
        .expect("a machine")
        .name_any();
    env.merge::<MachineDeployment>("workers", json!({"spec": {"replicas": 1}}))
        .await;
    env.gone::<Machine>(&newest).await;
    env.gone::<Metal3Machine>(&newest).await;
    env.gone::<Secret>(&newest).await;
    let kept = env.machines_of(&uid(set), 1).await;
    assert_ne!(kept[0].name_any(), newest);

    // Scale up again.
    env.merge::<MachineDeployment>("workers", json!({"spec": {"replicas": 3}}))
        .await;
    let machines = env.machines_of(&uid(set), 3).await;
    let names: BTreeSet<String> = machines.iter().map(|m| m.name_any()).collect();
    assert!(
        names.contains(&kept[0].name_any()),
        "scaling up keeps the existing Machine"
    );
    env.stop().await;
}

/// A control-plane Machine joins the workload cluster once CAPM3 provisions it: its Node
/// appears labelled with the host's UID (PID-01); once CAPM3 sets the Node's providerID the
/// Machine runs, with its Node reference and addresses, and the control plane and Cluster
/// report the control plane initialized. Scaling the control plane down removes the Node.
#[tokio::test]
async fn a_machine_runs_once_its_node_is_linked() {
    let env = Env::start().await;
    let cluster = env
        .cluster(
            json!({"controlPlaneRef": {"apiGroup": "controlplane.cluster.x-k8s.io",
                                       "kind": "KubeadmControlPlane", "name": "cp"}}),
            json!({}),
            true,
        )
        .await;
    let control_plane = env.control_plane(1).await;
    let host = env.host("host-0").await;
    let control_plane_now = env
        .when::<KubeadmControlPlane>("cp", "control plane owned by its Cluster", |c| {
            controller_of(c).is_some()
        })
        .await;
    assert_eq!(
        controller_of(&control_plane_now),
        Some(("Cluster".to_owned(), uid(&cluster)))
    );
    let machine = env.machines_of(&uid(&control_plane), 1).await.remove(0);
    let name = machine.name_any();
    assert!(
        machine
            .labels()
            .contains_key("cluster.x-k8s.io/control-plane")
    );
    assert_eq!(
        label(&machine, "cluster.x-k8s.io/control-plane-name"),
        Some("cp")
    );
    assert_eq!(
        controller_of(&machine).map(|(kind, _)| kind).as_deref(),
        Some("KubeadmControlPlane")
    );
    env.when::<Machine>(&name, "bootstrap data", |m| {
        m.spec.bootstrap.data_secret_name.is_some()
    })
    .await;

    // CAPM3's part: associate the host, provision, report the providerID and addresses.
    env.cloned(&name).await;
    let provider_id = format!("metal3://{NS}/host-0/{name}");
    env.merge::<Metal3Machine>(
        &name,
        json!({"metadata": {"annotations": {"metal3.io/BareMetalHost": format!("{NS}/host-0")}},
               "spec": {"providerID": provider_id}}),
    )
    .await;
    env.merge_status::<Metal3Machine>(
        &name,
        json!({"initialization": {"provisioned": true},
               "addresses": [{"type": "InternalIP", "address": "192.168.111.20"},
                             {"type": "Hostname", "address": "host-0"}]}),
    )
    .await;

    let workload = env.workload().await;
    let nodes = Api::<Node>::all(workload.clone());
    // The kubelet registers the Node, then posts its status.
    let node = common::eventually("the Node joins and posts its status", || async {
        let node = nodes.get_opt(&name).await.expect("workload Node")?;
        node.status.as_ref()?.addresses.as_ref()?;
        Some(node)
    })
    .await;
    assert_eq!(
        node.labels().get("metal3.io/uuid").map(String::as_str),
        Some(uid(&host).as_str())
    );
    assert!(
        node.labels()
            .contains_key("node-role.kubernetes.io/control-plane")
    );
    let addresses: Vec<(String, String)> = node
        .status
        .as_ref()
        .and_then(|s| s.addresses.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|a| (a.type_, a.address))
        .collect();
    assert!(addresses.contains(&("InternalIP".to_owned(), "192.168.111.20".to_owned())));
    env.event("NodeJoined", &name).await;
    let provisioned = env
        .when::<Machine>(&name, "Machine provisioned", |m| {
            phase(m) == Some("Provisioned")
        })
        .await;
    assert_eq!(
        provisioned.spec.provider_id.as_deref(),
        Some(provider_id.as_str())
    );

    // CAPM3's part: the Node gets the providerID.
    nodes
        .patch(
            &name,
            &PatchParams::default(),
            &Patch::Merge(&json!({"spec": {"providerID": provider_id}})),
        )
        .await
        .expect("providerID set");
    let running = env
        .when::<Machine>(&name, "Machine running", |m| phase(m) == Some("Running"))
        .await;
    let status = running.status.expect("status");
    assert_eq!(
        status.node_ref.map(|n| n.name).as_deref(),
        Some(name.as_str())
    );
    let addresses: Vec<(String, String)> = status
        .addresses
        .unwrap_or_default()
        .into_iter()
        .map(|a| (a.r#type, a.address))
        .collect();
    assert_eq!(
        addresses,
        vec![
            ("InternalIP".to_owned(), "192.168.111.20".to_owned()),
            ("Hostname".to_owned(), "host-0".to_owned()),
        ]
    );
    assert!(
        status
            .conditions
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "NodeReady" && c.status == "True")
    );
    env.when::<KubeadmControlPlane>("cp", "control plane initialized", |c| {
        c.status.as_ref().is_some_and(|s| {
            s.ready_replicas == Some(1)
                && s.initialization
                    .as_ref()
                    .and_then(|i| i.control_plane_initialized)
                    == Some(true)
        })
    })
    .await;
    env.when::<Cluster>(CLUSTER, "Cluster control plane initialized", |c| {
        c.status
            .as_ref()
            .and_then(|s| s.initialization.as_ref())
            .and_then(|i| i.control_plane_initialized)
            == Some(true)
    })
    .await;

    // Scaling the control plane to zero removes the Machine and its Node.
    env.merge::<KubeadmControlPlane>("cp", json!({"spec": {"replicas": 0}}))
        .await;
    env.gone::<Machine>(&name).await;
    common::eventually("the Node removed", || async {
        nodes
            .get_opt(&name)
            .await
            .expect("workload Node")
            .is_none()
            .then_some(())
    })
    .await;
    env.stop().await;
}

/// The kubelet also joins as soon as the host is provisioned for the Metal3Machine, before
/// CAPM3 reports the Metal3Machine provisioned (so CAPM3 finds the labelled Node, PID-01).
#[tokio::test]
async fn a_provisioned_host_joins_its_node() {
    let env = Env::start().await;
    env.cluster(json!({}), json!({}), true).await;
    let set_owner = env.deployment("workers", 1).await;
    let host = env.host("host-1").await;
    let set = env
        .all_when::<MachineSet>("MachineSet", |all| {
            all.iter().any(|s| owned_by(s, &uid(&set_owner)))
        })
        .await
        .remove(0);
    let name = env.machines_of(&uid(&set), 1).await.remove(0).name_any();
    env.cloned(&name).await;
    env.merge::<Metal3Machine>(
        &name,
        json!({"metadata": {"annotations": {"metal3.io/BareMetalHost": format!("{NS}/host-1")}}}),
    )
    .await;
    env.merge::<BareMetalHost>(
        "host-1",
        json!({"spec": {"consumerRef": {"apiVersion": format!("{INFRA}/v1beta2"),
               "kind": "Metal3Machine", "name": name, "namespace": NS}}}),
    )
    .await;
    env.host_state("host-1", "provisioned").await;
    let nodes = Api::<Node>::all(env.workload().await);
    let node = common::eventually("the Node joins", || async {
        nodes.get_opt(&name).await.expect("workload Node")
    })
    .await;
    assert_eq!(
        node.labels().get("metal3.io/uuid").map(String::as_str),
        Some(uid(&host).as_str())
    );
    assert!(
        !node
            .labels()
            .contains_key("node-role.kubernetes.io/control-plane")
    );
    env.stop().await;
}

/// Deleting a Machine deletes its Metal3Machine and waits until it is gone: CAPM3 holds the
/// Metal3Machine while it releases the host. A Machine made by hand gets its Metal3Machine
/// adopted (M3M-01) and its bootstrap data like any other.
#[tokio::test]
async fn machine_deletion_waits_for_its_metal3machine() {
    let env = Env::start().await;
    env.cluster(json!({}), json!({}), true).await;
    let machine: Machine = env
        .create(json!({
            "apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Machine",
            "metadata": {"name": "by-hand"},
            "spec": {"clusterName": CLUSTER,
                     "infrastructureRef": {"apiGroup": INFRA, "kind": "Metal3Machine", "name": "by-hand-m3m"}},
        }))
        .await;
    env.create::<Metal3Machine>(json!({
        "apiVersion": format!("{INFRA}/v1beta2"), "kind": "Metal3Machine",
        "metadata": {"name": "by-hand-m3m", "finalizers": [HOLD]},
        "spec": {"image": {"url": "http://127.0.0.1/image.qcow2", "checksum": "abc"}},
    }))
    .await;
    let infrastructure = env
        .when::<Metal3Machine>("by-hand-m3m", "Metal3Machine adopted", |m| {
            controller_of(m).is_some()
        })
        .await;
    assert_eq!(
        controller_of(&infrastructure),
        Some(("Machine".to_owned(), uid(&machine)))
    );
    assert_eq!(
        label(&infrastructure, "cluster.x-k8s.io/cluster-name"),
        Some(CLUSTER)
    );
    let machine = env
        .when::<Machine>("by-hand", "Machine labelled, bootstrapped", |m| {
            label(m, "cluster.x-k8s.io/cluster-name") == Some(CLUSTER)
                && m.spec.bootstrap.data_secret_name.is_some()
        })
        .await;
    env.when::<Secret>("by-hand", "bootstrap Secret", |_| true)
        .await;

    env.delete::<Machine>("by-hand").await;
    env.when::<Metal3Machine>("by-hand-m3m", "Metal3Machine being deleted", |m| {
        m.meta().deletion_timestamp.is_some()
    })
    .await;
    let waiting = env
        .when::<Machine>("by-hand", "Machine deleting", |m| {
            phase(m) == Some("Deleting")
        })
        .await;
    assert!(
        waiting
            .finalizers()
            .iter()
            .any(|f| f == "machine.cluster.x-k8s.io")
    );
    assert!(
        env.get::<Secret>("by-hand").await.is_some(),
        "bootstrap data kept while the host is released"
    );
    env.event("DeletingInfrastructure", "by-hand").await;

    // CAPM3's part: the host is released, the Metal3Machine's finalizer goes.
    env.merge::<Metal3Machine>("by-hand-m3m", json!({"metadata": {"finalizers": null}}))
        .await;
    env.gone::<Machine>("by-hand").await;
    env.gone::<Secret>("by-hand").await;
    assert_eq!(
        machine.spec.bootstrap.data_secret_name.as_deref(),
        Some("by-hand")
    );
    env.stop().await;
}

/// Deleting a Cluster deletes its control plane, deployments and Machines, and only once every
/// Machine is gone its Metal3Cluster (M3C-08); then the workload cluster and the Cluster go.
#[tokio::test]
async fn cluster_deletion_tears_everything_down() {
    let env = Env::start().await;
    env.cluster(
        json!({"controlPlaneRef": {"apiGroup": "controlplane.cluster.x-k8s.io",
                                   "kind": "KubeadmControlPlane", "name": "cp"}}),
        json!({"metadata": {"finalizers": [HOLD]}}),
        true,
    )
    .await;
    let control_plane = env.control_plane(1).await;
    env.deployment("workers", 2).await;
    let machines = env
        .all_when::<Machine>("three Machines", |all| {
            all.iter()
                .filter(|m| m.spec.bootstrap.data_secret_name.is_some())
                .count()
                == 3
        })
        .await;
    let held = env
        .machines_of(&uid(&control_plane), 1)
        .await
        .remove(0)
        .name_any();
    env.cloned(&held).await;
    env.merge::<Metal3Machine>(&held, json!({"metadata": {"finalizers": [HOLD]}}))
        .await;
    let secret = env
        .when::<Secret>(
            &format!("{CLUSTER}-kubeconfig"),
            "kubeconfig Secret",
            |_| true,
        )
        .await;
    let workload = client_from(&secret).await;

    env.delete::<Cluster>(CLUSTER).await;
    env.all_when::<MachineDeployment>("deployments deleted", |all| all.is_empty())
        .await;
    env.all_when::<MachineSet>("MachineSets deleted", |all| all.is_empty())
        .await;
    env.gone::<KubeadmControlPlane>("cp").await;
    for machine in machines.iter().filter(|m| m.name_any() != held) {
        env.gone::<Machine>(&machine.name_any()).await;
    }
    // One Machine is held by its Metal3Machine: the Metal3Cluster stays.
    env.when::<Machine>(&held, "held Machine deleting", |m| {
        m.meta().deletion_timestamp.is_some()
    })
    .await;
    let metal3_cluster = env
        .get::<Metal3Cluster>(CLUSTER)
        .await
        .expect("Metal3Cluster");
    assert!(
        metal3_cluster.meta().deletion_timestamp.is_none(),
        "Metal3Cluster waits for the Machines"
    );

    env.merge::<Metal3Machine>(&held, json!({"metadata": {"finalizers": null}}))
        .await;
    env.gone::<Machine>(&held).await;
    env.when::<Metal3Cluster>(CLUSTER, "Metal3Cluster being deleted", |m| {
        m.meta().deletion_timestamp.is_some()
    })
    .await;
    assert!(
        env.get::<Cluster>(CLUSTER).await.is_some(),
        "Cluster waits for its Metal3Cluster"
    );

    // CAPM3's part: no Machine left, the Metal3Cluster lets go.
    env.merge::<Metal3Cluster>(CLUSTER, json!({"metadata": {"finalizers": null}}))
        .await;
    env.gone::<Cluster>(CLUSTER).await;
    env.gone::<Secret>(&format!("{CLUSTER}-kubeconfig")).await;
    assert!(
        Api::<Node>::all(workload)
            .list(&ListParams::default())
            .await
            .is_err(),
        "the workload cluster is stopped"
    );
    assert!(env.list::<Metal3Machine>().await.is_empty());
    env.stop().await;
}

/// Any control plane kind following the contract is handled like a KubeadmControlPlane: found
/// by discovery, owned by the Cluster, its Machines kept and its status reported.
#[tokio::test]
async fn any_contract_control_plane_kind_is_handled() {
    use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
    let env = Env::start().await;
    let crd = serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "othercontrolplanes.controlplane.cluster.x-k8s.io"},
        "spec": {"group": "controlplane.cluster.x-k8s.io", "scope": "Namespaced",
                 "names": {"kind": "OtherControlPlane", "plural": "othercontrolplanes",
                           "singular": "othercontrolplane", "listKind": "OtherControlPlaneList"},
                 "versions": [{"name": "v1beta2", "served": true, "storage": true,
                               "subresources": {"status": {}},
                               "schema": {"openAPIV3Schema": {"type": "object",
                                   "x-kubernetes-preserve-unknown-fields": true}}}]},
    }))
    .expect("CRD");
    env.server
        .install_crds(&[crd])
        .await
        .expect("CRD installed");
    env.cluster(
        json!({"controlPlaneRef": {"apiGroup": "controlplane.cluster.x-k8s.io",
                                   "kind": "OtherControlPlane", "name": "other"}}),
        json!({}),
        true,
    )
    .await;
    env.template("cp").await;
    let resource = ApiResource::from_gvk(&GroupVersionKind::gvk(
        "controlplane.cluster.x-k8s.io",
        "v1beta2",
        "OtherControlPlane",
    ));
    let api = Api::<DynamicObject>::namespaced_with(env.client.clone(), NS, &resource);
    let mut object = DynamicObject::new("other", &resource);
    object.data = json!({"spec": {"replicas": 2, "version": "v1.33.0", "distribution": "other",
        "machineTemplate": {"spec": {"infrastructureRef":
            {"apiGroup": INFRA, "kind": "Metal3MachineTemplate", "name": "cp"}}}}});
    let other = api
        .create(&PostParams::default(), &object)
        .await
        .expect("created");
    let machines = env.machines_of(&uid(&other), 2).await;
    for machine in &machines {
        assert_eq!(
            controller_of(machine).map(|(kind, _)| kind).as_deref(),
            Some("OtherControlPlane")
        );
        assert_eq!(
            label(machine, "cluster.x-k8s.io/control-plane-name"),
            Some("other")
        );
        assert_eq!(machine.spec.version.as_deref(), Some("v1.33.0"));
    }
    common::eventually("control plane status", || async {
        let other = api.get("other").await.expect("control plane");
        (other.data["status"]["replicas"] == 2
            && other
                .owner_references()
                .iter()
                .any(|o| o.kind == "Cluster" && o.controller == Some(true)))
        .then_some(())
    })
    .await;
    env.stop().await;
}

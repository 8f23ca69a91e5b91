//! The BareMetalHost controller end to end, in process: the embedded API server, the Ironic
//! simulator, and the real controller over the shared host cache. A host is enrolled,
//! inspected, provisioned and deleted as a user would do it, checking what the user sees
//! (status, HardwareData, the Secret's finalizer, Events) at each step.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use capm3::api::bmo::v1alpha1::{BareMetalHost, HardwareData, OperationalStatus};
use capm3::bmo::controller::{self, Context, HOST_FINALIZER, SECRET_FINALIZER};
use capm3::bmo::ironic::{Config, IronicProvisionerFactory};
use capm3::bmo::machine::Settings;
use capm3::ironic::{ClientConfig, IronicClient};
use capm3::manager::caches::{Scope, SharedCache};
use capm3::metrics::Metrics;
use capm3::sandbox::apiserver::ApiServer;
use capm3::sandbox::ironic::Simulator;
use capm3::sandbox::ironic::knobs::Knobs;
use k8s_openapi::api::core::v1::{Event, Secret};
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use serde_json::json;
use tokio::sync::watch;

const NAMESPACE: &str = "default";
/// How long any one step may take before the test gives up (a bound on waiting, not a
/// timing assertion: steps normally take a few seconds).
const STEP_LIMIT: Duration = Duration::from_secs(90);

struct Bed {
    _server: ApiServer,
    sim: Arc<Simulator>,
    client: kube::Client,
    hosts: Api<BareMetalHost>,
    metrics: Arc<Metrics>,
    stop: watch::Sender<bool>,
    controller: tokio::task::JoinHandle<()>,
}

async fn bed() -> Bed {
    // RUST_LOG=capm3=debug shows the controller's view when a step times out.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let server = ApiServer::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("API server");
    server
        .install_crds(&capm3::crds::metal3())
        .await
        .expect("CRDs");
    let client = server.client().expect("client");
    let sim = Simulator::start("127.0.0.1:0".parse().expect("addr"), Knobs::default())
        .await
        .expect("simulator");
    let metrics = Arc::new(Metrics::new());
    let ironic = IronicClient::connect(&ClientConfig::new(sim.url()))
        .await
        .expect("Ironic client")
        .with_metrics(metrics.ironic.clone());
    let factory = IronicProvisionerFactory::new(
        ironic,
        Config {
            deploy_kernel_url: Some("http://127.0.0.1/ipa.kernel".into()),
            deploy_ramdisk_url: Some("http://127.0.0.1/ipa.initramfs".into()),
            provisioning_limit: 20,
            allow_fake_hardware: true,
            ..Config::default()
        },
    );
    let cache = SharedCache::<BareMetalHost>::new();
    let subscription = cache.subscribe().expect("subscription");
    let store = cache.store.clone();
    cache.start(&client, &Scope::default());
    let (stop, stopping) = watch::channel(false);
    let (_, leading) = watch::channel(true);
    let context = Arc::new(Context::new(
        client.clone(),
        factory,
        Settings {
            max_provisioning_retries: 5,
        },
        metrics.clone(),
        leading,
    ));
    let mut shutdown = stopping.clone();
    let controller = tokio::spawn(controller::run(
        context,
        store,
        subscription,
        4,
        async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
        },
    ));
    Bed {
        hosts: Api::namespaced(client.clone(), NAMESPACE),
        _server: server,
        sim,
        client,
        metrics,
        stop,
        controller,
    }
}

impl Bed {
    async fn create_secret(&self, name: &str, data: serde_json::Value) {
        let secret: Secret = serde_json::from_value(json!({
            "metadata": {"name": name}, "stringData": data,
        }))
        .expect("secret");
        Api::<Secret>::namespaced(self.client.clone(), NAMESPACE)
            .create(&PostParams::default(), &secret)
            .await
            .expect("secret created");
    }

    async fn secret(&self, name: &str) -> Option<Secret> {
        Api::<Secret>::namespaced(self.client.clone(), NAMESPACE)
            .get_opt(name)
            .await
            .expect("read secret")
    }

    async fn wait_for(
        &self,
        name: &str,
        what: &str,
        done: impl Fn(Option<&BareMetalHost>) -> bool,
    ) -> Option<BareMetalHost> {
        common::wait_for_host(&self.hosts, name, what, STEP_LIMIT, done).await
    }

    async fn wait_for_state(&self, name: &str, state: &str) -> BareMetalHost {
        self.wait_for(name, state, |host| {
            common::provisioning_state(host) == Some(state)
        })
        .await
        .expect("host exists")
    }

    async fn events_for(&self, name: &str) -> Vec<Event> {
        Api::<Event>::namespaced(self.client.clone(), NAMESPACE)
            .list(&ListParams::default())
            .await
            .expect("events")
            .items
            .into_iter()
            .filter(|e| e.involved_object.name.as_deref() == Some(name))
            .collect()
    }

    async fn stop(self) {
        let _ = self.stop.send(true);
        self.controller.await.expect("controller ends cleanly");
    }
}

#[tokio::test]
async fn a_host_goes_from_enrolment_to_provisioned_and_back_to_nothing() {
    let bed = bed().await;
    common::enrol_fake_host(&bed.client, NAMESPACE, "worker-0", "52:54:00:00:00:01").await;

    // Registration and inspection end in `available`, with the hardware reported.
    let host = bed.wait_for_state("worker-0", "available").await;
    assert!(host.finalizers().contains(&HOST_FINALIZER.to_owned()));
    let status = host.status.as_ref().expect("status");
    assert_eq!(status.operational_status, OperationalStatus::Ok);
    assert_eq!(
        status
            .good_credentials
            .as_ref()
            .and_then(|c| c.credentials.as_ref())
            .and_then(|r| r.name.as_deref()),
        Some("worker-0-bmc")
    );
    let hardware = status.hardware.as_ref().expect("status.hardware");
    assert!(!hardware.nics.as_deref().unwrap_or_default().is_empty());
    let details = Api::<HardwareData>::namespaced(bed.client.clone(), NAMESPACE)
        .get_opt("worker-0")
        .await
        .expect("read HardwareData");
    assert!(
        details.is_some(),
        "a HardwareData object named after the host"
    );
    let secret = bed.secret("worker-0-bmc").await.expect("secret");
    assert!(
        secret.finalizers().contains(&SECRET_FINALIZER.to_owned()),
        "the BMC Secret is protected while the host uses it"
    );

    // Provisioning: an image and user data.
    bed.create_secret("worker-0-user-data", json!({"userData": "#cloud-config\n"}))
        .await;
    bed.hosts
        .patch(
            "worker-0",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {
                "image": {"url": "http://127.0.0.1/image.qcow2", "checksum": "http://127.0.0.1/image.qcow2.sha256sum"},
                "userData": {"name": "worker-0-user-data"},
            }})),
        )
        .await
        .expect("image set");
    let host = bed
        .wait_for("worker-0", "provisioned and powered on", |host| {
            common::provisioning_state(host) == Some("provisioned")
                && host
                    .and_then(|h| h.status.as_ref())
                    .is_some_and(|s| s.powered_on)
        })
        .await
        .expect("host exists");
    let status = host.status.as_ref().expect("status");
    assert_eq!(
        status.provisioning.image.as_ref().map(|i| i.url.as_str()),
        Some("http://127.0.0.1/image.qcow2")
    );

    // Ironic loses the node (its database was reset): the host registers a new node and
    // adopts it without re-provisioning.
    let lost = status.provisioning.id.clone();
    bed.sim
        .ironic
        .set_maintenance(&lost, Some("test"))
        .expect("maintenance");
    bed.sim.ironic.delete(&lost).expect("node deleted");
    bed.hosts
        .patch(
            "worker-0",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"annotations": {"example.com/poke": "1"}}})),
        )
        .await
        .expect("annotated");
    let host = bed
        .wait_for("worker-0", "a new node", |host| {
            host.and_then(|h| h.status.as_ref())
                .is_some_and(|s| !s.provisioning.id.is_empty() && s.provisioning.id != lost)
        })
        .await
        .expect("host exists");
    assert_eq!(common::provisioning_state(Some(&host)), Some("provisioned"));
    let adopted = host
        .status
        .as_ref()
        .expect("status")
        .provisioning
        .id
        .clone();
    let deadline = Instant::now() + STEP_LIMIT;
    while bed.sim.ironic.node(&adopted).expect("node")["provision_state"] != "active" {
        assert!(Instant::now() < deadline, "the new node was never adopted");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Deletion deprovisions, removes the node and releases the Secret.
    bed.hosts
        .delete("worker-0", &DeleteParams::default())
        .await
        .expect("delete");
    bed.wait_for("worker-0", "deleted", |host| host.is_none())
        .await;
    // The host owns its BMC Secret (as upstream): released, it is garbage-collected.
    let deadline = Instant::now() + STEP_LIMIT;
    while let Some(secret) = bed.secret("worker-0-bmc").await {
        assert!(
            Instant::now() < deadline,
            "the BMC Secret outlived its host: {:?}",
            secret.metadata
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(bed.sim.ironic.node_count(), 0, "the Ironic node is gone");
    // Every step the user would want to see was an Event.
    let reasons: Vec<String> = bed
        .events_for("worker-0")
        .await
        .into_iter()
        .filter_map(|e| e.reason)
        .collect();
    for expected in [
        "Registered",
        "InspectionStarted",
        "InspectionComplete",
        "PowerOn",
        "ProvisioningStarted",
        "ProvisioningComplete",
        "DeprovisioningStarted",
        "DeprovisioningComplete",
    ] {
        assert!(
            reasons.iter().any(|r| r == expected),
            "an Event {expected}; got {reasons:?}"
        );
    }

    assert!(bed.metrics.render().contains("capm3_ironic_requests_total"));
    bed.stop().await;
}

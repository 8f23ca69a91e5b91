//! The BareMetalHost operator in process, as the integration tests drive it: the embedded API
//! server, the Ironic simulator and the real controller over the shared host cache.

use std::sync::Arc;
use std::time::{Duration, Instant};

use capm3::api::bmo::v1alpha1::BareMetalHost;
use capm3::bmo::controller::{self, Context};
use capm3::bmo::ironic::{Config, IronicProvisionerFactory};
use capm3::bmo::machine::Settings;
use capm3::ironic::{ClientConfig, IronicClient};
use capm3::manager::caches::{Scope, SharedCache};
use capm3::metrics::Metrics;
use capm3::sandbox::apiserver::ApiServer;
use capm3::sandbox::ironic::Simulator;
use capm3::sandbox::ironic::knobs::Knobs;
use k8s_openapi::api::core::v1::{Event, Secret};
use kube::api::{Api, ListParams, Patch, PatchParams};
use serde_json::{Value, json};
use tokio::sync::watch;

pub const NAMESPACE: &str = "default";
/// How long any one step may take before a test gives up (a bound on waiting, not a timing
/// assertion: steps normally take a few seconds).
pub const STEP_LIMIT: Duration = Duration::from_secs(90);
/// How often the tests look at hosts and the simulator.
const POLL: Duration = Duration::from_millis(100);

/// Upstream's default `--max-provisioning-retries`.
const UPSTREAM_SETTINGS: Settings = Settings {
    max_provisioning_retries: 5,
};

/// An operator and what it talks to, in this process.
pub struct BmoBed {
    _server: ApiServer,
    /// The Ironic simulator, unless the bed drives another Ironic ([`BmoBed::on_endpoint`]).
    sim: Option<Arc<Simulator>>,
    /// A client of the Ironic the operator drives, for the tests' own look at it.
    pub ironic: IronicClient,
    pub client: kube::Client,
    pub hosts: Api<BareMetalHost>,
    pub metrics: Arc<Metrics>,
    stop: watch::Sender<bool>,
    controller: tokio::task::JoinHandle<()>,
}

impl BmoBed {
    /// A simulator without latency or failures, and upstream's default retry limit.
    pub async fn start() -> BmoBed {
        BmoBed::with(Knobs::default(), UPSTREAM_SETTINGS).await
    }

    pub async fn with(knobs: Knobs, settings: Settings) -> BmoBed {
        let sim = Simulator::start("127.0.0.1:0".parse().expect("addr"), knobs)
            .await
            .expect("simulator");
        BmoBed::on(sim.url(), Some(sim), settings).await
    }

    /// The operator driving the Ironic at `endpoint` (the real one `make test` starts),
    /// with upstream's default retry limit.
    pub async fn on_endpoint(endpoint: &str) -> BmoBed {
        BmoBed::on(endpoint.to_owned(), None, UPSTREAM_SETTINGS).await
    }

    /// The bed around the Ironic at `endpoint`, `sim` when that is the simulator.
    async fn on(endpoint: String, sim: Option<Arc<Simulator>>, settings: Settings) -> BmoBed {
        // RUST_LOG=capm3=debug shows the controller's view when a step times out.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let server = super::server_with_crds().await;
        let client = server.client().expect("client");
        let metrics = Arc::new(Metrics::new());
        let ironic = IronicClient::connect(&ClientConfig::new(endpoint))
            .await
            .expect("Ironic client");
        let factory = IronicProvisionerFactory::new(
            ironic.clone().with_metrics(metrics.ironic.clone()),
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
            settings,
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
        BmoBed {
            hosts: Api::namespaced(client.clone(), NAMESPACE),
            _server: server,
            sim,
            ironic,
            client,
            metrics,
            stop,
            controller,
        }
    }

    pub async fn create_secret(&self, name: &str, data: Value) {
        super::create_secret(&self.client, NAMESPACE, name, data).await;
    }

    pub async fn secret(&self, name: &str) -> Option<Secret> {
        Api::<Secret>::namespaced(self.client.clone(), NAMESPACE)
            .get_opt(name)
            .await
            .expect("read secret")
    }

    /// Enrols a fake-hardware host with its BMC Secret (see [`super::enrol_fake_host`]),
    /// `extra` merged into its manifest (`{"metadata": ..., "spec": ...}`).
    pub async fn enrol(&self, name: &str, mac: &str, extra: Value) {
        super::create_secret(
            &self.client,
            NAMESPACE,
            &format!("{name}-bmc"),
            super::bmc_credentials(),
        )
        .await;
        self.create_host(name, mac, extra).await;
    }

    /// Creates the host only: its BMC Secret `<name>-bmc` is the caller's business.
    pub async fn create_host(&self, name: &str, mac: &str, extra: Value) {
        let mut manifest = super::fake_host(name, mac);
        json_patch::merge(&mut manifest, &extra);
        super::create_host(&self.client, NAMESPACE, manifest).await;
    }

    /// A JSON merge patch on the host (`null` removes a field or an annotation).
    pub async fn patch(&self, name: &str, patch: Value) {
        self.hosts
            .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .unwrap_or_else(|e| panic!("patch {name}: {e}"));
    }

    pub async fn annotate(&self, name: &str, key: &str, value: Option<&str>) {
        self.patch(name, json!({"metadata": {"annotations": {key: value}}}))
            .await;
    }

    /// Changes an unrelated annotation: the controller looks at the host at once, as it does
    /// after any change a user makes (instead of waiting out an error backoff).
    pub async fn poke(&self, name: &str) {
        let value = uuid::Uuid::new_v4().to_string();
        self.annotate(name, "example.com/poke", Some(&value)).await;
    }

    pub async fn delete(&self, name: &str) {
        self.hosts
            .delete(name, &Default::default())
            .await
            .unwrap_or_else(|e| panic!("delete {name}: {e}"));
    }

    pub async fn host(&self, name: &str) -> BareMetalHost {
        self.hosts
            .get(name)
            .await
            .unwrap_or_else(|e| panic!("read {name}: {e}"))
    }

    pub async fn wait_for(
        &self,
        name: &str,
        what: &str,
        done: impl Fn(Option<&BareMetalHost>) -> bool,
    ) -> Option<BareMetalHost> {
        super::wait_for_host(&self.hosts, name, what, STEP_LIMIT, done).await
    }

    pub async fn wait_for_state(&self, name: &str, state: &str) -> BareMetalHost {
        self.wait_for(name, state, |host| {
            super::provisioning_state(host) == Some(state)
        })
        .await
        .expect("host exists")
    }

    pub async fn wait_until_gone(&self, name: &str) {
        self.wait_for(name, "deleted", |host| host.is_none()).await;
    }

    /// Polls `check` until it holds, failing after [`STEP_LIMIT`].
    pub async fn eventually(&self, what: &str, mut check: impl AsyncFnMut() -> bool) {
        let deadline = Instant::now() + STEP_LIMIT;
        while !check().await {
            assert!(Instant::now() < deadline, "never: {what}");
            tokio::time::sleep(POLL).await;
        }
    }

    /// The Ironic simulator the operator drives.
    pub fn sim(&self) -> &Arc<Simulator> {
        self.sim
            .as_ref()
            .expect("a bed on the simulator (BmoBed::start or BmoBed::with)")
    }

    /// The simulator's node named after the host (`<namespace>~<name>`), if there is one.
    pub fn node_of(&self, name: &str) -> Option<Value> {
        self.sim().ironic.node(&format!("{NAMESPACE}~{name}")).ok()
    }

    /// Reconciles of the host so far.
    pub fn reconciles(&self, name: &str) -> u64 {
        self.metrics
            .hosts
            .reconcile
            .with_label_values(&[NAMESPACE, name])
            .get()
    }

    /// Waits until a pass over the host that began after `since` reconciles (counted before
    /// the caller changed something) has finished, so that what the controller did *not* do
    /// about the change can be checked. The controller never runs two passes over one host at
    /// once: once the pass after a poke has begun, the one before it is over.
    pub async fn wait_for_pass(&self, name: &str, since: u64) {
        self.eventually(&format!("{name} reconciled"), async || {
            self.reconciles(name) > since
        })
        .await;
        let started = self.reconciles(name);
        self.poke(name).await;
        self.eventually(&format!("{name} reconciled again"), async || {
            self.reconciles(name) > started
        })
        .await;
    }

    pub async fn events_for(&self, name: &str) -> Vec<Event> {
        Api::<Event>::namespaced(self.client.clone(), NAMESPACE)
            .list(&ListParams::default())
            .await
            .expect("events")
            .items
            .into_iter()
            .filter(|e| e.involved_object.name.as_deref() == Some(name))
            .collect()
    }

    pub async fn event_reasons(&self, name: &str) -> Vec<String> {
        self.events_for(name)
            .await
            .into_iter()
            .filter_map(|e| e.reason)
            .collect()
    }

    pub async fn has_event(&self, name: &str, reason: &str) -> bool {
        self.event_reasons(name).await.iter().any(|r| r == reason)
    }

    /// The state changes the host's Events report (`Provisioning state changed from "a" to
    /// "b"`), in no particular order.
    pub async fn state_changes(&self, name: &str) -> Vec<String> {
        self.events_for(name)
            .await
            .into_iter()
            .filter(|e| e.reason.as_deref() == Some("ProvisioningStateChanged"))
            .filter_map(|e| e.message)
            .collect()
    }

    /// Whether the host's Events report a change from `from` to `to`.
    pub async fn went(&self, name: &str, from: &str, to: &str) -> bool {
        let change = format!("Provisioning state changed from \"{from}\" to \"{to}\"");
        self.state_changes(name).await.contains(&change)
    }

    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        (&mut self.controller)
            .await
            .expect("controller ends cleanly");
    }
}

impl Drop for BmoBed {
    /// A test that fails midway drops its bed: the controller stops with it, so nothing
    /// changes the Ironic nodes while the test cleans up (see `tests/bmo_real_ironic.rs`).
    fn drop(&mut self) {
        self.controller.abort();
    }
}

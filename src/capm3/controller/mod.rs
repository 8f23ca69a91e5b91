//! The Metal3Cluster, Metal3Machine and Metal3MachineTemplate controllers: kube-runtime
//! Controllers over shared watch caches, each pass reading what the pure decisions of
//! [`crate::capm3`] need, calling them, and writing back what they return (reference §1.1,
//! §1.2, §1.5).
//!
//! Hosts and Metal3Machines come from the manager's caches (also read by other controllers);
//! Clusters, Machines, Metal3Clusters, Metal3MachineTemplates, Metal3DataClaims and
//! Metal3Data are cached here, once each. Secrets are never cached: the BMC and kubeconfig
//! Secrets are read when needed. Watches always run, so a standby replica's caches stay
//! current, but objects are reconciled only while this replica leads; winning the election
//! reconciles every object.
//!
//! Claiming a host is race-free without any lock: the machine records its choice with its
//! own resourceVersion, the host is claimed with the host's, and whoever loses a race reads
//! again and chooses again (see [`crate::capm3::associate`]).

mod claim;
mod cluster;
mod machine;
mod metadata;
mod owners;
mod pass;
mod release;
mod template;
mod triggers;
mod workload;
mod writes;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::kubeutil::events::Events;
use futures::{FutureExt, Stream, StreamExt};
use kube::Resource;
use kube::runtime::WatchStreamExt;
use kube::runtime::controller::{self, Action, Controller};
use kube::runtime::reflector::{ObjectRef, ReflectHandle, Store};
use kube::runtime::utils::{Predicate, PredicateConfig, predicates};
use tokio::sync::watch;

use crate::api::bmo::v1alpha1::BareMetalHost;
use crate::api::capi::{Cluster, Machine};
use crate::api::capm3::v1beta2::{
    Metal3Cluster, Metal3Data, Metal3DataClaim, Metal3Machine, Metal3MachineTemplate,
};
use crate::capm3::outcome::Next;
use crate::kubeutil::leadership::elected;
use crate::manager::caches::{Cacheable, Listed, Scope, SharedCache};
use crate::metrics::Metrics;
use workload::WorkloadClients;

/// The reporting controller of the Events (upstream emits none).
pub const REPORTER: &str = "metal3-capm3-controller";
/// How soon an object is looked at again after an API failure or a failed step.
const ERROR_RETRY: Duration = Duration::from_secs(10);
/// How soon an object is looked at again while the caches have not listed yet.
const CACHE_RETRY: Duration = Duration::from_secs(1);

/// The manager's shared caches this module reads: watched once per process.
pub struct Caches {
    pub hosts: Store<BareMetalHost>,
    pub host_events: ReflectHandle<BareMetalHost>,
    pub hosts_listed: Listed,
    pub machines: Store<Metal3Machine>,
    pub machine_events: ReflectHandle<Metal3Machine>,
    pub machines_listed: Listed,
}

/// The manager's flags for these controllers.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `--metal3machine-concurrency` (0: unbounded).
    pub metal3machine_concurrency: u16,
    /// `--metal3cluster-concurrency`.
    pub metal3cluster_concurrency: u16,
    /// `--metal3machinetemplate-concurrency`.
    pub metal3machinetemplate_concurrency: u16,
    /// `CAPM3_FAST_TRACK=true`: released hosts stay powered on (DEL-04).
    pub fast_track: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Kube(#[from] kube::Error),
    /// A step failed as its conditions say; retried with backoff.
    #[error("{0}")]
    Step(String),
}

/// Every store a pass reads.
struct Stores {
    hosts: Store<BareMetalHost>,
    machines: Store<Metal3Machine>,
    capi_machines: Store<Machine>,
    clusters: Store<Cluster>,
    metal3_clusters: Store<Metal3Cluster>,
    templates: Store<Metal3MachineTemplate>,
    claims: Store<Metal3DataClaim>,
    data: Store<Metal3Data>,
    /// Whether each of these caches has listed its kind.
    listed: Vec<Listed>,
}

impl Stores {
    /// Whether every store has listed its kind once: before that, an absent object may
    /// just not be read yet.
    fn ready(&self) -> bool {
        self.listed.iter().all(Listed::now)
    }
}

/// `namespace/name` from `store`.
fn find<K: Cacheable>(store: &Store<K>, namespace: &str, name: &str) -> Option<Arc<K>> {
    store.get(&ObjectRef::new(name).within(namespace))
}

/// What every reconcile shares.
struct Context {
    client: kube::Client,
    events: Events,
    metrics: Arc<Metrics>,
    /// Whether this replica may act.
    leading: watch::Receiver<bool>,
    settings: Settings,
    stores: Stores,
    workload: WorkloadClients,
}

/// Runs the three controllers until `shutdown` resolves, letting running reconciles finish.
///
/// Every cache is scoped by `scope` (`--namespace`, `--watch-filter`), as the manager's own.
/// Reconciles wait until every cache has listed once; without the Cluster API CRDs they never
/// do, and the watches keep retrying and logging why.
pub async fn run(
    client: kube::Client,
    caches: Caches,
    scope: &Scope,
    settings: Settings,
    metrics: Arc<Metrics>,
    leading: watch::Receiver<bool>,
    shutdown: impl Future<Output = ()> + Send + Sync + 'static,
) {
    let capi_machines = SharedCache::<Machine>::new();
    let clusters = SharedCache::<Cluster>::new();
    let metal3_clusters = SharedCache::<Metal3Cluster>::new();
    let templates = SharedCache::<Metal3MachineTemplate>::new();
    let claims = SharedCache::<Metal3DataClaim>::new();
    let data = SharedCache::<Metal3Data>::new();
    let context = Arc::new(Context {
        events: Events::new(client.clone(), REPORTER),
        client: client.clone(),
        metrics,
        leading: leading.clone(),
        settings: settings.clone(),
        stores: Stores {
            hosts: caches.hosts.clone(),
            machines: caches.machines.clone(),
            capi_machines: capi_machines.store.clone(),
            clusters: clusters.store.clone(),
            metal3_clusters: metal3_clusters.store.clone(),
            templates: templates.store.clone(),
            claims: claims.store.clone(),
            data: data.store.clone(),
            listed: vec![
                caches.hosts_listed.clone(),
                caches.machines_listed.clone(),
                capi_machines.listed(),
                clusters.listed(),
                metal3_clusters.listed(),
                templates.listed(),
                claims.listed(),
                data.listed(),
            ],
        },
        workload: WorkloadClients::default(),
    });
    let shutdown = shutdown.boxed().shared();

    let machine_store = capi_machines.store.clone();
    let machines_of_cluster = move |cluster: Arc<Cluster>| {
        let namespace = cluster.metadata.namespace.clone().unwrap_or_default();
        let name = cluster.metadata.name.clone().unwrap_or_default();
        triggers::machines_of_cluster(&machine_store, &namespace, &name)
    };
    let machine_store = capi_machines.store.clone();
    let machines_of_metal3_cluster = move |metal3_cluster: Arc<Metal3Cluster>| {
        triggers::machines_of_metal3_cluster(&machine_store, &metal3_cluster)
    };
    let waiting_store = caches.machines.clone();
    // The template controller follows Metal3Machines through its own subscription.
    let template_machine_events = caches.machine_events.clone();
    let machines = Controller::for_shared_stream(
        changes(Some(caches.machine_events), spec_and_metadata),
        caches.machines,
    )
    .watches_shared_stream(caches.host_events, move |host| {
        let waiting = triggers::machines_waiting_for(&host, &waiting_store);
        triggers::machine_of_host(&host).into_iter().chain(waiting)
    })
    .watches_shared_stream(
        changes(capi_machines.subscribe(), triggers::machine_progress),
        |machine| triggers::machine_of(&machine),
    )
    .watches_shared_stream(
        changes(clusters.subscribe(), triggers::cluster_progress),
        machines_of_cluster,
    )
    .watches_shared_stream(
        changes(
            metal3_clusters.subscribe(),
            predicates::generation.combine(triggers::deletion),
        ),
        machines_of_metal3_cluster,
    )
    .watches_shared_stream(every_change(claims.subscribe()), |claim| {
        triggers::owning_machine(claim.as_ref())
    })
    .watches_shared_stream(every_change(data.subscribe()), |data| {
        triggers::owning_machine(data.as_ref())
    })
    .with_config(controller::Config::default().concurrency(settings.metal3machine_concurrency))
    .reconcile_all_on(elected(leading.clone()))
    .graceful_shutdown_on(shutdown.clone())
    .run(machine::reconcile, error_policy, context.clone())
    .for_each(crate::kubeutil::log_errors(machine::CONTROLLER));

    let metal3_clusters_controller = Controller::for_shared_stream(
        changes(metal3_clusters.subscribe(), spec_and_metadata),
        metal3_clusters.store.clone(),
    )
    .watches_shared_stream(
        changes(
            clusters.subscribe(),
            predicates::generation.combine(triggers::deletion),
        ),
        |cluster| triggers::metal3_cluster_of(&cluster),
    )
    .with_config(controller::Config::default().concurrency(settings.metal3cluster_concurrency))
    .reconcile_all_on(elected(leading.clone()))
    .graceful_shutdown_on(shutdown.clone())
    .run(cluster::reconcile, error_policy, context.clone())
    .for_each(crate::kubeutil::log_errors(cluster::CONTROLLER));

    let templates_controller = Controller::for_shared_stream(
        changes(
            templates.subscribe(),
            predicates::generation.combine(predicates::annotations),
        ),
        templates.store.clone(),
    )
    .watches_shared_stream(
        changes(
            Some(template_machine_events),
            predicates::generation.combine(predicates::annotations),
        ),
        |machine| triggers::template_of(&machine),
    )
    .with_config(
        controller::Config::default().concurrency(settings.metal3machinetemplate_concurrency),
    )
    .reconcile_all_on(elected(leading))
    .graceful_shutdown_on(shutdown)
    .run(template::reconcile, error_policy, context)
    .for_each(crate::kubeutil::log_errors(template::CONTROLLER));

    let watches = [
        capi_machines.start(&client, scope),
        clusters.start(&client, scope),
        metal3_clusters.start(&client, scope),
        templates.start(&client, scope),
        claims.start(&client, scope),
        data.start(&client, scope),
    ];
    futures::join!(machines, metal3_clusters_controller, templates_controller);
    for watch in watches {
        watch.abort();
    }
}

/// What a controller's own object changes that counts: spec (generation), metadata the
/// decisions read (labels, annotations, finalizers) and deletion; not status, which the
/// controller writes itself.
fn spec_and_metadata<K: Resource>(object: &K) -> Option<u64> {
    predicates::generation
        .combine(predicates::labels)
        .combine(predicates::annotations)
        .combine(predicates::finalizers)
        .combine(triggers::deletion)
        .hash_property(object)
}

/// The changes of one kind that pass `predicate`.
fn changes<K: Cacheable>(
    handle: Option<ReflectHandle<K>>,
    predicate: impl Predicate<K> + Send + 'static,
) -> impl Stream<Item = Arc<K>> + Send {
    every_change(handle)
        .map(|object| Ok((*object).clone()))
        .predicate_filter(predicate, PredicateConfig::default())
        .filter_map(|object| std::future::ready(object.ok().map(Arc::new)))
}

/// Every change of one kind, status included.
fn every_change<K: Cacheable>(
    handle: Option<ReflectHandle<K>>,
) -> impl Stream<Item = Arc<K>> + Send {
    futures::stream::iter(handle).flatten()
}

/// Runs one reconcile while this replica leads and the caches have listed, counting it.
async fn observed(
    context: &Context,
    controller: &str,
    pass: impl Future<Output = Result<Action, Error>>,
) -> Result<Action, Error> {
    if !*context.leading.borrow() {
        return Ok(Action::await_change());
    }
    if !context.stores.ready() {
        return Ok(Action::requeue(CACHE_RETRY));
    }
    let started = Instant::now();
    let result = pass.await;
    context
        .metrics
        .controllers
        .observe(controller, started.elapsed(), result.is_ok());
    result
}

/// How soon a pass that lost a race runs again: at once would often read the same stale
/// cache; a little jitter keeps racing workers from meeting again.
fn race_retry() -> Duration {
    Duration::from_millis(200 + fastrand::u64(..300))
}

/// The reconcile result for a decision's `next`.
fn action(next: Next) -> Result<Action, Error> {
    match next {
        Next::AwaitChange => Ok(Action::await_change()),
        Next::After(after) => Ok(Action::requeue(after)),
        Next::Retry(message) => Err(Error::Step(message)),
    }
}

/// A write that lost a race is redone on the newer object, soon; anything else is an error.
fn retry_or_fail(error: Error) -> Result<Action, Error> {
    match error {
        Error::Kube(error) if writes::lost_race(&error) => Ok(Action::requeue(race_retry())),
        error => Err(error),
    }
}

fn error_policy<K: Resource<DynamicType = ()>>(
    object: Arc<K>,
    error: &Error,
    _context: Arc<Context>,
) -> Action {
    crate::kubeutil::retry_after_error(object.as_ref(), error, ERROR_RETRY)
}

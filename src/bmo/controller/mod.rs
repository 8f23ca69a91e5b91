//! The BareMetalHost controller: kube-runtime's Controller over the manager's shared host
//! cache, running the state machine for each host and writing back what it changed.
//!
//! It always consumes the shared watch, so standby replicas keep their caches current, but a
//! host is reconciled only while this replica leads; winning the election reconciles every
//! host at once.

mod conditions;
mod reconcile;
mod secrets;
mod writes;

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use kube::runtime::WatchStreamExt;
use kube::runtime::controller::{self, Controller};
use kube::runtime::reflector::{ReflectHandle, Store};
use kube::runtime::utils::{Predicate, PredicateConfig, predicates};
use tokio::sync::watch;

use crate::api::bmo::v1alpha1::BareMetalHost;
use crate::bmo::machine;
use crate::bmo::provisioner::ProvisionerFactory;
use crate::metrics::Metrics;

pub use crate::kubeutil::events::Events;
pub use secrets::SECRET_FINALIZER;

/// The host's own finalizer.
pub const HOST_FINALIZER: &str = "baremetalhost.metal3.io";
/// The controller's name in metrics and logs.
pub const CONTROLLER: &str = "baremetalhost";
/// How long to wait after a failure to reach Kubernetes or Ironic.
const ERROR_RETRY: Duration = Duration::from_secs(10);
/// How long to wait after a write lost a race: the watch brings the newer host at once.
const CONFLICT_RETRY: Duration = Duration::from_secs(1);

/// What every reconcile shares.
pub struct Context<F: ProvisionerFactory> {
    pub client: kube::Client,
    pub factory: F,
    pub settings: machine::Settings,
    pub events: Events,
    pub metrics: Arc<Metrics>,
    /// Whether this replica may act.
    pub leading: watch::Receiver<bool>,
}

impl<F: ProvisionerFactory> Context<F> {
    pub fn new(
        client: kube::Client,
        factory: F,
        settings: machine::Settings,
        metrics: Arc<Metrics>,
        leading: watch::Receiver<bool>,
    ) -> Self {
        Context {
            events: Events::new(client.clone(), "metal3-baremetal-controller"),
            client,
            factory,
            settings,
            metrics,
            leading,
        }
    }
}

/// Runs until `shutdown` resolves, letting running reconciles finish.
pub async fn run<F: ProvisionerFactory>(
    context: Arc<Context<F>>,
    store: Store<BareMetalHost>,
    hosts: ReflectHandle<BareMetalHost>,
    concurrency: u16,
    shutdown: impl std::future::Future<Output = ()> + Send + Sync + 'static,
) {
    // Status writes do not start a reconcile: only spec (generation), annotations,
    // finalizers and deletion do, as upstream's event filter.
    let changes = hosts
        .map(|host| Ok((*host).clone()))
        .predicate_filter(
            predicates::generation
                .combine(predicates::annotations)
                .combine(predicates::finalizers)
                .combine(deletion),
            PredicateConfig::default(),
        )
        .filter_map(|host| std::future::ready(host.ok().map(Arc::new)));
    Controller::for_shared_stream(changes, store)
        .with_config(controller::Config::default().concurrency(concurrency))
        .reconcile_all_on(crate::kubeutil::leadership::elected(
            context.leading.clone(),
        ))
        .graceful_shutdown_on(shutdown)
        .run(reconcile::reconcile, error_policy, context)
        .for_each(crate::kubeutil::log_errors(CONTROLLER))
        .await;
}

/// A deletion request changes no generation when the object has finalizers only.
fn deletion(host: &BareMetalHost) -> Option<u64> {
    host.metadata.deletion_timestamp.as_ref().map(|_| 1)
}

fn error_policy<F: ProvisionerFactory>(
    host: Arc<BareMetalHost>,
    error: &reconcile::Error,
    _context: Arc<Context<F>>,
) -> controller::Action {
    if error.lost_race() {
        // Someone else wrote the host first; this pass is redone on the newer version.
        tracing::debug!(
            host = %host.metadata.name.as_deref().unwrap_or_default(),
            "write conflict, retrying: {error}"
        );
        return controller::Action::requeue(CONFLICT_RETRY);
    }
    tracing::warn!(
        host = %host.metadata.name.as_deref().unwrap_or_default(),
        namespace = %host.metadata.namespace.as_deref().unwrap_or_default(),
        "reconcile failed: {error}"
    );
    controller::Action::requeue(ERROR_RETRY)
}

//! The IPPool controller: one kube-runtime Controller keyed by pool (Q-1, fixed: upstream runs
//! two controllers over the same pools), triggered by the pool, by the IPClaims and CAPI
//! IPAddressClaims that reference it and by its IPAddresses of both kinds.
//!
//! Race-freedom does not rest on this process: an IPAddress's name is fixed by its address, so
//! creating it takes the address (a second creation fails with AlreadyExists); the other
//! IPAddress kind is checked before the address is committed, and every status write carries
//! the resourceVersion it was based on. Two replicas acting at once — a leader handover — never
//! hand one address out twice. See `allocation` for the steps.
//!
//! Watches always run, so a standby replica's caches stay current, but pools are reconciled
//! only while this replica leads; winning the election reconciles every pool.

mod allocation;
mod kinds;
mod pass;
mod reconcile;
mod writes;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::kubeutil::events::Events;
use futures::{Stream, StreamExt};
use kube::Resource;
use kube::runtime::WatchStreamExt;
use kube::runtime::controller::{self, Controller};
use kube::runtime::reflector::{ReflectHandle, Store};
use kube::runtime::utils::{Predicate, PredicateConfig, predicates};
use tokio::sync::watch;

use crate::api::capi::{self, IPAddressClaim};
use crate::api::ipam::v1alpha1::{IPAddress, IPClaim, IPPool};
use crate::ipam::pool::annotated_paused;
use crate::kubeutil::leadership::elected;
use crate::manager::caches::{Cacheable, Scope, SharedCache};
use kinds::{AddressObject, ClaimObject};

pub use kinds::{ADDRESS_FINALIZER, CAPI_ADDRESS_FINALIZER, CAPI_CLAIM_FINALIZER, CLAIM_FINALIZER};
pub use reconcile::POOL_FINALIZER;

/// The controller's name in logs and as the events' reporting controller.
pub const CONTROLLER: &str = "metal3-ipam-controller";
/// How soon a pool is looked at again after an API failure.
const ERROR_RETRY: Duration = Duration::from_secs(10);

/// What every reconcile shares.
pub struct Context {
    pub client: kube::Client,
    pub events: Events,
    /// Whether this replica may act.
    pub leading: watch::Receiver<bool>,
    claims: Store<IPClaim>,
    capi_claims: Store<IPAddressClaim>,
}

/// Runs the IPPool controller until `shutdown` resolves, letting running reconciles finish.
///
/// It watches IPPools, IPClaims, CAPI IPAddressClaims and both IPAddress kinds within `scope`
/// (`--namespace`, `--watch-filter`), and reconciles up to `concurrency` pools at once while
/// `*leading.borrow()` is true. The CAPI IPAM CRDs are optional: without them only IPClaims
/// are served (their watches keep retrying and log why).
pub async fn run(
    client: kube::Client,
    scope: &Scope,
    concurrency: u16,
    leading: watch::Receiver<bool>,
    shutdown: impl Future<Output = ()> + Send + Sync + 'static,
) {
    let pools = SharedCache::<IPPool>::new();
    let claims = SharedCache::<IPClaim>::new();
    let capi_claims = SharedCache::<IPAddressClaim>::new();
    let addresses = SharedCache::<IPAddress>::new();
    let capi_addresses = SharedCache::<capi::IPAddress>::new();
    let context = Arc::new(Context {
        events: Events::new(client.clone(), CONTROLLER),
        client: client.clone(),
        leading,
        claims: claims.store.clone(),
        capi_claims: capi_claims.store.clone(),
    });
    let controller = Controller::for_shared_stream(changes(pools.subscribe()), pools.store.clone())
        .watches_shared_stream(changes(claims.subscribe()), |claim| claim.pool_ref())
        .watches_shared_stream(changes(capi_claims.subscribe()), |claim| claim.pool_ref())
        .watches_shared_stream(changes(addresses.subscribe()), |address| address.pool_ref())
        .watches_shared_stream(changes(capi_addresses.subscribe()), |address| {
            address.pool_ref()
        })
        .with_config(controller::Config::default().concurrency(concurrency))
        .reconcile_all_on(elected(context.leading.clone()))
        .graceful_shutdown_on(shutdown);
    let watches = [
        pools.start(&client, scope),
        claims.start(&client, scope),
        capi_claims.start(&client, scope),
        addresses.start(&client, scope),
        capi_addresses.start(&client, scope),
    ];
    controller
        .run(reconcile::reconcile, error_policy, context)
        .for_each(crate::kubeutil::log_errors(CONTROLLER))
        .await;
    for watch in watches {
        watch.abort();
    }
}

/// The changes of one kind that can matter to a pool: spec, annotations, finalizers and
/// deletion, not status (the pool's own status writes do not start another pass). Objects
/// annotated `cluster.x-k8s.io/paused` start nothing (IPAM-47); `--watch-filter` is applied by
/// the watch itself.
fn changes<K: Cacheable>(handle: Option<ReflectHandle<K>>) -> impl Stream<Item = Arc<K>> + Send {
    futures::stream::iter(handle)
        .flatten()
        .map(|object| Ok((*object).clone()))
        .predicate_filter(
            predicates::generation
                .combine(predicates::annotations)
                .combine(predicates::finalizers)
                .combine(deletion),
            PredicateConfig::default(),
        )
        .filter_map(|object| {
            std::future::ready(object.ok().filter(|o| !annotated_paused(o.meta())))
        })
        .map(Arc::new)
}

/// A deletion request changes no generation when the object has finalizers.
fn deletion<K: Resource>(object: &K) -> Option<u64> {
    object.meta().deletion_timestamp.as_ref().map(|_| 1)
}

fn error_policy(
    pool: Arc<IPPool>,
    error: &reconcile::Error,
    _context: Arc<Context>,
) -> controller::Action {
    crate::kubeutil::retry_after_error(pool.as_ref(), error, ERROR_RETRY)
}

//! The Metal3Data controller (reference §1.4): one work queue keyed by Metal3Data, triggered by
//! the Metal3Data, by its claim (the claim naming it is what lets it render, and letting go of
//! it is what lets it release its addresses) and by the IP claims it owns (an address
//! allocated).

mod addresses;
pub mod ipclaims;
pub mod lifecycle;
mod reconcile;
mod release;
pub mod secrets;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::kubeutil::events::Events;
use futures::StreamExt;
use kube::ResourceExt;
use kube::runtime::controller::{self, Controller};
use kube::runtime::reflector::{ObjectRef, Store};

use super::template::claims::rendered;
use super::template::indexes::claim_of;
use super::triggers::{all_changes, owner_named, spec_changes};
use super::{Caches, Common};
use crate::api::capi::IPAddressClaim;
use crate::api::capm3::v1beta2::{Metal3Data, Metal3DataClaim};
use crate::api::ipam::v1alpha1::IPClaim;
use crate::kubeutil::leadership::elected;
use crate::manager::caches::Cacheable;

/// The controller's name in metrics, logs and Events (controller-runtime's lower-cased kind).
pub const CONTROLLER: &str = "metal3data";
/// How soon a Metal3Data is looked at again after an API failure.
const ERROR_RETRY: Duration = Duration::from_secs(10);

/// What every reconcile shares.
pub struct Context {
    common: Common,
    events: Events,
    /// `--enable-bmh-name-based-preallocation`.
    preallocation: bool,
    ip_claims: Store<IPClaim>,
    capi_claims: Store<IPAddressClaim>,
}

/// The controller, ready to run until `shutdown` resolves.
pub(crate) fn controller<S>(
    common: Common,
    caches: &Caches,
    concurrency: u16,
    preallocation: bool,
    shutdown: S,
) -> impl Future<Output = ()> + use<S>
where
    S: Future<Output = ()> + Send + Sync + 'static,
{
    let context = Arc::new(Context {
        events: Events::new(common.client.clone(), CONTROLLER),
        preallocation,
        ip_claims: caches.ip_claims.store.clone(),
        capi_claims: caches.capi_claims.store.clone(),
        common,
    });
    let datas = caches.datas.store.clone();
    Controller::for_shared_stream(
        spec_changes(caches.datas.subscribe()),
        caches.datas.store.clone(),
    )
    .watches_shared_stream(all_changes(caches.claims.subscribe()), move |claim| {
        datas_of_claim(&datas, &claim)
    })
    .watches_shared_stream(all_changes(caches.ip_claims.subscribe()), owner)
    .watches_shared_stream(all_changes(caches.capi_claims.subscribe()), owner)
    .with_config(controller::Config::default().concurrency(concurrency))
    .reconcile_all_on(elected(context.common.leading.clone()))
    .graceful_shutdown_on(shutdown)
    .run(reconcile::reconcile, error_policy, context)
    .for_each(crate::kubeutil::log_errors(CONTROLLER))
}

/// The Metal3Datas a claim concerns: the one it names, and every one made for it (one it
/// let go of may now release its addresses).
fn datas_of_claim(
    datas: &Store<Metal3Data>,
    claim: &Metal3DataClaim,
) -> Vec<ObjectRef<Metal3Data>> {
    let Some(namespace) = claim.namespace() else {
        return Vec::new();
    };
    let name = claim.name_any();
    let mut refs: Vec<ObjectRef<Metal3Data>> = datas
        .state()
        .iter()
        .filter(|d| d.namespace().as_deref() == Some(namespace.as_str()))
        .filter(|d| claim_of(d) == Some(name.as_str()))
        .map(|d| ObjectRef::from_obj(d.as_ref()))
        .collect();
    refs.extend(rendered(claim).map(|data| ObjectRef::new(data).within(&namespace)));
    refs
}

/// The Metal3Data owning an IP claim.
fn owner<K: Cacheable>(claim: Arc<K>) -> Option<ObjectRef<Metal3Data>> {
    let name = owner_named(claim.meta(), "Metal3Data")?;
    Some(ObjectRef::new(name).within(claim.meta().namespace.as_deref()?))
}

fn error_policy(
    data: Arc<Metal3Data>,
    error: &reconcile::Error,
    _context: Arc<Context>,
) -> controller::Action {
    crate::kubeutil::retry_after_error(data.as_ref(), error, ERROR_RETRY)
}

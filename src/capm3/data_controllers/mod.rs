//! The Metal3DataTemplate controller (which also serves Metal3DataClaims, reference §1.3) and
//! the Metal3Data controller (§1.4): a Metal3Machine with a `dataTemplate` claims a
//! Metal3Data through a Metal3DataClaim; the template controller gives the claim the lowest
//! free index of the template by creating the Metal3Data `<template>-<index>`; the Metal3Data
//! controller claims IP addresses, renders the template ([`crate::render`]) into the
//! `<metal3machine>-metadata` / `<metal3machine>-networkdata` Secrets and marks itself ready.
//!
//! Each controller is `observe → decide → act`: the decisions ([`template::indexes`],
//! [`template::claims`], [`template::objects`], [`data::ipclaims`], [`data::secrets`],
//! [`data::lifecycle`]) are pure and table-tested; the reconcilers only read, call them and
//! write.
//!
//! Race-freedom does not rest on this process: the Metal3Data's name is fixed by its index,
//! so creating it takes the index (AlreadyExists → the next one); a Metal3Data is rendered only
//! once its claim's `status.renderedData` names it, and that status is written with the
//! claim's resourceVersion, so of two Metal3Datas two replicas might create for one claim
//! exactly one is ever used (the other is deleted on the next pass). Every status, spec and
//! finalizer write carries the resourceVersion it was based on.

pub mod data;
#[cfg(test)]
mod fixtures;
mod kubeio;
pub mod template;
mod triggers;

use std::future::Future;
use std::sync::Arc;

use futures::FutureExt;
use tokio::sync::watch;

use crate::api::capi::IPAddressClaim;
use crate::api::capm3::v1beta2::{Metal3Data, Metal3DataClaim, Metal3DataTemplate};
use crate::api::ipam::v1alpha1::IPClaim;
use crate::manager::caches::{Scope, SharedCache};
use crate::metrics::Metrics;

/// The flags of both controllers.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// `--metal3datatemplate-concurrency`: templates reconciled at once.
    pub metal3datatemplate_concurrency: u16,
    /// `--metal3data-concurrency`: Metal3Datas reconciled at once.
    pub metal3data_concurrency: u16,
    /// `--enable-bmh-name-based-preallocation`: IPClaims named `<host>-<pool>` (IP-02).
    pub enable_bmh_name_based_preallocation: bool,
}

/// Runs both controllers until `shutdown` resolves, letting running reconciles finish.
///
/// It watches Metal3DataTemplates, Metal3DataClaims, Metal3Datas, IPClaims and CAPI
/// IPAddressClaims within `scope` (`--namespace`, `--watch-filter`) in caches of its own, and
/// reads Metal3Machines, Machines, BareMetalHosts, Clusters, IPAddresses and Secrets with GETs
/// when a reconcile needs them. Reconciles run only while `*leading.borrow()` is true; winning
/// the election reconciles every object. The CAPI IPAM CRDs are optional: without them only
/// Metal3 IPPools can be used (their watch keeps retrying and logs why).
pub async fn run(
    client: kube::Client,
    scope: &Scope,
    settings: Settings,
    metrics: Arc<Metrics>,
    leading: watch::Receiver<bool>,
    shutdown: impl Future<Output = ()> + Send + Sync + 'static,
) {
    let caches = Caches {
        templates: SharedCache::new(),
        claims: SharedCache::new(),
        datas: SharedCache::new(),
        ip_claims: SharedCache::new(),
        capi_claims: SharedCache::new(),
    };
    let shutdown = shutdown.shared();
    let common = Common {
        client: client.clone(),
        metrics,
        leading,
    };
    let template_controller = template::controller(
        common.clone(),
        &caches,
        settings.metal3datatemplate_concurrency,
        shutdown.clone(),
    );
    let data_controller = data::controller(
        common,
        &caches,
        settings.metal3data_concurrency,
        settings.enable_bmh_name_based_preallocation,
        shutdown,
    );
    let watches = caches.start(&client, scope);
    futures::join!(template_controller, data_controller);
    for watch in watches {
        watch.abort();
    }
}

/// What both controllers' reconciles share.
#[derive(Clone)]
pub(crate) struct Common {
    pub client: kube::Client,
    pub metrics: Arc<Metrics>,
    /// Whether this replica may act.
    pub leading: watch::Receiver<bool>,
}

/// How soon a pass that lost a write race (conflict, or the object went) runs again.
pub(crate) const RACE_RETRY: std::time::Duration = std::time::Duration::from_millis(500);

impl Common {
    /// Runs one pass while this replica leads, counting it in the controller metrics; a lost
    /// write race (`raced`) is not a failure but a quick retry.
    pub async fn observed<E>(
        &self,
        controller: &str,
        pass: impl std::future::Future<Output = Result<kube::runtime::controller::Action, E>>,
        raced: impl FnOnce(&E) -> bool,
    ) -> Result<kube::runtime::controller::Action, E> {
        use kube::runtime::controller::Action;
        if !*self.leading.borrow() {
            return Ok(Action::await_change());
        }
        let started = std::time::Instant::now();
        let result = match pass.await {
            Err(error) if raced(&error) => Ok(Action::requeue(RACE_RETRY)),
            result => result,
        };
        self.metrics
            .controllers
            .observe(controller, started.elapsed(), result.is_ok());
        result
    }
}

/// The watch caches both controllers share: each kind is watched once.
pub(crate) struct Caches {
    pub templates: SharedCache<Metal3DataTemplate>,
    pub claims: SharedCache<Metal3DataClaim>,
    pub datas: SharedCache<Metal3Data>,
    pub ip_claims: SharedCache<IPClaim>,
    pub capi_claims: SharedCache<IPAddressClaim>,
}

impl Caches {
    /// Starts every watch; controllers subscribed before.
    fn start(self, client: &kube::Client, scope: &Scope) -> Vec<tokio::task::JoinHandle<()>> {
        vec![
            self.templates.start(client, scope),
            self.claims.start(client, scope),
            self.datas.start(client, scope),
            self.ip_claims.start(client, scope),
            self.capi_claims.start(client, scope),
        ]
    }
}

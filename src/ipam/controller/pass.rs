//! One pass over a pool's claims (ipam reference §2.3–§2.8): list the pool's IPAddresses,
//! release what deleted claims held, serve the waiting claims (Metal3 ones first, IPAM-50) and
//! record `status.indexes`.
//!
//! Each claim is handled on its own (Q-19, fixed: upstream's first failing claim ended the
//! pass): a write that lost a race asks for another pass soon, an API failure is reported once
//! the other claims had their turn.

use std::sync::Arc;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use kube::runtime::reflector::ObjectRef;
use kube::{Api, Resource, ResourceExt};

use super::Context;
use super::kinds::{AddressObject, Addresses, ClaimObject};
use super::writes::{self, get_fresh, list_fresh, lost_race};
use crate::api::capi::{self, IPAddressClaim};
use crate::api::ipam::v1alpha1::{IPAddress, IPClaim, IPPool};
use crate::ipam::address::Ip;
use crate::ipam::allocate::{Holder, InUse};
use crate::ipam::claim::{Step, order_key, step};
use crate::ipam::indexes;
use crate::ipam::naming::address_name;
use crate::kubeutil::finalizers;

/// What a pass leaves for the pool's reconcile.
pub struct Outcome {
    /// IPAddresses of either kind that still refer to the pool.
    pub addresses: usize,
    /// A write lost a race: run again soon.
    pub again: bool,
}

pub(super) struct Pass<'a> {
    pub context: &'a Context,
    pub pool: &'a IPPool,
    pub namespace: String,
    pub addresses: Addresses,
    pub in_use: InUse,
    pub again: bool,
    /// The first API failure, reported after the pass.
    failure: Option<kube::Error>,
}

pub async fn run(context: &Context, pool: &IPPool) -> Result<Outcome, kube::Error> {
    let namespace = pool.namespace().unwrap_or_default();
    let name = pool.name_any();
    let deleting = pool.metadata.deletion_timestamp.is_some();
    let metal3: Vec<IPAddress> = list_fresh(&context.client, &namespace).await?;
    let capi: Vec<capi::IPAddress> = list_fresh(&context.client, &namespace).await?;
    let mut in_use = InUse::new(&pool.spec, deleting);
    hold_name_clashes(&mut in_use, pool, &metal3);
    hold_name_clashes(&mut in_use, pool, &capi);
    let addresses = Addresses {
        metal3: of_pool(metal3, &name),
        capi: of_pool(capi, &name),
    };
    let mut pass = Pass {
        in_use,
        context,
        pool,
        namespace,
        addresses,
        again: false,
        failure: None,
    };
    pass.hold_listed::<IPAddress>();
    pass.hold_listed::<capi::IPAddress>();
    let metal3 = pass.claims::<IPClaim>();
    let capi = pass.claims::<IPAddressClaim>();
    pass.reap::<IPAddress>().await;
    pass.reap::<capi::IPAddress>().await;
    pass.release_all(&metal3).await;
    pass.release_all(&capi).await;
    // Q-17, fixed: a deleting pool only releases.
    if deleting {
        pass.let_go(&metal3).await;
        pass.let_go(&capi).await;
    } else {
        pass.serve_all(&metal3).await;
        pass.serve_all(&capi).await;
    }
    pass.record_indexes().await;
    match pass.failure {
        Some(error) => Err(error),
        None => Ok(Outcome {
            addresses: pass.addresses.metal3.len() + pass.addresses.capi.len(),
            again: pass.again,
        }),
    }
}

/// Addresses whose IPAddress name another pool's IPAddress already has: two pools with the
/// same `namePrefix` and overlapping ranges would otherwise try them on every pass.
fn hold_name_clashes<A: AddressObject>(in_use: &mut InUse, pool: &IPPool, listed: &[A]) {
    for address in listed.iter().filter(|a| !a.of_pool(&pool.name_any())) {
        let Some(ip) = Ip::parse(address.address()) else {
            continue;
        };
        if address.name_any() == address_name(&pool.spec.name_prefix, &ip.to_string()) {
            in_use.hold(address.address(), Holder::Taken);
        }
    }
}

/// The IPAddresses of `pool` among `listed`, by name.
fn of_pool<A: AddressObject>(listed: Vec<A>, pool: &str) -> Vec<A> {
    let mut mine: Vec<A> = listed.into_iter().filter(|a| a.of_pool(pool)).collect();
    mine.sort_by_key(|a| a.name_any());
    mine
}

impl Pass<'_> {
    /// Notes a failed write: a lost race means another pass soon, anything else is reported.
    pub fn note(&mut self, error: kube::Error) {
        if lost_race(&error) {
            self.again = true;
        } else if self.failure.is_none() {
            self.failure = Some(error);
        }
    }

    pub fn api<K: crate::manager::caches::Cacheable>(&self) -> Api<K> {
        Api::namespaced(self.context.client.clone(), &self.namespace)
    }

    fn hold_listed<A: AddressObject>(&mut self) {
        for address in A::listed(&self.addresses) {
            self.in_use.hold(address.address(), holder(address));
        }
    }

    /// Records an IPAddress that now exists for this pool.
    pub fn keep<A: AddressObject>(&mut self, address: A) {
        self.in_use.hold(address.address(), holder(&address));
        let listed = A::listed_mut(&mut self.addresses);
        listed.retain(|a| a.name_any() != address.name_any());
        listed.push(address);
    }

    /// Forgets an IPAddress that no longer exists.
    pub fn forget<A: AddressObject>(&mut self, address: &A) {
        A::listed_mut(&mut self.addresses).retain(|a| a.name_any() != address.name_any());
        self.in_use.release(address.address());
    }

    /// The cached claims of kind `C` that ask this pool, oldest first.
    fn claims<C: ClaimObject>(&self) -> Vec<Arc<C>> {
        let mut claims: Vec<Arc<C>> = C::cached(self.context)
            .state()
            .into_iter()
            .filter(|claim| claim.references(self.pool))
            .collect();
        claims.sort_by_key(|claim| order_key(claim.meta()));
        claims
    }

    /// Releases the IPAddresses we created whose claim is gone for good: its finalizer was
    /// removed by hand, or the claim went between an IPAddress's creation and its commit
    /// (Q-27, fixed: upstream leaves such an IPAddress behind and the pool cannot be deleted).
    async fn reap<A: AddressObject>(&mut self) {
        let orphans: Vec<A> = A::listed(&self.addresses)
            .iter()
            .filter(|address| created_for_claim(*address))
            .filter(|address| {
                let key = ObjectRef::new(address.claim()).within(&self.namespace);
                A::Claim::cached(self.context).get(&key).is_none()
            })
            .cloned()
            .collect();
        for address in orphans {
            match get_fresh::<A::Claim>(&self.context.client, &self.namespace, address.claim())
                .await
            {
                Ok(Some(_)) => {}
                Ok(None) => {
                    if self.release(&address).await {
                        let note = format!(
                            "released {} (IPAddress {}): claim {} no longer exists",
                            address.address(),
                            address.name_any(),
                            address.claim()
                        );
                        self.context
                            .events
                            .note(self.pool, false, "AddressReleased", note)
                            .await;
                    }
                }
                Err(error) => self.note(error),
            }
        }
    }

    /// Lets a claim's IPAddress go; `true` once it is gone.
    async fn release<A: AddressObject>(&mut self, address: &A) -> bool {
        match writes::release(&self.context.client, address, A::FINALIZER).await {
            Ok(()) => {
                self.forget(address);
                true
            }
            Err(error) => {
                self.note(error);
                false
            }
        }
    }

    async fn release_all<C: ClaimObject>(&mut self, claims: &[Arc<C>]) {
        for claim in claims {
            if step(claim.meta(), C::FINALIZER, claim.served()) == Step::Release {
                self.release_claim(claim.as_ref()).await;
            }
        }
    }

    /// IPAM-37, IPAM-39, IPAM-40: every IPAddress of the claim goes (found by claim name, not
    /// through `status.indexes`), then our finalizer. A pre-allocated address stays reserved.
    async fn release_claim<C: ClaimObject>(&mut self, claim: &C) {
        let name = claim.name_any();
        let held: Vec<C::Address> = C::Address::listed(&self.addresses)
            .iter()
            .filter(|address| address.claim() == name)
            .cloned()
            .collect();
        let mut released = Vec::new();
        for address in &held {
            if !self.release(address).await {
                return;
            }
            released.push(address.address().to_owned());
        }
        // Fails if the claim changed since it was read, e.g. another replica just committed
        // an address to it: that address is then released on the next pass.
        if let Err(error) = finalizers::release(&self.api::<C>(), claim, C::FINALIZER).await
            && !writes::not_found(&error)
        {
            return self.note(error);
        }
        if !released.is_empty() {
            let note = format!("released {}", released.join(", "));
            self.context
                .events
                .note(claim, false, "AddressReleased", note)
                .await;
        }
    }

    async fn serve_all<C: ClaimObject>(&mut self, claims: &[Arc<C>]) {
        for claim in claims {
            if step(claim.meta(), C::FINALIZER, claim.served()) == Step::Serve {
                self.serve(claim.as_ref()).await;
            }
        }
    }

    /// A deleting pool serves no one: claims waiting for an address (an earlier failure left
    /// our finalizer on them) are let go, or they could not be deleted once the pool is gone.
    async fn let_go<C: ClaimObject>(&mut self, claims: &[Arc<C>]) {
        for claim in claims {
            let waiting = step(claim.meta(), C::FINALIZER, claim.served()) == Step::Serve;
            let name = claim.name_any();
            let holds = C::Address::listed(&self.addresses)
                .iter()
                .any(|address| address.claim() == name);
            if waiting && !holds {
                let api = self.api::<C>();
                if let Err(error) = finalizers::release(&api, claim.as_ref(), C::FINALIZER).await {
                    self.note(error);
                }
            }
        }
    }

    /// IPAM-35, IPAM-36: `status.indexes` from the IPAddresses as the pass left them.
    async fn record_indexes(&mut self) {
        self.addresses.metal3.sort_by_key(|a| a.name_any());
        self.addresses.capi.sort_by_key(|a| a.name_any());
        let indexes = indexes::rebuild(
            self.addresses
                .metal3
                .iter()
                .map(|a| (a.claim(), a.address())),
            self.addresses.capi.iter().map(|a| (a.claim(), a.address())),
        );
        let patch = indexes::status_patch(
            self.pool.status.as_ref(),
            self.pool.metadata.creation_timestamp.as_ref(),
            &indexes,
            Time(Timestamp::now()),
        );
        if let Some(patch) = patch
            && let Err(error) = writes::status(&self.context.client, self.pool, patch).await
        {
            self.note(error);
        }
    }
}

/// Who holds the address an IPAddress records.
fn holder<A: AddressObject>(address: &A) -> Holder {
    Holder::Address {
        kind: A::Claim::KIND,
        claim: address.claim().to_owned(),
    }
}

/// Whether a controller created this IPAddress for its claim (it names the claim as owner),
/// unlike one made by hand.
fn created_for_claim<A: AddressObject>(address: &A) -> bool {
    let kind = A::Claim::kind(&());
    address
        .owner_references()
        .iter()
        .any(|owner| owner.kind == kind && owner.name == address.claim())
}

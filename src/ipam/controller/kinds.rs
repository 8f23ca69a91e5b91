//! The two kinds of claim a pool serves and the IPAddress kind answering each, behind one
//! interface so the pass is written once: Metal3 IPClaim → Metal3 IPAddress, CAPI
//! IPAddressClaim → CAPI IPAddress.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::Resource;
use kube::runtime::reflector::{ObjectRef, Store};
use serde::Serialize;
use serde_json::{Value, json};

use crate::api::capi::{self, IPAddressClaim, IPPoolReference};
use crate::api::ipam::v1alpha1::{IPAddress, IPClaim, IPPool};
use crate::ipam::allocate::{Allocation, ClaimError};
use crate::ipam::claim::{ClaimKind, READY_CONDITION, with_ready};
use crate::ipam::objects::{self, POOL_API_GROUP, POOL_KIND};
use crate::manager::caches::Cacheable;

use super::Context;

/// Our finalizer on IPClaims.
pub const CLAIM_FINALIZER: &str = "ipclaim.ipam.metal3.io";
/// Our finalizer on the Metal3 IPAddresses we create.
pub const ADDRESS_FINALIZER: &str = "ipaddress.ipam.metal3.io";
/// Our finalizer on CAPI IPAddressClaims.
pub const CAPI_CLAIM_FINALIZER: &str = "ipam.metal3.io/ipaddressclaim";
/// Our finalizer on the CAPI IPAddresses we create.
pub const CAPI_ADDRESS_FINALIZER: &str = "ipam.metal3.io/ipaddress";

/// A claim kind, with the IPAddress kind that answers it.
pub trait ClaimObject: Cacheable + Serialize {
    const KIND: ClaimKind;
    /// Our finalizer on the claim (IPAM-29, IPAM-31).
    const FINALIZER: &'static str;
    type Address: AddressObject<Claim = Self>;

    /// The watch cache of this kind.
    fn cached(context: &Context) -> &Store<Self>;
    /// Whether the claim asks `pool` for an address: same namespace (IPAM-49), the pool's name
    /// and, for CAPI claims, the `ipam.metal3.io` IPPool kind (Q-13, fixed).
    fn references(&self, pool: &IPPool) -> bool;
    /// The pool an event of this claim concerns (IPAM-48).
    fn pool_ref(&self) -> Option<ObjectRef<IPPool>>;
    /// Whether its status points at an address (IPAM-26).
    fn served(&self) -> bool;
    /// Whether its status already shows `error`, so it is written and announced once.
    fn shows(&self, error: &ClaimError) -> bool;
    /// The status recording its address (IPAM-29, IPAM-31).
    fn served_status(&self, address: &str, namespace: &str, now: &Time) -> Value;
    /// The status recording why it has none (IPAM-24, IPAM-32, IPAM-33).
    fn failed_status(&self, error: &ClaimError, now: &Time) -> Value;
    /// The IPAddress recording `allocation` for this claim.
    fn address_object(
        &self,
        pool: &IPPool,
        name: &str,
        allocation: &Allocation,
    ) -> Result<Self::Address, ClaimError>;
}

/// An IPAddress kind.
pub trait AddressObject: Cacheable + Serialize {
    /// Our finalizer on it: present once the address is committed to its claim.
    const FINALIZER: &'static str;
    type Claim: ClaimObject<Address = Self>;
    /// The IPAddress kind of the other claim kind. Its objects of the same name hold the same
    /// address, and the name lock does not reach across kinds.
    type Other: AddressObject;

    /// This kind's part of a pass's IPAddresses.
    fn listed(addresses: &Addresses) -> &Vec<Self>;
    fn listed_mut(addresses: &mut Addresses) -> &mut Vec<Self>;
    /// The pool an event of this IPAddress concerns.
    fn pool_ref(&self) -> Option<ObjectRef<IPPool>>;
    /// Whether this IPAddress records an address of `pool` (by name; CAPI: and our kind).
    fn of_pool(&self, pool: &str) -> bool;
    /// The name of the claim it answers ("" when none, as a hand-made one may have).
    fn claim(&self) -> &str;
    /// The address it records, as written.
    fn address(&self) -> &str;
}

/// A pool's IPAddresses of both kinds, as a pass lists them and then changes them.
#[derive(Default)]
pub struct Addresses {
    pub metal3: Vec<IPAddress>,
    pub capi: Vec<capi::IPAddress>,
}

fn in_namespace_of<K: Resource>(object: &K, pool: &IPPool) -> bool {
    object.meta().namespace == pool.metadata.namespace
}

fn pool_name(pool: &IPPool) -> &str {
    pool.metadata.name.as_deref().unwrap_or_default()
}

/// Whether a CAPI pool reference names an `ipam.metal3.io` IPPool.
fn ours(reference: &IPPoolReference) -> bool {
    reference.api_group == POOL_API_GROUP && reference.kind == POOL_KIND
}

impl ClaimObject for IPClaim {
    const KIND: ClaimKind = ClaimKind::Metal3;
    const FINALIZER: &'static str = CLAIM_FINALIZER;
    type Address = IPAddress;

    fn cached(context: &Context) -> &Store<Self> {
        &context.claims
    }

    fn references(&self, pool: &IPPool) -> bool {
        in_namespace_of(self, pool) && self.spec.pool.name.as_deref() == Some(pool_name(pool))
    }

    /// Q-26 kept: `spec.pool.namespace` routes the event, but a pool only serves claims of its
    /// own namespace.
    fn pool_ref(&self) -> Option<ObjectRef<IPPool>> {
        let name = self.spec.pool.name.as_deref().filter(|n| !n.is_empty())?;
        let namespace = self
            .spec
            .pool
            .namespace
            .as_deref()
            .filter(|n| !n.is_empty())
            .or(self.metadata.namespace.as_deref())?;
        Some(ObjectRef::new(name).within(namespace))
    }

    fn served(&self) -> bool {
        self.status.as_ref().is_some_and(|s| s.address.is_some())
    }

    fn shows(&self, error: &ClaimError) -> bool {
        self.status
            .as_ref()
            .and_then(|s| s.error_message.as_deref())
            == Some(error.to_string().as_str())
    }

    fn served_status(&self, address: &str, namespace: &str, _now: &Time) -> Value {
        json!({"status": {"address": {"name": address, "namespace": namespace},
                          "errorMessage": null}})
    }

    fn failed_status(&self, error: &ClaimError, _now: &Time) -> Value {
        json!({"status": {"errorMessage": error.to_string()}})
    }

    fn address_object(
        &self,
        pool: &IPPool,
        name: &str,
        allocation: &Allocation,
    ) -> Result<IPAddress, ClaimError> {
        Ok(objects::metal3_address(pool, self, name, allocation))
    }
}

impl ClaimObject for IPAddressClaim {
    const KIND: ClaimKind = ClaimKind::Capi;
    const FINALIZER: &'static str = CAPI_CLAIM_FINALIZER;
    type Address = capi::IPAddress;

    fn cached(context: &Context) -> &Store<Self> {
        &context.capi_claims
    }

    fn references(&self, pool: &IPPool) -> bool {
        in_namespace_of(self, pool)
            && ours(&self.spec.pool_ref)
            && self.spec.pool_ref.name == pool_name(pool)
    }

    fn pool_ref(&self) -> Option<ObjectRef<IPPool>> {
        let reference = &self.spec.pool_ref;
        if !ours(reference) || reference.name.is_empty() {
            return None;
        }
        Some(ObjectRef::new(&reference.name).within(self.metadata.namespace.as_deref()?))
    }

    fn served(&self) -> bool {
        self.status
            .as_ref()
            .and_then(|s| s.address_ref.as_ref())
            .is_some_and(|r| !r.name.is_empty())
    }

    fn shows(&self, error: &ClaimError) -> bool {
        let conditions = self.status.as_ref().and_then(|s| s.conditions.as_deref());
        conditions
            .unwrap_or_default()
            .iter()
            .find(|c| c.type_ == READY_CONDITION)
            .is_some_and(|c| {
                c.status == "False" && c.reason == error.reason() && c.message == error.to_string()
            })
    }

    fn served_status(&self, address: &str, _namespace: &str, now: &Time) -> Value {
        json!({"status": {"addressRef": {"name": address},
                          "conditions": capi_ready(self, Ok(()), now)}})
    }

    fn failed_status(&self, error: &ClaimError, now: &Time) -> Value {
        let message = error.to_string();
        json!({"status": {"conditions": capi_ready(self, Err((error.reason(), &message)), now)}})
    }

    fn address_object(
        &self,
        pool: &IPPool,
        name: &str,
        allocation: &Allocation,
    ) -> Result<capi::IPAddress, ClaimError> {
        objects::capi_address(pool, self, name, allocation)
    }
}

/// The claim's conditions with `Ready` set.
fn capi_ready(
    claim: &IPAddressClaim,
    ready: Result<(), (&str, &str)>,
    now: &Time,
) -> Vec<Condition> {
    let conditions = claim.status.as_ref().and_then(|s| s.conditions.as_deref());
    with_ready(
        conditions.unwrap_or_default(),
        ready,
        claim.metadata.generation,
        now,
    )
}

impl AddressObject for IPAddress {
    const FINALIZER: &'static str = ADDRESS_FINALIZER;
    type Claim = IPClaim;
    type Other = capi::IPAddress;

    fn listed(addresses: &Addresses) -> &Vec<Self> {
        &addresses.metal3
    }

    fn listed_mut(addresses: &mut Addresses) -> &mut Vec<Self> {
        &mut addresses.metal3
    }

    fn pool_ref(&self) -> Option<ObjectRef<IPPool>> {
        let name = self.spec.pool.name.as_deref().filter(|n| !n.is_empty())?;
        Some(ObjectRef::new(name).within(self.metadata.namespace.as_deref()?))
    }

    fn of_pool(&self, pool: &str) -> bool {
        self.spec.pool.name.as_deref() == Some(pool)
    }

    fn claim(&self) -> &str {
        self.spec.claim.name.as_deref().unwrap_or_default()
    }

    fn address(&self) -> &str {
        &self.spec.address
    }
}

impl AddressObject for capi::IPAddress {
    const FINALIZER: &'static str = CAPI_ADDRESS_FINALIZER;
    type Claim = IPAddressClaim;
    type Other = IPAddress;

    fn listed(addresses: &Addresses) -> &Vec<Self> {
        &addresses.capi
    }

    fn listed_mut(addresses: &mut Addresses) -> &mut Vec<Self> {
        &mut addresses.capi
    }

    fn pool_ref(&self) -> Option<ObjectRef<IPPool>> {
        let reference = &self.spec.pool_ref;
        if !ours(reference) || reference.name.is_empty() {
            return None;
        }
        Some(ObjectRef::new(&reference.name).within(self.metadata.namespace.as_deref()?))
    }

    fn of_pool(&self, pool: &str) -> bool {
        ours(&self.spec.pool_ref) && self.spec.pool_ref.name == pool
    }

    fn claim(&self) -> &str {
        &self.spec.claim_ref.name
    }

    fn address(&self) -> &str {
        &self.spec.address
    }
}

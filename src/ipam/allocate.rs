//! Choosing the address for one claim (ipam reference §2.5.1, §2.5.2): pre-allocations, the
//! `ipAddress` annotation, then the pool's entries in declaration order under the sequential or
//! random strategy, with the entry's overrides of prefix, gateway and DNS servers.
//!
//! Addresses are compared as parsed addresses, never as strings (Q-12, fixed: upstream's in-use
//! set held raw strings, so `2001:db8::0005` did not reserve `2001:db8::5`).

use std::collections::HashMap;

use super::address::{Enumeration, Ip, pool_size};
use super::claim::ClaimKind;
use crate::api::ipam::v1alpha1::{AllocationStrategy, IPPoolSpec, Pool};

/// Who holds an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Holder {
    /// `spec.preAllocations` keeps it for the claim of this name (IPAM-17).
    PreAllocated(String),
    /// An IPAddress of this kind records it for the claim of this name.
    Address { kind: ClaimKind, claim: String },
    /// Found taken while creating its IPAddress (a concurrent allocator, or another pool with
    /// the same `namePrefix`).
    Taken,
}

/// The addresses of one pool that are not free, by parsed address.
#[derive(Clone, Debug, Default)]
pub struct InUse {
    holders: HashMap<Ip, Holder>,
    /// The pre-allocations, to restore when an address held for them is released.
    reserved: HashMap<Ip, String>,
}

impl InUse {
    /// Starts with the pool's pre-allocations reserved, unless the pool is being deleted
    /// (upstream stops reserving them then; deleting pools allocate nothing here anyway, Q-17).
    pub fn new(spec: &IPPoolSpec, deleting: bool) -> InUse {
        let mut in_use = InUse::default();
        if !deleting {
            for (claim, address) in spec.pre_allocations.iter().flatten() {
                if let Some(ip) = Ip::parse(address) {
                    in_use.reserved.insert(ip, claim.clone());
                    in_use
                        .holders
                        .insert(ip, Holder::PreAllocated(claim.clone()));
                }
            }
        }
        in_use
    }

    /// Records `address` as held; an unparsable address cannot collide with any candidate.
    pub fn hold(&mut self, address: &str, holder: Holder) {
        if let Some(ip) = Ip::parse(address) {
            self.holders.insert(ip, holder);
        }
    }

    /// Frees `address`, or gives it back to its pre-allocation (IPAM-17, IPAM-40).
    pub fn release(&mut self, address: &str) {
        let Some(ip) = Ip::parse(address) else {
            return;
        };
        match self.reserved.get(&ip) {
            Some(claim) => self.holders.insert(ip, Holder::PreAllocated(claim.clone())),
            None => self.holders.remove(&ip),
        };
    }

    pub fn holder(&self, ip: Ip) -> Option<&Holder> {
        self.holders.get(&ip)
    }

    fn is_free(&self, ip: Ip) -> bool {
        !self.holders.contains_key(&ip)
    }
}

/// What a claim asks for.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The claim's name: the key into `spec.preAllocations`.
    pub claim: &'a str,
    /// The `ipAddress` annotation, if set and non-empty.
    pub requested: Option<&'a str>,
}

/// The address chosen for a claim, with the values its IPAddress carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allocation {
    pub ip: Ip,
    /// The canonical rendering, as stored in `spec.address` (IPAM-16).
    pub address: String,
    /// 0 when no prefix is configured: never derived from a subnet (IPAM-14, Q-11 kept).
    pub prefix: i64,
    pub gateway: Option<String>,
    /// `None` when empty.
    pub dns_servers: Option<Vec<String>>,
}

/// Why a claim gets no address; `Display` is the text upstream stores in the claim.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClaimError {
    #[error("Invalid ipAddress annotation {0:?}: not a valid IP address")]
    InvalidAnnotation(String),
    #[error("PreAllocation and requested ip address are conflicting")]
    Conflicting,
    #[error("Requested IP not available")]
    RequestedNotAvailable,
    #[error("Pre-allocated IP out of bounds")]
    PreAllocatedOutOfBounds,
    /// Q-20, fixed: upstream grants the address anyway and then loops on the name conflict.
    #[error("Pre-allocated IP not available")]
    PreAllocatedNotAvailable,
    /// Also for a requested address that no entry holds (IPAM-21, Q-6 kept).
    #[error("Exhausted IP Pools")]
    Exhausted,
    #[error("Invalid prefix value, it must be between 0 and 128")]
    InvalidPrefix,
    #[error("Failed to create associated IPAddress object")]
    CreateFailed,
}

impl ClaimError {
    /// The CAPI `Ready=False` reason.
    pub fn reason(&self) -> &'static str {
        match self {
            ClaimError::Exhausted => "PoolExhausted",
            _ => "AllocationFailed",
        }
    }
}

/// Picks the address for `request`. `random(n)` returns a number in `0..n` (the random
/// strategy's starting index).
pub fn allocate(
    spec: &IPPoolSpec,
    request: Request<'_>,
    in_use: &InUse,
    random: &mut dyn FnMut(u64) -> u64,
) -> Result<Allocation, ClaimError> {
    let requested = match request.requested {
        Some(text) => {
            Some(Ip::parse(text).ok_or_else(|| ClaimError::InvalidAnnotation(text.to_owned()))?)
        }
        None => None,
    };
    let pre_allocated = spec
        .pre_allocations
        .as_ref()
        .and_then(|map| map.get(request.claim));
    if let (Some(requested), Some(pre_allocated)) = (requested, pre_allocated)
        && Ip::parse(pre_allocated) != Some(requested)
    {
        return Err(ClaimError::Conflicting);
    }
    let entries = spec.pools.as_deref().unwrap_or_default();
    let (entry, ip) = if let Some(pre_allocated) = pre_allocated {
        let ip = Ip::parse(pre_allocated).ok_or(ClaimError::PreAllocatedOutOfBounds)?;
        let entry = first_entry_with(entries, ip).ok_or(ClaimError::PreAllocatedOutOfBounds)?;
        if matches!(
            in_use.holder(ip),
            Some(Holder::Address { .. } | Holder::Taken)
        ) {
            return Err(ClaimError::PreAllocatedNotAvailable);
        }
        (entry, ip)
    } else if let Some(ip) = requested {
        let entry = first_entry_with(entries, ip).ok_or(ClaimError::Exhausted)?;
        if !in_use.is_free(ip) {
            return Err(ClaimError::RequestedNotAvailable);
        }
        (entry, ip)
    } else {
        let strategy = spec
            .allocation_strategy
            .unwrap_or(AllocationStrategy::Sequential);
        entries
            .iter()
            .find_map(|entry| Some((entry, select(entry, strategy, in_use, random)?)))
            .ok_or(ClaimError::Exhausted)?
    };
    Ok(with_overrides(spec, entry, ip))
}

/// The CAPI IPAddress's prefix: CAPI's type is an `int32` within 0..=128 (IPAM-32).
pub fn capi_prefix(prefix: i64) -> Result<i32, ClaimError> {
    i32::try_from(prefix)
        .ok()
        .filter(|p| (0..=128).contains(p))
        .ok_or(ClaimError::InvalidPrefix)
}

/// The first entry (in declaration order) that enumerates `ip`.
fn first_entry_with(entries: &[Pool], ip: Ip) -> Option<&Pool> {
    entries
        .iter()
        .find(|entry| Enumeration::of(entry).is_some_and(|range| range.index_of(ip).is_some()))
}

/// A free address of one entry, or `None` when it has none (§2.5.2).
fn select(
    entry: &Pool,
    strategy: AllocationStrategy,
    in_use: &InUse,
    random: &mut dyn FnMut(u64) -> u64,
) -> Option<Ip> {
    let range = Enumeration::of(entry)?;
    let free = |index: u128| range.get(index).filter(|ip| in_use.is_free(*ip));
    match strategy {
        AllocationStrategy::Sequential => (0..range.len()).find_map(free),
        AllocationStrategy::Random => {
            // A random starting index in [0, size), then forward with wrap-around; indexes the
            // entry does not reach are skipped, as upstream skips GetIPAddress errors.
            let size = pool_size(entry).ok().filter(|size| *size > 0)?;
            let start = u128::from(random(size));
            let count = range.len().min(u128::from(size));
            let (first, second) = if start < count {
                (start..count, 0..start)
            } else {
                (0..count, 0..0)
            };
            first.chain(second).find_map(free)
        }
    }
}

/// The entry's prefix if non-zero, gateway if set and DNS servers if non-empty, else the
/// pool's (IPAM-13).
fn with_overrides(spec: &IPPoolSpec, entry: &Pool, ip: Ip) -> Allocation {
    let dns_servers = entry
        .dns_servers
        .clone()
        .filter(|servers| !servers.is_empty())
        .or_else(|| spec.dns_servers.clone())
        .filter(|servers| !servers.is_empty());
    Allocation {
        ip,
        address: ip.to_string(),
        prefix: entry
            .prefix
            .filter(|prefix| *prefix != 0)
            .unwrap_or(spec.prefix.unwrap_or(0)),
        gateway: entry.gateway.clone().or_else(|| spec.gateway.clone()),
        dns_servers,
    }
}

#[cfg(test)]
mod tests;

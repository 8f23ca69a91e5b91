//! The addresses allocated for a Metal3Data, as the renderer reads them.

use std::collections::BTreeMap;

use super::RenderError;

/// What one pool allocated: upstream's `addressFromPool`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolAddress {
    /// The IP address (`IPAddress.spec.address`).
    pub address: String,
    /// The prefix length. Pass a Metal3 `IPAddress`'s `spec.prefix` as `Some(prefix.unwrap_or(0))`
    /// (upstream reads Go's zero value); `None` (a CAPI `IPAddress` without one) renders an
    /// empty netmask and an empty metaData prefix.
    pub prefix: Option<i64>,
    /// The gateway; `None` renders as an empty string, as upstream does.
    pub gateway: Option<String>,
    /// The DNS servers (Metal3 `IPAddress.spec.dnsServers`, or the Metal3 IPPool's for the
    /// CAPI path; empty otherwise).
    pub dns_servers: Vec<String>,
}

/// Allocated addresses keyed by pool **name** only, as upstream keys them: two references to
/// the same name are one pool ([`super::referenced_pools`] rejects a name used with two kinds).
pub type Addresses = BTreeMap<String, PoolAddress>;

pub(super) fn lookup<'a>(
    addresses: &'a Addresses,
    pool: &str,
) -> Result<&'a PoolAddress, RenderError> {
    addresses
        .get(pool)
        .ok_or_else(|| RenderError::PoolNotFound(pool.to_owned()))
}

impl PoolAddress {
    pub(super) fn gateway(&self) -> &str {
        self.gateway.as_deref().unwrap_or_default()
    }
}

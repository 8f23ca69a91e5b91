//! Which pools a template reads, so the Metal3Data controller knows which IP claims to make
//! (upstream's `getReferencedPools`).

use std::collections::BTreeMap;

use super::network_data::view::{self, GatewayFrom, PoolSource, Route};
use super::{Objects, RenderError};
use crate::api::capm3::v1beta2::{FromPool, Metal3DataTemplateSpec};

/// The Metal3 IPAM API group and pool kind: the default for every pool reference.
pub const METAL3_IPAM_GROUP: &str = "ipam.metal3.io";
pub const METAL3_POOL_KIND: &str = "IPPool";

/// A pool, with its API group and kind defaulted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolRef {
    pub name: String,
    pub api_group: String,
    pub kind: String,
}

impl PoolRef {
    /// A Metal3 `IPPool` (claimed with an `ipam.metal3.io` IPClaim); any other kind is claimed
    /// with a CAPI `IPAddressClaim`.
    pub fn is_metal3(&self) -> bool {
        self.api_group == METAL3_IPAM_GROUP && self.kind == METAL3_POOL_KIND
    }
}

/// The pools a template reads, keyed by name like [`super::Addresses`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReferencedPools(BTreeMap<String, PoolRef>);

impl ReferencedPools {
    pub fn iter(&self) -> impl Iterator<Item = &PoolRef> {
        self.0.values()
    }

    pub fn get(&self, name: &str) -> Option<&PoolRef> {
        self.0.get(name)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds a pool; the same name with another group or kind is an error. An empty name
    /// (an unset field) adds nothing.
    fn add(
        &mut self,
        name: &str,
        api_group: Option<&str>,
        kind: Option<&str>,
    ) -> Result<(), RenderError> {
        if name.is_empty() {
            return Ok(());
        }
        let reference = PoolRef {
            name: name.to_owned(),
            api_group: api_group
                .filter(|g| !g.is_empty())
                .unwrap_or(METAL3_IPAM_GROUP)
                .to_owned(),
            kind: kind
                .filter(|k| !k.is_empty())
                .unwrap_or(METAL3_POOL_KIND)
                .to_owned(),
        };
        match self.0.get(name) {
            Some(existing) if *existing != reference => {
                Err(RenderError::ConflictingPoolReferences(name.to_owned()))
            }
            Some(_) => Ok(()),
            None => {
                self.0.insert(name.to_owned(), reference);
                Ok(())
            }
        }
    }

    /// Adds the pool a source names. Annotation sources need the objects; without them
    /// (releasing claims after the objects are gone) they are skipped, as upstream does.
    fn add_source(
        &mut self,
        source: PoolSource<'_>,
        objects: Option<Objects<'_>>,
    ) -> Result<(), RenderError> {
        match source {
            PoolSource::Annotation(_) => match objects {
                Some(objects) => self.add(source.name(objects)?, None, None),
                None => Ok(()),
            },
            PoolSource::Reference(r) => {
                self.add(&r.name, r.api_group.as_deref(), r.kind.as_deref())
            }
            PoolSource::Name(name) => self.add(name, None, None),
        }
    }

    fn add_route(
        &mut self,
        route: &Route<'_>,
        objects: Option<Objects<'_>>,
    ) -> Result<(), RenderError> {
        if let GatewayFrom::Pool(source) = route.gateway.resolve() {
            self.add_source(source, objects)?;
        }
        self.add(route.dns_from_ip_pool.unwrap_or_default(), None, None)
    }
}

impl<'a> IntoIterator for &'a ReferencedPools {
    type Item = &'a PoolRef;
    type IntoIter = std::collections::btree_map::Values<'a, String, PoolRef>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.values()
    }
}

/// Every pool the template's metaData and networkData read: metaData `ipAddressesFromPool`,
/// `prefixesFromPool`, `gatewaysFromPool`, `dnsServersFromPool`; each static network's address
/// pool; each route's gateway pool and `dnsFromIPPool`; the top-level `dnsFromIPPool`.
///
/// Exactly the pools rendering reads, in its precedence: a network's `fromPoolAnnotation`
/// hides its `fromPoolRef` and `ipAddressFromIPPool`, a route's literal gateway hides its pools.
/// Pass `objects` to resolve `fromPoolAnnotation`; `None` skips those references.
pub fn referenced_pools(
    template: &Metal3DataTemplateSpec,
    objects: Option<Objects<'_>>,
) -> Result<ReferencedPools, RenderError> {
    let mut pools = ReferencedPools::default();
    if let Some(meta_data) = &template.meta_data {
        let lists = [
            &meta_data.ip_addresses_from_pool,
            &meta_data.prefixes_from_pool,
            &meta_data.gateways_from_pool,
            &meta_data.dns_servers_from_pool,
        ];
        for FromPool {
            name,
            api_group,
            kind,
            ..
        } in lists.into_iter().flatten().flatten()
        {
            pools.add(name, api_group.as_deref(), kind.as_deref())?;
        }
    }
    if let Some(network_data) = &template.network_data {
        for network in view::networks(network_data.networks.as_ref()) {
            if let Some(address) = &network.address {
                pools.add_source(address.pool(), objects)?;
            }
            for route in &network.routes {
                pools.add_route(route, objects)?;
            }
        }
        let services = network_data.services.as_ref();
        pools.add(
            view::non_empty(services.and_then(|s| s.dns_from_ip_pool.as_ref())).unwrap_or_default(),
            None,
            None,
        )?;
    }
    Ok(pools)
}

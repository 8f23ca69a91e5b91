//! Version-neutral views of the template's IPv4 and IPv6 types, which differ only in their
//! address validation, so routes and networks are rendered (and their pools collected) once.

use crate::render::{Objects, RenderError};

use crate::api::capm3::v1beta2::{
    FromPoolAnnotation, IPPoolReference, NetworkDataIPv4, NetworkDataIPv4DHCP, NetworkDataIPv6,
    NetworkDataIPv6DHCP, NetworkDataNetwork, NetworkDataRoutev4, NetworkDataRoutev6,
    NetworkGatewayv4, NetworkGatewayv6,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IpVersion {
    V4,
    V6,
}

/// A reference to a pool, in one of the template's three spellings.
#[derive(Clone, Copy)]
pub(crate) enum PoolSource<'a> {
    /// The pool is named by an annotation on one of the objects (always a Metal3 IPPool).
    Annotation(&'a FromPoolAnnotation),
    /// `fromPoolRef`: name, API group and kind.
    Reference(&'a IPPoolReference),
    /// `ipAddressFromIPPool`, `fromIPPool`, `dnsFromIPPool`: a Metal3 IPPool by name.
    Name(&'a str),
}

impl<'a> PoolSource<'a> {
    /// The pool's name; annotations are read from the objects.
    pub(crate) fn name(self, objects: Objects<'a>) -> Result<&'a str, RenderError> {
        match self {
            Self::Annotation(from) => objects.annotated_pool(from),
            Self::Reference(reference) => Ok(&reference.name),
            Self::Name(name) => Ok(name),
        }
    }
}

/// Where a route's gateway comes from.
pub(crate) enum GatewayFrom<'a> {
    Literal(&'a str),
    Pool(PoolSource<'a>),
    Unset,
}

/// Where a static network's address comes from; the first one set wins.
pub(crate) struct AddressSource<'a> {
    pub from_pool_annotation: Option<&'a FromPoolAnnotation>,
    pub from_pool_ref: Option<&'a IPPoolReference>,
    pub ip_address_from_ip_pool: Option<&'a str>,
}

impl<'a> AddressSource<'a> {
    /// `fromPoolAnnotation`, else `fromPoolRef`, else `ipAddressFromIPPool`.
    pub(crate) fn pool(&self) -> PoolSource<'a> {
        if let Some(from) = self.from_pool_annotation {
            PoolSource::Annotation(from)
        } else if let Some(reference) = self.from_pool_ref {
            PoolSource::Reference(reference)
        } else {
            PoolSource::Name(self.ip_address_from_ip_pool.unwrap_or_default())
        }
    }
}

/// Where a route's gateway comes from; the first one set wins.
pub(crate) struct GatewaySource<'a> {
    pub string: Option<&'a str>,
    pub from_pool_annotation: Option<&'a FromPoolAnnotation>,
    pub from_pool_ref: Option<&'a IPPoolReference>,
    pub from_ip_pool: Option<&'a str>,
}

impl<'a> GatewaySource<'a> {
    /// `string`, else `fromPoolAnnotation`, else `fromPoolRef`, else `fromIPPool`.
    pub(crate) fn resolve(&self) -> GatewayFrom<'a> {
        if let Some(literal) = self.string {
            GatewayFrom::Literal(literal)
        } else if let Some(from) = self.from_pool_annotation {
            GatewayFrom::Pool(PoolSource::Annotation(from))
        } else if let Some(reference) = self.from_pool_ref {
            GatewayFrom::Pool(PoolSource::Reference(reference))
        } else if let Some(name) = self.from_ip_pool {
            GatewayFrom::Pool(PoolSource::Name(name))
        } else {
            GatewayFrom::Unset
        }
    }
}

pub(crate) struct Route<'a> {
    pub network: &'a str,
    pub prefix: Option<i32>,
    pub gateway: GatewaySource<'a>,
    pub dns: &'a [String],
    pub dns_from_ip_pool: Option<&'a str>,
}

/// One network of any of the five kinds; `address` is set for the static ones.
pub(crate) struct Network<'a> {
    pub kind: &'static str,
    pub version: IpVersion,
    pub id: &'a str,
    pub link: &'a str,
    pub address: Option<AddressSource<'a>>,
    pub routes: Vec<Route<'a>>,
}

/// A pool reference counts only with a name; an empty pool name counts as unset.
pub(crate) fn named_ref(reference: Option<&IPPoolReference>) -> Option<&IPPoolReference> {
    reference.filter(|r| !r.name.is_empty())
}

pub(crate) fn non_empty(name: Option<&String>) -> Option<&str> {
    name.map(String::as_str).filter(|n| !n.is_empty())
}

fn slice(list: Option<&Vec<String>>) -> &[String] {
    list.map_or(&[], Vec::as_slice)
}

impl<'a> From<&'a NetworkGatewayv4> for GatewaySource<'a> {
    fn from(g: &'a NetworkGatewayv4) -> Self {
        Self {
            string: g.string.as_deref(),
            from_pool_annotation: g.from_pool_annotation.as_ref(),
            from_pool_ref: named_ref(g.from_pool_ref.as_ref()),
            from_ip_pool: non_empty(g.from_ip_pool.as_ref()),
        }
    }
}

impl<'a> From<&'a NetworkGatewayv6> for GatewaySource<'a> {
    fn from(g: &'a NetworkGatewayv6) -> Self {
        Self {
            string: g.string.as_deref(),
            from_pool_annotation: g.from_pool_annotation.as_ref(),
            from_pool_ref: named_ref(g.from_pool_ref.as_ref()),
            from_ip_pool: non_empty(g.from_ip_pool.as_ref()),
        }
    }
}

impl<'a> From<&'a NetworkDataRoutev4> for Route<'a> {
    fn from(r: &'a NetworkDataRoutev4) -> Self {
        let services = r.services.as_ref();
        Self {
            network: &r.network,
            prefix: r.prefix,
            gateway: (&r.gateway).into(),
            dns: slice(services.and_then(|s| s.dns.as_ref())),
            dns_from_ip_pool: non_empty(services.and_then(|s| s.dns_from_ip_pool.as_ref())),
        }
    }
}

impl<'a> From<&'a NetworkDataRoutev6> for Route<'a> {
    fn from(r: &'a NetworkDataRoutev6) -> Self {
        let services = r.services.as_ref();
        Self {
            network: &r.network,
            prefix: r.prefix,
            gateway: (&r.gateway).into(),
            dns: slice(services.and_then(|s| s.dns.as_ref())),
            dns_from_ip_pool: non_empty(services.and_then(|s| s.dns_from_ip_pool.as_ref())),
        }
    }
}

fn routes<'a, R: 'a>(routes: Option<&'a Vec<R>>) -> Vec<Route<'a>>
where
    Route<'a>: From<&'a R>,
{
    routes.into_iter().flatten().map(Route::from).collect()
}

fn static_v4(n: &NetworkDataIPv4) -> Network<'_> {
    Network {
        kind: "ipv4",
        version: IpVersion::V4,
        id: &n.id,
        link: &n.link,
        address: Some(AddressSource {
            from_pool_annotation: n.from_pool_annotation.as_ref(),
            from_pool_ref: named_ref(n.from_pool_ref.as_ref()),
            ip_address_from_ip_pool: non_empty(n.ip_address_from_ip_pool.as_ref()),
        }),
        routes: routes(n.routes.as_ref()),
    }
}

fn static_v6(n: &NetworkDataIPv6) -> Network<'_> {
    Network {
        kind: "ipv6",
        version: IpVersion::V6,
        id: &n.id,
        link: &n.link,
        address: Some(AddressSource {
            from_pool_annotation: n.from_pool_annotation.as_ref(),
            from_pool_ref: named_ref(n.from_pool_ref.as_ref()),
            ip_address_from_ip_pool: non_empty(n.ip_address_from_ip_pool.as_ref()),
        }),
        routes: routes(n.routes.as_ref()),
    }
}

fn dhcp_v4(n: &NetworkDataIPv4DHCP) -> Network<'_> {
    Network {
        kind: "ipv4_dhcp",
        version: IpVersion::V4,
        id: &n.id,
        link: &n.link,
        address: None,
        routes: routes(n.routes.as_ref()),
    }
}

fn dynamic_v6<'a>(kind: &'static str, n: &'a NetworkDataIPv6DHCP) -> Network<'a> {
    Network {
        kind,
        version: IpVersion::V6,
        id: &n.id,
        link: &n.link,
        address: None,
        routes: routes(n.routes.as_ref()),
    }
}

/// Every network of the template in upstream's order: ipv4, ipv6, ipv4DHCP, ipv6DHCP, ipv6SLAAC.
pub(crate) fn networks(networks: Option<&NetworkDataNetwork>) -> Vec<Network<'_>> {
    let Some(n) = networks else {
        return Vec::new();
    };
    let ipv4 = n.ipv4.iter().flatten().map(static_v4);
    let ipv6 = n.ipv6.iter().flatten().map(static_v6);
    let ipv4_dhcp = n.ipv4_dhcp.iter().flatten().map(dhcp_v4);
    let ipv6_dhcp = n
        .ipv6_dhcp
        .iter()
        .flatten()
        .map(|n| dynamic_v6("ipv6_dhcp", n));
    let ipv6_slaac = n
        .ipv6_slaac
        .iter()
        .flatten()
        .map(|n| dynamic_v6("ipv6_slaac", n));
    ipv4.chain(ipv6)
        .chain(ipv4_dhcp)
        .chain(ipv6_dhcp)
        .chain(ipv6_slaac)
        .collect()
}

//! `networks` (with their routes) and `services`.

use serde_json::{Map, Value, json};

use super::netmask::netmask;
use super::view::{self, GatewayFrom, Network, Route};
use crate::api::capm3::v1beta2::NetworkDataNetwork;
use crate::render::addresses::lookup;
use crate::render::{Addresses, Objects, RenderError};

pub(crate) fn render(
    networks: Option<&NetworkDataNetwork>,
    addresses: &Addresses,
    objects: Objects<'_>,
) -> Result<Vec<Value>, RenderError> {
    view::networks(networks)
        .iter()
        .map(|network| render_network(network, addresses, objects))
        .collect()
}

fn render_network(
    network: &Network<'_>,
    addresses: &Addresses,
    objects: Objects<'_>,
) -> Result<Value, RenderError> {
    let mut entry = Map::new();
    entry.insert("type".into(), network.kind.into());
    entry.insert("id".into(), network.id.into());
    entry.insert("link".into(), network.link.into());
    if let Some(source) = &network.address {
        let allocated = lookup(addresses, source.pool().name(objects)?)?;
        let mask = match allocated.prefix {
            Some(prefix) => netmask(prefix, network.version)?,
            None => String::new(),
        };
        entry.insert("ip_address".into(), allocated.address.as_str().into());
        entry.insert("netmask".into(), mask.into());
    }
    let routes = network
        .routes
        .iter()
        .map(|route| render_route(route, network.version, addresses, objects))
        .collect::<Result<Vec<_>, _>>()?;
    entry.insert("routes".into(), routes.into());
    Ok(entry.into())
}

fn render_route(
    route: &Route<'_>,
    version: view::IpVersion,
    addresses: &Addresses,
    objects: Objects<'_>,
) -> Result<Value, RenderError> {
    let gateway = match route.gateway.resolve() {
        GatewayFrom::Literal(literal) => literal,
        GatewayFrom::Pool(pool) => lookup(addresses, pool.name(objects)?)?.gateway(),
        GatewayFrom::Unset => "",
    };
    Ok(json!({
        "network": route.network,
        "netmask": netmask(route.prefix.unwrap_or(0).into(), version)?,
        "gateway": gateway,
        "services": dns_services(route.dns, route.dns_from_ip_pool, addresses)?,
    }))
}

/// `{type: dns, address}` for each listed server, then for each DNS server of the pool.
pub(crate) fn dns_services(
    dns: &[String],
    dns_from_ip_pool: Option<&str>,
    addresses: &Addresses,
) -> Result<Vec<Value>, RenderError> {
    let from_pool = match dns_from_ip_pool {
        Some(pool) => lookup(addresses, pool)?.dns_servers.as_slice(),
        None => &[],
    };
    Ok(dns
        .iter()
        .chain(from_pool)
        .map(|address| json!({"type": "dns", "address": address}))
        .collect())
}

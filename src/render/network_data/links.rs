//! `links`: every bond, then every ethernet, then every vlan (upstream's order).

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value, json};

use crate::api::capm3::v1beta2::{
    NetworkDataLink, NetworkDataLinkBond, NetworkDataLinkEthernet, NetworkDataLinkVlan,
    NetworkLinkEthernetMac,
};
use crate::render::{Objects, RenderError};

/// The CRD's default MTU, for a link read without API server defaulting.
const DEFAULT_MTU: i32 = 1500;

pub(crate) fn render(
    links: Option<&NetworkDataLink>,
    objects: Objects<'_>,
) -> Result<Vec<Value>, RenderError> {
    let Some(links) = links else {
        return Ok(Vec::new());
    };
    let bonds = links.bonds.iter().flatten().map(|l| bond(l, objects));
    let ethernets = links
        .ethernets
        .iter()
        .flatten()
        .map(|l| ethernet(l, objects));
    let vlans = links.vlans.iter().flatten().map(|l| vlan(l, objects));
    bonds.chain(ethernets).chain(vlans).collect()
}

/// The keys every link has, plus `name` when set and the MAC (under `mac_key`) when given.
fn link_entry(
    link_type: Value,
    id: &str,
    mtu: Option<i32>,
    name: Option<&String>,
    mac_key: &str,
    mac: Option<String>,
) -> Map<String, Value> {
    let mut entry = Map::new();
    entry.insert("type".into(), link_type);
    entry.insert("id".into(), id.into());
    entry.insert("mtu".into(), mtu.unwrap_or(DEFAULT_MTU).into());
    if let Some(name) = name.filter(|n| !n.is_empty()) {
        entry.insert("name".into(), name.as_str().into());
    }
    if let Some(mac) = mac {
        entry.insert(mac_key.into(), mac.into());
    }
    entry
}

fn ethernet(link: &NetworkDataLinkEthernet, objects: Objects<'_>) -> Result<Value, RenderError> {
    let mac = mac_address(&link.mac_address, objects)?;
    let link_type = json!(link.r#type);
    let entry = link_entry(
        link_type,
        &link.id,
        link.mtu,
        link.name.as_ref(),
        "ethernet_mac_address",
        mac,
    );
    Ok(entry.into())
}

fn vlan(link: &NetworkDataLinkVlan, objects: Objects<'_>) -> Result<Value, RenderError> {
    let mac = mac_address(&link.mac_address, objects)?;
    let mut entry = link_entry(
        "vlan".into(),
        &link.id,
        link.mtu,
        link.name.as_ref(),
        "vlan_mac_address",
        mac,
    );
    entry.insert("vlan_id".into(), link.vlan_id.into());
    entry.insert("vlan_link".into(), link.vlan_link.as_str().into());
    Ok(entry.into())
}

/// A bond: its structured fields, then each parameter as `bond_<name>`; a parameter may not
/// replace a structured field (or an earlier parameter of the same name).
fn bond(link: &NetworkDataLinkBond, objects: Objects<'_>) -> Result<Value, RenderError> {
    let mac = mac_address(&link.mac_address, objects)?;
    let mut entry = link_entry(
        "bond".into(),
        &link.id,
        link.mtu,
        link.name.as_ref(),
        "ethernet_mac_address",
        mac,
    );
    entry.insert("bond_mode".into(), json!(link.bond_mode));
    // Upstream's field is a plain string: unset renders as "".
    let policy = link
        .bond_xmit_hash_policy
        .map_or_else(|| json!(""), |p| json!(p));
    entry.insert("bond_xmit_hash_policy".into(), policy);
    // A nil list in Go: `null` when absent, `[]` when given empty.
    entry.insert("bond_links".into(), json!(link.bond_links));

    let mut illegal = Vec::new();
    for parameter in &link.parameters {
        let key = format!("bond_{}", parameter.name);
        if entry.contains_key(&key) {
            illegal.push(parameter.name.clone());
        } else {
            entry.insert(key, parameter.value.clone().unwrap_or(Value::Null));
        }
    }
    if !illegal.is_empty() {
        return Err(RenderError::IllegalBondParameters {
            link: link.id.clone(),
            params: illegal,
        });
    }
    Ok(entry.into())
}

/// The link's MAC: a literal string, else an inspected NIC's MAC, else an annotation's value.
/// No source at all (`macAddress: {}`) renders no MAC key; cloud-init then matches on the
/// link's name or id.
fn mac_address(
    mac: &NetworkLinkEthernetMac,
    objects: Objects<'_>,
) -> Result<Option<String>, RenderError> {
    static MAC: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^([0-9A-Fa-f]{2}[:-]){5}([0-9A-Fa-f]{2})$").expect("a valid constant pattern")
    });
    let value = if let Some(literal) = &mac.string {
        literal.as_str()
    } else if let Some(interface) = &mac.from_host_interface {
        objects.nic_mac(interface)?
    } else if let Some(from) = &mac.from_annotation {
        objects.annotation(from.object, &from.annotation)
    } else {
        return Ok(None);
    };
    if MAC.is_match(value) {
        Ok(Some(value.to_owned()))
    } else {
        Err(RenderError::BadMac(value.to_owned()))
    }
}

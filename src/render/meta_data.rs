//! metaData (upstream's `renderMetaData`): a flat map of strings, filled source by source in
//! upstream's order so that a later source overwrites an earlier one with the same key.

use std::collections::BTreeMap;

use serde_json::Value;

use super::addresses::lookup;
use super::{Inputs, PoolAddress, RenderError, yaml};
use crate::api::capm3::v1beta2::{FromPool, MetaData, MetaDataHostInterface};

/// The metaData document, or `None` when the template has no `metaData` (then no metaData
/// Secret is made). Always contains `providerid`.
pub fn meta_data(inputs: &Inputs<'_>) -> Result<Option<String>, RenderError> {
    let Some(template) = &inputs.template.meta_data else {
        return Ok(None);
    };
    let entries = entries(template, inputs)?;
    let document = Value::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    );
    Ok(Some(yaml::to_string(&document)))
}

fn entries(
    template: &MetaData,
    inputs: &Inputs<'_>,
) -> Result<BTreeMap<String, String>, RenderError> {
    let objects = inputs.objects;
    let mut map = BTreeMap::new();
    for entry in template.from_host_interfaces.iter().flatten() {
        map.insert(
            entry.key.clone(),
            host_interface_mac(entry, inputs)?.to_owned(),
        );
    }
    let mut from_pools = |list: &Option<Vec<FromPool>>, value: fn(&PoolAddress) -> String| {
        for entry in list.iter().flatten() {
            map.insert(
                entry.key.clone(),
                value(lookup(inputs.addresses, &entry.name)?),
            );
        }
        Ok::<_, RenderError>(())
    };
    from_pools(&template.ip_addresses_from_pool, |a| a.address.clone())?;
    from_pools(&template.prefixes_from_pool, |a| {
        a.prefix.map(|p| p.to_string()).unwrap_or_default()
    })?;
    from_pools(&template.gateways_from_pool, |a| a.gateway().to_owned())?;
    // Not rendered upstream (a claim is made, nothing written); here the pool's DNS servers,
    // comma-separated.
    from_pools(&template.dns_servers_from_pool, |a| a.dns_servers.join(","))?;

    let index = i64::from(inputs.data.spec.index.unwrap_or(0));
    for entry in template.indexes.iter().flatten() {
        let step = match entry.step.unwrap_or(0) {
            0 => 1,
            step => i64::from(step),
        };
        let value = i64::from(entry.offset.unwrap_or(0)) + index * step;
        let prefix = entry.prefix.as_deref().unwrap_or_default();
        let suffix = entry.suffix.as_deref().unwrap_or_default();
        map.insert(entry.key.clone(), format!("{prefix}{value}{suffix}"));
    }
    let namespace = inputs
        .data
        .metadata
        .namespace
        .as_deref()
        .unwrap_or_default();
    for entry in template.namespaces.iter().flatten() {
        map.insert(entry.key.clone(), namespace.to_owned());
    }
    for entry in template.object_names.iter().flatten() {
        map.insert(entry.key.clone(), objects.name(entry.object).to_owned());
    }
    for entry in template.from_labels.iter().flatten() {
        map.insert(
            entry.key.clone(),
            objects.label(entry.object, &entry.label).to_owned(),
        );
    }
    for entry in template.from_annotations.iter().flatten() {
        map.insert(
            entry.key.clone(),
            objects
                .annotation(entry.object, &entry.annotation)
                .to_owned(),
        );
    }
    for entry in template.strings.iter().flatten() {
        map.insert(entry.key.clone(), entry.value.clone());
    }
    map.insert("providerid".to_owned(), objects.provider_id());
    Ok(map)
}

/// The boot MAC with `fromBootMAC: true`, else the MAC of the named inspected NIC.
fn host_interface_mac<'a>(
    entry: &MetaDataHostInterface,
    inputs: &Inputs<'a>,
) -> Result<&'a str, RenderError> {
    if entry.from_boot_mac == Some(true) {
        inputs.objects.boot_mac()
    } else {
        inputs
            .objects
            .nic_mac(entry.interface.as_deref().unwrap_or_default())
    }
}

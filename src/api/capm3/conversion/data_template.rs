//! Metal3DataTemplate: the metaData and networkData templates and the index status.

use std::collections::BTreeMap;

use serde_json::Value;

use super::common::{
    Convert, Result, by_field, narrow, narrow_opt, non_empty, or_empty, same_shape, widen,
};
use crate::api::capm3::{v1beta1, v1beta2};

same_shape!(
    BondMode,
    BondXmitHashPolicy,
    EthernetType,
    FromPoolAnnotation,
    MetaDataFromAnnotation,
    MetaDataFromLabel,
    MetaDataHostInterface,
    MetaDataNamespace,
    MetaDataObjectName,
    MetaDataString,
    NetworkDataService,
    NetworkDataServicev4,
    NetworkDataServicev6,
    NetworkLinkEthernetMac,
);

by_field!(
    Metal3DataTemplateStatus { indexes, last_updated }
    NetworkData { links, networks, services }
    NetworkDataLink { bonds, ethernets, vlans }
    NetworkDataNetwork { ipv4, ipv4_dhcp, ipv6, ipv6_dhcp, ipv6_slaac }
    NetworkDataIPv4DHCP { id, link, routes }
    NetworkDataIPv6DHCP { id, link, routes }
    NetworkGatewayv4 { from_ip_pool, from_pool_annotation, from_pool_ref, string }
    NetworkGatewayv6 { from_ip_pool, from_pool_annotation, from_pool_ref, string }
);

impl Convert for v1beta1::Metal3DataTemplateSpec {
    type Hub = v1beta2::Metal3DataTemplateSpec;
    fn into_hub(self) -> Result<Self::Hub> {
        // templateReference has no v1beta2 counterpart (upstream drops it).
        Ok(v1beta2::Metal3DataTemplateSpec {
            cluster_name: non_empty(self.cluster_name),
            meta_data: self.meta_data.into_hub()?,
            network_data: self.network_data.into_hub()?,
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        Ok(v1beta1::Metal3DataTemplateSpec {
            cluster_name: or_empty(hub.cluster_name),
            meta_data: Convert::from_hub(hub.meta_data)?,
            network_data: Convert::from_hub(hub.network_data)?,
            template_reference: None,
        })
    }
}

/// The four pool-backed lists are `…FromIPPool` in v1beta1 and `…FromPool` in v1beta2.
impl Convert for v1beta1::MetaData {
    type Hub = v1beta2::MetaData;
    fn into_hub(self) -> Result<Self::Hub> {
        Ok(v1beta2::MetaData {
            dns_servers_from_pool: self.dns_servers_from_ip_pool.into_hub()?,
            from_annotations: self.from_annotations.into_hub()?,
            from_host_interfaces: self.from_host_interfaces.into_hub()?,
            from_labels: self.from_labels.into_hub()?,
            gateways_from_pool: self.gateways_from_ip_pool.into_hub()?,
            indexes: self.indexes.into_hub()?,
            ip_addresses_from_pool: self.ip_addresses_from_ip_pool.into_hub()?,
            namespaces: self.namespaces.into_hub()?,
            object_names: self.object_names.into_hub()?,
            prefixes_from_pool: self.prefixes_from_ip_pool.into_hub()?,
            strings: self.strings.into_hub()?,
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        Ok(v1beta1::MetaData {
            dns_servers_from_ip_pool: Convert::from_hub(hub.dns_servers_from_pool)?,
            from_annotations: Convert::from_hub(hub.from_annotations)?,
            from_host_interfaces: Convert::from_hub(hub.from_host_interfaces)?,
            from_labels: Convert::from_hub(hub.from_labels)?,
            gateways_from_ip_pool: Convert::from_hub(hub.gateways_from_pool)?,
            indexes: Convert::from_hub(hub.indexes)?,
            ip_addresses_from_ip_pool: Convert::from_hub(hub.ip_addresses_from_pool)?,
            namespaces: Convert::from_hub(hub.namespaces)?,
            object_names: Convert::from_hub(hub.object_names)?,
            prefixes_from_ip_pool: Convert::from_hub(hub.prefixes_from_pool)?,
            strings: Convert::from_hub(hub.strings)?,
        })
    }
}

/// `apiGroup` and `kind` were required strings in v1beta1, optional in v1beta2.
impl Convert for v1beta1::FromPool {
    type Hub = v1beta2::FromPool;
    fn into_hub(self) -> Result<Self::Hub> {
        Ok(v1beta2::FromPool {
            api_group: non_empty(self.api_group),
            key: self.key,
            kind: non_empty(self.kind),
            name: self.name,
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        Ok(v1beta1::FromPool {
            api_group: or_empty(hub.api_group),
            key: hub.key,
            kind: or_empty(hub.kind),
            name: hub.name,
        })
    }
}

impl Convert for v1beta1::MetaDataIndex {
    type Hub = v1beta2::MetaDataIndex;
    fn into_hub(self) -> Result<Self::Hub> {
        Ok(v1beta2::MetaDataIndex {
            key: self.key,
            offset: narrow_opt(self.offset, "metaData.indexes[].offset")?,
            prefix: self.prefix,
            step: narrow_opt(self.step, "metaData.indexes[].step")?,
            suffix: self.suffix,
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        Ok(v1beta1::MetaDataIndex {
            key: hub.key,
            offset: widen(hub.offset),
            prefix: hub.prefix,
            step: widen(hub.step),
            suffix: hub.suffix,
        })
    }
}

impl Convert for v1beta1::NetworkDataLinkBond {
    type Hub = v1beta2::NetworkDataLinkBond;
    fn into_hub(self) -> Result<Self::Hub> {
        Ok(v1beta2::NetworkDataLinkBond {
            bond_links: self.bond_links,
            bond_mode: self.bond_mode.into_hub()?,
            bond_xmit_hash_policy: self.bond_xmit_hash_policy.into_hub()?,
            id: self.id,
            mac_address: self.mac_address.into_hub()?,
            mtu: narrow_opt(self.mtu, "networkData.links.bonds[].mtu")?,
            name: self.name,
            parameters: bond_parameters_into_hub(self.parameters),
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        Ok(v1beta1::NetworkDataLinkBond {
            bond_links: hub.bond_links,
            bond_mode: Convert::from_hub(hub.bond_mode)?,
            bond_xmit_hash_policy: Convert::from_hub(hub.bond_xmit_hash_policy)?,
            id: hub.id,
            mac_address: Convert::from_hub(hub.mac_address)?,
            mtu: widen(hub.mtu),
            name: hub.name,
            parameters: bond_parameters_from_hub(hub.parameters),
        })
    }
}

/// Bond parameters: a map in v1beta1, a list of `{name, value}` sorted by name in
/// v1beta2. A JSON `null` value is an absent `value` (v1beta2 cannot tell them apart).
fn bond_parameters_into_hub(
    parameters: Option<BTreeMap<String, Value>>,
) -> Vec<v1beta2::NetworkDataLinkBondParam> {
    let parameters = parameters.unwrap_or_default().into_iter();
    let parameters = parameters.map(|(name, value)| v1beta2::NetworkDataLinkBondParam {
        name,
        value: (!value.is_null()).then_some(value),
    });
    parameters.collect()
}

/// The inverse of [`bond_parameters_into_hub`]; no parameters is no map.
fn bond_parameters_from_hub(
    parameters: Vec<v1beta2::NetworkDataLinkBondParam>,
) -> Option<BTreeMap<String, Value>> {
    let parameters = parameters.into_iter();
    let parameters = parameters.map(|p| (p.name, p.value.unwrap_or(Value::Null)));
    Some(parameters.collect::<BTreeMap<_, _>>()).filter(|map| !map.is_empty())
}

impl Convert for v1beta1::NetworkDataLinkEthernet {
    type Hub = v1beta2::NetworkDataLinkEthernet;
    fn into_hub(self) -> Result<Self::Hub> {
        Ok(v1beta2::NetworkDataLinkEthernet {
            id: self.id,
            mac_address: self.mac_address.into_hub()?,
            mtu: narrow_opt(self.mtu, "networkData.links.ethernets[].mtu")?,
            name: self.name,
            r#type: self.r#type.into_hub()?,
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        Ok(v1beta1::NetworkDataLinkEthernet {
            id: hub.id,
            mac_address: Convert::from_hub(hub.mac_address)?,
            mtu: widen(hub.mtu),
            name: hub.name,
            r#type: Convert::from_hub(hub.r#type)?,
        })
    }
}

impl Convert for v1beta1::NetworkDataLinkVlan {
    type Hub = v1beta2::NetworkDataLinkVlan;
    fn into_hub(self) -> Result<Self::Hub> {
        Ok(v1beta2::NetworkDataLinkVlan {
            id: self.id,
            mac_address: self.mac_address.into_hub()?,
            mtu: narrow_opt(self.mtu, "networkData.links.vlans[].mtu")?,
            name: self.name,
            vlan_id: narrow(self.vlan_id, "networkData.links.vlans[].vlanID")?,
            vlan_link: self.vlan_link,
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        Ok(v1beta1::NetworkDataLinkVlan {
            id: hub.id,
            mac_address: Convert::from_hub(hub.mac_address)?,
            mtu: widen(hub.mtu),
            name: hub.name,
            vlan_id: hub.vlan_id.into(),
            vlan_link: hub.vlan_link,
        })
    }
}

/// Static IPv4 and IPv6 networks differ only in that v1beta1 required an IPv6
/// network's `ipAddressFromIPPool` (so "" when unset) and left the IPv4 one optional.
macro_rules! static_network {
    ($network:ident, $into_pool:expr, $from_pool:expr) => {
        impl Convert for v1beta1::$network {
            type Hub = v1beta2::$network;
            fn into_hub(self) -> Result<Self::Hub> {
                Ok(v1beta2::$network {
                    from_pool_annotation: self.from_pool_annotation.into_hub()?,
                    from_pool_ref: self.from_pool_ref.into_hub()?,
                    id: self.id,
                    ip_address_from_ip_pool: $into_pool(self.ip_address_from_ip_pool),
                    link: self.link,
                    routes: self.routes.into_hub()?,
                })
            }
            fn from_hub(hub: Self::Hub) -> Result<Self> {
                Ok(v1beta1::$network {
                    from_pool_annotation: Convert::from_hub(hub.from_pool_annotation)?,
                    from_pool_ref: Convert::from_hub(hub.from_pool_ref)?,
                    id: hub.id,
                    ip_address_from_ip_pool: $from_pool(hub.ip_address_from_ip_pool),
                    link: hub.link,
                    routes: Convert::from_hub(hub.routes)?,
                })
            }
        }
    };
}
static_network!(
    NetworkDataIPv4,
    std::convert::identity,
    std::convert::identity
);
static_network!(NetworkDataIPv6, non_empty, or_empty);

/// IPv4 and IPv6 routes have the same shape; the prefix narrows to `int32`.
macro_rules! route {
    ($($route:ident),+) => {$(
        impl Convert for v1beta1::$route {
            type Hub = v1beta2::$route;
            fn into_hub(self) -> Result<Self::Hub> {
                Ok(v1beta2::$route {
                    gateway: self.gateway.into_hub()?,
                    network: self.network,
                    prefix: narrow_opt(self.prefix, "networkData.networks[].routes[].prefix")?,
                    services: self.services.into_hub()?,
                })
            }
            fn from_hub(hub: Self::Hub) -> Result<Self> {
                Ok(v1beta1::$route {
                    gateway: Convert::from_hub(hub.gateway)?,
                    network: hub.network,
                    prefix: widen(hub.prefix),
                    services: Convert::from_hub(hub.services)?,
                })
            }
        }
    )+};
}
route!(NetworkDataRoutev4, NetworkDataRoutev6);

/// Allocated indexes: a map claim name -> index in v1beta1, a list sorted by index
/// (then name, for ties v1beta2 would reject anyway) in v1beta2.
impl Convert for BTreeMap<String, i64> {
    type Hub = Vec<v1beta2::Metal3DataTemplateIndex>;
    fn into_hub(self) -> Result<Self::Hub> {
        let mut indexes = self
            .into_iter()
            .map(|(name, index)| {
                let index = narrow(index, "status.indexes")?;
                Ok(v1beta2::Metal3DataTemplateIndex { index, name })
            })
            .collect::<Result<Vec<_>>>()?;
        indexes.sort_by(|a, b| (a.index, &a.name).cmp(&(b.index, &b.name)));
        Ok(indexes)
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        Ok(hub.into_iter().map(|i| (i.name, i.index.into())).collect())
    }
}

/// API-05: Metal3DataTemplate rules.
#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::api::capm3::conversion::testing::{V1BETA1, V1BETA2, object, round_trip, stored};

    fn template(api_version: &str, spec: serde_json::Value) -> serde_json::Value {
        object(api_version, "Metal3DataTemplate", json!({"spec": spec}))
    }

    #[test]
    fn from_ip_pool_metadata_keys_become_from_pool() {
        let pool =
            json!([{"key": "k", "name": "pool", "apiGroup": "ipam.metal3.io", "kind": "IPPool"}]);
        // (v1beta1 key, v1beta2 key)
        let table = [
            ("ipAddressesFromIPPool", "ipAddressesFromPool"),
            ("prefixesFromIPPool", "prefixesFromPool"),
            ("gatewaysFromIPPool", "gatewaysFromPool"),
            ("dnsServersFromIPPool", "dnsServersFromPool"),
        ];
        for (old_key, new_key) in table {
            let old = template(
                V1BETA1,
                json!({"clusterName": "c", "metaData": {old_key: pool}}),
            );
            let new = round_trip(&old, V1BETA2);
            assert_eq!(new["spec"]["metaData"], json!({new_key: pool}), "{old_key}");
        }
    }

    #[test]
    fn empty_pool_group_and_kind_are_absent() {
        let old = template(
            V1BETA1,
            json!({"clusterName": "c", "metaData": {"gatewaysFromIPPool": [
                {"key": "k", "name": "pool", "apiGroup": "", "kind": ""},
            ]}}),
        );
        let new = round_trip(&old, V1BETA2);
        assert_eq!(
            new["spec"]["metaData"]["gatewaysFromPool"],
            json!([{"key": "k", "name": "pool"}])
        );
    }

    fn bond(parameters: serde_json::Value) -> serde_json::Value {
        json!({"links": {"bonds": [{
            "id": "bond0", "bondMode": "802.3ad", "macAddress": {}, "parameters": parameters,
        }]}})
    }

    #[test]
    fn bond_parameters_map_becomes_a_list_sorted_by_name() {
        let old = template(
            V1BETA1,
            json!({"clusterName": "c", "networkData": bond(json!({
                "miimon": {"ms": 100},
                "lacp-rate": {"rate": "fast"},
                "unset": null,
            }))}),
        );
        let new = round_trip(&old, V1BETA2);
        assert_eq!(
            new["spec"]["networkData"]["links"]["bonds"][0]["parameters"],
            json!([
                {"name": "lacp-rate", "value": {"rate": "fast"}},
                {"name": "miimon", "value": {"ms": 100}},
                {"name": "unset"},
            ])
        );
    }

    #[test]
    fn an_unsorted_bond_parameter_list_keeps_its_order_through_v1beta1() {
        let parameters = json!([{"name": "b", "value": {}}, {"name": "a", "value": {}}]);
        let new = template(V1BETA2, json!({"networkData": bond(parameters)}));
        let old = round_trip(&new, V1BETA1);
        let old_parameters = &old["spec"]["networkData"]["links"]["bonds"][0]["parameters"];
        assert_eq!(old_parameters, &json!({"a": {}, "b": {}}));
    }

    #[test]
    fn indexes_map_becomes_a_list_sorted_by_index() {
        let old = object(
            V1BETA1,
            "Metal3DataTemplate",
            json!({"spec": {"clusterName": "c"}, "status": {"indexes": {"m-a": 2, "m-b": 0, "m-c": 1}}}),
        );
        let new = round_trip(&old, V1BETA2);
        assert_eq!(
            new["status"]["indexes"],
            json!([{"index": 0, "name": "m-b"}, {"index": 1, "name": "m-c"}, {"index": 2, "name": "m-a"}])
        );
    }

    #[test]
    fn one_claim_listed_twice_survives_v1beta1() {
        // Valid v1beta2 (the list is keyed by index), impossible as a v1beta1 map.
        let indexes = json!([{"index": 0, "name": "m"}, {"index": 1, "name": "m"}]);
        let new = object(
            V1BETA2,
            "Metal3DataTemplate",
            json!({"spec": {}, "status": {"indexes": indexes}}),
        );
        let old = round_trip(&new, V1BETA1);
        assert_eq!(old["status"]["indexes"], json!({"m": 1}));
        assert!(stored(&old).is_some());
    }

    #[test]
    fn cluster_name_empty_is_absent_and_template_reference_round_trips() {
        let old = template(
            V1BETA1,
            json!({"clusterName": "", "templateReference": "t"}),
        );
        let new = round_trip(&old, V1BETA2);
        assert_eq!(new["spec"], json!({}));
        let new = template(V1BETA2, json!({}));
        assert_eq!(
            round_trip(&new, V1BETA1)["spec"],
            json!({"clusterName": ""})
        );
    }

    #[test]
    fn widths_narrow_and_pool_references_change_type() {
        let route = json!({"network": "10.0.0.0", "prefix": 24, "gateway": {
            "fromPoolRef": {"name": "gw", "kind": ""},
        }});
        let old = template(
            V1BETA1,
            json!({"clusterName": "c", "metaData": {"indexes": [{"key": "i", "offset": 1, "step": 2}]},
            "networkData": {
                "links": {
                    "ethernets": [{"id": "e", "type": "phy", "mtu": 9000, "macAddress": {"string": "m"}}],
                    "vlans": [{"id": "v", "vlanID": 42, "vlanLink": "e", "mtu": 1500, "macAddress": {}}],
                },
                "networks": {
                    "ipv4": [{"id": "n4", "link": "e", "fromPoolRef": {"name": "p", "kind": "IPPool"}, "routes": [route]}],
                    "ipv6": [{"id": "n6", "link": "e", "ipAddressFromIPPool": ""}],
                },
            }}),
        );
        let new = round_trip(&old, V1BETA2);
        let networks = &new["spec"]["networkData"]["networks"];
        assert_eq!(
            networks["ipv4"][0]["routes"][0]["gateway"],
            json!({"fromPoolRef": {"name": "gw"}})
        );
        assert_eq!(networks["ipv6"][0], json!({"id": "n6", "link": "e"}));
        assert_eq!(
            new["spec"]["networkData"]["links"]["vlans"][0]["vlanID"],
            42
        );
    }

    #[test]
    fn out_of_range_widths_are_errors() {
        // (v1beta1 networkData, the field named in the error)
        let table = [
            (
                json!({"links": {"vlans": [{"id": "v", "vlanID": 1_i64 << 31, "vlanLink": "e", "macAddress": {}}]}}),
                "networkData.links.vlans[].vlanID",
            ),
            (
                json!({"links": {"ethernets": [{"id": "e", "type": "phy", "mtu": -(1_i64 << 40), "macAddress": {}}]}}),
                "networkData.links.ethernets[].mtu",
            ),
        ];
        for (network_data, field) in table {
            let old = template(
                V1BETA1,
                json!({"clusterName": "c", "networkData": network_data}),
            );
            let error = super::super::convert(old, V1BETA2).expect_err("does not fit");
            assert!(error.to_string().starts_with(field), "{error}");
        }
    }
}

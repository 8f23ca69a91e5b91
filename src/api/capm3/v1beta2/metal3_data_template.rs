//! infrastructure.cluster.x-k8s.io/v1beta2: the storage version of the CAPM3 kinds.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// spec defines the desired state of Metal3DataTemplate.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "infrastructure.cluster.x-k8s.io",
    version = "v1beta2",
    kind = "Metal3DataTemplate",
    plural = "metal3datatemplates",
    namespaced,
    status = "Metal3DataTemplateStatus",
    shortname = "m3dt",
    shortname = "m3datatemplate",
    shortname = "m3datatemplates",
    shortname = "metal3dt",
    shortname = "metal3datatemplate",
    category = "cluster-api",
    label("cluster.x-k8s.io/v1beta1", "v1beta1"),
    label("cluster.x-k8s.io/v1beta2", "v1beta2"),
    label("cluster.x-k8s.io/provider", "infrastructure-metal3"),
    label("clusterctl.cluster.x-k8s.io/move", ""),
    derive = "PartialEq",
    doc = "Metal3DataTemplate is the Schema for the metal3datatemplates API.",
    printcolumn(
        name = "Cluster",
        type_ = "string",
        json_path = ".metadata.labels.cluster\\.x-k8s\\.io/cluster-name",
        description = "Cluster to which this template belongs"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp",
        description = "Time duration since creation of Metal3DataTemplate"
    )
)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
        {"rule": "has(self.metaData) == has(oldSelf.metaData) && (!has(self.metaData) || self.metaData == oldSelf.metaData)", "message": "cannot be modified", "fieldPath": ".metaData"},
        {"rule": "has(self.networkData) == has(oldSelf.networkData) && (!has(self.networkData) || self.networkData == oldSelf.networkData)", "message": "cannot be modified", "fieldPath": ".networkData"}
]))]
pub struct Metal3DataTemplateSpec {
    /// clusterName is the name of the Cluster this object belongs to.
    ///
    /// Deprecated: This field is deprecated and will be removed in a future release.
    /// It is no longer used by the controllers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 512))]
    pub cluster_name: Option<String>,
    /// metaData contains the information needed to generate the metadata secret
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta_data: Option<MetaData>,
    /// networkData contains the information needed to generate the networkdata
    /// secret
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_data: Option<NetworkData>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetaData {
    /// dnsServersFromPool is the list of metadata items to be rendered as dns servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["key"]))]
    pub dns_servers_from_pool: Option<Vec<FromPool>>,
    /// fromAnnotations is the list of metadata items to be fetched from object
    /// Annotations
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["key"]))]
    pub from_annotations: Option<Vec<MetaDataFromAnnotation>>,
    /// fromHostInterfaces is the list of metadata items to be rendered as MAC
    /// addresses of the host interfaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["key"]))]
    pub from_host_interfaces: Option<Vec<MetaDataHostInterface>>,
    /// fromLabels is the list of metadata items to be fetched from object labels
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["key"]))]
    pub from_labels: Option<Vec<MetaDataFromLabel>>,
    /// gatewaysFromPool is the list of metadata items to be rendered as gateway addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["key"]))]
    pub gateways_from_pool: Option<Vec<FromPool>>,
    /// indexes is the list of metadata items to be rendered from the index of the
    /// Metal3Data
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["key"]))]
    pub indexes: Option<Vec<MetaDataIndex>>,
    /// ipAddressesFromPool is the list of metadata items to be rendered as ip addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["key"]))]
    pub ip_addresses_from_pool: Option<Vec<FromPool>>,
    /// namespaces is the list of metadata items to be rendered from the namespace
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["key"]))]
    pub namespaces: Option<Vec<MetaDataNamespace>>,
    /// objectNames is the list of metadata items to be rendered from the name
    /// of objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["key"]))]
    pub object_names: Option<Vec<MetaDataObjectName>>,
    /// prefixesFromPool is the list of metadata items to be rendered as network prefixes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["key"]))]
    pub prefixes_from_pool: Option<Vec<FromPool>>,
    /// strings is the list of metadata items to be rendered from strings
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["key"]))]
    pub strings: Option<Vec<MetaDataString>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FromPool {
    /// apiGroup is the api group of the IP pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("default" = "ipam.metal3.io"))]
    pub api_group: Option<String>,
    /// key will be used as the key to set in the metadata map for cloud-init
    #[schemars(length(min = 1, max = 512))]
    pub key: String,
    /// kind is the kind of the IP pool
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("default" = "IPPool"))]
    pub kind: Option<String>,
    /// name is the name of the IP pool used to fetch the value to set in the metadata map for cloud-init
    #[schemars(length(min = 1, max = 512))]
    pub name: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetaDataFromAnnotation {
    /// annotation is the key of the annotation to fetch
    #[schemars(length(min = 1, max = 512))]
    pub annotation: String,
    /// key will be used as the key to set in the metadata map for cloud-init
    #[schemars(length(min = 1, max = 512))]
    pub key: String,
    /// object is the type of the object from which we retrieve the name
    pub object: TemplateObject,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum TemplateObject {
    #[serde(rename = "machine")]
    Machine,
    #[serde(rename = "metal3machine")]
    Metal3Machine,
    #[serde(rename = "baremetalhost")]
    Baremetalhost,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
        {"rule": "(has(self.fromBootMAC) && self.fromBootMAC) ? (!has(self.interface) || self.interface == '') : (has(self.interface) && self.interface != '')", "message": "interface is required unless fromBootMAC is true, and must be empty when it is", "fieldPath": ".interface"}
]))]
pub struct MetaDataHostInterface {
    /// fromBootMAC will fetch the MAC address from the BareMetalHost Spec BootMACAddress field.
    #[serde(
        rename = "fromBootMAC",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub from_boot_mac: Option<bool>,
    /// interface is the name of the interface in the BareMetalHost Status Hardware
    /// Details list of interfaces from which to fetch the MAC address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512))]
    pub interface: Option<String>,
    /// key will be used as the key to set in the metadata map for cloud-init
    #[schemars(length(min = 1, max = 512))]
    pub key: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetaDataFromLabel {
    /// key will be used as the key to set in the metadata map for cloud-init
    #[schemars(length(min = 1, max = 512))]
    pub key: String,
    /// label is the key of the label to fetch
    #[schemars(length(min = 1, max = 512))]
    pub label: String,
    /// object is the type of the object from which we retrieve the name
    pub object: TemplateObject,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetaDataIndex {
    /// key will be used as the key to set in the metadata map for cloud-init
    #[schemars(length(min = 1, max = 512))]
    pub key: String,
    /// offset is the offset to apply to the index when rendering it
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub offset: Option<i32>,
    /// prefix is the prefix string
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512))]
    pub prefix: Option<String>,
    /// step is the multiplier of the index
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1), extend("default" = 1))]
    pub step: Option<i32>,
    /// suffix is the suffix string
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512))]
    pub suffix: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetaDataNamespace {
    /// key will be used as the key to set in the metadata map for cloud-init
    #[schemars(length(min = 1, max = 512))]
    pub key: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetaDataObjectName {
    /// key will be used as the key to set in the metadata map for cloud-init
    #[schemars(length(min = 1, max = 512))]
    pub key: String,
    /// object is the type of the object from which we retrieve the name
    pub object: TemplateObject,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetaDataString {
    /// key will be used as the key to set in the metadata map for cloud-init
    #[schemars(length(min = 1, max = 512))]
    pub key: String,
    /// value is the string to render.
    #[schemars(length(min = 1, max = 512))]
    pub value: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkData {
    /// links is a structure containing lists of different types objects
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<NetworkDataLink>,
    /// networks  is a structure containing lists of different types objects
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub networks: Option<NetworkDataNetwork>,
    /// services  is a structure containing lists of different types objects
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<NetworkDataService>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataLink {
    /// bonds contains a list of Bond links
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["id"]))]
    pub bonds: Option<Vec<NetworkDataLinkBond>>,
    /// ethernets contains a list of Ethernet links
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 32), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["id"]))]
    pub ethernets: Option<Vec<NetworkDataLinkEthernet>>,
    /// vlans contains a list of Vlan links
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["vlanID"]))]
    pub vlans: Option<Vec<NetworkDataLinkVlan>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataLinkBond {
    /// bondLinks is the list of links that are part of the bond.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 512), extend("x-kubernetes-list-type" = "set"), inner(length(min = 1, max = 512)))]
    pub bond_links: Option<Vec<String>>,
    /// bondMode is the mode of bond used. It can be one of
    /// balance-rr, active-backup, balance-xor, broadcast, balance-tlb, balance-alb, 802.3ad
    pub bond_mode: BondMode,
    /// bondXmitHashPolicy selects the transmit hash policy used for port selection in balance-xor and 802.3ad modes
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bond_xmit_hash_policy: Option<BondXmitHashPolicy>,
    /// id is the ID of the interface (used for naming)
    #[schemars(length(min = 1, max = 512))]
    pub id: String,
    /// macAddress is the MAC address of the interface, containing the object
    /// used to render it.
    pub mac_address: NetworkLinkEthernetMac,
    /// mtu is the MTU of the interface
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1280, max = 9000), extend("default" = 1500))]
    pub mtu: Option<i32>,
    /// name is the interface name to be used by cloud-init. When combined with
    /// macAddress, cloud-init will rename the interface matching the MAC to this name.
    /// When macAddress is omitted, cloud-init will use this name directly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        length(min = 1, max = 15),
        regex(pattern = r#"^[a-zA-Z][a-zA-Z0-9._-]*$"#)
    )]
    pub name: Option<String>,
    /// parameters blob passed without any validation/modifications into cloud-init config
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["name"]))]
    pub parameters: Vec<NetworkDataLinkBondParam>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum BondMode {
    #[serde(rename = "balance-rr")]
    BalanceRr,
    #[serde(rename = "active-backup")]
    ActiveBackup,
    #[serde(rename = "balance-xor")]
    BalanceXor,
    #[serde(rename = "broadcast")]
    Broadcast,
    #[serde(rename = "balance-tlb")]
    BalanceTlb,
    #[serde(rename = "balance-alb")]
    BalanceAlb,
    #[serde(rename = "802.3ad")]
    Ieee8023ad,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum BondXmitHashPolicy {
    #[serde(rename = "layer2")]
    Layer2,
    #[serde(rename = "layer3+4")]
    Layer3Plus4,
    #[serde(rename = "layer2+3")]
    Layer2Plus3,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkLinkEthernetMac {
    /// fromAnnotation references an object annotation to retrieve the
    /// MAC address from
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_annotation: Option<NetworkLinkEthernetMacFromAnnotation>,
    /// fromHostInterface contains the name of the interface in the BareMetalHost
    /// Introspection details from which to fetch the MAC address
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512))]
    pub from_host_interface: Option<String>,
    /// string contains the MAC address given as a string
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512))]
    pub string: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkLinkEthernetMacFromAnnotation {
    /// annotation is the key of the annotation to fetch
    #[schemars(length(min = 1, max = 512))]
    pub annotation: String,
    /// object is the type of the object from which we retrieve the name
    pub object: TemplateObject,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataLinkBondParam {
    /// name is the parameter name
    #[schemars(length(min = 1, max = 512))]
    pub name: String,
    /// value is the parameter value
    ///
    /// Any JSON value: upstream's schema says `type: object` here, which rejects the
    /// scalar values (`100`, `fast`) that bond parameters are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::api::schema::any_json")]
    pub value: Option<serde_json::Value>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataLinkEthernet {
    /// id is the ID of the interface (used for naming)
    #[schemars(length(min = 1, max = 512))]
    pub id: String,
    /// macAddress is the MAC address of the interface, containing the object
    /// used to render it.
    pub mac_address: NetworkLinkEthernetMac,
    /// mtu is the MTU of the interface
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1280, max = 9000), extend("default" = 1500))]
    pub mtu: Option<i32>,
    /// name is the interface name to be used by cloud-init. When combined with
    /// MACAddress, cloud-init will rename the interface matching the MAC to this name.
    /// When MACAddress is omitted, cloud-init will use this name directly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        length(min = 1, max = 15),
        regex(pattern = r#"^[a-zA-Z][a-zA-Z0-9._-]*$"#)
    )]
    pub name: Option<String>,
    /// type is the type of the ethernet link. It can be one of:
    /// bridge, dvs, hw_veb, hyperv, ovs, tap, vhostuser, vif, phy
    pub r#type: EthernetType,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum EthernetType {
    #[serde(rename = "bridge")]
    Bridge,
    #[serde(rename = "dvs")]
    Dvs,
    #[serde(rename = "hw_veb")]
    HwVeb,
    #[serde(rename = "hyperv")]
    Hyperv,
    #[serde(rename = "ovs")]
    Ovs,
    #[serde(rename = "tap")]
    Tap,
    #[serde(rename = "vhostuser")]
    Vhostuser,
    #[serde(rename = "vif")]
    Vif,
    #[serde(rename = "phy")]
    Phy,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataLinkVlan {
    /// id is the ID of the interface (used for naming)
    #[schemars(length(min = 1, max = 512))]
    pub id: String,
    /// macAddress is the MAC address of the interface, containing the object
    /// used to render it.
    pub mac_address: NetworkLinkEthernetMac,
    /// mtu is the MTU of the interface
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1280, max = 9000), extend("default" = 1500))]
    pub mtu: Option<i32>,
    /// name is the interface name to be used by cloud-init. When combined with
    /// macAddress, cloud-init will rename the interface matching the MAC to this name.
    /// When macAddress is omitted, cloud-init will use this name directly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        length(min = 1, max = 15),
        regex(pattern = r#"^[a-zA-Z][a-zA-Z0-9._-]*$"#)
    )]
    pub name: Option<String>,
    /// vlanID is the Vlan ID
    #[serde(rename = "vlanID")]
    #[schemars(range(min = 0, max = 4096))]
    pub vlan_id: i32,
    /// vlanLink is the name of the link on which the vlan should be added
    #[schemars(length(min = 1, max = 512))]
    pub vlan_link: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataNetwork {
    /// ipv4 contains a list of IPv4 static allocations
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["id"]))]
    pub ipv4: Option<Vec<NetworkDataIPv4>>,
    /// ipv4DHCP contains a list of IPv4 DHCP allocations
    #[serde(rename = "ipv4DHCP", default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["id"]))]
    pub ipv4_dhcp: Option<Vec<NetworkDataIPv4DHCP>>,
    /// ipv6 contains a list of IPv6 static allocations
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["id"]))]
    pub ipv6: Option<Vec<NetworkDataIPv6>>,
    /// ipv6DHCP contains a list of IPv6 DHCP allocations
    #[serde(rename = "ipv6DHCP", default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["id"]))]
    pub ipv6_dhcp: Option<Vec<NetworkDataIPv6DHCP>>,
    /// ipv6SLAAC contains a list of IPv6 SLAAC allocations
    #[serde(rename = "ipv6SLAAC", default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["id"]))]
    pub ipv6_slaac: Option<Vec<NetworkDataIPv6DHCP>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
        {"rule": "(has(self.fromPoolRef) && self.fromPoolRef.name != '') || (has(self.ipAddressFromIPPool) && self.ipAddressFromIPPool != '') || (has(self.fromPoolAnnotation) && self.fromPoolAnnotation.object != '')", "message": "one of fromPoolRef.name, ipAddressFromIPPool or fromPoolAnnotation.object is required"}
]))]
pub struct NetworkDataIPv4 {
    /// fromPoolAnnotation allows specifying the pool reference via an annotation on
    /// a Machine, Metal3Machine, or BareMetalHost object.
    /// When set, ipAddressFromIPPool and fromPoolRef are ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_pool_annotation: Option<FromPoolAnnotation>,
    /// fromPoolRef is a reference to a IP pool to allocate an address from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_pool_ref: Option<IPPoolReference>,
    /// id is the network ID (name)
    #[schemars(length(min = 1, max = 512))]
    pub id: String,
    /// ipAddressFromIPPool contains the name of the IP pool to use to get an ip address
    #[serde(
        rename = "ipAddressFromIPPool",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(length(min = 1, max = 512))]
    pub ip_address_from_ip_pool: Option<String>,
    /// link is the link on which the network applies
    #[schemars(length(min = 1, max = 512))]
    pub link: String,
    /// routes contains a list of IPv4 routes
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["network"]))]
    pub routes: Option<Vec<NetworkDataRoutev4>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FromPoolAnnotation {
    /// annotation is the key of the annotation that contains the pool name.
    /// The annotation value should be a string containing the pool name.
    #[schemars(length(min = 1, max = 512))]
    pub annotation: String,
    /// object is the type of the object from which we retrieve the annotation
    pub object: TemplateObject,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IPPoolReference {
    /// apiGroup of the IPPool.
    /// apiGroup must be fully qualified domain name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253), regex(pattern = r#"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"#), extend("default" = "ipam.metal3.io"))]
    pub api_group: Option<String>,
    /// kind of the IPPool.
    /// kind must consist of alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63), regex(pattern = r#"^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$"#), extend("default" = "IPPool"))]
    pub kind: Option<String>,
    /// name of the IPPool.
    /// name must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character.
    #[schemars(
        length(min = 1, max = 253),
        regex(pattern = r#"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"#)
    )]
    pub name: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataRoutev4 {
    /// gateway is the IPv4 address of the gateway
    pub gateway: NetworkGatewayv4,
    /// network is the IPv4 network address
    #[schemars(regex(
        pattern = r#"^((([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\.){3}([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]))$"#
    ))]
    pub network: String,
    /// prefix is the mask of the network as integer (max 32)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 32))]
    pub prefix: Option<i32>,
    /// services is a list of IPv4 services
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<NetworkDataServicev4>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkGatewayv4 {
    /// fromIPPool is the name of the IPPool to fetch the gateway from
    #[serde(
        rename = "fromIPPool",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(length(min = 1, max = 512))]
    pub from_ip_pool: Option<String>,
    /// fromPoolAnnotation allows specifying the pool name via an annotation on
    /// a Machine, Metal3Machine, or BareMetalHost object.
    /// When set, fromIPPool and fromPoolRef are ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_pool_annotation: Option<FromPoolAnnotation>,
    /// fromPoolRef is a reference to a IP pool to fetch the gateway from
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_pool_ref: Option<IPPoolReference>,
    /// string is the gateway given as a string
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(
        pattern = r#"^((([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\.){3}([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]))$"#
    ))]
    pub string: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataServicev4 {
    /// dns is a list of IPv4 DNS services
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "set"), inner(regex(pattern = r#"^((([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\.){3}([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]))$"#)))]
    pub dns: Option<Vec<String>>,
    /// dnsFromIPPool is the name of the IPPool from which to get the DNS servers
    #[serde(
        rename = "dnsFromIPPool",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(length(min = 1, max = 512))]
    pub dns_from_ip_pool: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataIPv4DHCP {
    /// id is the network ID (name)
    #[schemars(length(min = 1, max = 512))]
    pub id: String,
    /// link is the link on which the network applies
    #[schemars(length(min = 1, max = 512))]
    pub link: String,
    /// routes contains a list of IPv4 routes
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["network"]))]
    pub routes: Option<Vec<NetworkDataRoutev4>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
        {"rule": "(has(self.fromPoolRef) && self.fromPoolRef.name != '') || (has(self.ipAddressFromIPPool) && self.ipAddressFromIPPool != '') || (has(self.fromPoolAnnotation) && self.fromPoolAnnotation.object != '')", "message": "one of fromPoolRef.name, ipAddressFromIPPool or fromPoolAnnotation.object is required"}
]))]
pub struct NetworkDataIPv6 {
    /// fromPoolAnnotation allows specifying the pool reference via an annotation on
    /// a Machine, Metal3Machine, or BareMetalHost object.
    /// When set, ipAddressFromIPPool and fromPoolRef are ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_pool_annotation: Option<FromPoolAnnotation>,
    /// fromPoolRef is a reference to a IP pool to allocate an address from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_pool_ref: Option<IPPoolReference>,
    /// id is the network ID (name)
    #[schemars(length(min = 1, max = 512))]
    pub id: String,
    /// ipAddressFromIPPool contains the name of the IPPool to use to get an ip address
    #[serde(
        rename = "ipAddressFromIPPool",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(length(min = 1, max = 512))]
    pub ip_address_from_ip_pool: Option<String>,
    /// link is the link on which the network applies
    #[schemars(length(min = 1, max = 512))]
    pub link: String,
    /// routes contains a list of IPv6 routes
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["network"]))]
    pub routes: Option<Vec<NetworkDataRoutev6>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataRoutev6 {
    /// gateway is the IPv6 address of the gateway
    pub gateway: NetworkGatewayv6,
    /// network is the IPv6 network address
    #[schemars(regex(
        pattern = r#"^(([0-9a-fA-F]{1,4}:){7,7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:))$"#
    ))]
    pub network: String,
    /// prefix is the mask of the network as integer (max 128)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 128))]
    pub prefix: Option<i32>,
    /// services is a list of IPv6 services
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<NetworkDataServicev6>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkGatewayv6 {
    /// fromIPPool is the name of the IPPool to fetch the gateway from
    #[serde(
        rename = "fromIPPool",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(length(min = 1, max = 512))]
    pub from_ip_pool: Option<String>,
    /// fromPoolAnnotation allows specifying the pool name via an annotation on
    /// a Machine, Metal3Machine, or BareMetalHost object.
    /// When set, fromIPPool and fromPoolRef are ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_pool_annotation: Option<FromPoolAnnotation>,
    /// fromPoolRef is a reference to a IP pool to fetch the gateway from
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_pool_ref: Option<IPPoolReference>,
    /// string is the gateway given as a string
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(
        pattern = r#"^(([0-9a-fA-F]{1,4}:){7,7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:))$"#
    ))]
    pub string: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataServicev6 {
    /// dns is a list of IPv6 DNS services
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "set"), inner(regex(pattern = r#"^(([0-9a-fA-F]{1,4}:){7,7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:))$"#)))]
    pub dns: Option<Vec<String>>,
    /// dnsFromIPPool is the name of the IPPool from which to get the DNS servers
    #[serde(
        rename = "dnsFromIPPool",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(length(min = 1, max = 512))]
    pub dns_from_ip_pool: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataIPv6DHCP {
    /// id is the network ID (name)
    #[schemars(length(min = 1, max = 512))]
    pub id: String,
    /// link is the link on which the network applies
    #[schemars(length(min = 1, max = 512))]
    pub link: String,
    /// routes contains a list of IPv6 routes
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["network"]))]
    pub routes: Option<Vec<NetworkDataRoutev6>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataService {
    /// dns is a list of DNS services
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "set"), inner(regex(pattern = r#"((^((([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\.){3}([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]))$)|(^(([0-9a-fA-F]{1,4}:){7,7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:))$))"#)))]
    pub dns: Option<Vec<String>>,
    /// dnsFromIPPool is the name of the IPPool from which to get the DNS servers
    #[serde(
        rename = "dnsFromIPPool",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(length(min = 1, max = 512))]
    pub dns_from_ip_pool: Option<String>,
}

/// status defines the observed state of Metal3DataTemplate.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Metal3DataTemplateStatus {
    /// indexes contains the list of Metal3Machines and their assigned indexes
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["index"]))]
    pub indexes: Option<Vec<Metal3DataTemplateIndex>>,
    /// lastUpdated identifies when this status was last observed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<Time>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Metal3DataTemplateIndex {
    /// index is the index value assigned to the Machine
    #[schemars(range(min = 0))]
    pub index: i32,
    /// name is the name of the Metal3Machine
    #[schemars(length(min = 1, max = 512))]
    pub name: String,
}

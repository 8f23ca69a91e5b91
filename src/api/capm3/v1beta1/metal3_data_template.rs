//! infrastructure.cluster.x-k8s.io/v1beta1: the deprecated, still served version of the CAPM3 kinds.

use k8s_openapi::api::core::v1::TypedLocalObjectReference;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Metal3DataTemplateSpec defines the desired state of Metal3DataTemplate.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "infrastructure.cluster.x-k8s.io",
    version = "v1beta1",
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
    deprecated,
    storage = false,
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
pub struct Metal3DataTemplateSpec {
    /// ClusterName is the name of the Cluster this object belongs to.
    #[schemars(length(min = 1))]
    pub cluster_name: String,
    /// MetaData contains the information needed to generate the metadata secret
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta_data: Option<MetaData>,
    /// NetworkData contains the information needed to generate the networkdata
    /// secret
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_data: Option<NetworkData>,
    /// TemplateReference refers to the Template the Metal3MachineTemplate refers to.
    /// It can be matched against the key or it may also point to the name of the template
    /// Metal3Data refers to.
    ///
    /// Deprecated: This field is deprecated and will be removed in a future release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_reference: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetaData {
    /// DNSServersFromPool is the list of metadata items to be rendered as dns servers.
    #[serde(
        rename = "dnsServersFromIPPool",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub dns_servers_from_ip_pool: Option<Vec<FromPool>>,
    /// FromAnnotations is the list of metadata items to be fetched from object
    /// Annotations
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_annotations: Option<Vec<MetaDataFromAnnotation>>,
    /// FromHostInterfaces is the list of metadata items to be rendered as MAC
    /// addresses of the host interfaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_host_interfaces: Option<Vec<MetaDataHostInterface>>,
    /// FromLabels is the list of metadata items to be fetched from object labels
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_labels: Option<Vec<MetaDataFromLabel>>,
    /// GatewaysFromPool is the list of metadata items to be rendered as gateway addresses.
    #[serde(
        rename = "gatewaysFromIPPool",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub gateways_from_ip_pool: Option<Vec<FromPool>>,
    /// Indexes is the list of metadata items to be rendered from the index of the
    /// Metal3Data
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indexes: Option<Vec<MetaDataIndex>>,
    /// IPAddressesFromPool is the list of metadata items to be rendered as ip addresses.
    #[serde(
        rename = "ipAddressesFromIPPool",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub ip_addresses_from_ip_pool: Option<Vec<FromPool>>,
    /// Namespaces is the list of metadata items to be rendered from the namespace
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespaces: Option<Vec<MetaDataNamespace>>,
    /// ObjectNames is the list of metadata items to be rendered from the name
    /// of objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_names: Option<Vec<MetaDataObjectName>>,
    /// PrefixesFromPool is the list of metadata items to be rendered as network prefixes.
    #[serde(
        rename = "prefixesFromIPPool",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub prefixes_from_ip_pool: Option<Vec<FromPool>>,
    /// Strings is the list of metadata items to be rendered from strings
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strings: Option<Vec<MetaDataString>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FromPool {
    /// APIGroup is the api group of the IP pool.
    pub api_group: String,
    /// Key will be used as the key to set in the metadata map for cloud-init
    pub key: String,
    /// Kind is the kind of the IP pool
    pub kind: String,
    /// Name is the name of the IP pool used to fetch the value to set in the metadata map for cloud-init
    pub name: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetaDataFromAnnotation {
    /// Annotation is the key of the Annotation to fetch
    pub annotation: String,
    /// Key will be used as the key to set in the metadata map for cloud-init
    pub key: String,
    /// Object is the type of the object from which we retrieve the name
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
pub struct MetaDataHostInterface {
    /// FromBootMAC will fetch the MAC address from the BareMetalHost Spec BootMACAddress field.
    #[serde(
        rename = "fromBootMAC",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub from_boot_mac: Option<bool>,
    /// Interface is the name of the interface in the BareMetalHost Status Hardware
    /// Details list of interfaces from which to fetch the MAC address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    /// Key will be used as the key to set in the metadata map for cloud-init
    pub key: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetaDataFromLabel {
    /// Key will be used as the key to set in the metadata map for cloud-init
    pub key: String,
    /// Label is the key of the label to fetch
    pub label: String,
    /// Object is the type of the object from which we retrieve the name
    pub object: TemplateObject,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetaDataIndex {
    /// Key will be used as the key to set in the metadata map for cloud-init
    pub key: String,
    /// Offset is the offset to apply to the index when rendering it
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    /// Prefix is the prefix string
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Step is the multiplier of the index
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = 1))]
    pub step: Option<i64>,
    /// Suffix is the suffix string
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetaDataNamespace {
    /// Key will be used as the key to set in the metadata map for cloud-init
    pub key: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetaDataObjectName {
    /// Key will be used as the key to set in the metadata map for cloud-init
    pub key: String,
    /// Object is the type of the object from which we retrieve the name
    pub object: TemplateObject,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetaDataString {
    /// Key will be used as the key to set in the metadata map for cloud-init
    pub key: String,
    /// Value is the string to render.
    pub value: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkData {
    /// Links is a structure containing lists of different types objects
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<NetworkDataLink>,
    /// Networks  is a structure containing lists of different types objects
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub networks: Option<NetworkDataNetwork>,
    /// Services  is a structure containing lists of different types objects
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<NetworkDataService>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataLink {
    /// Bonds contains a list of Bond links
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bonds: Option<Vec<NetworkDataLinkBond>>,
    /// Ethernets contains a list of Ethernet links
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ethernets: Option<Vec<NetworkDataLinkEthernet>>,
    /// Vlans contains a list of Vlan links
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vlans: Option<Vec<NetworkDataLinkVlan>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataLinkBond {
    /// BondLinks is the list of links that are part of the bond.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bond_links: Option<Vec<String>>,
    /// BondMode is the mode of bond used. It can be one of
    /// balance-rr, active-backup, balance-xor, broadcast, balance-tlb, balance-alb, 802.3ad
    pub bond_mode: BondMode,
    /// Selects the transmit hash policy used for port selection in balance-xor and 802.3ad modes
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bond_xmit_hash_policy: Option<BondXmitHashPolicy>,
    /// Id is the ID of the interface (used for naming)
    pub id: String,
    /// MACAddress is the MAC address of the interface, containing the object
    /// used to render it.
    pub mac_address: NetworkLinkEthernetMac,
    /// MTU is the MTU of the interface
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 9000), extend("default" = 1500))]
    pub mtu: Option<i64>,
    /// Name is the interface name to be used by cloud-init. When combined with
    /// MACAddress, cloud-init will rename the interface matching the MAC to this name.
    /// When MACAddress is omitted, cloud-init will use this name directly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 15), regex(pattern = r#"^[a-zA-Z][a-zA-Z0-9._-]*$"#))]
    pub name: Option<String>,
    /// params blob passed without any validation/modifications into cloud-init config
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::api::schema::map_of_any_json")]
    pub parameters: Option<BTreeMap<String, serde_json::Value>>,
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
    /// FromAnnotation references an object Annotation to retrieve the
    /// MAC address from
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_annotation: Option<NetworkLinkEthernetMacFromAnnotation>,
    /// FromHostInterface contains the name of the interface in the BareMetalHost
    /// Introspection details from which to fetch the MAC address
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_host_interface: Option<String>,
    /// String contains the MAC address given as a string
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkLinkEthernetMacFromAnnotation {
    /// Annotation is the key of the Annotation to fetch
    pub annotation: String,
    /// Object is the type of the object from which we retrieve the name
    pub object: TemplateObject,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataLinkEthernet {
    /// Id is the ID of the interface (used for naming)
    pub id: String,
    /// MACAddress is the MAC address of the interface, containing the object
    /// used to render it.
    pub mac_address: NetworkLinkEthernetMac,
    /// MTU is the MTU of the interface
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 9000), extend("default" = 1500))]
    pub mtu: Option<i64>,
    /// Name is the interface name to be used by cloud-init. When combined with
    /// MACAddress, cloud-init will rename the interface matching the MAC to this name.
    /// When MACAddress is omitted, cloud-init will use this name directly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 15), regex(pattern = r#"^[a-zA-Z][a-zA-Z0-9._-]*$"#))]
    pub name: Option<String>,
    /// Type is the type of the ethernet link. It can be one of:
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
    /// Id is the ID of the interface (used for naming)
    pub id: String,
    /// MACAddress is the MAC address of the interface, containing the object
    /// used to render it.
    pub mac_address: NetworkLinkEthernetMac,
    /// MTU is the MTU of the interface
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 9000), extend("default" = 1500))]
    pub mtu: Option<i64>,
    /// Name is the interface name to be used by cloud-init. When combined with
    /// MACAddress, cloud-init will rename the interface matching the MAC to this name.
    /// When MACAddress is omitted, cloud-init will use this name directly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 15), regex(pattern = r#"^[a-zA-Z][a-zA-Z0-9._-]*$"#))]
    pub name: Option<String>,
    /// VlanID is the Vlan ID
    #[serde(rename = "vlanID")]
    #[schemars(range(max = 4096))]
    pub vlan_id: i64,
    /// VlanLink is the name of the link on which the vlan should be added
    pub vlan_link: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataNetwork {
    /// IPv4 contains a list of IPv4 static allocations
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv4: Option<Vec<NetworkDataIPv4>>,
    /// IPv4 contains a list of IPv4 DHCP allocations
    #[serde(rename = "ipv4DHCP", default, skip_serializing_if = "Option::is_none")]
    pub ipv4_dhcp: Option<Vec<NetworkDataIPv4DHCP>>,
    /// IPv4 contains a list of IPv6 static allocations
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6: Option<Vec<NetworkDataIPv6>>,
    /// IPv4 contains a list of IPv6 DHCP allocations
    #[serde(rename = "ipv6DHCP", default, skip_serializing_if = "Option::is_none")]
    pub ipv6_dhcp: Option<Vec<NetworkDataIPv6DHCP>>,
    /// IPv4 contains a list of IPv6 SLAAC allocations
    #[serde(rename = "ipv6SLAAC", default, skip_serializing_if = "Option::is_none")]
    pub ipv6_slaac: Option<Vec<NetworkDataIPv6DHCP>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataIPv4 {
    /// FromPoolAnnotation allows specifying the pool reference via an annotation on
    /// a Machine, Metal3Machine, or BareMetalHost object.
    /// When set, IPAddressFromIPPool and FromPoolRef are ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_pool_annotation: Option<FromPoolAnnotation>,
    /// FromPoolRef is a reference to a IP pool to allocate an address from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub from_pool_ref: Option<TypedLocalObjectReference>,
    /// ID is the network ID (name)
    pub id: String,
    /// IPAddressFromIPPool contains the name of the IP pool to use to get an ip address
    #[serde(
        rename = "ipAddressFromIPPool",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub ip_address_from_ip_pool: Option<String>,
    /// Link is the link on which the network applies
    pub link: String,
    /// Routes contains a list of IPv4 routes
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routes: Option<Vec<NetworkDataRoutev4>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FromPoolAnnotation {
    /// Annotation is the key of the annotation that contains the pool name.
    /// The annotation value should be a string containing the pool name.
    pub annotation: String,
    /// Object is the type of the object from which we retrieve the annotation
    pub object: TemplateObject,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataRoutev4 {
    /// Gateway is the IPv4 address of the gateway
    pub gateway: NetworkGatewayv4,
    /// Network is the IPv4 network address
    #[schemars(regex(
        pattern = r#"^((([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\.){3}([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]))$"#
    ))]
    pub network: String,
    /// Prefix is the mask of the network as integer (max 32)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 32))]
    pub prefix: Option<i64>,
    /// Services is a list of IPv4 services
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<NetworkDataServicev4>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkGatewayv4 {
    /// FromIPPool is the name of the IPPool to fetch the gateway from
    #[serde(
        rename = "fromIPPool",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub from_ip_pool: Option<String>,
    /// FromPoolAnnotation allows specifying the pool name via an annotation on
    /// a Machine, Metal3Machine, or BareMetalHost object.
    /// When set, FromIPPool and FromPoolRef are ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_pool_annotation: Option<FromPoolAnnotation>,
    /// FromPoolRef is a reference to a IP pool to fetch the gateway from
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub from_pool_ref: Option<TypedLocalObjectReference>,
    /// String is the gateway given as a string
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(
        pattern = r#"^((([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\.){3}([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]))$"#
    ))]
    pub string: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataServicev4 {
    /// DNS is a list of IPv4 DNS services
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(inner(regex(
        pattern = r#"^((([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\.){3}([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]))$"#
    )))]
    pub dns: Option<Vec<String>>,
    /// DNSFromIPPool is the name of the IPPool from which to get the DNS servers
    #[serde(
        rename = "dnsFromIPPool",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub dns_from_ip_pool: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataIPv4DHCP {
    /// ID is the network ID (name)
    pub id: String,
    /// Link is the link on which the network applies
    pub link: String,
    /// Routes contains a list of IPv4 routes
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routes: Option<Vec<NetworkDataRoutev4>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataIPv6 {
    /// FromPoolAnnotation allows specifying the pool reference via an annotation on
    /// a Machine, Metal3Machine, or BareMetalHost object.
    /// When set, IPAddressFromIPPool and FromPoolRef are ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_pool_annotation: Option<FromPoolAnnotation>,
    /// FromPoolRef is a reference to a IP pool to allocate an address from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub from_pool_ref: Option<TypedLocalObjectReference>,
    /// ID is the network ID (name)
    pub id: String,
    /// IPAddressFromIPPool contains the name of the IPPool to use to get an ip address
    #[serde(rename = "ipAddressFromIPPool")]
    pub ip_address_from_ip_pool: String,
    /// Link is the link on which the network applies
    pub link: String,
    /// Routes contains a list of IPv6 routes
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routes: Option<Vec<NetworkDataRoutev6>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataRoutev6 {
    /// Gateway is the IPv6 address of the gateway
    pub gateway: NetworkGatewayv6,
    /// Network is the IPv6 network address
    #[schemars(regex(
        pattern = r#"^(([0-9a-fA-F]{1,4}:){7,7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:))$"#
    ))]
    pub network: String,
    /// Prefix is the mask of the network as integer (max 128)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 128))]
    pub prefix: Option<i64>,
    /// Services is a list of IPv6 services
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<NetworkDataServicev6>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkGatewayv6 {
    /// FromIPPool is the name of the IPPool to fetch the gateway from
    #[serde(
        rename = "fromIPPool",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub from_ip_pool: Option<String>,
    /// FromPoolAnnotation allows specifying the pool name via an annotation on
    /// a Machine, Metal3Machine, or BareMetalHost object.
    /// When set, FromIPPool and FromPoolRef are ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_pool_annotation: Option<FromPoolAnnotation>,
    /// FromPoolRef is a reference to a IP pool to fetch the gateway from
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub from_pool_ref: Option<TypedLocalObjectReference>,
    /// String is the gateway given as a string
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(
        pattern = r#"^(([0-9a-fA-F]{1,4}:){7,7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:))$"#
    ))]
    pub string: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataServicev6 {
    /// DNS is a list of IPv6 DNS services
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(inner(regex(
        pattern = r#"^(([0-9a-fA-F]{1,4}:){7,7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:))$"#
    )))]
    pub dns: Option<Vec<String>>,
    /// DNSFromIPPool is the name of the IPPool from which to get the DNS servers
    #[serde(
        rename = "dnsFromIPPool",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub dns_from_ip_pool: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataIPv6DHCP {
    /// ID is the network ID (name)
    pub id: String,
    /// Link is the link on which the network applies
    pub link: String,
    /// Routes contains a list of IPv6 routes
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routes: Option<Vec<NetworkDataRoutev6>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkDataService {
    /// DNS is a list of DNS services
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(inner(regex(
        pattern = r#"((^((([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\.){3}([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]))$)|(^(([0-9a-fA-F]{1,4}:){7,7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:))$))"#
    )))]
    pub dns: Option<Vec<String>>,
    /// DNSFromIPPool is the name of the IPPool from which to get the DNS servers
    #[serde(
        rename = "dnsFromIPPool",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub dns_from_ip_pool: Option<String>,
}

/// Metal3DataTemplateStatus defines the observed state of Metal3DataTemplate.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Metal3DataTemplateStatus {
    /// Indexes contains the map of Metal3Machine and index used
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indexes: Option<BTreeMap<String, i64>>,
    /// LastUpdated identifies when this status was last observed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<Time>,
}

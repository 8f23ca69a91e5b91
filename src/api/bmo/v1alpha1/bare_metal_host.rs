//! metal3.io/v1alpha1: the BareMetalHost operator's kinds.

use super::*;
use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::api::core::v1::SecretReference;
use k8s_openapi::api::core::v1::Taint;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// BareMetalHostSpec defines the desired state of BareMetalHost.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "metal3.io",
    version = "v1alpha1",
    kind = "BareMetalHost",
    plural = "baremetalhosts",
    namespaced,
    status = "BareMetalHostStatus",
    shortname = "bmh",
    shortname = "bmhost",
    derive = "PartialEq",
    doc = "BareMetalHost is the Schema for the baremetalhosts API",
    printcolumn(
        name = "Status",
        type_ = "string",
        json_path = ".status.operationalStatus",
        description = "Operational status",
        priority = "1"
    ),
    printcolumn(
        name = "State",
        type_ = "string",
        json_path = ".status.provisioning.state",
        description = "Provisioning status"
    ),
    printcolumn(
        name = "Consumer",
        type_ = "string",
        json_path = ".spec.consumerRef.name",
        description = "Consumer using this host"
    ),
    printcolumn(
        name = "BMC",
        type_ = "string",
        json_path = ".spec.bmc.address",
        description = "Address of management controller",
        priority = "1"
    ),
    printcolumn(
        name = "Online",
        type_ = "string",
        json_path = ".spec.online",
        description = "Whether the host is online or not"
    ),
    printcolumn(
        name = "Error",
        type_ = "string",
        json_path = ".status.errorType",
        description = "Type of the most recent error"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp",
        description = "Time duration since creation of BaremetalHost"
    )
)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
        {"rule": "!has(self.firmware)", "message": "the Firmware field is no longer supported, use HostFirmwareSettings resource instead", "fieldPath": ".firmware", "reason": "FieldValueForbidden"},
        {"rule": "!has(self.image) || self.image.url.lowerAscii().startsWith('oci://') || (has(self.image.format) && self.image.format == 'live-iso') || (has(self.image.checksum) && self.image.checksum != '')", "message": "checksum is required for normal images", "fieldPath": ".image.checksum"},
        {"rule": "!has(self.image) || !self.image.url.lowerAscii().startsWith('oci://') || !has(self.image.checksum) || self.image.checksum == ''", "message": "spec.image.checksum must be empty for OCI images (oci:// images have embedded checksums)", "fieldPath": ".image.checksum"},
        {"rule": "!has(self.rootDeviceHints) || !has(self.rootDeviceHints.deviceName) || self.rootDeviceHints.deviceName.startsWith('/dev/')", "message": "device name of root device hint must be a /dev/ path", "fieldPath": ".rootDeviceHints.deviceName"},
        {"rule": "!has(self.rootDeviceHints) || !has(self.rootDeviceHints.deviceName) || !self.rootDeviceHints.deviceName.startsWith('/dev/disk/') || self.rootDeviceHints.deviceName.startsWith('/dev/disk/by-path/')", "message": "device name of root device hint must be path in /dev/ or /dev/disk/by-path/", "fieldPath": ".rootDeviceHints.deviceName"},
        {"rule": "!has(self.rootDeviceHints) || !has(self.raid) || !has(self.raid.softwareRAIDVolumes) || !self.raid.softwareRAIDVolumes.exists(v, has(v.rootVolume) && v.rootVolume)", "message": "softwareRAIDVolumes[*].rootVolume and rootDeviceHints can not be set at the same time", "fieldPath": ".raid.softwareRAIDVolumes"}
]))]
pub struct BareMetalHostSpec {
    /// CPU architecture of the host, e.g. "x86_64" or "aarch64". If unset,
    /// eventually populated by inspection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// When set to disabled, automated cleaning will be skipped
    /// during provisioning and deprovisioning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "metadata"))]
    pub automated_cleaning_mode: Option<AutomatedCleaningMode>,
    /// How do we connect to the BMC (Baseboard Management Controller) on
    /// the host?
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bmc: Option<BMCDetails>,
    /// The MAC address of the NIC used for provisioning the host. In case
    /// of network boot, this is the MAC address of the PXE booting
    /// interface. The MAC address of the BMC must never be used here!
    #[serde(
        rename = "bootMACAddress",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(regex(pattern = r#"[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}"#))]
    pub boot_mac_address: Option<String>,
    /// Select the method of initializing the hardware during boot.
    /// Defaults to UEFI. Legacy boot should only be used for hardware that
    /// does not support UEFI correctly. Set to UEFISecureBoot to turn
    /// secure boot on automatically after provisioning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot_mode: Option<BootMode>,
    /// ConsumerRef can be used to store information about something
    /// that is using a host. When it is not empty, the host is
    /// considered "in use". The common use case is a link to a Machine
    /// resource when the host is used by Cluster API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub consumer_ref: Option<ObjectReference>,
    /// A custom deploy procedure. This is an advanced feature that allows
    /// using a custom deploy step provided by a site-specific deployment
    /// ramdisk. Most users will want to use "image" instead. Setting this
    /// field triggers provisioning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_deploy: Option<CustomDeploy>,
    /// Description is a human-entered text used to help identify the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When set to true, power off of the node will be disabled,
    /// instead, a reboot will be used in place of power on/off
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_power_off: Option<bool>,
    /// ExternallyProvisioned means something else has provisioned the
    /// image running on the host, and the operator should only manage
    /// the power status. This field is used for integration with already
    /// provisioned hosts and when pivoting hosts between clusters.
    ///
    /// This field can be set to true either:
    /// 1. During initial host creation (e.g., for pre-provisioned hosts)
    /// 2. After inspection completes when the host reaches Available state
    ///
    /// When used in environments with Cluster API Provider Metal3 (CAPM3),
    /// ensure hosts are labeled appropriately so CAPM3's host selector can
    /// distinguish them from CAPM3-managed hosts. If unsure, leave this
    /// field as false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub externally_provisioned: Option<bool>,
    /// Firmware (BIOS) configuration for bare metal server.
    ///
    /// Deprecated: no longer implemented. An alternative is to
    /// use HostFirmwareSettings resources that allow changing arbitrary
    /// values and support the generic Redfish-based drivers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware: Option<FirmwareConfig>,
    /// What is the name of the hardware profile for this host?
    /// Hardware profiles are deprecated and should not be used.
    /// Use the separate fields Architecture and RootDeviceHints instead.
    /// Set to "empty" to prepare for the future version of the API
    /// without hardware profiles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware_profile: Option<String>,
    /// Image holds the details of the image to be provisioned. Populating
    /// the image will cause the host to start provisioning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    /// Specifies the mode for host inspection.
    /// "disabled" - no inspection will be performed
    /// "agent" - normal agent-based inspection will run
    /// "fast" - out-of-band inspection via BMC (Redfish), no ramdisk boot
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inspection_mode: Option<InspectionMode>,
    /// MetaData holds the reference to the Secret containing host metadata
    /// which is passed to the Config Drive. By default, metadata will be
    /// generated for the host, so most users do not need to set this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub meta_data: Option<SecretReference>,
    /// NetworkData holds the reference to the Secret containing network
    /// configuration which is passed to the Config Drive and interpreted
    /// by the first boot software such as cloud-init.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub network_data: Option<SecretReference>,
    /// NetworkInterfaces defines the network configuration for each interface.
    /// This will be used to configure switch ports for the host.  Interface
    /// names must correspond to actual NICs discovered during inspection
    /// (see HardwareData resource).  They are referenced by either the name
    /// or MAC address of the NIC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_interfaces: Option<Vec<NetworkInterface>>,
    /// Should the host be powered on? If the host is currently in a stable
    /// state (e.g. provisioned), its power state will be forced to match
    /// this value.
    pub online: bool,
    /// PreprovisioningNetworkDataName is the name of the Secret in the
    /// local namespace containing network configuration which is passed to
    /// the preprovisioning image, and to the Config Drive if not overridden
    /// by specifying NetworkData.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preprovisioning_network_data_name: Option<String>,
    /// RAID configuration for bare metal server. If set, the RAID settings
    /// will be applied before the host is provisioned. If not, the current
    /// settings will not be modified. Only one of the sub-fields
    /// hardwareRAIDVolumes and softwareRAIDVolumes can be set at the same
    /// time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raid: Option<RAIDConfig>,
    /// Provide guidance about how to choose the device for the image
    /// being provisioned. The default is currently to use /dev/sda as
    /// the root device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_device_hints: Option<RootDeviceHints>,
    /// Taints is the full, authoritative list of taints to apply to
    /// the corresponding Machine.
    ///
    /// Deprecated: the Taints field was never actually implemented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taints: Option<Vec<Taint>>,
    /// UserData holds the reference to the Secret containing the user data
    /// which is passed to the Config Drive and interpreted by the
    /// first-boot software such as cloud-init. The format of user data is
    /// specific to the first-boot software.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub user_data: Option<SecretReference>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum AutomatedCleaningMode {
    #[serde(rename = "metadata")]
    Metadata,
    #[serde(rename = "disabled")]
    Disabled,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BMCDetails {
    /// Address holds the URL for accessing the controller on the network.
    /// The scheme part designates the driver to use with the host.
    pub address: String,
    /// The name of the secret containing the BMC credentials (requires
    /// keys "username" and "password").
    pub credentials_name: String,
    /// DisableCertificateVerification disables verification of server
    /// certificates when using HTTPS to connect to the BMC. This is
    /// required when the server certificate is self-signed, but is
    /// insecure because it allows a man-in-the-middle to intercept the
    /// connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_certificate_verification: Option<bool>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum BootMode {
    #[serde(rename = "UEFI")]
    Uefi,
    #[serde(rename = "UEFISecureBoot")]
    UefiSecureBoot,
    #[serde(rename = "legacy")]
    Legacy,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomDeploy {
    /// Custom deploy method name.
    /// This name is specific to the deploy ramdisk used. If you don't have
    /// a custom deploy ramdisk, you shouldn't use CustomDeploy.
    pub method: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FirmwareConfig {
    /// Allows a single physical processor core to appear as several logical processors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = [true, false]))]
    pub simultaneous_multithreading_enabled: Option<bool>,
    /// SR-IOV support enables a hypervisor to create virtual instances of a PCI-express device, potentially increasing performance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = [true, false]))]
    pub sriov_enabled: Option<bool>,
    /// Supports the virtualization of platform hardware.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = [true, false]))]
    pub virtualization_enabled: Option<bool>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    /// Checksum is the checksum for the image. Required for all formats
    /// except for "live-iso" and OCI images (oci://).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// ChecksumType is the checksum algorithm for the image, e.g md5, sha256 or sha512.
    /// The special value "auto" can be used to detect the algorithm from the checksum.
    /// If missing, MD5 is used. If in doubt, use "auto".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_type: Option<ChecksumType>,
    /// Format contains the format of the image (raw, qcow2, ...).
    /// When set to "live-iso", an ISO 9660 image referenced by the url will
    /// be live-booted and not deployed to disk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<DiskFormat>,
    /// OCIAuthSecretName optionally names a Docker-config secret containing
    /// registry credentials for oci:// images. Must be in the same namespace
    /// as the BareMetalHost. Allowed types: kubernetes.io/dockerconfigjson|dockercfg.
    /// Only used when Image.URL has the oci:// scheme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oci_auth_secret_name: Option<String>,
    /// URL is a location of an image to deploy.
    pub url: String,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum ChecksumType {
    #[serde(rename = "md5")]
    Md5,
    #[serde(rename = "sha256")]
    Sha256,
    #[serde(rename = "sha512")]
    Sha512,
    #[serde(rename = "auto")]
    Auto,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum DiskFormat {
    #[serde(rename = "raw")]
    Raw,
    #[serde(rename = "qcow2")]
    Qcow2,
    #[serde(rename = "vdi")]
    Vdi,
    #[serde(rename = "vmdk")]
    Vmdk,
    #[serde(rename = "live-iso")]
    LiveIso,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum InspectionMode {
    #[serde(rename = "disabled")]
    Disabled,
    #[serde(rename = "agent")]
    Agent,
    #[serde(rename = "fast")]
    Fast,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkInterface {
    /// HostNetworkAttachment references the HostNetworkAttachment for this interface
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_network_attachment: Option<HostNetworkAttachment>,
    /// MAC address of the network interface.  This must match the MAC address
    /// of a NIC discovered during inspection (see HardwareData resource).
    /// Mutually exclusive with Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r#"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$"#))]
    pub mac_address: Option<String>,
    /// Name of the network interface (e.g., "eth0", "ens1f0")
    /// This must match the name of a NIC discovered during inspection
    /// (see HardwareData resource).
    /// Mutually exclusive with MACAddress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r#"^[a-zA-Z0-9._-]+$"#))]
    pub name: Option<String>,
    /// SwitchPort defines the switch port on which this interface is attached.
    /// This is intended to be a replacement for LLDP information if
    /// LLDP is not enabled on the neighboring switches or if inspection is not
    /// used on the BMH.  If LLDP information is acquired during inspection and
    /// this field is provided then it will override the LLDP provided
    /// information; therefore, caution must be exercised when supplying this
    /// value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switch_port: Option<SwitchPort>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HostNetworkAttachment {
    /// Name of the HostNetworkAttachment resource
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 253))]
    pub name: Option<String>,
    /// Namespace of the HostNetworkAttachment (defaults to BMH namespace)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 63))]
    pub namespace: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SwitchPort {
    /// PortID is expected to be the configuration name of the port in the
    /// switch management system.
    #[serde(rename = "portID")]
    pub port_id: String,
    /// SwitchID is expected to be the management MAC address of the switch
    #[serde(rename = "switchID")]
    #[schemars(regex(pattern = r#"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$"#))]
    pub switch_id: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
        {"rule": "!has(self.hardwareRAIDVolumes) || size(self.hardwareRAIDVolumes) == 0 || !has(self.softwareRAIDVolumes) || size(self.softwareRAIDVolumes) == 0", "message": "hardwareRAIDVolumes and softwareRAIDVolumes can not be set at the same time"},
        {"rule": "!has(self.softwareRAIDVolumes) || self.softwareRAIDVolumes.filter(v, has(v.rootVolume) && v.rootVolume).size() <= 1", "message": "softwareRAIDVolumes[*].rootVolume can only be set once", "fieldPath": ".softwareRAIDVolumes"}
]))]
pub struct RAIDConfig {
    /// The list of logical disks for hardware RAID, if rootDeviceHints isn't used, first volume is root volume.
    /// You can set the value of this field to `[]` to clear all the hardware RAID configurations.
    #[serde(
        rename = "hardwareRAIDVolumes",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(extend("id" = "x-capm3-nullable"))]
    pub hardware_raid_volumes: Option<Vec<HardwareRAIDVolume>>,
    /// The list of logical disks for software RAID, if rootDeviceHints isn't used, first volume is root volume.
    /// If HardwareRAIDVolumes is set this item will be invalid.
    /// The number of created Software RAID devices must be 1 or 2.
    /// If there is only one Software RAID device, it has to be a RAID-1.
    /// If there are two, the first one has to be a RAID-1, while the RAID level for the second one can be 0, 1, or 1+0.
    /// As the first RAID device will be the deployment device,
    /// enforcing a RAID-1 reduces the risk of ending up with a non-booting host in case of a disk failure.
    /// Software RAID will always be deleted.
    #[serde(
        rename = "softwareRAIDVolumes",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(length(max = 2), extend("id" = "x-capm3-nullable"))]
    pub software_raid_volumes: Option<Vec<SoftwareRAIDVolume>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
        {"rule": "!has(self.physicalDisks) || size(self.physicalDisks) == 0 || has(self.controller)", "message": "'physicalDisks' specified without 'controller' in hardware RAID volume", "fieldPath": ".physicalDisks"},
        {"rule": "!has(self.physicalDisks) || size(self.physicalDisks) == 0 || !has(self.numberOfPhysicalDisks) || self.numberOfPhysicalDisks == size(self.physicalDisks)", "message": "the 'numberOfPhysicalDisks' and number of 'physicalDisks' is not same", "fieldPath": ".numberOfPhysicalDisks"}
]))]
pub struct HardwareRAIDVolume {
    /// The name of the RAID controller to use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<String>,
    /// RAID level for the logical disk. The following levels are supported:
    /// 0, 1, 2, 5, 6, 1+0, 5+0, 6+0 (drivers may support only some of them).
    pub level: RAIDLevel,
    /// Name of the volume. Should be unique within the Node. If not
    /// specified, the name will be auto-generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64))]
    pub name: Option<String>,
    /// Integer, number of physical disks to use for the logical disk.
    /// Defaults to minimum number of disks required for the particular RAID
    /// level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub number_of_physical_disks: Option<i64>,
    /// Optional list of physical disk names to be used for the hardware RAID volumes. The disk names are interpreted
    /// by the hardware RAID controller, and the format is hardware specific.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_disks: Option<Vec<String>>,
    /// Select disks with only rotational (if set to true) or solid-state
    /// (if set to false) storage. By default, any disks can be picked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotational: Option<bool>,
    /// Size of the logical disk to be created in GiB. If unspecified or
    /// set be 0, the maximum capacity of disk will be used for logical
    /// disk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub size_gibibytes: Option<i64>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum RAIDLevel {
    #[serde(rename = "0")]
    V0,
    #[serde(rename = "1")]
    V1,
    #[serde(rename = "2")]
    V2,
    #[serde(rename = "5")]
    V5,
    #[serde(rename = "6")]
    V6,
    #[serde(rename = "1+0")]
    V1Plus0,
    #[serde(rename = "5+0")]
    V5Plus0,
    #[serde(rename = "6+0")]
    V6Plus0,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
        {"rule": "!has(self.rootVolume) || !self.rootVolume || self.level == '1'", "message": "a software RAID volume with rootVolume set must use RAID level 1", "fieldPath": ".level"}
]))]
pub struct SoftwareRAIDVolume {
    /// RAID level for the logical disk. The following levels are supported:
    /// 0, 1 and 1+0.
    pub level: SoftwareRAIDLevel,
    /// A list of device hints, the number of items should be greater than or equal to 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 2))]
    pub physical_disks: Option<Vec<RootDeviceHints>>,
    /// Setting this to true, causes installer to consider this volume as root device for installation.
    /// This can only be set for one of the volumes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false))]
    pub root_volume: Option<bool>,
    /// Size of the logical disk to be created in GiB.
    /// If unspecified or set be 0, the maximum capacity of disk will be used for logical disk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub size_gibibytes: Option<i64>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum SoftwareRAIDLevel {
    #[serde(rename = "0")]
    V0,
    #[serde(rename = "1")]
    V1,
    #[serde(rename = "1+0")]
    V1Plus0,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RootDeviceHints {
    /// A Linux device name like "/dev/vda", or a by-path link to it like
    /// "/dev/disk/by-path/pci-0000:01:00.0-scsi-0:2:0:0". The hint must match
    /// the actual value exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
    /// A SCSI bus address like 0:0:0:0. The hint must match the actual
    /// value exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hctl: Option<String>,
    /// The minimum size of the device in Gigabytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub min_size_gigabytes: Option<i64>,
    /// A vendor-specific device identifier. The hint can be a
    /// substring of the actual value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// True if the device should use spinning media, false otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotational: Option<bool>,
    /// Device serial number. The hint must match the actual value
    /// exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// The name of the vendor or manufacturer of the device. The hint
    /// can be a substring of the actual value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// Unique storage identifier. The hint must match the actual value
    /// exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wwn: Option<String>,
    /// Unique vendor storage identifier. The hint must match the
    /// actual value exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wwn_vendor_extension: Option<String>,
    /// Unique storage identifier with the vendor extension
    /// appended. The hint must match the actual value exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wwn_with_extension: Option<String>,
}

/// BareMetalHostStatus defines the observed state of BareMetalHost.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BareMetalHostStatus {
    /// Conditions defines current service state of the BareMetalHost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 32), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["type"]), schema_with = "crate::api::schema::conditions")]
    pub conditions: Option<Vec<Condition>>,
    /// ErrorCount records how many times the host has encoutered an error since the last successful operation
    #[schemars(extend("default" = 0))]
    pub error_count: i64,
    /// The last error message reported by the provisioning subsystem.
    pub error_message: String,
    /// ErrorType indicates the type of failure encountered when the
    /// OperationalStatus is OperationalStatusError
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<ErrorType>,
    /// The last credentials we were able to validate as working.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub good_credentials: Option<CredentialsStatus>,
    /// The hardware discovered to exist on the host.
    /// This field will be removed in the next API version in favour of the
    /// separate HardwareData resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware: Option<HardwareDetails>,
    /// The name of the profile matching the hardware details.
    /// Hardware profiles are deprecated and should not be relied on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware_profile: Option<String>,
    /// LastAttemptedImage stores the full image spec of the last provisioning
    /// attempt, used to detect user-initiated image changes (URL, checksum,
    /// format, etc.) that should reset the provisioning retry limit counter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempted_image: Option<Image>,
    /// LastUpdated identifies when this status was last observed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<Time>,
    /// OperationHistory holds information about operations performed
    /// on this host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_history: Option<OperationHistory>,
    /// OperationalStatus holds the status of the host
    pub operational_status: OperationalStatus,
    /// The currently detected power state of the host. This field may get
    /// briefly out of sync with the actual state of the hardware while
    /// provisioning processes are running.
    pub powered_on: bool,
    /// Information tracked by the provisioner.
    pub provisioning: ProvisionStatus,
    /// ProvisioningFailCount records how many times provisioning has failed
    /// consecutively for the current image. Unlike ErrorCount, it is not reset
    /// on deprovisioning and is only cleared on successful provisioning or when
    /// a new image is specified.
    #[schemars(extend("default" = 0))]
    pub provisioning_fail_count: i64,
    /// The last credentials we sent to the provisioning backend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tried_credentials: Option<CredentialsStatus>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum ErrorType {
    #[serde(rename = "provisioned registration error")]
    ProvisionedRegistrationError,
    #[serde(rename = "registration error")]
    RegistrationError,
    #[serde(rename = "inspection error")]
    InspectionError,
    #[serde(rename = "preparation error")]
    PreparationError,
    #[serde(rename = "provisioning error")]
    ProvisioningError,
    #[serde(rename = "power management error")]
    PowerManagementError,
    #[serde(rename = "servicing error")]
    ServicingError,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CredentialsStatus {
    /// SecretReference represents a Secret Reference. It has enough information to retrieve secret
    /// in any namespace
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub credentials: Option<SecretReference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_version: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Cpu {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// ClockSpeed is a clock speed in MHz
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_megahertz: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Firmware {
    /// The BIOS for this firmware
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bios: Option<Bios>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Bios {
    /// The release/build date for this BIOS
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The vendor name for this BIOS
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// The version of the BIOS
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Nic {
    /// The IP address of the interface. This will be an IPv4 or IPv6 address
    /// if one is present.  If both IPv4 and IPv6 addresses are present in a
    /// dual-stack environment, two nics will be output, one with each IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// LLDP data for this interface
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lldp: Option<Lldp>,
    /// The device MAC address
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r#"[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}"#))]
    pub mac: Option<String>,
    /// The vendor and product IDs of the NIC, e.g. "0x8086 0x1572"
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The name of the network interface, e.g. "en0"
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The NIC PCI address
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pci_address: Option<String>,
    /// Whether the NIC is PXE Bootable
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pxe: Option<bool>,
    /// The speed of the device in Gigabits per second
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed_gbps: Option<i64>,
    /// The untagged VLAN ID
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 4094))]
    pub vlan_id: Option<i32>,
    /// The VLANs available
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vlans: Option<Vec<Vlan>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Lldp {
    /// The switch port ID from LLDP
    #[serde(rename = "portID", default, skip_serializing_if = "Option::is_none")]
    pub port_id: Option<String>,
    /// The switch chassis ID from LLDP
    #[serde(rename = "switchID", default, skip_serializing_if = "Option::is_none")]
    pub switch_id: Option<String>,
    /// The switch system name from LLDP
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switch_system_name: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Vlan {
    /// VLANID is a 12-bit 802.1Q VLAN identifier
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 4094))]
    pub id: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Storage {
    /// A list of alternate Linux device names of the disk, e.g. "/dev/sda".
    /// Note that this list is not exhaustive, and names may not be stable
    /// across reboots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternate_names: Option<Vec<String>>,
    /// The SCSI location of the device
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hctl: Option<String>,
    /// Hardware model
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// A Linux device name of the disk, e.g.
    /// "/dev/disk/by-path/pci-0000:01:00.0-scsi-0:2:0:0". This will be a name
    /// that is stable across reboots if one is available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether this disk represents rotational storage.
    /// This field is not recommended for usage, please
    /// prefer using 'Type' field instead, this field
    /// will be deprecated eventually.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotational: Option<bool>,
    /// The serial number of the device
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// The size of the disk in Bytes
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<i64>,
    /// Device type, one of: HDD, SSD, NVME.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<DiskType>,
    /// The name of the vendor of the device
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// The WWN of the device
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wwn: Option<String>,
    /// The WWN Vendor extension of the device
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wwn_vendor_extension: Option<String>,
    /// The WWN with the extension
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wwn_with_extension: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum DiskType {
    #[serde(rename = "HDD")]
    Hdd,
    #[serde(rename = "SSD")]
    Ssd,
    #[serde(rename = "NVME")]
    Nvme,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SystemVendor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperationHistory {
    /// OperationMetric contains metadata about an operation (inspection,
    /// provisioning, etc.) used for tracking metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprovision: Option<OperationMetric>,
    /// OperationMetric contains metadata about an operation (inspection,
    /// provisioning, etc.) used for tracking metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inspect: Option<OperationMetric>,
    /// OperationMetric contains metadata about an operation (inspection,
    /// provisioning, etc.) used for tracking metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provision: Option<OperationMetric>,
    /// OperationMetric contains metadata about an operation (inspection,
    /// provisioning, etc.) used for tracking metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register: Option<OperationMetric>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperationMetric {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("id" = "x-capm3-nullable"))]
    pub end: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("id" = "x-capm3-nullable"))]
    pub start: Option<Time>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, Default, JsonSchema)]
pub enum OperationalStatus {
    #[serde(rename = "")]
    #[default]
    Empty,
    #[serde(rename = "OK")]
    Ok,
    #[serde(rename = "discovered")]
    Discovered,
    #[serde(rename = "error")]
    Error,
    #[serde(rename = "delayed")]
    Delayed,
    #[serde(rename = "detached")]
    Detached,
    #[serde(rename = "servicing")]
    Servicing,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProvisionStatus {
    /// The hosts's ID from the underlying provisioning tool (e.g. the
    /// Ironic node UUID).
    #[serde(rename = "ID")]
    pub id: String,
    /// BootMode indicates the boot mode used to provision the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot_mode: Option<BootMode>,
    /// Custom deploy procedure applied to the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_deploy: Option<CustomDeploy>,
    /// The firmware settings that have been applied.
    ///
    /// Deprecated: no longer implemented and is always empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware: Option<FirmwareConfig>,
    /// Image holds the details of the last image successfully
    /// provisioned to the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    /// The RAID configuration that has been applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raid: Option<RAIDConfig>,
    /// The root device hints used to provision the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_device_hints: Option<RootDeviceHints>,
    /// An indicator for what the provisioner is doing with the host.
    pub state: String,
}

//! A parsed BMC address: the Ironic driver, interfaces, capabilities and `driver_info` it
//! stands for.

use std::fmt;

use serde_json::{Map, Value};

use super::schemes::{DriverInfoKind, Interfaces, Scheme};

/// IPMI's port when the address names none.
const IPMI_DEFAULT_PORT: &str = "623";
/// `ipmi_priv_level` when the address has no `?privilegelevel=`.
const IPMI_DEFAULT_PRIVILEGE_LEVEL: &str = "ADMINISTRATOR";

/// The user name and password from the host's BMC credentials Secret. `Debug` shows neither.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials { <redacted> }")
    }
}

/// What a host is provisioned with, which decides the deploy interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeployMethod {
    /// A disk image written by the agent: Ironic's default deploy interface (`direct`).
    Image,
    /// `image.format: live-iso`: booted, not written.
    LiveIso,
    /// `spec.customDeploy`.
    CustomDeploy,
}

/// How to reach one BMC, from `spec.bmc.address` and `disableCertificateVerification`.
/// Holds no credentials: they are given to [`AccessDetails::driver_info`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessDetails {
    pub(super) bmc_type: String,
    pub(super) scheme: &'static Scheme,
    /// `http` or `https`, for Redfish URLs.
    pub(super) protocol: &'static str,
    /// `host[:port]`, IPv6 addresses in brackets.
    pub(super) host: String,
    /// The host without port and brackets.
    pub(super) hostname: String,
    pub(super) port: String,
    pub(super) path: String,
    pub(super) privilege_level: String,
    pub(super) disable_certificate_verification: bool,
}

impl AccessDetails {
    /// The scheme as written, lower-cased (`redfish-virtualmedia+http`; `ipmi` for an address
    /// without one). Upstream's `Type()`, the name in its error messages.
    pub fn bmc_type(&self) -> &str {
        &self.bmc_type
    }

    /// The Ironic hardware type (`ipmi`, `redfish`, `idrac`, `fake-hardware`).
    pub fn driver(&self) -> &'static str {
        self.scheme.driver
    }

    /// The interfaces the scheme fixes; those left `None` are not sent at node creation.
    pub fn interfaces(&self) -> Interfaces {
        self.scheme.interfaces
    }

    /// The `inspect_interface` to send: `agent` (inspection by the ramdisk), or in fast mode
    /// the driver's out-of-band interface; `None` when fast inspection is not supported.
    /// The fake schemes always answer `fake`.
    pub fn inspect_interface(&self, fast: bool) -> Option<&'static str> {
        let own = self.scheme.interfaces.inspect;
        if fast || self.scheme.fake {
            own
        } else {
            Some("agent")
        }
    }

    /// The `deploy_interface` to send; `None` leaves Ironic's default (`direct`). The fake
    /// schemes always answer `fake`.
    pub fn deploy_interface(&self, method: DeployMethod) -> Option<&'static str> {
        self.scheme.interfaces.deploy.or(match method {
            DeployMethod::Image => None,
            DeployMethod::LiveIso => Some("ramdisk"),
            DeployMethod::CustomDeploy => Some("custom-agent"),
        })
    }

    /// Whether `spec.bootMACAddress` is required (libvirt: VirtualBMC cannot report MACs).
    pub fn needs_mac(&self) -> bool {
        self.scheme.needs_mac
    }

    /// Whether `bootMode: UEFISecureBoot` is allowed.
    pub fn supports_secure_boot(&self) -> bool {
        self.scheme.secure_boot
    }

    /// Whether the host boots ISO images through virtual media: a preprovisioning image may
    /// be an ISO, and the `PROVISIONING_LIMIT` capacity check does not apply.
    pub fn supports_iso_preprovisioning_image(&self) -> bool {
        self.scheme.virtual_media
    }

    /// Whether registration needs a provisioning network (fails when
    /// `PROVISIONING_NETWORK_DISABLED=true`).
    pub fn requires_provisioning_network(&self) -> bool {
        !self.scheme.virtual_media
    }

    /// Whether `spec.raid.hardwareRAIDVolumes` can be applied (the RAID interface is not
    /// `no-raid`).
    pub fn supports_hardware_raid(&self) -> bool {
        self.scheme
            .interfaces
            .raid
            .is_some_and(|raid| raid != "no-raid")
    }

    /// Whether `inspectionMode: fast` (out-of-band inspection) is possible.
    pub fn supports_fast_inspect(&self) -> bool {
        self.scheme.interfaces.inspect.is_some()
    }

    /// Whether Ironic has a BIOS interface for this driver (HostFirmwareSettings).
    pub fn supports_bios_settings(&self) -> bool {
        self.scheme.bios_settings
    }

    /// Whether Ironic has a firmware interface for this driver (HostFirmwareComponents).
    pub fn supports_firmware_updates(&self) -> bool {
        self.scheme.firmware_updates
    }

    /// Whether this is one of the test-bed schemes allowed by `--enable-fake-hardware`.
    pub fn is_fake_hardware(&self) -> bool {
        self.scheme.fake
    }

    /// The BMC's hostname or IP address, without port and brackets (to tell IPv6 BMCs).
    pub fn hostname(&self) -> &str {
        &self.hostname
    }

    /// The node's `driver_info` for these credentials, upstream's keys exactly. Holds the
    /// password: never log it.
    pub fn driver_info(&self, credentials: &Credentials) -> Map<String, Value> {
        let mut info = Map::new();
        let mut put = |key: &str, value: Value| {
            info.insert(key.to_owned(), value);
        };
        let verify_off = self.disable_certificate_verification;
        match self.scheme.driver_info {
            DriverInfoKind::Ipmi => {
                let port = if self.port.is_empty() {
                    IPMI_DEFAULT_PORT
                } else {
                    &self.port
                };
                put("ipmi_address", self.hostname.clone().into());
                put("ipmi_port", port.into());
                put("ipmi_username", credentials.username.clone().into());
                put("ipmi_password", credentials.password.clone().into());
                put("ipmi_priv_level", self.privilege_level.clone().into());
                if verify_off {
                    put("ipmi_verify_ca", false.into());
                }
            }
            DriverInfoKind::Redfish
            | DriverInfoKind::RedfishAlwaysSystemId
            | DriverInfoKind::RedfishNoVerify => {
                let kind = self.scheme.driver_info;
                let address = format!("{}://{}", self.protocol, self.host);
                put("redfish_address", address.into());
                put("redfish_username", credentials.username.clone().into());
                put("redfish_password", credentials.password.clone().into());
                let trimmed = self.path.trim_matches('/');
                let root = trimmed.is_empty() || trimmed == "redfish/v1";
                if kind == DriverInfoKind::RedfishAlwaysSystemId || !root {
                    put("redfish_system_id", self.path.clone().into());
                }
                if verify_off || kind == DriverInfoKind::RedfishNoVerify {
                    put("redfish_verify_ca", false.into());
                }
            }
            DriverInfoKind::Empty => {}
        }
        info
    }
}

/// The privilege level from a query, as upstream's `getPrivilegeLevel`: the first
/// `privilegelevel` value, or `ADMINISTRATOR` when there is none or Go would fail to parse
/// any part of the query.
pub(super) fn privilege_level(raw_query: &[u8]) -> String {
    match super::gourl::query_first(raw_query, b"privilegelevel") {
        Ok(Some(level)) => String::from_utf8_lossy(&level).into_owned(),
        _ => IPMI_DEFAULT_PRIVILEGE_LEVEL.to_owned(),
    }
}

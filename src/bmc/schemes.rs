//! The scheme table: what each BMC address scheme means to Ironic. One row per scheme
//! family, as upstream's `pkg/hardwareutils/bmc` registers them (docs/bmc.md shows the same
//! table to users), plus two test-bed schemes of capm3's own.

/// Ironic interfaces a scheme fixes. `None`: not sent, Ironic's default for the driver applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Interfaces {
    pub bios: Option<&'static str>,
    pub boot: Option<&'static str>,
    pub console: Option<&'static str>,
    /// Set by the fake schemes only; real schemes leave the deploy interface to the image
    /// (see `AccessDetails::deploy_interface`).
    pub deploy: Option<&'static str>,
    pub firmware: Option<&'static str>,
    /// The out-of-band inspect interface, used for `inspectionMode: fast` (upstream's
    /// `InspectInterface`). `None`: fast inspection is not supported.
    pub inspect: Option<&'static str>,
    pub management: Option<&'static str>,
    pub power: Option<&'static str>,
    pub raid: Option<&'static str>,
    pub vendor: Option<&'static str>,
}

impl Interfaces {
    const NONE: Interfaces = Interfaces {
        bios: None,
        boot: None,
        console: None,
        deploy: None,
        firmware: None,
        inspect: None,
        management: None,
        power: None,
        raid: None,
        vendor: None,
    };
}

/// Which `driver_info` keys a scheme fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DriverInfoKind {
    /// `ipmi_*`.
    Ipmi,
    /// `redfish_*`, with `redfish_system_id` from the path unless it is empty or `redfish/v1`.
    Redfish,
    /// `redfish_*`, with `redfish_system_id` always the path (`redfish-uefihttp`).
    RedfishAlwaysSystemId,
    /// `redfish_*` as `Redfish`, and `redfish_verify_ca: false` whatever the host says:
    /// Ironic 39.0.0's fake-hardware type needs it to talk to an emulator.
    RedfishNoVerify,
    /// Nothing: Ironic's fake interfaces talk to no BMC.
    Empty,
}

/// One row of the table.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Scheme {
    pub name: &'static str,
    /// Whether `<name>+http` and `<name>+https` are accepted too (https is the default).
    pub protocols: bool,
    pub driver: &'static str,
    pub interfaces: Interfaces,
    pub driver_info: DriverInfoKind,
    pub needs_mac: bool,
    pub secure_boot: bool,
    /// Virtual media: boots an ISO preprovisioning image, needs no provisioning network.
    pub virtual_media: bool,
    pub bios_settings: bool,
    pub firmware_updates: bool,
    /// Refused unless capm3 runs with `--enable-fake-hardware`. These also fix the inspect
    /// and deploy interfaces: any other would wait for an agent that never boots.
    pub fake: bool,
}

const IPMI: Interfaces = Interfaces {
    boot: Some("ipxe"),
    raid: Some("no-raid"),
    ..Interfaces::NONE
};

const REDFISH: Interfaces = Interfaces {
    boot: Some("ipxe"),
    firmware: Some("redfish"),
    inspect: Some("redfish"),
    raid: Some("redfish"),
    ..Interfaces::NONE
};

const REDFISH_VIRTUAL_MEDIA: Interfaces = Interfaces {
    boot: Some("redfish-virtual-media"),
    ..REDFISH
};

const REDFISH_UEFI_HTTP: Interfaces = Interfaces {
    boot: Some("redfish-https"),
    ..REDFISH
};

const IDRAC: Interfaces = Interfaces {
    bios: Some("idrac-redfish"),
    management: Some("idrac-redfish"),
    power: Some("idrac-redfish"),
    raid: Some("idrac-redfish"),
    vendor: Some("idrac-redfish"),
    ..REDFISH
};

const IDRAC_VIRTUAL_MEDIA: Interfaces = Interfaces {
    boot: Some("idrac-redfish-virtual-media"),
    ..IDRAC
};

/// Every interface Ironic's `fake-hardware` type offers a `fake` implementation of, except
/// rescue and storage (Ironic enables no fake ones by default and BMO uses neither).
const FAKE: Interfaces = Interfaces {
    bios: Some("fake"),
    boot: Some("fake"),
    console: Some("fake"),
    deploy: Some("fake"),
    firmware: Some("fake"),
    inspect: Some("fake"),
    management: Some("fake"),
    power: Some("fake"),
    raid: Some("fake"),
    vendor: Some("fake"),
};

const fn ipmi(name: &'static str, needs_mac: bool) -> Scheme {
    Scheme {
        name,
        protocols: false,
        driver: "ipmi",
        interfaces: IPMI,
        driver_info: DriverInfoKind::Ipmi,
        needs_mac,
        secure_boot: false,
        virtual_media: false,
        bios_settings: false,
        firmware_updates: false,
        fake: false,
    }
}

const fn redfish(name: &'static str, driver: &'static str, interfaces: Interfaces) -> Scheme {
    Scheme {
        name,
        protocols: true,
        driver,
        interfaces,
        driver_info: DriverInfoKind::Redfish,
        needs_mac: false,
        secure_boot: true,
        virtual_media: false,
        bios_settings: true,
        firmware_updates: true,
        fake: false,
    }
}

const fn virtual_media(name: &'static str, driver: &'static str, interfaces: Interfaces) -> Scheme {
    Scheme {
        virtual_media: true,
        ..redfish(name, driver, interfaces)
    }
}

const fn fake(name: &'static str, protocols: bool, interfaces: Interfaces) -> Scheme {
    Scheme {
        name,
        protocols,
        driver: "fake-hardware",
        interfaces,
        driver_info: if protocols {
            DriverInfoKind::RedfishNoVerify
        } else {
            DriverInfoKind::Empty
        },
        needs_mac: false,
        secure_boot: true,
        virtual_media: true,
        bios_settings: true,
        firmware_updates: true,
        fake: true,
    }
}

/// The table. Order does not matter: names are unique.
pub(super) static SCHEMES: [Scheme; 11] = [
    ipmi("ipmi", false),
    // VirtualBMC in front of libvirt VMs: their MACs cannot be discovered.
    ipmi("libvirt", true),
    redfish("redfish", "redfish", REDFISH),
    redfish("ilo5-redfish", "redfish", REDFISH),
    redfish("idrac-redfish", "idrac", IDRAC),
    virtual_media("redfish-virtualmedia", "redfish", REDFISH_VIRTUAL_MEDIA),
    virtual_media("ilo5-virtualmedia", "redfish", REDFISH_VIRTUAL_MEDIA),
    virtual_media("idrac-virtualmedia", "idrac", IDRAC_VIRTUAL_MEDIA),
    Scheme {
        driver_info: DriverInfoKind::RedfishAlwaysSystemId,
        ..virtual_media("redfish-uefihttp", "redfish", REDFISH_UEFI_HTTP)
    },
    fake("fake-hardware", false, FAKE),
    // Real power and management through a Redfish emulator, everything else fake.
    fake(
        "fake-hardware+redfish",
        true,
        Interfaces {
            management: Some("redfish"),
            power: Some("redfish"),
            ..FAKE
        },
    ),
];

/// The row for a (lower-cased) URL scheme, and the protocol for Redfish URLs: the `+http` or
/// `+https` suffix, else `https`.
pub(super) fn lookup(scheme: &str) -> Option<(&'static Scheme, &'static str)> {
    SCHEMES.iter().find_map(|row| {
        if scheme == row.name {
            return Some((row, "https"));
        }
        let protocol = scheme.strip_prefix(row.name)?.strip_prefix('+')?;
        let protocol = ["http", "https"].into_iter().find(|p| *p == protocol)?;
        row.protocols.then_some((row, protocol))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        for (i, a) in SCHEMES.iter().enumerate() {
            for b in &SCHEMES[i + 1..] {
                assert_ne!(a.name, b.name);
            }
        }
    }

    #[test]
    fn lookup_protocol_suffixes() {
        let found = |s: &str| lookup(s).map(|(row, protocol)| (row.name, protocol));
        assert_eq!(found("redfish"), Some(("redfish", "https")));
        assert_eq!(found("redfish+http"), Some(("redfish", "http")));
        assert_eq!(found("redfish+https"), Some(("redfish", "https")));
        assert_eq!(found("redfish+ftp"), None);
        assert_eq!(found("redfish+"), None);
        assert_eq!(found("ipmi+https"), None);
        assert_eq!(found("libvirt+http"), None);
        assert_eq!(found("fake-hardware+http"), None);
        assert_eq!(
            found("fake-hardware+redfish+http"),
            Some(("fake-hardware+redfish", "http"))
        );
        assert_eq!(found("redfishx"), None);
    }
}

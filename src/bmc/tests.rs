//! The whole module against the reference (bmo-upstream-behaviour.md §3, §6.1 and the §9
//! checklist items 55–63 and 95, cited by number below).

use serde_json::{Value, json};

use super::*;

const REAL: ParseOptions = ParseOptions {
    disable_certificate_verification: false,
    allow_fake_hardware: false,
};

const NO_VERIFY: ParseOptions = ParseOptions {
    disable_certificate_verification: true,
    allow_fake_hardware: false,
};

const TEST_BED: ParseOptions = ParseOptions {
    disable_certificate_verification: false,
    allow_fake_hardware: true,
};

fn creds() -> Credentials {
    Credentials {
        username: "admin".into(),
        password: "s3cret".into(),
    }
}

fn ok(address: &str, options: &ParseOptions) -> AccessDetails {
    match parse(address, options) {
        Ok(access) => access,
        Err(e) => panic!("{address}: {e}"),
    }
}

fn err(address: &str, options: &ParseOptions) -> String {
    match parse(address, options) {
        Ok(access) => panic!("{address} was accepted: {access:?}"),
        Err(e) => e.to_string(),
    }
}

fn info(address: &str, options: &ParseOptions) -> Value {
    Value::Object(ok(address, options).driver_info(&creds()))
}

/// Upstream's message for a host that is neither an IP address nor a DNS name.
fn invalid_host(host: &str) -> String {
    format!(
        "failed to parse BMC address information: BMC address hostname/IP : [{host}] is invalid"
    )
}

/// Upstream's message for a URL Go's parser refuses (`{:?}` quotes as Go does, for ASCII).
fn go_error(url: &str, reason: &str) -> String {
    format!("failed to parse BMC address information: parse {url:?}: {reason}")
}

fn some(name: &'static str) -> Option<&'static str> {
    (name != "-").then_some(name)
}

/// §3.2, one line per row of the reference's scheme table, in its column order: scheme,
/// driver, boot, bios, firmware, management/power/vendor, raid, fast inspect, then the flags
/// NeedsMAC (M), SecureBoot (S), ISO preprovisioning image (I), needs provisioning network (N).
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

#[rustfmt::skip]
const TABLE: [Row; 9] = [
    ("ipmi",                 "ipmi",    "ipxe",                        "-",             "-",       "-",             "no-raid",       "-",       "---N"),
    ("libvirt",              "ipmi",    "ipxe",                        "-",             "-",       "-",             "no-raid",       "-",       "M--N"),
    ("redfish",              "redfish", "ipxe",                        "-",             "redfish", "-",             "redfish",       "redfish", "-S-N"),
    ("ilo5-redfish",         "redfish", "ipxe",                        "-",             "redfish", "-",             "redfish",       "redfish", "-S-N"),
    ("idrac-redfish",        "idrac",   "ipxe",                        "idrac-redfish", "redfish", "idrac-redfish", "idrac-redfish", "redfish", "-S-N"),
    ("redfish-virtualmedia", "redfish", "redfish-virtual-media",       "-",             "redfish", "-",             "redfish",       "redfish", "-SI-"),
    ("ilo5-virtualmedia",    "redfish", "redfish-virtual-media",       "-",             "redfish", "-",             "redfish",       "redfish", "-SI-"),
    ("idrac-virtualmedia",   "idrac",   "idrac-redfish-virtual-media", "idrac-redfish", "redfish", "idrac-redfish", "idrac-redfish", "redfish", "-SI-"),
    ("redfish-uefihttp",     "redfish", "redfish-https",               "-",             "redfish", "-",             "redfish",       "redfish", "-SI-"),
];

/// Every row, with each spelling upstream accepts (`+http`/`+https` for all but ipmi and
/// libvirt): driver, every interface, every flag. Items 56, 59 and 60.
#[test]
fn checklist_56_59_60_every_scheme_row() {
    for (name, driver, boot, bios, firmware, vendor_like, raid, inspect, flags) in TABLE {
        let suffixes: &[&str] = if driver == "ipmi" {
            &[""]
        } else {
            &["", "+http", "+https"]
        };
        for suffix in suffixes {
            let scheme = format!("{name}{suffix}");
            let access = ok(&format!("{scheme}://192.168.122.1"), &REAL);
            let want = Interfaces {
                bios: some(bios),
                boot: some(boot),
                console: None,
                deploy: None,
                firmware: some(firmware),
                inspect: some(inspect),
                management: some(vendor_like),
                power: some(vendor_like),
                raid: some(raid),
                vendor: some(vendor_like),
            };
            assert_eq!(access.bmc_type(), scheme);
            assert_eq!(access.driver(), driver, "{scheme}");
            assert_eq!(access.interfaces(), want, "{scheme}");
            let flag = |c: char| flags.contains(c);
            assert_eq!(access.needs_mac(), flag('M'), "{scheme}");
            assert_eq!(access.supports_secure_boot(), flag('S'), "{scheme}");
            assert_eq!(
                access.supports_iso_preprovisioning_image(),
                flag('I'),
                "{scheme}"
            );
            assert_eq!(
                access.requires_provisioning_network(),
                flag('N'),
                "{scheme}"
            );
            // §3.4: hardware RAID and fast inspection with every Redfish variant, BIOS
            // settings and firmware updates wherever Ironic has the interfaces.
            let redfish = driver != "ipmi";
            assert_eq!(access.supports_hardware_raid(), redfish, "{scheme}");
            assert_eq!(access.supports_fast_inspect(), redfish, "{scheme}");
            assert_eq!(access.supports_bios_settings(), redfish, "{scheme}");
            assert_eq!(access.supports_firmware_updates(), redfish, "{scheme}");
            assert!(!access.is_fake_hardware());
        }
    }
}

/// `driver_info` for one sample address of every row and spelling.
#[test]
fn every_scheme_row_driver_info() {
    for (name, driver, ..) in TABLE {
        if driver == "ipmi" {
            assert_eq!(
                info(&format!("{name}://192.168.122.1:6230/ignored"), &REAL),
                json!({
                    "ipmi_address": "192.168.122.1",
                    "ipmi_port": "6230",
                    "ipmi_username": "admin",
                    "ipmi_password": "s3cret",
                    "ipmi_priv_level": "ADMINISTRATOR",
                })
            );
            continue;
        }
        for (suffix, protocol) in [("", "https"), ("+http", "http"), ("+https", "https")] {
            let address = format!("{name}{suffix}://192.168.122.1:8000/redfish/v1/Systems/1");
            assert_eq!(
                info(&address, &REAL),
                json!({
                    "redfish_address": format!("{protocol}://192.168.122.1:8000"),
                    "redfish_username": "admin",
                    "redfish_password": "s3cret",
                    "redfish_system_id": "/redfish/v1/Systems/1",
                }),
                "{address}"
            );
        }
    }
}

/// Item 55, §3.1: no scheme means IPMI, on port 623 as ADMINISTRATOR.
#[test]
fn checklist_55_no_scheme_is_ipmi_with_defaults() {
    for (address, host, port) in [
        ("192.168.122.1", "192.168.122.1", "623"),
        ("192.168.122.1:6233", "192.168.122.1", "6233"),
        ("my.favoritebmc.com", "my.favoritebmc.com", "623"),
        ("ipmi://192.168.122.1", "192.168.122.1", "623"),
        ("ipmi://192.168.122.1:6233", "192.168.122.1", "6233"),
        (
            "libvirt://192.168.122.1:6233/?abc=def",
            "192.168.122.1",
            "6233",
        ),
    ] {
        let access = ok(address, &REAL);
        let info = access.driver_info(&creds());
        assert_eq!(access.driver(), "ipmi", "{address}");
        assert_eq!(info["ipmi_address"], host, "{address}");
        assert_eq!(info["ipmi_port"], port, "{address}");
        assert_eq!(info["ipmi_priv_level"], "ADMINISTRATOR", "{address}");
        assert_eq!(access.hostname(), host);
    }
    assert_eq!(ok("192.168.122.1", &REAL).bmc_type(), "ipmi");
}

/// §3.1: `scheme:host` is read as `scheme://host`.
#[test]
fn opaque_form_is_rewritten() {
    let access = ok("ipmi:192.168.122.1:6233", &REAL);
    assert_eq!(access.driver_info(&creds())["ipmi_port"], "6233");
    assert_eq!(
        info("redfish:192.168.122.1", &REAL)["redfish_address"],
        "https://192.168.122.1"
    );
    // The rewrite also catches a DNS name with a port: its name reads as a scheme (upstream
    // does the same; users write ipmi://name:port).
    assert_eq!(
        err("bmc.example.com:623", &REAL),
        "Unknown BMC type 'bmc.example.com' for address bmc.example.com:623"
    );
}

/// §3.1: `?privilegelevel=`, read as Go's `url.ParseQuery` reads it.
#[test]
fn ipmi_privilege_level() {
    for (address, level) in [
        ("ipmi://192.168.122.1?privilegelevel=OPERATOR", "OPERATOR"),
        ("ipmi://192.168.122.1:623/?x=1&privilegelevel=USER", "USER"),
        ("ipmi://192.168.122.1?privilegelevel=", ""),
        (
            "ipmi://192.168.122.1?privilegelevel=OPERATOR;x",
            "ADMINISTRATOR",
        ),
        (
            "ipmi://192.168.122.1?x=%zz&privilegelevel=USER",
            "ADMINISTRATOR",
        ),
        ("ipmi:192.168.122.1?privilegelevel=CALLBACK", "CALLBACK"),
    ] {
        assert_eq!(info(address, &REAL)["ipmi_priv_level"], level, "{address}");
    }
}

/// Item 57 and §3.1: the path is the system ID unless empty or `redfish/v1`, except for
/// redfish-uefihttp; the address is `<protocol>://host[:port]`.
#[test]
#[rustfmt::skip]
fn checklist_57_redfish_address_and_system_id() {
    for (address, redfish_address, system_id) in [
        ("redfish://192.168.122.1/redfish/v1/foo/bar",         "https://192.168.122.1",      Some("/redfish/v1/foo/bar")),
        ("redfish+http://192.168.122.1/foo/bar",               "http://192.168.122.1",       Some("/foo/bar")),
        ("redfish+https://192.168.122.1/foo/bar",              "https://192.168.122.1",      Some("/foo/bar")),
        ("redfish://192.168.122.1:8080/foo/bar",               "https://192.168.122.1:8080", Some("/foo/bar")),
        ("redfish://bmc.example.com/Systems/1?x=y#frag",       "https://bmc.example.com",    Some("/Systems/1")),
        ("redfish://192.168.122.1/a%20b",                      "https://192.168.122.1",      Some("/a b")),
        ("redfish://192.168.122.1",                            "https://192.168.122.1",      None),
        ("redfish+https://192.168.122.1/",                     "https://192.168.122.1",      None),
        ("redfish+https://192.168.122.1/redfish/v1/",          "https://192.168.122.1",      None),
        ("redfish://192.168.122.1/redfish/v1",                 "https://192.168.122.1",      None),
        ("redfish-virtualmedia://192.168.122.1/redfish/v1/",   "https://192.168.122.1",      None),
        ("idrac-virtualmedia://192.168.122.1/redfish/v1/",     "https://192.168.122.1",      None),
        ("redfish-uefihttp://192.168.122.1/redfish/v1",        "https://192.168.122.1",      Some("/redfish/v1")),
        ("redfish-uefihttp+http://192.168.122.1",              "http://192.168.122.1",       Some("")),
        // Credentials written into the URL are not sent anywhere.
        ("redfish://user:pass@192.168.122.1/Systems/1",        "https://192.168.122.1",      Some("/Systems/1")),
    ] {
        let info = info(address, &REAL);
        assert_eq!(info["redfish_address"], redfish_address, "{address}");
        assert_eq!(
            info.get("redfish_system_id").and_then(Value::as_str),
            system_id,
            "{address}"
        );
    }
}

/// Item 58: IPv6 in brackets, with and without port and scheme.
#[test]
fn checklist_58_ipv6() {
    let v6 = "fe80::fc33:62ff:fe83:8a76";
    for (address, port) in [
        (format!("[{v6}]:6233"), "6233"),
        (format!("ipmi://[{v6}]"), "623"),
        (format!("ipmi://[{v6}]:6233"), "6233"),
        (format!("ipmi:[{v6}]:6233"), "6233"),
    ] {
        let info = info(&address, &REAL);
        assert_eq!(info["ipmi_address"], v6, "{address}");
        assert_eq!(info["ipmi_port"], port, "{address}");
    }
    for (address, redfish_address) in [
        (
            format!("redfish://[{v6}]/foo/bar"),
            format!("https://[{v6}]"),
        ),
        (
            format!("redfish://[{v6}]:8080/foo"),
            format!("https://[{v6}]:8080"),
        ),
        (
            "redfish://[::ffff:192.168.1.1]".into(),
            "https://[::ffff:192.168.1.1]".into(),
        ),
    ] {
        assert_eq!(
            info(&address, &REAL)["redfish_address"],
            redfish_address.as_str()
        );
    }
    assert_eq!(ok(&format!("redfish://[{v6}]:8080"), &REAL).hostname(), v6);

    // Without a scheme a bracketed address needs a port; unbracketed IPv6 is never read.
    let bracketed = format!("[{v6}]");
    for (address, want) in [
        (
            bracketed.as_str(),
            go_error(&bracketed, "first path segment in URL cannot contain colon"),
        ),
        (
            v6,
            go_error(
                "fe80://:fc33:62ff:fe83:8a76",
                r#"invalid port ":8a76" after host"#,
            ),
        ),
        (
            "2001:db8::1",
            go_error(
                "2001:db8::1",
                "first path segment in URL cannot contain colon",
            ),
        ),
        (
            "[fe80::fc33:62ff:fe33:8xff]:6223",
            invalid_host("fe80::fc33:62ff:fe33:8xff"),
        ),
        ("redfish://[fe80::1%25eth0]/x", invalid_host("fe80::1%eth0")),
        (
            "redfish://[192.168.1.1]",
            go_error("redfish://[192.168.1.1]", "invalid IP-literal"),
        ),
        (
            "redfish://[fe80::1",
            go_error("redfish://[fe80::1", "missing ']' in host"),
        ),
        (
            "redfish://[fe80::g]:80",
            go_error(
                "redfish://[fe80::g]:80",
                r#"invalid host: ParseAddr("fe80::g"): each colon-separated field must have at least one digit (at "g")"#,
            ),
        ),
    ] {
        assert_eq!(err(address, &REAL), want, "{address}");
    }
}

/// Item 61: `disableCertificateVerification` adds `*_verify_ca: false`, and only then.
#[test]
fn checklist_61_verify_ca() {
    for (address, key) in [
        ("ipmi://192.168.122.1", "ipmi_verify_ca"),
        ("192.168.122.1", "ipmi_verify_ca"),
        ("libvirt://192.168.122.1", "ipmi_verify_ca"),
        ("redfish://192.168.122.1", "redfish_verify_ca"),
        (
            "idrac-virtualmedia+http://192.168.122.1",
            "redfish_verify_ca",
        ),
        ("redfish-uefihttp://192.168.122.1", "redfish_verify_ca"),
    ] {
        assert_eq!(info(address, &NO_VERIFY)[key], false, "{address}");
        assert_eq!(info(address, &REAL).get(key), None, "{address}");
    }
}

/// Items 62 and 63 rest on these flags; §6.1's webhook messages name the scheme.
#[test]
fn checklist_62_63_capabilities_by_scheme() {
    let ipmi = ok("ipmi://192.168.122.1", &REAL);
    let redfish = ok("redfish://192.168.122.1", &REAL);
    let virtual_media = ok("redfish-virtualmedia://192.168.122.1", &REAL);
    assert!(ipmi.requires_provisioning_network() && redfish.requires_provisioning_network());
    assert!(!virtual_media.requires_provisioning_network());
    assert!(!ipmi.supports_secure_boot() && redfish.supports_secure_boot());
}

/// §4.4: the mode-dependent interfaces of real schemes.
#[test]
fn inspect_and_deploy_interfaces() {
    let redfish = ok("redfish://192.168.122.1", &REAL);
    let ipmi = ok("ipmi://192.168.122.1", &REAL);
    assert_eq!(redfish.inspect_interface(false), Some("agent"));
    assert_eq!(redfish.inspect_interface(true), Some("redfish"));
    assert_eq!(ipmi.inspect_interface(false), Some("agent"));
    assert_eq!(ipmi.inspect_interface(true), None);
    assert_eq!(redfish.deploy_interface(DeployMethod::Image), None);
    assert_eq!(
        redfish.deploy_interface(DeployMethod::LiveIso),
        Some("ramdisk")
    );
    assert_eq!(
        ipmi.deploy_interface(DeployMethod::CustomDeploy),
        Some("custom-agent")
    );
}

/// Item 95 and §6.1: every refusal, in upstream's words.
#[test]
#[rustfmt::skip]
fn checklist_95_errors() {
    assert_eq!(err("", &REAL), "missing BMC address");
    for (address, bmc_type) in [
        ("foo://192.168.122.1",         "foo"),
        ("FOO://192.168.122.1",         "foo"),
        ("ipmi+https://192.168.122.1",  "ipmi+https"),
        ("redfish+ftp://192.168.122.1", "redfish+ftp"),
        ("//192.168.122.1",             ""),
        // Removed from upstream (§3.5).
        ("idrac://192.168.122.1",       "idrac"),
        ("irmc://192.168.122.1",        "irmc"),
    ] {
        let want = format!("Unknown BMC type '{bmc_type}' for address {address}");
        assert_eq!(err(address, &REAL), want);
    }
    for (address, want) in [
        ("my-.examplehost.com",              invalid_host("my-.examplehost.com")),
        ("redfish://my_bmc/x",               invalid_host("my_bmc")),
        ("192.168.1.1:623/x",                invalid_host("192.168.1.1:623/x")),
        ("redfish://192.168.122.1:abc/x",    go_error("redfish://192.168.122.1:abc/x", r#"invalid port ":abc" after host"#)),
        ("redfish://us er:pw@192.168.122.1", go_error("redfish://us er:pw@192.168.122.1", "net/url: invalid userinfo")),
        ("redfish://192.168.122.1:8000/%zz", go_error("redfish://192.168.122.1:8000/%zz", r#"invalid URL escape "%zz""#)),
        ("redfish://bmc one:8000",           go_error("redfish://bmc one:8000", r#"invalid character " " in host name"#)),
        ("ipmi://bmc:623\n",                 go_error("ipmi://bmc:623\n", "net/url: invalid control character in URL")),
        // With a single colon, `net.SplitHostPort` accepts what Go's URL parser refused, so
        // upstream reads the whole address as an IPMI host and reports that host instead.
        ("redfish://192.168.122.1/%zz",      invalid_host("redfish://192.168.122.1/%zz")),
        ("redfish://bmc one",                invalid_host("redfish://bmc one")),
    ] {
        assert_eq!(err(address, &REAL), want, "{address:?}");
    }
}

/// Upstream quirks kept on purpose (docs/bmc.md): an empty host passes the check.
#[test]
fn empty_host_is_accepted_as_upstream() {
    assert_eq!(info("ipmi://", &REAL)["ipmi_address"], "");
    assert_eq!(
        info("redfish:///redfish/v1/Systems/1", &REAL)["redfish_address"],
        "https://"
    );
}

#[test]
fn fake_hardware_needs_the_flag() {
    for address in [
        "fake-hardware://node-0",
        "fake-hardware+redfish+http://127.0.0.1:8000/redfish/v1/Systems/abc",
        "fake-hardware+redfish+https://127.0.0.1:8000/redfish/v1/Systems/abc",
    ] {
        let scheme = address.split("://").next().unwrap_or_default();
        assert_eq!(
            err(address, &REAL),
            format!(
                "BMC type '{scheme}' for address {address} is for test beds only: start capm3 with --enable-fake-hardware to allow it"
            )
        );
        assert!(ok(address, &TEST_BED).is_fake_hardware());
    }
    // The flag does not turn unknown schemes into fake ones.
    assert_eq!(
        err("fake-hardware+http://node-0", &TEST_BED),
        "Unknown BMC type 'fake-hardware+http' for address fake-hardware+http://node-0"
    );
}

#[test]
fn fake_hardware_is_fake_throughout() {
    let access = ok("fake-hardware://node-0", &TEST_BED);
    let fake = Some("fake");
    assert_eq!(access.driver(), "fake-hardware");
    assert_eq!(
        access.interfaces(),
        Interfaces {
            bios: fake,
            boot: fake,
            console: fake,
            deploy: fake,
            firmware: fake,
            inspect: fake,
            management: fake,
            power: fake,
            raid: fake,
            vendor: fake,
        }
    );
    assert_eq!(access.inspect_interface(false), fake);
    assert_eq!(access.inspect_interface(true), fake);
    assert_eq!(access.deploy_interface(DeployMethod::Image), fake);
    assert_eq!(access.deploy_interface(DeployMethod::LiveIso), fake);
    assert!(access.driver_info(&creds()).is_empty());
    assert!(!access.needs_mac() && !access.requires_provisioning_network());
    assert!(access.supports_hardware_raid() && access.supports_fast_inspect());
    // The name is a label: it must still be a valid host name.
    assert_eq!(
        err("fake-hardware://node_0", &TEST_BED),
        "failed to parse BMC address information: BMC address hostname/IP : [node_0] is invalid"
    );
}

#[test]
fn fake_hardware_redfish_drives_power_and_management_only() {
    let address = "fake-hardware+redfish+http://127.0.0.1:8000/redfish/v1/Systems/abc";
    let access = ok(address, &TEST_BED);
    let interfaces = access.interfaces();
    assert_eq!(access.driver(), "fake-hardware");
    assert_eq!(access.bmc_type(), "fake-hardware+redfish+http");
    assert_eq!(
        (interfaces.power, interfaces.management),
        (Some("redfish"), Some("redfish"))
    );
    assert_eq!(
        (interfaces.boot, interfaces.deploy, interfaces.inspect),
        (Some("fake"), Some("fake"), Some("fake"))
    );
    assert_eq!(access.inspect_interface(false), Some("fake"));
    // Ironic 39.0.0 needs redfish_verify_ca: false (docs/DESIGN "Real Ironic in tests").
    let want = json!({
        "redfish_address": "http://127.0.0.1:8000",
        "redfish_system_id": "/redfish/v1/Systems/abc",
        "redfish_username": "admin",
        "redfish_password": "s3cret",
        "redfish_verify_ca": false,
    });
    assert_eq!(info(address, &TEST_BED), want);
    let https = "fake-hardware+redfish+https://127.0.0.1:8000/redfish/v1/Systems/abc";
    assert_eq!(
        info(https, &TEST_BED)["redfish_address"],
        "https://127.0.0.1:8000"
    );
}

#[test]
fn credentials_stay_out_of_debug_output() {
    let shown = format!("{:?}", creds());
    assert!(
        !shown.contains("s3cret") && !shown.contains("admin"),
        "{shown}"
    );
    let access = ok("redfish://user:pw-in-url@192.168.122.1", &REAL);
    assert!(!format!("{access:?}").contains("pw-in-url"));
}

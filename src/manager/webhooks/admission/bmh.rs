//! The BareMetalHost admission rules that the CRD schema cannot state (bmo reference §6): the
//! BMC address and what its driver supports, the boot MAC, the image URL, the annotations,
//! Secret references, inspection and power settings, and what may change on update. The name,
//! firmware, checksum, root device hint and RAID layout rules are CEL rules in the CRD.
//!
//! Upstream's webhook returns plain Go errors, aggregated; so does this one (a 403 listing
//! them), with upstream's messages.

use serde_json::Value;

use super::{KindWebhooks, Naming, Request, Verdict};
use crate::api::bmo::v1alpha1::{BareMetalHost, BareMetalHostSpec, BootMode, InspectionMode};
use crate::bmc::{self, AccessDetails, ParseOptions};
use crate::bmo::annotations;

/// Image URL schemes Ironic can fetch from.
const IMAGE_SCHEMES: [&str; 5] = ["http", "https", "ftp", "gopher", "oci"];

pub fn webhooks() -> Vec<KindWebhooks> {
    vec![KindWebhooks::of::<BareMetalHost>(validate, None).named(Naming::Bare)]
}

fn validate(request: &Request) -> Verdict {
    let denials = match spec_of(request.object) {
        Ok(spec) => {
            let mut denials = on_create(request, &spec);
            if let Some(old) = request.old_object {
                match spec_of(old) {
                    Ok(old_spec) => denials.extend(on_update(request.object, &old_spec, &spec)),
                    Err(error) => denials.push(error),
                }
            }
            denials
        }
        Err(error) => vec![error],
    };
    Verdict {
        denials,
        ..Verdict::default()
    }
}

fn spec_of(object: &Value) -> Result<BareMetalHostSpec, String> {
    serde_json::from_value(object["spec"].clone())
        .map_err(|error| format!("invalid BareMetalHost spec: {error}"))
}

/// The rules for every create and update.
fn on_create(request: &Request, spec: &BareMetalHostSpec) -> Vec<String> {
    let mut denials = Vec::new();
    let annotations = Annotations(&request.object["metadata"]["annotations"]);
    let access = match spec.bmc.as_ref().filter(|bmc| !bmc.address.is_empty()) {
        Some(details) => {
            let options = ParseOptions {
                disable_certificate_verification: details
                    .disable_certificate_verification
                    .unwrap_or(false),
                allow_fake_hardware: request.settings.allow_fake_hardware,
            };
            bmc::parse(&details.address, &options)
                .map_err(|error| denials.push(error.to_string()))
                .ok()
        }
        None => None,
    };
    denials.extend(cross_namespace_secrets(request, spec));
    if let Some(access) = &access {
        denials.extend(driver_support(spec, &annotations, access));
    }
    if let Some(mac) = spec
        .boot_mac_address
        .as_deref()
        .filter(|mac| !mac.is_empty())
        && !is_go_mac(mac)
    {
        denials.push(format!("address {mac}: invalid MAC address"));
    }
    if let Some(image) = &spec.image {
        denials.extend(image_url(&image.url).err());
    }
    denials.extend(annotation_values(&annotations, spec));
    if annotations.inspect_disabled()
        && spec
            .inspection_mode
            .is_some_and(|mode| mode != InspectionMode::Disabled)
    {
        denials.push(
            "inspect.metal3.io annotation and inspectionMode field have contradicting values"
                .to_owned(),
        );
    }
    if spec.disable_power_off == Some(true) && !spec.online {
        denials.push(
            "node can't simultaneously have online set to false and have power off disabled"
                .to_owned(),
        );
    }
    denials.extend(network_interfaces(spec));
    denials
}

/// The rules comparing an update with the stored host.
fn on_update(object: &Value, old: &BareMetalHostSpec, new: &BareMetalHostSpec) -> Vec<String> {
    let mut denials = Vec::new();
    let status = &object["status"];
    let state = status["provisioning"]["state"].as_str().unwrap_or_default();
    let address = |spec: &BareMetalHostSpec| {
        spec.bmc
            .as_ref()
            .map(|bmc| bmc.address.clone())
            .unwrap_or_default()
    };
    let (old_address, new_address) = (address(old), address(new));
    if !old_address.is_empty()
        && new_address != old_address
        && status["operationalStatus"] != "detached"
        && state != "registering"
    {
        denials.push(
            "BMC address can not be changed if the BMH is not in the Registering state, \
             or if the BMH is not detached"
                .to_owned(),
        );
    }
    let old_mac = old.boot_mac_address.as_deref().unwrap_or_default();
    let new_mac = new.boot_mac_address.as_deref().unwrap_or_default();
    if !old_mac.is_empty() && !new_mac.eq_ignore_ascii_case(old_mac) {
        denials.push("bootMACAddress can not be changed once it is set".to_owned());
    }
    let enabled = |spec: &BareMetalHostSpec| spec.externally_provisioned == Some(true);
    if enabled(new) && !enabled(old) && state != "available" {
        denials.push(format!(
            "externallyProvisioned can only be enabled when in Available state, currently in {state}"
        ));
    }
    denials
}

fn cross_namespace_secrets(request: &Request, spec: &BareMetalHostSpec) -> Vec<String> {
    [
        ("userData", &spec.user_data),
        ("networkData", &spec.network_data),
        ("metaData", &spec.meta_data),
    ]
    .into_iter()
    .filter(|(_, reference)| {
        reference
            .as_ref()
            .and_then(|reference| reference.namespace.as_deref())
            .is_some_and(|namespace| !namespace.is_empty() && namespace != request.namespace)
    })
    .map(|(field, _)| {
        format!(
            "baremetalhosts.metal3.io \"{}\" is forbidden: {field}: cross-namespace Secret \
             references are not allowed",
            request.name
        )
    })
    .collect()
}

/// What the BMC's driver cannot do.
fn driver_support(
    spec: &BareMetalHostSpec,
    annotations: &Annotations,
    access: &AccessDetails,
) -> Vec<String> {
    let driver = access.bmc_type();
    let mut denials = Vec::new();
    let hardware_raid = spec
        .raid
        .as_ref()
        .and_then(|raid| raid.hardware_raid_volumes.as_ref())
        .is_some_and(|volumes| !volumes.is_empty());
    if hardware_raid && !access.supports_hardware_raid() {
        denials.push(format!(
            "BMC driver {driver} does not support configuring RAID"
        ));
    }
    let inspection_disabled =
        spec.inspection_mode == Some(InspectionMode::Disabled) || annotations.inspect_disabled();
    let no_mac = spec
        .boot_mac_address
        .as_deref()
        .unwrap_or_default()
        .is_empty();
    if (access.needs_mac() || inspection_disabled) && no_mac {
        denials.push(format!(
            "BMC driver {driver} requires a BootMACAddress value"
        ));
    }
    if spec.boot_mode == Some(BootMode::UefiSecureBoot) && !access.supports_secure_boot() {
        denials.push(format!("BMC driver {driver} does not support secure boot"));
    }
    if spec.inspection_mode == Some(InspectionMode::Fast) && !access.supports_fast_inspect() {
        denials.push(format!(
            "BMC driver {driver} does not support fast (out-of-band) inspection"
        ));
    }
    denials
}

fn image_url(url: &str) -> Result<(), String> {
    let invalid = |reason: String| format!("image URL {url} is invalid: {reason}");
    let scheme = bmc::gourl::parse_request_uri(url).map_err(invalid)?;
    if IMAGE_SCHEMES.contains(&scheme.as_str()) {
        Ok(())
    } else {
        Err(invalid(format!(
            "invalid scheme in URL, \"{scheme}\" not allowed"
        )))
    }
}

fn annotation_values(annotations: &Annotations, spec: &BareMetalHostSpec) -> Vec<String> {
    let Some(map) = annotations.0.as_object() else {
        return Vec::new();
    };
    let mut denials = Vec::new();
    for (key, value) in map {
        let value = value.as_str().unwrap_or_default();
        let checked = match key.as_str() {
            annotations::STATUS if !value.is_empty() => annotations::decode_status(value).map(drop),
            annotations::INSPECT => annotations::check_inspect(value),
            annotations::HARDWARE_DETAILS if !value.is_empty() => {
                if annotations.inspect_disabled()
                    || spec.inspection_mode == Some(InspectionMode::Disabled)
                {
                    annotations::decode_hardware_details(value).map(drop)
                } else {
                    Err(
                        "when hardware details are provided, inspection must be disabled \
                         (either via inspect.metal3.io annotation or inspectionMode field)"
                            .to_owned(),
                    )
                }
            }
            key if annotations::is_reboot(key) => annotations::parse_reboot(value).map(drop),
            _ => Ok(()),
        };
        denials.extend(checked.err());
    }
    denials
}

fn network_interfaces(spec: &BareMetalHostSpec) -> Vec<String> {
    let mut denials = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for interface in spec.network_interfaces.iter().flatten() {
        let name = interface.name.as_deref().filter(|n| !n.is_empty());
        let mac = interface.mac_address.as_deref().filter(|m| !m.is_empty());
        let selector = match (name, mac) {
            (None, None) => {
                denials.push("must specify either name or macAddress".to_owned());
                continue;
            }
            (Some(_), Some(_)) => {
                denials.push("name and macAddress are mutually exclusive".to_owned());
                continue;
            }
            (Some(selector), None) | (None, Some(selector)) => selector,
        };
        if !seen.insert(selector.to_lowercase()) {
            denials.push(format!("duplicate interface selector for \"{selector}\""));
        }
    }
    denials
}

/// The host's annotations (a JSON object, or null when it has none).
struct Annotations<'a>(&'a Value);

impl Annotations<'_> {
    /// `inspect.metal3.io: disabled`, the legacy form of `inspectionMode: disabled`.
    fn inspect_disabled(&self) -> bool {
        self.0[annotations::INSPECT] == "disabled"
    }
}

/// Go's `net.ParseMAC`: 6, 8 or 20 octets, as `xx:xx…`, `xx-xx…` or `xxxx.xxxx…`.
fn is_go_mac(text: &str) -> bool {
    let valid_count = |octets: usize| matches!(octets, 6 | 8 | 20);
    let hex = |part: &str, width: usize| {
        part.len() == width && part.bytes().all(|b| b.is_ascii_hexdigit())
    };
    if text.len() < 14 {
        return false;
    }
    for separator in [':', '-'] {
        if text.as_bytes()[2] == separator as u8 {
            let parts: Vec<&str> = text.split(separator).collect();
            return valid_count(parts.len()) && parts.iter().all(|part| hex(part, 2));
        }
    }
    if text.as_bytes()[4] == b'.' {
        let parts: Vec<&str> = text.split('.').collect();
        return valid_count(parts.len() * 2) && parts.iter().all(|part| hex(part, 4));
    }
    false
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::Settings;
    use super::*;

    const SETTINGS: Settings = Settings {
        allow_fake_hardware: false,
    };

    fn host(spec: Value, annotations: Value) -> Value {
        json!({"metadata": {"name": "worker-0", "namespace": "metal3", "annotations": annotations},
               "spec": spec})
    }

    fn redfish(extra: Value) -> Value {
        let mut spec = json!({"online": true, "bmc": {
            "address": "redfish-virtualmedia://192.168.111.1:8000/redfish/v1/Systems/1",
            "credentialsName": "worker-0-bmc"}});
        json_patch::merge(&mut spec, &extra);
        spec
    }

    fn denials(object: &Value, old: Option<&Value>) -> Vec<String> {
        let request = Request {
            namespace: "metal3",
            name: "worker-0",
            object,
            old_object: old,
            settings: &SETTINGS,
        };
        validate(&request).denials
    }

    fn one(spec: Value, annotations: Value) -> String {
        let found = denials(&host(spec, annotations), None);
        assert_eq!(found.len(), 1, "{found:?}");
        found[0].clone()
    }

    #[test]
    fn a_plain_host_is_admitted() {
        assert_eq!(
            denials(&host(redfish(json!({})), json!(null)), None),
            Vec::<String>::new()
        );
    }

    #[test]
    fn bmc_addresses() {
        assert_eq!(
            one(
                redfish(json!({"bmc": {"address": "foo://1.2.3.4"}})),
                json!(null)
            ),
            "Unknown BMC type 'foo' for address foo://1.2.3.4"
        );
        assert_eq!(
            one(
                redfish(json!({"bmc": {"address": "ipmi://host_name"}})),
                json!(null)
            ),
            "failed to parse BMC address information: BMC address hostname/IP : [host_name] is invalid"
        );
    }

    #[test]
    fn driver_capabilities() {
        let ipmi = |mut extra: Value| {
            json_patch::merge(&mut extra, &json!({"bmc": {"address": "ipmi://10.0.0.1"}}));
            redfish(extra)
        };
        assert_eq!(
            one(
                ipmi(json!({"raid": {"hardwareRAIDVolumes": [{"level": "1"}]}})),
                json!(null)
            ),
            "BMC driver ipmi does not support configuring RAID"
        );
        assert_eq!(
            one(ipmi(json!({"bootMode": "UEFISecureBoot"})), json!(null)),
            "BMC driver ipmi does not support secure boot"
        );
        assert_eq!(
            one(ipmi(json!({"inspectionMode": "fast"})), json!(null)),
            "BMC driver ipmi does not support fast (out-of-band) inspection"
        );
        assert_eq!(
            one(
                redfish(json!({"bmc": {"address": "libvirt://10.0.0.1"}})),
                json!(null)
            ),
            "BMC driver libvirt requires a BootMACAddress value"
        );
        assert_eq!(
            one(redfish(json!({"inspectionMode": "disabled"})), json!(null)),
            "BMC driver redfish-virtualmedia requires a BootMACAddress value"
        );
        assert_eq!(
            one(redfish(json!({})), json!({"inspect.metal3.io": "disabled"})),
            "BMC driver redfish-virtualmedia requires a BootMACAddress value"
        );
    }

    #[test]
    fn boot_mac_addresses() {
        for good in [
            "00:11:22:33:44:55",
            "00-11-22-33-44-55",
            "0011.2233.4455",
            "00:11:22:33:44:55:66:77",
        ] {
            assert!(is_go_mac(good), "{good}");
        }
        for bad in [
            "00:11:22:33:44",
            "00:11:22:33:44:55:66",
            "0g:11:22:33:44:55",
            "001122334455",
        ] {
            assert!(!is_go_mac(bad), "{bad}");
        }
        assert_eq!(
            one(
                redfish(json!({"bootMACAddress": "00:11:22:33:44:55:66"})),
                json!(null)
            ),
            "address 00:11:22:33:44:55:66: invalid MAC address"
        );
    }

    #[test]
    fn image_urls() {
        let image = |url: &str| redfish(json!({"image": {"url": url, "checksum": "abc"}}));
        assert!(denials(&host(image("http://example.com/a.img"), json!(null)), None).is_empty());
        assert!(denials(&host(image("oci://quay.io/os:1"), json!(null)), None).is_empty());
        assert_eq!(
            one(image("file:///images/a.img"), json!(null)),
            "image URL file:///images/a.img is invalid: invalid scheme in URL, \"file\" not allowed"
        );
        assert_eq!(
            one(image("example.com/a.img"), json!(null)),
            "image URL example.com/a.img is invalid: parse \"example.com/a.img\": invalid URI for request"
        );
    }

    #[test]
    fn annotations_are_checked() {
        assert_eq!(
            one(
                redfish(json!({})),
                json!({"reboot.metal3.io/remediation": "{\"mode\":\"off\"}"})
            ),
            r#"invalid mode in the reboot.metal3.io annotation, allowed are "hard", "soft" or """#
        );
        assert_eq!(
            one(redfish(json!({})), json!({"inspect.metal3.io": "now"})),
            r#"invalid value for the inspect.metal3.io annotation, allowed are "disabled" or """#
        );
        assert_eq!(
            one(
                redfish(json!({})),
                json!({"baremetalhost.metal3.io/status": "{\"operationalStatus\":\"busy\"}"})
            ),
            "invalid operationalStatus 'busy' in the baremetalhost.metal3.io/status annotation"
        );
        assert_eq!(
            one(
                redfish(json!({})),
                json!({"inspect.metal3.io/hardwaredetails": "{}"})
            ),
            "when hardware details are provided, inspection must be disabled (either via \
             inspect.metal3.io annotation or inspectionMode field)"
        );
        let disabled =
            redfish(json!({"inspectionMode": "disabled", "bootMACAddress": "00:11:22:33:44:55"}));
        assert!(
            denials(
                &host(
                    disabled,
                    json!({"inspect.metal3.io/hardwaredetails": "{\"ramMebibytes\":1024}"})
                ),
                None
            )
            .is_empty()
        );
    }

    #[test]
    fn inspection_contradiction() {
        assert_eq!(
            one(
                redfish(json!({"inspectionMode": "agent", "bootMACAddress": "00:11:22:33:44:55"})),
                json!({"inspect.metal3.io": "disabled"})
            ),
            "inspect.metal3.io annotation and inspectionMode field have contradicting values"
        );
    }

    #[test]
    fn cross_namespace_secrets_are_forbidden() {
        let found = denials(
            &host(
                redfish(json!({"userData": {"name": "u", "namespace": "other"},
                               "networkData": {"name": "n", "namespace": "metal3"},
                               "metaData": {"name": "m", "namespace": "other"}})),
                json!(null),
            ),
            None,
        );
        assert_eq!(
            found,
            [
                "baremetalhosts.metal3.io \"worker-0\" is forbidden: userData: cross-namespace Secret references are not allowed",
                "baremetalhosts.metal3.io \"worker-0\" is forbidden: metaData: cross-namespace Secret references are not allowed",
            ]
        );
    }

    #[test]
    fn power_off_disabled_needs_online() {
        assert_eq!(
            one(
                redfish(json!({"online": false, "disablePowerOff": true})),
                json!(null)
            ),
            "node can't simultaneously have online set to false and have power off disabled"
        );
    }

    #[test]
    fn network_interface_selectors() {
        let found = denials(
            &host(
                redfish(json!({"networkInterfaces": [
                    {}, {"name": "eth0", "macAddress": "00:11:22:33:44:55"},
                    {"macAddress": "AA:BB:CC:DD:EE:FF"}, {"macAddress": "aa:bb:cc:dd:ee:ff"}]})),
                json!(null),
            ),
            None,
        );
        assert_eq!(
            found,
            [
                "must specify either name or macAddress",
                "name and macAddress are mutually exclusive",
                "duplicate interface selector for \"aa:bb:cc:dd:ee:ff\"",
            ]
        );
    }

    #[test]
    fn update_rules() {
        let stored = |state: &str, operational: &str, spec: Value| {
            let mut object = host(spec, json!(null));
            object["status"] =
                json!({"operationalStatus": operational, "provisioning": {"state": state}});
            object
        };
        let old = stored(
            "available",
            "OK",
            redfish(json!({"bootMACAddress": "00:11:22:33:44:55"})),
        );
        let moved = redfish(
            json!({"bmc": {"address": "redfish://10.0.0.9/redfish/v1/Systems/1"},
                                   "bootMACAddress": "00:11:22:33:44:55"}),
        );
        assert_eq!(
            denials(&stored("available", "OK", moved.clone()), Some(&old)),
            [
                "BMC address can not be changed if the BMH is not in the Registering state, or if the BMH is not detached"
            ]
        );
        assert!(denials(&stored("registering", "OK", moved.clone()), Some(&old)).is_empty());
        assert!(denials(&stored("available", "detached", moved), Some(&old)).is_empty());

        let upper = redfish(json!({"bootMACAddress": "00:11:22:33:44:AA"}));
        let lower = stored(
            "available",
            "OK",
            redfish(json!({"bootMACAddress": "00:11:22:33:44:aa"})),
        );
        assert!(denials(&stored("available", "OK", upper), Some(&lower)).is_empty());
        assert_eq!(
            denials(
                &stored(
                    "available",
                    "OK",
                    redfish(json!({"bootMACAddress": "00:11:22:33:44:66"}))
                ),
                Some(&old)
            ),
            ["bootMACAddress can not be changed once it is set"]
        );

        let external =
            redfish(json!({"bootMACAddress": "00:11:22:33:44:55", "externallyProvisioned": true}));
        assert!(denials(&stored("available", "OK", external.clone()), Some(&old)).is_empty());
        assert_eq!(
            denials(&stored("provisioned", "OK", external), Some(&old)),
            [
                "externallyProvisioned can only be enabled when in Available state, currently in provisioned"
            ]
        );
    }
}

//! What a new node is created with (upstream's `enrollNode`, reference §4.4) and the
//! settings registration keeps in sync: boot-mode capabilities and deploy images.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::Config;
use super::instance_info::deploy_method;
use super::lookup::node_name;
use super::patch::NodePatch;
use crate::api::bmo::v1alpha1::{AutomatedCleaningMode, BootMode, InspectionMode};
use crate::bmc::AccessDetails;
use crate::bmo::provisioner::HostData;
use crate::ironic::{Node, NodeCreate};

/// `properties.capabilities`: the boot mode replaces any `boot_mode` and `secure_boot`
/// entries, other capabilities (set by operators or inspection) are kept.
pub(super) fn capabilities(existing: Option<&str>, boot_mode: BootMode) -> String {
    let mut kept: Vec<&str> = existing
        .unwrap_or_default()
        .split(',')
        .filter(|c| !c.is_empty() && !c.starts_with("boot_mode:") && !c.starts_with("secure_boot:"))
        .collect();
    kept.push(match boot_mode {
        BootMode::Uefi => "boot_mode:uefi",
        BootMode::UefiSecureBoot => "boot_mode:uefi,secure_boot:true",
        BootMode::Legacy => "boot_mode:bios",
    });
    kept.join(",")
}

/// `properties.capabilities` and `properties.cpu_arch`.
pub(super) fn set_boot_properties(
    patch: &mut NodePatch,
    node: &Node,
    boot_mode: BootMode,
    cpu_arch: Option<&str>,
) {
    let existing = node
        .properties
        .as_ref()
        .and_then(|props| props.get("capabilities"))
        .and_then(Value::as_str);
    patch.set(
        "/properties/capabilities",
        Some(json!(capabilities(existing, boot_mode))),
    );
    if let Some(arch) = cpu_arch {
        patch.set("/properties/cpu_arch", Some(json!(arch)));
    }
}

/// The deploy ramdisk the node boots: an ISO for virtual-media drivers when one is
/// configured, else the kernel and ramdisk (upstream's `setDeployImage` without a
/// preprovisioning-image builder). `None` when nothing usable is configured.
pub(super) fn deploy_images(config: &Config, iso_capable: bool) -> Option<Map<String, Value>> {
    let keys = |kernel: Option<&String>, ramdisk: Option<&String>, iso: Option<&String>| {
        [
            ("deploy_kernel", kernel),
            ("deploy_ramdisk", ramdisk),
            ("deploy_iso", iso),
            ("kernel_append_params", None),
        ]
        .into_iter()
        .map(|(key, url)| (key.to_owned(), url.map_or(Value::Null, |u| json!(u))))
        .collect()
    };
    match (
        &config.deploy_iso_url,
        &config.deploy_kernel_url,
        &config.deploy_ramdisk_url,
    ) {
        (Some(iso), _, _) if iso_capable => Some(keys(None, None, Some(iso))),
        (_, Some(kernel), Some(ramdisk)) => Some(keys(Some(kernel), Some(ramdisk), None)),
        _ => None,
    }
}

/// The body of `POST /v1/nodes` for a host.
pub(super) fn node_create(host: &HostData, access: &AccessDetails) -> NodeCreate {
    let interfaces = access.interfaces();
    let method = deploy_method(host.current_image.as_ref(), host.has_custom_deploy);
    let fast = host.inspection_mode == InspectionMode::Fast;
    let mut properties = Map::new();
    properties.insert(
        "capabilities".into(),
        json!(capabilities(None, host.boot_mode)),
    );
    if let Some(arch) = &host.cpu_architecture {
        properties.insert("cpu_arch".into(), json!(arch));
    }
    NodeCreate {
        name: node_name(&host.namespace, &host.name),
        driver: access.driver().to_owned(),
        driver_info: access.driver_info(&host.credentials),
        interfaces: [
            ("bios_interface", interfaces.bios),
            ("boot_interface", interfaces.boot),
            ("console_interface", interfaces.console),
            ("deploy_interface", access.deploy_interface(method)),
            ("firmware_interface", interfaces.firmware),
            ("inspect_interface", access.inspect_interface(fast)),
            ("management_interface", interfaces.management),
            ("power_interface", interfaces.power),
            ("raid_interface", interfaces.raid),
            ("vendor_interface", interfaces.vendor),
        ]
        .into_iter()
        .filter_map(|(key, value)| Some((key.to_owned(), value?.to_owned())))
        .collect::<BTreeMap<_, _>>(),
        properties,
        // Older Ironic refuses the field; registration refuses the host before it matters.
        disable_power_off: host.disable_power_off.then_some(true),
        automated_clean: Some(host.automated_cleaning_mode != AutomatedCleaningMode::Disabled),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::host;
    use super::*;
    use crate::api::bmo::v1alpha1::{DiskFormat, Image};
    use crate::bmc::{ParseOptions, parse};

    fn access(address: &str) -> AccessDetails {
        parse(
            address,
            &ParseOptions {
                allow_fake_hardware: true,
                ..Default::default()
            },
        )
        .expect("address")
    }

    #[test]
    fn capabilities_keep_what_is_not_the_boot_mode() {
        assert_eq!(capabilities(None, BootMode::Uefi), "boot_mode:uefi");
        assert_eq!(
            capabilities(
                Some("cpu_vt:true,boot_mode:bios,secure_boot:true"),
                BootMode::UefiSecureBoot
            ),
            "cpu_vt:true,boot_mode:uefi,secure_boot:true"
        );
        assert_eq!(
            capabilities(Some("boot_mode:uefi"), BootMode::Legacy),
            "boot_mode:bios"
        );
    }

    #[test]
    fn deploy_images_prefer_an_iso_for_virtual_media() {
        let config = Config {
            deploy_kernel_url: Some("http://k".into()),
            deploy_ramdisk_url: Some("http://r".into()),
            deploy_iso_url: Some("http://i.iso".into()),
            ..Config::default()
        };
        let iso = deploy_images(&config, true).expect("iso");
        assert_eq!(
            Value::Object(iso),
            json!({"deploy_kernel": null, "deploy_ramdisk": null, "deploy_iso": "http://i.iso", "kernel_append_params": null})
        );
        let pxe = deploy_images(&config, false).expect("kernel");
        assert_eq!(pxe["deploy_kernel"], "http://k");
        assert_eq!(pxe["deploy_iso"], Value::Null);
        let iso_only = Config {
            deploy_iso_url: Some("http://i.iso".into()),
            ..Config::default()
        };
        assert_eq!(deploy_images(&iso_only, false), None);
    }

    #[test]
    fn the_create_body_for_a_redfish_host() {
        let mut host = host();
        host.inspection_mode = InspectionMode::Fast;
        host.boot_mode = BootMode::UefiSecureBoot;
        host.automated_cleaning_mode = AutomatedCleaningMode::Disabled;
        let body =
            serde_json::to_value(node_create(&host, &access(&host.bmc_address))).expect("json");
        assert_eq!(
            body,
            json!({
                "name": "metal3~worker-0", "driver": "redfish",
                "driver_info": {"redfish_address": "https://127.0.0.1", "redfish_system_id": "/redfish/v1/Systems/1",
                                "redfish_username": "admin", "redfish_password": "secret"},
                "boot_interface": "ipxe", "firmware_interface": "redfish", "inspect_interface": "redfish",
                "raid_interface": "redfish",
                "properties": {"capabilities": "boot_mode:uefi,secure_boot:true", "cpu_arch": "x86_64"},
                "automated_clean": false,
            })
        );
    }

    #[test]
    fn the_deploy_interface_follows_the_image() {
        let mut host = host();
        host.current_image = Some(Image {
            checksum: None,
            checksum_type: None,
            format: Some(DiskFormat::LiveIso),
            oci_auth_secret_name: None,
            url: "http://x.iso".into(),
        });
        host.disable_power_off = true;
        let body = node_create(&host, &access("ipmi://192.0.2.1"));
        assert_eq!(
            body.interfaces.get("deploy_interface").map(String::as_str),
            Some("ramdisk")
        );
        assert_eq!(
            body.interfaces.get("inspect_interface").map(String::as_str),
            Some("agent")
        );
        assert_eq!(body.disable_power_off, Some(true));
        host.has_custom_deploy = true;
        let custom = node_create(&host, &access("ipmi://192.0.2.1"));
        assert_eq!(
            custom
                .interfaces
                .get("deploy_interface")
                .map(String::as_str),
            Some("custom-agent")
        );
        let fake = node_create(&host, &access("fake-hardware://h"));
        assert_eq!(fake.driver, "fake-hardware");
        assert!(format!("{fake:?}").contains("fake-hardware"));
    }
}

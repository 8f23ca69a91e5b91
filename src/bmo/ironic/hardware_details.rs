//! Ironic's inspection inventory (`GET /v1/nodes/{node}/inventory`) as the host's
//! `status.hardware` (upstream's `hardwaredetails.GetHardwareDetails`, reference §4.8).

use serde_json::Value;

use crate::api::bmo::v1alpha1::{
    Bios, Cpu, DiskType, Firmware, HardwareDetails, Lldp, Nic, Storage, SystemVendor, Vlan,
};

/// Maps `{"inventory": {...}, "plugin_data": {...}}`. Missing or malformed fields are left
/// out rather than failing: the inventory comes from the host's own agent.
pub fn hardware_details(data: &Value) -> HardwareDetails {
    let inventory = &data["inventory"];
    let vendor = &inventory["system_vendor"];
    let bios = &vendor["firmware"];
    HardwareDetails {
        cpu: Some(cpu(&inventory["cpu"])),
        firmware: Some(Firmware {
            bios: Some(Bios {
                date: text(&bios["build_date"]),
                vendor: text(&bios["vendor"]),
                version: text(&bios["version"]),
            }),
        }),
        hostname: text(&inventory["hostname"]),
        nics: Some(nics(inventory, &data["plugin_data"])),
        ram_mebibytes: inventory["memory"]["physical_mb"].as_i64(),
        storage: Some(storage(inventory)),
        system_vendor: Some(SystemVendor {
            manufacturer: text(&vendor["manufacturer"]),
            product_name: text(&vendor["product_name"]),
            serial_number: text(&vendor["serial_number"]),
        }),
    }
}

/// A non-empty string field.
fn text(value: &Value) -> Option<String> {
    value.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

fn items(value: &Value) -> &[Value] {
    value.as_array().map_or(&[], Vec::as_slice)
}

fn cpu(cpu: &Value) -> Cpu {
    // Ironic reports the frequency as a string ("2600.0000"), older agents as a number.
    let frequency = match &cpu["frequency"] {
        Value::String(s) => s.trim().parse::<f64>().ok(),
        other => other.as_f64(),
    };
    let mut flags: Vec<String> = items(&cpu["flags"])
        .iter()
        .filter_map(|f| f.as_str().map(str::to_owned))
        .collect();
    flags.sort();
    Cpu {
        arch: text(&cpu["architecture"]),
        clock_megahertz: frequency.map(f64::round),
        count: cpu["count"].as_i64(),
        flags: Some(flags),
        model: text(&cpu["model_name"]),
    }
}

/// One entry per interface, two for an interface with both an IPv4 and an IPv6 address.
fn nics(inventory: &Value, plugin_data: &Value) -> Vec<Nic> {
    let mut nics = Vec::new();
    for interface in items(&inventory["interfaces"]) {
        let name = interface["name"].as_str().unwrap_or_default();
        let lldp = &plugin_data["parsed_lldp"][name];
        let model = format!(
            "{} {}",
            interface["vendor"].as_str().unwrap_or_default(),
            interface["product"].as_str().unwrap_or_default()
        );
        let nic = Nic {
            ip: None,
            lldp: switch(lldp),
            mac: text(&interface["mac_address"]),
            model: Some(model.trim_start().to_owned()).filter(|m| !m.is_empty()),
            name: text(&interface["name"]),
            pci_address: text(&interface["pci_address"]),
            pxe: Some(plugin_data["all_interfaces"][name]["pxe_enabled"].as_bool() == Some(true)),
            speed_gbps: interface["speed_mbps"].as_i64().map(|mbps| mbps / 1000),
            vlan_id: lldp["switch_port_untagged_vlan_id"]
                .as_i64()
                .and_then(|id| i32::try_from(id).ok()),
            vlans: lldp["switch_port_vlans"].as_array().map(|vlans| {
                vlans
                    .iter()
                    .map(|vlan| Vlan {
                        id: vlan["id"].as_i64().and_then(|id| i32::try_from(id).ok()),
                        name: text(&vlan["name"]),
                    })
                    .collect()
            }),
        };
        let v4 = text(&interface["ipv4_address"]);
        let v6 = text(&interface["ipv6_address"]);
        // An interface without addresses is still listed once.
        if v4.is_some() || v6.is_none() {
            nics.push(Nic {
                ip: v4,
                ..nic.clone()
            });
        }
        if v6.is_some() {
            nics.push(Nic { ip: v6, ..nic });
        }
    }
    nics
}

fn switch(lldp: &Value) -> Option<Lldp> {
    let lldp = Lldp {
        port_id: text(&lldp["switch_port_id"]),
        switch_id: text(&lldp["switch_chassis_id"]),
        switch_system_name: text(&lldp["switch_system_name"]),
    };
    (lldp.port_id.is_some() || lldp.switch_id.is_some() || lldp.switch_system_name.is_some())
        .then_some(lldp)
}

fn storage(inventory: &Value) -> Vec<Storage> {
    items(&inventory["disks"])
        .iter()
        .map(|disk| {
            let name = text(&disk["name"]);
            let by_path = text(&disk["by_path"]);
            let rotational = disk["rotational"].as_bool() == Some(true);
            let kind = if rotational {
                DiskType::Hdd
            } else if name.as_deref().is_some_and(|n| n.starts_with("/dev/nvme")) {
                DiskType::Nvme
            } else {
                DiskType::Ssd
            };
            Storage {
                alternate_names: Some(name.iter().chain(&by_path).cloned().collect()),
                hctl: text(&disk["hctl"]),
                model: text(&disk["model"]),
                name: by_path.or(name),
                rotational: Some(rotational),
                serial_number: text(&disk["serial"]),
                size_bytes: disk["size"].as_i64(),
                r#type: Some(kind),
                vendor: text(&disk["vendor"]),
                wwn: text(&disk["wwn"]),
                wwn_vendor_extension: text(&disk["wwn_vendor_extension"]),
                wwn_with_extension: text(&disk["wwn_with_extension"]),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn inventory() -> Value {
        json!({
            "inventory": {
                "hostname": "worker-0",
                "memory": {"physical_mb": 65536},
                "cpu": {"architecture": "x86_64", "model_name": "Xeon", "count": 16,
                        "frequency": "2599.6000", "flags": ["vmx", "fpu", "avx2"]},
                "system_vendor": {"manufacturer": "Dell Inc.", "product_name": "R640", "serial_number": "S1",
                                  "firmware": {"vendor": "Dell", "version": "2.19.1", "build_date": "2023-08-15"}},
                "interfaces": [
                    {"name": "eth0", "mac_address": "00:11:22:33:44:55", "ipv4_address": "192.0.2.10",
                     "ipv6_address": "2001:db8::10", "speed_mbps": 25000, "vendor": "0x8086", "product": "0x158b",
                     "pci_address": "0000:18:00.0"},
                    {"name": "eth1", "mac_address": "00:11:22:33:44:56", "ipv4_address": null,
                     "ipv6_address": "2001:db8::11", "vendor": null, "product": "0x158b"},
                    {"name": "eth2", "mac_address": "00:11:22:33:44:57"},
                ],
                "disks": [
                    {"name": "/dev/sda", "by_path": "/dev/disk/by-path/pci-0000:00:17.0-ata-1", "size": 480103981056u64,
                     "rotational": true, "vendor": "ATA", "model": "M1", "serial": "SN1", "wwn": "0x5", "hctl": "0:0:0:0"},
                    {"name": "/dev/nvme0n1", "size": 1600321314816u64, "rotational": false},
                    {"name": "/dev/sdb", "rotational": false},
                ],
            },
            "plugin_data": {
                "all_interfaces": {"eth0": {"pxe_enabled": true}, "eth1": {"pxe_enabled": false}},
                "parsed_lldp": {"eth0": {"switch_chassis_id": "aa:bb", "switch_port_id": "Eth1/1",
                    "switch_system_name": "tor1", "switch_port_untagged_vlan_id": 100,
                    "switch_port_vlans": [{"id": 100, "name": "prov"}, {"id": 200}]}},
            },
        })
    }

    #[test]
    fn dual_stack_interfaces_are_listed_twice() {
        let nics = hardware_details(&inventory()).nics.expect("nics");
        let summary: Vec<(Option<&str>, Option<&str>)> = nics
            .iter()
            .map(|n| (n.name.as_deref(), n.ip.as_deref()))
            .collect();
        assert_eq!(
            summary,
            [
                (Some("eth0"), Some("192.0.2.10")),
                (Some("eth0"), Some("2001:db8::10")),
                (Some("eth1"), Some("2001:db8::11")),
                (Some("eth2"), None),
            ]
        );
        let eth0 = &nics[0];
        assert_eq!(eth0.model.as_deref(), Some("0x8086 0x158b"));
        assert_eq!(eth0.speed_gbps, Some(25));
        assert_eq!(eth0.pxe, Some(true));
        assert_eq!(eth0.pci_address.as_deref(), Some("0000:18:00.0"));
        assert_eq!(eth0.vlan_id, Some(100));
        assert_eq!(eth0.vlans.as_ref().map(Vec::len), Some(2));
        let lldp = eth0.lldp.as_ref().expect("lldp");
        assert_eq!(
            (lldp.switch_id.as_deref(), lldp.port_id.as_deref()),
            (Some("aa:bb"), Some("Eth1/1"))
        );
        assert_eq!(nics[1], nics[0].clone().with_ip("2001:db8::10"));
        assert_eq!(nics[2].model.as_deref(), Some("0x158b"), "left-trimmed");
        assert_eq!(nics[2].pxe, Some(false));
    }

    impl Nic {
        fn with_ip(self, ip: &str) -> Nic {
            Nic {
                ip: Some(ip.into()),
                ..self
            }
        }
    }

    #[test]
    fn storage_names_and_types() {
        let storage = hardware_details(&inventory()).storage.expect("storage");
        let sda = &storage[0];
        assert_eq!(
            sda.name.as_deref(),
            Some("/dev/disk/by-path/pci-0000:00:17.0-ata-1")
        );
        assert_eq!(
            sda.alternate_names.as_deref(),
            Some(
                &[
                    "/dev/sda".to_owned(),
                    "/dev/disk/by-path/pci-0000:00:17.0-ata-1".to_owned()
                ][..]
            )
        );
        assert_eq!(sda.r#type, Some(DiskType::Hdd), "rotational wins");
        assert_eq!(sda.serial_number.as_deref(), Some("SN1"));
        assert_eq!(sda.size_bytes, Some(480103981056));
        assert_eq!(storage[1].name.as_deref(), Some("/dev/nvme0n1"));
        assert_eq!(storage[1].r#type, Some(DiskType::Nvme));
        assert_eq!(
            storage[1].alternate_names.as_deref(),
            Some(&["/dev/nvme0n1".to_owned()][..])
        );
        assert_eq!(storage[2].r#type, Some(DiskType::Ssd));
    }

    #[test]
    fn cpu_firmware_and_system() {
        let details = hardware_details(&inventory());
        let cpu = details.cpu.expect("cpu");
        assert_eq!(cpu.clock_megahertz, Some(2600.0), "rounded");
        assert_eq!(
            cpu.flags,
            Some(vec!["avx2".into(), "fpu".into(), "vmx".into()])
        );
        assert_eq!((cpu.arch.as_deref(), cpu.count), (Some("x86_64"), Some(16)));
        let bios = details.firmware.and_then(|f| f.bios).expect("bios");
        assert_eq!(bios.date.as_deref(), Some("2023-08-15"));
        assert_eq!(details.ram_mebibytes, Some(65536));
        assert_eq!(details.hostname.as_deref(), Some("worker-0"));
        assert_eq!(
            details
                .system_vendor
                .and_then(|v| v.product_name)
                .as_deref(),
            Some("R640")
        );
    }

    #[test]
    fn an_empty_inventory_maps_to_empty_details() {
        let details = hardware_details(&json!({}));
        assert_eq!(details.nics, Some(vec![]));
        assert_eq!(details.storage, Some(vec![]));
        assert_eq!(details.ram_mebibytes, None);
    }
}

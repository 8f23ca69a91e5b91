//! A realistic inspection inventory, in the shape Ironic's `GET /v1/nodes/{node}/inventory`
//! returns, so the operator's mapping into `status.hardware` is exercised.

use serde_json::{Value, json};

/// The inventory of a simulated node: its PXE port's MAC on the first NIC, a stable serial.
pub fn for_node(node: &Value, boot_mac: Option<&str>) -> Value {
    let uuid = node["uuid"].as_str().unwrap_or_default();
    let name = node["name"].as_str().unwrap_or(uuid);
    let mac = boot_mac.unwrap_or("00:5a:91:3f:9a:bd");
    let serial: String = uuid
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(12)
        .collect();
    json!({
        "inventory": {
            "bmc_address": "127.0.0.1",
            "hostname": name.rsplit('~').next().unwrap_or(name),
            "cpu": {"architecture": "x86_64", "count": 16, "frequency": "2600.0000",
                    "model_name": "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", "flags": ["fpu", "vme", "vmx", "sse4_2", "avx2"]},
            "memory": {"physical_mb": 65536, "total": 68719476736u64},
            "interfaces": [
                {"name": "eth0", "mac_address": mac, "ipv4_address": "127.0.0.1", "ipv6_address": null, "has_carrier": true,
                 "speed_mbps": 25000, "vendor": "0x8086", "product": "0x158b", "client_id": null, "biosdevname": null, "lldp": null},
                {"name": "eth1", "mac_address": second_mac(uuid), "ipv4_address": null, "ipv6_address": null, "has_carrier": false,
                 "speed_mbps": 25000, "vendor": "0x8086", "product": "0x158b", "client_id": null, "biosdevname": null, "lldp": null},
            ],
            "disks": [
                {"name": "/dev/sda", "size": 480103981056u64, "rotational": false, "model": "MZ7KH480HAHQ", "vendor": "ATA",
                 "serial": format!("S47MNA0{serial}"), "wwn": "0x5002538e00000001", "hctl": "0:0:0:0",
                 "by_path": "/dev/disk/by-path/pci-0000:00:17.0-ata-1"},
                {"name": "/dev/nvme0n1", "size": 1600321314816u64, "rotational": false, "model": "Dell Ent NVMe", "vendor": null,
                 "serial": format!("PHLN0{serial}"), "wwn": null, "hctl": null, "by_path": "/dev/disk/by-path/pci-0000:3b:00.0-nvme-1"},
            ],
            "system_vendor": {"manufacturer": "Dell Inc.", "product_name": "PowerEdge R640", "serial_number": serial,
                              "firmware": {"vendor": "Dell Inc.", "version": "2.19.1", "build_date": "2023-08-15"}},
            "boot": {"current_boot_mode": "uefi", "pxe_interface": mac},
        },
        "plugin_data": {"all_interfaces": {"eth0": {"ip": "127.0.0.1", "mac": mac}}},
    })
}

/// The second NIC's MAC: locally administered and drawn from the node's UUID, so it never
/// collides with another host's boot MAC (sequential boot MACs are common in test beds).
fn second_mac(uuid: &str) -> String {
    let digits: Vec<char> = uuid
        .chars()
        .filter(char::is_ascii_hexdigit)
        .chain(std::iter::repeat('0'))
        .take(10)
        .collect();
    let tail: Vec<String> = digits.chunks(2).map(|pair| pair.iter().collect()).collect();
    format!("02:{}", tail.join(":")).to_lowercase()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_second_nic_never_takes_a_neighbours_boot_mac() {
        let macs = |uuid: &str, boot: &str| -> Vec<String> {
            let inventory = for_node(&json!({"uuid": uuid}), Some(boot));
            inventory["inventory"]["interfaces"]
                .as_array()
                .expect("interfaces")
                .iter()
                .map(|nic| nic["mac_address"].as_str().expect("mac").to_owned())
                .collect()
        };
        let first = macs("9a0c1f3e-5b7d-4e21-8c4a-000000000001", "00:5c:52:31:00:09");
        let second = macs("7d2e4b10-0c3a-4f55-9d61-000000000002", "00:5c:52:31:00:0a");
        assert_eq!(first[1], "02:9a:0c:1f:3e:5b");
        assert!(!first.contains(&second[0]) && !second.contains(&first[0]));
    }
}

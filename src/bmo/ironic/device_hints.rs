//! Root device hints in Ironic's operator syntax (upstream's `devicehints.MakeHintMap`): for
//! `instance_info.root_device` and the physical disks of software RAID volumes.

use serde_json::{Map, Value};

use crate::api::bmo::v1alpha1::RootDeviceHints;

/// A `deviceName` under this directory is a stable path, not a kernel name.
const BY_PATH: &str = "/dev/disk/by-path/";

/// The hint map; empty when no hint is set.
pub(super) fn hint_map(hints: &RootDeviceHints) -> Map<String, Value> {
    let exact = |v: &Option<String>| v.as_ref().map(|v| format!("s== {v}"));
    let contains = |v: &Option<String>| v.as_ref().map(|v| format!("<in> {v}"));
    let device_key = match &hints.device_name {
        Some(name) if name.starts_with(BY_PATH) => "by_path",
        _ => "name",
    };
    [
        (device_key, exact(&hints.device_name)),
        ("hctl", exact(&hints.hctl)),
        ("model", contains(&hints.model)),
        ("vendor", contains(&hints.vendor)),
        ("serial", exact(&hints.serial_number)),
        (
            "size",
            hints
                .min_size_gigabytes
                .filter(|size| *size != 0)
                .map(|size| format!(">= {size}")),
        ),
        ("wwn", exact(&hints.wwn)),
        ("wwn_with_extension", exact(&hints.wwn_with_extension)),
        ("wwn_vendor_extension", exact(&hints.wwn_vendor_extension)),
        ("rotational", hints.rotational.map(|r| r.to_string())),
    ]
    .into_iter()
    .filter_map(|(key, value)| Some((key.to_owned(), Value::String(value?))))
    .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn hints(value: Value) -> RootDeviceHints {
        serde_json::from_value(value).expect("hints")
    }

    #[test]
    fn every_hint_uses_its_operator() {
        let all = hints(json!({
            "deviceName": "/dev/sda", "hctl": "1:0:0:0", "model": "Model", "vendor": "Vendor",
            "serialNumber": "123", "minSizeGigabytes": 40, "wwn": "w", "wwnWithExtension": "we",
            "wwnVendorExtension": "wv", "rotational": false,
        }));
        assert_eq!(
            Value::Object(hint_map(&all)),
            json!({
                "name": "s== /dev/sda", "hctl": "s== 1:0:0:0", "model": "<in> Model",
                "vendor": "<in> Vendor", "serial": "s== 123", "size": ">= 40", "wwn": "s== w",
                "wwn_with_extension": "s== we", "wwn_vendor_extension": "s== wv",
                "rotational": "false",
            })
        );
    }

    #[test]
    fn by_path_names_and_empty_hints() {
        let by_path = hints(json!({"deviceName": "/dev/disk/by-path/pci-0000:00:17.0-ata-1"}));
        assert_eq!(
            Value::Object(hint_map(&by_path)),
            json!({"by_path": "s== /dev/disk/by-path/pci-0000:00:17.0-ata-1"})
        );
        assert!(hint_map(&hints(json!({"minSizeGigabytes": 0}))).is_empty());
        assert_eq!(
            hint_map(&hints(json!({"rotational": true})))["rotational"],
            "true"
        );
    }
}

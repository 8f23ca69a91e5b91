//! Manual cleaning for `prepare` (upstream's `raid.go`): the RAID interface a target needs,
//! the logical disks for `PUT /states/raid`, and the clean steps that apply them.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::device_hints::hint_map;
use crate::api::bmo::v1alpha1::{
    HardwareRAIDVolume, RAIDConfig, RootDeviceHints, SoftwareRAIDLevel, SoftwareRAIDVolume,
};

const NO_RAID: &str = "no-raid";
/// The interface that builds software RAID (from the ramdisk).
pub(super) const SOFTWARE_RAID: &str = "agent";

/// The RAID interface the node needs for `target`: the driver's own, or `agent` while
/// software RAID is created or removed.
pub(super) fn raid_interface(
    driver_raid: &str,
    target: Option<&RAIDConfig>,
    actual: Option<&RAIDConfig>,
) -> Result<String, String> {
    let Some(target) = target else {
        return Ok(driver_raid.to_owned());
    };
    let hardware = target
        .hardware_raid_volumes
        .as_ref()
        .is_some_and(|v| !v.is_empty());
    if driver_raid == NO_RAID && hardware {
        return Err(format!(
            "RAID settings are defined, but the node's driver {driver_raid} does not support RAID"
        ));
    }
    if driver_raid == SOFTWARE_RAID && hardware {
        return Err(format!(
            "hardware RAID settings are defined, but the node's driver {driver_raid} only supports software RAID"
        ));
    }
    let has_software = |raid: &RAIDConfig| {
        raid.software_raid_volumes
            .as_ref()
            .is_some_and(|v| !v.is_empty())
    };
    if has_software(target) || actual.is_some_and(has_software) {
        return Ok(SOFTWARE_RAID.to_owned());
    }
    Ok(driver_raid.to_owned())
}

/// The clean steps that bring the RAID configuration from `actual` to `target`; none when
/// nothing changes.
pub(super) fn raid_clean_steps(
    driver_raid: &str,
    target: Option<&RAIDConfig>,
    actual: Option<&RAIDConfig>,
) -> Result<Vec<Value>, String> {
    raid_interface(driver_raid, target, actual)?;
    let Some(target) = target else {
        return Ok(Vec::new());
    };
    if let Some(wanted) = &target.software_raid_volumes {
        let current = actual.and_then(|a| a.software_raid_volumes.as_ref());
        if Some(wanted) == current || (wanted.is_empty() && current.is_none_or(Vec::is_empty)) {
            return Ok(Vec::new());
        }
        let mut steps = vec![
            step("raid", "delete_configuration"),
            step("deploy", "erase_devices_metadata"),
        ];
        if !wanted.is_empty() {
            steps.push(step("raid", "create_configuration"));
        }
        return Ok(steps);
    }
    // A missing hardware target keeps whatever the controller has.
    let Some(wanted) = target
        .hardware_raid_volumes
        .as_ref()
        .filter(|_| driver_raid != NO_RAID)
    else {
        return Ok(Vec::new());
    };
    if Some(wanted) == actual.and_then(|a| a.hardware_raid_volumes.as_ref()) {
        return Ok(Vec::new());
    }
    // Deleting first leaves only the wanted volumes: creating never removes any.
    let mut steps = vec![step("raid", "delete_configuration")];
    if !wanted.is_empty() {
        steps.push(step("raid", "create_configuration"));
    }
    Ok(steps)
}

fn step(interface: &str, name: &str) -> Value {
    json!({"interface": interface, "step": name})
}

/// Ironic's `logical_disks` for `target` (hardware volumes win); the first is the root
/// volume unless root device hints choose the disk.
pub(super) fn logical_disks(
    target: Option<&RAIDConfig>,
    root_hints: Option<&RootDeviceHints>,
) -> Result<Vec<Value>, String> {
    let Some(target) = target else {
        return Ok(Vec::new());
    };
    let mut disks = match (&target.hardware_raid_volumes, &target.software_raid_volumes) {
        (Some(hardware), _) if !hardware.is_empty() => hardware_disks(hardware)?,
        (_, Some(software)) if !software.is_empty() => software_disks(software)?,
        _ => return Ok(Vec::new()),
    };
    if root_hints.is_none()
        && let Some(Value::Object(first)) = disks.first_mut()
    {
        first.insert("is_root_volume".into(), Value::Bool(true));
    }
    Ok(disks)
}

/// `size_gb`: Ironic's `MAX` when no size is given.
fn size(gibibytes: Option<i64>) -> Value {
    gibibytes.map_or_else(|| json!("MAX"), |size| json!(size))
}

fn level(level: impl serde::Serialize) -> Value {
    serde_json::to_value(level).unwrap_or_default()
}

fn hardware_disks(volumes: &[HardwareRAIDVolume]) -> Result<Vec<Value>, String> {
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut disks = Vec::new();
    for (index, volume) in volumes.iter().enumerate() {
        if let Some(name) = volume.name.as_deref().filter(|n| !n.is_empty())
            && let Some(first) = names.insert(name, index)
        {
            return Err(format!(
                "the names({name}) of volume[{index}] and volume[{first}] are repeated"
            ));
        }
        let physical = volume.physical_disks.as_deref().unwrap_or_default();
        if !physical.is_empty() && volume.controller.as_deref().unwrap_or_default().is_empty() {
            return Err("'controller' must be specified if 'physicalDisks' are used".into());
        }
        if let Some(count) = volume.number_of_physical_disks
            && !physical.is_empty()
            && usize::try_from(count).ok() != Some(physical.len())
        {
            return Err(format!(
                "the numberOfPhysicalDisks[{count}] is not same as number of items in physicalDisks[{}]",
                physical.len()
            ));
        }
        let mut disk = Map::new();
        disk.insert("size_gb".into(), size(volume.size_gibibytes));
        disk.insert("raid_level".into(), level(volume.level));
        let mut put = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                disk.insert(key.into(), value);
            }
        };
        put("volume_name", volume.name.clone().map(Value::from));
        put("controller", volume.controller.clone().map(Value::from));
        put(
            "physical_disks",
            Some(json!(physical)).filter(|_| !physical.is_empty()),
        );
        put(
            "disk_type",
            volume
                .rotational
                .map(|r| Value::from(if r { "hdd" } else { "ssd" })),
        );
        put(
            "number_of_physical_disks",
            volume.number_of_physical_disks.map(Value::from),
        );
        disks.push(Value::Object(disk));
    }
    Ok(disks)
}

fn software_disks(volumes: &[SoftwareRAIDVolume]) -> Result<Vec<Value>, String> {
    if volumes.first().map(|v| v.level) != Some(SoftwareRAIDLevel::V1) {
        return Err("the level in first volume of software raid must be RAID1".into());
    }
    Ok(volumes
        .iter()
        .map(|volume| {
            let mut disk = json!({
                "size_gb": size(volume.size_gibibytes),
                "raid_level": level(volume.level),
                "controller": "software",
            });
            if let Some(physical) = volume.physical_disks.as_ref().filter(|p| !p.is_empty()) {
                disk["physical_disks"] = physical
                    .iter()
                    .map(|hints| Value::Object(hint_map(hints)))
                    .collect();
            }
            disk
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raid(value: Value) -> RAIDConfig {
        serde_json::from_value(value).expect("raid")
    }

    fn names(steps: &[Value]) -> Vec<String> {
        steps
            .iter()
            .map(|s| {
                format!(
                    "{}.{}",
                    s["interface"].as_str().unwrap_or_default(),
                    s["step"].as_str().unwrap_or_default()
                )
            })
            .collect()
    }

    #[test]
    fn software_raid_is_rebuilt_when_it_changes() {
        let target = raid(json!({"softwareRAIDVolumes": [{"level": "1"}]}));
        let steps = raid_clean_steps("redfish", Some(&target), None).expect("steps");
        assert_eq!(
            names(&steps),
            [
                "raid.delete_configuration",
                "deploy.erase_devices_metadata",
                "raid.create_configuration"
            ]
        );
        assert_eq!(
            raid_clean_steps("redfish", Some(&target), Some(&target)),
            Ok(vec![])
        );
        let none = raid(json!({"softwareRAIDVolumes": []}));
        assert_eq!(
            names(&raid_clean_steps("ipmi", Some(&none), Some(&target)).expect("steps")),
            ["raid.delete_configuration", "deploy.erase_devices_metadata"]
        );
        assert_eq!(raid_clean_steps("ipmi", Some(&none), None), Ok(vec![]));
        assert_eq!(
            raid_interface("ipmi", Some(&target), None).as_deref(),
            Ok(SOFTWARE_RAID)
        );
        assert_eq!(
            raid_interface("redfish", Some(&none), Some(&target)).as_deref(),
            Ok(SOFTWARE_RAID)
        );
    }

    #[test]
    fn hardware_raid_needs_a_raid_interface() {
        let target = raid(json!({"hardwareRAIDVolumes": [{"level": "5"}]}));
        assert_eq!(
            names(&raid_clean_steps("redfish", Some(&target), None).expect("steps")),
            ["raid.delete_configuration", "raid.create_configuration"]
        );
        let cleared = raid(json!({"hardwareRAIDVolumes": []}));
        assert_eq!(
            names(&raid_clean_steps("redfish", Some(&cleared), Some(&target)).expect("steps")),
            ["raid.delete_configuration"]
        );
        assert_eq!(
            raid_clean_steps("redfish", Some(&target), Some(&target)),
            Ok(vec![])
        );
        assert_eq!(raid_clean_steps("redfish", None, None), Ok(vec![]));
        assert_eq!(
            raid_clean_steps("no-raid", Some(&target), None),
            Err(
                "RAID settings are defined, but the node's driver no-raid does not support RAID"
                    .into()
            )
        );
        assert_eq!(
            raid_clean_steps("no-raid", Some(&cleared), None),
            Ok(vec![])
        );
    }

    #[test]
    fn logical_disks_for_hardware_volumes() {
        let target = raid(json!({"hardwareRAIDVolumes": [
            {"level": "1", "name": "root", "rotational": false, "controller": "RAID.1", "physicalDisks": ["a", "b"], "numberOfPhysicalDisks": 2},
            {"level": "1+0", "sizeGibibytes": 100},
        ]}));
        assert_eq!(
            logical_disks(Some(&target), None),
            Ok(vec![
                json!({"size_gb": "MAX", "raid_level": "1", "volume_name": "root", "controller": "RAID.1",
                       "physical_disks": ["a", "b"], "disk_type": "ssd", "number_of_physical_disks": 2, "is_root_volume": true}),
                json!({"size_gb": 100, "raid_level": "1+0"}),
            ])
        );
        let hints: RootDeviceHints =
            serde_json::from_value(json!({"deviceName": "/dev/sda"})).expect("hints");
        let disks = logical_disks(Some(&target), Some(&hints)).expect("disks");
        assert!(
            disks[0].get("is_root_volume").is_none(),
            "hints choose the root disk"
        );
    }

    #[test]
    fn invalid_volumes_are_refused() {
        let repeated = raid(
            json!({"hardwareRAIDVolumes": [{"level": "1", "name": "v"}, {"level": "0", "name": "v"}]}),
        );
        assert_eq!(
            logical_disks(Some(&repeated), None),
            Err("the names(v) of volume[1] and volume[0] are repeated".into())
        );
        let no_controller =
            raid(json!({"hardwareRAIDVolumes": [{"level": "1", "physicalDisks": ["a"]}]}));
        assert!(logical_disks(Some(&no_controller), None).is_err());
        let count = raid(
            json!({"hardwareRAIDVolumes": [{"level": "1", "controller": "c", "physicalDisks": ["a"], "numberOfPhysicalDisks": 2}]}),
        );
        assert!(logical_disks(Some(&count), None).is_err());
        let raid0 = raid(json!({"softwareRAIDVolumes": [{"level": "0"}]}));
        assert_eq!(
            logical_disks(Some(&raid0), None),
            Err("the level in first volume of software raid must be RAID1".into())
        );
    }

    #[test]
    fn software_volumes_use_hint_maps() {
        let target = raid(json!({"softwareRAIDVolumes": [
            {"level": "1", "physicalDisks": [{"deviceName": "/dev/sda"}, {"deviceName": "/dev/sdb"}]},
        ]}));
        assert_eq!(
            logical_disks(Some(&target), None),
            Ok(vec![
                json!({"size_gb": "MAX", "raid_level": "1", "controller": "software",
                           "physical_disks": [{"name": "s== /dev/sda"}, {"name": "s== /dev/sdb"}],
                           "is_root_volume": true})
            ])
        );
    }
}

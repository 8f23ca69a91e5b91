//! The configdrive sent with `active` (upstream's `getConfigDrive`): a JSON object Ironic
//! turns into the config-drive partition.

use serde_json::{Map, Value, json};

use super::instance_info::is_live_iso;
use crate::bmo::provisioner::{HostData, ProvisionData};

/// `None` for a live ISO: some hardware cannot attach a second virtual medium for it.
pub(super) fn configdrive(host: &HostData, data: &ProvisionData) -> Option<Value> {
    if data.image.as_ref().is_some_and(is_live_iso) {
        return None;
    }
    let mut meta_data: Map<String, Value> = [
        ("uuid", &host.uid),
        ("metal3-namespace", &host.namespace),
        ("metal3-name", &host.name),
        ("local-hostname", &host.name),
        ("local_hostname", &host.name),
        ("name", &host.name),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), json!(value)))
    .collect();
    // The user's meta data overrides the defaults.
    meta_data.extend(data.meta_data.clone().unwrap_or_default());
    let mut drive = Map::new();
    if let Some(user_data) = data.user_data.as_ref().filter(|u| !u.is_empty()) {
        drive.insert("user_data".into(), json!(user_data));
    }
    if let Some(network_data) = data.network_data.as_ref().filter(|n| !n.is_null()) {
        drive.insert("network_data".into(), network_data.clone());
    }
    drive.insert("meta_data".into(), Value::Object(meta_data));
    Some(Value::Object(drive))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::host;
    use super::*;
    use crate::api::bmo::v1alpha1::{DiskFormat, Image};

    #[test]
    fn defaults_merged_with_user_meta_data() {
        let data = ProvisionData {
            user_data: Some("#cloud-config\n".into()),
            network_data: Some(json!({"links": []})),
            meta_data: json!({"name": "custom", "role": "worker"})
                .as_object()
                .cloned(),
            ..Default::default()
        };
        assert_eq!(
            configdrive(&host(), &data),
            Some(json!({
                "user_data": "#cloud-config\n",
                "network_data": {"links": []},
                "meta_data": {"uuid": "uid-1", "metal3-namespace": "metal3", "metal3-name": "worker-0",
                              "local-hostname": "worker-0", "local_hostname": "worker-0",
                              "name": "custom", "role": "worker"},
            }))
        );
    }

    #[test]
    fn only_meta_data_by_default_and_nothing_for_live_isos() {
        let drive = configdrive(&host(), &ProvisionData::default()).expect("drive");
        assert_eq!(drive.as_object().map(|d| d.len()), Some(1));
        let live = ProvisionData {
            image: Some(Image {
                checksum: None,
                checksum_type: None,
                format: Some(DiskFormat::LiveIso),
                oci_auth_secret_name: None,
                url: "http://live.iso".into(),
            }),
            user_data: Some("ignored".into()),
            ..Default::default()
        };
        assert_eq!(configdrive(&host(), &live), None);
    }
}

//! Metal3Machine and Metal3MachineTemplate.

use super::common::{Convert, Legacy, Result, by_field, deprecated, legacy, same_shape};
use crate::api::capm3::{v1beta1, v1beta2};

same_shape!(
    AutomatedCleaningMode,
    ChecksumType,
    CustomDeploy,
    DiskFormat,
    HostSelector,
    MachineAddress,
);

by_field!(
    Metal3MachineSpec {
        automated_cleaning_mode,
        custom_deploy,
        data_template,
        failure_domain,
        host_selector,
        image,
        meta_data,
        network_data,
        provider_id,
        user_data,
    }
    Metal3MachineTemplateSpec { node_reuse, template }
);

/// The image's disk format field is `format` in v1beta1 and `diskFormat` in v1beta2.
impl Convert for v1beta1::Image {
    type Hub = v1beta2::Image;
    fn into_hub(self) -> Result<Self::Hub> {
        Ok(v1beta2::Image {
            checksum: self.checksum,
            checksum_type: self.checksum_type.into_hub()?,
            disk_format: self.format.into_hub()?,
            url: self.url,
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        Ok(v1beta1::Image {
            checksum: hub.checksum,
            checksum_type: Convert::from_hub(hub.checksum_type)?,
            format: Convert::from_hub(hub.disk_format)?,
            url: hub.url,
        })
    }
}

impl Convert for v1beta1::Metal3MachineStatus {
    type Hub = v1beta2::Metal3MachineStatus;
    fn into_hub(self) -> Result<Self::Hub> {
        let legacy = Legacy {
            conditions: self.conditions,
            failure_message: self.failure_message,
            failure_reason: self.failure_reason,
        };
        // `phase` has no v1beta2 counterpart (upstream drops it).
        Ok(v1beta2::Metal3MachineStatus {
            addresses: self.addresses.into_hub()?,
            conditions: self.v1_beta2.and_then(|v| v.conditions),
            deprecated: deprecated(legacy)?,
            initialization: self
                .ready
                .map(|ready| v1beta2::Metal3MachineInitializationStatus {
                    provisioned: Some(ready),
                }),
            last_updated: self.last_updated,
            meta_data: self.meta_data,
            network_data: self.network_data,
            rendered_data: self.rendered_data.into_hub()?,
            user_data: self.user_data,
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        let legacy = legacy(hub.deprecated)?;
        Ok(v1beta1::Metal3MachineStatus {
            addresses: Convert::from_hub(hub.addresses)?,
            conditions: legacy.conditions,
            failure_message: legacy.failure_message,
            failure_reason: legacy.failure_reason,
            last_updated: hub.last_updated,
            meta_data: hub.meta_data,
            network_data: hub.network_data,
            phase: None,
            ready: hub.initialization.and_then(|i| i.provisioned),
            rendered_data: Convert::from_hub(hub.rendered_data)?,
            user_data: hub.user_data,
            v1_beta2: hub
                .conditions
                .map(|conditions| v1beta1::Metal3MachineV1Beta2Status {
                    conditions: Some(conditions),
                }),
        })
    }
}

/// API-05: Metal3Machine and Metal3MachineTemplate rules.
#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::api::capm3::conversion::testing::{
        V1BETA1, V1BETA2, object, round_trip, stored, to,
    };

    #[test]
    fn image_format_is_disk_format() {
        // (v1beta1 image, v1beta2 image)
        let table = [
            (
                json!({"url": "http://i/a.qcow2", "checksum": "abc", "checksumType": "sha256", "format": "qcow2"}),
                json!({"url": "http://i/a.qcow2", "checksum": "abc", "checksumType": "sha256", "diskFormat": "qcow2"}),
            ),
            (
                json!({"url": "http://i/a.iso", "format": "live-iso"}),
                json!({"url": "http://i/a.iso", "diskFormat": "live-iso"}),
            ),
            (json!({"url": "oci://r/i"}), json!({"url": "oci://r/i"})),
        ];
        for (old_image, new_image) in table {
            let old = object(
                V1BETA1,
                "Metal3Machine",
                json!({"spec": {"image": old_image}}),
            );
            let new = round_trip(&old, V1BETA2);
            assert_eq!(new["spec"]["image"], new_image);
            assert_eq!(stored(&new), None);
        }
    }

    #[test]
    fn object_references_keep_name_and_namespace_and_the_rest_travels_in_the_annotation() {
        let reference =
            json!({"kind": "Metal3DataTemplate", "name": "t", "namespace": "ns", "uid": "u"});
        let old = object(
            V1BETA1,
            "Metal3Machine",
            json!({"spec": {"dataTemplate": reference}, "status": {"renderedData": reference}}),
        );
        let new = round_trip(&old, V1BETA2);
        assert_eq!(
            new["spec"]["dataTemplate"],
            json!({"name": "t", "namespace": "ns"})
        );
        assert_eq!(
            new["status"]["renderedData"],
            json!({"name": "t", "namespace": "ns"})
        );
        assert_eq!(
            stored(&new).expect("annotated")["spec"]["dataTemplate"],
            reference
        );
    }

    #[test]
    fn phase_has_no_v1beta2_field_but_round_trips() {
        let old = object(
            V1BETA1,
            "Metal3Machine",
            json!({"spec": {}, "status": {"phase": "Provisioned", "ready": true}}),
        );
        let new = round_trip(&old, V1BETA2);
        assert_eq!(
            new["status"],
            json!({"initialization": {"provisioned": true}})
        );
        assert_eq!(
            stored(&new).expect("annotated")["status"]["phase"],
            "Provisioned"
        );
    }

    #[test]
    fn condition_types_are_not_renamed() {
        // Each version's list is carried verbatim: the controller writes both.
        let legacy = json!({"type": "AssociateBMH", "status": "True", "lastTransitionTime": "2024-01-02T03:04:05Z"});
        let new = to(
            object(
                V1BETA1,
                "Metal3Machine",
                json!({"spec": {}, "status": {"conditions": [legacy]}}),
            ),
            V1BETA2,
        );
        assert_eq!(
            new["status"]["deprecated"]["v1beta1"]["conditions"],
            json!([legacy])
        );
    }

    #[test]
    fn template_node_reuse_and_metadata() {
        let new = object(
            V1BETA2,
            "Metal3MachineTemplate",
            json!({"spec": {"nodeReuse": true, "template": {
                "metadata": {"annotations": {"a": "b"}},
                "spec": {"customDeploy": {"method": "install_coreos"}},
            }}}),
        );
        let old = round_trip(&new, V1BETA1);
        assert_eq!(
            old["spec"],
            json!({"nodeReuse": true, "template": {"spec": {"customDeploy": {"method": "install_coreos"}}}})
        );
    }
}

//! Metal3Cluster and Metal3ClusterTemplate.

use super::common::{Convert, Legacy, Result, by_field, deprecated, legacy};
use crate::api::capm3::{v1beta1, v1beta2};

by_field!(Metal3ClusterTemplateSpec { template });

impl Convert for v1beta1::Metal3ClusterSpec {
    type Hub = v1beta2::Metal3ClusterSpec;
    fn into_hub(self) -> Result<Self::Hub> {
        Ok(v1beta2::Metal3ClusterSpec {
            // The deprecated noCloudProvider means the opposite of cloudProviderEnabled,
            // and only counts when cloudProviderEnabled is not set.
            cloud_provider_enabled: self
                .cloud_provider_enabled
                .or(self.no_cloud_provider.map(|no| !no)),
            control_plane_endpoint: self.control_plane_endpoint.into_hub()?,
            failure_domains: self.failure_domains.into_hub()?,
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        Ok(v1beta1::Metal3ClusterSpec {
            cloud_provider_enabled: hub.cloud_provider_enabled,
            control_plane_endpoint: Convert::from_hub(hub.control_plane_endpoint)?,
            failure_domains: Convert::from_hub(hub.failure_domains)?,
            // Dropped, as upstream does: cloudProviderEnabled says it all.
            no_cloud_provider: None,
        })
    }
}

impl Convert for v1beta1::Metal3ClusterStatus {
    type Hub = v1beta2::Metal3ClusterStatus;
    fn into_hub(self) -> Result<Self::Hub> {
        let legacy = Legacy {
            conditions: self.conditions,
            failure_message: self.failure_message,
            failure_reason: self.failure_reason,
        };
        Ok(v1beta2::Metal3ClusterStatus {
            // metav1 conditions were staged under status.v1beta2 in v1beta1.
            conditions: self.v1_beta2.and_then(|v| v.conditions),
            deprecated: deprecated(legacy)?,
            failure_domains: self.failure_domains.into_hub()?,
            initialization: self
                .ready
                .map(|ready| v1beta2::Metal3ClusterInitializationStatus {
                    provisioned: Some(ready),
                }),
            last_updated: self.last_updated,
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        let legacy = legacy(hub.deprecated)?;
        Ok(v1beta1::Metal3ClusterStatus {
            conditions: legacy.conditions,
            failure_domains: Convert::from_hub(hub.failure_domains)?,
            failure_message: legacy.failure_message,
            failure_reason: legacy.failure_reason,
            last_updated: hub.last_updated,
            ready: hub.initialization.and_then(|i| i.provisioned),
            v1_beta2: hub
                .conditions
                .map(|conditions| v1beta1::Metal3ClusterV1Beta2Status {
                    conditions: Some(conditions),
                }),
        })
    }
}

/// API-05: Metal3Cluster and Metal3ClusterTemplate rules.
#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::api::capm3::conversion::testing::{
        V1BETA1, V1BETA2, object, round_trip, stored, to,
    };

    #[test]
    fn failure_domains_map_becomes_a_list_sorted_by_name() {
        let domains = json!({
            "zb": {"controlPlane": true},
            "za": {"attributes": {"rack": "1"}},
        });
        let old = object(
            V1BETA1,
            "Metal3Cluster",
            json!({"spec": {"failureDomains": domains}, "status": {"failureDomains": domains}}),
        );
        let new = round_trip(&old, V1BETA2);
        let list = json!([
            {"name": "za", "attributes": {"rack": "1"}},
            {"name": "zb", "controlPlane": true},
        ]);
        assert_eq!(new["spec"]["failureDomains"], list);
        assert_eq!(new["status"]["failureDomains"], list);
        assert_eq!(stored(&new), None, "nothing lost, so no annotation");
    }

    #[test]
    fn an_unsorted_failure_domain_list_keeps_its_order_through_v1beta1() {
        let list = json!([{"name": "b"}, {"name": "a"}]);
        let new = object(
            V1BETA2,
            "Metal3Cluster",
            json!({"spec": {"failureDomains": list}}),
        );
        let old = round_trip(&new, V1BETA1);
        assert_eq!(old["spec"]["failureDomains"], json!({"a": {}, "b": {}}));
        assert!(
            stored(&old).is_some(),
            "the order travels in the annotation"
        );
    }

    #[test]
    fn no_cloud_provider_is_the_inverse_of_cloud_provider_enabled() {
        // (v1beta1 spec, v1beta2 cloudProviderEnabled)
        let table = [
            (json!({"noCloudProvider": true}), json!(false)),
            (json!({"noCloudProvider": false}), json!(true)),
            (json!({"cloudProviderEnabled": true}), json!(true)),
            (
                json!({"cloudProviderEnabled": true, "noCloudProvider": true}),
                json!(true),
            ),
            (json!({}), json!(null)),
        ];
        for (spec, enabled) in table {
            let old = object(V1BETA1, "Metal3Cluster", json!({"spec": spec}));
            let new = round_trip(&old, V1BETA2);
            assert_eq!(new["spec"]["cloudProviderEnabled"], enabled, "{spec}");
            assert_eq!(new["spec"].get("noCloudProvider"), None);
        }
        let new = object(
            V1BETA2,
            "Metal3Cluster",
            json!({"spec": {"cloudProviderEnabled": false}}),
        );
        let old = to(new, V1BETA1);
        assert_eq!(old["spec"], json!({"cloudProviderEnabled": false}));
    }

    #[test]
    fn endpoint_zero_values_are_absent_fields() {
        // (v1beta1 endpoint, v1beta2 endpoint)
        let table = [
            (
                json!({"host": "h", "port": 6443}),
                json!({"host": "h", "port": 6443}),
            ),
            (json!({"host": "", "port": 6443}), json!({"port": 6443})),
            (json!({"host": "h", "port": 0}), json!({"host": "h"})),
        ];
        for (old_endpoint, new_endpoint) in table {
            let spec = json!({"spec": {"controlPlaneEndpoint": old_endpoint}});
            let new = round_trip(&object(V1BETA1, "Metal3Cluster", spec), V1BETA2);
            assert_eq!(new["spec"]["controlPlaneEndpoint"], new_endpoint);
        }
    }

    #[test]
    fn a_port_beyond_int32_is_an_error() {
        let spec = json!({"spec": {"controlPlaneEndpoint": {"host": "h", "port": 1_i64 << 40}}});
        let error = super::super::convert(object(V1BETA1, "Metal3Cluster", spec), V1BETA2)
            .expect_err("does not fit");
        assert!(
            error.to_string().contains("controlPlaneEndpoint.port"),
            "{error}"
        );
    }

    #[test]
    fn ready_is_initialization_provisioned() {
        for ready in [true, false] {
            let old = object(
                V1BETA1,
                "Metal3Cluster",
                json!({"spec": {}, "status": {"ready": ready}}),
            );
            let new = round_trip(&old, V1BETA2);
            assert_eq!(
                new["status"],
                json!({"initialization": {"provisioned": ready}})
            );
        }
    }

    #[test]
    fn legacy_conditions_and_failures_move_under_deprecated_v1beta1() {
        let legacy = json!({"type": "Ready", "status": "False", "severity": "Error",
            "reason": "InternalFailureOccured", "lastTransitionTime": "2024-01-02T03:04:05Z"});
        let current = json!({"type": "Ready", "status": "True", "reason": "Ready", "message": "",
            "lastTransitionTime": "2024-01-02T03:04:05Z"});
        let old = object(
            V1BETA1,
            "Metal3Cluster",
            json!({"spec": {}, "status": {
                "conditions": [legacy],
                "failureReason": "CreateError",
                "failureMessage": "boom",
                "v1beta2": {"conditions": [current]},
            }}),
        );
        let new = round_trip(&old, V1BETA2);
        assert_eq!(
            new["status"],
            json!({
                "conditions": [current],
                "deprecated": {"v1beta1": {
                    "conditions": [legacy],
                    "failureReason": "CreateError",
                    "failureMessage": "boom",
                }},
            })
        );
    }

    #[test]
    fn template_metadata_survives_v1beta1_even_after_an_edit_there() {
        let spec = json!({"controlPlaneEndpoint": {"host": "h", "port": 6443}});
        let new = object(
            V1BETA2,
            "Metal3ClusterTemplate",
            json!({"spec": {"template": {"metadata": {"labels": {"a": "b"}}, "spec": spec}}}),
        );
        let mut old = round_trip(&new, V1BETA1);
        assert_eq!(old["spec"], json!({"template": {"spec": spec}}));
        // A v1beta1 client changes the port: the metadata is still restored.
        old["spec"]["template"]["spec"]["controlPlaneEndpoint"]["port"] = json!(443);
        let edited = to(old, V1BETA2);
        assert_eq!(
            edited["spec"]["template"]["metadata"],
            json!({"labels": {"a": "b"}})
        );
        assert_eq!(
            edited["spec"]["template"]["spec"]["controlPlaneEndpoint"]["port"],
            json!(443)
        );
    }
}

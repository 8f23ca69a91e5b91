//! Metal3Cluster and Metal3ClusterTemplate.

use super::common::{Convert, Legacy, Result};
use crate::api::capm3::{v1beta1, v1beta2};

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
            deprecated: legacy.into_deprecated()?,
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
        let legacy = Legacy::from_deprecated(hub.deprecated)?;
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

/// v1beta2 added `template.metadata`, which v1beta1 cannot hold.
impl Convert for v1beta1::Metal3ClusterTemplateResource {
    type Hub = v1beta2::Metal3ClusterTemplateResource;
    fn into_hub(self) -> Result<Self::Hub> {
        Ok(v1beta2::Metal3ClusterTemplateResource {
            metadata: None,
            spec: self.spec.into_hub()?,
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        Ok(v1beta1::Metal3ClusterTemplateResource {
            spec: Convert::from_hub(hub.spec)?,
        })
    }
}

impl Convert for v1beta1::Metal3ClusterTemplateSpec {
    type Hub = v1beta2::Metal3ClusterTemplateSpec;
    fn into_hub(self) -> Result<Self::Hub> {
        Ok(v1beta2::Metal3ClusterTemplateSpec {
            template: self.template.into_hub()?,
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        Ok(v1beta1::Metal3ClusterTemplateSpec {
            template: Convert::from_hub(hub.template)?,
        })
    }
}

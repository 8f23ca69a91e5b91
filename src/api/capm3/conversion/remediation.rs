//! Metal3Remediation and Metal3RemediationTemplate.

use super::common::{Convert, Result, known, name_of, narrow_opt, widen};
use super::duration;
use crate::api::capm3::{v1beta1, v1beta2};

/// `timeout` (a `metav1.Duration` string) became `timeoutSeconds`; `type` a closed enum.
impl Convert for v1beta1::RemediationStrategy {
    type Hub = v1beta2::RemediationStrategy;
    fn into_hub(self) -> Result<Self::Hub> {
        let timeout = self.timeout.as_deref();
        Ok(v1beta2::RemediationStrategy {
            retry_limit: narrow_opt(self.retry_limit, "strategy.retryLimit")?,
            timeout_seconds: timeout
                .map(|t| duration::seconds(t, "strategy.timeout"))
                .transpose()?,
            r#type: known(self.r#type),
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        Ok(v1beta1::RemediationStrategy {
            retry_limit: widen(hub.retry_limit),
            timeout: hub.timeout_seconds.map(duration::format),
            r#type: name_of(hub.r#type)?,
        })
    }
}

impl Convert for v1beta1::Metal3RemediationSpec {
    type Hub = v1beta2::Metal3RemediationSpec;
    fn into_hub(self) -> Result<Self::Hub> {
        Ok(v1beta2::Metal3RemediationSpec {
            strategy: self.strategy.into_hub()?,
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        Ok(v1beta1::Metal3RemediationSpec {
            strategy: Convert::from_hub(hub.strategy)?,
        })
    }
}

/// `phase` became a closed enum and `retryCount` an `int32`.
impl Convert for v1beta1::Metal3RemediationStatus {
    type Hub = v1beta2::Metal3RemediationStatus;
    fn into_hub(self) -> Result<Self::Hub> {
        Ok(v1beta2::Metal3RemediationStatus {
            last_remediated: self.last_remediated,
            phase: known(self.phase),
            retry_count: narrow_opt(self.retry_count, "status.retryCount")?,
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        Ok(v1beta1::Metal3RemediationStatus {
            last_remediated: hub.last_remediated,
            phase: name_of(hub.phase)?,
            retry_count: widen(hub.retry_count),
        })
    }
}

impl Convert for v1beta1::Metal3RemediationTemplateResource {
    type Hub = v1beta2::Metal3RemediationTemplateResource;
    fn into_hub(self) -> Result<Self::Hub> {
        Ok(v1beta2::Metal3RemediationTemplateResource {
            spec: self.spec.into_hub()?,
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        Ok(v1beta1::Metal3RemediationTemplateResource {
            spec: Convert::from_hub(hub.spec)?,
        })
    }
}

impl Convert for v1beta1::Metal3RemediationTemplateSpec {
    type Hub = v1beta2::Metal3RemediationTemplateSpec;
    fn into_hub(self) -> Result<Self::Hub> {
        Ok(v1beta2::Metal3RemediationTemplateSpec {
            template: self.template.into_hub()?,
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        Ok(v1beta1::Metal3RemediationTemplateSpec {
            template: Convert::from_hub(hub.template)?,
        })
    }
}

/// The inner status is required in v1beta1 and optional in v1beta2; an absent one
/// reads as the empty status in v1beta1.
impl Convert for v1beta1::Metal3RemediationTemplateStatus {
    type Hub = v1beta2::Metal3RemediationTemplateStatus;
    fn into_hub(self) -> Result<Self::Hub> {
        Ok(v1beta2::Metal3RemediationTemplateStatus {
            status: Some(self.status.into_hub()?),
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        let status: Option<v1beta1::Metal3RemediationStatus> = Convert::from_hub(hub.status)?;
        Ok(v1beta1::Metal3RemediationTemplateStatus {
            status: status.unwrap_or(v1beta1::Metal3RemediationStatus {
                last_remediated: None,
                phase: None,
                retry_count: None,
            }),
        })
    }
}

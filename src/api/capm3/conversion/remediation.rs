//! Metal3Remediation and Metal3RemediationTemplate.

use super::common::{Convert, Result, by_field, known, name_of, narrow_opt, widen};
use super::duration;
use crate::api::capm3::{v1beta1, v1beta2};

by_field!(
    Metal3RemediationSpec { strategy }
    Metal3RemediationTemplateResource { spec }
    Metal3RemediationTemplateSpec { template }
);

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

/// API-05: Metal3Remediation and Metal3RemediationTemplate rules.
#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::api::capm3::conversion::testing::{
        V1BETA1, V1BETA2, object, round_trip, stored, to,
    };

    fn remediation(api_version: &str, strategy: serde_json::Value) -> serde_json::Value {
        object(
            api_version,
            "Metal3Remediation",
            json!({"spec": {"strategy": strategy}}),
        )
    }

    #[test]
    fn timeout_is_timeout_seconds() {
        // (v1beta1 timeout, v1beta2 timeoutSeconds, annotated: the text is not Go's own)
        let table = [
            ("5m0s", 300, false),
            ("300s", 300, true),
            ("1h0m0s", 3600, false),
            ("1.9s", 1, true),
            ("10m0.5s", 600, true),
        ];
        for (timeout, seconds, annotated) in table {
            let old = remediation(
                V1BETA1,
                json!({"timeout": timeout, "retryLimit": 2, "type": "Reboot"}),
            );
            let new = round_trip(&old, V1BETA2);
            let expected = json!({"timeoutSeconds": seconds, "retryLimit": 2, "type": "Reboot"});
            assert_eq!(new["spec"]["strategy"], expected, "{timeout}");
            assert_eq!(stored(&new).is_some(), annotated, "{timeout}");
        }
        let new = remediation(V1BETA2, json!({"timeoutSeconds": 600}));
        assert_eq!(
            round_trip(&new, V1BETA1)["spec"]["strategy"],
            json!({"timeout": "10m0s"})
        );
    }

    #[test]
    fn an_unparsable_timeout_is_an_error() {
        let old = remediation(V1BETA1, json!({"timeout": "ten minutes"}));
        let error = super::super::convert(old, V1BETA2).expect_err("not a duration");
        assert!(error.to_string().starts_with("strategy.timeout"), "{error}");
    }

    #[test]
    fn unknown_type_and_phase_are_unset_in_v1beta2_and_restored() {
        let old = object(
            V1BETA1,
            "Metal3Remediation",
            json!({"spec": {"strategy": {"type": "PowerCycle"}}, "status": {"phase": "Pending", "retryCount": 1}}),
        );
        let new = round_trip(&old, V1BETA2);
        assert_eq!(new["spec"], json!({"strategy": {}}));
        assert_eq!(new["status"], json!({"retryCount": 1}));
        let known = object(
            V1BETA1,
            "Metal3Remediation",
            json!({"spec": {}, "status": {"phase": "Deleting machine"}}),
        );
        assert_eq!(to(known, V1BETA2)["status"]["phase"], "Deleting machine");
    }

    #[test]
    fn template_status_is_required_in_v1beta1() {
        let new = object(
            V1BETA2,
            "Metal3RemediationTemplate",
            json!({"spec": {"template": {"spec": {}}}, "status": {}}),
        );
        let old = round_trip(&new, V1BETA1);
        assert_eq!(old["status"], json!({"status": {}}));
    }
}

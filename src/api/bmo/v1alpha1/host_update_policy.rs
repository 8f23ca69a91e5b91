//! metal3.io/v1alpha1: the BareMetalHost operator's kinds.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// HostUpdatePolicySpec defines the desired state of HostUpdatePolicy.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "metal3.io",
    version = "v1alpha1",
    kind = "HostUpdatePolicy",
    plural = "hostupdatepolicies",
    namespaced,
    status = "HostUpdatePolicyStatus",
    derive = "PartialEq",
    doc = "HostUpdatePolicy is the Schema for the hostupdatepolicy API."
)]
#[serde(rename_all = "camelCase")]
pub struct HostUpdatePolicySpec {
    /// Defines policy for changing firmware settings
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware_settings: Option<HostUpdatePolicyFirmwareSettings>,
    /// Defines policy for updating firmware
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware_updates: Option<HostUpdatePolicyFirmwareSettings>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum HostUpdatePolicyFirmwareSettings {
    #[serde(rename = "onPreparing")]
    OnPreparing,
    #[serde(rename = "onReboot")]
    OnReboot,
}

/// HostUpdatePolicyStatus defines the observed state of HostUpdatePolicy.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HostUpdatePolicyStatus {}

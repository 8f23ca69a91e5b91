//! metal3.io/v1alpha1: the BareMetalHost operator's kinds.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// HostFirmwareComponentsSpec defines the desired state of HostFirmwareComponents.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "metal3.io",
    version = "v1alpha1",
    kind = "HostFirmwareComponents",
    plural = "hostfirmwarecomponents",
    namespaced,
    status = "HostFirmwareComponentsStatus",
    derive = "PartialEq",
    doc = "HostFirmwareComponents is the Schema for the hostfirmwarecomponents API."
)]
#[serde(rename_all = "camelCase")]
pub struct HostFirmwareComponentsSpec {
    pub updates: Vec<FirmwareUpdate>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FirmwareUpdate {
    pub component: String,
    pub url: String,
}

/// HostFirmwareComponentsStatus defines the observed state of HostFirmwareComponents.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HostFirmwareComponentsStatus {
    /// Components is the list of all available firmware components and their information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<FirmwareComponentStatus>>,
    /// Track whether updates stored in the spec are valid based on the schema
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["type"]), schema_with = "crate::api::schema::conditions")]
    pub conditions: Option<Vec<Condition>>,
    /// Time that the status was last updated
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<Time>,
    /// Updates is the list of all firmware components that should be updated
    /// they are specified via name and url fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updates: Option<Vec<FirmwareUpdate>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FirmwareComponentStatus {
    pub component: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_version: Option<String>,
    pub initial_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_version_flashed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Time>,
}

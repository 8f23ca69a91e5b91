//! metal3.io/v1alpha1: the BareMetalHost operator's kinds.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// HostFirmwareSettingsSpec defines the desired state of HostFirmwareSettings.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "metal3.io",
    version = "v1alpha1",
    kind = "HostFirmwareSettings",
    plural = "hostfirmwaresettings",
    namespaced,
    status = "HostFirmwareSettingsStatus",
    shortname = "hfs",
    derive = "PartialEq",
    doc = "HostFirmwareSettings is the Schema for the hostfirmwaresettings API."
)]
#[serde(rename_all = "camelCase")]
pub struct HostFirmwareSettingsSpec {
    /// Settings are the desired firmware settings stored as name/value pairs.
    pub settings: BTreeMap<String, IntOrString>,
}

/// HostFirmwareSettingsStatus defines the observed state of HostFirmwareSettings.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HostFirmwareSettingsStatus {
    /// Track whether settings stored in the spec are valid based on the schema
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["type"]), schema_with = "crate::api::schema::conditions")]
    pub conditions: Option<Vec<Condition>>,
    /// Time that the status was last updated
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<Time>,
    /// FirmwareSchema is a reference to the Schema used to describe each
    /// FirmwareSetting. By default, this will be a Schema in the same
    /// Namespace as the settings but it can be overwritten in the Spec
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<SchemaReference>,
    /// Settings are the firmware settings stored as name/value pairs
    pub settings: BTreeMap<String, String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchemaReference {
    /// `name` is the reference to the schema.
    pub name: String,
    /// `namespace` is the namespace of the where the schema is stored.
    pub namespace: String,
}

//! metal3.io/v1alpha1: the BareMetalHost operator's kinds.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// FirmwareSchemaSpec defines the desired state of FirmwareSchema.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "metal3.io",
    version = "v1alpha1",
    kind = "FirmwareSchema",
    plural = "firmwareschemas",
    namespaced,
    derive = "PartialEq",
    doc = "FirmwareSchema is the Schema for the firmwareschemas API."
)]
#[serde(rename_all = "camelCase")]
pub struct FirmwareSchemaSpec {
    /// The hardware model associated with this schema
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware_model: Option<String>,
    /// The hardware vendor associated with this schema
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware_vendor: Option<String>,
    /// Map of firmware name to schema
    pub schema: BTreeMap<String, SettingSchema>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingSchema {
    /// The allowable value for an Enumeration type setting.
    #[serde(
        rename = "allowable_values",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub allowable_values: Option<Vec<String>>,
    /// The type of setting.
    #[serde(
        rename = "attribute_type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub attribute_type: Option<AttributeType>,
    /// The lowest value for an Integer type setting.
    #[serde(
        rename = "lower_bound",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub lower_bound: Option<i64>,
    /// Maximum length for a String type setting.
    #[serde(
        rename = "max_length",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub max_length: Option<i64>,
    /// Minimum length for a String type setting.
    #[serde(
        rename = "min_length",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub min_length: Option<i64>,
    /// Whether or not this setting is read only.
    #[serde(rename = "read_only", default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    /// Whether or not this setting's value is unique to this node, e.g.
    /// a serial number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique: Option<bool>,
    /// The highest value for an Integer type setting.
    #[serde(
        rename = "upper_bound",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub upper_bound: Option<i64>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum AttributeType {
    #[serde(rename = "Enumeration")]
    Enumeration,
    #[serde(rename = "String")]
    String,
    #[serde(rename = "Integer")]
    Integer,
    #[serde(rename = "Boolean")]
    Boolean,
    #[serde(rename = "Password")]
    Password,
}

//! metal3.io/v1alpha1: the BareMetalHost operator's kinds.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// DataImageSpec defines the desired state of DataImage.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "metal3.io",
    version = "v1alpha1",
    kind = "DataImage",
    plural = "dataimages",
    namespaced,
    status = "DataImageStatus",
    derive = "PartialEq",
    doc = "DataImage is the Schema for the dataimages API."
)]
#[serde(rename_all = "camelCase")]
pub struct DataImageSpec {
    /// Url is the address of the dataImage that we want to attach
    /// to a BareMetalHost
    pub url: String,
}

/// DataImageStatus defines the observed state of DataImage.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataImageStatus {
    /// Currently attached DataImage
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached_image: Option<AttachedImageReference>,
    /// Error count and message when attaching/detaching
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<DataImageError>,
    /// Time of last reconciliation
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reconciled: Option<Time>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttachedImageReference {
    pub url: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataImageError {
    pub count: i64,
    pub message: String,
}

//! infrastructure.cluster.x-k8s.io/v1beta2: the storage version of the CAPM3 kinds.

use super::*;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// spec defines the desired state of Metal3DataClaim.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "infrastructure.cluster.x-k8s.io",
    version = "v1beta2",
    kind = "Metal3DataClaim",
    plural = "metal3dataclaims",
    namespaced,
    status = "Metal3DataClaimStatus",
    shortname = "m3dc",
    shortname = "m3dataclaim",
    shortname = "m3dataclaims",
    shortname = "metal3dc",
    shortname = "metal3dataclaim",
    category = "cluster-api",
    label("cluster.x-k8s.io/v1beta1", "v1beta1"),
    label("cluster.x-k8s.io/v1beta2", "v1beta2"),
    label("cluster.x-k8s.io/provider", "infrastructure-metal3"),
    derive = "PartialEq",
    doc = "Metal3DataClaim is the Schema for the metal3datas API.",
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp",
        description = "Time duration since creation of Metal3DataClaim"
    )
)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
        {"rule": "has(self.template) && has(self.template.name) && self.template.name != ''", "message": "is required", "fieldPath": ".template.name", "reason": "FieldValueRequired"},
        {"rule": "has(self.template) == has(oldSelf.template) && (!has(self.template) || self.template == oldSelf.template)", "message": "cannot be modified", "fieldPath": ".template"}
]))]
pub struct Metal3DataClaimSpec {
    /// template is the Metal3DataTemplate this was generated for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub template: Option<Metal3ObjectRef>,
}

/// status defines the observed state of Metal3DataClaim.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Metal3DataClaimStatus {
    /// errorMessage contains the error message
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512))]
    pub error_message: Option<String>,
    /// renderedData references the Metal3Data when ready
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub rendered_data: Option<Metal3ObjectRef>,
}

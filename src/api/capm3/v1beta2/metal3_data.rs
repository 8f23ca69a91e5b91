//! infrastructure.cluster.x-k8s.io/v1beta2: the storage version of the CAPM3 kinds.

use super::*;
use k8s_openapi::api::core::v1::SecretReference;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// spec defines the desired state of Metal3Data.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "infrastructure.cluster.x-k8s.io",
    version = "v1beta2",
    kind = "Metal3Data",
    plural = "metal3datas",
    namespaced,
    status = "Metal3DataStatus",
    shortname = "m3d",
    shortname = "m3data",
    shortname = "m3datas",
    shortname = "metal3d",
    shortname = "metal3data",
    category = "cluster-api",
    label("cluster.x-k8s.io/v1beta1", "v1beta1"),
    label("cluster.x-k8s.io/v1beta2", "v1beta2"),
    label("cluster.x-k8s.io/provider", "infrastructure-metal3"),
    annotation("clusterctl.cluster.x-k8s.io/skip-crd-name-preflight-check", ""),
    derive = "PartialEq",
    doc = "Metal3Data is the Schema for the metal3datas API.",
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp",
        description = "Time duration since creation of Metal3Data"
    )
)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
        {"rule": "has(self.index) == has(oldSelf.index) && (!has(self.index) || self.index == oldSelf.index)", "message": "cannot be modified", "fieldPath": ".index"},
        {"rule": "has(self.template) == has(oldSelf.template) && (!has(self.template) || self.template == oldSelf.template)", "message": "cannot be modified", "fieldPath": ".template"},
        {"rule": "has(self.claim) == has(oldSelf.claim) && (!has(self.claim) || self.claim == oldSelf.claim)", "message": "cannot be modified", "fieldPath": ".claim"}
]))]
pub struct Metal3DataSpec {
    /// claim points to the Metal3DataClaim the Metal3Data was created for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub claim: Option<Metal3ObjectRef>,
    /// index stores the index value of this instance in the Metal3DataTemplate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub index: Option<i32>,
    /// metaData points to the rendered MetaData secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub meta_data: Option<SecretReference>,
    /// networkData points to the rendered NetworkData secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub network_data: Option<SecretReference>,
    /// template is the Metal3DataTemplate this was generated from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub template: Option<Metal3ObjectRef>,
}

/// status defines the observed state of Metal3Data.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Metal3DataStatus {
    /// errorMessage contains the error message
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512))]
    pub error_message: Option<String>,
    /// ready is a flag set to True if the secrets were rendered properly
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<bool>,
}

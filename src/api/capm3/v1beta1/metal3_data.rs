//! infrastructure.cluster.x-k8s.io/v1beta1: the deprecated, still served version of the CAPM3 kinds.

use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::api::core::v1::SecretReference;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Metal3DataSpec defines the desired state of Metal3Data.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "infrastructure.cluster.x-k8s.io",
    version = "v1beta1",
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
    deprecated,
    storage = false,
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
pub struct Metal3DataSpec {
    /// DataClaim points to the Metal3DataClaim the Metal3Data was created for.
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub claim: ObjectReference,
    /// Index stores the index value of this instance in the Metal3DataTemplate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<i64>,
    /// MetaData points to the rendered MetaData secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub meta_data: Option<SecretReference>,
    /// NetworkData points to the rendered NetworkData secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub network_data: Option<SecretReference>,
    /// DataTemplate is the Metal3DataTemplate this was generated from.
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub template: ObjectReference,
    /// TemplateReference refers to the Template the Metal3MachineTemplate refers to.
    /// It can be matched against the key or it may also point to the name of the template
    /// Metal3Data refers to.
    ///
    /// Deprecated: This field is deprecated and will be removed in a future release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_reference: Option<String>,
}

/// Metal3DataStatus defines the observed state of Metal3Data.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Metal3DataStatus {
    /// ErrorMessage contains the error message
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// Ready is a flag set to True if the secrets were rendered properly
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<bool>,
}

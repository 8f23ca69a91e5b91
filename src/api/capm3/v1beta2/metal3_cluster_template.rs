//! infrastructure.cluster.x-k8s.io/v1beta2: the storage version of the CAPM3 kinds.

use super::*;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// spec defines the desired state of Metal3ClusterTemplate.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "infrastructure.cluster.x-k8s.io",
    version = "v1beta2",
    kind = "Metal3ClusterTemplate",
    plural = "metal3clustertemplates",
    namespaced,
    shortname = "m3ct",
    category = "cluster-api",
    label("cluster.x-k8s.io/v1beta1", "v1beta1"),
    label("cluster.x-k8s.io/v1beta2", "v1beta2"),
    label("cluster.x-k8s.io/provider", "infrastructure-metal3"),
    derive = "PartialEq",
    doc = "Metal3ClusterTemplate is the Schema for the metal3clustertemplates API."
)]
#[serde(rename_all = "camelCase")]
pub struct Metal3ClusterTemplateSpec {
    /// template describes the data for creating a Metal3Cluster from a template
    pub template: Metal3ClusterTemplateResource,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
        {"rule": "has(self.spec.controlPlaneEndpoint) && has(self.spec.controlPlaneEndpoint.port) && self.spec.controlPlaneEndpoint.port != 0", "message": "is required", "fieldPath": ".spec.controlPlaneEndpoint.port", "reason": "FieldValueRequired"}
]))]
pub struct Metal3ClusterTemplateResource {
    /// metadata is the standard object's metadata.
    /// More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("minProperties" = 1))]
    pub metadata: Option<TemplateMeta>,
    /// spec defines the desired state of Metal3Cluster.
    pub spec: Metal3ClusterSpec,
}

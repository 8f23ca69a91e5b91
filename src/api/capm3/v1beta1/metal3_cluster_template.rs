//! infrastructure.cluster.x-k8s.io/v1beta1: the deprecated, still served version of the CAPM3 kinds.

use super::*;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Metal3ClusterTemplateSpec defines the desired state of Metal3ClusterTemplate.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "infrastructure.cluster.x-k8s.io",
    version = "v1beta1",
    kind = "Metal3ClusterTemplate",
    plural = "metal3clustertemplates",
    namespaced,
    shortname = "m3ct",
    category = "cluster-api",
    label("cluster.x-k8s.io/v1beta1", "v1beta1"),
    label("cluster.x-k8s.io/v1beta2", "v1beta2"),
    label("cluster.x-k8s.io/provider", "infrastructure-metal3"),
    deprecated,
    storage = false,
    derive = "PartialEq",
    doc = "Metal3ClusterTemplate is the Schema for the metal3clustertemplates API."
)]
#[serde(rename_all = "camelCase")]
pub struct Metal3ClusterTemplateSpec {
    /// Metal3ClusterTemplateResource describes the data for creating a Metal3Cluster from a template.
    pub template: Metal3ClusterTemplateResource,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Metal3ClusterTemplateResource {
    /// Metal3ClusterSpec defines the desired state of Metal3Cluster.
    pub spec: Metal3ClusterSpec,
}

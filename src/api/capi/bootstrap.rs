use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Rest;

/// A KubeadmConfigTemplate; the sandbox only needs it to exist, so its content is not typed.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "bootstrap.cluster.x-k8s.io",
    version = "v1beta2",
    kind = "KubeadmConfigTemplate",
    plural = "kubeadmconfigtemplates",
    namespaced,
    category = "cluster-api",
    derive = "PartialEq",
    derive = "Default"
)]
pub struct KubeadmConfigTemplateSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::api::schema::preserve_unknown_object")]
    pub template: Option<serde_json::Value>,
    #[serde(flatten)]
    pub rest: Rest,
}

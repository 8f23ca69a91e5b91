use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Rest;

/// A KubeadmConfigTemplate; the sandbox only needs it to exist, so nothing is typed.
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
    #[serde(flatten)]
    pub rest: Rest,
}

//! infrastructure.cluster.x-k8s.io/v1beta1: the deprecated, still served version of the CAPM3 kinds.

use super::*;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Metal3MachineTemplateSpec defines the desired state of Metal3MachineTemplate.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "infrastructure.cluster.x-k8s.io",
    version = "v1beta1",
    kind = "Metal3MachineTemplate",
    plural = "metal3machinetemplates",
    namespaced,
    shortname = "m3mt",
    shortname = "m3machinetemplate",
    shortname = "m3machinetemplates",
    shortname = "metal3mt",
    shortname = "metal3machinetemplate",
    category = "cluster-api",
    label("cluster.x-k8s.io/v1beta1", "v1beta1"),
    label("cluster.x-k8s.io/v1beta2", "v1beta2"),
    label("cluster.x-k8s.io/provider", "infrastructure-metal3"),
    deprecated,
    storage = false,
    derive = "PartialEq",
    doc = "Metal3MachineTemplate is the Schema for the metal3machinetemplates API.",
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp",
        description = "Time duration since creation of Metal3MachineTemplate"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct Metal3MachineTemplateSpec {
    /// When set to True, CAPM3 Machine controller will
    /// pick the same pool of BMHs' that were released during the upgrade operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false))]
    pub node_reuse: Option<bool>,
    /// Metal3MachineTemplateResource describes the data needed to create a Metal3Machine from a template.
    pub template: Metal3MachineTemplateResource,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Metal3MachineTemplateResource {
    /// Spec is the specification of the desired behavior of the machine.
    pub spec: Metal3MachineSpec,
}

//! infrastructure.cluster.x-k8s.io/v1beta1: the deprecated, still served version of the CAPM3 kinds.

use super::*;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Metal3RemediationTemplateSpec defines the desired state of Metal3RemediationTemplate.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "infrastructure.cluster.x-k8s.io",
    version = "v1beta1",
    kind = "Metal3RemediationTemplate",
    plural = "metal3remediationtemplates",
    namespaced,
    status = "Metal3RemediationTemplateStatus",
    shortname = "m3rt",
    shortname = "m3remediationtemplate",
    shortname = "m3remediationtemplates",
    shortname = "metal3rt",
    shortname = "metal3remediationtemplate",
    category = "cluster-api",
    label("cluster.x-k8s.io/v1beta1", "v1beta1"),
    label("cluster.x-k8s.io/v1beta2", "v1beta2"),
    label("cluster.x-k8s.io/provider", "infrastructure-metal3"),
    deprecated,
    storage = false,
    derive = "PartialEq",
    doc = "Metal3RemediationTemplate is the Schema for the metal3remediationtemplates API."
)]
#[serde(rename_all = "camelCase")]
pub struct Metal3RemediationTemplateSpec {
    /// Metal3RemediationTemplateResource describes the data needed to create a Metal3Remediation from a template.
    pub template: Metal3RemediationTemplateResource,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Metal3RemediationTemplateResource {
    /// Spec is the specification of the desired behavior of the Metal3Remediation.
    pub spec: Metal3RemediationSpec,
}

/// Metal3RemediationTemplateStatus defines the observed state of Metal3RemediationTemplate.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Metal3RemediationTemplateStatus {
    /// Metal3RemediationStatus defines the observed state of Metal3Remediation
    pub status: Metal3RemediationStatus,
}

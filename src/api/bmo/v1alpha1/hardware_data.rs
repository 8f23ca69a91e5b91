//! metal3.io/v1alpha1: the BareMetalHost operator's kinds.

use super::*;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// HardwareDataSpec defines the desired state of HardwareData.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "metal3.io",
    version = "v1alpha1",
    kind = "HardwareData",
    plural = "hardwaredata",
    namespaced,
    shortname = "hd",
    derive = "PartialEq",
    doc = "HardwareData is the Schema for the hardwaredata API.",
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp",
        description = "Time duration since creation of HardwareData"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct HardwareDataSpec {
    /// The hardware discovered on the host during its inspection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware: Option<HardwareDetails>,
}

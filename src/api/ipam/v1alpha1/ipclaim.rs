//! ipam.metal3.io/v1alpha1: the IP address manager's kinds.

use k8s_openapi::api::core::v1::ObjectReference;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// IPClaimSpec defines the desired state of IPClaim.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "ipam.metal3.io",
    version = "v1alpha1",
    kind = "IPClaim",
    plural = "ipclaims",
    namespaced,
    status = "IPClaimStatus",
    shortname = "ipc",
    shortname = "ipclaim",
    shortname = "m3ipc",
    shortname = "m3ipclaim",
    shortname = "m3ipclaims",
    shortname = "metal3ipc",
    shortname = "metal3ipclaim",
    shortname = "metal3ipclaims",
    category = "cluster-api",
    derive = "PartialEq",
    doc = "IPClaim is the Schema for the ipclaims API.",
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp",
        description = "Time duration since creation of Metal3IPClaim"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct IPClaimSpec {
    /// Pool is the IPPool this was generated from.
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub pool: ObjectReference,
}

/// IPClaimStatus defines the observed state of IPClaim.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IPClaimStatus {
    /// Address is the IPAddress that was generated for this claim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub address: Option<ObjectReference>,
    /// ErrorMessage contains the error message
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

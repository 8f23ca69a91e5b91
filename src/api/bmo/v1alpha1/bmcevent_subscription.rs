//! metal3.io/v1alpha1: the BareMetalHost operator's kinds.

use k8s_openapi::api::core::v1::SecretReference;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "metal3.io",
    version = "v1alpha1",
    kind = "BMCEventSubscription",
    plural = "bmceventsubscriptions",
    namespaced,
    status = "BMCEventSubscriptionStatus",
    shortname = "bes",
    shortname = "bmcevent",
    derive = "PartialEq",
    doc = "BMCEventSubscription is the Schema for the fast eventing API",
    printcolumn(
        name = "Error",
        type_ = "string",
        json_path = ".status.error",
        description = "The most recent error message"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp",
        description = "Time duration since creation of BMCEventSubscription"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct BMCEventSubscriptionSpec {
    /// Arbitrary user-provided context for the event
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// A webhook URL to send events to
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// A reference to a BareMetalHost
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_name: Option<String>,
    /// A secret containing HTTP headers which should be passed along to the Destination
    /// when making a request
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub http_headers_ref: Option<SecretReference>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BMCEventSubscriptionStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(
        rename = "subscriptionID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub subscription_id: Option<String>,
}

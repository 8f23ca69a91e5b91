//! metal3.io/v1alpha1: the BareMetalHost operator's kinds.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// PreprovisioningImageSpec defines the desired state of PreprovisioningImage.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "metal3.io",
    version = "v1alpha1",
    kind = "PreprovisioningImage",
    plural = "preprovisioningimages",
    namespaced,
    status = "PreprovisioningImageStatus",
    shortname = "ppimg",
    derive = "PartialEq",
    doc = "PreprovisioningImage is the Schema for the preprovisioningimages API.",
    printcolumn(
        name = "Ready",
        type_ = "string",
        json_path = ".status.conditions[?(@.type=='Ready')].status",
        description = "Whether the image is ready"
    ),
    printcolumn(
        name = "Reason",
        type_ = "string",
        json_path = ".status.conditions[?(@.type=='Ready')].reason",
        description = "The reason for the image readiness status"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct PreprovisioningImageSpec {
    /// acceptFormats is a list of acceptable image formats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_formats: Option<Vec<ImageFormat>>,
    /// architecture is the processor architecture for which to build the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// networkDataName is the name of a Secret in the local namespace that
    /// contains network data to build in to the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_data_name: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum ImageFormat {
    #[serde(rename = "iso")]
    Iso,
    #[serde(rename = "initrd")]
    Initrd,
}

/// PreprovisioningImageStatus defines the observed state of PreprovisioningImage.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreprovisioningImageStatus {
    /// architecture is the processor architecture for which the image is built
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// conditions describe the state of the built image
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["type"]), schema_with = "crate::api::schema::conditions")]
    pub conditions: Option<Vec<Condition>>,
    /// extraKernelParams is a string with extra parameters to pass to the
    /// kernel when booting the image over network. Only makes sense for initrd images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_kernel_params: Option<String>,
    /// format is the type of image that is available at the download url:
    /// either iso or initrd.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<ImageFormat>,
    /// imageUrl is the URL from which the built image can be downloaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// kernelUrl is the URL from which the kernel of the image can be downloaded.
    /// Only makes sense for initrd images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel_url: Option<String>,
    /// networkData is a reference to the version of the Secret containing the
    /// network data used to build the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_data: Option<SecretStatus>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecretStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

//! infrastructure.cluster.x-k8s.io/v1beta2: the storage version of the CAPM3 kinds.

use super::*;
use k8s_openapi::api::core::v1::SecretReference;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// spec defines the desired state of Metal3Cluster.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "infrastructure.cluster.x-k8s.io",
    version = "v1beta2",
    kind = "Metal3Cluster",
    plural = "metal3clusters",
    namespaced,
    status = "Metal3ClusterStatus",
    shortname = "m3c",
    shortname = "m3cluster",
    shortname = "m3clusters",
    shortname = "metal3c",
    shortname = "metal3cluster",
    category = "cluster-api",
    label("cluster.x-k8s.io/v1beta1", "v1beta1"),
    label("cluster.x-k8s.io/v1beta2", "v1beta2"),
    label("cluster.x-k8s.io/provider", "infrastructure-metal3"),
    derive = "PartialEq",
    doc = "Metal3Cluster is the Schema for the metal3clusters API.",
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp",
        description = "Time duration since creation of Metal3Cluster"
    ),
    printcolumn(
        name = "Provisioned",
        type_ = "string",
        json_path = ".status.initialization.provisioned",
        description = "Metal3Cluster is provisioned"
    ),
    printcolumn(
        name = "Error",
        type_ = "string",
        json_path = ".status.deprecated.v1beta1.failureReason",
        description = "Most recent error"
    ),
    printcolumn(
        name = "Cluster",
        type_ = "string",
        json_path = ".metadata.labels.cluster\\.x-k8s\\.io/cluster-name",
        description = "Cluster to which this BMCluster belongs"
    ),
    printcolumn(
        name = "Endpoint",
        type_ = "string",
        json_path = ".spec.controlPlaneEndpoint",
        description = "Control plane endpoint"
    )
)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
        {"rule": "has(self.controlPlaneEndpoint) && has(self.controlPlaneEndpoint.host) && self.controlPlaneEndpoint.host != ''", "message": "is required", "fieldPath": ".controlPlaneEndpoint.host", "reason": "FieldValueRequired"}
]))]
pub struct Metal3ClusterSpec {
    /// cloudProviderEnabled determines if the cluster is to be deployed with an external cloud provider.
    /// If set to false, CAPM3 will use node labels to set providerID on the kubernetes nodes.
    /// If set to true, providerID is set on nodes by other entities and CAPM3 uses the value of the providerID on the m3m resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_provider_enabled: Option<bool>,
    /// controlPlaneEndpoint represents the endpoint used to communicate with the control plane.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("minProperties" = 1))]
    pub control_plane_endpoint: Option<APIEndpoint>,
    /// failureDomains is a list of failure domain objects synced from the infrastructure provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 100), extend("x-kubernetes-list-type" = "map"), extend("x-kubernetes-list-map-keys" = ["name"]))]
    pub failure_domains: Option<Vec<FailureDomain>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemplateMeta {
    /// annotations is an unstructured key value map stored with a resource that may be
    /// set by external tools to store and retrieve arbitrary metadata. They are not
    /// queryable and should be preserved when modifying objects.
    /// More info: http://kubernetes.io/docs/user-guide/annotations
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// labels is a map of string keys and values that can be used to organize and categorize
    /// (scope and select) objects. May match selectors of replication controllers
    /// and services.
    /// More info: http://kubernetes.io/docs/user-guide/labels
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
}

/// spec defines the desired state of Metal3Machine.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "infrastructure.cluster.x-k8s.io",
    version = "v1beta2",
    kind = "Metal3Machine",
    plural = "metal3machines",
    namespaced,
    status = "Metal3MachineStatus",
    shortname = "m3m",
    shortname = "m3machine",
    shortname = "m3machines",
    shortname = "metal3m",
    shortname = "metal3machine",
    category = "cluster-api",
    label("cluster.x-k8s.io/v1beta1", "v1beta1"),
    label("cluster.x-k8s.io/v1beta2", "v1beta2"),
    label("cluster.x-k8s.io/provider", "infrastructure-metal3"),
    derive = "PartialEq",
    doc = "Metal3Machine is the Schema for the metal3machines API.",
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp",
        description = "Time duration since creation of Metal3Machine"
    ),
    printcolumn(
        name = "ProviderID",
        type_ = "string",
        json_path = ".spec.providerID",
        description = "Provider ID"
    ),
    printcolumn(
        name = "Provisioned",
        type_ = "string",
        json_path = ".status.initialization.provisioned",
        description = "Metal3Machine is provisioned"
    ),
    printcolumn(
        name = "Cluster",
        type_ = "string",
        json_path = ".metadata.labels.cluster\\.x-k8s\\.io/cluster-name",
        description = "Cluster to which this M3Machine belongs"
    )
)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
        {"rule": "(has(self.customDeploy) && self.customDeploy.method != '') || (has(self.image) && self.image.url != '')", "message": "either image or customDeploy is required", "fieldPath": ".image", "reason": "FieldValueRequired"},
        {"rule": "(has(self.customDeploy) && self.customDeploy.method != '') || !has(self.image) || !self.image.url.lowerAscii().startsWith('oci://') || (!has(self.image.checksum) && !has(self.image.checksumType))", "message": "checksum and checksumType must be empty for OCI images (oci:// images have embedded checksums)", "fieldPath": ".image.checksum", "reason": "FieldValueForbidden"},
        {"rule": "(has(self.customDeploy) && self.customDeploy.method != '') || !has(self.image) || self.image.url.lowerAscii().startsWith('oci://') || (has(self.image.diskFormat) && self.image.diskFormat == 'live-iso') || (has(self.image.checksum) && self.image.checksum != '')", "message": "checksum is required unless diskFormat is live-iso or the image is an OCI image", "fieldPath": ".image.checksum", "reason": "FieldValueRequired"}
]))]
pub struct Metal3MachineSpec {
    /// automatedCleaningMode determines the mode of automated cleaning.
    /// When set to disabled, automated cleaning of host disks will be skipped
    /// during provisioning and deprovisioning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated_cleaning_mode: Option<AutomatedCleaningMode>,
    /// customDeploy is a custom deploy procedure.
    /// Either image or customDeploy is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_deploy: Option<CustomDeploy>,
    /// dataTemplate is a reference to a Metal3DataTemplate object containing
    /// a template of metadata to be rendered. Metadata keys defined in the
    /// metadataTemplate take precedence over keys defined in metadata field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub data_template: Option<Metal3ObjectRef>,
    /// failureDomain is the failure domain unique identifier this machine should be attached to, as defined in Cluster API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 256))]
    pub failure_domain: Option<String>,
    /// hostSelector specifies matching criteria for labels on BareMetalHosts.
    /// This is used to limit the set of BareMetalHost objects considered for
    /// claiming for a metal3machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_selector: Option<HostSelector>,
    /// image is the image to be provisioned.
    /// Either image or customDeploy is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    /// metaData is an object storing the reference to the secret containing the
    /// metadata given by the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub meta_data: Option<SecretReference>,
    /// networkData is an object storing the reference to the secret containing the
    /// network data given by the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub network_data: Option<SecretReference>,
    /// providerID must match the provider ID as seen on the node object corresponding to this machine.
    /// For Kubernetes Nodes running on the Metal3 provider, this value is set by the corresponding CPI component
    /// and it has the format metal3://<namespace>/<bmh-name>/<m3m-name>.
    /// The legacy format (metal3://<bmh-uuid>) will be deprecated in CAPM3 v1.13
    /// and removed in CAPM3 v1.14.
    #[serde(
        rename = "providerID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(length(min = 1, max = 512))]
    pub provider_id: Option<String>,
    /// userData references the Secret that holds user data needed by the bare metal
    /// operator. The Namespace is optional; it will default to the metal3machine's
    /// namespace if not specified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub user_data: Option<SecretReference>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Metal3ObjectRef {
    /// name of the resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub name: Option<String>,
    /// namespace of the resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub namespace: Option<String>,
}

/// spec defines the desired state of Metal3Remediation.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "infrastructure.cluster.x-k8s.io",
    version = "v1beta2",
    kind = "Metal3Remediation",
    plural = "metal3remediations",
    namespaced,
    status = "Metal3RemediationStatus",
    shortname = "m3r",
    shortname = "m3remediation",
    category = "cluster-api",
    label("cluster.x-k8s.io/v1beta1", "v1beta1"),
    label("cluster.x-k8s.io/v1beta2", "v1beta2"),
    label("cluster.x-k8s.io/provider", "infrastructure-metal3"),
    derive = "PartialEq",
    doc = "Metal3Remediation is the Schema for the metal3remediations API.",
    printcolumn(
        name = "Retry limit",
        type_ = "string",
        json_path = ".spec.strategy.retryLimit",
        description = "How many times remediation controller should attempt to remediate the host"
    ),
    printcolumn(
        name = "Retry count",
        type_ = "string",
        json_path = ".status.retryCount",
        description = "How many times remediation controller has tried to remediate the node"
    ),
    printcolumn(
        name = "Last Remediated",
        type_ = "string",
        json_path = ".status.lastRemediated",
        description = "Timestamp of the last remediation attempt"
    ),
    printcolumn(
        name = "Strategy",
        type_ = "string",
        json_path = ".spec.strategy.type",
        description = "Type of the remediation strategy"
    ),
    printcolumn(
        name = "Phase",
        type_ = "string",
        json_path = ".status.phase",
        description = "Phase of the remediation"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct Metal3RemediationSpec {
    /// strategy field defines remediation strategy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<RemediationStrategy>,
}

/// status defines the observed state of Metal3Remediation.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Metal3RemediationStatus {
    /// lastRemediated identifies when the host was last remediated
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_remediated: Option<Time>,
    /// phase represents the current phase of machine remediation.
    /// E.g. Pending, Running, Done etc.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<RemediationPhase>,
    /// retryCount can be used as a counter during the remediation.
    /// Field can hold number of reboots etc.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub retry_count: Option<i32>,
}

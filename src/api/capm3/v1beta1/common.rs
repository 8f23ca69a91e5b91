//! infrastructure.cluster.x-k8s.io/v1beta1: the deprecated, still served version of the CAPM3 kinds.

use super::*;
use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::api::core::v1::SecretReference;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Metal3ClusterSpec defines the desired state of Metal3Cluster.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "infrastructure.cluster.x-k8s.io",
    version = "v1beta1",
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
    deprecated,
    storage = false,
    derive = "PartialEq",
    doc = "Metal3Cluster is the Schema for the metal3clusters API.",
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp",
        description = "Time duration since creation of Metal3Cluster"
    ),
    printcolumn(
        name = "Ready",
        type_ = "string",
        json_path = ".status.ready",
        description = "metal3Cluster is Ready"
    ),
    printcolumn(
        name = "Error",
        type_ = "string",
        json_path = ".status.failureReason",
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
pub struct Metal3ClusterSpec {
    /// Determines if the cluster is to be deployed with an external cloud provider.
    /// If set to false, CAPM3 will use node labels to set providerID on the kubernetes nodes.
    /// If set to true, providerID is set on nodes by other entities and CAPM3 uses the value of the providerID on the m3m resource.
    /// Default value is true, it is set in the webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_provider_enabled: Option<bool>,
    /// ControlPlaneEndpoint represents the endpoint used to communicate with the control plane.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_plane_endpoint: Option<APIEndpoint>,
    /// FailureDomains specifies a list fo failure zones that can be used
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_domains: Option<BTreeMap<String, FailureDomainSpec>>,
    /// Determines if the cluster is not to be deployed with an external cloud provider.
    /// If set to true, CAPM3 will use node labels to set providerID on the kubernetes nodes.
    /// If set to false, providerID is set on nodes by other entities and CAPM3 uses the value of the providerID on the m3m resource.
    ///
    /// Deprecated: This field is deprecated, use cloudProviderEnabled instead
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_cloud_provider: Option<bool>,
}

/// Metal3MachineSpec defines the desired state of Metal3Machine.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "infrastructure.cluster.x-k8s.io",
    version = "v1beta1",
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
    deprecated,
    storage = false,
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
        name = "Ready",
        type_ = "string",
        json_path = ".status.ready",
        description = "metal3machine is Ready"
    ),
    printcolumn(
        name = "Cluster",
        type_ = "string",
        json_path = ".metadata.labels.cluster\\.x-k8s\\.io/cluster-name",
        description = "Cluster to which this M3Machine belongs"
    ),
    printcolumn(
        name = "Phase",
        type_ = "string",
        json_path = ".status.phase",
        description = "metal3machine current phase"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct Metal3MachineSpec {
    /// When set to disabled, automated cleaning of host disks will be skipped
    /// during provisioning and deprovisioning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated_cleaning_mode: Option<AutomatedCleaningMode>,
    /// A custom deploy procedure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_deploy: Option<CustomDeploy>,
    /// MetadataTemplate is a reference to a Metal3DataTemplate object containing
    /// a template of metadata to be rendered. Metadata keys defined in the
    /// metadataTemplate take precedence over keys defined in metadata field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub data_template: Option<ObjectReference>,
    /// FailureDomain is the failure domain unique identifier this Machine should be attached to, as defined in Cluster API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_domain: Option<String>,
    /// HostSelector specifies matching criteria for labels on BareMetalHosts.
    /// This is used to limit the set of BareMetalHost objects considered for
    /// claiming for a metal3machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_selector: Option<HostSelector>,
    /// Image is the image to be provisioned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    /// MetaData is an object storing the reference to the secret containing the
    /// Metadata given by the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub meta_data: Option<SecretReference>,
    /// NetworkData is an object storing the reference to the secret containing the
    /// network data given by the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub network_data: Option<SecretReference>,
    /// ProviderID will be the Metal3 machine in ProviderID format
    /// (metal3://<namespace>/<bmh-name>/<m3m-name>).
    /// The legacy format (metal3://<bmh-uuid>) will be deprecated in CAPM3 v1.13
    /// and removed in CAPM3 v1.14.
    #[serde(
        rename = "providerID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub provider_id: Option<String>,
    /// UserData references the Secret that holds user data needed by the bare metal
    /// operator. The Namespace is optional; it will default to the metal3machine's
    /// namespace if not specified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub user_data: Option<SecretReference>,
}

/// Metal3RemediationSpec defines the desired state of Metal3Remediation.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "infrastructure.cluster.x-k8s.io",
    version = "v1beta1",
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
    deprecated,
    storage = false,
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
    /// Strategy field defines remediation strategy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<RemediationStrategy>,
}

/// Metal3RemediationStatus defines the observed state of Metal3Remediation.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Metal3RemediationStatus {
    /// LastRemediated identifies when the host was last remediated
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_remediated: Option<Time>,
    /// Phase represents the current phase of machine remediation.
    /// E.g. Pending, Running, Done etc.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// RetryCount can be used as a counter during the remediation.
    /// Field can hold number of reboots etc.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_count: Option<i64>,
}

//! The Cluster API kinds capm3 reads or writes (v1beta2), as a typed subset.
//!
//! Only the fields capm3 uses are typed; every other field is kept in `rest`
//! (and the generated schemas preserve unknown fields), so objects written by the real
//! Cluster API controllers round-trip unchanged. capm3 does not ship these CRDs: they
//! exist for the sandbox and the tests (`crds/capi/`).

mod bootstrap;
mod cluster;
mod control_plane;
mod ipam;
mod machine;
mod machine_health_check;
mod machine_set;

pub use bootstrap::*;
pub use cluster::*;
pub use control_plane::*;
pub use ipam::*;
pub use machine::*;
pub use machine_health_check::*;
pub use machine_set::*;

use std::collections::BTreeMap;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResourceExt;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Fields capm3 does not model, kept verbatim.
pub type Rest = BTreeMap<String, serde_json::Value>;

/// A reference to an object of a kind that follows a Cluster API contract
/// (`ContractVersionedObjectReference`): the version comes from the CRD's contract label.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContractVersionedObjectReference {
    /// API group of the referenced object, e.g. `infrastructure.cluster.x-k8s.io`.
    #[schemars(length(min = 1, max = 253))]
    pub api_group: String,
    /// Kind of the referenced object.
    #[schemars(length(min = 1, max = 63))]
    pub kind: String,
    /// Name of the referenced object, in the referrer's namespace.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
}

/// Labels and annotations for objects created from a template.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
}

/// The CRDs of the Cluster API kinds (only for the sandbox and tests).
pub fn crds() -> Vec<CustomResourceDefinition> {
    vec![
        Cluster::crd(),
        Machine::crd(),
        MachineSet::crd(),
        MachineDeployment::crd(),
        MachineHealthCheck::crd(),
        KubeadmControlPlane::crd(),
        KubeadmConfigTemplate::crd(),
        IPAddressClaim::crd(),
        IPAddress::crd(),
    ]
}

//! infrastructure.cluster.x-k8s.io/v1beta2: the storage version of the CAPM3 kinds.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RemediationStrategy {
    /// retryLimit sets maximum number of remediation retries.
    /// retryLimit must be a positive integer. The default is 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1), extend("default" = 1))]
    pub retry_limit: Option<i32>,
    /// timeoutSeconds defines the timeout between remediation retries.
    /// The minimum allowed value is 100 seconds. The default is 600 seconds.
    /// Setting a very high value is discouraged: the controller waits this
    /// long between attempts, so a large timeout delays every retry and can
    /// effectively stall remediation for a very long time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 100), extend("default" = 600))]
    pub timeout_seconds: Option<i32>,
    /// type of remediation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<RemediationType>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum RemediationType {
    #[serde(rename = "Reboot")]
    Reboot,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum RemediationPhase {
    #[serde(rename = "Running")]
    Running,
    #[serde(rename = "Waiting")]
    Waiting,
    #[serde(rename = "Deleting machine")]
    DeletingMachine,
    #[serde(rename = "Failed")]
    Failed,
}

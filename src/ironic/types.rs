use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Ironic's provision states, as its API names them.
pub mod states {
    pub const ENROLL: &str = "enroll";
    pub const VERIFYING: &str = "verifying";
    pub const MANAGEABLE: &str = "manageable";
    pub const INSPECTING: &str = "inspecting";
    pub const INSPECT_WAIT: &str = "inspect wait";
    pub const INSPECT_FAILED: &str = "inspect failed";
    pub const AVAILABLE: &str = "available";
    pub const CLEANING: &str = "cleaning";
    pub const CLEAN_WAIT: &str = "clean wait";
    pub const CLEAN_FAILED: &str = "clean failed";
    pub const DEPLOYING: &str = "deploying";
    pub const WAIT_CALL_BACK: &str = "wait call-back";
    pub const DEPLOY_FAILED: &str = "deploy failed";
    pub const ACTIVE: &str = "active";
    pub const DELETING: &str = "deleting";
    pub const ERROR: &str = "error";
    pub const ADOPTING: &str = "adopting";
    pub const ADOPT_FAILED: &str = "adopt failed";
    pub const SERVICING: &str = "servicing";
    pub const SERVICE_WAIT: &str = "service wait";
    pub const SERVICE_FAILED: &str = "service failed";
    pub const RESCUE: &str = "rescue";
}

/// Ironic's power states.
pub mod power {
    pub const ON: &str = "power on";
    pub const OFF: &str = "power off";
    pub const SOFT_OFF: &str = "soft power off";
    pub const REBOOT: &str = "rebooting";
    pub const SOFT_REBOOT: &str = "soft rebooting";
}

/// A node as Ironic reports it. Fields capm3 does not read are kept in `other`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Node {
    #[serde(default)]
    pub uuid: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub driver: Option<String>,
    #[serde(default)]
    pub provision_state: Option<String>,
    #[serde(default)]
    pub target_provision_state: Option<String>,
    #[serde(default)]
    pub power_state: Option<String>,
    #[serde(default)]
    pub target_power_state: Option<String>,
    #[serde(default)]
    pub maintenance: Option<bool>,
    #[serde(default)]
    pub maintenance_reason: Option<String>,
    #[serde(default)]
    pub fault: Option<String>,
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(default)]
    pub driver_info: Option<Map<String, Value>>,
    #[serde(default)]
    pub instance_info: Option<Map<String, Value>>,
    #[serde(default)]
    pub properties: Option<Map<String, Value>>,
    #[serde(default)]
    pub instance_uuid: Option<String>,
    #[serde(default)]
    pub automated_clean: Option<bool>,
    #[serde(default)]
    pub disable_power_off: Option<bool>,
    #[serde(default)]
    pub boot_interface: Option<String>,
    #[serde(default)]
    pub deploy_interface: Option<String>,
    #[serde(default)]
    pub provision_updated_at: Option<String>,
    /// When the node's last inspection succeeded; Ironic clears it when one starts.
    #[serde(default)]
    pub inspection_finished_at: Option<String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// The body of a node creation. Its Debug output hides credentials.
#[derive(Clone, Default, Serialize)]
pub struct NodeCreate {
    pub name: String,
    pub driver: String,
    pub driver_info: Map<String, Value>,
    /// `boot_interface`, `power_interface`, …: only those set are sent.
    #[serde(flatten)]
    pub interfaces: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub properties: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disable_power_off: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automated_clean: Option<bool>,
}

impl fmt::Debug for NodeCreate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeCreate")
            .field("name", &self.name)
            .field("driver", &self.driver)
            .field("driver_info", &redacted(&self.driver_info))
            .field("interfaces", &self.interfaces)
            .field("properties", &self.properties)
            .finish()
    }
}

/// driver_info with every secret replaced, for logs.
pub fn redacted(driver_info: &Map<String, Value>) -> Map<String, Value> {
    driver_info
        .iter()
        .map(|(k, v)| {
            let secret = k.contains("password") || k.contains("secret") || k.contains("token");
            (
                k.clone(),
                if secret {
                    Value::String("******".into())
                } else {
                    v.clone()
                },
            )
        })
        .collect()
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Port {
    #[serde(default)]
    pub uuid: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub node_uuid: Option<String>,
    #[serde(default)]
    pub pxe_enabled: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Driver {
    pub name: String,
    #[serde(default)]
    pub hosts: Vec<String>,
}

/// The result of `GET /v1/nodes/{node}/validate`: per interface, whether it is usable.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Validation(pub BTreeMap<String, InterfaceValidation>);

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct InterfaceValidation {
    #[serde(default)]
    pub result: Option<bool>,
    #[serde(default)]
    pub reason: Option<String>,
}

impl Validation {
    /// Upstream requires `boot` and `deploy` to validate before deploying; the reasons
    /// for any that do not.
    pub fn deploy_blockers(&self) -> Vec<String> {
        ["boot", "deploy"]
            .iter()
            .filter_map(|i| {
                let v = self.0.get(*i)?;
                (v.result != Some(true))
                    .then(|| format!("{i}: {}", v.reason.clone().unwrap_or_default()))
            })
            .collect()
    }
}

/// `PUT /v1/nodes/{node}/states/provision`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ProvisionRequest {
    pub target: String,
    /// A configdrive: a JSON object with `meta_data`, `user_data`, `network_data`, or a URL
    /// or a gzipped, base64 ISO.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configdrive: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clean_steps: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy_steps: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_steps: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disable_ramdisk: Option<bool>,
}

impl ProvisionRequest {
    pub fn target(target: &str) -> Self {
        ProvisionRequest {
            target: target.to_owned(),
            ..Default::default()
        }
    }
}

/// Provision targets.
pub mod targets {
    pub const MANAGE: &str = "manage";
    pub const PROVIDE: &str = "provide";
    pub const INSPECT: &str = "inspect";
    pub const ACTIVE: &str = "active";
    pub const DELETED: &str = "deleted";
    pub const CLEAN: &str = "clean";
    pub const ADOPT: &str = "adopt";
    pub const ABORT: &str = "abort";
    pub const SERVICE: &str = "service";
}

use reqwest::Method;
use serde::Serialize;
use serde_json::{Value, json};

use super::{IronicClient, IronicError, Node, NodeCreate, ProvisionRequest, Validation};

/// One JSON-patch operation on a node. Upstream uses `add` to set (it replaces too) and
/// `remove` for values that are gone.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PatchOp {
    pub op: &'static str,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

impl PatchOp {
    pub fn add(path: impl Into<String>, value: Value) -> Self {
        PatchOp {
            op: "add",
            path: path.into(),
            value: Some(value),
        }
    }

    pub fn remove(path: impl Into<String>) -> Self {
        PatchOp {
            op: "remove",
            path: path.into(),
            value: None,
        }
    }
}

/// The node calls upstream's provisioner makes (bmo-upstream-behaviour.md §4.2).
impl IronicClient {
    /// A node by UUID or name.
    pub async fn node(&self, id: &str) -> Result<Node, IronicError> {
        self.get(&format!("/v1/nodes/{id}")).await
    }

    /// A node by UUID or name, or `None` when Ironic has none.
    pub async fn find_node(&self, id: &str) -> Result<Option<Node>, IronicError> {
        match self.node(id).await {
            Ok(node) => Ok(Some(node)),
            Err(IronicError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every node, with only `fields` filled in: one request per page (Ironic pages at
    /// 1,000) instead of one per node, for polling many hosts.
    pub async fn nodes(&self, fields: &[&str]) -> Result<Vec<Node>, IronicError> {
        let query = if fields.is_empty() {
            String::new()
        } else {
            format!("?fields={}", fields.join(","))
        };
        self.get_list(&format!("/v1/nodes{query}"), "nodes").await
    }

    pub async fn create_node(&self, node: &NodeCreate) -> Result<Node, IronicError> {
        let body = serde_json::to_value(node).map_err(|e| IronicError::Decode(e.to_string()))?;
        let created = self
            .call(Method::POST, "/v1/nodes", Some(&body))
            .await?
            .unwrap_or_default();
        serde_json::from_value(created).map_err(|e| IronicError::Decode(e.to_string()))
    }

    pub async fn patch_node(&self, id: &str, ops: &[PatchOp]) -> Result<Node, IronicError> {
        let body = serde_json::to_value(ops).map_err(|e| IronicError::Decode(e.to_string()))?;
        let patched = self
            .call(Method::PATCH, &format!("/v1/nodes/{id}"), Some(&body))
            .await?
            .unwrap_or_default();
        serde_json::from_value(patched).map_err(|e| IronicError::Decode(e.to_string()))
    }

    /// Deletes a node; one that is already gone counts as deleted.
    pub async fn delete_node(&self, id: &str) -> Result<(), IronicError> {
        match self
            .call(Method::DELETE, &format!("/v1/nodes/{id}"), None)
            .await
        {
            Ok(_) | Err(IronicError::NotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub async fn validate_node(&self, id: &str) -> Result<Validation, IronicError> {
        self.get(&format!("/v1/nodes/{id}/validate")).await
    }

    pub async fn set_provision_state(
        &self,
        id: &str,
        request: &ProvisionRequest,
    ) -> Result<(), IronicError> {
        let body = serde_json::to_value(request).map_err(|e| IronicError::Decode(e.to_string()))?;
        self.call(
            Method::PUT,
            &format!("/v1/nodes/{id}/states/provision"),
            Some(&body),
        )
        .await
        .map(drop)
    }

    /// `target` is one of [`super::power`]; `timeout` (seconds) applies to soft power off.
    pub async fn set_power_state(
        &self,
        id: &str,
        target: &str,
        timeout: Option<u32>,
    ) -> Result<(), IronicError> {
        let mut body = json!({"target": target});
        if let Some(timeout) = timeout {
            body["timeout"] = json!(timeout);
        }
        self.call(
            Method::PUT,
            &format!("/v1/nodes/{id}/states/power"),
            Some(&body),
        )
        .await
        .map(drop)
    }

    pub async fn set_maintenance(&self, id: &str, reason: &str) -> Result<(), IronicError> {
        let body = json!({"reason": reason});
        self.call(
            Method::PUT,
            &format!("/v1/nodes/{id}/maintenance"),
            Some(&body),
        )
        .await
        .map(drop)
    }

    pub async fn clear_maintenance(&self, id: &str) -> Result<(), IronicError> {
        self.call(Method::DELETE, &format!("/v1/nodes/{id}/maintenance"), None)
            .await
            .map(drop)
    }

    /// The target RAID configuration (`logical_disks`), applied by the next cleaning.
    pub async fn set_raid_config(
        &self,
        id: &str,
        logical_disks: &[Value],
    ) -> Result<(), IronicError> {
        let body = json!({"logical_disks": logical_disks});
        self.call(
            Method::PUT,
            &format!("/v1/nodes/{id}/states/raid"),
            Some(&body),
        )
        .await
        .map(drop)
    }

    /// The inspection inventory, or `None` when inspection has not run.
    pub async fn inventory(&self, id: &str) -> Result<Option<Value>, IronicError> {
        match self.get(&format!("/v1/nodes/{id}/inventory")).await {
            Ok(inventory) => Ok(Some(inventory)),
            Err(IronicError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn bios_settings(&self, id: &str) -> Result<Vec<Value>, IronicError> {
        self.get_list(&format!("/v1/nodes/{id}/bios?detail=true"), "bios")
            .await
    }

    pub async fn firmware_components(&self, id: &str) -> Result<Vec<Value>, IronicError> {
        self.get_list(&format!("/v1/nodes/{id}/firmware"), "firmware")
            .await
    }

    pub async fn virtual_media(&self, id: &str) -> Result<Value, IronicError> {
        self.get(&format!("/v1/nodes/{id}/vmedia")).await
    }

    pub async fn attach_virtual_media(&self, id: &str, image_url: &str) -> Result<(), IronicError> {
        let body = json!({"device_type": "cdrom", "image_url": image_url});
        self.call(Method::POST, &format!("/v1/nodes/{id}/vmedia"), Some(&body))
            .await
            .map(drop)
    }

    pub async fn detach_virtual_media(&self, id: &str) -> Result<(), IronicError> {
        self.call(
            Method::DELETE,
            &format!("/v1/nodes/{id}/vmedia?device_types=cdrom"),
            None,
        )
        .await
        .map(drop)
    }

    /// A driver vendor method (BMC event subscriptions use `create_subscription` and
    /// `delete_subscription`).
    pub async fn vendor_passthru(
        &self,
        id: &str,
        method: &str,
        http_method: Method,
        body: &Value,
    ) -> Result<Option<Value>, IronicError> {
        self.call(
            http_method,
            &format!("/v1/nodes/{id}/vendor_passthru?method={method}"),
            Some(body),
        )
        .await
    }
}

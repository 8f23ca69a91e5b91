use reqwest::Method;
use serde_json::json;

use super::{IronicClient, IronicError, Port};

const PORT_FIELDS: &str = "uuid,address,node_uuid,pxe_enabled";

impl IronicClient {
    /// Ports with this MAC address (at most one: Ironic keeps MACs unique).
    pub async fn ports_by_address(&self, mac: &str) -> Result<Vec<Port>, IronicError> {
        self.get_list(
            &format!("/v1/ports?address={mac}&fields={PORT_FIELDS}"),
            "ports",
        )
        .await
    }

    /// Every port: one request per page, for polling many hosts.
    pub async fn ports(&self) -> Result<Vec<Port>, IronicError> {
        self.get_list(&format!("/v1/ports?fields={PORT_FIELDS}"), "ports")
            .await
    }

    pub async fn ports_of_node(&self, node_uuid: &str) -> Result<Vec<Port>, IronicError> {
        self.get_list(
            &format!("/v1/ports?node_uuid={node_uuid}&fields={PORT_FIELDS}"),
            "ports",
        )
        .await
    }

    pub async fn create_port(
        &self,
        node_uuid: &str,
        address: &str,
        pxe_enabled: bool,
    ) -> Result<Port, IronicError> {
        let body = json!({"node_uuid": node_uuid, "address": address, "pxe_enabled": pxe_enabled});
        let created = self
            .call(Method::POST, "/v1/ports", Some(&body))
            .await?
            .unwrap_or_default();
        serde_json::from_value(created).map_err(|e| IronicError::Decode(e.to_string()))
    }
}

//! Calling webhooks as the API server does: conversion (ConversionReview v1) for CRDs whose
//! strategy is Webhook.

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};
use std::time::Duration;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::WebhookClientConfig;
use serde_json::{Value, json};

/// How long the API server waits for a conversion webhook.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Reaches webhooks. A `service` reference is resolved through routes the sandbox sets
/// (there is no cluster DNS); a `url` is used as it is.
#[derive(Default)]
pub struct WebhookCaller {
    routes: RwLock<HashMap<(String, String), String>>,
    /// One client per CA bundle, so connections are reused.
    clients: Mutex<HashMap<Vec<u8>, reqwest::Client>>,
}

impl WebhookCaller {
    /// Sends requests for Service `namespace/name` to `base_url` (e.g. `https://127.0.0.1:9443`).
    pub fn route_service(&self, namespace: &str, name: &str, base_url: &str) {
        self.routes
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                (namespace.to_owned(), name.to_owned()),
                base_url.trim_end_matches('/').to_owned(),
            );
    }

    /// Converts one object with a ConversionReview.
    pub async fn convert(
        &self,
        config: &WebhookClientConfig,
        object: Value,
        desired_api_version: &str,
    ) -> Result<Value, String> {
        let review = json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "ConversionReview",
            "request": {"uid": uuid::Uuid::new_v4().to_string(), "desiredAPIVersion": desired_api_version, "objects": [object]},
        });
        let answer = self.post(config, &review).await?;
        let response = &answer["response"];
        if response["result"]["status"] != "Success" {
            return Err(response["result"]["message"]
                .as_str()
                .unwrap_or("the webhook reported a failure")
                .to_owned());
        }
        response["convertedObjects"]
            .get(0)
            .cloned()
            .ok_or_else(|| "the webhook returned no converted object".to_owned())
    }

    pub async fn post(&self, config: &WebhookClientConfig, body: &Value) -> Result<Value, String> {
        let url = self.url(config)?;
        let client = self.client(config.ca_bundle.as_ref().map(|b| b.0.as_slice()))?;
        let response = client
            .post(&url)
            .json(body)
            .send()
            .await
            .map_err(|e| format!("calling {url}: {e}"))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("{url} answered {status}"));
        }
        response
            .json()
            .await
            .map_err(|e| format!("{url} answered with invalid JSON: {e}"))
    }

    fn url(&self, config: &WebhookClientConfig) -> Result<String, String> {
        if let Some(url) = &config.url {
            return Ok(url.clone());
        }
        let service = config
            .service
            .as_ref()
            .ok_or("the webhook has neither url nor service")?;
        let routes = self.routes.read().unwrap_or_else(|p| p.into_inner());
        let base = routes
            .get(&(service.namespace.clone(), service.name.clone()))
            .ok_or_else(|| format!("no route to service {}/{}", service.namespace, service.name))?;
        Ok(format!("{base}{}", service.path.as_deref().unwrap_or("/")))
    }

    fn client(&self, ca_bundle: Option<&[u8]>) -> Result<reqwest::Client, String> {
        let key = ca_bundle.unwrap_or_default().to_vec();
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(client) = clients.get(&key) {
            return Ok(client.clone());
        }
        let mut builder = reqwest::Client::builder().timeout(TIMEOUT);
        if !key.is_empty() {
            for cert in reqwest::Certificate::from_pem_bundle(&key)
                .map_err(|e| format!("invalid caBundle: {e}"))?
            {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder.build().map_err(|e| e.to_string())?;
        clients.insert(key, client.clone());
        Ok(client)
    }
}

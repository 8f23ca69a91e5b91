//! capm3's webhook server inside the sandbox, reached by the embedded API server as a cluster
//! reaches the `capm3-webhook-service` Service: HTTPS on loopback with a certificate from a CA
//! of its own, that CA injected as the CRDs' conversion `caBundle` (cert-manager's CA injector
//! does that in a cluster), and the Service routed to the listener (there is no cluster DNS).
//!
//! The admission webhooks are registered as `config/webhook` registers them, with the CA as
//! their `caBundle`.
//!
//! The sandbox hosts the webhooks itself rather than through the manager, so conversion works
//! the same when the manager runs as its own process (`--no-manager`).

use std::path::PathBuf;

use k8s_openapi::ByteString;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::apiserver::ApiServer;
use super::error::SandboxError;
use crate::crds::{WEBHOOK_NAMESPACE, WEBHOOK_SERVICE};
use crate::manager::webhooks;

pub struct WebhookHost {
    /// The CA that signed the server's certificate, for webhook configurations' `caBundle`.
    pub ca_pem: String,
    cert_dir: PathBuf,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl WebhookHost {
    /// Starts the webhook server and installs `crds` on `server` with their conversion
    /// webhook pointing at it.
    pub async fn start(
        server: &ApiServer,
        mut crds: Vec<CustomResourceDefinition>,
    ) -> Result<WebhookHost, SandboxError> {
        let failed = |e: &dyn std::fmt::Display| SandboxError::Webhooks(e.to_string());
        let ca = crate::tls::Ca::new("capm3-sandbox-webhooks").map_err(|e| failed(&e))?;
        let service_dns = format!("{WEBHOOK_SERVICE}.{WEBHOOK_NAMESPACE}.svc");
        let (cert, key) = ca
            .issue(WEBHOOK_SERVICE, &[&service_dns])
            .map_err(|e| failed(&e))?;
        let cert_dir =
            std::env::temp_dir().join(format!("capm3-sandbox-webhooks-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&cert_dir)
            .and_then(|()| std::fs::write(cert_dir.join("tls.crt"), cert))
            .and_then(|()| std::fs::write(cert_dir.join("tls.key"), key))
            .map_err(|source| SandboxError::Write {
                path: cert_dir.clone(),
                source,
            })?;
        let addr = "127.0.0.1:0".parse().expect("a literal socket address");
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| SandboxError::Listen { addr, source })?;
        let local = listener.local_addr().map_err(|e| failed(&e))?;
        let (stop, stopped) = oneshot::channel::<()>();
        let dir = cert_dir.clone();
        let task = tokio::spawn(async move {
            let settings = webhooks::admission::Settings {
                allow_fake_hardware: true,
            };
            // Only an explicit stop ends it: a test that drops the handle keeps its webhooks.
            let stopped = async {
                if stopped.await.is_err() {
                    std::future::pending::<()>().await;
                }
            };
            if let Err(e) = webhooks::server::serve(listener, &dir, settings, stopped).await {
                tracing::error!("sandbox webhook server: {e}");
            }
        });
        server.api.webhooks.route_service(
            WEBHOOK_NAMESPACE,
            WEBHOOK_SERVICE,
            &format!("https://{local}"),
        );
        for crd in &mut crds {
            let conversion = crd.spec.conversion.as_mut();
            if let Some(config) = conversion
                .and_then(|c| c.webhook.as_mut())
                .and_then(|w| w.client_config.as_mut())
            {
                config.ca_bundle = Some(ByteString(ca.pem().as_bytes().to_vec()));
            }
        }
        server.install_crds(&crds).await?;
        register_admission(server, ca.pem()).await?;
        Ok(WebhookHost {
            ca_pem: ca.pem().to_owned(),
            cert_dir,
            stop,
            task,
        })
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
        let _ = std::fs::remove_dir_all(&self.cert_dir);
    }
}

/// Creates capm3's Validating- and MutatingWebhookConfiguration.
async fn register_admission(server: &ApiServer, ca_pem: &str) -> Result<(), SandboxError> {
    use k8s_openapi::api::admissionregistration::v1::{
        MutatingWebhookConfiguration, ValidatingWebhookConfiguration,
    };
    let client = server.client().map_err(SandboxError::Client)?;
    let (validating, mutating) = webhooks::configurations::configurations(Some(ca_pem.as_bytes()));
    let failed = |e: kube::Error| SandboxError::Webhooks(e.to_string());
    kube::Api::<ValidatingWebhookConfiguration>::all(client.clone())
        .create(&Default::default(), &validating)
        .await
        .map_err(failed)?;
    kube::Api::<MutatingWebhookConfiguration>::all(client)
        .create(&Default::default(), &mutating)
        .await
        .map_err(failed)?;
    Ok(())
}

//! Starting and stopping an embedded API server, and reaching it.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;

use super::api::{Api, WriteOptions};
use super::request::ResourcePath;
use super::status::ApiError;
use base64::Engine;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use super::{gc, http};
use crate::tls;

/// Watch history kept for resuming watches (changes, across all kinds).
const DEFAULT_HISTORY: usize = 100_000;

/// A running embedded API server on loopback.
pub struct ApiServer {
    pub addr: SocketAddr,
    pub api: Arc<Api>,
    /// The CA that signed the server's certificate, when serving TLS.
    ca_pem: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl ApiServer {
    /// Serves plain HTTP on `listen` (use port 0 for an ephemeral port).
    pub async fn start(listen: SocketAddr) -> std::io::Result<ApiServer> {
        Self::spawn(listen, None).await
    }

    /// Serves HTTPS on `listen`, with a certificate from a new self-signed CA; the
    /// kubeconfig and [`ApiServer::client`] trust that CA.
    pub async fn start_tls(listen: SocketAddr) -> std::io::Result<ApiServer> {
        let issued = tls::self_signed("capm3-sandbox", &[]).map_err(std::io::Error::other)?;
        let config = tls::server_config(issued.cert_pem.as_bytes(), issued.key_pem.as_bytes())
            .map_err(std::io::Error::other)?;
        Self::spawn(listen, Some((config, issued.ca_pem))).await
    }

    async fn spawn(
        listen: SocketAddr,
        tls: Option<(Arc<rustls::ServerConfig>, String)>,
    ) -> std::io::Result<ApiServer> {
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let api = Arc::new(Api::new(DEFAULT_HISTORY));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let app = http::router(api.clone());
        let collector = tokio::spawn(gc::run(api.clone()));
        let (config, ca_pem) = tls.unzip();
        let task = tokio::spawn(async move {
            let stopped = async {
                let _ = stopped.await;
            };
            match config {
                Some(config) => tls::serve(listener, app, config, stopped).await,
                None => {
                    if let Err(e) = axum::serve(listener, app)
                        .with_graceful_shutdown(stopped)
                        .await
                    {
                        tracing::error!("embedded API server stopped: {e}");
                    }
                }
            }
            collector.abort();
        });
        Ok(ApiServer {
            addr,
            api,
            ca_pem,
            shutdown: Some(shutdown),
            task,
        })
    }

    pub fn url(&self) -> String {
        let scheme = if self.ca_pem.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// A kubeconfig for this server that kube-rs and kubectl use as it is. The server does
    /// not authenticate; the token is there because kubectl asks for a username over HTTPS
    /// when a user has no credentials.
    pub fn kubeconfig(&self) -> String {
        let ca = self
            .ca_pem
            .as_ref()
            .map(|pem| {
                format!(
                    "\n    certificate-authority-data: {}",
                    base64::engine::general_purpose::STANDARD.encode(pem)
                )
            })
            .unwrap_or_default();
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: capm3-sandbox\n  cluster:\n    server: {url}{ca}\n\
             users:\n- name: capm3-sandbox\n  user:\n    token: capm3-sandbox\ncontexts:\n- name: capm3-sandbox\n  context:\n    \
             cluster: capm3-sandbox\n    user: capm3-sandbox\n    namespace: default\ncurrent-context: capm3-sandbox\n",
            url = self.url()
        )
    }

    /// A kube-rs client for this server.
    pub fn client(&self) -> Result<kube::Client, kube::Error> {
        let url = self
            .url()
            .parse()
            .expect("a socket address makes a valid URL");
        let mut config = kube::Config::new(url);
        if let Some(pem) = &self.ca_pem {
            let roots = CertificateDer::pem_slice_iter(pem.as_bytes())
                .map(|c| c.map(|c| c.to_vec()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| kube::Error::Service(e.to_string().into()))?;
            config.root_cert = Some(roots);
        }
        kube::Client::try_from(config)
    }

    /// Installs CRDs (as `kubectl apply` of them would), so their kinds are served at once.
    pub async fn install_crds(&self, crds: &[CustomResourceDefinition]) -> Result<(), ApiError> {
        let path = ResourcePath {
            group: "apiextensions.k8s.io".into(),
            version: "v1".into(),
            namespace: None,
            resource: "customresourcedefinitions".into(),
            name: None,
            subresource: None,
        };
        for crd in crds {
            let body =
                serde_json::to_value(crd).map_err(|e| ApiError::bad_request(e.to_string()))?;
            self.api
                .create(&path, body, WriteOptions::default())
                .await?;
        }
        Ok(())
    }

    /// Stops serving; open watches end.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.task.abort();
        let _ = self.task.await;
    }
}

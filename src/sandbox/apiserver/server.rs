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
use super::{gc, http};

/// Watch history kept for resuming watches (changes, across all kinds).
const DEFAULT_HISTORY: usize = 100_000;

/// A running embedded API server on loopback.
pub struct ApiServer {
    pub addr: SocketAddr,
    pub api: Arc<Api>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl ApiServer {
    /// Serves on `listen` (use port 0 for an ephemeral port).
    pub async fn start(listen: SocketAddr) -> std::io::Result<ApiServer> {
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let api = Arc::new(Api::new(DEFAULT_HISTORY));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let app = http::router(api.clone());
        let collector = tokio::spawn(gc::run(api.clone()));
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::error!("embedded API server stopped: {e}");
            }
            collector.abort();
        });
        Ok(ApiServer {
            addr,
            api,
            shutdown: Some(shutdown),
            task,
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A kubeconfig for this server that kube-rs and kubectl use as it is.
    pub fn kubeconfig(&self) -> String {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: capm3-sandbox\n  cluster:\n    server: {url}\n\
             users:\n- name: capm3-sandbox\n  user: {{}}\ncontexts:\n- name: capm3-sandbox\n  context:\n    \
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
        kube::Client::try_from(kube::Config::new(url))
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

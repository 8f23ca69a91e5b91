//! The webhook server: HTTPS with the certificate from `--webhook-cert-dir` (reloaded when
//! cert-manager rotates it), serving `/convert`.

use std::future::Future;
use std::time::Duration;

use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;
use tokio::net::TcpListener;

use super::conversion;
use crate::tls::{self, CertDir, TlsError};

/// The path the CRDs' conversion webhooks name.
pub const CONVERT_PATH: &str = crate::crds::CONVERSION_PATH;
/// How often the certificate directory is checked for a rotated certificate.
const CERT_CHECK_INTERVAL: Duration = Duration::from_secs(10);

pub fn router() -> Router {
    Router::new().route(CONVERT_PATH, post(convert))
}

async fn convert(Json(review): Json<Value>) -> Json<Value> {
    Json(conversion::review(&review))
}

/// Serves the webhooks on `listener` until `shutdown`, with `tls.crt`/`tls.key` from
/// `cert_dir`.
pub async fn serve(
    listener: TcpListener,
    cert_dir: &std::path::Path,
    shutdown: impl Future<Output = ()>,
) -> Result<(), TlsError> {
    let certs = CertDir::load(cert_dir)?;
    let config = tls::with_resolver(certs.clone())?;
    let watcher = certs.watch(CERT_CHECK_INTERVAL);
    tls::serve(listener, router(), config, shutdown).await;
    watcher.abort();
    Ok(())
}

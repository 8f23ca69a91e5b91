//! The webhook server: HTTPS with the certificate from `--webhook-cert-dir` (reloaded when
//! cert-manager rotates it), serving `/convert` and the admission webhooks.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;
use tokio::net::TcpListener;

use super::admission::{self, Settings, Verb};
use super::conversion;
use crate::tls::{self, CertDir, TlsError};

/// The path the CRDs' conversion webhooks name.
pub const CONVERT_PATH: &str = crate::crds::CONVERSION_PATH;
/// How often the certificate directory is checked for a rotated certificate.
const CERT_CHECK_INTERVAL: Duration = Duration::from_secs(10);

/// `/convert`, and a validating (and, where upstream defaults, a mutating) endpoint per kind.
pub fn router(settings: Settings) -> Router {
    let settings = Arc::new(settings);
    let mut router = Router::new().route(CONVERT_PATH, post(convert));
    for kind in admission::kinds() {
        let kind = Arc::new(kind);
        let (validating, settings) = (kind.clone(), settings.clone());
        router = router.route(
            &kind.path(Verb::Validate),
            post(move |Json(review): Json<Value>| async move {
                Json(admission::validate_review(&review, &validating, &settings))
            }),
        );
        if let Some(default) = kind.default {
            router = router.route(
                &kind.path(Verb::Mutate),
                post(move |Json(review): Json<Value>| async move {
                    Json(admission::default_review(&review, default))
                }),
            );
        }
    }
    router
}

async fn convert(Json(review): Json<Value>) -> Json<Value> {
    Json(conversion::review(&review))
}

/// Serves the webhooks on `listener` until `shutdown`, with `tls.crt`/`tls.key` from
/// `cert_dir`.
pub async fn serve(
    listener: TcpListener,
    cert_dir: &std::path::Path,
    settings: Settings,
    shutdown: impl Future<Output = ()>,
) -> Result<(), TlsError> {
    let certs = CertDir::load(cert_dir)?;
    let config = tls::with_resolver(certs.clone())?;
    let watcher = certs.watch(CERT_CHECK_INTERVAL);
    tls::serve(listener, router(settings), config, shutdown).await;
    watcher.abort();
    Ok(())
}

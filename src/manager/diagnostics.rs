//! The diagnostics server on `--diagnostics-address`: `/metrics` in the Prometheus text format.
//! As upstream's (controller-runtime's secure serving), it is HTTPS with a self-signed
//! certificate, and each request's bearer token is checked with a TokenReview and its access
//! with a SubjectAccessReview, unless `--insecure-diagnostics`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use k8s_openapi::api::authentication::v1::{TokenReview, TokenReviewSpec, UserInfo};
use k8s_openapi::api::authorization::v1::{
    NonResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};
use tokio::net::TcpListener;

use crate::tls::{self, TlsError};

use crate::metrics::Metrics;

/// The Prometheus text format's content type.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

pub fn router(metrics: Arc<Metrics>) -> Router {
    Router::new()
        .route("/metrics", get(render))
        .with_state(metrics)
}

async fn render(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, TEXT_FORMAT)], metrics.render())
}

/// Plain HTTP without authentication (`--insecure-diagnostics`), until `shutdown` resolves.
pub async fn serve_insecure(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let _ = axum::serve(listener, router(metrics))
        .with_graceful_shutdown(shutdown)
        .await;
}

/// HTTPS with a new self-signed certificate, every request authenticated and authorized
/// through the API server, until `shutdown` resolves.
pub async fn serve_secure(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    client: kube::Client,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), TlsError> {
    let certificate = tls::self_signed("capm3-diagnostics", &[])?;
    let config = tls::server_config(
        certificate.cert_pem.as_bytes(),
        certificate.key_pem.as_bytes(),
    )?;
    let app = router(metrics).layer(middleware::from_fn_with_state(client, authorize));
    tls::serve(listener, app, config, shutdown).await;
    Ok(())
}

/// 401 without a valid bearer token, 403 when RBAC does not allow the request.
async fn authorize(State(client): State<kube::Client>, request: Request, next: Next) -> Response {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty());
    let Some(token) = token else {
        return (StatusCode::UNAUTHORIZED, "Unauthorized").into_response();
    };
    let user = match authenticate(&client, token).await {
        Ok(Some(user)) => user,
        Ok(None) => return (StatusCode::UNAUTHORIZED, "Unauthorized").into_response(),
        Err(e) => return review_failed(e),
    };
    let path = request.uri().path().to_owned();
    let verb = request.method().as_str().to_lowercase();
    let username = user.username.clone().unwrap_or_default();
    match allowed(&client, user, &path, &verb).await {
        Ok(true) => next.run(request).await,
        Ok(false) => (
            StatusCode::FORBIDDEN,
            format!("Forbidden: {username} may not {verb} {path}"),
        )
            .into_response(),
        Err(e) => review_failed(e),
    }
}

fn review_failed(error: kube::Error) -> Response {
    tracing::warn!("cannot check a metrics request with the API server: {error}");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Authorization check failed",
    )
        .into_response()
}

/// The user a token belongs to, as the API server says.
async fn authenticate(client: &kube::Client, token: &str) -> Result<Option<UserInfo>, kube::Error> {
    let review = TokenReview {
        spec: TokenReviewSpec {
            token: Some(token.to_owned()),
            ..Default::default()
        },
        ..Default::default()
    };
    let answer = Api::<TokenReview>::all(client.clone())
        .create(&PostParams::default(), &review)
        .await?;
    Ok(answer
        .status
        .filter(|status| status.authenticated == Some(true))
        .and_then(|status| status.user))
}

async fn allowed(
    client: &kube::Client,
    user: UserInfo,
    path: &str,
    verb: &str,
) -> Result<bool, kube::Error> {
    let review = SubjectAccessReview {
        spec: SubjectAccessReviewSpec {
            user: user.username,
            groups: user.groups,
            uid: user.uid,
            extra: user.extra,
            non_resource_attributes: Some(NonResourceAttributes {
                path: Some(path.to_owned()),
                verb: Some(verb.to_owned()),
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let answer = Api::<SubjectAccessReview>::all(client.clone())
        .create(&PostParams::default(), &review)
        .await?;
    Ok(answer.status.is_some_and(|status| status.allowed))
}

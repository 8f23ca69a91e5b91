//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses a different subset

pub mod bmo;
pub mod objects;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use serde::Deserialize;
use serde_json::Value;

/// Every YAML document in a file, as JSON values (empty documents skipped).
pub fn yaml_documents(path: &Path) -> Vec<Value> {
    try_yaml_documents(path).unwrap_or_else(|| panic!("{} is not valid YAML", path.display()))
}

/// Like [`yaml_documents`], but `None` when the file does not parse.
pub fn try_yaml_documents(path: &Path) -> Option<Vec<Value>> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let docs: Result<Vec<Value>, _> = serde_norway::Deserializer::from_str(&text)
        .map(Value::deserialize)
        .collect();
    Some(docs.ok()?.into_iter().filter(|v| !v.is_null()).collect())
}

pub fn fixtures(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    yaml_files(&dir)
}

pub fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

/// The `openAPIV3Schema` our CRDs declare for `apiVersion` + `kind`, if we have that CRD.
pub fn schema_for(api_version: &str, kind: &str) -> Option<Value> {
    static CRDS: OnceLock<Vec<CustomResourceDefinition>> = OnceLock::new();
    let crds = CRDS.get_or_init(|| {
        capm3::crds::metal3()
            .into_iter()
            .chain(capm3::crds::capi())
            .collect()
    });
    let (group, version) = api_version.split_once('/')?;
    crds.iter()
        .filter(|crd| crd.spec.group == group && crd.spec.names.kind == kind)
        .flat_map(|crd| &crd.spec.versions)
        .find(|v| v.name == version)
        .and_then(|v| v.schema.as_ref()?.open_api_v3_schema.as_ref())
        .map(|s| serde_json::to_value(s).expect("schema serialises"))
}

/// Upstream's reference material (not part of the repository): `../shared/reference`
/// beside the checkout, or `CAPM3_UPSTREAM_REFERENCE`.
pub fn upstream_reference() -> Option<PathBuf> {
    let dir = std::env::var_os("CAPM3_UPSTREAM_REFERENCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: upstream reference not found at {} (set CAPM3_UPSTREAM_REFERENCE)",
            dir.display()
        );
        None
    }
}

pub fn api_version_and_kind(doc: &Value) -> (String, String) {
    let field = |f: &str| {
        doc.get(f)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    (field("apiVersion"), field("kind"))
}

/// An embedded API server on an ephemeral loopback port, serving capm3's CRDs.
pub async fn server_with_crds() -> capm3::sandbox::apiserver::ApiServer {
    let server = capm3::sandbox::apiserver::ApiServer::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("server starts");
    server
        .install_crds(&capm3::crds::metal3())
        .await
        .expect("CRDs installed");
    server
}

/// An embedded API server with capm3's CRDs whose conversion webhook is capm3's own
/// webhook server, over HTTPS: a test CA issues its certificate, the CRDs carry the CA as
/// their `caBundle` (cert-manager's CA injector does that in a cluster), and the server's
/// route for capm3's webhook Service points at it.
pub async fn server_with_conversion_webhook() -> capm3::sandbox::apiserver::ApiServer {
    server_with_webhook_server().await.0
}

/// The embedded API server with capm3's CRDs, calling the production webhook server for
/// conversion and for every admission webhook, registered by the configurations config/webhook
/// ships (`capm3::manager::webhooks::configurations`) with the test CA as their bundle.
pub async fn server_with_admission_webhooks() -> capm3::sandbox::apiserver::ApiServer {
    server_with_webhook_server().await.0
}

/// The embedded API server with capm3's CRDs, their conversion routed to the production
/// webhook server over HTTPS; the CA that signed its certificate.
async fn server_with_webhook_server() -> (capm3::sandbox::apiserver::ApiServer, String) {
    let server = capm3::sandbox::apiserver::ApiServer::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("server starts");
    let host = capm3::sandbox::webhook_host::WebhookHost::start(&server, capm3::crds::metal3())
        .await
        .expect("webhook server and CRDs");
    // The handle is dropped; the webhook server runs until the test ends.
    (server, host.ca_pem)
}

/// The BMC Secret every fake host gets.
pub fn bmc_credentials() -> Value {
    serde_json::json!({"username": "admin", "password": "s3cret"})
}

/// Creates a Secret from `string_data`.
pub async fn create_secret(client: &kube::Client, namespace: &str, name: &str, string_data: Value) {
    use k8s_openapi::api::core::v1::Secret;
    let secret: Secret = serde_json::from_value(serde_json::json!({
        "metadata": {"name": name}, "stringData": string_data,
    }))
    .expect("secret");
    kube::Api::<Secret>::namespaced(client.clone(), namespace)
        .create(&Default::default(), &secret)
        .await
        .unwrap_or_else(|e| panic!("secret {name} created: {e}"));
}

/// A BareMetalHost with a `fake-hardware` BMC (the manager needs `--enable-fake-hardware`),
/// online, whose credentials are the Secret `<name>-bmc`.
pub fn fake_host(name: &str, mac: &str) -> Value {
    serde_json::json!({
        "apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
        "metadata": {"name": name},
        "spec": {
            "online": true,
            "bootMACAddress": mac,
            "bmc": {"address": "fake-hardware://127.0.0.1", "credentialsName": format!("{name}-bmc")},
        },
    })
}

pub async fn create_host(client: &kube::Client, namespace: &str, manifest: Value) {
    use capm3::api::bmo::v1alpha1::BareMetalHost;
    let host: BareMetalHost = serde_json::from_value(manifest).expect("host");
    let name = host.metadata.name.clone().unwrap_or_default();
    kube::Api::<BareMetalHost>::namespaced(client.clone(), namespace)
        .create(&Default::default(), &host)
        .await
        .unwrap_or_else(|e| panic!("host {name} created: {e}"));
}

/// Enrols a simulated host as a user would: a BMC Secret `<name>-bmc` and a
/// [`fake_host`].
pub async fn enrol_fake_host(client: &kube::Client, namespace: &str, name: &str, mac: &str) {
    create_secret(client, namespace, &format!("{name}-bmc"), bmc_credentials()).await;
    create_host(client, namespace, fake_host(name, mac)).await;
}

/// `status.provisioning.state` of a host, if it has one.
pub fn provisioning_state(host: Option<&capm3::api::bmo::v1alpha1::BareMetalHost>) -> Option<&str> {
    Some(host?.status.as_ref()?.provisioning.state.as_str())
}

/// Polls the host until `done` holds (or it is gone, when `done` accepts `None`), failing
/// with its last status after `limit` (a bound on waiting, not a timing assertion).
pub async fn wait_for_host(
    hosts: &kube::Api<capm3::api::bmo::v1alpha1::BareMetalHost>,
    name: &str,
    what: &str,
    limit: std::time::Duration,
    done: impl Fn(Option<&capm3::api::bmo::v1alpha1::BareMetalHost>) -> bool,
) -> Option<capm3::api::bmo::v1alpha1::BareMetalHost> {
    let deadline = std::time::Instant::now() + limit;
    loop {
        let host = hosts.get_opt(name).await.expect("read host");
        if done(host.as_ref()) {
            return host;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{name} never got {what}; last seen: {}",
            serde_json::to_string_pretty(&host.map(|h| h.status)).unwrap_or_default()
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// An embedded API server serving capm3's CRDs and the Cluster API ones.
pub async fn server_with_all_crds() -> capm3::sandbox::apiserver::ApiServer {
    let server = server_with_crds().await;
    server
        .install_crds(&capm3::crds::capi())
        .await
        .expect("CAPI CRDs");
    server
}

/// Polls `probe` until it gives a value, failing with `what` after 90 s (a bound on
/// waiting, not a timing assertion).
pub async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(90);
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

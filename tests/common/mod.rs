//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses a different subset

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

/// A ConversionReview webhook on loopback backed by capm3's conversion functions (the
/// manager's own `/convert` stands in for it once the manager serves webhooks); the
/// server's route for capm3's webhook Service points at it.
pub async fn route_conversion_webhook(server: &capm3::sandbox::apiserver::ApiServer) {
    async fn convert(axum::Json(review): axum::Json<Value>) -> axum::Json<Value> {
        let request = &review["request"];
        let desired = request["desiredAPIVersion"].as_str().unwrap_or_default();
        let converted: Result<Vec<Value>, String> = request["objects"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|o| {
                capm3::api::capm3::conversion::convert(o.clone(), desired)
                    .map_err(|e| e.to_string())
            })
            .collect();
        let response = match converted {
            Ok(objects) => {
                serde_json::json!({"uid": request["uid"], "convertedObjects": objects, "result": {"status": "Success"}})
            }
            Err(message) => {
                serde_json::json!({"uid": request["uid"], "result": {"status": "Failure", "message": message}})
            }
        };
        axum::Json(
            serde_json::json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "ConversionReview", "response": response}),
        )
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = axum::Router::new().route("/convert", axum::routing::post(convert));
    tokio::spawn(async move { axum::serve(listener, app).await });
    server.api.webhooks.route_service(
        capm3::crds::WEBHOOK_NAMESPACE,
        capm3::crds::WEBHOOK_SERVICE,
        &format!("http://{addr}"),
    );
}

//! `--apply FILE`: what `kubectl apply --server-side -f FILE` does, for the manifests a user
//! hands the sandbox at start.

use std::path::Path;

use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::GroupVersionKind;
use kube::discovery::{Discovery, Scope};
use serde_json::Value;

use super::error::SandboxError;
use super::hosts::FIELD_MANAGER;

/// Applies every document of every file, in order; returns `kind/name` of each object.
pub async fn apply_files(
    client: &kube::Client,
    paths: &[impl AsRef<Path>],
) -> Result<Vec<String>, SandboxError> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let discovery = discover(client).await?;
    let mut applied = Vec::new();
    for path in paths {
        let path = path.as_ref();
        let failed = |message: String| SandboxError::Apply {
            path: path.to_owned(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| SandboxError::Read {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        for document in documents(&text).map_err(failed)? {
            applied.push(apply(client, &discovery, document).await.map_err(failed)?);
        }
    }
    Ok(applied)
}

/// Applies documents built in code; `origin` names them in errors.
pub async fn apply_documents(
    client: &kube::Client,
    origin: &Path,
    documents: Vec<Value>,
) -> Result<(), SandboxError> {
    let discovery = discover(client).await?;
    for document in documents {
        apply(client, &discovery, document)
            .await
            .map_err(|message| SandboxError::Apply {
                path: origin.to_owned(),
                message,
            })?;
    }
    Ok(())
}

async fn discover(client: &kube::Client) -> Result<Discovery, SandboxError> {
    Discovery::new(client.clone())
        .run()
        .await
        .map_err(SandboxError::Client)
}

/// The non-empty documents of a multi-document YAML text.
pub fn documents(text: &str) -> Result<Vec<Value>, String> {
    use serde::Deserialize;
    let mut documents = Vec::new();
    for document in serde_norway::Deserializer::from_str(text) {
        let value = Value::deserialize(document).map_err(|e| e.to_string())?;
        if !value.is_null() {
            documents.push(value);
        }
    }
    Ok(documents)
}

async fn apply(
    client: &kube::Client,
    discovery: &Discovery,
    document: Value,
) -> Result<String, String> {
    let field = |name: &str| document.get(name).and_then(Value::as_str).unwrap_or("");
    let (api_version, kind) = (field("apiVersion"), field("kind"));
    let name = document["metadata"]["name"].as_str().unwrap_or("");
    if api_version.is_empty() || kind.is_empty() || name.is_empty() {
        return Err("every document needs apiVersion, kind and metadata.name".into());
    }
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let gvk = GroupVersionKind::gvk(group, version, kind);
    let (resource, capabilities) = discovery
        .resolve_gvk(&gvk)
        .ok_or_else(|| format!("the API server does not serve {kind} in {api_version}"))?;
    let api: Api<DynamicObject> = match capabilities.scope {
        Scope::Cluster => Api::all_with(client.clone(), &resource),
        Scope::Namespaced => {
            let namespace = document["metadata"]["namespace"]
                .as_str()
                .unwrap_or("default");
            Api::namespaced_with(client.clone(), namespace, &resource)
        }
    };
    api.patch(
        name,
        &PatchParams::apply(FIELD_MANAGER).force(),
        &Patch::Apply(&document),
    )
    .await
    .map_err(|e| match e {
        kube::Error::Api(status) => format!("{kind} {name}: {}", status.message),
        other => format!("{kind} {name}: {other}"),
    })?;
    Ok(format!("{}/{name}", kind.to_lowercase()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn empty_documents_are_skipped_and_bad_yaml_reported() {
        let docs = super::documents("---\na: 1\n---\n---\nb: 2\n").expect("valid");
        assert_eq!(docs.len(), 2);
        assert!(super::documents("a: [1\n").is_err());
    }
}

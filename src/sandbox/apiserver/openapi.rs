//! OpenAPI v3, as much as kubectl needs: `/openapi/v3` lists a document per group version,
//! and each document has the kinds' schemas (for `kubectl explain`) and their PATCH
//! operations, whose `fieldValidation` parameter tells kubectl to let the server validate
//! (`kubectl apply` then sends `fieldValidation=Strict`).

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::registry::Resource;

/// `/openapi/v3`: where each group version's document is, with a hash that changes with it.
pub fn root(resources: &[Arc<Resource>]) -> Value {
    let mut paths = Map::new();
    for (group, version) in group_versions(resources) {
        let prefix = doc_prefix(&group, &version);
        let hash = fnv1a(&document(resources, &group, &version).to_string());
        paths.insert(
            prefix.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{prefix}?hash={hash:016X}")}),
        );
    }
    json!({"paths": paths})
}

/// The document of one group version (empty paths when nothing is served there).
pub fn document(resources: &[Arc<Resource>], group: &str, version: &str) -> Value {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    for r in resources.iter().filter(|r| r.group == group) {
        let Some(served) = r.version(version) else {
            continue;
        };
        let gvk = json!({"group": group, "version": version, "kind": r.kind});
        let collection = if r.namespaced {
            format!(
                "/{}/namespaces/{{namespace}}/{}",
                doc_prefix(group, version),
                r.plural
            )
        } else {
            format!("/{}/{}", doc_prefix(group, version), r.plural)
        };
        let query = |name: &str| json!({"name": name, "in": "query", "schema": {"type": "string"}});
        let patch = json!({
            "operationId": format!("patch{}", r.kind),
            "x-kubernetes-group-version-kind": gvk,
            "x-kubernetes-action": "patch",
            "parameters": [query("dryRun"), query("fieldManager"), query("fieldValidation"), query("force")],
            "responses": {"200": {"description": "OK"}},
        });
        paths.insert(format!("{collection}/{{name}}"), json!({"patch": patch}));
        let mut schema = served.schema.clone().unwrap_or_else(
            || json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}),
        );
        schema["x-kubernetes-group-version-kind"] = json!([gvk]);
        schemas.insert(schema_name(group, version, &r.kind), schema);
    }
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.33.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    })
}

/// `api/v1` for the core group, `apis/{group}/{version}` otherwise.
fn doc_prefix(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// `io.metal3.v1alpha1.BareMetalHost`: the group reversed, as Kubernetes names definitions.
fn schema_name(group: &str, version: &str, kind: &str) -> String {
    let reversed: Vec<&str> = if group.is_empty() {
        vec!["io", "k8s", "api", "core"]
    } else {
        group.split('.').rev().collect()
    };
    format!("{}.{version}.{kind}", reversed.join("."))
}

fn group_versions(resources: &[Arc<Resource>]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = resources
        .iter()
        .flat_map(|r| r.versions.iter().map(|v| (r.group.clone(), v.name.clone())))
        .collect();
    pairs.sort();
    pairs.dedup();
    pairs
}

/// A stable hash for cache-busting URLs (no cryptographic need).
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::apiserver::registry::Registry;

    #[test]
    fn patch_operations_advertise_field_validation() {
        let registry = Registry::default();
        for crd in crate::crds::metal3() {
            registry.serve_crd(&crd);
        }
        let all = registry.all();
        let root = root(&all);
        assert!(
            root["paths"]["apis/metal3.io/v1alpha1"]["serverRelativeURL"]
                .as_str()
                .is_some_and(|u| u.starts_with("/openapi/v3/apis/metal3.io/v1alpha1?hash="))
        );
        assert!(root["paths"]["api/v1"].is_object());
        let doc = document(&all, "metal3.io", "v1alpha1");
        let patch = &doc["paths"]["/apis/metal3.io/v1alpha1/namespaces/{namespace}/baremetalhosts/{name}"]
            ["patch"];
        assert_eq!(
            patch["x-kubernetes-group-version-kind"]["kind"],
            "BareMetalHost"
        );
        assert!(
            patch["parameters"]
                .as_array()
                .is_some_and(|p| p.iter().any(|p| p["name"] == "fieldValidation"))
        );
        let schema = &doc["components"]["schemas"]["io.metal3.v1alpha1.BareMetalHost"];
        assert!(schema["properties"]["spec"]["properties"]["bmc"].is_object());
    }
}

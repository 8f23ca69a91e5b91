//! Discovery documents, as kubectl and kube-rs read them: `/version`, `/api`, `/apis`,
//! `/apis/{group}`, and the resource lists of each group version (legacy discovery; clients
//! that ask for aggregated discovery fall back to it).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::registry::Resource;

/// The Kubernetes version the sandbox claims to be (the one k8s-openapi's `v1_33` targets).
pub fn version() -> Value {
    json!({
        "major": "1", "minor": "33", "gitVersion": "v1.33.0-capm3-sandbox",
        "gitCommit": "", "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "n/a", "compiler": "rustc", "platform": "linux/amd64",
    })
}

/// `/api`: the core group's versions.
pub fn core_versions() -> Value {
    json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []})
}

/// `/apis`: every named group with its versions, preferred first.
pub fn group_list(resources: &[std::sync::Arc<Resource>]) -> Value {
    let groups: Vec<Value> = groups(resources)
        .into_iter()
        .map(|(name, versions)| group_doc(&name, &versions))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/apis/{group}`, or `None` when nothing is served in that group.
pub fn group(resources: &[std::sync::Arc<Resource>], name: &str) -> Option<Value> {
    let groups = groups(resources);
    let versions = groups.get(name)?;
    let mut doc = group_doc(name, versions);
    doc["kind"] = json!("APIGroup");
    doc["apiVersion"] = json!("v1");
    Some(doc)
}

/// `/api/v1` or `/apis/{group}/{version}`, or `None` when that group version is not served.
pub fn resource_list(
    resources: &[std::sync::Arc<Resource>],
    group: &str,
    version: &str,
) -> Option<Value> {
    let mut entries = Vec::new();
    for r in resources.iter().filter(|r| r.group == group) {
        let Some(served) = r.version(version) else {
            continue;
        };
        entries.push(json!({
            "name": r.plural, "singularName": r.singular, "namespaced": r.namespaced, "kind": r.kind,
            "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
            "shortNames": r.short_names, "categories": r.categories,
        }));
        if served.status_subresource {
            entries.push(json!({
                "name": format!("{}/status", r.plural), "singularName": "", "namespaced": r.namespaced,
                "kind": r.kind, "verbs": ["get", "patch", "update"],
            }));
        }
    }
    if entries.is_empty() {
        return None;
    }
    let group_version = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": entries}),
    )
}

/// Named groups and their served versions, most preferred first.
fn groups(resources: &[std::sync::Arc<Resource>]) -> BTreeMap<String, Vec<String>> {
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in resources.iter().filter(|r| !r.group.is_empty()) {
        let versions = groups.entry(r.group.clone()).or_default();
        for v in &r.versions {
            if !versions.contains(&v.name) {
                versions.push(v.name.clone());
            }
        }
    }
    for versions in groups.values_mut() {
        versions.sort_by(|a, b| version_priority(a, b));
    }
    groups
}

fn group_doc(name: &str, versions: &[String]) -> Value {
    let entry = |v: &String| json!({"groupVersion": format!("{name}/{v}"), "version": v});
    json!({
        "name": name,
        "versions": versions.iter().map(entry).collect::<Vec<_>>(),
        "preferredVersion": versions.first().map(entry),
    })
}

/// Kubernetes' version priority (`version.CompareKubeAwareVersionStrings`): GA before beta
/// before alpha, higher numbers first, and anything else after, alphabetically.
pub fn version_priority(a: &str, b: &str) -> Ordering {
    parse_kube_version(b)
        .cmp(&parse_kube_version(a))
        .then_with(|| a.cmp(b))
}

/// A sort key where greater means more preferred: (is kube-like, stability, major, minor).
fn parse_kube_version(v: &str) -> (bool, u8, u64, u64) {
    let Some(rest) = v.strip_prefix('v') else {
        return (false, 0, 0, 0);
    };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let Ok(major) = rest[..digits].parse::<u64>() else {
        return (false, 0, 0, 0);
    };
    let tail = &rest[digits..];
    let (stability, minor) = match tail {
        "" => (3, 0),
        _ => match (tail.strip_prefix("beta"), tail.strip_prefix("alpha")) {
            (Some(n), _) => (2, n.parse().unwrap_or(u64::MAX)),
            (_, Some(n)) => (1, n.parse().unwrap_or(u64::MAX)),
            _ => return (false, 0, 0, 0),
        },
    };
    if minor == u64::MAX {
        return (false, 0, 0, 0);
    }
    (true, stability, major, minor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::apiserver::registry::Registry;

    #[test]
    fn versions_sort_as_kubernetes_prefers_them() {
        let mut versions = vec![
            "v1alpha1",
            "v1beta1",
            "v2",
            "v1beta2",
            "v1",
            "foo",
            "v10alpha2",
        ];
        versions.sort_by(|a, b| version_priority(a, b));
        assert_eq!(
            versions,
            [
                "v2",
                "v1",
                "v1beta2",
                "v1beta1",
                "v10alpha2",
                "v1alpha1",
                "foo"
            ]
        );
    }

    #[test]
    fn groups_and_resources_are_discoverable() {
        let registry = Registry::default();
        for crd in crate::crds::metal3() {
            registry.serve_crd(&crd);
        }
        let all = registry.all();
        let infra = group(&all, "infrastructure.cluster.x-k8s.io").expect("group");
        assert_eq!(infra["preferredVersion"]["version"], "v1beta2");
        let list = resource_list(&all, "metal3.io", "v1alpha1").expect("resources");
        let bmh = list["resources"]
            .as_array()
            .and_then(|r| r.iter().find(|e| e["name"] == "baremetalhosts"))
            .expect("bmh");
        assert_eq!(bmh["shortNames"], json!(["bmh", "bmhost"]));
        assert_eq!(bmh["namespaced"], true);
        assert!(
            list["resources"]
                .as_array()
                .is_some_and(|r| r.iter().any(|e| e["name"] == "baremetalhosts/status"))
        );
        assert!(resource_list(&all, "", "v1").is_some_and(|l| l["groupVersion"] == "v1"));
        assert!(resource_list(&all, "metal3.io", "v9").is_none());
    }
}

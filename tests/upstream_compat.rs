//! Every field path of upstream's CRDs (capm3, bmo, ipam) exists in ours with the same
//! type and validation, except the deliberate differences listed in
//! docs/api-compatibility.md (and below, so this test keeps the list honest).
//! Upstream's CRDs are reference data beside the repository, not part of it.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use serde_json::Value;

/// Keywords compared at every path.
const KEYWORDS: &[&str] = &[
    "type",
    "format",
    "enum",
    "default",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "minProperties",
    "nullable",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
    "x-kubernetes-int-or-string",
    "x-kubernetes-preserve-unknown-fields",
];

/// Upstream kinds capm3 does not ship yet (experimental upstream, no controller here).
const NOT_SHIPPED: &[&str] = &[
    "metal3.io_baremetalswitches.yaml",
    "metal3.io_hostclaims.yaml",
    "metal3.io_hostdeploypolicies.yaml",
    "metal3.io_hostnetworkattachments.yaml",
];

/// Deliberate differences: (path suffix, keyword, why).
const DIFFERENCES: &[(&str, &str, &str)] = &[
    (
        ".spec",
        "required",
        "kube-derive always requires spec; Go clients always send one",
    ),
    (
        ".networkData.links.bonds[].parameters[].value",
        "type",
        "bond parameters are scalars; upstream's type: object rejects them",
    ),
];

struct Field {
    keywords: BTreeMap<&'static str, Value>,
    required: bool,
}

fn flatten(schema: &Value, path: String, required: bool, out: &mut BTreeMap<String, Field>) {
    let keywords = KEYWORDS
        .iter()
        .filter_map(|k| Some((*k, schema.get(*k)?.clone())))
        .collect();
    out.insert(path.clone(), Field { keywords, required });
    let required_names: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for (name, sub) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        flatten(
            sub,
            format!("{path}.{name}"),
            required_names.contains(&name.as_str()),
            out,
        );
    }
    if let Some(items) = schema.get("items").filter(|i| i.is_object()) {
        flatten(items, format!("{path}[]"), false, out);
    }
    if let Some(values) = schema.get("additionalProperties").filter(|a| a.is_object()) {
        flatten(values, format!("{path}{{}}"), false, out);
    }
}

fn is_documented(path: &str, keyword: &str) -> bool {
    DIFFERENCES
        .iter()
        .any(|(suffix, k, _)| *k == keyword && path.ends_with(suffix))
}

/// Our integer fields carry `format: int64` where upstream's Go `int` has none, and
/// `JSONSchemaProps` holds bounds as floats (`1.0` for `1`).
fn same(keyword: &str, upstream: Option<&Value>, ours: Option<&Value>) -> bool {
    let number = |v: Option<&Value>| v.and_then(Value::as_f64);
    upstream == ours
        || (keyword == "format" && upstream.is_none() && ours.is_some_and(|f| f == "int64"))
        || (upstream.is_some_and(Value::is_number) && number(upstream) == number(ours))
}

#[test]
fn every_upstream_field_exists_with_the_same_schema() {
    let Some(reference) = common::upstream_reference() else {
        return;
    };
    let mut total = 0;
    let mut problems = Vec::new();
    for group in ["capm3", "bmo", "ipam"] {
        for file in common::yaml_files(&reference.join("upstream-crds").join(group)) {
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            if NOT_SHIPPED.contains(&name.as_str()) {
                continue;
            }
            total += compare_crd(&file, &name, &mut problems);
        }
    }
    eprintln!(
        "upstream field paths compared: {total}; differences outside the documented list: {}",
        problems.len()
    );
    assert!(total > 1000, "only {total} upstream paths compared");
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Compares one upstream CRD with ours; returns how many upstream paths it compared.
fn compare_crd(file: &Path, name: &str, problems: &mut Vec<String>) -> usize {
    let upstream = &common::yaml_documents(file)[0];
    let group = upstream["spec"]["group"].as_str().unwrap_or_default();
    let kind = upstream["spec"]["names"]["kind"]
        .as_str()
        .unwrap_or_default();
    let mut compared = 0;
    for version in upstream["spec"]["versions"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let v = version["name"].as_str().unwrap_or_default();
        let Some(ours) = common::schema_for(&format!("{group}/{v}"), kind) else {
            problems.push(format!("{name}: we do not serve {v}"));
            continue;
        };
        let (mut up, mut our) = (BTreeMap::new(), BTreeMap::new());
        flatten(
            &version["schema"]["openAPIV3Schema"],
            String::new(),
            false,
            &mut up,
        );
        flatten(&ours, String::new(), false, &mut our);
        for (path, field) in up
            .iter()
            .filter(|(p, _)| !p.starts_with(".metadata") && *p != ".apiVersion" && *p != ".kind")
        {
            compared += 1;
            let Some(mine) = our.get(path) else {
                problems.push(format!("{name} {v} {path}: missing"));
                continue;
            };
            for keyword in KEYWORDS {
                let (u, o) = (field.keywords.get(keyword), mine.keywords.get(keyword));
                if !same(keyword, u, o) && !is_documented(path, keyword) {
                    problems.push(format!(
                        "{name} {v} {path}: {keyword} upstream {u:?}, ours {o:?}"
                    ));
                }
            }
            if field.required != mine.required && !is_documented(path, "required") {
                problems.push(format!(
                    "{name} {v} {path}: required upstream {}, ours {}",
                    field.required, mine.required
                ));
            }
        }
        for key in [
            "additionalPrinterColumns",
            "deprecated",
            "served",
            "storage",
        ] {
            let ours_version = our_version(group, kind, v);
            if version.get(key) != ours_version.get(key) {
                problems.push(format!("{name} {v}: {key} differs"));
            }
        }
    }
    compared
}

fn our_version(group: &str, kind: &str, version: &str) -> Value {
    static CRDS: std::sync::OnceLock<Vec<CustomResourceDefinition>> = std::sync::OnceLock::new();
    CRDS.get_or_init(capm3::crds::metal3)
        .iter()
        .filter(|c| c.spec.group == group && c.spec.names.kind == kind)
        .flat_map(|c| &c.spec.versions)
        .find(|v| v.name == version)
        .map(|v| serde_json::to_value(v).expect("version serialises"))
        .unwrap_or(Value::Null)
}

#[test]
fn names_match_upstream() {
    let Some(reference) = common::upstream_reference() else {
        return;
    };
    for group in ["capm3", "bmo", "ipam"] {
        for file in common::yaml_files(&reference.join("upstream-crds").join(group)) {
            let upstream = &common::yaml_documents(&file)[0];
            let Some(ours) = capm3::crds::metal3()
                .into_iter()
                .find(|c| c.metadata.name.as_deref() == upstream["metadata"]["name"].as_str())
            else {
                continue;
            };
            let ours = serde_json::to_value(&ours.spec.names).expect("names serialise");
            for key in [
                "kind",
                "plural",
                "singular",
                "shortNames",
                "categories",
                "listKind",
            ] {
                assert_eq!(
                    ours.get(key),
                    upstream["spec"]["names"].get(key),
                    "{} {key}",
                    file.display()
                );
            }
        }
    }
}

/// Upstream's own example manifests (what users have on disk) keep every field that
/// upstream's CRDs keep. They contain clusterctl variables like `${IMAGE_FORMAT}`, so only
/// pruning is compared.
#[test]
fn upstream_examples_lose_no_field_upstream_keeps() {
    use capm3::sandbox::apiserver::structural::prune;
    let Some(reference) = common::upstream_reference() else {
        return;
    };
    let upstream_crds: Vec<Value> = ["capm3", "bmo", "ipam", "capi"]
        .iter()
        .flat_map(|g| common::yaml_files(&reference.join("upstream-crds").join(g)))
        .map(|f| common::yaml_documents(&f).remove(0))
        .collect();
    let mut checked = 0;
    for group in ["capm3", "bmo", "ipam"] {
        for file in common::yaml_files(&reference.join("upstream-examples").join(group)) {
            let Some(docs) = common::try_yaml_documents(&file) else {
                eprintln!(
                    "not YAML until clusterctl substitutes its variables: {}",
                    file.display()
                );
                continue;
            };
            for doc in docs {
                let (api_version, kind) = common::api_version_and_kind(&doc);
                let (Some(ours), Some(theirs)) = (
                    common::schema_for(&api_version, &kind),
                    upstream_schema(&upstream_crds, &api_version, &kind),
                ) else {
                    continue;
                };
                let lost = |schema: &Value| {
                    prune(&mut doc.clone(), schema)
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                };
                assert_eq!(
                    lost(&ours),
                    lost(&theirs),
                    "{}: {kind}: pruned fields differ from upstream",
                    file.display()
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 30, "only {checked} upstream examples checked");
}

fn upstream_schema(crds: &[Value], api_version: &str, kind: &str) -> Option<Value> {
    let (group, version) = api_version.split_once('/')?;
    crds.iter()
        .filter(|c| c["spec"]["group"] == group && c["spec"]["names"]["kind"] == kind)
        .flat_map(|c| c["spec"]["versions"].as_array().into_iter().flatten())
        .find(|v| v["name"] == version)
        .map(|v| v["schema"]["openAPIV3Schema"].clone())
}

//! API-05: every valid object of the nine `infrastructure.cluster.x-k8s.io` kinds
//! converts to the other version and back to exactly itself, in both directions.
//!
//! Each case checks two things:
//! - with the conversion-data annotation, the round trip is exactly the identity;
//! - without it (what a client that drops annotations would get back), the round trip
//!   loses exactly the documented exceptions (docs/api-compatibility.md), which
//!   [`survives_v1beta2`] and [`survives_v1beta1`] normalise away on both sides.
//!   Without this, a conversion dropping any field would still pass the first check;
//! - a v1beta2 object converted from v1beta1 is already in the form v1beta2 -> v1beta1
//!   normalises to (lists sorted by their keys, no empty stand-ins for absent fields).
//!
//! Objects are generated from the CRD schema of their version (what the API server
//! would accept): types, enums, required and optional fields, lengths, ranges,
//! patterns, formats and list uniqueness. Two things a schema cannot say are added:
//! - a v1beta1 `strategy.timeout` is a Go duration (`metav1.Duration`), and
//! - v1beta1 integers stay within `int32`: larger ones have no v1beta2 form, and
//!   their error is covered by the unit tests.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use capm3::api::capm3::conversion::{DATA_ANNOTATION, convert};
use capm3::api::capm3::{v1beta1, v1beta2};
use k8s_openapi::jiff::Timestamp;
use proptest::prelude::*;
use proptest::string::string_regex;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Map, Value, json};

const V1BETA1: &str = "infrastructure.cluster.x-k8s.io/v1beta1";
const V1BETA2: &str = "infrastructure.cluster.x-k8s.io/v1beta2";

/// The `openAPIV3Schema` of every (kind, version), as the crate generates it.
static SCHEMAS: LazyLock<BTreeMap<(String, String), Value>> = LazyLock::new(|| {
    let mut schemas = BTreeMap::new();
    for crd in capm3::crds::infrastructure() {
        for version in crd.spec.versions {
            let schema = version.schema.and_then(|s| s.open_api_v3_schema);
            let schema = serde_json::to_value(schema).expect("a schema is JSON");
            schemas.insert((crd.spec.names.kind.clone(), version.name), schema);
        }
    }
    schemas
});

/// Objects of `kind` at `version`, with random metadata.
fn objects(kind: &'static str, version: &str) -> BoxedStrategy<Value> {
    let schema = &SCHEMAS[&(kind.to_owned(), version.to_owned())];
    let api_version = format!("infrastructure.cluster.x-k8s.io/{version}");
    (value(schema, ""), metadata())
        .prop_map(move |(mut object, metadata)| {
            object["apiVersion"] = json!(api_version);
            object["kind"] = json!(kind);
            object["metadata"] = metadata;
            object
        })
        .boxed()
}

/// Values valid for `schema`; `path` (like `.spec.strategy.timeout`) picks overrides.
fn value(schema: &Value, path: &str) -> BoxedStrategy<Value> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let values: Vec<Value> = values.iter().filter(|v| !v.is_null()).cloned().collect();
        return prop::sample::select(values).boxed();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => object(schema, path),
        Some("array") => array(schema, path),
        Some("string") => string(schema, path).prop_map(Value::String).boxed(),
        Some("integer") => integer(schema),
        Some("boolean") => any::<bool>().prop_map(Value::Bool).boxed(),
        None if schema.get("x-kubernetes-preserve-unknown-fields").is_some() => any_json(),
        other => panic!("{path}: no generator for type {other:?}"),
    }
}

/// Objects with their declared properties (required ones always, the others half of
/// the time), or maps when only `additionalProperties` is declared.
fn object(schema: &Value, path: &str) -> BoxedStrategy<Value> {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return match schema.get("additionalProperties") {
            Some(values) if values.is_object() => map(value(values, &format!("{path}.*"))),
            _ => map(scalar()),
        };
    };
    let required = |name: &str| {
        let required = schema.get("required").and_then(Value::as_array);
        required.is_some_and(|r| r.iter().any(|n| n == name))
    };
    let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = properties
        .iter()
        .map(|(name, property)| {
            let key = name.clone();
            let field = value(property, &format!("{path}.{name}"))
                .prop_map(move |v| Some((key.clone(), v)));
            match required(name) {
                true => field.boxed(),
                false => prop_oneof![Just(None), field].boxed(),
            }
        })
        .collect();
    let min = count(schema, "minProperties").unwrap_or(0);
    fields
        .prop_map(|fields| Value::Object(fields.into_iter().flatten().collect()))
        .prop_filter("minProperties", move |o| {
            o.as_object().map_or(0, Map::len) >= min
        })
        .boxed()
}

/// Lists of a few items, unique by key for `map` lists and by value for `set` lists.
fn array(schema: &Value, path: &str) -> BoxedStrategy<Value> {
    let items = value(&schema["items"], &format!("{path}[]"));
    let min = count(schema, "minItems").unwrap_or(0);
    let max = count(schema, "maxItems")
        .unwrap_or(usize::MAX)
        .min(min.max(1) + 2);
    let identity = identity(schema);
    prop::collection::vec(items, min..=max)
        .prop_map(move |items| {
            let mut seen = Vec::new();
            let unique = items.into_iter().filter(|item| match identity(item) {
                Some(id) if seen.contains(&id) => false,
                Some(id) => {
                    seen.push(id);
                    true
                }
                None => true,
            });
            Value::Array(unique.collect())
        })
        .prop_filter("minItems", move |a| a.as_array().map_or(0, Vec::len) >= min)
        .boxed()
}

/// What must be unique in a list's items, per `x-kubernetes-list-type`.
fn identity(schema: &Value) -> impl Fn(&Value) -> Option<Value> + use<> {
    let list_type = schema["x-kubernetes-list-type"].as_str().map(str::to_owned);
    let keys: Vec<String> = schema["x-kubernetes-list-map-keys"]
        .as_array()
        .map(|keys| {
            keys.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    move |item| match list_type.as_deref() {
        Some("map") => Some(keys.iter().map(|k| item.get(k).cloned()).collect()),
        Some("set") => Some(item.clone()),
        _ => None,
    }
}

/// Strings of the declared format, pattern or length; free-form ones sometimes hit
/// the values conversion treats specially.
fn string(schema: &Value, path: &str) -> BoxedStrategy<String> {
    let min = count(schema, "minLength").unwrap_or(0);
    let max = count(schema, "maxLength").unwrap_or(usize::MAX);
    let generated = match (schema["format"].as_str(), schema["pattern"].as_str()) {
        (Some("date-time"), _) => time(),
        (Some("uri"), _) => regex(r"(https?|oci)://[a-z]{1,8}\.example/[a-z0-9._-]{0,10}"),
        (_, Some(pattern)) => regex(&unanchored(pattern)),
        _ => free_form(path, min, max.min(min + 12)),
    };
    generated
        .prop_filter("length", move |s| (min..=max).contains(&s.chars().count()))
        .boxed()
}

/// proptest cannot generate anchors; every pattern here is anchored as a whole (or
/// per alternative), so dropping them keeps the generated strings matching.
fn unanchored(pattern: &str) -> String {
    let escaped_or_negated = ["[^", r"\^", r"\$"];
    assert!(
        !escaped_or_negated.iter().any(|s| pattern.contains(s)),
        "{pattern}: only anchors may use ^ and $"
    );
    pattern.replace(['^', '$'], "")
}

fn free_form(path: &str, min: usize, max: usize) -> BoxedStrategy<String> {
    let text = regex(&format!("[a-zA-Z0-9 ._:/é-]{{{min},{max}}}"));
    if path.ends_with("strategy.timeout") {
        return durations();
    }
    if path.ends_with("strategy.type") {
        return prop_oneof![Just("Reboot".to_owned()), text].boxed();
    }
    if path.ends_with("status.phase") {
        let phases = ["Running", "Waiting", "Deleting machine", "Failed"].map(str::to_owned);
        return prop_oneof![prop::sample::select(phases.to_vec()), text].boxed();
    }
    text
}

/// Go duration text in several spellings, some with sub-second parts.
fn durations() -> BoxedStrategy<String> {
    prop_oneof![
        (-100_000_i64..10_000_000).prop_map(|s| format!("{s}s")),
        (-100_000_i64..10_000_000).prop_map(|ms| format!("{ms}ms")),
        (0_u32..1000, 0_u32..60).prop_map(|(m, s)| format!("{m}m{s}s")),
        (0_u32..500, 0_u32..60, 0_u32..60).prop_map(|(h, m, s)| format!("{h}h{m}m{s}s")),
        (0_u32..1000, 0_u32..1000).prop_map(|(s, f)| format!("{s}.{f:03}s")),
        Just("0".to_owned()),
    ]
    .boxed()
}

/// RFC 3339 timestamps in whole seconds, as `metav1.Time` serialises them.
fn time() -> BoxedStrategy<String> {
    (0_i64..4_102_444_800)
        .prop_map(|s| {
            let time = Timestamp::from_second(s).expect("within jiff's range");
            time.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
        })
        .boxed()
}

/// Integers in the declared range: mostly small, sometimes anywhere in `int32`.
fn integer(schema: &Value) -> BoxedStrategy<Value> {
    let bound = |key, default: i32| {
        schema[key]
            .as_f64()
            .map_or(i64::from(default), |b| b as i64)
    };
    let (lo, hi) = (bound("minimum", i32::MIN), bound("maximum", i32::MAX));
    let small_lo = lo.max(-1000).min(hi);
    let small_hi = hi.min(100_000).max(small_lo);
    prop_oneof![4 => small_lo..=small_hi, 1 => lo..=hi]
        .prop_map(Value::from)
        .boxed()
}

/// Arbitrary JSON, for `x-kubernetes-preserve-unknown-fields` without a type. Not
/// `null`: the API server prunes nulls where the schema is not `nullable`.
fn any_json() -> BoxedStrategy<Value> {
    prop_oneof![scalar(), map(scalar())].boxed()
}

fn scalar() -> BoxedStrategy<Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::from),
        any::<i32>().prop_map(Value::from),
        regex("[a-z0-9 ]{0,8}").prop_map(Value::from),
    ]
    .boxed()
}

/// Small maps with label-like keys.
fn map(values: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    prop::collection::btree_map(
        regex("([a-z]{1,5}\\.io/)?[a-z][a-z0-9-]{0,8}"),
        values,
        0..=3,
    )
    .prop_map(|m| Value::Object(m.into_iter().collect()))
    .boxed()
}

/// Metadata with the fields conversion must keep as they are. The API server never
/// stores an empty label or annotation map, so they are absent or non-empty.
fn metadata() -> BoxedStrategy<Value> {
    let name = || regex("[a-z][a-z0-9-]{0,20}");
    let strings = || {
        prop::collection::btree_map(
            regex("([a-z]{1,5}\\.io/)?[a-z][a-z0-9-]{0,8}"),
            regex("[ -~]{0,16}"),
            1..=3,
        )
    };
    let optional = (
        prop::option::of(strings()),
        prop::option::of(strings()),
        prop::option::of(1_i64..1000),
        prop::option::of(regex("[0-9a-f]{8}-[0-9a-f]{4}")),
        prop::option::of(time()),
    );
    (name(), name(), optional)
        .prop_map(
            |(name, namespace, (labels, annotations, generation, uid, created))| {
                let mut metadata = json!({"name": name, "namespace": namespace});
                let optional = [
                    ("labels", labels.map(|l| json!(l))),
                    ("annotations", annotations.map(|a| json!(a))),
                    ("generation", generation.map(Value::from)),
                    ("uid", uid.map(Value::from)),
                    ("creationTimestamp", created.map(Value::from)),
                ];
                for (key, value) in optional {
                    if let Some(value) = value {
                        metadata[key] = value;
                    }
                }
                metadata
            },
        )
        .boxed()
}

fn regex(pattern: &str) -> BoxedStrategy<String> {
    string_regex(pattern).expect("a supported regex").boxed()
}

fn count(schema: &Value, key: &str) -> Option<usize> {
    schema[key].as_u64().and_then(|n| usize::try_from(n).ok())
}

fn fail(error: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(error.to_string())
}

/// `original` (a `Home`) converts to `away` (a valid `Away`, a fixed point of
/// `canonical` if given) and back to itself, and without the annotation back to itself
/// but for what `survives` normalises.
fn round_trip<Home, Away>(
    original: Value,
    away: &str,
    survives: fn(&str, &mut Value),
    canonical: Option<fn(&str, &mut Value)>,
) -> Result<(), TestCaseError>
where
    Home: Serialize + DeserializeOwned,
    Away: DeserializeOwned,
{
    let home = original["apiVersion"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| fail("no apiVersion"))?;
    // The generator makes objects the typed API reads and writes back unchanged.
    let typed: Home = serde_json::from_value(original.clone()).map_err(fail)?;
    prop_assert_eq!(&serde_json::to_value(&typed).map_err(fail)?, &original);

    let there = convert(original.clone(), away).map_err(fail)?;
    prop_assert_eq!(there["apiVersion"].as_str(), Some(away));
    serde_json::from_value::<Away>(there.clone()).map_err(fail)?;

    let kind = original["kind"].as_str().unwrap_or_default().to_owned();
    let mut bare = there.clone();
    drop_annotation(&mut bare);
    if let Some(canonical) = canonical {
        let mut normalised = bare.clone();
        canonical(&kind, &mut normalised);
        prop_assert_eq!(&normalised, &bare, "not in canonical form");
    }
    let back = convert(there, &home).map_err(fail)?;
    prop_assert_eq!(&back, &original);

    let mut lossy = convert(bare, &home).map_err(fail)?;
    drop_annotation(&mut lossy);
    let mut expected = original;
    survives(&kind, &mut expected);
    survives(&kind, &mut lossy);
    prop_assert_eq!(lossy, expected);
    Ok(())
}

fn drop_annotation(object: &mut Value) {
    let metadata = object["metadata"].as_object_mut();
    if let Some(metadata) = metadata
        && let Some(annotations) = metadata
            .get_mut("annotations")
            .and_then(Value::as_object_mut)
    {
        annotations.remove(DATA_ANNOTATION);
        if annotations.is_empty() {
            metadata.remove("annotations");
        }
    }
}

/// Reduces a v1beta1 object to what v1beta2 can express: the documented v1beta1 ->
/// v1beta2 -> v1beta1 losses when the annotation is not there to restore them.
fn survives_v1beta2(kind: &str, object: &mut Value) {
    match kind {
        "Metal3Cluster" => {
            each(object, "spec", &mut fold_no_cloud_provider);
            remove_if(object, "status", "v1beta2", is_empty);
        }
        "Metal3ClusterTemplate" => each(object, "spec.template.spec", &mut fold_no_cloud_provider),
        "Metal3Machine" => {
            name_and_namespace(object, "spec.dataTemplate");
            name_and_namespace(object, "status.renderedData");
            remove_if(object, "status", "phase", |_| true);
            remove_if(object, "status", "v1beta2", is_empty);
        }
        "Metal3MachineTemplate" => name_and_namespace(object, "spec.template.spec.dataTemplate"),
        "Metal3DataTemplate" => {
            remove_if(object, "spec", "templateReference", |_| true);
            remove_if(
                object,
                "spec.networkData.links.bonds[]",
                "parameters",
                is_empty,
            );
        }
        "Metal3Data" => {
            remove_if(object, "spec", "templateReference", |_| true);
            name_and_namespace(object, "spec.claim");
            name_and_namespace(object, "spec.template");
        }
        "Metal3DataClaim" => {
            name_and_namespace(object, "spec.template");
            name_and_namespace(object, "status.renderedData");
        }
        "Metal3Remediation" => remediation(object, "spec.strategy", "status"),
        "Metal3RemediationTemplate" => {
            remediation(object, "spec.template.spec.strategy", "status.status")
        }
        _ => unreachable!("{kind}"),
    }
}

/// Reduces a v1beta2 object to what v1beta1 can express: the documented v1beta2 ->
/// v1beta1 -> v1beta2 losses when the annotation is not there to restore them.
fn survives_v1beta1(kind: &str, object: &mut Value) {
    match kind {
        "Metal3Cluster" => {
            sort_by(object, "spec.failureDomains", |d| d["name"].clone());
            sort_by(object, "status.failureDomains", |d| d["name"].clone());
            remove_if(object, "status.deprecated", "v1beta1", is_empty);
            remove_if(object, "status", "deprecated", is_empty);
        }
        "Metal3ClusterTemplate" => {
            remove_if(object, "spec.template", "metadata", |_| true);
            sort_by(object, "spec.template.spec.failureDomains", |d| {
                d["name"].clone()
            });
        }
        "Metal3Machine" => {
            remove_if(object, "status.deprecated", "v1beta1", is_empty);
            remove_if(object, "status", "deprecated", is_empty);
        }
        "Metal3MachineTemplate" => remove_if(object, "spec.template", "metadata", |_| true),
        "Metal3DataTemplate" => {
            remove_if(object, "spec", "clusterName", |name| name == "");
            sort_by(object, "spec.networkData.links.bonds[].parameters", |p| {
                p["name"].clone()
            });
            each(object, "status.indexes", &mut one_index_per_name);
        }
        "Metal3Data" => {
            remove_if(object, "spec", "claim", is_empty);
            remove_if(object, "spec", "template", is_empty);
        }
        "Metal3DataClaim" => remove_if(object, "spec", "template", is_empty),
        "Metal3Remediation" => {}
        "Metal3RemediationTemplate" => each(object, "status", &mut |status| {
            status
                .as_object_mut()
                .map(|s| s.entry("status").or_insert(json!({})));
        }),
        _ => unreachable!("{kind}"),
    }
}

/// The deprecated `noCloudProvider` only survives as `cloudProviderEnabled`.
fn fold_no_cloud_provider(spec: &mut Value) {
    if let Some(spec) = spec.as_object_mut()
        && let Some(no) = spec.remove("noCloudProvider").and_then(|n| n.as_bool())
    {
        spec.entry("cloudProviderEnabled").or_insert(json!(!no));
    }
}

/// A timeout survives as whole seconds; a type or phase outside v1beta2's enums not at all.
fn remediation(object: &mut Value, strategy: &str, status: &str) {
    each(object, &format!("{strategy}.timeout"), &mut |timeout| {
        *timeout = json!(seconds(timeout.as_str().unwrap_or_default()));
    });
    remove_if(object, strategy, "type", |t| t != "Reboot");
    let phases = ["Running", "Waiting", "Deleting machine", "Failed"];
    remove_if(object, status, "phase", |p| {
        !phases.iter().any(|known| p == known)
    });
}

/// Whole seconds of the duration spellings [`durations`] generates and Go writes
/// (`-1h2m3s`, `1500ms`, `1.250s`, `0`): an oracle independent of the library's parser.
fn seconds(text: &str) -> i64 {
    let (sign, body) = text.strip_prefix('-').map_or((1, text), |rest| (-1, rest));
    let (mut millis, mut number) = (0_i64, String::new());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let unit = match (c, chars.peek()) {
            ('m', Some('s')) => {
                chars.next();
                1
            }
            ('h', _) => 3_600_000,
            ('m', _) => 60_000,
            _ => 1000,
        };
        let (whole, fraction) = number.split_once('.').unwrap_or((&number, "0"));
        let whole: i64 = whole.parse().unwrap_or_default();
        let fraction: i64 = format!("{fraction:0<3}")[..3].parse().unwrap_or_default();
        millis += whole * unit + fraction * unit / 1000;
        number.clear();
    }
    sign * millis / 1000
}

/// Only the name and namespace of an `ObjectReference` survive as a `Metal3ObjectRef`.
fn name_and_namespace(object: &mut Value, path: &str) {
    each(object, path, &mut |reference| {
        if let Some(reference) = reference.as_object_mut() {
            reference.retain(|field, _| field == "name" || field == "namespace");
        }
    });
}

/// A v1beta1 map keeps one index per claim name (the last listed), and v1beta2 lists
/// them sorted by index.
fn one_index_per_name(indexes: &mut Value) {
    let list = indexes.as_array().cloned().unwrap_or_default();
    let by_name: BTreeMap<String, Value> = list
        .into_iter()
        .map(|i| (i["name"].as_str().unwrap_or_default().to_owned(), i))
        .collect();
    let mut list: Vec<Value> = by_name.into_values().collect();
    list.sort_by_key(|i| (i["index"].as_i64(), i["name"].as_str().map(str::to_owned)));
    *indexes = Value::Array(list);
}

fn is_empty(value: &Value) -> bool {
    value.as_object().is_some_and(Map::is_empty)
}

/// Sorts every list at `path` by `key`.
fn sort_by(object: &mut Value, path: &str, key: fn(&Value) -> Value) {
    each(object, path, &mut |list| {
        if let Some(list) = list.as_array_mut() {
            list.sort_by_key(|item| key(item).to_string());
        }
    });
}

/// Removes `field` from every object at `path` whose value matches `condition`.
fn remove_if(object: &mut Value, path: &str, field: &str, condition: impl Fn(&Value) -> bool) {
    each(object, path, &mut |parent| {
        if let Some(parent) = parent.as_object_mut()
            && parent.get(field).is_some_and(&condition)
        {
            parent.remove(field);
        }
    });
}

/// Applies `f` to every value at `path` (`a.b[].c`: `[]` walks a list's items).
fn each(value: &mut Value, path: &str, f: &mut dyn FnMut(&mut Value)) {
    if path.is_empty() {
        return f(value);
    }
    let (segment, rest) = path.split_once('.').unwrap_or((path, ""));
    let (field, walk_list) = match segment.strip_suffix("[]") {
        Some(field) => (field, true),
        None => (segment, false),
    };
    let Some(child) = value.get_mut(field) else {
        return;
    };
    match walk_list {
        true => child
            .as_array_mut()
            .into_iter()
            .flatten()
            .for_each(|item| each(item, rest, f)),
        false => each(child, rest, f),
    }
}

macro_rules! round_trips {
    ($($module:ident: $kind:ident;)+) => {$(
        mod $module {
            use super::*;

            proptest! {
                #![proptest_config(ProptestConfig::with_cases(256))]

                #[test]
                fn v1beta1_via_v1beta2(object in objects(stringify!($kind), "v1beta1")) {
                    round_trip::<v1beta1::$kind, v1beta2::$kind>(object, V1BETA2, survives_v1beta2, Some(survives_v1beta1))?;
                }

                #[test]
                fn v1beta2_via_v1beta1(object in objects(stringify!($kind), "v1beta2")) {
                    round_trip::<v1beta2::$kind, v1beta1::$kind>(object, V1BETA1, survives_v1beta1, None)?;
                }
            }
        }
    )+};
}

round_trips! {
    metal3_cluster: Metal3Cluster;
    metal3_cluster_template: Metal3ClusterTemplate;
    metal3_machine: Metal3Machine;
    metal3_machine_template: Metal3MachineTemplate;
    metal3_data_template: Metal3DataTemplate;
    metal3_data: Metal3Data;
    metal3_data_claim: Metal3DataClaim;
    metal3_remediation: Metal3Remediation;
    metal3_remediation_template: Metal3RemediationTemplate;
}

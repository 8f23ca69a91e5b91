//! Server-side printing: `Accept: application/json;as=Table;g=meta.k8s.io;v=v1` gets a
//! Table whose columns are the CRD's additionalPrinterColumns, as `kubectl get` expects.

use serde_json::{Value, json};

#[cfg(test)]
use super::registry::Resource;
use super::registry::ServedVersion;

/// What each row carries besides its cells (`includeObject`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Include {
    None,
    Metadata,
    Object,
}

impl Include {
    pub fn parse(value: Option<&str>) -> Include {
        match value {
            Some("None") => Include::None,
            Some("Object") => Include::Object,
            _ => Include::Metadata,
        }
    }
}

/// Whether the client asked for a Table.
pub fn wants_table(accept: &str) -> bool {
    accept
        .split(',')
        .next()
        .is_some_and(|first| first.contains("as=Table"))
}

/// A Table of `objects` (already in the requested version).
pub fn table(
    version: &ServedVersion,
    objects: &[Value],
    include: Include,
    resource_version: &str,
) -> Value {
    let mut columns = vec![
        json!({"name": "Name", "type": "string", "format": "name", "description": "Name must be unique within a namespace.", "priority": 0}),
    ];
    let custom: Vec<(String, String, String, i64)> = if version.printer_columns.is_empty() {
        vec![(
            "Age".into(),
            "date".into(),
            ".metadata.creationTimestamp".into(),
            0,
        )]
    } else {
        version
            .printer_columns
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    c.type_.clone(),
                    c.json_path.clone(),
                    i64::from(c.priority.unwrap_or(0)),
                )
            })
            .collect()
    };
    for (name, type_, _, priority) in &custom {
        columns.push(json!({"name": name, "type": type_, "format": "", "description": "", "priority": priority}));
    }
    let rows: Vec<Value> = objects
        .iter()
        .map(|object| {
            let mut cells = vec![object["metadata"]["name"].clone()];
            cells.extend(custom.iter().map(|(_, type_, path, _)| cell(type_, first(object, path))));
            let mut row = json!({"cells": cells});
            match include {
                Include::None => {}
                Include::Object => row["object"] = object.clone(),
                Include::Metadata => {
                    row["object"] = json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": object["metadata"]})
                }
            }
            row
        })
        .collect();
    json!({
        "kind": "Table", "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": columns, "rows": rows,
    })
}

/// A cell as the CRD table convertor makes it: strings printed, other types as JSON values.
fn cell(type_: &str, value: Option<&Value>) -> Value {
    match (type_, value) {
        (_, None) | (_, Some(Value::Null)) => Value::Null,
        ("string", Some(Value::String(s))) => json!(s),
        ("string", Some(other)) => json!(other.to_string()),
        ("integer", Some(v)) => v.as_i64().map_or(Value::Null, |i| json!(i)),
        ("number", Some(v)) => v.as_f64().map_or(Value::Null, |f| json!(f)),
        ("boolean", Some(v)) => v.as_bool().map_or(Value::Null, |b| json!(b)),
        ("date", Some(Value::String(s))) => s.parse::<jiff::Timestamp>().map_or(Value::Null, |t| {
            json!(age(jiff::Timestamp::now().as_second() - t.as_second()))
        }),
        (_, Some(v)) => v.clone(),
    }
}

/// An age as the API server prints it (`duration.HumanDuration`): `45s`, `3m20s`, `2h`, `5d3h`.
fn age(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    let s = seconds.max(0);
    let (m, h, d) = (s / 60, s / 3600, s / 86400);
    let y = d / 365;
    let with = |big: i64, unit: &str, small: i64, small_unit: &str| {
        if small == 0 {
            format!("{big}{unit}")
        } else {
            format!("{big}{unit}{small}{small_unit}")
        }
    };
    match () {
        _ if s < 120 => format!("{s}s"),
        _ if m < 10 => with(m, "m", s % 60, "s"),
        _ if m < 180 => format!("{m}m"),
        _ if h < 8 => with(h, "h", m % 60, "m"),
        _ if h < 48 => format!("{h}h"),
        _ if h < 24 * 8 => with(d, "d", h % 24, "h"),
        _ if d < 365 * 2 => format!("{d}d"),
        _ if d < 365 * 8 => with(y, "y", d % 365, "d"),
        _ => format!("{y}y"),
    }
}

/// The first value a Kubernetes JSONPath (the subset printer columns use: `.a.b`, escaped
/// dots `.labels.a\.b/c`, `[N]`, `[*]`, `[?(@.key=='value')]`) selects.
pub fn first<'a>(object: &'a Value, path: &str) -> Option<&'a Value> {
    select(object, path).into_iter().next()
}

fn select<'a>(object: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut current = vec![object];
    for step in steps(path.trim_start_matches('$')) {
        current = current.into_iter().flat_map(|v| apply(v, &step)).collect();
    }
    current
}

#[derive(Debug, PartialEq)]
enum Step {
    Field(String),
    Index(usize),
    All,
    Filter(String, String),
}

fn steps(path: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                let mut name = String::new();
                while let Some(&n) = chars.peek() {
                    match n {
                        '\\' => {
                            chars.next();
                            if let Some(escaped) = chars.next() {
                                name.push(escaped);
                            }
                        }
                        '.' | '[' => break,
                        _ => {
                            name.push(n);
                            chars.next();
                        }
                    }
                }
                if !name.is_empty() {
                    steps.push(Step::Field(name));
                }
            }
            '[' => {
                let inner: String = chars.by_ref().take_while(|c| *c != ']').collect();
                steps.push(bracket(&inner));
            }
            _ => {}
        }
    }
    steps
}

fn bracket(inner: &str) -> Step {
    if inner == "*" {
        return Step::All;
    }
    if let Ok(i) = inner.parse() {
        return Step::Index(i);
    }
    // ?(@.key=='value') or ?(@.key=="value")
    let filter = inner
        .trim_start_matches('?')
        .trim_start_matches('(')
        .trim_end_matches(')');
    match filter.strip_prefix("@.").and_then(|f| f.split_once("==")) {
        Some((key, value)) => Step::Filter(
            key.trim().to_owned(),
            value.trim().trim_matches(['\'', '"']).to_owned(),
        ),
        None => Step::Field(inner.to_owned()),
    }
}

fn apply<'a>(value: &'a Value, step: &Step) -> Vec<&'a Value> {
    match step {
        Step::Field(name) => value.get(name).into_iter().collect(),
        Step::Index(i) => value.get(i).into_iter().collect(),
        Step::All => match value {
            Value::Array(items) => items.iter().collect(),
            Value::Object(map) => map.values().collect(),
            _ => Vec::new(),
        },
        Step::Filter(key, expected) => value
            .as_array()
            .into_iter()
            .flatten()
            .filter(|item| item.get(key).and_then(Value::as_str) == Some(expected.as_str()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host() -> Value {
        json!({"metadata": {"name": "node-0", "labels": {"cluster.x-k8s.io/cluster-name": "test1"}, "creationTimestamp": "2026-01-01T00:00:00Z"},
               "spec": {"online": true, "consumerRef": {"name": "m3m-0"}},
               "status": {"provisioning": {"state": "provisioned"},
                          "conditions": [{"type": "Synced", "status": "True"}, {"type": "Ready", "status": "False", "reason": "Waiting"}]}})
    }

    #[test]
    fn printer_column_paths_select_like_kubernetes_jsonpath() {
        let h = host();
        assert_eq!(
            first(&h, ".status.provisioning.state"),
            Some(&json!("provisioned"))
        );
        assert_eq!(
            first(&h, ".metadata.labels.cluster\\.x-k8s\\.io/cluster-name"),
            Some(&json!("test1"))
        );
        assert_eq!(
            first(&h, ".status.conditions[?(@.type=='Ready')].reason"),
            Some(&json!("Waiting"))
        );
        assert_eq!(
            first(&h, ".status.conditions[0].type"),
            Some(&json!("Synced"))
        );
        assert_eq!(
            first(&h, ".status.conditions[*].status"),
            Some(&json!("True"))
        );
        assert_eq!(first(&h, ".spec.missing"), None);
    }

    #[test]
    fn a_bare_metal_host_table_has_upstreams_columns() {
        let crd = crate::crds::metal3()
            .into_iter()
            .find(|c| c.spec.names.kind == "BareMetalHost")
            .expect("crd");
        let resource = Resource::from_crd(&crd).expect("served");
        let version = resource.version("v1alpha1").expect("version").clone();
        let t = table(&version, &[host()], Include::Metadata, "7");
        let names: Vec<&str> = t["columnDefinitions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["name"].as_str())
            .collect();
        assert_eq!(
            &names[..6],
            ["Name", "Status", "State", "Consumer", "BMC", "Online"]
        );
        let row = &t["rows"][0];
        assert_eq!(row["cells"][0], "node-0");
        assert_eq!(row["cells"][2], "provisioned");
        assert_eq!(row["cells"][3], "m3m-0");
        assert_eq!(row["object"]["kind"], "PartialObjectMetadata");
    }

    #[test]
    fn ages_print_like_kubectl() {
        let cases = [
            (5, "5s"),
            (119, "119s"),
            (200, "3m20s"),
            (600, "10m"),
            (7200, "120m"),
            (14400, "4h"),
            (11100, "3h5m"),
            (90000, "25h"),
            (180000, "2d2h"),
            (86400 * 30, "30d"),
            (86400 * 800, "2y70d"),
        ];
        for (seconds, expected) in cases {
            assert_eq!(age(seconds), expected, "{seconds}");
        }
    }

    #[test]
    fn accept_headers_asking_for_tables() {
        assert!(wants_table(
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
        ));
        assert!(!wants_table("application/json"));
    }
}

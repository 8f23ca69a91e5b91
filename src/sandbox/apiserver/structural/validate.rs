use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use regex::Regex;
use serde_json::{Map, Value};

use crate::api::field::{ErrorKind, FieldError, FieldPath};

/// Validates `object` against a structural schema. Returns every error, in document order.
pub fn validate(object: &Value, schema: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let (Value::Object(obj), Some(props)) =
        (object, schema.get("properties").and_then(Value::as_object))
    {
        // The root: metadata belongs to the API server, not the schema.
        check_required(obj, schema, &FieldPath::root(), &mut errors);
        for (name, value) in obj {
            if let (Some(s), false) = (props.get(name), name == "metadata") {
                check(value, s, &FieldPath::root().child(name), &mut errors);
            }
        }
    }
    errors
}

fn check(value: &Value, schema: &Value, path: &FieldPath, errors: &mut Vec<FieldError>) {
    if value.is_null() {
        return; // pruning already removed nulls the schema does not allow
    }
    if !check_type(value, schema, path, errors) {
        return;
    }
    check_enum(value, schema, path, errors);
    match value {
        Value::String(s) => check_string(s, schema, path, errors),
        Value::Number(_) => check_number(value, schema, path, errors),
        Value::Array(items) => check_array(items, schema, path, errors),
        Value::Object(obj) => check_object(obj, schema, path, errors),
        Value::Bool(_) | Value::Null => {}
    }
}

/// Checks `type` (and int-or-string); false when the value has the wrong type.
fn check_type(
    value: &Value,
    schema: &Value,
    path: &FieldPath,
    errors: &mut Vec<FieldError>,
) -> bool {
    let int_or_string = schema.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true));
    let (expected, ok) = if int_or_string {
        ("integer-or-string", value.is_string() || is_integer(value))
    } else {
        let Some(expected) = schema.get("type").and_then(Value::as_str) else {
            return true;
        };
        let ok = match expected {
            "string" => value.is_string(),
            "integer" => is_integer(value),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => true,
        };
        (expected, ok)
    };
    if !ok {
        let actual = json_type(value);
        errors.push(FieldError {
            path: path.clone(),
            kind: ErrorKind::Invalid,
            value: Some(format!("{actual:?}")),
            detail: format!("{path} in body must be of type {expected}: {actual:?}"),
        });
    }
    ok
}

fn check_enum(value: &Value, schema: &Value, path: &FieldPath, errors: &mut Vec<FieldError>) {
    let Some(allowed) = schema.get("enum").and_then(Value::as_array) else {
        return;
    };
    if !allowed.contains(value) {
        let list: Vec<String> = allowed.iter().map(go_value).collect();
        errors.push(FieldError {
            path: path.clone(),
            kind: ErrorKind::NotSupported,
            value: Some(go_value(value)),
            detail: format!("supported values: {}", list.join(", ")),
        });
    }
}

fn check_string(s: &str, schema: &Value, path: &FieldPath, errors: &mut Vec<FieldError>) {
    let invalid = |detail: String| FieldError {
        path: path.clone(),
        kind: ErrorKind::Invalid,
        value: Some(format!("{s:?}")),
        detail,
    };
    let len = s.chars().count() as u64;
    if let Some(max) = schema
        .get("maxLength")
        .and_then(Value::as_u64)
        .filter(|m| len > *m)
    {
        errors.push(FieldError {
            path: path.clone(),
            kind: ErrorKind::TooLong,
            value: None,
            detail: format!("may not be more than {max} bytes"),
        });
    }
    if let Some(min) = schema
        .get("minLength")
        .and_then(Value::as_u64)
        .filter(|m| len < *m)
    {
        errors.push(invalid(format!(
            "{path} in body should be at least {min} chars long"
        )));
    }
    if let Some(pattern) = schema
        .get("pattern")
        .and_then(Value::as_str)
        .filter(|p| !matches_pattern(p, s))
    {
        errors.push(invalid(format!("{path} in body should match '{pattern}'")));
    }
    if let Some(format) = schema
        .get("format")
        .and_then(Value::as_str)
        .filter(|f| !matches_format(f, s))
    {
        errors.push(invalid(format!(
            "{path} in body must be of type {format}: {s:?}"
        )));
    }
}

fn check_number(value: &Value, schema: &Value, path: &FieldPath, errors: &mut Vec<FieldError>) {
    let Some(n) = value.as_f64() else { return };
    let invalid = |detail: String| FieldError {
        path: path.clone(),
        kind: ErrorKind::Invalid,
        value: Some(value.to_string()),
        detail,
    };
    if let Some(min) = schema
        .get("minimum")
        .and_then(Value::as_f64)
        .filter(|m| n < *m)
    {
        errors.push(invalid(format!(
            "{path} in body should be greater than or equal to {}",
            number(min)
        )));
    }
    if let Some(max) = schema
        .get("maximum")
        .and_then(Value::as_f64)
        .filter(|m| n > *m)
    {
        errors.push(invalid(format!(
            "{path} in body should be less than or equal to {}",
            number(max)
        )));
    }
    if schema.get("format").and_then(Value::as_str) == Some("int32")
        && (n < i32::MIN as f64 || n > i32::MAX as f64)
    {
        errors.push(invalid(format!(
            "{path} in body must be of type int32: {value}"
        )));
    }
}

fn check_array(items: &[Value], schema: &Value, path: &FieldPath, errors: &mut Vec<FieldError>) {
    let count = items.len() as u64;
    if let Some(max) = schema
        .get("maxItems")
        .and_then(Value::as_u64)
        .filter(|m| count > *m)
    {
        errors.push(FieldError {
            path: path.clone(),
            kind: ErrorKind::TooMany,
            value: Some(count.to_string()),
            detail: format!("must have at most {max} items"),
        });
    }
    check_at_least(schema, "minItems", count, "items", path, errors);
    check_list_type(items, schema, path, errors);
    if let Some(item_schema) = schema.get("items") {
        for (i, item) in items.iter().enumerate() {
            check(item, item_schema, &path.index(i), errors);
        }
    }
}

/// `x-kubernetes-list-type: set` forbids equal items; `map` forbids equal keys.
fn check_list_type(
    items: &[Value],
    schema: &Value,
    path: &FieldPath,
    errors: &mut Vec<FieldError>,
) {
    let keys: Vec<&str> = match schema.get("x-kubernetes-list-type").and_then(Value::as_str) {
        Some("set") => Vec::new(),
        Some("map") => schema
            .get("x-kubernetes-list-map-keys")
            .and_then(Value::as_array)
            .map(|k| k.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default(),
        _ => return,
    };
    let identity = |item: &Value| -> Value {
        if keys.is_empty() {
            item.clone()
        } else {
            Value::Object(
                keys.iter()
                    .map(|k| {
                        (
                            (*k).to_owned(),
                            item.get(*k).cloned().unwrap_or(Value::Null),
                        )
                    })
                    .collect(),
            )
        }
    };
    let mut seen: Vec<Value> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let id = identity(item);
        if seen.contains(&id) {
            errors.push(FieldError {
                path: path.index(i),
                kind: ErrorKind::Duplicate,
                value: Some(go_value(&id)),
                detail: String::new(),
            });
        } else {
            seen.push(id);
        }
    }
}

fn check_object(
    obj: &Map<String, Value>,
    schema: &Value,
    path: &FieldPath,
    errors: &mut Vec<FieldError>,
) {
    let count = obj.len() as u64;
    check_at_least(schema, "minProperties", count, "properties", path, errors);
    check_required(obj, schema, path, errors);
    let properties = schema.get("properties").and_then(Value::as_object);
    let additional = schema.get("additionalProperties").filter(|a| a.is_object());
    for (name, value) in obj {
        if let Some(s) = properties.and_then(|p| p.get(name)) {
            check(value, s, &path.child(name), errors);
        } else if let Some(s) = additional {
            check(value, s, &path.key(name), errors);
        }
    }
}

/// `minItems` / `minProperties`: at least `min` of something.
fn check_at_least(
    schema: &Value,
    keyword: &str,
    count: u64,
    noun: &str,
    path: &FieldPath,
    errors: &mut Vec<FieldError>,
) {
    if let Some(min) = schema
        .get(keyword)
        .and_then(Value::as_u64)
        .filter(|m| count < *m)
    {
        errors.push(FieldError {
            path: path.clone(),
            kind: ErrorKind::Invalid,
            value: Some(count.to_string()),
            detail: format!("{path} in body should have at least {min} {noun}"),
        });
    }
}

fn check_required(
    obj: &Map<String, Value>,
    schema: &Value,
    path: &FieldPath,
    errors: &mut Vec<FieldError>,
) {
    for name in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(name) = name
            .as_str()
            .filter(|n| obj.get(*n).is_none_or(Value::is_null))
        {
            errors.push(FieldError {
                path: path.child(name),
                kind: ErrorKind::Required,
                value: None,
                detail: String::new(),
            });
        }
    }
}

fn is_integer(value: &Value) -> bool {
    value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A value as Go's `%#v`/`%q` prints it in API server messages.
fn go_value(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        Value::Object(obj) => {
            let fields: Vec<String> = obj
                .iter()
                .map(|(k, v)| format!("{k:?}:{}", go_value(v)))
                .collect();
            format!("map[string]interface {{}}{{{}}}", fields.join(", "))
        }
        other => other.to_string(),
    }
}

fn number(n: f64) -> String {
    if n.fract() == 0.0 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

fn matches_format(format: &str, s: &str) -> bool {
    match format {
        "date-time" => s.parse::<jiff::Timestamp>().is_ok(),
        "uri" => is_uri(s),
        _ => true,
    }
}

/// An absolute URI: a scheme, a colon and something after it.
fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !s.contains(char::is_whitespace)
}

/// Schema patterns are few and reused on every write: compile each once.
fn matches_pattern(pattern: &str, s: &str) -> bool {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let regex = cache
        .entry(pattern.to_owned())
        .or_insert_with(|| Regex::new(pattern).ok());
    // A pattern we cannot compile is the schema author's problem, not the object's.
    regex.as_ref().is_none_or(|r| r.is_match(s))
}

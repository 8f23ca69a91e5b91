use serde_json::Value;

use super::FieldPath;
use crate::api::field::{ErrorKind, FieldError};

/// Evaluates the schema's `x-kubernetes-validations` CEL rules; `old` is the stored object
/// on an update, which enables transition rules (`oldSelf`).
///
/// kube-cel evaluates the rules; this maps its failures onto the API server's error
/// shapes: a rule's `reason` picks the error type, and an `Invalid value` shows the
/// JSON type of the field the rule is attached to, as the API server does.
pub fn validate_cel(object: &Value, old: Option<&Value>, schema: &Value) -> Vec<FieldError> {
    validate_cel_compiled(object, old, &compile_cel(schema))
}

/// Compiles a schema's CEL rules once, for [`validate_cel_compiled`].
pub fn compile_cel(schema: &Value) -> kube_cel::CompiledSchema {
    kube_cel::compile_schema(schema)
}

/// [`validate_cel`] with rules compiled beforehand (the API server compiles them when a
/// CRD is written, not on every request).
pub fn validate_cel_compiled(
    object: &Value,
    old: Option<&Value>,
    compiled: &kube_cel::CompiledSchema,
) -> Vec<FieldError> {
    thread_local! {
        // Registering every Kubernetes CEL function is costly: once per thread.
        static VALIDATOR: kube_cel::Validator = kube_cel::Validator::new();
    }
    let Err(errors) = VALIDATOR.with(|v| v.validate_compiled(compiled, object, old)) else {
        return Vec::new();
    };
    errors
        .into_vec()
        .into_iter()
        .map(|e| {
            let kind = match e.reason.as_deref() {
                Some("FieldValueRequired") => ErrorKind::Required,
                Some("FieldValueForbidden") => ErrorKind::Forbidden,
                Some("FieldValueDuplicate") => ErrorKind::Duplicate,
                _ => ErrorKind::Invalid,
            };
            let value = (kind == ErrorKind::Invalid)
                .then(|| format!("{:?}", type_at(object, &e.field_path)));
            FieldError {
                path: FieldPath::from_dotted(&e.field_path),
                kind,
                value,
                detail: e.message,
            }
        })
        .collect()
}

/// The JSON type name of the value at a dotted path (`spec.items[0].name`).
fn type_at(object: &Value, path: &str) -> &'static str {
    let mut current = Some(object);
    for segment in path.split('.').filter(|s| !s.is_empty()) {
        let (name, index) = match segment.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (segment, None),
        };
        current = current.and_then(|v| v.get(name));
        if let Some(i) = index {
            current = current.and_then(|v| v.get(i));
        }
    }
    match current {
        Some(Value::String(_)) => "string",
        Some(Value::Number(_)) => "number",
        Some(Value::Bool(_)) => "boolean",
        Some(Value::Array(_)) => "array",
        _ => "object",
    }
}

use serde_json::{Map, Value};

use super::FieldPath;

/// Removes what the schema does not know (unless `x-kubernetes-preserve-unknown-fields`)
/// and explicit nulls in fields that are not `nullable`, as the API server does before
/// defaulting. Returns the paths of the removed fields.
///
/// At the root, `apiVersion`, `kind` and `metadata` are always kept: the API server
/// handles object metadata itself.
pub fn prune(object: &mut Value, schema: &Value) -> Vec<FieldPath> {
    let mut pruned = Vec::new();
    if let Value::Object(obj) = object {
        prune_object(obj, schema, &FieldPath::root(), true, &mut pruned);
    }
    pruned
}

fn prune_value(value: &mut Value, schema: &Value, path: &FieldPath, pruned: &mut Vec<FieldPath>) {
    match value {
        Value::Object(obj) => prune_object(obj, schema, path, false, pruned),
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter_mut().enumerate() {
                    prune_value(item, item_schema, &path.index(i), pruned);
                }
            }
        }
        _ => {}
    }
}

fn prune_object(
    obj: &mut Map<String, Value>,
    schema: &Value,
    path: &FieldPath,
    root: bool,
    pruned: &mut Vec<FieldPath>,
) {
    let preserve = schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
    let properties = schema.get("properties").and_then(Value::as_object);
    let additional = schema.get("additionalProperties").filter(|a| a.is_object());
    if properties.is_none() && additional.is_none() && (preserve || schema.get("type").is_none()) {
        // A free-form value: nothing below it is pruned.
        return;
    }
    obj.retain(|name, value| {
        if root && matches!(name.as_str(), "apiVersion" | "kind" | "metadata") {
            return true;
        }
        let field_schema = properties.and_then(|p| p.get(name)).or(additional);
        let keep = match field_schema {
            Some(s) => !value.is_null() || is_nullable(s),
            None => preserve,
        };
        if !keep {
            pruned.push(child_path(path, name, properties.is_none()));
        }
        keep
    });
    for (name, value) in obj.iter_mut() {
        if root && name == "metadata" {
            continue;
        }
        let field_schema = properties.and_then(|p| p.get(name)).or(additional);
        if let Some(s) = field_schema {
            prune_value(
                value,
                s,
                &child_path(path, name, properties.is_none()),
                pruned,
            );
        }
    }
}

fn child_path(path: &FieldPath, name: &str, is_map: bool) -> FieldPath {
    if is_map {
        path.key(name)
    } else {
        path.child(name)
    }
}

fn is_nullable(schema: &Value) -> bool {
    schema.get("nullable") == Some(&Value::Bool(true))
}

use serde_json::Value;

/// Fills in `default`s for absent fields, recursively, as the API server does after
/// pruning. A default applies only where the enclosing object exists.
pub fn apply_defaults(value: &mut Value, schema: &Value) {
    match value {
        Value::Object(obj) => {
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for (name, field_schema) in properties {
                    if let (None, Some(default)) = (obj.get(name), field_schema.get("default")) {
                        obj.insert(name.clone(), default.clone());
                    }
                }
                for (name, field) in obj.iter_mut() {
                    if let Some(field_schema) = properties.get(name) {
                        apply_defaults(field, field_schema);
                    }
                }
            } else if let Some(additional) =
                schema.get("additionalProperties").filter(|a| a.is_object())
            {
                obj.values_mut().for_each(|v| apply_defaults(v, additional));
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                items
                    .iter_mut()
                    .for_each(|item| apply_defaults(item, item_schema));
            }
        }
        _ => {}
    }
}

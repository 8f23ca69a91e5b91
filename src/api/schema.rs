//! Schema helpers for fields whose OpenAPI shape no Rust type implies, and the
//! normalisation that makes generated CRDs match upstream's.

use schemars::{Schema, SchemaGenerator, json_schema};
use serde_json::Value;

/// Arbitrary JSON (`apiextensionsv1.JSON`): no type, unknown fields preserved.
pub fn any_json(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "x-kubernetes-preserve-unknown-fields": true })
}

/// A free-form object whose unknown fields the API server must keep.
pub fn preserve_unknown_object(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "object", "x-kubernetes-preserve-unknown-fields": true })
}

/// A map from names to arbitrary JSON values.
pub fn map_of_any_json(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "additionalProperties": { "x-kubernetes-preserve-unknown-fields": true },
    })
}

/// Upstream's pattern for an IPv4 or IPv6 address (ip-address-manager's `IPAddressStr`).
pub const IP_ADDRESS_PATTERN: &str = r"((^((([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\.){3}([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]))$)|(^(([0-9a-fA-F]{1,4}:){7,7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:))$))";

/// A map from names to IP addresses.
pub fn map_of_ip_addresses(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "additionalProperties": { "type": "string", "pattern": IP_ADDRESS_PATTERN },
    })
}

/// A list of `metav1.Condition` with the validation the API server applies upstream
/// (k8s-openapi's own schema for `Condition` carries none of it).
pub fn conditions(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "array",
        "items": {
            "description": "Condition contains details for one aspect of the current state of this API Resource.",
            "type": "object",
            "required": ["lastTransitionTime", "message", "reason", "status", "type"],
            "properties": {
                "lastTransitionTime": {
                    "description": "lastTransitionTime is the last time the condition transitioned from one status to another.",
                    "type": "string",
                    "format": "date-time",
                },
                "message": {
                    "description": "message is a human readable message indicating details about the transition.",
                    "type": "string",
                    "maxLength": 32768,
                },
                "observedGeneration": {
                    "description": "observedGeneration represents the .metadata.generation that the condition was set based upon.",
                    "type": "integer",
                    "format": "int64",
                    "minimum": 0,
                },
                "reason": {
                    "description": "reason contains a programmatic identifier indicating the reason for the condition's last transition.",
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 1024,
                    "pattern": "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
                },
                "status": {
                    "description": "status of the condition, one of True, False, Unknown.",
                    "type": "string",
                    "enum": ["True", "False", "Unknown"],
                },
                "type": {
                    "description": "type of condition in CamelCase or in foo.example.com/CamelCase.",
                    "type": "string",
                    "maxLength": 316,
                    "pattern": r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$",
                },
            },
        },
    })
}

/// Marks the few fields upstream declares `nullable` (see [`normalize_nullable`]). It is
/// carried as the schema `id`, because kube parses the generated schema into
/// `JSONSchemaProps`, which keeps no unknown keys; `id` is otherwise unused in CRDs.
pub const NULLABLE_MARKER: &str = "x-capm3-nullable";

/// kube-derive marks every `Option` field `nullable` and adds `null` to optional enums.
/// Upstream (Go `omitempty`) does neither: an absent field is simply absent, and the API
/// server prunes explicit nulls. Restore upstream's schema: keep `nullable` only where a
/// field carries [`NULLABLE_MARKER`] (`#[schemars(extend("id" = "x-capm3-nullable"))]`).
pub fn normalize_nullable(schema: &mut Value) {
    let Value::Object(obj) = schema else { return };
    if obj.get("id").and_then(Value::as_str) == Some(NULLABLE_MARKER) {
        obj.remove("id");
        obj.insert("nullable".into(), Value::Bool(true));
    } else {
        obj.remove("nullable");
        if let Some(Value::Array(values)) = obj.get_mut("enum") {
            values.retain(|v| !v.is_null());
        }
    }
    for (keyword, sub) in obj.iter_mut() {
        match (keyword.as_str(), sub) {
            ("properties", Value::Object(props)) => props.values_mut().for_each(normalize_nullable),
            ("items" | "additionalProperties", sub) => normalize_nullable(sub),
            ("anyOf" | "allOf" | "oneOf", Value::Array(subs)) => {
                subs.iter_mut().for_each(normalize_nullable)
            }
            _ => {}
        }
    }
}

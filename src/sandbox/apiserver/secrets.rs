//! Secrets' write-only `stringData`: Kubernetes merges it into `data` (base64, its keys
//! winning) and never stores it, so readers only ever see `data`.

use base64::Engine;
use serde_json::Value;

pub fn is_secret(group: &str, plural: &str) -> bool {
    group.is_empty() && plural == "secrets"
}

/// Moves `stringData` into `data`.
pub fn merge_string_data(mut secret: Value) -> Value {
    let Some(Value::Object(strings)) = secret
        .as_object_mut()
        .and_then(|fields| fields.remove("stringData"))
    else {
        return secret;
    };
    if !secret["data"].is_object() {
        secret["data"] = Value::Object(Default::default());
    }
    for (key, value) in strings {
        let text = value.as_str().unwrap_or_default();
        secret["data"][key] = base64::engine::general_purpose::STANDARD
            .encode(text)
            .into();
    }
    secret
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn string_data_lands_in_data_and_wins() {
        let secret = json!({"metadata": {"name": "bmc"},
            "data": {"username": "b2xk", "keep": "eA=="},
            "stringData": {"username": "admin", "password": "s3cret"}});
        assert_eq!(
            merge_string_data(secret),
            json!({"metadata": {"name": "bmc"},
                "data": {"username": "YWRtaW4=", "keep": "eA==", "password": "czNjcmV0"}})
        );
        let plain = json!({"data": {"a": "YQ=="}});
        assert_eq!(merge_string_data(plain.clone()), plain);
    }
}

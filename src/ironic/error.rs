use serde_json::Value;

/// What went wrong talking to Ironic, with Ironic's own message where it sent one.
#[derive(Debug, thiserror::Error)]
pub enum IronicError {
    #[error("invalid Ironic client configuration: {0}")]
    Config(String),
    #[error("cannot reach Ironic: {0}")]
    Unreachable(String),
    #[error("ironic API {0} or newer is required, the server offers at most {1}")]
    TooOld(&'static str, String),
    #[error("ironic has no conductor with drivers yet")]
    NotReady,
    #[error("not found: {0}")]
    NotFound(String),
    /// 409: the node is locked by a running transition, or the request conflicts.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("ironic answered {status}: {message}")]
    Http { status: u16, message: String },
    #[error("ironic sent an unexpected answer: {0}")]
    Decode(String),
}

impl IronicError {
    /// The error for a non-success response, with Ironic's `faultstring`.
    pub fn from_response(status: u16, body: &[u8]) -> IronicError {
        let message = fault_string(body);
        match status {
            404 => IronicError::NotFound(message),
            409 => IronicError::Conflict(message),
            _ => IronicError::Http { status, message },
        }
    }

    /// Whether retrying the same request later can succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            IronicError::Unreachable(_) | IronicError::Conflict(_) | IronicError::NotReady
        ) || matches!(self, IronicError::Http { status: 503, .. })
    }
}

/// Ironic wraps its error in `{"error_message": "<JSON with faultstring>"}`.
fn fault_string(body: &[u8]) -> String {
    let outer: Option<Value> = serde_json::from_slice(body).ok();
    let inner = outer.as_ref().and_then(|o| o.get("error_message"));
    let inner: Option<Value> = match inner {
        Some(Value::String(s)) => serde_json::from_str(s)
            .ok()
            .or_else(|| Some(Value::String(s.clone()))),
        Some(other) => Some(other.clone()),
        None => None,
    };
    match inner {
        Some(Value::Object(o)) => o
            .get("faultstring")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        Some(Value::String(s)) => s,
        _ => String::from_utf8_lossy(body).chars().take(512).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ironic_fault_strings_are_unwrapped() {
        let body = br#"{"error_message": "{\"faultstring\": \"Node 1be26c0b could not be found.\", \"faultcode\": \"Client\", \"debuginfo\": null}"}"#;
        let error = IronicError::from_response(404, body);
        assert!(
            matches!(&error, IronicError::NotFound(m) if m == "Node 1be26c0b could not be found.")
        );
        let locked = br#"{"error_message": "{\"faultstring\": \"Node x is locked by host conductor, please retry after the current operation is completed.\"}"}"#;
        assert!(IronicError::from_response(409, locked).is_transient());
        assert!(
            matches!(IronicError::from_response(500, b"plain"), IronicError::Http { status: 500, message } if message == "plain")
        );
    }
}

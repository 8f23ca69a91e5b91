//! Errors as the API server returns them: a `metav1.Status` with code, reason and details.

use serde_json::{Value, json};

use crate::api::field::{self, FieldError};

/// A failed request: the HTTP status code and the `Status` body.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: u16,
    pub body: Value,
}

impl ApiError {
    fn new(code: u16, reason: &str, message: String, details: Option<Value>) -> Self {
        let mut body = json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {},
            "status": "Failure", "message": message, "reason": reason, "code": code,
        });
        if let Some(details) = details {
            body["details"] = details;
        }
        Self { code, body }
    }

    /// `<plural>.<group> "<name>" not found`
    pub fn not_found(group: &str, plural: &str, name: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", qualified(group, plural)),
            Some(details(group, plural, name)),
        )
    }

    /// A path the server does not serve.
    pub fn no_route(path: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("the server could not find the requested resource ({path})"),
            None,
        )
    }

    pub fn already_exists(group: &str, plural: &str, name: &str) -> Self {
        Self::new(
            409,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", qualified(group, plural)),
            Some(details(group, plural, name)),
        )
    }

    /// A stale resourceVersion or a failed precondition.
    pub fn conflict(group: &str, plural: &str, name: &str, why: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": {why}",
                qualified(group, plural)
            ),
            Some(details(group, plural, name)),
        )
    }

    /// 422 with one cause per field error, worded as the API server words them.
    pub fn invalid(group: &str, kind: &str, name: &str, errors: &[FieldError]) -> Self {
        let invalid = field::Invalid::new(group, kind, name, errors);
        Self::new(422, "Invalid", invalid.message, Some(invalid.details))
    }

    /// 422 for a request that cannot be applied, such as a failing JSON patch.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(422, "Invalid", message.into(), None)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message.into(), None)
    }

    /// 410: the requested resourceVersion is older than the kept history.
    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message.into(), None)
    }

    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(405, "MethodNotAllowed", message.into(), None)
    }

    pub fn unsupported_media_type(content_type: &str) -> Self {
        Self::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml; got {content_type}"
            ),
            None,
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalError", message.into(), None)
    }

    /// A server-side apply that conflicts with other field managers.
    pub fn apply_conflict(message: String) -> Self {
        Self::new(409, "Conflict", message, None)
    }

    /// An admission webhook's denial.
    pub fn denied(code: u16, reason: &str, message: String) -> Self {
        Self::new(code, reason, message, None)
    }

    /// An injected fault: the error the real server gives with that code.
    pub fn injected(code: u16) -> Self {
        let (reason, message) = match code {
            409 => (
                "Conflict",
                "Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again",
            ),
            429 => (
                "TooManyRequests",
                "the server has received too many requests and has asked us to try again later",
            ),
            503 => (
                "ServiceUnavailable",
                "the server is currently unable to handle the request",
            ),
            504 => (
                "Timeout",
                "the server was unable to return a response in the time allotted",
            ),
            _ => (
                "InternalError",
                "an error on the server has prevented the request from succeeding",
            ),
        };
        Self::new(code, reason, format!("{message} (injected)"), None)
    }

    pub fn reason(&self) -> &str {
        self.body["reason"].as_str().unwrap_or_default()
    }
}

fn qualified(group: &str, plural: &str) -> String {
    if group.is_empty() {
        plural.to_owned()
    } else {
        format!("{plural}.{group}")
    }
}

fn details(group: &str, plural: &str, name: &str) -> Value {
    if group.is_empty() {
        json!({"name": name, "kind": plural})
    } else {
        json!({"name": name, "group": group, "kind": plural})
    }
}

/// The body of a successful delete of an object that is gone at once.
pub fn success() -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"})
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::sandbox::apiserver::structural::validate;

    #[test]
    fn invalid_lists_every_field_error_like_the_api_server() {
        let schema = json!({"type": "object", "properties": {"spec": {"type": "object", "required": ["online"],
            "properties": {"online": {"type": "boolean"}, "bootMode": {"type": "string", "enum": ["UEFI"]}}}}});
        let errors = validate(&json!({"spec": {"bootMode": "BIOS"}}), &schema);
        let error = ApiError::invalid("metal3.io", "BareMetalHost", "node-0", &errors);
        assert_eq!(error.code, 422);
        assert_eq!(
            error.body["message"],
            "BareMetalHost.metal3.io \"node-0\" is invalid: [spec.online: Required value, spec.bootMode: Unsupported value: \"BIOS\": supported values: \"UEFI\"]"
        );
        assert_eq!(
            error.body["details"]["causes"][0],
            json!({"reason": "FieldValueRequired", "message": "spec.online: Required value", "field": "spec.online"})
        );
    }

    #[test]
    fn not_found_names_the_resource() {
        let error = ApiError::not_found("metal3.io", "baremetalhosts", "node-9");
        assert_eq!((error.code, error.reason()), (404, "NotFound"));
        assert_eq!(
            error.body["message"],
            "baremetalhosts.metal3.io \"node-9\" not found"
        );
        assert_eq!(
            ApiError::not_found("", "secrets", "s").body["message"],
            "secrets \"s\" not found"
        );
    }
}

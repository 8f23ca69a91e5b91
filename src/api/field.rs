//! Field errors as Kubernetes words them (`spec.hosts[0].name: Required value`), shared by the
//! embedded API server's schema validation and the manager's admission webhooks.

use std::fmt;

use serde_json::{Value, json};

/// A field path as the API server prints it: `spec.hosts[0].name`, `metadata.labels[app]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldPath(String);

impl FieldPath {
    pub fn root() -> Self {
        Self::default()
    }

    pub fn child(&self, name: &str) -> Self {
        if self.0.is_empty() {
            Self(name.to_owned())
        } else {
            Self(format!("{}.{name}", self.0))
        }
    }

    pub fn index(&self, i: usize) -> Self {
        Self(format!("{}[{i}]", self.0))
    }

    pub fn key(&self, key: &str) -> Self {
        Self(format!("{}[{key}]", self.0))
    }

    /// A path already in the API server's notation (as CEL evaluation reports it).
    pub fn from_dotted(path: &str) -> Self {
        Self(path.trim_start_matches('.').to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One validation failure, printed the way the API server prints `field.Error`s.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    pub path: FieldPath,
    pub kind: ErrorKind,
    /// The offending value as the message shows it, if the message shows one.
    pub value: Option<String>,
    pub detail: String,
}

/// The `field.ErrorType`s the structural schema can produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    Required,
    Invalid,
    NotSupported,
    Duplicate,
    TooLong,
    TooMany,
    Forbidden,
}

impl ErrorKind {
    /// The reason the API server puts in `status.details.causes[].reason`.
    pub fn cause(self) -> &'static str {
        match self {
            ErrorKind::Required => "FieldValueRequired",
            ErrorKind::Invalid => "FieldValueInvalid",
            ErrorKind::NotSupported => "FieldValueNotSupported",
            ErrorKind::Duplicate => "FieldValueDuplicate",
            ErrorKind::TooLong => "FieldValueTooLong",
            ErrorKind::TooMany => "FieldValueTooMany",
            ErrorKind::Forbidden => "FieldValueForbidden",
        }
    }

    fn text(self) -> &'static str {
        match self {
            ErrorKind::Required => "Required value",
            ErrorKind::Invalid => "Invalid value",
            ErrorKind::NotSupported => "Unsupported value",
            ErrorKind::Duplicate => "Duplicate value",
            ErrorKind::TooLong => "Too long",
            ErrorKind::TooMany => "Too many",
            ErrorKind::Forbidden => "Forbidden",
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.kind.text())?;
        if let Some(value) = &self.value {
            write!(f, ": {value}")?;
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// The message and details of the API server's 422 `Invalid` status for an object.
pub struct Invalid {
    pub message: String,
    pub details: Value,
}

impl Invalid {
    /// `Kind.group "name" is invalid: <error>` (or `[<error>, <error>]`), one cause per error.
    pub fn new(group: &str, kind: &str, name: &str, errors: &[FieldError]) -> Invalid {
        let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
        let summary = if list.len() == 1 {
            list[0].clone()
        } else {
            format!("[{}]", list.join(", "))
        };
        let causes: Vec<Value> = errors
            .iter()
            .map(|e| json!({"reason": e.kind.cause(), "message": e.to_string(), "field": e.path.as_str()}))
            .collect();
        let mut details = json!({"name": name, "group": group, "kind": kind, "causes": causes});
        if group.is_empty() {
            details.as_object_mut().map(|d| d.remove("group"));
        }
        let qualified_kind = if group.is_empty() {
            kind.to_owned()
        } else {
            format!("{kind}.{group}")
        };
        Invalid {
            message: format!("{qualified_kind} \"{name}\" is invalid: {summary}"),
            details,
        }
    }
}

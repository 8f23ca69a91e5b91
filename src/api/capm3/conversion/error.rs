//! What can go wrong converting between v1beta1 and v1beta2.

use super::annotation::DATA_ANNOTATION;

/// A conversion that cannot be done. Never a panic: every failure on input data is one
/// of these, so the webhook can answer with a `Failure` status instead of crashing.
#[derive(Debug, thiserror::Error)]
pub enum ConversionError {
    /// v1beta1 used Go `int` (64-bit) where v1beta2 uses `int32`.
    #[error("{field}: {value} does not fit in a 32-bit integer")]
    OutOfRange { field: &'static str, value: i64 },
    /// v1beta1 `metav1.Duration` strings that Go's `time.ParseDuration` rejects.
    #[error("{field}: {value:?} is not a valid duration: {reason}")]
    InvalidDuration {
        field: &'static str,
        value: String,
        reason: &'static str,
    },
    /// The conversion-data annotation is not JSON of the kind it claims to hold.
    #[error("annotation {DATA_ANNOTATION} does not hold a valid {kind}: {source}")]
    InvalidAnnotation {
        kind: String,
        source: serde_json::Error,
    },
    /// The object given to [`super::convert`] lacks `apiVersion` or `kind`.
    #[error("the object has no {0}")]
    MissingField(&'static str),
    /// An `apiVersion` other than `infrastructure.cluster.x-k8s.io/v1beta1` or `/v1beta2`.
    #[error("apiVersion {0:?} is not one of infrastructure.cluster.x-k8s.io/v1beta1, /v1beta2")]
    UnknownVersion(String),
    /// A kind that is not one of the nine `infrastructure.cluster.x-k8s.io` kinds.
    #[error("kind {0:?} is not an infrastructure.cluster.x-k8s.io kind")]
    UnknownKind(String),
    /// The object does not deserialise as the kind and version it names.
    #[error("the object is not a valid {kind}: {source}")]
    InvalidObject {
        kind: String,
        source: serde_json::Error,
    },
    /// Two types that should have the same JSON shape in both versions do not
    /// (a bug in the API types, not in the input).
    #[error("{type_name} has different shapes in v1beta1 and v1beta2: {source}")]
    Shape {
        type_name: &'static str,
        source: serde_json::Error,
    },
}

//! What the API server does with a custom resource's structural schema before storing
//! it: prune unknown fields, apply defaults, validate. The schema is the
//! `openAPIV3Schema` of a CRD version, as JSON.
//!
//! Hand-written because no maintained crate implements Kubernetes' structural-schema
//! semantics (pruning, `x-kubernetes-*` extensions, int-or-string, the API server's
//! error wording); generic JSON Schema validators get these wrong.

mod cel;
mod defaults;
mod prune;
mod validate;

pub use crate::api::field::{ErrorKind, FieldError, FieldPath};
pub use cel::{compile_cel, validate_cel, validate_cel_compiled};
pub use defaults::apply_defaults;
pub use prune::prune;
pub use validate::validate;

#[cfg(test)]
mod tests;

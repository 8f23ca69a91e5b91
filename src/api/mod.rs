//! The API types: every kind capm3 serves or reads, as serde + schemars types.
//!
//! The CRDs in `crds/` are generated from these types (`capm3 crds`), so the Rust
//! definitions are the single source of truth for field names, validation and defaults.

pub mod bmo;
pub mod capi;
pub mod capm3;
pub mod common;
pub mod field;
pub mod ipam;
pub mod schema;

//! An in-memory Kubernetes API server, faithful enough that code which works against it
//! works against a real cluster. Test bed and sandbox only.

pub mod store;
pub mod structural;

//! An in-memory Kubernetes API server, faithful enough that code which works against it
//! works against a real cluster. Test bed and sandbox only.

pub mod admission;
pub mod api;
pub mod discovery;
pub mod events;
pub mod gc;
pub mod hooks;
pub mod http;
pub mod managed_fields;
pub mod objects;
pub mod openapi;
pub mod patch;
pub mod registry;
pub mod request;
pub mod reviews;
pub mod secrets;
pub mod selectors;
pub mod server;
pub mod status;
pub mod store;
pub mod structural;
pub mod table;
pub mod watch;
pub mod webhooks;
pub use server::ApiServer;

//! A typed async client for OpenStack Ironic's REST API: everything the BareMetalHost
//! operator asks Ironic to do, and a bulk node list so thousands of hosts can be polled
//! with one request.

mod client;
mod config;
mod error;
mod nodes;
mod ports;
mod types;

pub use client::{IronicClient, MIN_MICROVERSION, NEWEST_MICROVERSION};
pub use config::{Auth, ClientConfig};
pub use error::IronicError;
pub use nodes::PatchOp;
pub use types::*;

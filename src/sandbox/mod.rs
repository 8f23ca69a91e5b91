//! The sandbox: an embedded Kubernetes API server, an Ironic simulator and Cluster API
//! stand-ins, for `capm3 sandbox` and for the tests. Not for production.

pub mod apiserver;
pub mod apply;
pub mod bench;
pub mod capi;
pub mod cli;
pub mod environment;
pub mod error;
pub mod hosts;
pub mod ironic;
pub mod measure;
pub mod progress;
pub mod webhook_host;

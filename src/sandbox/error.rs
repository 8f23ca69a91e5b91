//! What can stop the sandbox from starting, worded for the person who ran it.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("{flag} must be a loopback address, not {addr}")]
    NotLoopback {
        flag: &'static str,
        addr: SocketAddr,
    },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot read {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("cannot load CRD {name}: {message}")]
    Crd { name: String, message: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("webhook server: {0}")]
    Webhooks(String),
    #[error("{path}: {message}")]
    Apply { path: PathBuf, message: String },
    #[error("cannot create the simulated hosts: {0}")]
    Hosts(kube::Error),
    #[error("the embedded API server: {0}")]
    Client(kube::Error),
    #[error("manager: {0}")]
    Manager(String),
}

impl From<super::apiserver::status::ApiError> for SandboxError {
    /// A CRD the API server refused to install.
    fn from(e: super::apiserver::status::ApiError) -> SandboxError {
        let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
        SandboxError::Crd {
            name: text(&e.body["details"]["name"]),
            message: text(&e.body["message"]),
        }
    }
}

impl SandboxError {
    /// Refuses `addr` unless it is on loopback: nothing the sandbox serves leaves the machine.
    pub fn check_loopback(flag: &'static str, addr: SocketAddr) -> Result<(), SandboxError> {
        if addr.ip().is_loopback() {
            Ok(())
        } else {
            Err(SandboxError::NotLoopback { flag, addr })
        }
    }
}

//! `capm3 sandbox`: what runs, from the command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use serde::Deserialize;

use super::apiserver::ApiServer;
use super::ironic::Simulator;
use super::ironic::knobs::Knobs;

#[derive(clap::Args, Debug)]
pub struct SandboxArgs {
    /// Run only the embedded Kubernetes API server, until interrupted.
    #[arg(long, conflicts_with = "ironic_only")]
    pub api_only: bool,
    /// Run only the Ironic simulator, until interrupted.
    #[arg(long)]
    pub ironic_only: bool,
    /// Where the Ironic simulator listens (loopback only).
    #[arg(long, default_value = "127.0.0.1:6385")]
    pub ironic_listen: SocketAddr,
    /// How long each Ironic step (verify, inspect, clean, deploy, …) and power change takes
    /// in the simulator, in milliseconds.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub ironic_latency: u64,
    /// Where the embedded API server listens (loopback only).
    #[arg(long, default_value = "127.0.0.1:6443")]
    pub listen: SocketAddr,
    /// Serve HTTPS with a certificate from a new self-signed CA (the kubeconfig trusts it).
    #[arg(long)]
    pub tls: bool,
    /// Where to write the kubeconfig for kubectl and kube-rs.
    #[arg(long, default_value = "./sandbox.kubeconfig")]
    pub kubeconfig_out: PathBuf,
    /// Load the CRD YAML files in this directory at start (repeatable). By default the
    /// sandbox loads capm3's CRDs and the Cluster API CRDs it needs.
    #[arg(long = "crds", value_name = "DIR")]
    pub crd_dirs: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(
        "only --api-only and --ironic-only are implemented yet; the full sandbox comes with the controllers"
    )]
    NotImplemented,
    #[error("--listen must be a loopback address, not {0}")]
    NotLoopback(SocketAddr),
    #[error("cannot start the API server on {addr}: {source}")]
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
}

pub async fn run(args: SandboxArgs) -> Result<(), SandboxError> {
    if args.ironic_only {
        return run_ironic(&args).await;
    }
    if !args.api_only {
        return Err(SandboxError::NotImplemented);
    }
    if !args.listen.ip().is_loopback() {
        return Err(SandboxError::NotLoopback(args.listen));
    }
    let crds = if args.crd_dirs.is_empty() {
        crate::crds::metal3()
            .into_iter()
            .chain(crate::crds::capi())
            .collect()
    } else {
        read_crds(&args.crd_dirs)?
    };
    let started = if args.tls {
        ApiServer::start_tls(args.listen).await
    } else {
        ApiServer::start(args.listen).await
    };
    let server = started.map_err(|source| SandboxError::Listen {
        addr: args.listen,
        source,
    })?;
    server
        .install_crds(&crds)
        .await
        .map_err(|e| SandboxError::Crd {
            name: e.body["details"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            message: e.body["message"].as_str().unwrap_or_default().to_owned(),
        })?;
    std::fs::write(&args.kubeconfig_out, server.kubeconfig()).map_err(|source| {
        SandboxError::Write {
            path: args.kubeconfig_out.clone(),
            source,
        }
    })?;
    println!(
        "capm3 sandbox: Kubernetes API server on {} ({} CRDs)",
        server.url(),
        crds.len()
    );
    println!(
        "  kubectl --kubeconfig {} get crds",
        args.kubeconfig_out.display()
    );
    println!("Press Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    server.stop().await;
    Ok(())
}

/// `--ironic-only`: the simulator alone, for a manager run as its own process.
async fn run_ironic(args: &SandboxArgs) -> Result<(), SandboxError> {
    if !args.ironic_listen.ip().is_loopback() {
        return Err(SandboxError::NotLoopback(args.ironic_listen));
    }
    let latency = std::time::Duration::from_millis(args.ironic_latency);
    let knobs = Knobs {
        default_latency: latency,
        power_latency: latency,
        ..Knobs::default()
    };
    let simulator = Simulator::start(args.ironic_listen, knobs)
        .await
        .map_err(|source| SandboxError::Listen {
            addr: args.ironic_listen,
            source,
        })?;
    println!(
        "capm3 sandbox: Ironic simulator on {} (IRONIC_ENDPOINT={}/v1)",
        simulator.url(),
        simulator.url()
    );
    println!("Press Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    simulator.stop().await;
    Ok(())
}

/// Every CustomResourceDefinition in the YAML files of these directories.
fn read_crds(dirs: &[PathBuf]) -> Result<Vec<CustomResourceDefinition>, SandboxError> {
    let mut crds = Vec::new();
    for dir in dirs {
        let read_error = |e: std::io::Error| SandboxError::Read {
            path: dir.clone(),
            message: e.to_string(),
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(read_error)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(|e| SandboxError::Read {
                path: file.clone(),
                message: e.to_string(),
            })?;
            for doc in serde_norway::Deserializer::from_str(&text) {
                let value =
                    serde_json::Value::deserialize(doc).map_err(|e| SandboxError::Read {
                        path: file.clone(),
                        message: e.to_string(),
                    })?;
                if value["kind"] == "CustomResourceDefinition" {
                    let crd = serde_json::from_value(value).map_err(|e| SandboxError::Read {
                        path: file.clone(),
                        message: e.to_string(),
                    })?;
                    crds.push(crd);
                }
            }
        }
    }
    Ok(crds)
}

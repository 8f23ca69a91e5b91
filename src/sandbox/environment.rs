//! The whole sandbox in one process: the embedded API server with capm3's and the Cluster API
//! CRDs, capm3's webhooks, the Ironic simulator, the simulated hosts, the manager with every
//! controller, and the Cluster API stand-ins. `capm3 sandbox` and the end-to-end tests start
//! it the same way.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::apiserver::ApiServer;
use super::error::SandboxError;
use super::ironic::Simulator;
use super::ironic::knobs::Knobs;
use super::webhook_host::WebhookHost;
use super::{apply, hosts};
use crate::manager::args::ManagerArgs;

/// The namespace of the simulated hosts (and of `examples/`).
pub const NAMESPACE: &str = "default";

pub struct Options {
    /// Where the API server listens; port 0 for an ephemeral port.
    pub listen: SocketAddr,
    /// Serve the API server over HTTPS.
    pub tls: bool,
    pub kubeconfig_out: PathBuf,
    pub ironic_listen: SocketAddr,
    pub knobs: Knobs,
    /// Simulated hosts to enrol.
    pub hosts: usize,
    /// Manifests to apply once everything runs.
    pub apply: Vec<PathBuf>,
    /// Run the manager in this process (else the user runs `capm3 manager` against it).
    pub manager: bool,
}

pub struct Environment {
    pub api: ApiServer,
    pub ironic: Arc<Simulator>,
    pub client: kube::Client,
    /// `kind/name` of every object `--apply` applied.
    pub applied: Vec<String>,
    webhooks: WebhookHost,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Environment {
    pub async fn start(options: Options) -> Result<Environment, SandboxError> {
        SandboxError::check_loopback("--ironic-listen", options.ironic_listen)?;
        let api = start_api_server(options.listen, options.tls).await?;
        let crds = crate::crds::metal3()
            .into_iter()
            .chain(crate::crds::capi())
            .collect();
        let webhooks = WebhookHost::start(&api, crds).await?;
        let client = api.client().map_err(SandboxError::Client)?;
        write_kubeconfig(&api, &options.kubeconfig_out)?;
        let ironic = Simulator::start(options.ironic_listen, options.knobs)
            .await
            .map_err(|source| SandboxError::Listen {
                addr: options.ironic_listen,
                source,
            })?;
        let (stop, stopping) = watch::channel(false);
        let mut tasks = Vec::new();
        if options.manager {
            let args = manager_args(&options.kubeconfig_out, &ironic.url())?;
            let mut stopping = stopping.clone();
            tasks.push(tokio::spawn(async move {
                let shutdown = async move {
                    let _ = stopping.wait_for(|stop| *stop).await;
                };
                if let Err(e) = crate::manager::run::run_until(args, shutdown).await {
                    tracing::error!("sandbox manager stopped: {e}");
                }
            }));
        }
        {
            let mut stopping = stopping.clone();
            let shutdown = async move {
                let _ = stopping.wait_for(|stop| *stop).await;
            };
            let standins = super::capi::run(client.clone(), Default::default(), shutdown);
            tasks.push(tokio::spawn(standins));
        }
        hosts::enrol(&client, NAMESPACE, options.hosts)
            .await
            .map_err(SandboxError::Hosts)?;
        let applied = apply::apply_files(&client, &options.apply).await?;
        Ok(Environment {
            api,
            ironic,
            client,
            applied,
            webhooks,
            stop,
            tasks,
        })
    }

    /// Stops the controllers (letting running reconciles finish), then the servers.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        self.ironic.stop().await;
        self.webhooks.stop().await;
        self.api.stop().await;
    }
}

/// The embedded API server on `listen`, over HTTPS with `tls`.
pub async fn start_api_server(listen: SocketAddr, tls: bool) -> Result<ApiServer, SandboxError> {
    SandboxError::check_loopback("--listen", listen)?;
    let started = if tls {
        ApiServer::start_tls(listen).await
    } else {
        ApiServer::start(listen).await
    };
    started.map_err(|source| SandboxError::Listen {
        addr: listen,
        source,
    })
}

/// Writes the kubeconfig for kubectl and kube-rs.
pub fn write_kubeconfig(server: &ApiServer, path: &std::path::Path) -> Result<(), SandboxError> {
    std::fs::write(path, server.kubeconfig()).map_err(|source| SandboxError::Write {
        path: path.to_owned(),
        source,
    })
}

/// The sandbox's manager flags, `manager` first: every controller group, fake hardware,
/// loopback-only listeners, and no webhook server (the sandbox hosts the webhooks).
pub fn manager_flags(
    kubeconfig: &std::path::Path,
    ironic: &str,
    health: SocketAddr,
    diagnostics: SocketAddr,
) -> Vec<String> {
    [
        "manager",
        "--kubeconfig",
        &kubeconfig.to_string_lossy(),
        "--ironic-endpoint",
        ironic,
        "--enable-fake-hardware",
        "--webhook-port",
        "0",
        "--health-addr",
        &health.to_string(),
        "--diagnostics-address",
        &diagnostics.to_string(),
        "--insecure-diagnostics",
        "--deploy-kernel-url",
        "http://127.0.0.1/images/ironic-python-agent.kernel",
        "--deploy-ramdisk-url",
        "http://127.0.0.1/images/ironic-python-agent.initramfs",
    ]
    .map(str::to_owned)
    .into()
}

/// The in-process manager's flags, on ephemeral ports.
fn manager_args(kubeconfig: &std::path::Path, ironic: &str) -> Result<ManagerArgs, SandboxError> {
    #[derive(Parser)]
    struct Manager {
        #[command(flatten)]
        args: ManagerArgs,
    }
    let ephemeral: SocketAddr = "127.0.0.1:0".parse().expect("a literal socket address");
    Manager::try_parse_from(manager_flags(kubeconfig, ironic, ephemeral, ephemeral))
        .map(|m| m.args)
        .map_err(|e| SandboxError::Manager(e.to_string()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_in_process_manager_runs_every_group_on_loopback() {
        let args = super::manager_args("/tmp/k".as_ref(), "http://127.0.0.1:6385").expect("flags");
        assert_eq!(args.controllers.len(), 3);
        assert!(args.health_addr.ip().is_loopback());
        assert!(args.diagnostics_address.ip().is_loopback());
        assert_eq!(args.webhook_port, 0);
        assert!(args.enable_fake_hardware);
        assert_eq!(
            args.ironic_endpoint.as_deref(),
            Some("http://127.0.0.1:6385")
        );
    }
}

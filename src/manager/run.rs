//! Running the manager until SIGTERM: webhooks, health, metrics, leader election, the
//! shared watch caches and the controllers of the enabled groups.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::args::{ControllerGroup, ManagerArgs};
use super::caches::{Scope, SharedCache};
use super::leader::{self, Election};
use super::throttle::Throttle;
use super::{baremetalhost, diagnostics, webhooks};
use crate::api::bmo::v1alpha1::BareMetalHost;
use crate::api::capm3::v1beta2::Metal3Machine;

#[derive(Debug, thiserror::Error)]
pub enum ManagerError {
    #[error("cannot listen on {0}: {1}")]
    Listen(std::net::SocketAddr, std::io::Error),
    #[error("webhook server: {0}")]
    Webhooks(#[from] crate::tls::TlsError),
    #[error("cannot reach the management cluster: {0}")]
    Kube(String),
    #[error("Ironic: {0}")]
    Ironic(#[from] crate::ironic::IronicError),
    #[error("leader election: {0}")]
    Election(#[from] kube_lease_manager::LeaseManagerError),
}

/// The namespace of the leader-election Lease: the manager's own (`POD_NAMESPACE`).
fn lease_namespace() -> String {
    std::env::var("POD_NAMESPACE").unwrap_or_else(|_| "capm3-system".into())
}

/// A client of the management cluster: `--kubeconfig`, else the in-cluster configuration,
/// held to `--kube-api-qps` and `--kube-api-burst`.
async fn client(args: &ManagerArgs) -> Result<kube::Client, ManagerError> {
    let config = match &args.kubeconfig {
        Some(path) => {
            let kubeconfig = kube::config::Kubeconfig::read_from(path)
                .map_err(|e| ManagerError::Kube(e.to_string()))?;
            kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
                .await
                .map_err(|e| ManagerError::Kube(e.to_string()))?
        }
        None => kube::Config::infer()
            .await
            .map_err(|e| ManagerError::Kube(e.to_string()))?,
    };
    let mut config = config;
    // As controller-runtime's `<binary>/<version>`: audit logs and field managers name us.
    config.headers.push((
        axum::http::header::USER_AGENT,
        axum::http::HeaderValue::from_static(USER_AGENT),
    ));
    let builder = kube::client::ClientBuilder::try_from(config)
        .map_err(|e| ManagerError::Kube(e.to_string()))?;
    Ok(builder
        .with_layer(&Throttle::new(args.kube_api_qps, args.kube_api_burst))
        .build())
}

/// The manager's User-Agent towards the API server.
pub const USER_AGENT: &str = concat!("capm3-manager/", env!("CARGO_PKG_VERSION"));

/// What `/readyz` reports.
#[derive(Default)]
struct Readiness {
    webhooks: AtomicBool,
    /// The shared caches have listed.
    caches_synced: AtomicBool,
    /// Every cache started in it, the controllers' own too, has listed.
    scope: Scope,
}

/// The watch caches the enabled controller groups read: hosts for both the baremetalhost and
/// capm3 groups, Metal3Machines for capm3. Controllers subscribe before [`Caches::start`].
struct Caches {
    hosts: Option<SharedCache<BareMetalHost>>,
    machines: Option<SharedCache<Metal3Machine>>,
}

impl Caches {
    fn for_groups(args: &ManagerArgs) -> Caches {
        let capm3 = args.runs(ControllerGroup::Capm3);
        Caches {
            hosts: (capm3 || args.runs(ControllerGroup::Baremetalhost)).then(SharedCache::new),
            machines: capm3.then(SharedCache::new),
        }
    }

    /// Starts every watch, and marks `readiness` synced once each has listed its kind.
    fn start(
        self,
        client: &kube::Client,
        scope: &Scope,
        readiness: Arc<Readiness>,
    ) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = Vec::new();
        let mut synced = Vec::new();
        if let Some(hosts) = self.hosts {
            synced.push(tokio::spawn(hosts.listed().wait()));
            tasks.push(hosts.start(client, scope));
        }
        if let Some(machines) = self.machines {
            synced.push(tokio::spawn(machines.listed().wait()));
            tasks.push(machines.start(client, scope));
        }
        tasks.push(tokio::spawn(async move {
            for waiting in synced {
                if !matches!(waiting.await, Ok(true)) {
                    return;
                }
            }
            tracing::info!("watch caches synced");
            readiness.caches_synced.store(true, Ordering::Relaxed);
        }));
        tasks
    }
}

/// Runs until SIGTERM or Ctrl-C.
pub async fn run(args: ManagerArgs) -> Result<(), ManagerError> {
    run_until(args, shutdown_signal()).await
}

/// Runs until `shutdown` completes: the sandbox runs the manager in its own process this way.
pub async fn run_until(
    args: ManagerArgs,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), ManagerError> {
    let (stop, stopping) = watch::channel(false);
    let scope = Scope::new(&args.namespace, &args.watch_filter);
    let readiness = Arc::new(Readiness {
        scope: scope.clone(),
        ..Readiness::default()
    });
    let health = TcpListener::bind(args.health_addr)
        .await
        .map_err(|e| ManagerError::Listen(args.health_addr, e))?;
    let health_task = tokio::spawn(serve_health(health, readiness.clone(), stopping.clone()));

    let metrics = Arc::new(crate::metrics::Metrics::new());
    let webhook_task = if args.webhook_port == 0 {
        readiness.webhooks.store(true, Ordering::Relaxed);
        None
    } else {
        let addr = std::net::SocketAddr::new(args.webhook_host, args.webhook_port);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| ManagerError::Listen(addr, e))?;
        // Load the certificate now, so a missing one fails start-up with a clear error.
        crate::tls::CertDir::load(&args.webhook_cert_dir)?;
        readiness.webhooks.store(true, Ordering::Relaxed);
        let dir = args.webhook_cert_dir.clone();
        let settings = webhooks::admission::Settings {
            allow_fake_hardware: args.enable_fake_hardware,
        };
        let mut stopping = stopping.clone();
        Some(tokio::spawn(async move {
            webhooks::server::serve(listener, &dir, settings, async move {
                let _ = stopping.changed().await;
            })
            .await
        }))
    };
    // Every part below needs the management cluster; without it the manager does not start.
    let client = client(&args).await?;
    let caches = Caches::for_groups(&args);
    let diagnostics_task = {
        let addr = args.diagnostics_address;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| ManagerError::Listen(addr, e))?;
        let mut stopping = stopping.clone();
        let shutdown = async move {
            let _ = stopping.changed().await;
        };
        if args.insecure_diagnostics {
            tokio::spawn(diagnostics::serve_insecure(
                listener,
                metrics.clone(),
                shutdown,
            ))
        } else {
            let (metrics, client) = (metrics.clone(), client.clone());
            tokio::spawn(async move {
                if let Err(e) = diagnostics::serve_secure(listener, metrics, client, shutdown).await
                {
                    tracing::error!("metrics server: {e}");
                }
            })
        }
    };
    let election = if args.leader_elect {
        let identity = leader::identity();
        let (duration, renew) = (
            args.leader_elect_lease_duration,
            args.leader_elect_renew_deadline,
        );
        let election = Election::start(
            client.clone(),
            &lease_namespace(),
            &identity,
            duration,
            renew,
        )
        .await?;
        tracing::info!(%identity, lease = leader::LEASE_NAME, "standing for leader election");
        let mut leading = election.leading.clone();
        let log = tokio::spawn(async move {
            while leading.changed().await.is_ok() {
                let now = *leading.borrow_and_update();
                tracing::info!(leading = now, "leadership changed");
            }
        });
        // The log task holds a receiver; it must end before stepping down can close the channel.
        Some((election, log))
    } else {
        None
    };
    // Without --leader-elect this process always leads.
    let (_always, not_electing) = watch::channel(true);
    let leading = election
        .as_ref()
        .map_or(not_electing, |(election, _)| election.leading.clone());
    let mut controllers = Vec::new();
    if let Some(task) = start_baremetalhost(&args, &client, &caches, &metrics, &leading, &stopping)?
    {
        controllers.push(task);
    }
    if let Some(task) = start_capm3(
        &args, &client, &caches, &scope, &metrics, &leading, &stopping,
    ) {
        controllers.push(task);
    }
    if args.runs(ControllerGroup::Ipam) {
        let (client, scope, leading) = (client.clone(), scope.clone(), leading.clone());
        let concurrency = args.ippool_concurrency;
        let mut stopping = stopping.clone();
        controllers.push(tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopping.wait_for(|stop| *stop).await;
            };
            crate::ipam::controller::run(client, &scope, concurrency, leading, shutdown).await;
        }));
    }
    let cache_tasks = caches.start(&client, &scope, readiness.clone());
    shutdown.await;
    tracing::info!("shutting down");
    // Let in-flight reconciles finish before leadership and the caches go.
    let _ = stop.send(true);
    for task in controllers {
        let _ = task.await;
    }
    // Stepping down waits until every holder of the leadership flag is gone.
    drop(leading);
    if let Some((election, log)) = election {
        log.abort();
        // Release the Lease, so a standby replica takes over at once.
        election.step_down().await;
    }
    for task in cache_tasks {
        task.abort();
    }
    if let Some(task) = webhook_task {
        let _ = task.await;
    }
    let _ = diagnostics_task.await;
    let _ = health_task.await;
    Ok(())
}

/// The CAPM3 controllers (Metal3Cluster, Metal3Machine, Metal3MachineTemplate on the shared
/// host and machine caches; the data template and data controllers), when the group is on.
fn start_capm3(
    args: &ManagerArgs,
    client: &kube::Client,
    caches: &Caches,
    scope: &Scope,
    metrics: &Arc<crate::metrics::Metrics>,
    leading: &watch::Receiver<bool>,
    stopping: &watch::Receiver<bool>,
) -> Option<tokio::task::JoinHandle<()>> {
    use crate::capm3::{controller, data_controllers};
    let (Some(hosts), Some(machines)) = (&caches.hosts, &caches.machines) else {
        return None;
    };
    let shared = controller::Caches {
        hosts: hosts.store.clone(),
        host_events: hosts.subscribe()?,
        hosts_listed: hosts.listed(),
        machines: machines.store.clone(),
        machine_events: machines.subscribe()?,
        machines_listed: machines.listed(),
    };
    let settings = controller::Settings {
        metal3machine_concurrency: args.metal3machine_concurrency,
        metal3cluster_concurrency: args.metal3cluster_concurrency,
        metal3machinetemplate_concurrency: args.metal3machinetemplate_concurrency,
        fast_track: args.fast_track,
    };
    let data_settings = data_controllers::Settings {
        metal3datatemplate_concurrency: args.metal3datatemplate_concurrency,
        metal3data_concurrency: args.metal3data_concurrency,
        enable_bmh_name_based_preallocation: args.enable_bmh_name_based_preallocation,
    };
    let (client, scope, metrics, leading) = (
        client.clone(),
        scope.clone(),
        metrics.clone(),
        leading.clone(),
    );
    let stopped = |mut stopping: watch::Receiver<bool>| async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    let (core_stop, data_stop) = (stopped(stopping.clone()), stopped(stopping.clone()));
    Some(tokio::spawn(async move {
        let core = controller::run(
            client.clone(),
            shared,
            &scope,
            settings,
            metrics.clone(),
            leading.clone(),
            core_stop,
        );
        let data =
            data_controllers::run(client, &scope, data_settings, metrics, leading, data_stop);
        futures::join!(core, data);
    }))
}

/// The BareMetalHost operator, when its group is on and Ironic's endpoint is set.
fn start_baremetalhost(
    args: &ManagerArgs,
    client: &kube::Client,
    caches: &Caches,
    metrics: &Arc<crate::metrics::Metrics>,
    leading: &watch::Receiver<bool>,
    stopping: &watch::Receiver<bool>,
) -> Result<Option<tokio::task::JoinHandle<()>>, ManagerError> {
    let (Some(hosts), true) = (&caches.hosts, args.runs(ControllerGroup::Baremetalhost)) else {
        return Ok(None);
    };
    let Some(endpoint) = args.ironic_endpoint.as_deref() else {
        tracing::warn!(
            "no --ironic-endpoint (IRONIC_ENDPOINT): the BareMetalHost controller does not run"
        );
        return Ok(None);
    };
    let Some(subscription) = hosts.subscribe() else {
        return Ok(None);
    };
    let wiring = baremetalhost::Wiring {
        client: client.clone(),
        store: hosts.store.clone(),
        hosts: subscription,
        metrics: metrics.clone(),
        leading: leading.clone(),
        stopping: stopping.clone(),
    };
    Ok(Some(baremetalhost::start(args, endpoint, wiring)?))
}

async fn serve_health(
    listener: TcpListener,
    readiness: Arc<Readiness>,
    mut stopping: watch::Receiver<bool>,
) {
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .with_state(readiness);
    let _ = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = stopping.changed().await;
        })
        .await;
}

async fn ready(State(readiness): State<Arc<Readiness>>) -> (StatusCode, &'static str) {
    if !readiness.webhooks.load(Ordering::Relaxed) {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "webhook server not started",
        )
    } else if !readiness.caches_synced.load(Ordering::Relaxed) || !readiness.scope.caches_listed() {
        (StatusCode::SERVICE_UNAVAILABLE, "watch caches not synced")
    } else {
        (StatusCode::OK, "ok")
    }
}

/// SIGTERM (Kubernetes stopping the pod) or Ctrl-C.
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}

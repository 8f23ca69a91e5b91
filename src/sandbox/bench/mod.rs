//! `capm3 sandbox --bench N`: the scale benchmark. N simulated hosts, a cluster of N Machines
//! provisioned onto them, a steady-state window, the cluster deleted and every host back to
//! `available`; the manager runs as its own process so its CPU time and memory are its own.
//! The report is JSON: wall time per phase, the manager's CPU seconds and peak RSS, API
//! requests by verb, Ironic requests, reconciles per controller.

mod scrape;
mod workload;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use futures::StreamExt;
use kube::api::{Api, DeleteParams};
use kube::runtime::{WatchStreamExt, reflector, watcher};
use serde::Serialize;

use super::environment::{Environment, NAMESPACE, Options};
use super::error::SandboxError;
use super::ironic::knobs::Knobs;
use super::measure;
use crate::api::bmo::v1alpha1::BareMetalHost;
use crate::api::capi::{Cluster, Machine};

pub struct BenchOptions {
    pub machines: usize,
    /// How long the steady state is watched.
    pub window: Duration,
    pub knobs: Knobs,
    /// Where the manager's logs go.
    pub log: PathBuf,
}

/// The manager's flags beyond the sandbox's: the client-side rate limit raised so the
/// benchmark measures the controllers rather than `--kube-api-qps`; everything else default.
const MANAGER_FLAGS: &[&str] = &["--kube-api-qps", "1000", "--kube-api-burst", "2000"];

#[derive(Debug, Serialize)]
pub struct Report {
    pub machines: usize,
    /// Seconds per phase: `enrol` (hosts registered, inspected, available), `provision`
    /// (every Machine Running on a provisioned host), `steady` (the window), `deprovision`
    /// (Cluster deleted, every host available again).
    pub phase_seconds: BTreeMap<&'static str, f64>,
    pub manager: ManagerUsage,
    pub api_requests: ApiRequests,
    pub ironic_requests: IronicRequests,
    pub reconciles: BTreeMap<String, scrape::Reconciles>,
}

#[derive(Debug, Serialize)]
pub struct ManagerUsage {
    pub cpu_seconds: Option<f64>,
    pub peak_rss: Option<String>,
    pub rss_at_end: Option<String>,
}

/// The manager's User-Agent program, which the API server counts its requests under.
const MANAGER_PROGRAM: &str = "capm3-manager";

/// The manager's requests to the API server (not the stand-ins' or the benchmark's).
#[derive(Debug, Serialize)]
pub struct ApiRequests {
    /// Every request during the run, by verb.
    pub by_verb: BTreeMap<String, u64>,
    /// The same by `verb resource`.
    pub by_resource: BTreeMap<String, u64>,
    /// Creates, updates, patches and deletes while provisioning and deprovisioning, per
    /// Machine.
    pub writes_per_machine_lifecycle: f64,
    /// Requests of any verb during the steady-state window.
    pub steady_state_total: u64,
}

#[derive(Debug, Serialize)]
pub struct IronicRequests {
    pub total: u64,
    pub per_host_enrolment: f64,
    /// While provisioning and deprovisioning, per host.
    pub per_host_lifecycle: f64,
    pub per_host_hour_steady_state: f64,
}

/// Counters read at a phase boundary.
#[derive(Clone)]
struct Counters {
    at: Instant,
    api: BTreeMap<(String, String), u64>,
    ironic: u64,
}

pub async fn run(options: BenchOptions) -> Result<Report, SandboxError> {
    let n = options.machines;
    let dir = std::env::temp_dir().join(format!("capm3-bench-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).map_err(|source| SandboxError::Write {
        path: dir.clone(),
        source,
    })?;
    let loopback = "127.0.0.1:0".parse().expect("a literal socket address");
    let environment = Environment::start(Options {
        listen: loopback,
        tls: false,
        kubeconfig_out: dir.join("kubeconfig"),
        ironic_listen: loopback,
        knobs: options.knobs,
        hosts: 0,
        apply: Vec::new(),
        manager: false,
    })
    .await?;
    let result = measure_run(&environment, &dir, n, options.window, &options.log).await;
    environment.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn measure_run(
    environment: &Environment,
    dir: &Path,
    n: usize,
    window: Duration,
    log: &Path,
) -> Result<Report, SandboxError> {
    let counters = || Counters {
        at: Instant::now(),
        api: environment.api.api.hooks.counts_from(MANAGER_PROGRAM),
        ironic: environment.ironic.total_requests(),
    };
    let watched = Watched::start(&environment.client);
    let metrics_addr = free_loopback_port()?;
    let manager = Manager::spawn(dir, &environment.ironic.url(), metrics_addr, log)?;
    let start = counters();
    super::hosts::enrol(&environment.client, NAMESPACE, n)
        .await
        .map_err(SandboxError::Hosts)?;
    watched
        .until("hosts available", |w| w.hosts_in("available") == n)
        .await;
    let enrolled = counters();
    let cluster = workload::cluster_of(n).map_err(SandboxError::Manager)?;
    super::apply::apply_documents(&environment.client, Path::new("bench cluster"), cluster).await?;
    watched
        .until("machines running", |w| {
            w.machines_running() == n && w.hosts_in("provisioned") == n
        })
        .await;
    let provisioned = counters();
    tokio::time::sleep(window).await;
    let steady = counters();
    Api::<Cluster>::namespaced(environment.client.clone(), NAMESPACE)
        .delete(workload::CLUSTER, &DeleteParams::default())
        .await
        .map_err(SandboxError::Client)?;
    watched
        .until("hosts available again", |w| {
            w.clusters() == 0 && w.hosts_in("available") == n
        })
        .await;
    let done = counters();
    let reconciles = scrape::reconciles(&manager.metrics(metrics_addr).await);
    let usage = manager.usage();
    drop(manager);

    let seconds = |from: &Counters, to: &Counters| (to.at - from.at).as_secs_f64();
    let per_host = |requests: u64| requests as f64 / n.max(1) as f64;
    let writes = |from: &Counters, to: &Counters| -> u64 {
        ["create", "update", "patch", "delete"]
            .iter()
            .map(|verb| verb_delta(&from.api, &to.api, verb))
            .sum()
    };
    let by_verb = done
        .api
        .keys()
        .map(|(verb, _)| (verb.clone(), verb_delta(&start.api, &done.api, verb)))
        .collect();
    let by_resource = done
        .api
        .iter()
        .map(|(key, count)| {
            let before = start.api.get(key).copied().unwrap_or(0);
            (format!("{} {}", key.0, key.1), count - before)
        })
        .filter(|(_, count)| *count > 0)
        .collect();
    Ok(Report {
        machines: n,
        phase_seconds: BTreeMap::from([
            ("enrol", seconds(&start, &enrolled)),
            ("provision", seconds(&enrolled, &provisioned)),
            ("steady", seconds(&provisioned, &steady)),
            ("deprovision", seconds(&steady, &done)),
        ]),
        manager: usage,
        api_requests: ApiRequests {
            by_verb,
            by_resource,
            writes_per_machine_lifecycle: per_host(
                writes(&enrolled, &provisioned) + writes(&steady, &done),
            ),
            steady_state_total: steady.api.values().sum::<u64>()
                - provisioned.api.values().sum::<u64>(),
        },
        ironic_requests: IronicRequests {
            total: done.ironic,
            per_host_enrolment: per_host(enrolled.ironic - start.ironic),
            per_host_lifecycle: per_host(
                provisioned.ironic - enrolled.ironic + done.ironic - steady.ironic,
            ),
            per_host_hour_steady_state: per_host(steady.ironic - provisioned.ironic) * 3600.0
                / seconds(&provisioned, &steady).max(f64::EPSILON),
        },
        reconciles,
    })
}

fn verb_delta(
    from: &BTreeMap<(String, String), u64>,
    to: &BTreeMap<(String, String), u64>,
    verb: &str,
) -> u64 {
    to.iter()
        .filter(|((v, _), _)| v == verb)
        .map(|(key, count)| count - from.get(key).copied().unwrap_or(0))
        .sum()
}

/// An ephemeral loopback port, free when this returns.
fn free_loopback_port() -> Result<std::net::SocketAddr, SandboxError> {
    let addr: std::net::SocketAddr = "127.0.0.1:0".parse().expect("a literal socket address");
    std::net::TcpListener::bind(addr)
        .and_then(|l| l.local_addr())
        .map_err(|source| SandboxError::Listen { addr, source })
}

/// `capm3 manager`, as its own process.
struct Manager(Child);

impl Manager {
    fn spawn(
        dir: &Path,
        ironic: &str,
        metrics: std::net::SocketAddr,
        log: &Path,
    ) -> Result<Manager, SandboxError> {
        let failed = |e: std::io::Error| SandboxError::Manager(e.to_string());
        let log_file = std::fs::File::create(log).map_err(|source| SandboxError::Write {
            path: log.to_owned(),
            source,
        })?;
        let health = free_loopback_port()?;
        let flags =
            super::environment::manager_flags(&dir.join("kubeconfig"), ironic, health, metrics);
        let child = Command::new(std::env::current_exe().map_err(failed)?)
            .args(flags)
            .args(MANAGER_FLAGS)
            // The manager logs to stdout, and says why it could not start on stderr.
            .stdout(log_file.try_clone().map_err(failed)?)
            .stderr(log_file)
            .spawn()
            .map_err(failed)?;
        Ok(Manager(child))
    }

    async fn metrics(&self, addr: std::net::SocketAddr) -> String {
        let url = format!("http://{addr}/metrics");
        match reqwest::get(&url).await {
            Ok(response) => response.text().await.unwrap_or_default(),
            Err(e) => {
                tracing::warn!("cannot read {url}: {e}");
                String::new()
            }
        }
    }

    fn usage(&self) -> ManagerUsage {
        let pid = self.0.id();
        let rss = measure::rss_of(pid);
        ManagerUsage {
            cpu_seconds: measure::cpu_seconds_of(pid),
            peak_rss: rss.as_ref().map(|(_, peak)| peak.clone()),
            rss_at_end: rss.map(|(now, _)| now),
        }
    }
}

/// The manager never outlives the benchmark, whichever way it ends.
impl Drop for Manager {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Hosts, Machines and Clusters as the benchmark sees them: through watches, so watching costs
/// the API server three lists and three watches, not a list per look.
struct Watched {
    hosts: reflector::Store<BareMetalHost>,
    machines: reflector::Store<Machine>,
    clusters: reflector::Store<Cluster>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Watched {
    fn start(client: &kube::Client) -> Watched {
        let mut tasks = Vec::new();
        let hosts = watch(client, &mut tasks);
        let machines = watch(client, &mut tasks);
        let clusters = watch(client, &mut tasks);
        Watched {
            hosts,
            machines,
            clusters,
            tasks,
        }
    }

    fn hosts_in(&self, state: &str) -> usize {
        self.hosts
            .state()
            .iter()
            .filter(|h| {
                h.status
                    .as_ref()
                    .is_some_and(|s| s.provisioning.state == state)
            })
            .count()
    }

    fn machines_running(&self) -> usize {
        self.machines
            .state()
            .iter()
            .filter(|m| {
                m.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
                    && m.spec
                        .provider_id
                        .as_deref()
                        .is_some_and(|id| !id.is_empty())
            })
            .count()
    }

    fn clusters(&self) -> usize {
        self.clusters.state().len()
    }

    /// Waits until `done` holds, saying every ten seconds how far it is.
    async fn until(&self, what: &str, done: impl Fn(&Watched) -> bool) {
        let started = Instant::now();
        let mut said = Instant::now();
        while !done(self) {
            if said.elapsed() >= Duration::from_secs(10) {
                eprintln!(
                    "bench: waiting for {what} ({:.0?}): hosts available {} provisioned {}, machines running {}",
                    started.elapsed(),
                    self.hosts_in("available"),
                    self.hosts_in("provisioned"),
                    self.machines_running()
                );
                said = Instant::now();
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        eprintln!("bench: {what} after {:.1?}", started.elapsed());
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

fn watch<K>(
    client: &kube::Client,
    tasks: &mut Vec<tokio::task::JoinHandle<()>>,
) -> reflector::Store<K>
where
    K: kube::Resource<DynamicType = ()>
        + Clone
        + std::fmt::Debug
        + serde::de::DeserializeOwned
        + Send
        + Sync
        + 'static,
{
    let (store, writer) = reflector::store();
    let stream = watcher(Api::<K>::all(client.clone()), watcher::Config::default())
        .default_backoff()
        .reflect(writer)
        .applied_objects();
    tasks.push(tokio::spawn(async move {
        stream.for_each(|_| async {}).await;
    }));
    store
}

//! `capm3 sandbox`: what runs, from the command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;

use super::environment::{Environment, Options, start_api_server, write_kubeconfig};
pub use super::error::SandboxError;
use super::ironic::Simulator;
use super::ironic::knobs::{Failure, Knobs};
use super::progress::{Snapshot, View};

/// How often the progress view is refreshed.
const REFRESH: Duration = Duration::from_secs(1);

#[derive(clap::Args, Debug)]
pub struct SandboxArgs {
    /// Simulated BareMetalHosts to enrol (`node-0` …, each with a BMC Secret).
    #[arg(long, default_value_t = 4)]
    pub hosts: usize,
    /// Manifests to apply once everything runs (as `kubectl apply --server-side -f`).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub apply: Vec<PathBuf>,
    /// Run everything except the manager, for a `capm3 manager` started as its own process.
    #[arg(long, conflicts_with_all = ["api_only", "ironic_only"])]
    pub no_manager: bool,
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
    /// Make a share of the simulator's steps fail: `STEP=P` with STEP one of verify, inspect,
    /// clean, deploy, undeploy, adopt, service, power or `*` (every step), P in 0–1.
    /// Repeatable.
    #[arg(long, value_name = "STEP=P", value_parser = parse_failure)]
    pub ironic_fail: Vec<Failure>,
    /// Where the embedded API server listens (loopback only).
    #[arg(long, default_value = "127.0.0.1:6443")]
    pub listen: SocketAddr,
    /// Serve HTTPS with a certificate from a new self-signed CA (the kubeconfig trusts it).
    #[arg(long)]
    pub tls: bool,
    /// Where to write the kubeconfig for kubectl and kube-rs.
    #[arg(long, default_value = "./sandbox.kubeconfig")]
    pub kubeconfig_out: PathBuf,
    /// Where the controllers' logs go (the terminal shows the progress view).
    #[arg(long, default_value = "./sandbox.log")]
    pub log: PathBuf,
    /// Headless scale benchmark: N hosts, a cluster of N Machines provisioned and deleted,
    /// the manager as its own process; prints a JSON report.
    #[arg(long, value_name = "N", conflicts_with_all = ["api_only", "ironic_only", "no_manager", "apply"])]
    pub bench: Option<usize>,
    /// With --bench: how long the provisioned cluster is watched for the steady state.
    #[arg(long, default_value = "60s", value_parser = crate::duration::parse, requires = "bench")]
    pub bench_window: Duration,
    /// With --bench: also write the report to this file.
    #[arg(long, value_name = "FILE", requires = "bench")]
    pub report: Option<PathBuf>,
    /// With --api-only: load the CRD YAML files in this directory instead of capm3's and
    /// the Cluster API CRDs (repeatable).
    #[arg(long = "crds", value_name = "DIR", requires = "api_only")]
    pub crd_dirs: Vec<PathBuf>,
}

/// `STEP=P`.
fn parse_failure(text: &str) -> Result<Failure, String> {
    let (step, probability) = text
        .split_once('=')
        .ok_or("expected STEP=P, e.g. deploy=0.2")?;
    let probability: f64 = probability
        .parse()
        .ok()
        .filter(|p| (0.0..=1.0).contains(p))
        .ok_or("P must be a number from 0 to 1")?;
    let steps = [
        "verify", "inspect", "clean", "deploy", "undeploy", "adopt", "service", "power", "*",
    ];
    if !steps.contains(&step) {
        return Err(format!(
            "unknown step {step:?}; one of {}",
            steps.join(", ")
        ));
    }
    Ok(Failure {
        name_prefix: None,
        step: (step != "*").then(|| step.to_owned()),
        probability,
        times: None,
    })
}

impl SandboxArgs {
    fn knobs(&self) -> Knobs {
        let latency = Duration::from_millis(self.ironic_latency);
        Knobs {
            default_latency: latency,
            power_latency: latency,
            failures: self.ironic_fail.clone(),
            ..Knobs::default()
        }
    }
}

pub async fn run(args: SandboxArgs) -> Result<(), SandboxError> {
    if let Some(machines) = args.bench {
        run_bench(&args, machines).await
    } else if args.ironic_only {
        run_ironic(&args).await
    } else if args.api_only {
        run_api(&args).await
    } else {
        run_environment(args).await
    }
}

/// Everything, with the progress view until Ctrl-C, then a summary.
async fn run_environment(args: SandboxArgs) -> Result<(), SandboxError> {
    log_to_file(&args.log)?;
    let environment = Environment::start(Options {
        listen: args.listen,
        tls: args.tls,
        kubeconfig_out: args.kubeconfig_out.clone(),
        ironic_listen: args.ironic_listen,
        knobs: args.knobs(),
        hosts: args.hosts,
        apply: args.apply.clone(),
        manager: !args.no_manager,
    })
    .await?;
    let kubeconfig = args.kubeconfig_out.display();
    println!(
        "capm3 sandbox: Kubernetes API server on {}",
        environment.api.url()
    );
    println!(
        "  Ironic simulator on {} · logs in {}",
        environment.ironic.url(),
        args.log.display()
    );
    if args.no_manager {
        println!(
            "  run the manager: capm3 manager --kubeconfig {kubeconfig} --ironic-endpoint {} \
             --enable-fake-hardware --webhook-port 0 --insecure-diagnostics",
            environment.ironic.url()
        );
    }
    println!(
        "  {} hosts enrolled; applied {}",
        args.hosts,
        if environment.applied.is_empty() {
            "nothing (try --apply examples/cluster.yaml)".to_owned()
        } else {
            environment.applied.join(", ")
        }
    );
    println!("  kubectl --kubeconfig {kubeconfig} get bmh,m3m,machines");
    println!("Press Ctrl-C to stop.\n");
    let mut view = View::new();
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    let mut ticks = tokio::time::interval(REFRESH);
    loop {
        tokio::select! {
            _ = &mut interrupted => break,
            _ = ticks.tick() => match Snapshot::read(&environment.client).await {
                Ok(snapshot) => view.show(snapshot),
                Err(e) => tracing::warn!("progress view: {e}"),
            },
        }
    }
    view.finish();
    let last = Snapshot::read(&environment.client)
        .await
        .unwrap_or_default();
    println!("\nStopping. Summary after {:.0?}:", view.elapsed());
    for line in last.render(view.elapsed()).iter().skip(1) {
        println!("{line}");
    }
    println!(
        "  requests  Ironic {} · API server writes {}",
        environment.ironic.total_requests(),
        ["create", "update", "patch", "delete"]
            .iter()
            .map(|verb| environment.api.api.hooks.total(verb))
            .sum::<u64>()
    );
    environment.stop().await;
    Ok(())
}

/// `--bench N`: the report on stdout (and in `--report`).
async fn run_bench(args: &SandboxArgs, machines: usize) -> Result<(), SandboxError> {
    let report = super::bench::run(super::bench::BenchOptions {
        machines,
        window: args.bench_window,
        knobs: args.knobs(),
        log: args.log.clone(),
    })
    .await?;
    let json =
        serde_json::to_string_pretty(&report).map_err(|e| SandboxError::Manager(e.to_string()))?;
    println!("{json}");
    if let Some(path) = &args.report {
        std::fs::write(path, format!("{json}\n")).map_err(|source| SandboxError::Write {
            path: path.clone(),
            source,
        })?;
    }
    Ok(())
}

/// The controllers log to a file, so they do not scribble over the progress view.
fn log_to_file(path: &std::path::Path) -> Result<(), SandboxError> {
    let file = std::fs::File::create(path).map_err(|source| SandboxError::Write {
        path: path.to_owned(),
        source,
    })?;
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
    Ok(())
}

/// `--api-only`: the embedded API server alone, for kubectl.
async fn run_api(args: &SandboxArgs) -> Result<(), SandboxError> {
    let crds = if args.crd_dirs.is_empty() {
        crate::crds::metal3()
            .into_iter()
            .chain(crate::crds::capi())
            .collect()
    } else {
        read_crds(&args.crd_dirs)?
    };
    let server = start_api_server(args.listen, args.tls).await?;
    server.install_crds(&crds).await?;
    write_kubeconfig(&server, &args.kubeconfig_out)?;
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
    SandboxError::check_loopback("--ironic-listen", args.ironic_listen)?;
    let simulator = Simulator::start(args.ironic_listen, args.knobs())
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
            let read_error = |message: String| SandboxError::Read {
                path: file.clone(),
                message,
            };
            let text = std::fs::read_to_string(&file).map_err(|e| read_error(e.to_string()))?;
            for value in super::apply::documents(&text).map_err(read_error)? {
                if value["kind"] == "CustomResourceDefinition" {
                    crds.push(
                        serde_json::from_value(value).map_err(|e| read_error(e.to_string()))?,
                    );
                }
            }
        }
    }
    Ok(crds)
}

#[cfg(test)]
mod tests {
    #[test]
    fn failure_flags_name_a_step_and_a_share() {
        let failure = super::parse_failure("deploy=0.25").expect("valid");
        assert_eq!(failure.step.as_deref(), Some("deploy"));
        assert_eq!(failure.probability, 0.25);
        assert_eq!(super::parse_failure("*=1").expect("valid").step, None);
        assert!(super::parse_failure("deploy=2").is_err());
        assert!(super::parse_failure("dance=0.1").is_err());
        assert!(super::parse_failure("deploy").is_err());
    }
}

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// capm3: Cluster API infrastructure provider for bare metal (Metal3-compatible).
#[derive(Parser)]
#[command(name = "capm3", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the controller-manager (CAPM3 controllers, BareMetalHost operator, IPAM).
    Manager(Box<capm3::manager::args::ManagerArgs>),
    /// Print the CustomResourceDefinitions, or write one file per CRD into a directory.
    Crds {
        /// Directory to write into: the Metal3 CRDs at the top, the Cluster API CRDs
        /// (used only by the sandbox and tests) under `capi/`.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Print the parts of config/ generated from code (the webhook configurations), or write
    /// them into a config directory.
    Manifests {
        /// The config directory to write into (`config`).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Run a whole Metal3 environment in one process: no cluster, no VMs needed.
    Sandbox(Box<capm3::sandbox::cli::SandboxArgs>),
    /// Print the version.
    Version,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Crds { output: Some(dir) } => capm3::crds::write_all(&dir),
        Command::Crds { output: None } => capm3::crds::print_all(&mut std::io::stdout()),
        Command::Manifests { output: Some(dir) } => capm3::manifests::write_all(&dir),
        Command::Manifests { output: None } => capm3::manifests::print_all(&mut std::io::stdout()),
        Command::Version => {
            println!("capm3 {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Command::Sandbox(args) => return run_sandbox(*args),
        Command::Manager(args) => return run_manager(*args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("capm3: {e}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> Option<tokio::runtime::Runtime> {
    tokio::runtime::Runtime::new()
        .map_err(|e| eprintln!("capm3: cannot start the async runtime: {e}"))
        .ok()
}

fn run_manager(args: capm3::manager::args::ManagerArgs) -> ExitCode {
    let format = args.log_format;
    let subscriber = tracing_subscriber::fmt().with_env_filter(
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
    );
    match format {
        capm3::manager::args::LogFormat::Json => subscriber.json().init(),
        capm3::manager::args::LogFormat::Text => subscriber.init(),
    }
    let Some(runtime) = runtime() else {
        return ExitCode::FAILURE;
    };
    match runtime.block_on(capm3::manager::run::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("capm3: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_sandbox(args: capm3::sandbox::cli::SandboxArgs) -> ExitCode {
    let Some(runtime) = runtime() else {
        return ExitCode::FAILURE;
    };
    match runtime.block_on(capm3::sandbox::cli::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("capm3: {e}");
            ExitCode::FAILURE
        }
    }
}

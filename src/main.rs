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
    Manager,
    /// Print the CustomResourceDefinitions, or write one file per CRD into a directory.
    Crds {
        /// Directory to write into: the Metal3 CRDs at the top, the Cluster API CRDs
        /// (used only by the sandbox and tests) under `capi/`.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Run a whole Metal3 environment in one process: no cluster, no VMs needed.
    Sandbox(capm3::sandbox::cli::SandboxArgs),
    /// Print the version.
    Version,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Crds { output: Some(dir) } => capm3::crds::write_all(&dir),
        Command::Crds { output: None } => capm3::crds::print_all(&mut std::io::stdout()),
        Command::Version => {
            println!("capm3 {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Command::Sandbox(args) => return run_sandbox(args),
        Command::Manager => {
            eprintln!("capm3: this subcommand is not implemented yet");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("capm3: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_sandbox(args: capm3::sandbox::cli::SandboxArgs) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("capm3: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(capm3::sandbox::cli::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e @ capm3::sandbox::cli::SandboxError::NotImplemented) => {
            eprintln!("capm3: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("capm3: {e}");
            ExitCode::FAILURE
        }
    }
}

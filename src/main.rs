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
    Sandbox,
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
        Command::Manager | Command::Sandbox => {
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

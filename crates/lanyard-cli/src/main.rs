//! `lanyard`: the command-line front of Lanyard. Each subcommand is a thin adapter over
//! `lanyard-core`; this file owns argument parsing, output formatting and exit codes.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use lanyard_core::{Paths, view::AppInfo};

#[derive(Parser)]
#[command(name = "lanyard", version, about = "IAM Identity Center sign-in, AWS profiles and CodeCommit, without the busywork")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show the files Lanyard reads and writes.
    Paths {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lanyard: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let paths = Paths::from_env(|k| std::env::var_os(k))?;
    match cli.command {
        Command::Paths { json } => {
            let info = AppInfo::new(&paths, false);
            if json {
                println!("{}", serde_json::to_string_pretty(&info)?);
            } else {
                println!("AWS config file  {}", info.aws_config_file);
                println!("SSO token cache  {}", info.sso_cache_dir);
                println!("Lanyard data     {}", info.data_dir);
            }
        }
    }
    Ok(())
}

//! `lanyard-emulator serve`: run the local AWS until SIGINT/SIGTERM (or stdin closes).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use lanyard_emulator::{Config, Emulator, Generated, Knobs, Lifetimes, World};

#[derive(Parser)]
#[command(
    name = "lanyard-emulator",
    version,
    about = "A local AWS IAM Identity Center + CodeCommit for Lanyard"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process
enum Command {
    /// Serve the emulator and print the client environment.
    Serve(Serve),
    /// Print the built-in demo world (a starting point for your own --world file).
    DemoWorld,
}

#[derive(Args)]
struct Serve {
    /// A world file (TOML).
    #[arg(long, conflicts_with_all = ["demo", "accounts"])]
    world: Option<PathBuf>,
    /// The built-in demo world (the default).
    #[arg(long)]
    demo: bool,
    /// Generate a world with this many accounts.
    #[arg(long)]
    accounts: Option<u32>,
    /// Permission sets per generated account (1–5).
    #[arg(long, default_value_t = 3, requires = "accounts")]
    roles_per_account: u32,
    /// Repositories per generated account.
    #[arg(long, default_value_t = 1, requires = "accounts")]
    repos_per_account: u32,
    /// HTTP listener address.
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// HTTPS listener address.
    #[arg(long, default_value = "127.0.0.1:0")]
    https_addr: SocketAddr,
    /// Directory for the CA and repositories (default: a temporary directory).
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// Also write the client environment here as KEY=value lines.
    #[arg(long)]
    env_file: Option<PathBuf>,
    /// Approve sign-ins for the first user without a page.
    #[arg(long)]
    auto_approve: bool,
    /// Latency added to every AWS API request.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Random extra latency, up to this many ms.
    #[arg(long, default_value_t = 0)]
    jitter_ms: u64,
    /// Portal requests per second per instance (0 = unlimited).
    #[arg(long, default_value_t = 20.0)]
    portal_tps: f64,
    /// OIDC requests per second (0 = unlimited).
    #[arg(long, default_value_t = 0.0)]
    oidc_tps: f64,
    /// CodeCommit API requests per second (0 = unlimited).
    #[arg(long, default_value_t = 0.0)]
    codecommit_tps: f64,
    /// Fraction of AWS API requests answered with a 5xx.
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Fraction of AWS API responses cut off mid-stream.
    #[arg(long, default_value_t = 0.0)]
    reset_rate: f64,
    /// Delay between 64-byte chunks of API response bodies.
    #[arg(long, default_value_t = 0)]
    slow_body_ms: u64,
    /// Access token lifetime (s).
    #[arg(long, default_value_t = 3600)]
    access_token_ttl: u64,
    /// Sign-in session / refresh token lifetime (s).
    #[arg(long, default_value_t = 8 * 3600)]
    refresh_token_ttl: u64,
    /// Client registration lifetime (s).
    #[arg(long, default_value_t = 90 * 24 * 3600)]
    client_ttl: u64,
    /// Device code lifetime (s).
    #[arg(long, default_value_t = 600)]
    device_code_ttl: u64,
    /// Role credential lifetime (s).
    #[arg(long, default_value_t = 3600)]
    role_credentials_ttl: u64,
    /// Device-flow polling interval (s); 0 leaves `interval` out of the answer.
    #[arg(long, default_value_t = 1)]
    device_interval: u64,
    /// Interval the server enforces between polls (0 = the advertised one); see README.
    #[arg(long, default_value_t = 0)]
    device_enforced_interval: u64,
    /// Keep sign-in sessions and tokens over a restart: saved to the state directory on the
    /// way out, read back at start (a restart on the same ports then looks like a network that
    /// came back). Needs --state-dir.
    #[arg(long, requires = "state_dir")]
    keep_sessions: bool,
    /// Stop when standard input closes.
    #[arg(long)]
    exit_on_stdin_close: bool,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::DemoWorld => {
            print!("{}", lanyard_emulator::world::DEMO_WORLD);
            Ok(())
        }
        Command::Serve(s) => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            let result = rt.block_on(serve(s));
            // tokio's stdin reader is a blocking thread that a signal cannot interrupt; don't
            // wait for it on the way out.
            rt.shutdown_timeout(std::time::Duration::from_millis(200));
            result
        }
    }
}

async fn serve(s: Serve) -> anyhow::Result<()> {
    let world = match (&s.world, s.accounts) {
        (Some(path), _) => World::from_file(path)?,
        (None, Some(accounts)) => World::generated(Generated {
            accounts,
            roles_per_account: s.roles_per_account,
            repos_per_account: s.repos_per_account,
        }),
        (None, None) => World::demo(),
    };
    let config = Config {
        world,
        http_addr: s.addr,
        https_addr: s.https_addr,
        state_dir: s.state_dir.clone(),
        auto_approve: s.auto_approve,
        knobs: Knobs {
            latency_ms: s.latency_ms,
            jitter_ms: s.jitter_ms,
            portal_tps: s.portal_tps,
            oidc_tps: s.oidc_tps,
            codecommit_tps: s.codecommit_tps,
            fault_rate: s.fault_rate,
            reset_rate: s.reset_rate,
            slow_body_ms: s.slow_body_ms,
        },
        lifetimes: Lifetimes {
            access_token: s.access_token_ttl,
            refresh_token: s.refresh_token_ttl,
            client: s.client_ttl,
            device_code: s.device_code_ttl,
            role_credentials: s.role_credentials_ttl,
            device_interval: s.device_interval,
            device_enforced_interval: s.device_enforced_interval,
        },
        keep_sessions: s.keep_sessions,
    };
    // Handlers first: a harness may signal the moment it reads READY.
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    let emulator = Emulator::start(config).await?;
    let env: String = emulator
        .env()
        .iter()
        .map(|(k, v)| format!("{k}={v}\n"))
        .collect();
    if let Some(path) = &s.env_file {
        lanyard_emulator::write_private(path, env.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    println!("{env}READY");
    use std::io::Write;
    std::io::stdout().flush()?;

    let stdin_closed = async {
        if s.exit_on_stdin_close {
            let mut buf = [0u8; 256];
            let mut stdin = tokio::io::stdin();
            use tokio::io::AsyncReadExt;
            while matches!(stdin.read(&mut buf).await, Ok(n) if n > 0) {}
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        _ = int.recv() => {}
        _ = term.recv() => {}
        _ = stdin_closed => {}
    }
    if s.keep_sessions {
        emulator.save_sessions()?;
    }
    drop(emulator);
    Ok(())
}

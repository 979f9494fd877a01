//! `lanyard-emulator`: a local AWS for Lanyard's tests, demo and benchmarks.
//!
//! It serves, on loopback, the real wire protocols of SSO OIDC (`oidc.*`), the SSO portal
//! (`portal.sso.*`), the CodeCommit JSON API and CodeCommit's SigV4-authenticated git over HTTPS,
//! closely enough that unmodified AWS clients (botocore, the AWS CLI, the AWS SDK for Rust, the
//! Python git-remote-codecommit) work against it through their documented endpoint settings.
//! Protocol facts and their sources: `shared/PROTOCOL.md`. How to run it: `README.md`.

#![warn(missing_docs)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub mod error;
pub mod git;
pub mod http;
pub mod knobs;
pub mod pages;
pub mod pulls;
pub mod signin;
pub mod state;
pub mod tls;
pub mod world;

pub use knobs::Knobs;
pub use state::Lifetimes;
pub use world::{Generated, World};

/// How to start an emulator.
#[derive(Debug, Clone)]
pub struct Config {
    /// The world to serve.
    pub world: World,
    /// HTTP listener (APIs, pages, control). Port 0 picks a free one.
    pub http_addr: SocketAddr,
    /// HTTPS listener (same routes; git clients need it).
    pub https_addr: SocketAddr,
    /// Where the CA and repositories live; a temporary directory when `None`.
    pub state_dir: Option<PathBuf>,
    /// Approve sign-ins for the instance's first user without showing a page.
    pub auto_approve: bool,
    /// Initial knob values.
    pub knobs: Knobs,
    /// Token and credential lifetimes.
    pub lifetimes: Lifetimes,
    /// Keep sign-in sessions and tokens over a restart: read `sessions.json` from the state
    /// directory at start ([`Emulator::save_sessions`] writes it).
    pub keep_sessions: bool,
}

impl Config {
    /// Loopback on free ports, the given world, default knobs (portal limited to 20 TPS).
    pub fn new(world: World) -> Self {
        Config {
            world,
            http_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            https_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            state_dir: None,
            auto_approve: false,
            knobs: Knobs {
                portal_tps: 20.0,
                ..Knobs::default()
            },
            lifetimes: Lifetimes::default(),
            keep_sessions: false,
        }
    }
}

/// The file in the state directory that keeps sign-in sessions over a restart.
const KEPT_SESSIONS: &str = "sessions.json";

/// A running emulator. Dropping it stops the listeners.
pub struct Emulator {
    /// `http://127.0.0.1:PORT`.
    pub http_url: String,
    /// `https://127.0.0.1:PORT`.
    pub https_url: String,
    /// The CA certificate clients must trust for the HTTPS listener.
    pub ca_file: PathBuf,
    /// Where repositories and the CA live.
    pub state_dir: PathBuf,
    /// Shared state (for in-process tests).
    pub app: Arc<http::App>,
    tasks: Vec<JoinHandle<()>>,
    _tmp: Option<tempfile::TempDir>,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}

impl Emulator {
    /// Binds both listeners and starts serving.
    pub async fn start(config: Config) -> anyhow::Result<Emulator> {
        let (tmp, state_dir) = match &config.state_dir {
            Some(d) => {
                std::fs::create_dir_all(d)?;
                (None, d.canonicalize()?)
            }
            None => {
                let t = tempfile::Builder::new()
                    .prefix("lanyard-emulator-")
                    .tempdir()?;
                let p = t.path().to_path_buf();
                (Some(t), p)
            }
        };
        let ca_file = state_dir.join("ca.pem");
        let tls = tls::server_config(&ca_file)?;
        let http_listener = TcpListener::bind(config.http_addr).await?;
        let https_listener = TcpListener::bind(config.https_addr).await?;
        let http_url = format!("http://{}", http_listener.local_addr()?);
        let https_url = format!("https://{}", https_listener.local_addr()?);

        let app = Arc::new(http::App {
            state: state::State::new(config.world, config.lifetimes),
            realism: knobs::Realism::new(config.knobs),
            http_base: http_url.clone(),
            auto_approve: config.auto_approve,
            git: git::GitStore::new(state_dir.join("git")),
            pulls: pulls::Pulls::default(),
        });
        let kept = state_dir.join(KEPT_SESSIONS);
        if config.keep_sessions && kept.exists() {
            let json = std::fs::read(&kept)?;
            app.state
                .restore_sessions(&json)
                .with_context(|| format!("reading {}", kept.display()))?;
            tracing::info!("sign-in sessions restored from {}", kept.display());
        }
        let router = http::router(app.clone());
        let plain = router.clone();
        let mut tasks = vec![tokio::spawn(async move {
            if let Err(e) = axum::serve(http_listener, plain).await {
                tracing::error!("http listener stopped: {e}");
            }
        })];
        let acceptor = tokio_rustls::TlsAcceptor::from(tls);
        tasks.push(tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = https_listener.accept().await else {
                    continue;
                };
                let (acceptor, router) = (acceptor.clone(), router.clone());
                tokio::spawn(async move {
                    let Ok(stream) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service = TowerToHyperService::new(router);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }));
        Ok(Emulator {
            http_url,
            https_url,
            ca_file,
            state_dir,
            app,
            tasks,
            _tmp: tmp,
        })
    }

    /// Writes the sign-in sessions and tokens to the state directory, for a restart with
    /// `keep_sessions` (the file holds secrets: 0600, written atomically).
    pub fn save_sessions(&self) -> anyhow::Result<()> {
        let json = self.app.state.kept_sessions()?;
        write_private(&self.state_dir.join(KEPT_SESSIONS), &json)?;
        Ok(())
    }

    /// What a client needs, as `KEY=value` pairs (README "Run it by hand").
    pub fn env(&self) -> Vec<(String, String)> {
        let first = &self.app.state.world.instances[0];
        let ca = self.ca_file.display().to_string();
        [
            ("LANYARD_EMULATOR_URL", self.http_url.clone()),
            ("LANYARD_EMULATOR_HTTPS_URL", self.https_url.clone()),
            ("AWS_ENDPOINT_URL_SSO", self.http_url.clone()),
            ("AWS_ENDPOINT_URL_SSO_OIDC", self.http_url.clone()),
            ("AWS_ENDPOINT_URL_CODECOMMIT", self.http_url.clone()),
            ("AWS_ENDPOINT_URL_SIGNIN", self.http_url.clone()),
            ("AWS_ENDPOINT_URL_STS", self.http_url.clone()),
            (
                "CODE_COMMIT_ENDPOINT",
                self.https_url.trim_start_matches("https://").to_owned(),
            ),
            ("GIT_SSL_CAINFO", ca.clone()),
            ("SSL_CERT_FILE", ca.clone()),
            ("AWS_CA_BUNDLE", ca),
            ("LANYARD_DEMO_START_URL", first.start_url.clone()),
            ("LANYARD_DEMO_REGION", first.region.clone()),
            (
                "LANYARD_DEMO_VANITY_URL",
                first
                    .vanity
                    .as_ref()
                    .map(|v| format!("{}/vanity/{v}", self.https_url))
                    .unwrap_or_default(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }
}

/// Compares secrets without an early exit.
pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    lanyard_sigv4::signatures_match(a, b)
}

/// Writes a file atomically (temp file in the same directory, then rename) with mode 0600.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

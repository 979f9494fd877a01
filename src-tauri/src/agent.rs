//! Lanyard's two processes (issue #16). The **agent** (`lanyard-app`, what starts at login) lives
//! in the tray and never creates a web view: the tray, the background refresh, notifications,
//! the global shortcut, the clipboard and the credential endpoints are its. The **window
//! process** (`lanyard-app --window`) is started by the agent when a window is wanted and exits
//! once no window is shown and nothing it started is still running, taking WebKit and its
//! processes with it. Why two processes: a web view released inside a process that keeps
//! running leaves WebKit's network process and the UI side of WebKit behind (measured: 132 MiB
//! after closing, more than with the window open, because nothing shares those pages any more).
//!
//! The two talk over a socket pair the agent hands the window process as file descriptor 3:
//! JSON lines. The window calls the agent for what must outlive it (copying to the clipboard,
//! endpoints, background clones, preferences that live outside Lanyard) and tells it when
//! something changed on disk; the agent tells the window what to show and when sessions changed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::sync::{mpsc, oneshot};

use crate::AppState;
use crate::error::CmdError;

/// The file descriptor the window process finds its link to the agent on.
const LINK_FD: i32 = 3;

/// How this process runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// The tray process (the default).
    Agent,
    /// `--window`: the windows; `show` is what to show first.
    Window { show: Show },
}

/// A window the agent can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Show {
    /// The main window.
    Main,
    /// The main window, on its Settings view.
    Settings,
    /// The main window, on its Pull requests view.
    PullRequests,
    /// The quick switcher.
    Switcher,
}

impl Show {
    fn arg(self) -> &'static str {
        match self {
            Show::Main => "main",
            Show::Settings => "settings",
            Show::PullRequests => "pull-requests",
            Show::Switcher => "switcher",
        }
    }
}

impl Mode {
    /// From the command line: `--window [--show main|settings|switcher]`.
    pub fn from_args(args: &[String]) -> Mode {
        if !args.iter().any(|a| a == "--window") {
            return Mode::Agent;
        }
        let show = match args
            .iter()
            .position(|a| a == "--show")
            .and_then(|i| args.get(i + 1))
            .map(String::as_str)
        {
            Some("switcher") => Show::Switcher,
            Some("settings") => Show::Settings,
            Some("pull-requests") => Show::PullRequests,
            _ => Show::Main,
        };
        Mode::Window { show }
    }
}

/// What the window process asks the agent to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// `export AWS_PROFILE=…` to the clipboard; returns the line.
    CopyExport { profile: String },
    /// Text to the clipboard.
    CopyText { text: String },
    /// A profile's credentials to the clipboard; returns `CopiedCredentials`.
    CopyCredentials { profile: String },
    /// An endpoint's variables to the clipboard; returns the seconds until cleared.
    CopyEndpoint { profile: String },
    /// Starts or stops an endpoint; returns those running.
    Serve { profile: String, serve: bool },
    /// The endpoints running.
    Endpoints,
    /// Re-reads the preferences and applies start-at-login and the shortcut.
    ApplySettings,
    /// A clone with progress in the tray and a notification at the end.
    CloneInBackground {
        request: lanyard_core::codecommit::CloneRequest,
    },
    /// Identities, profiles or favourites changed on disk: the tray follows.
    Changed,
    /// The window revalidated or acted on pull requests: the tray's count and notices follow.
    PullRequestsChanged,
    /// Keep where the main window was left (the page's own JSON).
    RememberView { view: String },
    /// Where the main window was left; null before any window was open.
    RecallView,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
enum ToAgent {
    Call { id: u64, op: Op },
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub(crate) enum ToWindow {
    Show {
        show: Show,
    },
    SessionsChanged,
    EndpointsChanged,
    /// The tray process revalidated the pull requests.
    PullRequestsChanged,
    Reply {
        id: u64,
        ok: Option<serde_json::Value>,
        err: Option<CmdError>,
    },
}

type Pending = Mutex<HashMap<u64, oneshot::Sender<Result<serde_json::Value, CmdError>>>>;

/// The window process's end of the link (managed state; absent when it runs alone).
pub struct AgentLink {
    out: mpsc::UnboundedSender<String>,
    pending: Pending,
    next: AtomicU64,
}

impl AgentLink {
    /// Asks the agent and waits for its answer.
    pub async fn call<T: serde::de::DeserializeOwned>(&self, op: Op) -> Result<T, CmdError> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, tx);
        let line = serde_json::to_string(&ToAgent::Call { id, op }).map_err(gone)?;
        self.out.send(line).map_err(gone)?;
        let value = rx.await.map_err(gone)??;
        serde_json::from_value(value).map_err(gone)
    }

    /// Tells the agent, without waiting.
    pub fn tell(&self, op: Op) {
        if let Ok(line) = serde_json::to_string(&ToAgent::Call { id: 0, op }) {
            let _ = self.out.send(line);
        }
    }
}

/// Sends each message given to the returned sender as one line, in order, until the other end
/// closes. Call it inside a Tokio runtime (both tray processes and the window process are).
pub(crate) fn line_writer(
    mut write: tokio::net::unix::OwnedWriteHalf,
) -> mpsc::UnboundedSender<String> {
    let (out, mut rx) = mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        while let Some(mut line) = rx.recv().await {
            line.push('\n');
            if write.write_all(line.as_bytes()).await.is_err() {
                break;
            }
        }
    });
    out
}

fn gone(e: impl std::fmt::Display) -> CmdError {
    CmdError::unknown(format!("Lanyard's tray process did not answer ({e})"))
}

/// The link, when this is a window process started by the agent.
pub fn link<R: Runtime>(app: &AppHandle<R>) -> Option<tauri::State<'_, Arc<AgentLink>>> {
    app.try_state::<Arc<AgentLink>>()
}

/// The window process's link on fd 3, when the agent started it (`LANYARD_AGENT_FD=3`).
#[allow(unsafe_code)] // from_raw_fd: the one way to take over an inherited descriptor
pub fn inherited_link() -> Option<std::os::unix::net::UnixStream> {
    use std::os::fd::FromRawFd as _;
    if std::env::var("LANYARD_AGENT_FD").ok()? != LINK_FD.to_string() {
        return None;
    }
    // SAFETY: the agent put a socket on fd 3 of this process (and said so in the environment);
    // nothing else in this process opened or owns fd 3 this early in `run`.
    let stream = unsafe { std::os::unix::net::UnixStream::from_raw_fd(LINK_FD) };
    // Not inherited any further: git, the browser and terminals must not get it.
    // SAFETY: fcntl on a descriptor this process owns.
    unsafe {
        libc::fcntl(LINK_FD, libc::F_SETFD, libc::FD_CLOEXEC);
    }
    stream.set_nonblocking(true).ok()?;
    Some(stream)
}

/// Runs the window process's end: answers go to their callers, requests to show a window are
/// carried out, and the agent's end closing (Quit, a crash) ends this process.
pub fn serve_window<R: Runtime>(app: &AppHandle<R>, stream: std::os::unix::net::UnixStream) {
    let _guard = tauri::async_runtime::handle().inner().enter();
    let Ok(stream) = UnixStream::from_std(stream) else {
        return;
    };
    let (read, write) = stream.into_split();
    let out = line_writer(write);
    let link = Arc::new(AgentLink {
        out,
        pending: Mutex::default(),
        next: AtomicU64::new(1),
    });
    app.manage(link.clone());
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut lines = BufReader::new(read).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            match serde_json::from_str::<ToWindow>(&line) {
                Ok(ToWindow::Reply { id, ok, err }) => {
                    let waiting = link
                        .pending
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .remove(&id);
                    if let Some(tx) = waiting {
                        let _ = tx.send(match err {
                            Some(e) => Err(e),
                            None => Ok(ok.unwrap_or(serde_json::Value::Null)),
                        });
                    }
                }
                Ok(ToWindow::Show { show }) => crate::show_window(&app, show),
                Ok(ToWindow::SessionsChanged) => {
                    crate::events::emit_sessions(&app);
                }
                Ok(ToWindow::EndpointsChanged) => crate::events::emit_endpoints(&app),
                Ok(ToWindow::PullRequestsChanged) => crate::events::emit_pull_requests(&app),
                Err(e) => tracing::warn!("a message from the tray process was not understood: {e}"),
            }
        }
        tracing::info!("the tray process has gone: closing the window");
        app.exit(0);
    });
}

/// The agent's handle on the window process it started (when one runs).
#[derive(Default)]
pub struct WindowProcess {
    /// The link's writer while a window process runs (cleared when it ends).
    out: Arc<Mutex<Option<mpsc::UnboundedSender<String>>>>,
}

impl WindowProcess {
    /// Sends `msg` to the window process; false when none runs.
    pub(crate) fn send(&self, msg: &ToWindow) -> bool {
        let Ok(line) = serde_json::to_string(msg) else {
            return false;
        };
        self.out
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_some_and(|tx| tx.send(line).is_ok())
    }

    /// Starts `exe --window --show …` and answers its requests with `handle` on `rt` until it
    /// ends. Both tray processes (Tauri's and `lanyard-tray`) open their window through this.
    pub(crate) fn start<F, Fut>(
        &self,
        exe: &std::path::Path,
        show: Show,
        demo_env: Option<Vec<(String, String)>>,
        rt: &tokio::runtime::Handle,
        handle: F,
    ) -> std::io::Result<()>
    where
        F: Fn(Op) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<serde_json::Value, CmdError>> + Send + 'static,
    {
        let (ours, mut child) = start_window_process(exe, show, demo_env)?;
        tracing::info!(pid = child.id(), "started the window process");
        let _guard = rt.enter();
        let stream = UnixStream::from_std(ours)?;
        let (read, write) = stream.into_split();
        let out = line_writer(write);
        *self.out.lock().unwrap_or_else(|p| p.into_inner()) = Some(out.clone());
        // Forgets the link once the window process is gone. A window process started meanwhile
        // has its own writer there: leave it.
        let forget = {
            let (slot, out) = (self.out.clone(), out.clone());
            move || {
                let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
                if slot.as_ref().is_some_and(|tx| tx.same_channel(&out)) {
                    *slot = None;
                }
            }
        };
        // Reaped when it exits, and forgotten at once: a show asked for right after (the
        // shortcut pressed as the window closes) would otherwise go down the dead link until
        // the request loop below sees the end, and be lost.
        let reaped = forget.clone();
        std::thread::spawn(move || {
            let _ = child.wait();
            reaped();
        });
        rt.spawn(async move {
            serve_requests(read, out, handle).await;
            forget();
        });
        Ok(())
    }
}

/// Tells the window process (if one runs) that sessions changed.
pub fn sessions_changed<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.try_state::<WindowProcess>() {
        w.send(&ToWindow::SessionsChanged);
    }
}

/// Tells the window process (if one runs) that the tray process revalidated pull requests.
pub fn pull_requests_changed<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.try_state::<WindowProcess>() {
        w.send(&ToWindow::PullRequestsChanged);
    }
}

/// Tells the window process (if one runs) that the endpoints changed.
pub fn endpoints_changed<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.try_state::<WindowProcess>() {
        w.send(&ToWindow::EndpointsChanged);
    }
}

/// Shows a window: through the running window process, or by starting one.
pub fn show<R: Runtime>(app: &AppHandle<R>, show: Show) {
    let Some(w) = app.try_state::<WindowProcess>() else {
        return;
    };
    if w.send(&ToWindow::Show { show }) {
        return;
    }
    if let Err(e) = spawn_window(app, &w, show) {
        tracing::warn!("cannot open Lanyard's window: {e}");
        crate::notify(
            app,
            "Lanyard",
            &format!("Cannot open Lanyard's window: {e}"),
        );
    }
}

/// Starts `app --window --show …` with the link on its fd 3; returns our end of the link
/// (non-blocking) and the child.
#[allow(unsafe_code)] // pre_exec: dup2 is the way to place the link on fd 3 of the child
pub(crate) fn start_window_process(
    app: &std::path::Path,
    show: Show,
    demo_env: Option<Vec<(String, String)>>,
) -> std::io::Result<(std::os::unix::net::UnixStream, std::process::Child)> {
    use std::os::fd::AsRawFd as _;
    use std::os::unix::process::CommandExt as _;
    let (ours, theirs) = std::os::unix::net::UnixStream::pair()?;
    let mut cmd = std::process::Command::new(app);
    cmd.args(["--window", "--show", show.arg()])
        .env("LANYARD_AGENT_FD", LINK_FD.to_string())
        .stdin(std::process::Stdio::null());
    if let Some(env) = demo_env {
        cmd.arg("--demo").envs(env);
    }
    let fd = theirs.as_raw_fd();
    // SAFETY: between fork and exec only async-signal-safe calls: dup2 (which also clears
    // close-on-exec on the copy) and, when the socket is already fd 3, fcntl.
    unsafe {
        cmd.pre_exec(move || {
            if fd == LINK_FD {
                libc::fcntl(fd, libc::F_SETFD, 0);
            } else if libc::dup2(fd, LINK_FD) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn()?;
    drop(theirs);
    ours.set_nonblocking(true)?;
    Ok((ours, child))
}

/// Starts the window process and serves its requests.
fn spawn_window<R: Runtime>(
    app: &AppHandle<R>,
    w: &WindowProcess,
    show: Show,
) -> std::io::Result<()> {
    let exe = std::env::current_exe()?;
    let handler = app.clone();
    w.start(
        &exe,
        show,
        app.state::<AppState>().demo_env(),
        tauri::async_runtime::handle().inner(),
        move |op| {
            let app = handler.clone();
            async move { run(&app, op).await }
        },
    )
}

/// Answers a window process's requests with `handle`, each in its own task, until the link
/// closes (the window process ended).
pub(crate) async fn serve_requests<F, Fut>(
    read: tokio::net::unix::OwnedReadHalf,
    out: mpsc::UnboundedSender<String>,
    handle: F,
) where
    F: Fn(Op) -> Fut,
    Fut: std::future::Future<Output = Result<serde_json::Value, CmdError>> + Send + 'static,
{
    let mut lines = BufReader::new(read).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let Ok(ToAgent::Call { id, op }) = serde_json::from_str::<ToAgent>(&line) else {
            tracing::warn!("a message from the window process was not understood");
            continue;
        };
        let (answer, out) = (handle(op), out.clone());
        tokio::spawn(async move {
            let result = answer.await;
            if id != 0 {
                let (ok, err) = match result {
                    Ok(v) => (Some(v), None),
                    Err(e) => (None, Some(e)),
                };
                if let Ok(line) = serde_json::to_string(&ToWindow::Reply { id, ok, err }) {
                    let _ = out.send(line);
                }
            }
        });
    }
    tracing::info!("the window process has ended");
}

/// Carries out a window process's request in the agent.
async fn run<R: Runtime>(app: &AppHandle<R>, op: Op) -> Result<serde_json::Value, CmdError> {
    let json = |v: Result<serde_json::Value, serde_json::Error>| v.map_err(gone);
    let state = app.state::<AppState>();
    match op {
        Op::CopyExport { profile } => json(serde_json::to_value(
            crate::copy_export(app, &profile).map_err(CmdError::unknown)?,
        )),
        Op::CopyText { text } => {
            crate::copy_text(app, &text).map_err(CmdError::unknown)?;
            Ok(serde_json::Value::Null)
        }
        Op::CopyCredentials { profile } => json(serde_json::to_value(
            crate::copy_credentials(app, &state, &profile).await?,
        )),
        Op::CopyEndpoint { profile } => json(serde_json::to_value(
            crate::copy_endpoint(app, &profile).map_err(CmdError::unknown)?,
        )),
        Op::Serve { profile, serve } => json(serde_json::to_value(
            crate::serve_credentials(app, &state, &profile, serve).await?,
        )),
        Op::Endpoints => json(serde_json::to_value(state.service().serving())),
        Op::ApplySettings => {
            let settings = state.reload_settings();
            crate::apply_settings(app, &settings).map_err(CmdError::unknown)?;
            Ok(serde_json::Value::Null)
        }
        Op::CloneInBackground { request } => {
            crate::clone_in_background(app, request);
            Ok(serde_json::Value::Null)
        }
        Op::Changed => {
            #[cfg(desktop)]
            if let Ok(list) = state.statuses() {
                crate::tray::update(app, &list);
            }
            Ok(serde_json::Value::Null)
        }
        Op::PullRequestsChanged => {
            crate::pull_requests_checked(app, false);
            Ok(serde_json::Value::Null)
        }
        Op::RememberView { view } => {
            state.remember_view(view)?;
            Ok(serde_json::Value::Null)
        }
        Op::RecallView => json(serde_json::to_value(state.recall_view())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_from_the_command_line() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(Mode::from_args(&args(&["lanyard-app"])), Mode::Agent);
        assert_eq!(
            Mode::from_args(&args(&["lanyard-app", "--demo"])),
            Mode::Agent
        );
        assert_eq!(
            Mode::from_args(&args(&["lanyard-app", "--window"])),
            Mode::Window { show: Show::Main }
        );
        assert_eq!(
            Mode::from_args(&args(&["lanyard-app", "--window", "--show", "switcher"])),
            Mode::Window {
                show: Show::Switcher
            }
        );
    }

    #[test]
    fn messages_round_trip_as_json_lines() {
        let line = serde_json::to_string(&ToAgent::Call {
            id: 7,
            op: Op::Serve {
                profile: "acme-dev/Developer".into(),
                serve: true,
            },
        })
        .unwrap();
        assert!(!line.contains('\n'));
        let back: ToAgent = serde_json::from_str(&line).unwrap();
        assert!(matches!(
            back,
            ToAgent::Call {
                id: 7,
                op: Op::Serve { serve: true, .. }
            }
        ));
        let line = serde_json::to_string(&ToWindow::Show {
            show: Show::Switcher,
        })
        .unwrap();
        assert_eq!(line, r#"{"t":"show","show":"switcher"}"#);
    }
}

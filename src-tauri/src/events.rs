//! Names of app-wide events the shell emits, and the one place that emits session changes.
//! `ui/src/lib/api.ts` listens to the same names.

use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::AppState;

/// Asks the UI to show a view; payload: `"sessions" | "accounts" | "repositories" |
/// "pullRequests" | "settings"`.
pub const NAVIGATE: &str = "app://navigate";

/// The identities and their states changed; payload: `IdentityStatus[]`.
pub const SESSIONS_CHANGED: &str = "sessions://changed";

/// The credential endpoints the app runs changed; payload: `EndpointInfo[]`.
pub const ENDPOINTS_CHANGED: &str = "endpoints://changed";

/// The tray process revalidated pull requests; payload: `Inbox[]` (every cached inbox).
pub const PULL_REQUESTS_CHANGED: &str = "pull-requests://changed";

/// Tells the page (this process's windows) every cached pull-request inbox.
pub fn emit_pull_requests<R: Runtime>(app: &AppHandle<R>) {
    let _ = app.emit(
        PULL_REQUESTS_CHANGED,
        app.state::<AppState>().cached_pull_requests(),
    );
}

/// After the window revalidated or acted on pull requests: the tray (this process's or the
/// other's) shows the new count and tells what is new.
pub fn pull_requests_changed<R: Runtime>(app: &AppHandle<R>) {
    match crate::agent::link(app) {
        Some(link) => link.tell(crate::agent::Op::PullRequestsChanged),
        None => crate::pull_requests_checked(app, false),
    }
}

/// Tells the page (this process's windows) which endpoints run.
pub fn emit_endpoints<R: Runtime>(app: &AppHandle<R>) {
    let _ = app.emit(
        ENDPOINTS_CHANGED,
        app.state::<AppState>().service().serving(),
    );
}

/// Tells the page (this process's windows) the identities' states.
pub fn emit_sessions<R: Runtime>(
    app: &AppHandle<R>,
) -> Option<Vec<lanyard_core::sso::IdentityStatus>> {
    match app.state::<AppState>().statuses() {
        Ok(list) => {
            let _ = app.emit(SESSIONS_CHANGED, &list);
            Some(list)
        }
        Err(e) => {
            tracing::warn!("cannot list identities: {e}");
            None
        }
    }
}

/// Tells the UI, the tray and the other process that the running credential endpoints changed.
pub fn endpoints_changed<R: Runtime>(app: &AppHandle<R>) {
    emit_endpoints(app);
    #[cfg(desktop)]
    if let Ok(list) = app.state::<AppState>().statuses() {
        crate::tray::update(app, &list);
    }
    crate::agent::endpoints_changed(app);
}

/// Tells the UI, the tray and the other process that sessions changed.
pub fn sessions_changed<R: Runtime>(app: &AppHandle<R>) {
    #[cfg_attr(not(desktop), allow(unused_variables))]
    if let Some(list) = emit_sessions(app) {
        #[cfg(desktop)]
        crate::tray::update(app, &list);
    }
    // The agent tells its window process; a window process tells the agent (its tray).
    crate::agent::sessions_changed(app);
    if let Some(link) = crate::agent::link(app) {
        link.tell(crate::agent::Op::Changed);
    }
}

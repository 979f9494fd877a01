//! Names of app-wide events the shell emits, and the one place that emits session changes.
//! `ui/src/lib/api.ts` listens to the same names.

use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::AppState;

/// Asks the UI to show a view; payload: `"sessions" | "accounts" | "repositories" | "settings"`.
pub const NAVIGATE: &str = "app://navigate";

/// The identities and their states changed; payload: `IdentityStatus[]`.
pub const SESSIONS_CHANGED: &str = "sessions://changed";

/// The credential endpoints the app runs changed; payload: `EndpointInfo[]`.
pub const ENDPOINTS_CHANGED: &str = "endpoints://changed";

/// Tells the UI and the tray that the running credential endpoints changed.
pub fn endpoints_changed<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    let _ = app.emit(ENDPOINTS_CHANGED, state.service().serving());
    #[cfg(desktop)]
    if let Ok(list) = state.statuses() {
        crate::tray::update(app, &list);
    }
}

/// Tells the UI and the tray that sessions changed.
pub fn sessions_changed<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    match state.statuses() {
        Ok(list) => {
            let _ = app.emit(SESSIONS_CHANGED, &list);
            #[cfg(desktop)]
            crate::tray::update(app, &list);
        }
        Err(e) => tracing::warn!("cannot list identities: {e}"),
    }
}

//! Names of app-wide events the shell emits, and the one place that emits session changes.
//! `ui/src/lib/api.ts` listens to the same names.

use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::AppState;

/// Asks the UI to show a view; payload: `"sessions" | "accounts" | "repositories" | "settings"`.
pub const NAVIGATE: &str = "app://navigate";

/// The identities and their states changed; payload: `IdentityStatus[]`.
pub const SESSIONS_CHANGED: &str = "sessions://changed";

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

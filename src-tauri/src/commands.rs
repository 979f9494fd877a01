//! Tauri commands: thin adapters over `AppState`/`lanyard-core`. Names match `ui/src/lib/api.ts`.

use lanyard_core::sso::{IdentityInput, IdentityStatus, LoginMethod, LoginStep, LogoutReport};
use lanyard_core::view::AppInfo;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use crate::{AppState, error::CmdError, events};

/// Version, platform and the paths Lanyard reads and writes.
#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> Result<AppInfo, CmdError> {
    Ok(state.info())
}

/// Every identity with its session state.
#[tauri::command]
pub async fn list_identities(state: State<'_, AppState>) -> Result<Vec<IdentityStatus>, CmdError> {
    Ok(state.statuses()?)
}

/// Adds or edits a Lanyard-managed identity.
#[tauri::command]
pub async fn save_identity<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>, input: IdentityInput) -> Result<IdentityStatus, CmdError> {
    let saved = state.save_identity(input)?;
    events::sessions_changed(&app);
    Ok(saved)
}

/// Signs out of and removes a Lanyard-managed identity.
#[tauri::command]
pub async fn remove_identity<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>, session: String) -> Result<(), CmdError> {
    state.remove_identity(&session).await?;
    events::sessions_changed(&app);
    Ok(())
}

/// Signs in, reporting progress on `on_step`.
#[tauri::command]
pub async fn sign_in<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    session: String,
    method: LoginMethod,
    on_step: Channel<LoginStep>,
) -> Result<IdentityStatus, CmdError> {
    let result = state.sign_in(&session, method, &|url| crate::open_in_browser(&app, url), &|s| drop(on_step.send(s))).await;
    events::sessions_changed(&app);
    Ok(result?)
}

/// Cancels a sign-in in progress.
#[tauri::command]
pub async fn cancel_sign_in(state: State<'_, AppState>, session: String) -> Result<(), CmdError> {
    state.cancel_sign_in(&session);
    Ok(())
}

/// Signs out: portal Logout, then the cached token and keyring items are removed.
#[tauri::command]
pub async fn sign_out<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>, session: String) -> Result<LogoutReport, CmdError> {
    let report = state.sign_out(&session).await?;
    events::sessions_changed(&app);
    Ok(report)
}

/// Opens an http(s) URL in the system browser.
#[tauri::command]
pub async fn open_url<R: Runtime>(app: AppHandle<R>, url: String) -> Result<(), CmdError> {
    if crate::open_in_browser(&app, &url) {
        Ok(())
    } else {
        Err(CmdError::unknown(format!("could not open a browser for {url}; copy the link instead")))
    }
}

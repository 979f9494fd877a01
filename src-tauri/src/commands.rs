//! Tauri commands: one-line adapters over `lanyard-core`. Names match `ui/src/lib/api.ts`.

use lanyard_core::view::AppInfo;
use tauri::State;

use crate::{AppState, error::CmdError};

/// Version, platform and the paths Lanyard reads and writes.
#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> Result<AppInfo, CmdError> {
    Ok(state.info())
}

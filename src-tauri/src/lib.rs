//! Lanyard's desktop shell: a thin Tauri layer over `lanyard-core`. Commands are one-line
//! adapters (`commands`), app state lives in `state`, the tray in `tray`, event names in `events`.

mod commands;
mod error;
pub mod events;
mod state;
#[cfg(desktop)]
mod tray;

use std::time::Duration;

use tauri::{AppHandle, Builder, Manager, RunEvent, Runtime, WindowEvent};
use tauri_plugin_opener::OpenerExt;

pub use state::AppState;

/// Registers state, commands and window behaviour on a builder (tests pass a mock builder).
pub fn build<R: Runtime>(builder: Builder<R>, state: AppState) -> Builder<R> {
    builder
        .manage(state)
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::list_identities,
            commands::save_identity,
            commands::remove_identity,
            commands::sign_in,
            commands::cancel_sign_in,
            commands::sign_out,
            commands::open_url,
            commands::cached_accounts,
            commands::discover_accounts,
            commands::get_profile_settings,
            commands::plan_profiles,
            commands::apply_profiles,
            commands::list_favourites,
            commands::set_favourite,
            commands::preview_offboard,
            commands::offboard,
            commands::cached_repositories,
            commands::scan_repositories,
            commands::clone_repository,
            commands::cancel_clone,
            commands::recent_clones,
            commands::helper_status,
            commands::open_folder,
        ])
        .on_window_event(|window, event| {
            // Closing the window hides it; the tray keeps Lanyard running until Quit.
            if let WindowEvent::CloseRequested { api, .. } = event {
                if window.label() == "main" {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
}

/// Starts the desktop app.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(lanyard_core::logging::filter_directives(
            &std::env::var("LANYARD_LOG").unwrap_or_else(|_| "lanyard_app=info,lanyard_core=info".into()),
        )))
        .init();
    let demo = std::env::args().any(|a| a == "--demo");
    let state = match AppState::from_env(demo) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("lanyard-app: {e}");
            std::process::exit(1);
        }
    };
    build(tauri::Builder::default(), state)
        .setup(|app| {
            #[cfg(desktop)]
            tray::create(app.handle())?;
            spawn_refresher(app.handle().clone());
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.set_focus();
            }
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("error while building Lanyard")
        .run(|_app, event| {
            // With the window hidden there are no windows left; stay alive in the tray.
            // An explicit exit (tray Quit, a signal) carries a code and is let through.
            if let RunEvent::ExitRequested { api, code: None, .. } = event {
                api.prevent_exit();
            }
        });
}

/// Keeps every session fresh in the background and the tray's countdown current.
fn spawn_refresher<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(30));
        loop {
            tick.tick().await;
            if app.state::<AppState>().refresh_all().await {
                events::sessions_changed(&app);
            } else {
                #[cfg(desktop)]
                if let Ok(list) = app.state::<AppState>().statuses() {
                    tray::update(&app, &list);
                }
            }
        }
    });
}

/// Opens a URL in the system browser; false when there is no way to show one (no display).
pub(crate) fn open_in_browser<R: Runtime>(app: &AppHandle<R>, url: &str) -> bool {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return false;
    }
    // $BROWSER first, as the CLI (and most Unix tools) do; xdg-open ignores it for URLs.
    if let Some(browser) = std::env::var("BROWSER").ok().and_then(|b| b.split(':').next().map(str::to_owned)).filter(|b| !b.is_empty()) {
        let mut parts = browser.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        let program = parts.remove(0);
        let has_placeholder = parts.iter().any(|p| p.contains("%s"));
        let mut args: Vec<String> = parts.into_iter().map(|p| p.replace("%s", url)).collect();
        if !has_placeholder {
            args.push(url.to_owned());
        }
        return match std::process::Command::new(program).args(args).spawn() {
            Ok(mut child) => {
                std::thread::spawn(move || child.wait()); // reap it; its exit code says nothing about the sign-in
                true
            }
            Err(_) => false,
        };
    }
    if cfg!(target_os = "linux") && std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        return false;
    }
    app.opener().open_url(url, None::<&str>).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets};
    use tauri::webview::InvokeRequest;

    /// Every registered command is in the app manifest (build.rs) and allowed for the main
    /// window: a command missing from either is refused at run time ("not allowed").
    #[test]
    fn every_command_is_declared_and_allowed() {
        let lib = include_str!("lib.rs");
        let start = lib.find("generate_handler![").expect("handler list") + "generate_handler![".len();
        let registered: std::collections::BTreeSet<String> =
            lib[start..start + lib[start..].find(']').unwrap()].split(',').map(|c| c.trim().trim_start_matches("commands::").to_owned()).filter(|c| !c.is_empty()).collect();
        let build = include_str!("../build.rs");
        let declared: std::collections::BTreeSet<String> = build.split('"').skip(1).step_by(2).filter(|s| s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')).map(str::to_owned).collect();
        assert_eq!(registered, declared, "build.rs AppManifest::commands");
        let caps: serde_json::Value = serde_json::from_str(include_str!("../capabilities/default.json")).unwrap();
        let allowed: std::collections::BTreeSet<String> = caps["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str()?.strip_prefix("allow-").map(|c| c.replace('-', "_")))
            .collect();
        assert_eq!(registered, allowed, "capabilities/default.json");
    }

    fn invoke(cmd: &str) -> Result<serde_json::Value, serde_json::Value> {
        invoke_with(cmd, serde_json::json!({}))
    }

    fn invoke_with(cmd: &str, args: serde_json::Value) -> Result<serde_json::Value, serde_json::Value> {
        let dir = tempfile_dir();
        let ctx = lanyard_core::sso::SsoContext::new(
            lanyard_core::Paths::sandboxed(&dir),
            Default::default(),
            std::sync::Arc::new(lanyard_core::secret::MemoryStore::default()),
        );
        let app = build(mock_builder(), AppState::new(ctx, true))
            .build(mock_context(noop_assets()))
            .unwrap();
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
        get_ipc_response(
            &webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: tauri::ipc::InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<serde_json::Value>().unwrap())
    }

    fn tempfile_dir() -> std::path::PathBuf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        std::env::temp_dir().join(format!("lanyard-shell-test-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst)))
    }

    #[test]
    fn app_info_is_registered_and_camel_cased() {
        let v = invoke("app_info").expect("app_info answers");
        assert_eq!(v["demo"], true);
        assert!(v["awsConfigFile"].as_str().unwrap().ends_with(".aws/config"));
        assert_eq!(v["version"], lanyard_core::VERSION);
    }

    #[test]
    fn identities_start_empty_and_bad_input_is_a_coded_error() {
        assert_eq!(invoke("list_identities").unwrap(), serde_json::json!([]));
        let err = invoke_with("save_identity", serde_json::json!({"input": {"session": "acme", "startUrl": "http://x", "region": "us-east-1", "scopes": []}})).unwrap_err();
        assert_eq!(err["code"], "InvalidInput");
        assert!(err["message"].as_str().unwrap().contains("https://"));
        let err = invoke_with("sign_out", serde_json::json!({"session": "ghost"})).unwrap_err();
        assert_eq!(err["code"], "InvalidInput");
    }

    #[test]
    fn unknown_command_is_rejected() {
        assert!(invoke("no_such_command").is_err());
    }
}

/// Lanyard's own `git-remote-codecommit`, shipped next to the app binary.
pub(crate) fn helper_binary() -> std::path::PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join(lanyard_core::codecommit::helper::HELPER_NAME)))
        .unwrap_or_default()
}

/// Opens a local folder (a clone) in the file manager; only folders Lanyard cloned into.
pub(crate) fn open_path<R: Runtime>(app: &AppHandle<R>, path: &str) -> Result<(), String> {
    let state = app.state::<AppState>();
    if !state.recent_clones().iter().any(|c| c.path == path) && !std::path::Path::new(path).starts_with(state.clone_root()) {
        return Err(format!("{path} is not a folder Lanyard cloned"));
    }
    if !std::path::Path::new(path).is_dir() {
        return Err(format!("{path} no longer exists"));
    }
    app.opener().open_path(path, None::<&str>).map_err(|e| format!("could not open {path}: {e}"))
}

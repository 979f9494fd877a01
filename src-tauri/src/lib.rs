//! Lanyard's desktop shell: a thin Tauri layer over `lanyard-core`. Commands are one-line
//! adapters (`commands`), app state lives in `state`, the tray in `tray`, event names in `events`.

mod commands;
mod error;
pub mod events;
mod state;
#[cfg(desktop)]
mod tray;

use tauri::{Builder, Manager, RunEvent, Runtime, WindowEvent};

pub use state::AppState;

/// Registers state, commands and window behaviour on a builder (tests pass a mock builder).
pub fn build<R: Runtime>(builder: Builder<R>, state: AppState) -> Builder<R> {
    builder
        .manage(state)
        .invoke_handler(tauri::generate_handler![commands::app_info])
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

#[cfg(test)]
mod tests {
    use super::*;
    use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets};
    use tauri::webview::InvokeRequest;

    fn invoke(cmd: &str) -> Result<serde_json::Value, serde_json::Value> {
        let dir = tempfile_dir();
        let app = build(mock_builder(), AppState::with_paths(lanyard_core::Paths::sandboxed(&dir), true))
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
                body: tauri::ipc::InvokeBody::default(),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<serde_json::Value>().unwrap())
    }

    fn tempfile_dir() -> std::path::PathBuf {
        std::env::temp_dir().join(format!("lanyard-shell-test-{}", std::process::id()))
    }

    #[test]
    fn app_info_is_registered_and_camel_cased() {
        let v = invoke("app_info").expect("app_info answers");
        assert_eq!(v["demo"], true);
        assert!(v["awsConfigFile"].as_str().unwrap().ends_with(".aws/config"));
        assert_eq!(v["version"], lanyard_core::VERSION);
    }

    #[test]
    fn unknown_command_is_rejected() {
        assert!(invoke("no_such_command").is_err());
    }
}

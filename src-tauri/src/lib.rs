//! Lanyard's desktop shell: a thin Tauri layer over `lanyard-core`. Commands are one-line
//! adapters (`commands`), app state lives in `state`, the tray in `tray`, event names in `events`.

pub mod agent;
mod commands;
mod error;
pub mod events;
#[cfg(target_os = "linux")]
mod hotkey;
#[cfg(target_os = "linux")]
pub mod native;
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
            commands::resolve_start_url,
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
            commands::cached_pull_requests,
            commands::refresh_pull_requests,
            commands::approve_pull_request,
            commands::checkout_pull_request,
            commands::open_pull_request,
            commands::scan_repositories,
            commands::clone_repository,
            commands::cancel_clone,
            commands::recent_clones,
            commands::helper_status,
            commands::open_folder,
            commands::get_settings,
            commands::save_settings,
            commands::diagnostics,
            commands::open_console,
            commands::copy_export,
            commands::copy_credentials,
            commands::open_terminal,
            commands::serve_credentials,
            commands::list_endpoints,
            commands::copy_endpoint,
            commands::switcher_entries,
            commands::hide_switcher,
            commands::clone_in_background,
            commands::copy_text,
            commands::ui_ready,
            commands::ui_timing,
            commands::remember_view,
            commands::recall_view,
        ])
        .on_page_load(|webview, payload| {
            tracing::debug!(
                window = webview.label(),
                "page load {:?} {} ms after start",
                payload.event(),
                since_start()
            );
            if webview.label() == "main"
                && payload.event() == tauri::webview::PageLoadEvent::Finished
            {
                show_main_once(webview.app_handle());
            }
        })
        .on_window_event(|window, event| match event {
            // Closing the window hides it; once no window shows and no task runs, the window
            // process ends (`window_hidden`) and the tray process keeps Lanyard running.
            WindowEvent::CloseRequested { api, .. }
                if window.label() == "main" || window.label() == SWITCHER =>
            {
                tracing::debug!(window = window.label(), "close requested: hiding");
                api.prevent_close();
                let _ = window.hide();
                window_hidden(window.app_handle());
            }
            // The switcher is a popover: it goes away when focus leaves it.
            WindowEvent::Focused(false) if window.label() == SWITCHER => {
                let _ = window.hide();
                window_hidden(window.app_handle());
            }
            _ => {}
        })
}

/// Returns freed memory to the system. Without it glibc keeps freed pages for later reuse: the
/// tray process stayed 8 MiB heavier after one use of the switcher over 3,000 profiles, and the
/// window process 6 MiB heavier after its start-up's reads.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)] // malloc_trim: glibc's own call for this; no pointers are involved
pub(crate) fn give_back_freed_memory() {
    // SAFETY: malloc_trim only releases free pages of the allocator's arenas.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// When the process started (for the "first paint" log line).
pub(crate) static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// The same moment on the wall clock (the page's `performance.timeOrigin` is one).
pub(crate) static STARTED_WALL: std::sync::OnceLock<std::time::SystemTime> =
    std::sync::OnceLock::new();

/// Shows the main window the first time its page has loaded (or, failing that, a few seconds
/// after start). Why not at once: WebKitGTK's first draw of an empty web view blocks the main
/// thread for up to 500 ms waiting for a frame the page cannot render yet, because loading the
/// page needs that same thread (measured: navigation started ~500 ms later). Hidden until loaded,
/// the window's first frame is the page.
pub(crate) fn show_main_once<R: Runtime>(app: &AppHandle<R>) {
    static SHOWN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !SHOWN.swap(true, std::sync::atomic::Ordering::SeqCst)
        && let Some(w) = app.get_webview_window("main")
    {
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// The tray process's start: the tray, then the preferences that live outside Lanyard (start at
/// login, the global shortcut).
fn start_tray<R: Runtime>(app: &AppHandle<R>) {
    #[cfg(desktop)]
    if let Err(e) = tray::create(app) {
        tracing::warn!("cannot create the tray icon: {e}");
    }
    let settings = app.state::<AppState>().settings();
    if let Err(e) = apply_settings(app, &settings) {
        tracing::warn!("{e}");
    }
    tracing::debug!("tray and preferences {} ms after start", since_start());
}

/// Linux: the tray process is `lanyard-tray` (no WebKit, see `native.rs`); this process becomes
/// it (exec: same pid, same arguments). Without it beside this binary (a partial build), the
/// tray runs here as before.
#[cfg(target_os = "linux")]
fn hand_over_to_tray(args: &[String]) {
    use std::os::unix::process::CommandExt as _;
    let Some(tray) = beside_app("lanyard-tray").filter(|p| p.is_file()) else {
        return;
    };
    let err = std::process::Command::new(&tray).args(&args[1..]).exec();
    eprintln!("lanyard-app: cannot start {}: {err}", tray.display());
}

/// Milliseconds since the process started (start-up timings in the log).
pub(crate) fn since_start() -> u128 {
    STARTED.get().map_or(0, |t| t.elapsed().as_millis())
}

/// The main window's configuration (tauri.conf.json), created when a window process wants it.
static MAIN_CONFIG: std::sync::OnceLock<tauri::utils::config::WindowConfig> =
    std::sync::OnceLock::new();

/// Starts the desktop app: the tray process, or (`--window`) the window process it starts.
pub fn run() {
    STARTED.get_or_init(std::time::Instant::now);
    STARTED_WALL.get_or_init(std::time::SystemTime::now);
    let args: Vec<String> = std::env::args().collect();
    let mode = agent::Mode::from_args(&args);
    #[cfg(target_os = "linux")]
    if mode == agent::Mode::Agent {
        hand_over_to_tray(&args);
    }
    let link = match mode {
        agent::Mode::Agent => None,
        agent::Mode::Window { .. } => match agent::inherited_link() {
            Some(l) => Some(l),
            None => {
                eprintln!(
                    "lanyard-app: --window is started by Lanyard's tray process; run lanyard-app"
                );
                std::process::exit(2);
            }
        },
    };
    // In the tray process too: it draws no web page, but GTK would still load Mesa's GL (and
    // LLVM with it) for nothing — measured 99 → 68 MiB PSS there. The window process inherits
    // the choice.
    let rendering = choose_rendering();
    let logs = init_logging();
    if let Some(why) = rendering {
        tracing::info!("WebKit draws on the CPU: {why} (LANYARD_GPU=1 uses the GPU path anyway)");
    }
    let demo = args.iter().any(|a| a == "--demo");
    let state = match &mode {
        agent::Mode::Window { .. } if demo => AppState::for_demo_window(),
        agent::Mode::Window { .. } => AppState::from_env(None),
        agent::Mode::Agent => {
            let emulator = if demo {
                match tauri::async_runtime::block_on(start_demo_emulator()) {
                    Ok(emu) => Some(emu),
                    Err(e) => {
                        eprintln!("lanyard-app: cannot start the demo emulator: {e:#}");
                        std::process::exit(1);
                    }
                }
            } else {
                None
            };
            AppState::from_env(emulator)
        }
    };
    let state = match state {
        Ok(s) => s,
        Err(e) => {
            eprintln!("lanyard-app: {e}");
            std::process::exit(1);
        }
    };
    *state.log_dir.lock().unwrap_or_else(|p| p.into_inner()) = logs;
    tracing::debug!("state ready {} ms after start", since_start());
    let mut context = tauri::generate_context!();
    // No window at start: the tray process never has one, the window process makes the one
    // it was asked for.
    if let Some(main) = context.config_mut().app.windows.drain(..).next() {
        let _ = MAIN_CONFIG.set(main);
    }
    // Before any window exists: a signal that arrives while the app starts must not kill it.
    let signals = listen_for_signals();
    let builder = match &mode {
        agent::Mode::Agent => agent_plugins(tauri::Builder::default()),
        agent::Mode::Window { .. } => tauri::Builder::default()
            // Size and position are remembered; visibility is not (a window closed to the
            // tray must still open at the next start).
            .plugin(
                tauri_plugin_window_state::Builder::default()
                    .with_denylist(&[SWITCHER])
                    .with_state_flags(
                        tauri_plugin_window_state::StateFlags::all()
                            - tauri_plugin_window_state::StateFlags::VISIBLE,
                    )
                    .build(),
            )
            .plugin(tauri_plugin_notification::init()),
    };
    let hidden = args.iter().any(|a| a == "--hidden");
    build(builder, state)
        .setup(move |app| {
            tracing::debug!("setup {} ms after start", since_start());
            spawn_signal_exit(app.handle().clone(), signals);
            match (&mode, link) {
                (agent::Mode::Window { show }, Some(link)) => {
                    agent::serve_window(app.handle(), link);
                    show_window(app.handle(), *show);
                    let handle = app.handle().clone();
                    tauri::async_runtime::spawn(async move {
                        tokio::time::sleep(Duration::from_secs(3)).await;
                        show_main_once(&handle);
                    });
                }
                _ => {
                    app.manage(agent::WindowProcess::default());
                    spawn_refresher(app.handle().clone());
                    start_tray(app.handle());
                    if !hidden {
                        agent::show(app.handle(), agent::Show::Main);
                    }
                }
            }
            tracing::debug!("setup done {} ms after start", since_start());
            Ok(())
        })
        .build(context)
        .expect("error while building Lanyard")
        .run(|_app, event| {
            // With no window there are no windows left; stay alive in the tray (a window
            // process ends through `window_hidden`). An explicit exit (tray Quit, a signal)
            // carries a code and is let through.
            if let RunEvent::ExitRequested {
                api, code: None, ..
            } = event
            {
                api.prevent_exit();
            }
        });
}

/// The tray process's plugins: single instance, start at login, notifications, the clipboard
/// and the global shortcut.
fn agent_plugins(mut builder: Builder<tauri::Wry>) -> Builder<tauri::Wry> {
    // Single instance first: a second launch only shows the window of the first (and exits).
    // The end-to-end harness runs many sandboxed apps in one D-Bus session and opts out with
    // LANYARD_MULTI_INSTANCE=1 (its single-instance test does not).
    if std::env::var_os("LANYARD_MULTI_INSTANCE").is_none_or(|v| v != "1") {
        builder = builder.plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            tracing::info!("a second launch: showing the running Lanyard");
            agent::show(app, agent::Show::Main);
        }));
    }
    let builder = builder
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            None,
        ))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_clipboard_manager::init());
    #[cfg(not(target_os = "linux"))]
    let builder = builder.plugin(
        tauri_plugin_global_shortcut::Builder::new()
            .with_handler(|app, _shortcut, event| {
                if event.state == tauri_plugin_global_shortcut::ShortcutState::Pressed {
                    agent::show(app, agent::Show::Switcher);
                }
            })
            .build(),
    );
    builder
}

/// In a window process: shows the window the tray process asked for (made if needed).
pub(crate) fn show_window<R: Runtime>(app: &AppHandle<R>, show: agent::Show) {
    let handle = app.clone();
    let _ = app.run_on_main_thread(move || match show {
        agent::Show::Switcher => show_switcher(&handle),
        agent::Show::Main | agent::Show::Settings | agent::Show::PullRequests => {
            let view = match show {
                agent::Show::Settings => Some("settings"),
                agent::Show::PullRequests => Some("pullRequests"),
                _ => None,
            };
            if view.is_some() {
                *PENDING_VIEW.lock().unwrap_or_else(|p| p.into_inner()) = view;
            }
            match handle.get_webview_window("main") {
                Some(w) => {
                    let _ = w.show();
                    let _ = w.unminimize();
                    let _ = w.set_focus();
                    navigate_pending(&handle);
                }
                None => {
                    let Some(config) = MAIN_CONFIG.get() else {
                        return;
                    };
                    // Shown once its page has loaded (`show_main_once`, `on_page_load`).
                    if let Err(e) = tauri::WebviewWindowBuilder::from_config(&handle, config)
                        .and_then(|b| b.build())
                    {
                        tracing::warn!("cannot open the main window: {e}");
                    }
                }
            }
        }
    });
}

/// A view the tray asked for before the page could hear it (shown once it has painted).
static PENDING_VIEW: std::sync::Mutex<Option<&'static str>> = std::sync::Mutex::new(None);

/// Sends the page to the view the tray asked for, if any.
pub(crate) fn navigate_pending<R: Runtime>(app: &AppHandle<R>) {
    use tauri::Emitter as _;
    if let Some(view) = PENDING_VIEW
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
    {
        let _ = app.emit(events::NAVIGATE, view);
    }
}

/// How long a window process with no window shown waits before it ends.
const HIDDEN_GRACE: Duration = Duration::from_secs(5);

/// A window was hidden: when none shows any more, the window process ends — at once, or when
/// the last task the user started (a sign-in, a scan, a clone) has ended.
pub(crate) fn window_hidden<R: Runtime>(app: &AppHandle<R>) {
    static WATCHING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if agent::link(app).is_none() || WATCHING.swap(true, std::sync::atomic::Ordering::SeqCst) {
        tracing::debug!("window hidden (no agent link, or already watching)");
        return;
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        // A grace period: a window closed by mistake comes back at once, and work a page
        // started just as it closed still counts.
        let mut wait = HIDDEN_GRACE;
        loop {
            tokio::time::sleep(wait).await;
            let shown = app
                .webview_windows()
                .values()
                .any(|w| w.is_visible().unwrap_or(false));
            if shown {
                tracing::debug!("a window is shown again: the window process stays");
                break;
            }
            if !app.state::<AppState>().busy() {
                tracing::info!("no window is shown: the window process ends");
                app.exit(0);
                break;
            }
            wait = Duration::from_secs(1);
        }
        WATCHING.store(false, std::sync::atomic::Ordering::SeqCst);
    });
}

/// Without a GPU (no DRM render node: VMs, containers, remote and virtual displays), WebKitGTK's
/// GPU path runs on Mesa's software rasterizer: measured under Xvfb, it compiles shaders with LLVM
/// at start and holds 75 MiB more than drawing on the CPU, for a slower first frame. So there,
/// Lanyard asks WebKit (and GTK) to draw on the CPU — unless the user set either knob or
/// LANYARD_GPU=1. Returns why, when it did. Must run before any thread exists (it sets the
/// environment WebKit and GTK read at start, and the web processes inherit).
#[allow(unsafe_code)] // set_var: sound only before any thread exists (see SAFETY below)
pub fn choose_rendering() -> Option<&'static str> {
    #[cfg(target_os = "linux")]
    {
        let set = |k: &str| std::env::var_os(k).is_some();
        if set("LANYARD_GPU")
            || set("WEBKIT_DISABLE_COMPOSITING_MODE")
            || set("WEBKIT_FORCE_COMPOSITING_MODE")
        {
            return None;
        }
        let has_render_node = std::fs::read_dir("/dev/dri").is_ok_and(|d| {
            d.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
        });
        if has_render_node {
            return None;
        }
        // SAFETY: called first thing in `run`, while the process has one thread, so nothing can
        // read the environment concurrently.
        unsafe {
            std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
            if !set("GDK_GL") {
                std::env::set_var("GDK_GL", "disable");
            }
        }
        Some("no GPU render node in /dev/dri")
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// Logs to stderr and to a daily-rotated file in the data directory (7 kept), both through the
/// redactor. Returns the log directory.
pub(crate) fn init_logging() -> Option<std::path::PathBuf> {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = || {
        tracing_subscriber::EnvFilter::new(lanyard_core::logging::filter_directives(
            &std::env::var("LANYARD_LOG")
                .unwrap_or_else(|_| "lanyard_app=info,lanyard_core=info".into()),
        ))
    };
    let paths = lanyard_core::Paths::from_env(|k| std::env::var_os(k)).ok();
    let dir = paths.as_ref().map(|p| p.data_dir.join("logs"));
    let file = dir.as_ref().and_then(|d| {
        // Only this user may read Lanyard's data and logs (the appender's files get the
        // default umask; the folder keeps others out). The appender prunes old files at start
        // and complains when the folder is missing.
        if let Some(p) = &paths {
            let _ = lanyard_core::fsx::make_private_dir(&p.data_dir);
        }
        lanyard_core::fsx::make_private_dir(d).ok()?;
        tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix("lanyard")
            .filename_suffix("log")
            .max_log_files(7)
            .build(d)
            .ok()
    });
    // No colours: escape codes between a field's name and value would hide it from the redactor.
    let stderr = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(lanyard_core::logwriter::Redacting(std::io::stderr))
        .with_filter(filter());
    let registry = tracing_subscriber::registry().with(stderr);
    match file {
        Some(f) => {
            let layer = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(lanyard_core::logwriter::Redacting(std::sync::Mutex::new(f)))
                .with_filter(filter());
            registry.with(layer).init();
            dir
        }
        None => {
            registry.init();
            None
        }
    }
}

/// The demo world on loopback, in this process.
pub(crate) async fn start_demo_emulator() -> anyhow::Result<lanyard_emulator::Emulator> {
    let mut cfg = lanyard_emulator::Config::new(lanyard_emulator::World::demo());
    // `LANYARD_DEMO_AUTO_APPROVE=1` (tests) skips the consent page.
    cfg.auto_approve = std::env::var_os("LANYARD_DEMO_AUTO_APPROVE").is_some_and(|v| v == "1");
    let emu = lanyard_emulator::Emulator::start(cfg).await?;
    tracing::info!(
        "demo mode: the built-in emulator serves {} (sign-in pages open in your browser)",
        emu.http_url
    );
    Ok(emu)
}

/// The quick switcher window's label.
pub const SWITCHER: &str = "switcher";

/// Shows the quick switcher (created on first use: a second web view costs memory).
pub fn show_switcher<R: Runtime>(app: &AppHandle<R>) {
    let window = match app.get_webview_window(SWITCHER) {
        Some(w) => w,
        None => match tauri::WebviewWindowBuilder::new(
            app,
            SWITCHER,
            tauri::WebviewUrl::App("switcher.html".into()),
        )
        .title("Lanyard — Quick switch")
        .inner_size(640.0, 420.0)
        .resizable(false)
        .decorations(false)
        .always_on_top(true)
        .skip_taskbar(true)
        .center()
        .visible(false)
        .build()
        {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!("cannot open the quick switcher: {e}");
                return;
            }
        },
    };
    let _ = window.center();
    let _ = window.show();
    let _ = window.set_focus();
}

/// Hides the quick switcher.
pub fn hide_switcher<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window(SWITCHER) {
        let _ = w.hide();
        window_hidden(app);
    }
}

/// Applies the preferences that live outside Lanyard: start at login, the global shortcut.
pub(crate) fn apply_settings<R: Runtime>(
    app: &AppHandle<R>,
    s: &lanyard_core::settings::AppSettings,
) -> Result<(), String> {
    // Demo mode changes nothing outside its sandbox: not the real start-at-login entry, not
    // the global shortcut a real Lanyard may hold.
    if app.try_state::<AppState>().is_some_and(|s| s.info().demo) {
        return Ok(());
    }
    let Some(autostart) = app.try_state::<tauri_plugin_autostart::AutoLaunchManager>() else {
        return Ok(());
    };
    switch_start_at_login(
        s.start_at_login,
        autostart.is_enabled().unwrap_or(false),
        || autostart.enable(),
        || autostart.disable(),
    )?;
    set_shortcut(app, &s.switcher_shortcut).map_err(|e| unusable_shortcut(&s.switcher_shortcut, &e))
}

/// What Settings says when the switcher's shortcut cannot be registered.
pub(crate) fn unusable_shortcut(shortcut: &str, why: &str) -> String {
    format!(
        "the quick-switcher shortcut {shortcut} cannot be used ({why}); pick another in Settings"
    )
}

/// Whether notifications are on in Settings; a notification left out is logged (the tests read
/// it), one shown too.
pub(crate) fn notifications_on(state: &AppState, title: &str) -> bool {
    if !state.settings().notifications {
        tracing::debug!(title, "notification off in Settings");
        return false;
    }
    tracing::info!(title, "notification");
    true
}

/// Turns start-at-login on or off when it is not already (`enable`/`disable` write the entry).
pub(crate) fn switch_start_at_login<E: std::fmt::Display>(
    on: bool,
    is_on: bool,
    enable: impl FnOnce() -> Result<(), E>,
    disable: impl FnOnce() -> Result<(), E>,
) -> Result<(), String> {
    if on == is_on {
        return Ok(());
    }
    // The autostart crate writes ~/.config/autostart/*.desktop but does not create the folder.
    #[cfg(target_os = "linux")]
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".config")))
    {
        let _ = std::fs::create_dir_all(dir.join("autostart"));
    }
    let r = if on { enable() } else { disable() };
    r.map_err(|e| {
        format!(
            "could not {} start at login: {e}",
            if on { "turn on" } else { "turn off" }
        )
    })
}

/// Replaces the global shortcut that opens the quick switcher ("" = none).
#[cfg(target_os = "linux")]
fn set_shortcut<R: Runtime>(app: &AppHandle<R>, shortcut: &str) -> Result<(), String> {
    if app.try_state::<hotkey::Slot>().is_none() {
        app.manage(hotkey::Slot::default());
    }
    let handle = app.clone();
    app.state::<hotkey::Slot>().set(shortcut, move || {
        agent::show(&handle, agent::Show::Switcher)
    })
}

/// Replaces the global shortcut that opens the quick switcher ("" = none).
#[cfg(not(target_os = "linux"))]
fn set_shortcut<R: Runtime>(app: &AppHandle<R>, shortcut: &str) -> Result<(), String> {
    use tauri_plugin_global_shortcut::GlobalShortcutExt as _;
    let shortcuts = app.global_shortcut();
    let _ = shortcuts.unregister_all();
    if shortcut.is_empty() {
        return Ok(());
    }
    shortcuts.register(shortcut).map_err(|e| e.to_string())
}

/// A desktop notification, when the user has them on.
pub(crate) fn notify<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str) {
    use tauri_plugin_notification::NotificationExt as _;
    if !notifications_on(&app.state::<AppState>(), title) {
        return;
    }
    if let Err(e) = app.notification().builder().title(title).body(body).show() {
        tracing::warn!("cannot show a notification: {e}");
    }
}

/// Shows a session warning whose "Sign in" button (or a click on it) calls `sign_in`; the
/// notification server's answer is awaited on a thread of its own.
#[cfg(target_os = "linux")]
pub(crate) fn session_notification(
    n: &lanyard_core::notices::Notice,
    sign_in: impl Fn() + Send + 'static,
) {
    let (title, body) = (n.title.clone(), n.body.clone());
    std::thread::spawn(move || {
        let shown = notify_rust::Notification::new()
            .appname("Lanyard")
            .summary(&title)
            .body(&body)
            .icon("lanyard-app")
            .action("default", "Sign in")
            .action("sign-in", "Sign in")
            .show();
        match shown {
            Ok(handle) => handle.wait_for_action(|action| {
                if action == "sign-in" || action == "default" {
                    sign_in();
                }
            }),
            Err(e) => tracing::warn!("cannot show a notification: {e}"),
        }
    });
}

/// A session warning with a "Sign in" button that signs in to that identity (Linux: through the
/// notification server's actions; elsewhere the text points at the tray).
pub(crate) fn notify_session<R: Runtime>(app: &AppHandle<R>, n: &lanyard_core::notices::Notice) {
    if !notifications_on(&app.state::<AppState>(), &n.title) {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        let (app, session) = (app.clone(), n.session.clone());
        session_notification(n, move || tray::sign_in(&app, session.clone()));
    }
    #[cfg(not(target_os = "linux"))]
    notify(
        app,
        &n.title,
        &format!("{} Sign in from Lanyard's tray menu.", n.body),
    );
}

/// A notification only when the main window is not in front (the user is elsewhere).
pub(crate) fn notify_if_away<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str) {
    let in_front = app
        .get_webview_window("main")
        .is_some_and(|w| w.is_visible().unwrap_or(false) && w.is_focused().unwrap_or(false));
    if !in_front {
        notify(app, title, body);
    }
}

/// Puts `export AWS_PROFILE=…` on the clipboard.
pub(crate) fn copy_export<R: Runtime>(app: &AppHandle<R>, profile: &str) -> Result<String, String> {
    if profile.is_empty() {
        return Err("no profile to export".into());
    }
    let line = lanyard_core::switcher::export_line(profile);
    copy_text(app, &line)?;
    Ok(line)
}

/// The clipboard plugin (absent in the mock runtime's tests: an error, not a panic).
fn clipboard<R: Runtime>(
    app: &AppHandle<R>,
) -> Result<tauri::State<'_, tauri_plugin_clipboard_manager::Clipboard<R>>, String> {
    app.try_state::<tauri_plugin_clipboard_manager::Clipboard<R>>()
        .ok_or_else(|| "no clipboard is available".to_owned())
}

/// Puts text on the clipboard.
pub(crate) fn copy_text<R: Runtime>(app: &AppHandle<R>, text: &str) -> Result<(), String> {
    // Copying nothing would wipe what the user had there.
    if text.is_empty() {
        return Err("nothing to copy".into());
    }
    clipboard(app)?
        .write_text(text.to_owned())
        .map_err(|e| format!("could not use the clipboard: {e}"))
}

/// How long secrets copied to the clipboard stay there (cleared if still there after this).
pub(crate) fn clipboard_clear_after() -> Duration {
    // LANYARD_CLIPBOARD_CLEAR_SECS: the end-to-end tests' way to not wait a whole minute.
    std::env::var("LANYARD_CLIPBOARD_CLEAR_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(Duration::from_secs(60), Duration::from_secs)
}

/// Puts a secret on the clipboard, and clears the clipboard after a minute if it still holds it
/// (never what the user copied since).
pub(crate) fn copy_secret<R: Runtime>(
    app: &AppHandle<R>,
    secret: lanyard_core::secret::Secret,
) -> Result<u64, String> {
    clipboard(app)?
        .write_text(secret.expose().to_owned())
        .map_err(|e| format!("could not use the clipboard: {e}"))?;
    let after = clipboard_clear_after();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(after).await;
        let Ok(clipboard) = clipboard(&app) else {
            return;
        };
        if clipboard
            .read_text()
            .is_ok_and(|now| now == secret.expose())
        {
            match clipboard.clear() {
                Ok(()) => tracing::info!("cleared the credentials from the clipboard"),
                Err(e) => tracing::warn!("could not clear the clipboard: {e}"),
            }
        }
    });
    Ok(after.as_secs())
}

/// What "Copy credentials as environment variables" reports (the secrets went to the clipboard).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CopiedCredentials {
    /// The profile.
    pub profile: String,
    /// When the credentials expire (RFC 3339), when they do.
    pub expires_at: Option<String>,
    /// The clipboard is cleared after this many seconds if it still holds them.
    pub clears_after_secs: u64,
}

/// Copies a profile's credentials as `export` lines.
pub(crate) async fn copy_credentials<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    profile: &str,
) -> lanyard_core::Result<CopiedCredentials> {
    let (text, expires_at) = state.service().environment(profile).await?;
    let clears_after_secs =
        copy_secret(app, text).map_err(|reason| lanyard_core::Error::Credentials {
            profile: profile.to_owned(),
            reason,
        })?;
    Ok(CopiedCredentials {
        profile: profile.to_owned(),
        expires_at,
        clears_after_secs,
    })
}

/// Opens the desktop's terminal running `lanyard exec --profile P` (the user's shell with the
/// role's credentials); returns the terminal's name.
pub(crate) fn open_terminal(state: &AppState, profile: &str) -> lanyard_core::Result<String> {
    state.service().profile_spec(profile)?;
    let unavailable = |reason: String| lanyard_core::Error::Credentials {
        profile: profile.to_owned(),
        reason,
    };
    let cli = cli_binary().ok_or_else(|| {
        unavailable(
            "the lanyard command is not installed next to Lanyard, so no terminal can run it"
                .into(),
        )
    })?;
    let path = std::env::var_os("PATH");
    let find = |p: &str| lanyard_core::credentials::terminal::which(path.as_deref(), p);
    let command = [
        cli.display().to_string(),
        "exec".into(),
        "--profile".into(),
        profile.to_owned(),
    ];
    let terminal = std::env::var("TERMINAL").ok();
    let (program, args) =
        lanyard_core::credentials::terminal::command(terminal.as_deref(), &find, &command)
            .ok_or_else(|| {
                unavailable("no terminal was found: set $TERMINAL, or install one such as gnome-terminal, konsole or xterm".into())
            })?;
    let name = program
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    std::process::Command::new(&program)
        .args(&args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| unavailable(format!("could not start {name}: {e}")))?;
    tracing::info!(profile, terminal = name, "opened a terminal");
    Ok(name)
}

/// Starts or stops a profile's credential endpoint; returns the endpoints running now.
pub(crate) async fn serve_credentials<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    profile: &str,
    serve: bool,
) -> lanyard_core::Result<Vec<lanyard_core::service::EndpointInfo>> {
    let serving = state.serve(profile, serve).await?;
    events::endpoints_changed(app);
    Ok(serving)
}

/// Copies the two variables a tool needs to use a running endpoint.
pub(crate) fn copy_endpoint<R: Runtime>(app: &AppHandle<R>, profile: &str) -> Result<u64, String> {
    let text = app
        .state::<AppState>()
        .service()
        .endpoint_env(profile)
        .ok_or_else(|| format!("no credential endpoint is running for {profile}"))?;
    copy_secret(app, text)
}

/// Opens the console as a profile; the sign-in URL goes to the browser through a one-time
/// loopback redirect, never through argv or the UI.
pub(crate) async fn open_console<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    profile: &str,
) -> lanyard_core::Result<()> {
    state
        .open_console(profile, &|u| open_in_browser(app, u))
        .await
}

/// A clone started from the quick switcher: progress in the tray tooltip, then a notification.
pub(crate) fn clone_in_background<R: Runtime>(
    app: &AppHandle<R>,
    request: lanyard_core::codecommit::CloneRequest,
) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let repository = request.repository.clone();
        let tray_app = app.clone();
        let name = repository.clone();
        let on = std::sync::Arc::new(move |p: &lanyard_core::codecommit::CloneProgress| {
            #[cfg(desktop)]
            tray::set_tooltip(
                &tray_app,
                &format!("Lanyard — cloning {name}: {}%", p.percent),
            );
        });
        let result = app
            .state::<AppState>()
            .clone_repository(request, &helper_binary(), on)
            .await;
        events::sessions_changed(&app);
        match result {
            Ok(r) => notify(&app, &format!("Cloned {repository}"), &r.path),
            Err(e) => notify(
                &app,
                &format!("Could not clone {repository}"),
                &e.to_string(),
            ),
        }
    });
}

#[cfg(unix)]
type Signals = Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>;
#[cfg(not(unix))]
type Signals = ();

/// Installs the SIGTERM/SIGINT handlers now (the streams are awaited once the app runs).
fn listen_for_signals() -> Signals {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let _guard = tauri::async_runtime::handle().inner().enter();
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(t), Ok(i)) => Some((t, i)),
            _ => None,
        }
    }
}

/// SIGTERM/SIGINT (logout, `kill`, Ctrl+C) exit like Quit: plugins save (window state), child
/// processes end, and the exit code is 0.
fn spawn_signal_exit<R: Runtime>(app: AppHandle<R>, signals: Signals) {
    tauri::async_runtime::spawn(async move {
        #[cfg(unix)]
        {
            let Some((mut term, mut int)) = signals else {
                return;
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let () = signals;
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("signal: exiting");
        app.exit(0);
    });
}

/// Keeps every session fresh in the background, the tray's countdown current, session warnings
/// on time, and the views current when the AWS config is edited outside Lanyard.
fn spawn_refresher<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        session_checks(
            state.inner(),
            || events::sessions_changed(&app),
            || {
                #[cfg(desktop)]
                if let Ok(list) = app.state::<AppState>().statuses() {
                    tray::update(&app, &list);
                }
            },
            |n| notify_session(&app, n),
            |changed| pull_requests_checked(&app, changed),
        )
        .await;
    });
}

/// After pull requests were revalidated (here, or by the window process: `changed` false): the
/// tray shows the count, what is new is told once, and a window process is told when the
/// inboxes changed.
pub(crate) fn pull_requests_checked<R: Runtime>(app: &AppHandle<R>, changed: bool) {
    let state = app.state::<AppState>();
    for n in state.pull_request_notices() {
        notify(app, &n.title, &n.body);
    }
    #[cfg(desktop)]
    if let Ok(list) = state.statuses() {
        tray::update(app, &list);
    }
    if changed {
        agent::pull_requests_changed(app);
        events::emit_pull_requests(app);
    }
}

/// The tray process's loop: a check every `CHECK_EVERY` (refreshes every `refresh_minutes`,
/// then `changed` when sessions changed, else `unchanged` so countdowns move on, and each due
/// `notice`), and `changed` at once when the AWS config is edited.
pub(crate) async fn session_checks(
    state: &AppState,
    changed: impl Fn(),
    unchanged: impl Fn(),
    notice: impl Fn(&lanyard_core::notices::Notice),
    pulls: impl Fn(bool),
) {
    let config = state.config_file();
    let (tx, mut edits) = tokio::sync::mpsc::unbounded_channel();
    let mut watcher = watch_config(&config, tx.clone());
    let mut tick = tokio::time::interval(CHECK_EVERY);
    // After a sleep (SIGSTOP, a suspended laptop) one check, not one per missed tick.
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut n: u64 = 0;
    let mut last_check = state.now();
    loop {
        let checks = tokio::select! {
            _ = tick.tick() => true,
            Some(()) = edits.recv() => false,
        };
        let mut edited = state.config_changed();
        if edited {
            tracing::info!("the AWS config changed on disk: reloading");
        }
        if !checks {
            if edited {
                changed();
            }
            continue;
        }
        // The folder may appear later (the first sign-in makes ~/.aws).
        if watcher.is_none() {
            watcher = watch_config(&config, tx.clone());
        }
        let every = u64::from(state.settings().refresh_minutes) * 60 / CHECK_EVERY.as_secs();
        // A laptop that slept (or a stopped process) comes back with tokens that may have run
        // out: the wall clock jumped, so renew now rather than at the next refresh turn.
        let now = state.now();
        let slept =
            now - last_check > time::Duration::try_from(CHECK_EVERY * 2).unwrap_or_default();
        if slept {
            tracing::info!(
                "the clock jumped {} s since the last check (sleep): checking sessions now",
                (now - last_check).whole_seconds()
            );
        }
        last_check = now;
        if n.is_multiple_of(every.max(1)) || slept || state.waiting_for_network() {
            edited |= state.refresh_all().await;
        }
        if edited {
            changed();
        } else {
            unchanged();
        }
        for due in state.due_notices() {
            notice(&due);
        }
        // Pull requests: at start, then every few minutes (offline, they wait: an inbox read
        // while the network is gone would only say so).
        if n.is_multiple_of(PULL_REQUESTS_EVERY) && !state.waiting_for_network() {
            pulls(
                state
                    .refresh_scanned_pull_requests(n / PULL_REQUESTS_EVERY)
                    .await,
            );
        }
        n += 1;
    }
}

/// How often sessions are checked: countdowns, notices, the tray's labels. Refreshes run every
/// `refresh_minutes` of these checks' time; edits of the AWS config are seen as they happen.
pub(crate) const CHECK_EVERY: Duration = Duration::from_secs(30);

/// Pull requests are revalidated every this many checks (5 minutes): one ListPullRequests per
/// repository of the round's share (`prs::background_selection`) when nothing changed.
pub(crate) const PULL_REQUESTS_EVERY: u64 = 10;

/// Watches the AWS config's folder (editors and Lanyard replace the file, so the file itself
/// cannot be watched) and sends `()` for each change to the file. None while the folder does not
/// exist (or the platform cannot watch): the checks then notice edits through the timestamp.
pub(crate) fn watch_config(
    config: &std::path::Path,
    tx: tokio::sync::mpsc::UnboundedSender<()>,
) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher as _;
    let dir = config.parent()?.to_path_buf();
    let name = config.file_name()?.to_owned();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(e) = event
            && !e.kind.is_access()
            && e.paths.iter().any(|p| p.file_name() == Some(&name))
        {
            let _ = tx.send(());
        }
    })
    .ok()?;
    watcher
        .watch(&dir, notify::RecursiveMode::NonRecursive)
        .map_err(|e| tracing::debug!("not watching {}: {e}", dir.display()))
        .ok()?;
    Some(watcher)
}

/// Opens a URL in the system browser; false when there is no way to show one (no display).
pub(crate) fn open_in_browser<R: Runtime>(app: &AppHandle<R>, url: &str) -> bool {
    open_in_browser_with(url, |u| app.opener().open_url(u, None::<&str>).is_ok())
}

/// Opens a URL with $BROWSER when set, else with `system` (the desktop's default); false when
/// there is no way to show one (no display).
pub(crate) fn open_in_browser_with(url: &str, system: impl FnOnce(&str) -> bool) -> bool {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return false;
    }
    // $BROWSER first, as the CLI (and most Unix tools) do; xdg-open ignores it for URLs.
    if let Some(browser) = std::env::var("BROWSER")
        .ok()
        .and_then(|b| b.split(':').next().map(str::to_owned))
        .filter(|b| !b.is_empty())
    {
        let mut parts = browser
            .split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>();
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
    if cfg!(target_os = "linux")
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
    {
        return false;
    }
    system(url)
}

/// Where a program shipped next to the app binary is (whether or not it is there).
pub(crate) fn beside_app(name: &str) -> Option<std::path::PathBuf> {
    Some(std::env::current_exe().ok()?.parent()?.join(name))
}

/// Lanyard's own `git-remote-codecommit`, shipped next to the app binary.
pub(crate) fn helper_binary() -> std::path::PathBuf {
    beside_app(lanyard_core::codecommit::helper::HELPER_NAME).unwrap_or_default()
}

/// The `lanyard` command shipped next to the app binary (what `credential_process` profiles and
/// "Open a terminal as this profile" run), when it is there.
pub(crate) fn cli_binary() -> Option<std::path::PathBuf> {
    beside_app(if cfg!(windows) {
        "lanyard.exe"
    } else {
        "lanyard"
    })
    .filter(|p| p.is_file())
}

/// Opens a local folder (a clone) in the file manager; only folders Lanyard cloned into.
pub(crate) fn open_path<R: Runtime>(app: &AppHandle<R>, path: &str) -> Result<(), String> {
    let state = app.state::<AppState>();
    let recent: Vec<String> = state.recent_clones().into_iter().map(|c| c.path).collect();
    let real = cloned_folder(path, &recent, &state.clone_root())?;
    app.opener()
        .open_path(real.to_string_lossy(), None::<&str>)
        .map_err(|e| format!("could not open {path}: {e}"))
}

/// `path` as a real folder (symlinks and `..` resolved) that Lanyard cloned: one of the recent
/// clones or inside the clone root, compared after resolving, so `root/../../x` is not inside.
pub(crate) fn cloned_folder(
    path: &str,
    recent: &[String],
    clone_root: &std::path::Path,
) -> Result<std::path::PathBuf, String> {
    let real = std::fs::canonicalize(path).map_err(|_| format!("{path} no longer exists"))?;
    let real_of = |p: &std::path::Path| std::fs::canonicalize(p).ok();
    let inside_root = real_of(clone_root).is_some_and(|root| real.starts_with(root));
    let recent = recent
        .iter()
        .any(|r| real_of(std::path::Path::new(r)).as_ref() == Some(&real));
    if !(inside_root || recent) {
        return Err(format!("{path} is not a folder Lanyard cloned"));
    }
    if !real.is_dir() {
        return Err(format!("{path} is not a folder"));
    }
    Ok(real)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tauri::Listener as _;
    use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets};
    use tauri::webview::InvokeRequest;

    /// Every registered command is in the app manifest (build.rs) and allowed for the main
    /// window: a command missing from either is refused at run time ("not allowed").
    #[test]
    fn every_command_is_declared_and_allowed() {
        let lib = include_str!("lib.rs");
        let start =
            lib.find("generate_handler![").expect("handler list") + "generate_handler![".len();
        let registered: std::collections::BTreeSet<String> = lib
            [start..start + lib[start..].find(']').unwrap()]
            .split(',')
            .map(|c| c.trim().trim_start_matches("commands::").to_owned())
            .filter(|c| !c.is_empty())
            .collect();
        let build = include_str!("../build.rs");
        let declared: std::collections::BTreeSet<String> = build
            .split('"')
            .skip(1)
            .step_by(2)
            .filter(|s| s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
            .map(str::to_owned)
            .collect();
        assert_eq!(registered, declared, "build.rs AppManifest::commands");
        let caps: serde_json::Value =
            serde_json::from_str(include_str!("../capabilities/default.json")).unwrap();
        let allowed = allowed_commands(&caps);
        assert_eq!(registered, allowed, "capabilities/default.json");
        assert_eq!(caps["windows"], serde_json::json!(["main"]));
    }

    /// The app commands a capability file allows (`allow-copy-text` → `copy_text`).
    fn allowed_commands(caps: &serde_json::Value) -> std::collections::BTreeSet<String> {
        caps["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| {
                p.as_str()?
                    .strip_prefix("allow-")
                    .map(|c| c.replace('-', "_"))
            })
            .collect()
    }

    /// The quick switcher may call exactly what its page calls: every command behind the
    /// `api.ts` functions `Switcher.svelte` imports, and nothing else (no offboarding,
    /// settings, sign-out or arbitrary URLs from a window that is one keystroke away).
    #[test]
    fn the_switcher_window_gets_only_what_it_uses() {
        let page = include_str!("../../ui/src/lib/switcher/Switcher.svelte");
        let imports = &page[page.find("import {").unwrap()..page.find("} from '../api'").unwrap()];
        let api = include_str!("../../ui/src/lib/api.ts");
        let mut used = std::collections::BTreeSet::new();
        for name in imports
            .split([',', '{', '\n', ' '])
            .filter(|w| !w.is_empty())
        {
            let Some(at) = api
                .find(&format!("function {name}("))
                .or_else(|| api.find(&format!("function {name}<")))
            else {
                continue; // a type or a class, not a call
            };
            let body = &api[at..];
            let body = &body[..body.find("\n}").unwrap()];
            for call in body.split("call<").skip(1) {
                let cmd = call.split('\'').nth(1).unwrap();
                used.insert(cmd.to_owned());
            }
        }
        let caps: serde_json::Value =
            serde_json::from_str(include_str!("../capabilities/switcher.json")).unwrap();
        assert_eq!(caps["windows"], serde_json::json!(["switcher"]));
        let allowed = allowed_commands(&caps);
        assert_eq!(used, allowed, "capabilities/switcher.json");
        for never in [
            "offboard",
            "save_settings",
            "sign_out",
            "open_url",
            "remove_identity",
        ] {
            assert!(!allowed.contains(never), "{never}");
        }
    }

    fn invoke(cmd: &str) -> Result<serde_json::Value, serde_json::Value> {
        invoke_with(cmd, serde_json::json!({}))
    }

    fn invoke_with(
        cmd: &str,
        args: serde_json::Value,
    ) -> Result<serde_json::Value, serde_json::Value> {
        let (state, _dir) = sandbox_state(Default::default(), true);
        let (_app, webview) = mock_app(state, "main");
        ipc(&webview, cmd, args)
    }

    type MockWindow = tauri::WebviewWindow<tauri::test::MockRuntime>;

    /// A state in a fresh sandbox folder (returned, for the caller to remove).
    fn sandbox_state(
        endpoints: lanyard_core::sso::Endpoints,
        demo: bool,
    ) -> (AppState, std::path::PathBuf) {
        let dir = tempfile_dir();
        let ctx = lanyard_core::sso::SsoContext::new(
            lanyard_core::Paths::sandboxed(&dir),
            endpoints,
            std::sync::Arc::new(lanyard_core::secret::MemoryStore::default()),
        );
        (AppState::new(ctx, demo), dir)
    }

    /// The app on the mock runtime with one window. Replays use a label other than "main": the
    /// page's first-paint hook would set up the tray and the global shortcut.
    fn mock_app(
        state: AppState,
        label: &str,
    ) -> (tauri::App<tauri::test::MockRuntime>, MockWindow) {
        let app = build(mock_builder(), state)
            .build(mock_context(noop_assets()))
            .unwrap();
        let webview = tauri::WebviewWindowBuilder::new(&app, label, Default::default())
            .build()
            .unwrap();
        (app, webview)
    }

    /// A call as the page makes it: the reply, or the error (a command's `CmdError` object, or
    /// Tauri's string when it refused the call before the command ran).
    fn ipc(
        webview: &MockWindow,
        cmd: &str,
        args: serde_json::Value,
    ) -> Result<serde_json::Value, serde_json::Value> {
        get_ipc_response(
            webview,
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

    /// Replayed commands may notify (a background clone that fails): not here.
    fn without_notifications(state: &AppState) {
        let quiet = lanyard_core::settings::AppSettings {
            notifications: false,
            ..state.settings()
        };
        state.save_settings(&quiet).unwrap();
    }

    fn tempfile_dir() -> std::path::PathBuf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        std::env::temp_dir().join(format!(
            "lanyard-shell-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ))
    }

    #[test]
    fn app_info_is_registered_and_camel_cased() {
        let v = invoke("app_info").expect("app_info answers");
        assert_eq!(v["demo"], true);
        assert!(
            v["awsConfigFile"]
                .as_str()
                .unwrap()
                .ends_with(".aws/config")
        );
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

    /// The window's values reach the config only through the writer that refuses line breaks:
    /// CR alone, LF alone and CRLF in the start URL (which URL parsing silently drops) and scopes.
    #[test]
    fn save_identity_refuses_line_breaks_in_every_value() {
        for le in ["\r", "\n", "\r\n"] {
            for (url, scopes) in [
                (
                    format!("https://acme.awsapps.com/start{le}[default]"),
                    vec![],
                ),
                (
                    "https://acme.awsapps.com/start".to_owned(),
                    vec![format!("sso:account:access{le}[default]")],
                ),
            ] {
                let err = invoke_with(
                    "save_identity",
                    serde_json::json!({"input": {"session": "acme", "startUrl": url, "region": "us-east-1", "scopes": scopes}}),
                )
                .unwrap_err();
                assert_eq!(err["code"], "InvalidInput", "{le:?}: {err}");
                assert!(
                    err["message"].as_str().unwrap().contains("line break"),
                    "{err}"
                );
            }
        }
        assert_eq!(invoke("list_identities").unwrap(), serde_json::json!([]));
    }

    #[test]
    fn open_folder_resolves_the_path_before_checking_it_is_a_clone() {
        let d = tempfile_dir();
        let root = d.join("src");
        std::fs::create_dir_all(root.join("acme/api")).unwrap();
        std::fs::create_dir_all(d.join("secret")).unwrap();
        let inside = root.join("acme/api");
        assert_eq!(
            cloned_folder(inside.to_str().unwrap(), &[], &root).unwrap(),
            std::fs::canonicalize(&inside).unwrap()
        );
        let escape = format!("{}/../secret", root.display());
        let e = cloned_folder(&escape, &[], &root).unwrap_err();
        assert!(e.contains("not a folder Lanyard cloned"), "{e}");
        std::os::unix::fs::symlink(d.join("secret"), root.join("link")).unwrap();
        let via_link = format!("{}/link", root.display());
        assert!(
            cloned_folder(&via_link, &[], &root).is_err(),
            "a link out of the root"
        );
        let elsewhere = d.join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        let recent = [elsewhere.display().to_string()];
        assert!(cloned_folder(elsewhere.to_str().unwrap(), &recent, &root).is_ok());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn open_url_opens_only_links_a_sign_in_gave() {
        let err = invoke_with(
            "open_url",
            serde_json::json!({"url": "https://evil.example/"}),
        )
        .unwrap_err();
        assert!(
            err["message"]
                .as_str()
                .unwrap()
                .contains("not a sign-in link Lanyard gave"),
            "{err}"
        );
    }

    #[test]
    fn unknown_command_is_rejected() {
        assert!(invoke("no_such_command").is_err());
    }

    /// Replays a call as the page makes it; `Err(String)` when Tauri refused it before the
    /// command ran (arguments that do not fit its signature, an unknown command). A command's own
    /// refusal is a `CmdError` object, which is fine here.
    fn tauri_refusal(webview: &MockWindow, cmd: &str, args: serde_json::Value) -> Option<String> {
        match ipc(webview, cmd, args) {
            Err(serde_json::Value::String(refused)) => Some(refused),
            _ => None,
        }
    }

    /// Every command's reply, and every event the app emits meanwhile, through the real
    /// handlers on a signed-in identity (an in-process emulator): none holds any secret the
    /// service issued — tokens, client secret, role keys, console sign-in tokens. Channel
    /// messages (sign-in steps, discovery, scan and clone progress) are the state's callbacks,
    /// checked in `state::tests`; the mock runtime does not deliver them.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_command_reply_or_event_holds_a_secret() {
        let mut cfg = lanyard_emulator::Config::new(lanyard_emulator::World::demo());
        cfg.auto_approve = true;
        let emu = lanyard_emulator::Emulator::start(cfg).await.unwrap();
        let (state, dir) = sandbox_state(crate::state::emulator_endpoints(&emu), false);
        without_notifications(&state);
        let quiet = state.settings();
        let (app, webview) = mock_app(state, "replay");
        let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        for name in [
            events::NAVIGATE,
            events::SESSIONS_CHANGED,
            events::ENDPOINTS_CHANGED,
        ] {
            let events = events.clone();
            app.listen_any(name, move |e| {
                events.lock().unwrap().push(e.payload().to_owned());
            });
        }
        // The command answers on Tauri's runtime while this one waits; the emulator needs it.
        let call = |cmd: &str, args: serde_json::Value| {
            tokio::task::block_in_place(|| ipc(&webview, cmd, args).unwrap_or_else(|e| e))
        };
        let channel = serde_json::json!("__CHANNEL__:7");
        let acme = serde_json::json!({
            "session": "acme", "startUrl": "https://acme.awsapps.com/start",
            "region": "us-east-1", "scopes": []
        });
        let mut replies = vec![call("save_identity", serde_json::json!({"input": acme}))];
        let mut endpoint_token: Option<String> = None;
        let signed_in = call(
            "sign_in",
            serde_json::json!({"session": "acme", "method": "deviceCode", "onStep": channel}),
        );
        assert_eq!(signed_in["state"], "signedIn", "{signed_in}");
        replies.push(signed_in);
        let settings = call(
            "get_profile_settings",
            serde_json::json!({"session": "acme"}),
        );
        let clone = serde_json::json!({
            "session": "acme", "accountId": "222222222222", "accountName": "acme-dev",
            "roleName": "Developer", "region": "us-east-1", "repository": "payments-api",
            "dest": dir.join("clone").display().to_string()
        });
        for (cmd, args) in [
            ("app_info", serde_json::json!({})),
            ("list_identities", serde_json::json!({})),
            (
                "discover_accounts",
                serde_json::json!({"session": "acme", "onEvent": channel}),
            ),
            ("cached_accounts", serde_json::json!({"session": "acme"})),
            (
                "plan_profiles",
                serde_json::json!({"session": "acme", "settings": settings}),
            ),
            (
                "apply_profiles",
                serde_json::json!({"session": "acme", "settings": settings}),
            ),
            (
                "set_favourite",
                serde_json::json!({"profile": "acme-dev/Developer", "favourite": true}),
            ),
            ("list_favourites", serde_json::json!({})),
            (
                "scan_repositories",
                serde_json::json!({"session": "acme", "onEvent": channel}),
            ),
            ("cached_repositories", serde_json::json!({})),
            (
                "clone_repository",
                serde_json::json!({"request": clone, "onProgress": channel}),
            ),
            ("cancel_clone", serde_json::json!({"request": clone})),
            ("recent_clones", serde_json::json!({})),
            ("helper_status", serde_json::json!({})),
            ("get_settings", serde_json::json!({})),
            ("save_settings", serde_json::json!({"settings": quiet})),
            ("diagnostics", serde_json::json!({})),
            ("switcher_entries", serde_json::json!({})),
            ("copy_export", serde_json::json!({"profile": ""})),
            ("copy_text", serde_json::json!({"text": ""})),
            ("open_url", serde_json::json!({"url": "about:blank"})),
            (
                "open_console",
                serde_json::json!({"profile": "no-such-profile"}),
            ),
            ("hide_switcher", serde_json::json!({})),
            ("ui_timing", serde_json::json!({"what": "x", "ms": 1.0})),
            (
                "remember_view",
                serde_json::json!({"view": "{\"view\":\"accounts\"}"}),
            ),
            ("recall_view", serde_json::json!({})),
            ("ui_ready", serde_json::json!({"marks": null})),
            ("cancel_sign_in", serde_json::json!({"session": "acme"})),
            (
                "resolve_start_url",
                serde_json::json!({"startUrl": "https://acme.awsapps.com/start", "region": "us-east-1"}),
            ),
            (
                "serve_credentials",
                serde_json::json!({"profile": "acme-dev/Developer", "serve": true}),
            ),
            ("list_endpoints", serde_json::json!({})),
            // No display here: the clipboard refuses, and the refusal holds no secret either.
            (
                "copy_credentials",
                serde_json::json!({"profile": "acme-dev/Developer"}),
            ),
            (
                "copy_endpoint",
                serde_json::json!({"profile": "acme-dev/Developer"}),
            ),
            (
                "open_terminal",
                serde_json::json!({"profile": "no-such-profile"}),
            ),
            ("preview_offboard", serde_json::json!({})),
            ("sign_out", serde_json::json!({"session": "acme"})),
            ("offboard", serde_json::json!({})),
            ("remove_identity", serde_json::json!({"session": "acme"})),
            ("open_folder", serde_json::json!({"path": "relative"})),
            ("clone_in_background", serde_json::json!({"request": clone})),
        ] {
            let reply = call(cmd, args);
            assert!(
                !reply.as_str().is_some_and(|e| e.contains("invalid args")),
                "{cmd}: {reply}"
            );
            replies.push(serde_json::json!({ cmd: reply }));
            if cmd == "serve_credentials" {
                let env = app
                    .state::<AppState>()
                    .service()
                    .endpoint_env("acme-dev/Developer")
                    .expect("serving");
                let token = env.expose().rsplit('=').next().unwrap().trim().to_owned();
                endpoint_token = Some(token);
            }
        }
        let text = replies
            .iter()
            .map(serde_json::Value::to_string)
            .chain(events.lock().unwrap().iter().cloned())
            .collect::<Vec<_>>()
            .join("\n");
        // The replies are real: accounts, the plan, the clone, the offboarding plan, diagnostics.
        for seen in [
            r#""accountName":"acme-dev""#,
            r#""remoteUrl":"codecommit::us-east-1://acme-dev/Developer@payments-api""#,
            r#""name":"acme-dev/Developer""#,
            "Lanyard 0.1.0 on",
            r#""dryRun":true"#,
            r#""url":"http://127.0.0.1:"#,
            r#"{"list_endpoints":[{"profile":"acme-dev/Developer","url":"http://127.0.0.1:"#,
        ] {
            assert!(text.contains(seen), "no {seen:?} in the replies");
        }
        assert!(!events.lock().unwrap().is_empty(), "events were emitted");
        let endpoint_token = endpoint_token.expect("the endpoint ran");
        assert!(
            !text.contains(&endpoint_token),
            "the endpoint's token in a reply or event"
        );
        let issued = emu.app.state.issued_secrets();
        assert!(!issued["accessKeyIds"].is_empty() && !issued["refreshTokens"].is_empty());
        for (kind, values) in &issued {
            for secret in values {
                assert!(
                    !text.contains(secret.as_str()),
                    "one of the {kind} in a reply or event"
                );
            }
        }
        assert!(!text.contains("ASIA"), "no role access key id");
        let _ = std::fs::remove_dir_all(dir);
    }

    /// Every call the UI makes (ui/src/lib/ipc-contract.json, recorded by Vitest from api.ts) is
    /// accepted by the command it names, with the arguments it sends: a renamed parameter, a
    /// field the Rust type does not have or a wrong type fails here, not in a user's window.
    #[test]
    fn ipc_contract_every_ui_call_fits_its_command() {
        let contract: Vec<serde_json::Value> =
            serde_json::from_str(include_str!("../../ui/src/lib/ipc-contract.json")).unwrap();
        let (state, dir) = sandbox_state(Default::default(), true);
        without_notifications(&state);
        let (_app, webview) = mock_app(state, "replay");
        // The check itself: a call that does not fit is refused.
        let wrong = tauri_refusal(
            &webview,
            "save_identity",
            serde_json::json!({"input": {"session": "a", "start_url": "https://a"}}),
        );
        assert!(
            wrong
                .as_deref()
                .is_some_and(|e| e.contains("invalid args `input`")),
            "{wrong:?}"
        );
        assert!(contract.len() >= 35, "{} calls", contract.len());
        for call in &contract {
            let (cmd, args) = (call["cmd"].as_str().unwrap(), call["args"].clone());
            let refused = tauri_refusal(&webview, cmd, args);
            assert_eq!(refused, None, "{} → {cmd}", call["wrapper"]);
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}

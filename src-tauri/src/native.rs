//! The tray process on Linux without Tauri or WebKit (`lanyard-tray`, issue #16).
//!
//! Why a second binary: a process that links WebKitGTK pays for it even with no web view —
//! the library's relocations, the big binary's pages, flite — measured 68 MiB PSS for the Tauri
//! tray process with no window, against a budget of 60. This binary holds what the tray process
//! does (tray and menu, the session checks and refreshes, notifications, the global shortcut,
//! the clipboard, credential endpoints, background clones, start-at-login, single instance) with
//! GTK, tray-icon/muda (what Tauri's tray is made of), notify-rust and arboard, and starts
//! `lanyard-app --window` when a window is wanted, over the same link (`agent.rs`). It uses
//! nothing of Tauri, so the linker leaves WebKit out (`readelf -d lanyard-tray`).
//! `lanyard-app` started without `--window` hands over to it with exec (same pid).

use std::cell::RefCell;
use std::sync::{Arc, Mutex};

use lanyard_core::sso::LoginMethod;
use tray_icon::menu::{
    CheckMenuItem, IsMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem, Submenu,
};
use tray_icon::{TrayIcon, TrayIconBuilder};

use crate::AppState;
use crate::agent::{Op, Show, ToWindow};
use crate::error::CmdError;
use crate::tray::{Entry, Item, Shown};

mod switcher;

thread_local! {
    /// The tray icon; GTK objects live on the main thread only.
    static TRAY: RefCell<Option<TrayIcon>> = const { RefCell::new(None) };
}

/// What the tray process shares between its threads.
pub struct Desk {
    state: AppState,
    rt: tokio::runtime::Handle,
    /// The running window process's link, when one runs.
    window: crate::agent::WindowProcess,
    /// One clipboard for the process's life (on X11 the owner must live to serve a copy).
    clipboard: Mutex<Option<arboard::Clipboard>>,
    shortcut: crate::hotkey::Slot,
    /// What the menu and tooltip last showed: an update that would show the same is skipped.
    shown: Mutex<String>,
}

/// `lanyard-tray`'s main: returns the exit code.
pub fn main() -> i32 {
    let args: Vec<String> = std::env::args().collect();
    let demo = args.iter().any(|a| a == "--demo");
    let hidden = args.iter().any(|a| a == "--hidden");
    let _ = crate::STARTED.set(std::time::Instant::now());
    let logs = crate::init_logging();
    let single = std::env::var_os("LANYARD_MULTI_INSTANCE").is_none_or(|v| v != "1");
    // Held (open) until the process ends: the lock goes with it. O_CLOEXEC keeps it out of
    // the window process and anything else started from here.
    let instance = if single {
        match single_instance::claim() {
            single_instance::Claim::First(lock) => Some(lock),
            single_instance::Claim::Shown => {
                tracing::info!("Lanyard is running: asked it to show its window");
                return 0;
            }
            single_instance::Claim::Silent(e) => {
                eprintln!(
                    "Lanyard is already running but does not answer ({e}); quit it from its tray \
                     menu or end the lanyard-tray process, then start Lanyard again"
                );
                return 1;
            }
            single_instance::Claim::Unchecked(why) => {
                tracing::warn!("cannot check for a running Lanyard ({why}): starting anyway");
                None
            }
        }
    } else {
        None
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Lanyard cannot start: {e}");
            return 1;
        }
    };
    let emulator = if demo {
        match rt.block_on(crate::start_demo_emulator()) {
            Ok(emu) => Some(emu),
            Err(e) => {
                eprintln!("Lanyard cannot start its demo emulator: {e}");
                return 1;
            }
        }
    } else {
        None
    };
    let state = match AppState::from_env(emulator) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Lanyard cannot start: {e}");
            return 1;
        }
    };
    *state.log_dir.lock().unwrap_or_else(|p| p.into_inner()) = logs;
    crate::choose_rendering();
    // The name the desktop knows the app by (window class, the tray icon's), as before the
    // hand-over from lanyard-app.
    glib::set_prgname(Some("lanyard-app"));
    if let Err(e) = gtk::init() {
        eprintln!("Lanyard needs a desktop session: {e}");
        return 1;
    }
    let desk = Arc::new(Desk {
        state,
        rt: rt.handle().clone(),
        window: crate::agent::WindowProcess::default(),
        clipboard: Mutex::new(arboard::Clipboard::new().ok()),
        shortcut: crate::hotkey::Slot::default(),
        shown: Mutex::default(),
    });
    {
        let _guard = rt.enter();
        if instance.is_some() {
            single_instance::listen(&desk);
        }
        listen_for_signals(&desk);
        spawn_refresher(&desk);
    }
    create_tray(&desk);
    let settings = desk.state.settings();
    if let Err(e) = desk.apply_settings(&settings) {
        tracing::warn!("{e}");
    }
    tracing::debug!(
        "tray and preferences {} ms after start",
        crate::since_start()
    );
    if !hidden {
        desk.show(Show::Main);
    }
    gtk::main();
    tracing::info!("exiting");
    drop(rt);
    0
}

/// Runs `f` on the GTK main thread (the tray lives there).
fn on_main(f: impl FnOnce() + Send + 'static) {
    glib::MainContext::default().invoke(f);
}

impl Desk {
    /// Ends the process like Quit: the window process follows when its link closes.
    fn quit(&self) {
        on_main(gtk::main_quit);
    }

    /// A desktop notification, when the user has them on.
    fn notify(&self, title: &str, body: &str) {
        if !crate::notifications_on(&self.state, title) {
            return;
        }
        let (title, body) = (title.to_owned(), body.to_owned());
        on_main(move || notifications::show(&title, &body, None));
    }

    /// A session warning with a "Sign in" button that signs in to that identity.
    fn notify_session(self: &Arc<Self>, n: &lanyard_core::notices::Notice) {
        if !crate::notifications_on(&self.state, &n.title) {
            return;
        }
        let (desk, session) = (self.clone(), n.session.clone());
        let (title, body) = (n.title.clone(), n.body.clone());
        on_main(move || {
            let sign_in = move || desk.sign_in(session.clone());
            notifications::show(&title, &body, Some(Box::new(sign_in)));
        });
    }

    fn copy_text(&self, text: &str) -> Result<(), String> {
        // Copying nothing would wipe what the user had there.
        if text.is_empty() {
            return Err("nothing to copy".into());
        }
        let mut clip = self.clipboard.lock().unwrap_or_else(|p| p.into_inner());
        if clip.is_none() {
            *clip = arboard::Clipboard::new().ok();
        }
        clip.as_mut()
            .ok_or("no clipboard is available")?
            .set_text(text)
            .map_err(|e| format!("could not use the clipboard: {e}"))
    }

    fn copy_export(&self, profile: &str) -> Result<String, String> {
        if profile.is_empty() {
            return Err("no profile to export".into());
        }
        let line = lanyard_core::switcher::export_line(profile);
        self.copy_text(&line)?;
        Ok(line)
    }

    /// Puts a secret on the clipboard and clears it later if it still holds it (never what the
    /// user copied since).
    fn copy_secret(self: &Arc<Self>, secret: lanyard_core::secret::Secret) -> Result<u64, String> {
        self.copy_text(secret.expose())?;
        let after = crate::clipboard_clear_after();
        let desk = self.clone();
        self.rt.spawn(async move {
            tokio::time::sleep(after).await;
            let mut clip = desk.clipboard.lock().unwrap_or_else(|p| p.into_inner());
            let Some(clip) = clip.as_mut() else { return };
            if clip.get_text().is_ok_and(|now| now == secret.expose()) {
                match clip.clear() {
                    Ok(()) => tracing::info!("cleared the credentials from the clipboard"),
                    Err(e) => tracing::warn!("could not clear the clipboard: {e}"),
                }
            }
        });
        Ok(after.as_secs())
    }

    async fn copy_credentials(
        self: &Arc<Self>,
        profile: &str,
    ) -> lanyard_core::Result<crate::CopiedCredentials> {
        let (text, expires_at) = self.state.service().environment(profile).await?;
        let clears_after_secs =
            self.copy_secret(text)
                .map_err(|reason| lanyard_core::Error::Credentials {
                    profile: profile.to_owned(),
                    reason,
                })?;
        Ok(crate::CopiedCredentials {
            profile: profile.to_owned(),
            expires_at,
            clears_after_secs,
        })
    }

    fn copy_endpoint(self: &Arc<Self>, profile: &str) -> Result<u64, String> {
        let text = self
            .state
            .service()
            .endpoint_env(profile)
            .ok_or_else(|| format!("no credential endpoint is running for {profile}"))?;
        self.copy_secret(text)
    }

    async fn serve(
        &self,
        profile: &str,
        serve: bool,
    ) -> lanyard_core::Result<Vec<lanyard_core::service::EndpointInfo>> {
        let serving = self.state.serve(profile, serve).await?;
        self.endpoints_changed();
        Ok(serving)
    }

    fn open_url(&self, url: &str) -> bool {
        crate::open_in_browser_with(url, |u| open::that_detached(u).is_ok())
    }

    fn open_path(&self, path: &str) -> Result<(), String> {
        let recent: Vec<String> = self
            .state
            .recent_clones()
            .into_iter()
            .map(|c| c.path)
            .collect();
        let real = crate::cloned_folder(path, &recent, &self.state.clone_root())?;
        open::that_detached(&real).map_err(|e| format!("could not open {path}: {e}"))
    }

    async fn open_console(&self, profile: &str) -> lanyard_core::Result<()> {
        self.state
            .open_console(profile, &|u| self.open_url(u))
            .await
    }

    fn clone_in_background(self: &Arc<Self>, request: lanyard_core::codecommit::CloneRequest) {
        let desk = self.clone();
        self.rt.spawn(async move {
            let repository = request.repository.clone();
            let (tray, name) = (desk.clone(), repository.clone());
            let on = Arc::new(move |p: &lanyard_core::codecommit::CloneProgress| {
                tray.set_tooltip(&format!("Lanyard — cloning {name}: {}%", p.percent));
            });
            let result = desk
                .state
                .clone_repository(request, &crate::helper_binary(), on)
                .await;
            desk.sessions_changed();
            match result {
                Ok(r) => desk.notify(&format!("Cloned {repository}"), &r.path),
                Err(e) => desk.notify(&format!("Could not clone {repository}"), &e.to_string()),
            }
        });
    }

    /// Applies the preferences that live outside Lanyard: start at login, the global shortcut.
    fn apply_settings(
        self: &Arc<Self>,
        s: &lanyard_core::settings::AppSettings,
    ) -> Result<(), String> {
        // Demo mode changes nothing outside its sandbox.
        if self.state.info().demo {
            return Ok(());
        }
        autostart(s.start_at_login)?;
        let desk = self.clone();
        self.shortcut
            .set(&s.switcher_shortcut, move || desk.show(Show::Switcher))
            .map_err(|e| crate::unusable_shortcut(&s.switcher_shortcut, &e))
    }

    fn sign_in(self: &Arc<Self>, session: String) {
        let desk = self.clone();
        self.rt.spawn(async move {
            let tray = desk.clone();
            let on_step = move |_| tray.update_tray();
            if let Err(e) = desk
                .state
                .sign_in(
                    &session,
                    LoginMethod::Auto,
                    &|url| desk.open_url(url),
                    &on_step,
                )
                .await
            {
                tracing::warn!(session, "sign-in from the tray failed: {e}");
            }
            desk.sessions_changed();
        });
    }

    fn sign_out(self: &Arc<Self>, session: String) {
        let desk = self.clone();
        self.rt.spawn(async move {
            if let Err(e) = desk.state.sign_out(&session).await {
                tracing::warn!(session, "sign-out from the tray failed: {e}");
            }
            desk.sessions_changed();
        });
    }

    /// Sessions changed here: the tray follows and the window process is told.
    fn sessions_changed(&self) {
        self.update_tray();
        self.send(&ToWindow::SessionsChanged);
    }

    /// After pull requests were revalidated (`changed`: here, and the inboxes differ): what is
    /// new is told once, the tray shows the count, a window process is told.
    fn pull_requests_checked(&self, changed: bool) {
        for n in self.state.pull_request_notices() {
            self.notify(&n.title, &n.body);
        }
        self.update_tray();
        if changed {
            self.send(&ToWindow::PullRequestsChanged);
        }
        // A round's requests leave freed pages in the allocator's arenas; give them back, as
        // after the switcher.
        crate::give_back_freed_memory();
    }

    fn endpoints_changed(&self) {
        self.update_tray();
        self.send(&ToWindow::EndpointsChanged);
    }

    fn send(&self, msg: &ToWindow) -> bool {
        self.window.send(msg)
    }

    /// Shows a window: through the running window process, or by starting one.
    fn show(self: &Arc<Self>, show: Show) {
        // The switcher is this process's own (GTK): no window process to start for it.
        if show == Show::Switcher {
            switcher::show(self);
            return;
        }
        if self.send(&ToWindow::Show { show }) {
            return;
        }
        if let Err(e) = self.spawn_window(show) {
            tracing::warn!("cannot open Lanyard's window: {e}");
            self.notify("Lanyard", &format!("Cannot open Lanyard's window: {e}"));
        }
    }

    /// Starts `lanyard-app --window --show …` with the link on its fd 3.
    fn spawn_window(self: &Arc<Self>, show: Show) -> std::io::Result<()> {
        let app = crate::beside_app("lanyard-app")
            .ok_or_else(|| std::io::Error::other("cannot find lanyard-app"))?;
        let desk = self.clone();
        self.window
            .start(&app, show, self.state.demo_env(), &self.rt, move |op| {
                let desk = desk.clone();
                async move { desk.run(op).await }
            })
    }

    /// Carries out a window process's request.
    async fn run(self: &Arc<Self>, op: Op) -> Result<serde_json::Value, CmdError> {
        let json = |v: Result<serde_json::Value, serde_json::Error>| {
            v.map_err(|e| CmdError::unknown(e.to_string()))
        };
        match op {
            Op::CopyExport { profile } => json(serde_json::to_value(
                self.copy_export(&profile).map_err(CmdError::unknown)?,
            )),
            Op::CopyText { text } => {
                self.copy_text(&text).map_err(CmdError::unknown)?;
                Ok(serde_json::Value::Null)
            }
            Op::CopyCredentials { profile } => {
                json(serde_json::to_value(self.copy_credentials(&profile).await?))
            }
            Op::CopyEndpoint { profile } => json(serde_json::to_value(
                self.copy_endpoint(&profile).map_err(CmdError::unknown)?,
            )),
            Op::Serve { profile, serve } => {
                json(serde_json::to_value(self.serve(&profile, serve).await?))
            }
            Op::Endpoints => json(serde_json::to_value(self.state.service().serving())),
            Op::ApplySettings => {
                let settings = self.state.reload_settings();
                self.apply_settings(&settings).map_err(CmdError::unknown)?;
                Ok(serde_json::Value::Null)
            }
            Op::CloneInBackground { request } => {
                self.clone_in_background(request);
                Ok(serde_json::Value::Null)
            }
            Op::Changed => {
                self.update_tray();
                Ok(serde_json::Value::Null)
            }
            Op::PullRequestsChanged => {
                self.pull_requests_checked(false);
                Ok(serde_json::Value::Null)
            }
            Op::RememberView { view } => {
                self.state.remember_view(view)?;
                Ok(serde_json::Value::Null)
            }
            Op::RecallView => json(serde_json::to_value(self.state.recall_view())),
        }
    }

    /// Sets the tooltip (a clone's progress, what was copied) until the next rebuild.
    fn set_tooltip(&self, text: &str) {
        self.shown.lock().unwrap_or_else(|p| p.into_inner()).clear();
        let text = text.to_owned();
        on_main(move || {
            TRAY.with_borrow(|t| {
                if let Some(t) = t {
                    let _ = t.set_tooltip(Some(text));
                }
            });
        });
    }

    /// Rebuilds the menu and tooltip from the current sessions, when what they show changed.
    fn update_tray(&self) {
        let sessions = match self.state.statuses() {
            Ok(list) => list,
            Err(e) => {
                tracing::warn!("cannot list identities: {e}");
                return;
            }
        };
        let now = time::OffsetDateTime::now_utc();
        let shown = Shown::gather(&self.state, sessions);
        if !shown.replaces(&self.shown, now) {
            return;
        }
        on_main(move || {
            TRAY.with_borrow(|t| {
                if let Some(t) = t {
                    match menu(&shown, now) {
                        Ok(m) => t.set_menu(Some(Box::new(m))),
                        Err(e) => tracing::warn!("cannot rebuild the tray menu: {e}"),
                    }
                    let _ = t.set_tooltip(Some(shown.tooltip()));
                }
            });
        });
    }

    fn on_menu(self: &Arc<Self>, id: &str) {
        match Item::parse(id) {
            Some(Item::Open) => self.show(Show::Main),
            Some(Item::Settings) => self.show(Show::Settings),
            Some(Item::Switcher) => self.show(Show::Switcher),
            Some(Item::PullRequests) => self.show(Show::PullRequests),
            Some(Item::PullRequest(r)) => {
                let desk = self.clone();
                self.rt.spawn(async move {
                    let open = |u: &str| desk.open_url(u);
                    if let Err(e) = desk.state.open_pull_request(&r, &open).await {
                        tracing::warn!("pull request from the tray: {e}");
                        desk.notify("Could not open the pull request", &e.to_string());
                    }
                });
            }
            Some(Item::Quit) => self.quit(),
            Some(Item::SignIn(s)) => self.sign_in(s),
            Some(Item::SignOut(s)) => self.sign_out(s),
            Some(Item::Recent(path)) => {
                if let Err(e) = self.open_path(&path) {
                    tracing::warn!("cannot open {path}: {e}");
                }
            }
            Some(Item::Favourite(p)) => match self.copy_export(&p) {
                Ok(line) => self.set_tooltip(&format!("Lanyard — copied: {line}")),
                Err(e) => self.notify("Lanyard", &e),
            },
            Some(Item::Console(p)) => {
                let desk = self.clone();
                self.rt.spawn(async move {
                    if let Err(e) = desk.open_console(&p).await {
                        tracing::warn!("console from the tray: {e}");
                        desk.notify(
                            &format!("Could not open the console as {p}"),
                            &e.to_string(),
                        );
                    }
                });
            }
            Some(Item::Credentials(p)) => {
                let desk = self.clone();
                self.rt.spawn(async move {
                    match desk.copy_credentials(&p).await {
                        Ok(c) => desk.set_tooltip(&format!(
                            "Lanyard — credentials of {p} copied{} (clipboard cleared in {} s)",
                            c.expires_at
                                .map(|t| format!(", valid until {t}"))
                                .unwrap_or_default(),
                            c.clears_after_secs
                        )),
                        Err(e) => desk.notify(
                            &format!("Could not copy the credentials of {p}"),
                            &e.to_string(),
                        ),
                    }
                });
            }
            Some(Item::Terminal(p)) => {
                if let Err(e) = crate::open_terminal(&self.state, &p) {
                    self.notify(&format!("Could not open a terminal as {p}"), &e.to_string());
                }
            }
            Some(Item::Serve(p)) => {
                let desk = self.clone();
                self.rt.spawn(async move {
                    let on = !desk
                        .state
                        .service()
                        .serving()
                        .iter()
                        .any(|e| e.profile == p);
                    if let Err(e) = desk.serve(&p, on).await {
                        desk.notify(
                            &format!("Could not serve the credentials of {p}"),
                            &e.to_string(),
                        );
                        desk.endpoints_changed();
                    }
                });
            }
            Some(Item::CopyEndpoint(p)) => match self.copy_endpoint(&p) {
                Ok(secs) => self.set_tooltip(&format!(
                    "Lanyard — the endpoint variables of {p} copied (clipboard cleared in {secs} s)"
                )),
                Err(e) => self.notify("Lanyard", &e),
            },
            None => {}
        }
    }
}

/// The shared menu entries (`tray::Shown::entries`) as muda items.
fn append(
    entries: &[Entry],
    to: &dyn Fn(&dyn IsMenuItem) -> tray_icon::menu::Result<()>,
) -> tray_icon::menu::Result<()> {
    for e in entries {
        match e {
            Entry::Item { id, text, enabled } => {
                to(&MenuItem::with_id(id.as_str(), text, *enabled, None))?
            }
            Entry::Check { id, text, checked } => to(&CheckMenuItem::with_id(
                id.as_str(),
                text,
                true,
                *checked,
                None,
            ))?,
            Entry::Sub { id, title, items } => {
                let sub = Submenu::with_id(*id, *title, true);
                append(items, &|i| sub.append(i))?;
                to(&sub)?
            }
            Entry::Separator => to(&PredefinedMenuItem::separator())?,
        }
    }
    Ok(())
}

fn menu(shown: &Shown, now: time::OffsetDateTime) -> tray_icon::menu::Result<Menu> {
    let menu = Menu::new();
    append(&shown.entries(now), &|i| menu.append(i))?;
    Ok(menu)
}

fn create_tray(desk: &Arc<Desk>) {
    let handler = desk.clone();
    MenuEvent::set_event_handler(Some(move |e: MenuEvent| handler.on_menu(e.id().as_ref())));
    let icon = match tray_png() {
        Ok(i) => i,
        Err(e) => {
            tracing::warn!("cannot create the tray icon: {e}");
            return;
        }
    };
    let shown = Shown::gather(&desk.state, desk.state.statuses().unwrap_or_default());
    let built = menu(&shown, time::OffsetDateTime::now_utc())
        .map_err(|e| e.to_string())
        .and_then(|menu| {
            TrayIconBuilder::new()
                .with_id("lanyard")
                .with_icon(icon)
                .with_tooltip("Lanyard")
                .with_menu(Box::new(menu))
                .with_menu_on_left_click(false)
                .build()
                .map_err(|e| e.to_string())
        });
    match built {
        Ok(t) => TRAY.set(Some(t)),
        Err(e) => tracing::warn!("cannot create the tray icon: {e}"),
    }
}

/// The tray icon, decoded from the PNG the app ships.
fn tray_png() -> Result<tray_icon::Icon, String> {
    let decoder = png::Decoder::new(std::io::Cursor::new(
        &include_bytes!("../../icons/tray@2x.png")[..],
    ));
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let mut buf = vec![0; reader.output_buffer_size().unwrap_or_default()];
    let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    if info.color_type != png::ColorType::Rgba || info.bit_depth != png::BitDepth::Eight {
        return Err("the tray icon must be 8-bit RGBA".into());
    }
    buf.truncate(info.buffer_size());
    tray_icon::Icon::from_rgba(buf, info.width, info.height).map_err(|e| e.to_string())
}

/// Start at login: the desktop entry runs `lanyard-app` (the entry the Tauri plugin wrote).
fn autostart(on: bool) -> Result<(), String> {
    let app = crate::beside_app("lanyard-app").ok_or("cannot find lanyard-app")?;
    let launcher = auto_launch::AutoLaunchBuilder::new()
        .set_app_name("Lanyard")
        .set_app_path(&app.to_string_lossy())
        .set_args(&[] as &[&str])
        .build()
        .map_err(|e| e.to_string())?;
    crate::switch_start_at_login(
        on,
        launcher.is_enabled().unwrap_or(false),
        || launcher.enable(),
        || launcher.disable(),
    )
}

/// SIGTERM/SIGINT (logout, `kill`, Ctrl+C) exit like Quit, with code 0.
fn listen_for_signals(desk: &Arc<Desk>) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return;
    };
    let desk = desk.clone();
    desk.rt.clone().spawn(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        tracing::info!("signal: exiting");
        desk.quit();
    });
}

/// Keeps every session fresh, the tray's countdowns current, session warnings on time, and the
/// views current when the AWS config is edited outside Lanyard (see `lib.rs`'s refresher).
fn spawn_refresher(desk: &Arc<Desk>) {
    let desk = desk.clone();
    desk.rt.clone().spawn(async move {
        crate::session_checks(
            &desk.state,
            || desk.sessions_changed(),
            || desk.update_tray(),
            |n| desk.notify_session(n),
            |changed| desk.pull_requests_checked(changed),
        )
        .await;
    });
}

/// Desktop notifications through GDBus on the GTK main loop (org.freedesktop.Notifications).
///
/// Why not notify-rust, as the Tauri path uses: its zbus backend leaves a `blocking` pool thread
/// behind after the first notification, and that thread wakes twice a second for the rest of
/// the process's life (blocking 1.7 lets an idle thread end only above the pool's limit) — a
/// poll in a tray process that must not poll (the workday test caught it). GDBus is loaded for
/// the tray icon anyway and waits on the main loop.
mod notifications {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use glib::ToVariant as _;
    use gtk::gio;

    const NAME: &str = "org.freedesktop.Notifications";
    const PATH: &str = "/org/freedesktop/Notifications";

    thread_local! {
        /// The session bus, connected on first use (main thread).
        static BUS: RefCell<Option<gio::DBusConnection>> = const { RefCell::new(None) };
        /// What a notification's Sign in does, by notification id, until it is closed.
        static SIGN_IN: RefCell<HashMap<u32, Box<dyn Fn()>>> = RefCell::new(HashMap::new());
    }

    /// Shows a notification (on the main thread). With `sign_in`, it offers a Sign in button
    /// (and a click on the notification) that runs it.
    pub fn show(title: &str, body: &str, sign_in: Option<Box<dyn Fn()>>) {
        let Some(bus) = bus() else {
            return;
        };
        let actions: Vec<&str> = if sign_in.is_some() {
            vec!["default", "Sign in", "sign-in", "Sign in"]
        } else {
            vec![]
        };
        let hints: HashMap<String, glib::Variant> = HashMap::new();
        let params = (
            "Lanyard",
            0u32,
            "lanyard-app",
            title,
            body,
            actions,
            hints,
            -1i32,
        );
        bus.call(
            Some(NAME),
            PATH,
            NAME,
            "Notify",
            Some(&params.to_variant()),
            glib::VariantTy::new("(u)").ok(),
            gio::DBusCallFlags::NONE,
            -1,
            None::<&gio::Cancellable>,
            move |reply| match reply {
                Ok(id) => {
                    if let (Some((id,)), Some(f)) = (id.get::<(u32,)>(), sign_in) {
                        SIGN_IN.with_borrow_mut(|m| m.insert(id, f));
                    }
                }
                Err(e) => tracing::warn!("cannot show a notification: {e}"),
            },
        );
    }

    fn bus() -> Option<gio::DBusConnection> {
        BUS.with_borrow_mut(|slot| {
            if slot.is_none() {
                let bus = gio::bus_get_sync(gio::BusType::Session, None::<&gio::Cancellable>)
                    .map_err(|e| tracing::warn!("cannot show notifications: {e}"))
                    .ok()?;
                let on = |member, f: fn(&glib::Variant)| {
                    bus.signal_subscribe(
                        None,
                        Some(NAME),
                        Some(member),
                        Some(PATH),
                        None,
                        gio::DBusSignalFlags::NONE,
                        move |_, _, _, _, _, params| f(params),
                    )
                };
                on("ActionInvoked", |params| {
                    if let Some((id, action)) = params.get::<(u32, String)>()
                        && (action == "sign-in" || action == "default")
                        && let Some(f) = SIGN_IN.with_borrow_mut(|m| m.remove(&id))
                    {
                        f();
                    }
                });
                on("NotificationClosed", |params| {
                    if let Some((id, _reason)) = params.get::<(u32, u32)>() {
                        SIGN_IN.with_borrow_mut(|m| m.remove(&id));
                    }
                });
                *slot = Some(bus);
            }
            slot.clone()
        })
    }
}

/// One Lanyard per user. The first holds a lock on `instance.lock` in its data folder for its
/// whole life and listens on `instance.sock` beside it; a later launch finds the lock taken,
/// connects, asks for the window, and exits.
///
/// Why a lock and not the socket alone: checking for a listener and then binding is two steps,
/// so launches at the same moment (or one killed between them, leaving its socket file over the
/// live one's) each found nobody and stayed. The lock is taken atomically and the kernel drops
/// it when its holder dies, however it dies.
mod single_instance {
    use std::io::Write as _;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use super::Desk;
    use crate::agent::Show;

    fn data_dir() -> Option<std::path::PathBuf> {
        let paths = lanyard_core::Paths::from_env(|k| std::env::var_os(k)).ok()?;
        Some(paths.data_dir)
    }

    /// What a launch found.
    pub enum Claim {
        /// This process is the Lanyard: keep the lock for the process's life.
        First(std::fs::File),
        /// Another Lanyard runs and was asked to show its window.
        Shown,
        /// Another Lanyard holds the lock but does not answer.
        Silent(String),
        /// No lock could be taken (no data folder): run without single-instance.
        Unchecked(String),
    }

    pub fn claim() -> Claim {
        let Some(dir) = data_dir() else {
            return Claim::Unchecked("no data folder".into());
        };
        if let Err(e) = lanyard_core::fsx::make_private_dir(&dir) {
            return Claim::Unchecked(e.to_string());
        }
        let lock = match std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("instance.lock"))
        {
            Ok(f) => f,
            Err(e) => return Claim::Unchecked(format!("{}: {e}", dir.display())),
        };
        match lock.try_lock() {
            Ok(()) => return Claim::First(lock),
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => {
                return Claim::Unchecked(format!("{}: {e}", dir.display()));
            }
        }
        // The holder may have taken the lock a moment ago and not be listening yet.
        let socket = dir.join("instance.sock");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match std::os::unix::net::UnixStream::connect(&socket) {
                Ok(mut s) => match s.write_all(b"show\n") {
                    Ok(()) => return Claim::Shown,
                    Err(e) if Instant::now() > deadline => return Claim::Silent(e.to_string()),
                    Err(_) => {}
                },
                Err(e) if Instant::now() > deadline => return Claim::Silent(e.to_string()),
                Err(_) => {}
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Listens for later launches (called while holding the lock, so a socket file already
    /// there is a dead Lanyard's).
    pub fn listen(desk: &Arc<Desk>) {
        let Some(path) = data_dir().map(|d| d.join("instance.sock")) else {
            return;
        };
        let _ = std::fs::remove_file(&path);
        let listener = match tokio::net::UnixListener::bind(&path) {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(
                    "cannot listen for a second launch on {}: {e}",
                    path.display()
                );
                return;
            }
        };
        let desk = desk.clone();
        desk.rt.clone().spawn(async move {
            loop {
                match listener.accept().await {
                    Ok(_) => {
                        tracing::info!("a second launch: showing the running Lanyard");
                        desk.show(Show::Main);
                    }
                    // One failed accept (a launch that gave up, no file descriptors left for a
                    // moment) must not end listening for good.
                    Err(e) => {
                        tracing::warn!("a second launch could not be answered: {e}");
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    }
                }
            }
        });
    }
}

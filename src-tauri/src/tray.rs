//! The tray icon and its menu: favourite profiles (click copies `export AWS_PROFILE=…`, a submenu
//! opens the console as one), each identity with its state and countdown and a Sign in / Sign
//! out item, recent clones, then Quick switch, Open Lanyard, Settings and Quit. Rebuilt from
//! state when sessions change.

use lanyard_core::sso::{IdentityStatus, LoginMethod, SessionState};
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Runtime};

use crate::{AppState, events};

const TRAY_ID: &str = "lanyard";

/// Tray menu items; ids are `open`, `settings`, `quit`, `sign-in:<session>`, `sign-out:<session>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item {
    Open,
    Settings,
    Quit,
    SignIn(String),
    SignOut(String),
    Favourite(String),
    Console(String),
    Recent(String),
    Switcher,
    Credentials(String),
    Terminal(String),
    Serve(String),
    CopyEndpoint(String),
}

impl Item {
    pub(crate) fn id(&self) -> String {
        match self {
            Item::Open => "open".into(),
            Item::Settings => "settings".into(),
            Item::Quit => "quit".into(),
            Item::SignIn(s) => format!("sign-in:{s}"),
            Item::SignOut(s) => format!("sign-out:{s}"),
            Item::Favourite(p) => format!("favourite:{p}"),
            Item::Console(p) => format!("console:{p}"),
            Item::Switcher => "switcher".into(),
            Item::Recent(p) => format!("recent:{p}"),
            Item::Credentials(p) => format!("credentials:{p}"),
            Item::Terminal(p) => format!("terminal:{p}"),
            Item::Serve(p) => format!("serve:{p}"),
            Item::CopyEndpoint(p) => format!("endpoint:{p}"),
        }
    }

    pub(crate) fn parse(id: &str) -> Option<Item> {
        match id {
            "open" => Some(Item::Open),
            "settings" => Some(Item::Settings),
            "quit" => Some(Item::Quit),
            "switcher" => Some(Item::Switcher),
            _ => match id.split_once(':') {
                Some(("sign-in", s)) => Some(Item::SignIn(s.into())),
                Some(("sign-out", s)) => Some(Item::SignOut(s.into())),
                Some(("favourite", p)) => Some(Item::Favourite(p.into())),
                Some(("console", p)) => Some(Item::Console(p.into())),
                Some(("recent", p)) => Some(Item::Recent(p.into())),
                Some(("credentials", p)) => Some(Item::Credentials(p.into())),
                Some(("terminal", p)) => Some(Item::Terminal(p.into())),
                Some(("serve", p)) => Some(Item::Serve(p.into())),
                Some(("endpoint", p)) => Some(Item::CopyEndpoint(p.into())),
                _ => None,
            },
        }
    }
}

/// Shows, unminimizes and focuses the main window.
pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    crate::agent::show(app, crate::agent::Show::Main);
}

/// "acme — signed in · renews automatically", "corp — expires in 9 min", …
pub fn label(s: &IdentityStatus, now: time::OffsetDateTime) -> String {
    let minutes = s
        .access_token_expires_at
        .as_deref()
        .and_then(lanyard_core::sso::cache::parse_time)
        .map(|t| (t - now).whole_minutes().max(0));
    let state = match (s.state, minutes, s.refreshable) {
        (SessionState::SignedIn, _, true) => "signed in · renews automatically".to_owned(),
        (SessionState::SignedIn, Some(m), false) => format!("signed in · {m} min left"),
        (SessionState::SignedIn, None, _) => "signed in".to_owned(),
        (SessionState::Expiring, Some(m), _) => format!("expires in {m} min — sign in"),
        (SessionState::Expiring, None, _) => "expiring — sign in".to_owned(),
        (SessionState::Expired, _, _) => "expired — sign in".to_owned(),
        (SessionState::SignedOut, _, _) => "signed out".to_owned(),
    };
    format!("{} — {state}", s.identity.session)
}

fn menu<R: Runtime>(app: &AppHandle<R>, sessions: &[IdentityStatus]) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(app)?;
    let favourites = app.state::<AppState>().favourites();
    let serving = app.state::<AppState>().service().serving();
    for p in &favourites {
        menu.append(&MenuItem::with_id(
            app,
            Item::Favourite(p.clone()).id(),
            format!("★ {p}"),
            true,
            None::<&str>,
        )?)?;
    }
    if !favourites.is_empty() {
        let per_favourite = |id: &str, title: &str, item: fn(String) -> Item| {
            let sub = Submenu::with_id(app, id, title, true)?;
            for p in &favourites {
                sub.append(&MenuItem::with_id(
                    app,
                    item(p.clone()).id(),
                    p,
                    true,
                    None::<&str>,
                )?)?;
            }
            tauri::Result::Ok(sub)
        };
        menu.append(&per_favourite(
            "console-menu",
            "Open in AWS console",
            Item::Console,
        )?)?;
        menu.append(&per_favourite(
            "credentials-menu",
            "Copy credentials as environment variables",
            Item::Credentials,
        )?)?;
        menu.append(&per_favourite(
            "terminal-menu",
            "Open a terminal as",
            Item::Terminal,
        )?)?;
        let serve = Submenu::with_id(app, "serve-menu", "Serve credentials locally", true)?;
        for p in &favourites {
            serve.append(&CheckMenuItem::with_id(
                app,
                Item::Serve(p.clone()).id(),
                p,
                true,
                serving.iter().any(|e| &e.profile == p),
                None::<&str>,
            )?)?;
        }
        menu.append(&serve)?;
        menu.append(&PredefinedMenuItem::separator(app)?)?;
    }
    if !serving.is_empty() {
        menu.append(&MenuItem::with_id(
            app,
            "label:serving",
            "Serving credentials",
            false,
            None::<&str>,
        )?)?;
        for e in &serving {
            menu.append(&MenuItem::with_id(
                app,
                Item::CopyEndpoint(e.profile.clone()).id(),
                format!("    {} on {} — copy the variables", e.profile, e.url),
                true,
                None::<&str>,
            )?)?;
            menu.append(&MenuItem::with_id(
                app,
                Item::Serve(e.profile.clone()).id(),
                format!("    Stop serving {}", e.profile),
                true,
                None::<&str>,
            )?)?;
        }
        menu.append(&PredefinedMenuItem::separator(app)?)?;
    }
    let now = time::OffsetDateTime::now_utc();
    for s in sessions {
        menu.append(&MenuItem::with_id(
            app,
            format!("label:{}", s.identity.session),
            label(s, now),
            false,
            None::<&str>,
        )?)?;
        let action = if s.state == SessionState::SignedIn || s.state == SessionState::Expiring {
            MenuItem::with_id(
                app,
                Item::SignOut(s.identity.session.clone()).id(),
                format!("    Sign out of {}", s.identity.session),
                true,
                None::<&str>,
            )?
        } else {
            MenuItem::with_id(
                app,
                Item::SignIn(s.identity.session.clone()).id(),
                format!("    Sign in to {}…", s.identity.session),
                true,
                None::<&str>,
            )?
        };
        menu.append(&action)?;
    }
    if !sessions.is_empty() {
        menu.append(&PredefinedMenuItem::separator(app)?)?;
    }
    let recent = app.state::<AppState>().recent_clones();
    if !recent.is_empty() {
        menu.append(&MenuItem::with_id(
            app,
            "label:recent",
            "Recent repositories",
            false,
            None::<&str>,
        )?)?;
        for c in recent.iter().take(5) {
            menu.append(&MenuItem::with_id(
                app,
                Item::Recent(c.path.clone()).id(),
                format!("    {} ({}, {})", c.repository, c.account_name, c.region),
                true,
                None::<&str>,
            )?)?;
        }
        menu.append(&PredefinedMenuItem::separator(app)?)?;
    }
    menu.append(&MenuItem::with_id(
        app,
        Item::Switcher.id(),
        "Quick switch…",
        true,
        None::<&str>,
    )?)?;
    menu.append(&MenuItem::with_id(
        app,
        Item::Open.id(),
        "Open Lanyard",
        true,
        None::<&str>,
    )?)?;
    menu.append(&MenuItem::with_id(
        app,
        Item::Settings.id(),
        "Settings…",
        true,
        None::<&str>,
    )?)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&MenuItem::with_id(
        app,
        Item::Quit.id(),
        "Quit Lanyard",
        true,
        None::<&str>,
    )?)?;
    Ok(menu)
}

/// Sets the tooltip (e.g. a background clone's progress) until the next rebuild.
pub fn set_tooltip<R: Runtime>(app: &AppHandle<R>, text: &str) {
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let _ = tray.set_tooltip(Some(text));
        SHOWN.lock().unwrap_or_else(|p| p.into_inner()).clear(); // the next update restores it
    }
}

/// What the menu and tooltip last showed, as text: an update that would show the same is
/// skipped (a rebuilt menu is re-sent over D-Bus to the tray host: measurable CPU when idle).
static SHOWN: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

/// Rebuilds the menu and tooltip from the current sessions, when what they show changed.
pub fn update<R: Runtime>(app: &AppHandle<R>, sessions: &[IdentityStatus]) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let state = app.state::<AppState>();
    let now = time::OffsetDateTime::now_utc();
    let shown = serde_json::json!([
        sessions.iter().map(|s| label(s, now)).collect::<Vec<_>>(),
        state.favourites(),
        state.service().serving(),
        state.recent_clones(),
        *state.login_hint.lock().unwrap_or_else(|p| p.into_inner()),
    ])
    .to_string();
    {
        let mut last = SHOWN.lock().unwrap_or_else(|p| p.into_inner());
        if *last == shown {
            return;
        }
        *last = shown;
    }
    match menu(app, sessions) {
        Ok(m) => {
            let _ = tray.set_menu(Some(m));
        }
        Err(e) => tracing::warn!("cannot rebuild the tray menu: {e}"),
    }
    let hint = app
        .state::<AppState>()
        .login_hint
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let signed_in = sessions
        .iter()
        .filter(|s| s.state == SessionState::SignedIn)
        .count();
    let tooltip =
        hint.unwrap_or_else(|| format!("Lanyard — {signed_in} of {} signed in", sessions.len()));
    let _ = tray.set_tooltip(Some(tooltip));
}

/// Signs in to one identity in the background (tray item, notification button).
pub(crate) fn sign_in<R: Runtime>(app: &AppHandle<R>, session: String) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let tray_app = app.clone();
        let on_step = move |_| {
            // The tooltip shows the device code or "approve in your browser" while waiting.
            if let Ok(list) = tray_app.state::<AppState>().statuses() {
                update(&tray_app, &list);
            }
        };
        if let Err(e) = state
            .sign_in(
                &session,
                LoginMethod::Auto,
                &|url| crate::open_in_browser(&app, url),
                &on_step,
            )
            .await
        {
            tracing::warn!(session, "sign-in from the tray failed: {e}");
        }
        events::sessions_changed(&app);
    });
}

fn sign_out<R: Runtime>(app: &AppHandle<R>, session: String) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        if let Err(e) = app.state::<AppState>().sign_out(&session).await {
            tracing::warn!(session, "sign-out from the tray failed: {e}");
        }
        events::sessions_changed(&app);
    });
}

/// Builds the tray icon with its menu.
pub fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let sessions = app.state::<AppState>().statuses().unwrap_or_default();
    let icon = tauri::image::Image::from_bytes(include_bytes!("../../icons/tray@2x.png"))?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon)
        .icon_as_template(true)
        .tooltip("Lanyard")
        .menu(&menu(app, &sessions)?)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match Item::parse(event.id().as_ref()) {
            Some(Item::Open) => show_main(app),
            Some(Item::Settings) => crate::agent::show(app, crate::agent::Show::Settings),
            Some(Item::Quit) => app.exit(0),
            Some(Item::SignIn(s)) => sign_in(app, s),
            Some(Item::SignOut(s)) => sign_out(app, s),
            Some(Item::Recent(path)) => {
                if let Err(e) = crate::open_path(app, &path) {
                    tracing::warn!("cannot open {path}: {e}");
                }
            }
            Some(Item::Favourite(p)) => match crate::copy_export(app, &p) {
                Ok(line) => set_tooltip(app, &format!("Lanyard — copied: {line}")),
                Err(e) => crate::notify(app, "Lanyard", &e),
            },
            Some(Item::Console(p)) => {
                let app = app.clone();
                tauri::async_runtime::spawn(async move {
                    let state = app.state::<AppState>();
                    if let Err(e) = crate::open_console(&app, &state, &p).await {
                        tracing::warn!("console from the tray: {e}");
                        crate::notify(
                            &app,
                            &format!("Could not open the console as {p}"),
                            &e.to_string(),
                        );
                    }
                });
            }
            Some(Item::Switcher) => crate::agent::show(app, crate::agent::Show::Switcher),
            Some(Item::Credentials(p)) => {
                let app = app.clone();
                tauri::async_runtime::spawn(async move {
                    let state = app.state::<AppState>();
                    match crate::copy_credentials(&app, &state, &p).await {
                        Ok(c) => set_tooltip(
                            &app,
                            &format!(
                                "Lanyard — credentials of {p} copied{} (clipboard cleared in {} s)",
                                c.expires_at
                                    .map(|t| format!(", valid until {t}"))
                                    .unwrap_or_default(),
                                c.clears_after_secs
                            ),
                        ),
                        Err(e) => crate::notify(
                            &app,
                            &format!("Could not copy the credentials of {p}"),
                            &e.to_string(),
                        ),
                    }
                });
            }
            Some(Item::Terminal(p)) => {
                if let Err(e) = crate::open_terminal(&app.state::<AppState>(), &p) {
                    crate::notify(app, &format!("Could not open a terminal as {p}"), &e.to_string());
                }
            }
            Some(Item::Serve(p)) => {
                let app = app.clone();
                tauri::async_runtime::spawn(async move {
                    let state = app.state::<AppState>();
                    let on = !state.service().serving().iter().any(|e| e.profile == p);
                    if let Err(e) = crate::serve_credentials(&app, &state, &p, on).await {
                        crate::notify(
                            &app,
                            &format!("Could not serve the credentials of {p}"),
                            &e.to_string(),
                        );
                        crate::events::endpoints_changed(&app);
                    }
                });
            }
            Some(Item::CopyEndpoint(p)) => match crate::copy_endpoint(app, &p) {
                Ok(secs) => set_tooltip(
                    app,
                    &format!("Lanyard — the endpoint variables of {p} copied (clipboard cleared in {secs} s)"),
                ),
                Err(e) => crate::notify(app, "Lanyard", &e),
            },
            None => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                show_main(tray.app_handle());
            }
        })
        .build(app)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lanyard_core::sso::Identity;

    #[test]
    fn ids_round_trip() {
        for item in [
            Item::Open,
            Item::Settings,
            Item::Quit,
            Item::SignIn("a.b-c".into()),
            Item::SignOut("x".into()),
            Item::Favourite("acme-dev/Developer".into()),
            Item::Console("acme-dev/Developer".into()),
            Item::Switcher,
            Item::Recent("/home/u/codecommit/acme-dev/api".into()),
            Item::Credentials("acme-dev/Developer".into()),
            Item::Terminal("acme-dev/Developer".into()),
            Item::Serve("acme-dev/Developer".into()),
            Item::CopyEndpoint("acme-dev/Developer".into()),
        ] {
            assert_eq!(Item::parse(&item.id()), Some(item));
        }
        assert_eq!(Item::parse("label:acme"), None);
    }

    #[test]
    fn labels_show_state_and_countdown() {
        let now = time::macros::datetime!(2026-11-25 10:00 UTC);
        let s = |state, exp: Option<&str>, refreshable| IdentityStatus {
            identity: Identity {
                session: "acme".into(),
                start_url: String::new(),
                region: String::new(),
                scopes: vec![],
                managed: true,
            },
            state,
            access_token_expires_at: exp.map(str::to_owned),
            refreshable,
            detail: None,
        };
        assert_eq!(
            label(
                &s(SessionState::SignedIn, Some("2026-11-25T10:52:00Z"), true),
                now
            ),
            "acme — signed in · renews automatically"
        );
        assert_eq!(
            label(
                &s(SessionState::SignedIn, Some("2026-11-25T10:52:00Z"), false),
                now
            ),
            "acme — signed in · 52 min left"
        );
        assert_eq!(
            label(
                &s(SessionState::Expiring, Some("2026-11-25T10:09:30Z"), false),
                now
            ),
            "acme — expires in 9 min — sign in"
        );
        assert_eq!(
            label(&s(SessionState::Expired, None, false), now),
            "acme — expired — sign in"
        );
        assert_eq!(
            label(&s(SessionState::SignedOut, None, false), now),
            "acme — signed out"
        );
    }
}

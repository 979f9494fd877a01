//! The tray icon and its menu: favourite profiles (click copies `export AWS_PROFILE=…`, a submenu
//! opens the console as one), each identity with its state and countdown and a Sign in / Sign
//! out item, recent clones, then Quick switch, Open Lanyard, Settings and Quit. Rebuilt from
//! state when sessions change.

use lanyard_core::codecommit::prs::{Concern, PullRequest, PullRequestRef};
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
    /// A pull request waiting for the user: opens it in the console.
    PullRequest(PullRequestRef),
    /// The window's Pull requests view.
    PullRequests,
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
            Item::PullRequest(r) => {
                format!("pr:{}/{}/{}/{}", r.account_id, r.region, r.id, r.session)
            }
            Item::PullRequests => "pull-requests".into(),
        }
    }

    pub(crate) fn parse(id: &str) -> Option<Item> {
        match id {
            "open" => Some(Item::Open),
            "settings" => Some(Item::Settings),
            "quit" => Some(Item::Quit),
            "switcher" => Some(Item::Switcher),
            "pull-requests" => Some(Item::PullRequests),
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
                // The session last: the only part that is not a plain id.
                Some(("pr", r)) => {
                    let mut parts = r.splitn(4, '/');
                    Some(Item::PullRequest(PullRequestRef {
                        account_id: parts.next()?.into(),
                        region: parts.next()?.into(),
                        id: parts.next()?.into(),
                        session: parts.next()?.into(),
                    }))
                }
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
        (SessionState::Offline, _, _) => "offline · renews when the network is back".to_owned(),
    };
    format!("{} — {state}", s.identity.session)
}

/// One entry of the tray menu. Both tray processes (this one through Tauri, `lanyard-tray`
/// through muda) render the same list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Entry {
    /// A clickable item (or, disabled, a label).
    Item {
        id: String,
        text: String,
        enabled: bool,
    },
    /// A check item (a running endpoint).
    Check {
        id: String,
        text: String,
        checked: bool,
    },
    /// A submenu.
    Sub {
        id: &'static str,
        title: &'static str,
        items: Vec<Entry>,
    },
    Separator,
}

fn entry(id: String, text: String, enabled: bool) -> Entry {
    Entry::Item { id, text, enabled }
}

/// What the tray shows: sessions, favourites, endpoints, recent clones and a sign-in's hint.
#[derive(Debug, Clone, Default)]
pub(crate) struct Shown {
    pub sessions: Vec<IdentityStatus>,
    pub favourites: Vec<String>,
    pub serving: Vec<lanyard_core::service::EndpointInfo>,
    pub recent: Vec<lanyard_core::codecommit::RecentClone>,
    pub hint: Option<String>,
    /// Pull requests waiting for the user's approval (None: never checked).
    pub awaiting: Option<Vec<PullRequest>>,
}

/// Pull requests the menu lists by name; the rest are counted.
pub(crate) const PULL_REQUESTS_LISTED: usize = 5;

/// "payments-api #12: Fix rounding — bob"
fn pull_request_label(p: &PullRequest) -> String {
    let title: String = p.title.chars().take(60).collect();
    let more = if title.len() < p.title.len() {
        "…"
    } else {
        ""
    };
    format!("{} #{}: {title}{more} — {}", p.repository, p.id, p.author)
}

impl Shown {
    pub(crate) fn gather(state: &AppState, sessions: Vec<IdentityStatus>) -> Shown {
        Shown {
            sessions,
            favourites: state.favourites(),
            serving: state.service().serving(),
            recent: state.recent_clones(),
            awaiting: {
                let inboxes = state.cached_pull_requests();
                (!inboxes.is_empty()).then(|| {
                    let mut all: Vec<PullRequest> = inboxes
                        .into_iter()
                        .flat_map(|i| i.pull_requests)
                        .filter(|p| p.concern == Concern::Awaiting)
                        .collect();
                    all.sort_by_key(|p| std::cmp::Reverse(p.last_activity_micros));
                    all
                })
            },
            hint: state
                .login_hint
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        }
    }

    /// What the menu and tooltip would show, as text: an update that would show the same is
    /// skipped (a rebuilt menu is re-sent over D-Bus to the tray host: measurable CPU when idle).
    pub(crate) fn fingerprint(&self, now: time::OffsetDateTime) -> String {
        serde_json::json!([
            self.sessions
                .iter()
                .map(|s| label(s, now))
                .collect::<Vec<_>>(),
            self.favourites,
            self.serving,
            self.recent,
            self.hint,
            self.awaiting
                .as_ref()
                .map(|a| a.iter().map(pull_request_label).collect::<Vec<_>>()),
        ])
        .to_string()
    }

    /// Whether this differs from what the tray `last` showed (then remembered as shown, and
    /// logged at debug level: what the tray says can be followed from outside, e.g. by tests).
    pub(crate) fn replaces(
        &self,
        last: &std::sync::Mutex<String>,
        now: time::OffsetDateTime,
    ) -> bool {
        let print = self.fingerprint(now);
        let mut last = last.lock().unwrap_or_else(|p| p.into_inner());
        if *last == print {
            return false;
        }
        *last = print;
        let labels: Vec<String> = self.sessions.iter().map(|s| label(s, now)).collect();
        tracing::debug!("tray shows: {} | {}", self.tooltip(), labels.join(" | "));
        true
    }

    /// "Lanyard — 2 of 3 signed in", or a sign-in's hint (the device code) while one waits.
    pub(crate) fn tooltip(&self) -> String {
        let signed_in = self
            .sessions
            .iter()
            .filter(|s| s.state == SessionState::SignedIn)
            .count();
        let offline = self
            .sessions
            .iter()
            .filter(|s| s.state == SessionState::Offline)
            .count();
        let waiting = match self.awaiting.as_ref().map_or(0, Vec::len) {
            0 => String::new(),
            1 => " · 1 pull request waits for you".into(),
            n => format!(" · {n} pull requests wait for you"),
        };
        self.hint.clone().unwrap_or_else(|| match offline {
            0 => format!(
                "Lanyard — {signed_in} of {} signed in{waiting}",
                self.sessions.len()
            ),
            n => format!(
                "Lanyard — offline: {n} of {} waiting for the network",
                self.sessions.len()
            ),
        })
    }

    /// Favourites and what to do with them, endpoints, identities with Sign in/out, recent
    /// clones, then Quick switch, Open, Settings and Quit.
    pub(crate) fn entries(&self, now: time::OffsetDateTime) -> Vec<Entry> {
        let mut m = Vec::new();
        for p in &self.favourites {
            m.push(entry(
                Item::Favourite(p.clone()).id(),
                format!("★ {p}"),
                true,
            ));
        }
        if !self.favourites.is_empty() {
            let per_favourite = |id, title, item: fn(String) -> Item| Entry::Sub {
                id,
                title,
                items: self
                    .favourites
                    .iter()
                    .map(|p| entry(item(p.clone()).id(), p.clone(), true))
                    .collect(),
            };
            m.push(per_favourite(
                "console-menu",
                "Open in AWS console",
                Item::Console,
            ));
            m.push(per_favourite(
                "credentials-menu",
                "Copy credentials as environment variables",
                Item::Credentials,
            ));
            m.push(per_favourite(
                "terminal-menu",
                "Open a terminal as",
                Item::Terminal,
            ));
            m.push(Entry::Sub {
                id: "serve-menu",
                title: "Serve credentials locally",
                items: self
                    .favourites
                    .iter()
                    .map(|p| Entry::Check {
                        id: Item::Serve(p.clone()).id(),
                        text: p.clone(),
                        checked: self.serving.iter().any(|e| &e.profile == p),
                    })
                    .collect(),
            });
            m.push(Entry::Separator);
        }
        if !self.serving.is_empty() {
            m.push(entry(
                "label:serving".into(),
                "Serving credentials".into(),
                false,
            ));
            for e in &self.serving {
                m.push(entry(
                    Item::CopyEndpoint(e.profile.clone()).id(),
                    format!("    {} on {} — copy the variables", e.profile, e.url),
                    true,
                ));
                m.push(entry(
                    Item::Serve(e.profile.clone()).id(),
                    format!("    Stop serving {}", e.profile),
                    true,
                ));
            }
            m.push(Entry::Separator);
        }
        for s in &self.sessions {
            let session = &s.identity.session;
            m.push(entry(format!("label:{session}"), label(s, now), false));
            m.push(
                if matches!(
                    s.state,
                    SessionState::SignedIn | SessionState::Expiring | SessionState::Offline
                ) {
                    entry(
                        Item::SignOut(session.clone()).id(),
                        format!("    Sign out of {session}"),
                        true,
                    )
                } else {
                    entry(
                        Item::SignIn(session.clone()).id(),
                        format!("    Sign in to {session}…"),
                        true,
                    )
                },
            );
        }
        if !self.sessions.is_empty() {
            m.push(Entry::Separator);
        }
        if let Some(awaiting) = &self.awaiting {
            m.push(entry(
                "label:pull-requests".into(),
                match awaiting.len() {
                    0 => "Pull requests — none wait for you".into(),
                    1 => "Pull requests — 1 waits for you".into(),
                    n => format!("Pull requests — {n} wait for you"),
                },
                false,
            ));
            for p in awaiting.iter().take(PULL_REQUESTS_LISTED) {
                m.push(entry(
                    Item::PullRequest(p.reference()).id(),
                    format!("    {}", pull_request_label(p)),
                    true,
                ));
            }
            if awaiting.len() > PULL_REQUESTS_LISTED {
                m.push(entry(
                    Item::PullRequests.id(),
                    format!(
                        "    {} more — show all…",
                        awaiting.len() - PULL_REQUESTS_LISTED
                    ),
                    true,
                ));
            } else {
                m.push(entry(
                    Item::PullRequests.id(),
                    "    All pull requests…".into(),
                    true,
                ));
            }
            m.push(Entry::Separator);
        }
        if !self.recent.is_empty() {
            m.push(entry(
                "label:recent".into(),
                "Recent repositories".into(),
                false,
            ));
            for c in self.recent.iter().take(5) {
                m.push(entry(
                    Item::Recent(c.path.clone()).id(),
                    format!("    {} ({}, {})", c.repository, c.account_name, c.region),
                    true,
                ));
            }
            m.push(Entry::Separator);
        }
        m.push(entry(Item::Switcher.id(), "Quick switch…".into(), true));
        m.push(entry(Item::Open.id(), "Open Lanyard".into(), true));
        m.push(entry(Item::Settings.id(), "Settings…".into(), true));
        m.push(Entry::Separator);
        m.push(entry(Item::Quit.id(), "Quit Lanyard".into(), true));
        m
    }
}

/// The entries as Tauri menu items.
fn append<R: Runtime, M: tauri::Manager<R>>(
    app: &M,
    entries: &[Entry],
    to: &dyn Fn(&dyn tauri::menu::IsMenuItem<R>) -> tauri::Result<()>,
) -> tauri::Result<()> {
    for e in entries {
        match e {
            Entry::Item { id, text, enabled } => {
                to(&MenuItem::with_id(app, id, text, *enabled, None::<&str>)?)?
            }
            Entry::Check { id, text, checked } => to(&CheckMenuItem::with_id(
                app,
                id,
                text,
                true,
                *checked,
                None::<&str>,
            )?)?,
            Entry::Sub { id, title, items } => {
                let sub = Submenu::with_id(app, *id, *title, true)?;
                append(app, items, &|i| sub.append(i))?;
                to(&sub)?
            }
            Entry::Separator => to(&PredefinedMenuItem::separator(app)?)?,
        }
    }
    Ok(())
}

fn menu<R: Runtime>(app: &AppHandle<R>, shown: &Shown) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(app)?;
    append(app, &shown.entries(time::OffsetDateTime::now_utc()), &|i| {
        menu.append(i)
    })?;
    Ok(menu)
}

/// Sets the tooltip (e.g. a background clone's progress) until the next rebuild.
pub fn set_tooltip<R: Runtime>(app: &AppHandle<R>, text: &str) {
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let _ = tray.set_tooltip(Some(text));
        SHOWN.lock().unwrap_or_else(|p| p.into_inner()).clear(); // the next update restores it
    }
}

/// What the menu and tooltip last showed (`Shown::fingerprint`).
static SHOWN: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

/// Rebuilds the menu and tooltip from the current sessions, when what they show changed.
pub fn update<R: Runtime>(app: &AppHandle<R>, sessions: &[IdentityStatus]) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let shown = Shown::gather(&app.state::<AppState>(), sessions.to_vec());
    if !shown.replaces(&SHOWN, time::OffsetDateTime::now_utc()) {
        return;
    }
    match menu(app, &shown) {
        Ok(m) => {
            let _ = tray.set_menu(Some(m));
        }
        Err(e) => tracing::warn!("cannot rebuild the tray menu: {e}"),
    }
    let _ = tray.set_tooltip(Some(shown.tooltip()));
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
    let shown = Shown::gather(&app.state::<AppState>(), sessions);
    let icon = tauri::image::Image::from_bytes(include_bytes!("../../icons/tray@2x.png"))?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon)
        .icon_as_template(true)
        .tooltip("Lanyard")
        .menu(&menu(app, &shown)?)
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
            Some(Item::PullRequests) => crate::agent::show(app, crate::agent::Show::PullRequests),
            Some(Item::PullRequest(r)) => {
                let app = app.clone();
                tauri::async_runtime::spawn(async move {
                    let state = app.state::<AppState>();
                    if let Err(e) = state
                        .open_pull_request(&r, &|u| crate::open_in_browser(&app, u))
                        .await
                    {
                        crate::notify(&app, "Could not open the pull request", &e.to_string());
                    }
                });
            }
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
            Item::PullRequests,
            Item::PullRequest(PullRequestRef {
                session: "a/b".into(),
                account_id: "111111111111".into(),
                region: "eu-west-1".into(),
                id: "12".into(),
            }),
        ] {
            assert_eq!(Item::parse(&item.id()), Some(item));
        }
        assert_eq!(Item::parse("label:acme"), None);
    }

    #[test]
    fn the_menu_lists_favourites_endpoints_and_ends_with_open_settings_quit() {
        let shown = Shown {
            favourites: vec!["acme-dev/Developer".into()],
            serving: vec![lanyard_core::service::EndpointInfo {
                profile: "acme-dev/Developer".into(),
                url: "http://127.0.0.1:4711/creds".into(),
            }],
            ..Shown::default()
        };
        let m = shown.entries(time::OffsetDateTime::now_utc());
        let ids: Vec<&str> = m
            .iter()
            .filter_map(|e| match e {
                Entry::Item { id, .. } => Some(id.as_str()),
                Entry::Sub { id, .. } => Some(*id),
                _ => None,
            })
            .collect();
        assert_eq!(ids[0], "favourite:acme-dev/Developer");
        assert!(ids.contains(&"endpoint:acme-dev/Developer"));
        // The tray tests count from the bottom: Open is second to last, Quit last.
        assert_eq!(
            &ids[ids.len() - 4..],
            ["switcher", "open", "settings", "quit"]
        );
        let serve = m
            .iter()
            .find_map(|e| match e {
                Entry::Sub {
                    id: "serve-menu",
                    items,
                    ..
                } => Some(items.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(
            serve,
            [Entry::Check {
                id: "serve:acme-dev/Developer".into(),
                text: "acme-dev/Developer".into(),
                checked: true
            }]
        );
        assert_eq!(shown.tooltip(), "Lanyard — 0 of 0 signed in");
    }

    #[test]
    fn the_menu_counts_the_pull_requests_waiting_and_lists_the_first_few() {
        let inbox: lanyard_core::codecommit::prs::Inbox = serde_json::from_value(serde_json::json!({
            "session": "acme", "checkedAt": "", "notes": [], "pullRequests": (1..=7).map(|i| serde_json::json!({
                "session": "acme", "accountId": "111111111111", "accountName": "dev", "roleName": "Dev",
                "region": "eu-west-1", "repository": "payments-api", "id": i.to_string(),
                "title": if i == 1 { "x".repeat(80) } else { format!("Change {i}") },
                "description": null, "authorArn": "", "author": "bob", "created": "",
                "lastActivity": "", "lastActivityMicros": i, "open": true, "merged": false,
                "sourceRef": "", "destinationRef": "", "sourceCommit": "", "revisionId": "r",
                "approvals": 0, "approvalsNeeded": 1, "approved": false, "rulesNotSatisfied": [],
                "approvedByMe": false, "concern": "awaiting", "canMerge": null
            })).collect::<Vec<_>>()
        }))
        .unwrap();
        let mut awaiting = inbox.pull_requests;
        awaiting.reverse();
        let shown = Shown {
            awaiting: Some(awaiting),
            ..Shown::default()
        };
        let texts: Vec<String> = shown
            .entries(time::OffsetDateTime::now_utc())
            .into_iter()
            .filter_map(|e| match e {
                Entry::Item { text, .. } => Some(text),
                _ => None,
            })
            .collect();
        let at = texts
            .iter()
            .position(|t| t == "Pull requests — 7 wait for you")
            .unwrap();
        assert_eq!(texts[at + 1], "    payments-api #7: Change 7 — bob");
        assert_eq!(texts[at + 5], "    payments-api #3: Change 3 — bob");
        assert_eq!(texts[at + 6], "    2 more — show all…");
        assert_eq!(
            shown.tooltip(),
            "Lanyard — 0 of 0 signed in · 7 pull requests wait for you"
        );
        let long = pull_request_label(&shown.awaiting.as_ref().unwrap()[6]);
        assert_eq!(long, format!("payments-api #1: {}… — bob", "x".repeat(60)));
        // Never checked: no section; checked and none waiting: says so.
        assert!(
            !Shown::default()
                .entries(time::OffsetDateTime::now_utc())
                .iter()
                .any(|e| matches!(e, Entry::Item { id, .. } if id == "label:pull-requests"))
        );
        let none = Shown {
            awaiting: Some(vec![]),
            ..Shown::default()
        };
        assert!(
            none.entries(time::OffsetDateTime::now_utc())
                .contains(&Entry::Item {
                    id: "label:pull-requests".into(),
                    text: "Pull requests — none wait for you".into(),
                    enabled: false
                })
        );
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
        // A token run out while the network is gone: not "sign in", not "signed out".
        assert_eq!(
            label(
                &s(SessionState::Offline, Some("2026-11-25T09:59:00Z"), true),
                now
            ),
            "acme — offline · renews when the network is back"
        );
    }
}

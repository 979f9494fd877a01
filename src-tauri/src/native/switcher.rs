//! The quick switcher of `lanyard-tray`, in GTK (issue #16).
//!
//! Why not the web switcher here: with no window open there is no WebKit process, and starting
//! one costs more than the budget of the shortcut-to-painted-switcher (250 ms; an empty Tauri
//! window's first frame alone takes ~280 ms on this machine). GTK is already loaded for the
//! tray, so this window paints in a few milliseconds. It does what `Switcher.svelte` does (the
//! same rows, ranking, keys, actions and messages, and the same timing lines the tests and
//! benches read); on the Tauri path (other platforms) the web switcher remains.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Instant;

use gtk::gdk;
use gtk::gdk::keys::constants as key;
use gtk::prelude::*;
use lanyard_core::switcher::{Index, MAX_ROWS, SwitcherEntry, SwitcherKind};

use super::Desk;

/// How long a confirmation ("Copied …") stays before the window hides.
const HIDE_AFTER_MS: u64 = 600;
/// How long after a focus-out the switcher checks whether the focus really went elsewhere.
const FOCUS_SETTLES: std::time::Duration = std::time::Duration::from_millis(150);
/// Rows PageUp/PageDown move by.
const PAGE: usize = 10;

const CSS: &str = "
.lanyard-switcher { background: #ffffff; color: #1d1f24; border: 1px solid #cfd3dc; }
.lanyard-switcher .search { padding: 10px 14px; border-bottom: 1px solid #e2e4ea; }
.lanyard-switcher .search entry { font-size: 17px; border: none; box-shadow: none;
  background: transparent; padding: 4px 0; }
.lanyard-switcher list { background: transparent; padding: 4px 6px; }
.lanyard-switcher row { padding: 5px 8px; border-radius: 6px; }
.lanyard-switcher row.current { background: rgba(79, 70, 229, 0.12); }
.lanyard-switcher row.current .name { color: #3730a3; }
.lanyard-switcher .kind { font-size: 11px; font-weight: 600; border-radius: 999px;
  padding: 0 6px; }
.lanyard-switcher .kind.profile { background: rgba(79, 70, 229, 0.12); color: #3730a3; }
.lanyard-switcher .kind.repository { background: #eceef2; color: #4b5160; }
.lanyard-switcher .kind.pull-request { background: rgba(217, 119, 6, 0.14); color: #92400e; }
.lanyard-switcher .name { font-weight: 600; }
.lanyard-switcher .star { color: #92400e; }
.lanyard-switcher .badge { background: #dcfce7; color: #166534; font-size: 11px;
  border-radius: 999px; padding: 0 6px; }
.lanyard-switcher .meta { color: #5d6370; font-size: 12px; }
.lanyard-switcher .note { color: #5d6370; margin: 6px 14px; }
.lanyard-switcher .note.error { color: #9b1c1c; }
.lanyard-switcher .status { color: #166534; padding: 6px 14px; border-top: 1px solid #e2e4ea; }
.lanyard-switcher .status.error { background: #fdecec; color: #9b1c1c; }
.lanyard-switcher .footer { background: #f7f8fa; color: #5d6370; font-size: 12px;
  padding: 6px 14px; border-top: 1px solid #e2e4ea; }
";

thread_local! {
    /// The switcher, created on first use; GTK objects live on the main thread only.
    static SWITCHER: RefCell<Option<Switcher>> = const { RefCell::new(None) };
}

/// Shows the switcher (from any thread): afresh, with its entries loaded anew.
pub fn show(desk: &Arc<Desk>) {
    let desk = desk.clone();
    super::on_main(move || {
        let pressed = Instant::now();
        SWITCHER.with_borrow_mut(|slot| {
            slot.get_or_insert_with(|| Switcher::new(desk.clone()))
                .show(pressed)
        });
    });
}

/// Runs `f` on the switcher unless it is already in use further up the stack: GTK emits some
/// signals (an entry's `changed`) while the switcher's own code changes its widgets, and that
/// code then does the follow-up itself.
fn with(f: impl FnOnce(&mut Switcher)) {
    SWITCHER.with(|cell| {
        if let Ok(mut slot) = cell.try_borrow_mut()
            && let Some(s) = slot.as_mut()
        {
            f(s);
        }
    });
}

/// A profile's credential actions (Ctrl+E, Ctrl+T, Ctrl+Shift+S).
#[derive(Clone, Copy)]
enum Credential {
    /// Copy them as `export` lines.
    Copy,
    /// Open a terminal as the profile.
    Terminal,
    /// Start its local credential endpoint.
    Serve,
}

/// What an action leaves on screen.
enum Done {
    /// The window hides at once.
    Hide,
    /// A confirmation shows, then the window hides.
    Confirm(String),
}

struct Ui {
    window: gtk::Window,
    entry: gtk::Entry,
    list: gtk::ListBox,
    scroller: gtk::ScrolledWindow,
    more: gtk::Label,
    note: gtk::Label,
    status: gtk::Label,
    footer: gtk::Label,
}

struct Switcher {
    desk: Arc<Desk>,
    ui: Ui,
    index: Option<Index>,
    load_error: Option<String>,
    /// Which load is current: a late answer from an earlier showing is dropped.
    load_seq: u64,
    /// Positions in `index` of the rows on screen, and how many entries matched in all.
    rows: Vec<usize>,
    matches: usize,
    selected: usize,
    busy: bool,
    hide_timer: Option<glib::SourceId>,
    /// The pending check after a focus-out; a showing or hiding cancels it (else a check left
    /// by the last hiding could close the next showing before it was ever focused).
    focus_check: Option<glib::SourceId>,
    /// This showing has had the keyboard focus. Only then does losing it hide the switcher: a
    /// focus-out X delivers late, from the last showing's unmapping, must not close this one.
    focused: bool,
    /// The shortcut or menu click this showing answers, until its first frame is drawn.
    shown: Option<Instant>,
    /// Timings to log once the frame that shows them is drawn ("timing: …", as the web
    /// switcher reports them).
    timings: Vec<(String, Instant)>,
}

impl Switcher {
    fn new(desk: Arc<Desk>) -> Self {
        let css = gtk::CssProvider::new();
        if let Err(e) = css.load_from_data(CSS.as_bytes()) {
            tracing::warn!("the quick switcher's style: {e}");
        }
        if let Some(screen) = gdk::Screen::default() {
            gtk::StyleContext::add_provider_for_screen(
                &screen,
                &css,
                gtk::STYLE_PROVIDER_PRIORITY_APPLICATION,
            );
        }
        let window = gtk::Window::new(gtk::WindowType::Toplevel);
        window.set_title("Lanyard — Quick switch");
        window.set_decorated(false);
        window.set_size_request(640, 420);
        window.set_resizable(false);
        window.set_keep_above(true);
        window.set_skip_taskbar_hint(true);
        window.set_skip_pager_hint(true);
        window.set_position(gtk::WindowPosition::Center);
        window.style_context().add_class("lanyard-switcher");

        let column = gtk::Box::new(gtk::Orientation::Vertical, 0);
        let search = gtk::Box::new(gtk::Orientation::Horizontal, 10);
        search.style_context().add_class("search");
        let icon = gtk::Image::from_icon_name(Some("system-search-symbolic"), gtk::IconSize::Menu);
        let entry = gtk::Entry::new();
        entry.set_placeholder_text(Some("Profiles and repositories…"));
        entry.set_hexpand(true);
        entry.set_has_frame(false);
        search.pack_start(&icon, false, false, 0);
        search.pack_start(&entry, true, true, 0);

        let list = gtk::ListBox::new();
        list.set_selection_mode(gtk::SelectionMode::None);
        list.set_activate_on_single_click(true);
        list.add_events(gdk::EventMask::POINTER_MOTION_MASK);
        let results = gtk::Box::new(gtk::Orientation::Vertical, 0);
        let more = gtk::Label::new(None);
        let note = gtk::Label::new(None);
        for label in [&more, &note] {
            label.style_context().add_class("note");
            label.set_xalign(0.0);
            label.set_line_wrap(true);
            label.set_no_show_all(true);
        }
        results.pack_start(&list, false, false, 0);
        results.pack_start(&more, false, false, 0);
        results.pack_start(&note, false, false, 0);
        let scroller = gtk::ScrolledWindow::new(None::<&gtk::Adjustment>, None::<&gtk::Adjustment>);
        scroller.set_policy(gtk::PolicyType::Never, gtk::PolicyType::Automatic);
        scroller.add(&results);

        let status = gtk::Label::new(None);
        status.style_context().add_class("status");
        status.set_xalign(0.0);
        status.set_line_wrap(true);
        status.set_line_wrap_mode(gtk::pango::WrapMode::WordChar);
        status.set_no_show_all(true);
        let footer = gtk::Label::new(None);
        footer.style_context().add_class("footer");
        footer.set_xalign(0.0);
        footer.set_line_wrap(true);
        // A wrapped label asks for its whole text's width; the window keeps 640 px instead.
        for label in [&more, &note, &status, &footer] {
            label.set_max_width_chars(1);
        }

        column.pack_start(&search, false, false, 0);
        column.pack_start(&scroller, true, true, 0);
        column.pack_start(&status, false, false, 0);
        column.pack_start(&footer, false, false, 0);
        window.add(&column);
        column.show_all();

        entry.connect_changed(|_| with(|s| s.on_query()));
        window.connect_key_press_event(|_, ev| {
            let mut handled = false;
            with(|s| handled = s.on_key(ev));
            if handled {
                glib::Propagation::Stop
            } else {
                glib::Propagation::Proceed
            }
        });
        list.connect_row_activated(|_, row| {
            let i = row.index();
            with(|s| {
                if let Ok(i) = usize::try_from(i) {
                    s.select(i);
                    s.run(false);
                }
            });
        });
        list.connect_motion_notify_event(|list, ev| {
            if let Some(row) = list.row_at_y(ev.position().1 as i32)
                && let Ok(i) = usize::try_from(row.index())
            {
                with(|s| {
                    if s.selected != i {
                        s.select(i);
                    }
                });
            }
            glib::Propagation::Proceed
        });
        // A popover: it goes away when the focus leaves it (as the web switcher does). Decided
        // a moment later: X reports a focus-out followed at once by a focus-in when the focus
        // moves onto the window itself (seen under Xvfb when the window was focused as a click
        // does), and hiding on the first would drop the keys typed next.
        window.connect_focus_out_event(|_, _| {
            with(Switcher::check_focus_later);
            glib::Propagation::Proceed
        });
        window.connect_focus_in_event(|_, _| {
            with(|s| s.focused = true);
            glib::Propagation::Proceed
        });
        window.connect_delete_event(|_, _| {
            with(|s| s.hide());
            glib::Propagation::Stop
        });
        window.connect_draw(|_, _| {
            with(|s| s.drawn());
            glib::Propagation::Proceed
        });

        Switcher {
            desk,
            ui: Ui {
                window,
                entry,
                list,
                scroller,
                more,
                note,
                status,
                footer,
            },
            index: None,
            load_error: None,
            load_seq: 0,
            rows: Vec::new(),
            matches: 0,
            selected: 0,
            busy: false,
            hide_timer: None,
            focus_check: None,
            focused: false,
            shown: None,
            timings: Vec::new(),
        }
    }

    /// After a focus-out: hides FOCUS_SETTLES later unless the focus came back by then.
    fn check_focus_later(&mut self) {
        // Unmapping on hide ends the focus too: nothing to check then; nor before this showing
        // ever had the focus.
        if !self.ui.window.is_visible() || !self.focused {
            return;
        }
        self.cancel_focus_check();
        let check = glib::timeout_add_local_once(FOCUS_SETTLES, || {
            with(|s| {
                s.focus_check = None;
                if !s.ui.window.is_active() {
                    tracing::debug!("switcher: the focus went elsewhere: hiding");
                    s.hide();
                }
            })
        });
        self.focus_check = Some(check);
    }

    fn cancel_focus_check(&mut self) {
        if let Some(check) = self.focus_check.take() {
            check.remove();
        }
    }

    fn show(&mut self, pressed: Instant) {
        self.cancel_focus_check();
        if !self.ui.window.is_visible() {
            self.shown = Some(pressed);
            self.focused = false;
        }
        self.ui.window.present();
        self.ui.entry.grab_focus();
        self.load();
    }

    /// Reads the entries off the main thread and fills the rows when they arrive.
    fn load(&mut self) {
        self.load_seq += 1;
        let seq = self.load_seq;
        let started = Instant::now();
        let desk = self.desk.clone();
        self.render();
        self.desk.rt.spawn_blocking(move || {
            let entries = desk.state.switcher_entries().map_err(|e| e.to_string());
            super::on_main(move || with(|s| s.loaded(seq, started, entries)));
        });
    }

    fn loaded(&mut self, seq: u64, started: Instant, entries: Result<Vec<SwitcherEntry>, String>) {
        if seq != self.load_seq || !self.ui.window.is_visible() {
            return;
        }
        let key = self.current().map(|e| e.key.clone());
        match entries {
            Ok(entries) => {
                let n = entries.len();
                self.index = Some(Index::new(entries));
                self.load_error = None;
                self.refilter();
                // Keep the selected entry selected when it is still there.
                if let (Some(key), Some(index)) = (key, &self.index) {
                    let at = self
                        .rows
                        .iter()
                        .position(|&i| index.get(i).is_some_and(|e| e.key == key));
                    self.select(at.unwrap_or(0));
                }
                self.time(format!("switcher: loaded {n} entries"), started);
            }
            Err(e) => {
                self.load_error = Some(e);
                self.render();
            }
        }
    }

    fn current(&self) -> Option<&SwitcherEntry> {
        let i = *self.rows.get(self.selected)?;
        self.index.as_ref()?.get(i)
    }

    fn on_query(&mut self) {
        let typed = Instant::now();
        if self.ui.status.style_context().has_class("error") {
            self.set_status(None);
        }
        self.refilter();
        let n = self.index.as_ref().map_or(0, Index::len);
        self.time(format!("switcher: filtered {n} entries"), typed);
    }

    /// Matches the query again and rebuilds the rows, the first one selected.
    fn refilter(&mut self) {
        let query = self.ui.entry.text();
        let matched = self
            .index
            .as_ref()
            .map(|index| index.filter(&query))
            .unwrap_or_default();
        self.matches = matched.len();
        self.rows = matched.into_iter().take(MAX_ROWS).collect();
        self.selected = 0;
        self.render();
    }

    /// Puts the rows, the notes and the footer on screen.
    fn render(&mut self) {
        for child in self.ui.list.children() {
            self.ui.list.remove(&child);
        }
        if let Some(index) = &self.index {
            for (n, &i) in self.rows.iter().enumerate() {
                if let Some(entry) = index.get(i) {
                    let row = row(entry);
                    if n == self.selected {
                        row.style_context().add_class("current");
                    }
                    self.ui.list.add(&row);
                }
            }
        }
        let hidden = self.matches.saturating_sub(self.rows.len());
        show_label(
            &self.ui.more,
            (hidden > 0).then(|| format!("{} more — keep typing", thousands(hidden))),
        );
        let query = self.ui.entry.text();
        let note = if let Some(e) = &self.load_error {
            Some(format!("Could not load the list: {e}"))
        } else {
            match &self.index {
                None => Some("Loading…".to_owned()),
                Some(index) if index.is_empty() => Some(
                    "Nothing to switch to yet. Sign in and sync profiles, or scan repositories, \
                     in Lanyard's window."
                        .to_owned(),
                ),
                Some(_) if self.matches == 0 => {
                    Some(format!("No profile or repository matches “{query}”."))
                }
                Some(_) => None,
            }
        };
        let error = self.load_error.is_some();
        toggle_class(&self.ui.note, "error", error);
        show_label(&self.ui.note, note);
        self.ui.footer.set_text(&self.footer());
    }

    /// The keys the selected row answers to, each hint kept on one line.
    fn footer(&self) -> String {
        let close = if self.ui.entry.text().is_empty() {
            "Esc close"
        } else {
            "Esc clear"
        };
        let keys: &[&str] = match self.current() {
            Some(e) if e.kind == SwitcherKind::Repository && e.path.is_some() => {
                &["↵ open folder", "Ctrl+↵ copy path"]
            }
            Some(e) if e.kind == SwitcherKind::Repository => &["↵ clone", "Ctrl+↵ clone too"],
            Some(e) if e.kind == SwitcherKind::PullRequest => {
                &["↵ open in console", "Ctrl+↵ check out"]
            }
            _ => &[
                "↵ copy export AWS_PROFILE",
                "Ctrl+↵ open console",
                "Ctrl+E copy credentials",
                "Ctrl+T terminal",
                "Ctrl+⇧S serve",
            ],
        };
        std::iter::once("↑↓ select")
            .chain(keys.iter().copied())
            .chain(std::iter::once(close))
            .map(|hint| hint.replace(' ', "\u{a0}"))
            .collect::<Vec<_>>()
            .join("    ")
    }

    /// Moves the selection to row `i`, scrolled into view.
    fn select(&mut self, i: usize) {
        let rows = self.ui.list.children();
        if let Some(old) = rows.get(self.selected) {
            old.style_context().remove_class("current");
        }
        self.selected = i.min(self.rows.len().saturating_sub(1));
        if let Some(new) = rows.get(self.selected) {
            new.style_context().add_class("current");
            let a = new.allocation();
            if a.height() > 1 {
                let adj = self.ui.scroller.vadjustment();
                adj.clamp_page(f64::from(a.y()), f64::from(a.y() + a.height()));
            }
        }
        self.ui.footer.set_text(&self.footer());
    }

    fn move_by(&mut self, by: isize, wrap: bool) {
        let n = self.rows.len() as isize;
        if n == 0 {
            return;
        }
        let to = self.selected as isize + by;
        let to = if wrap {
            to.rem_euclid(n)
        } else {
            to.clamp(0, n - 1)
        };
        self.select(to as usize);
    }

    fn on_key(&mut self, ev: &gdk::EventKey) -> bool {
        let state = ev.state();
        let ctrl = state.contains(gdk::ModifierType::CONTROL_MASK)
            && !state.contains(gdk::ModifierType::MOD1_MASK);
        let shift = state.contains(gdk::ModifierType::SHIFT_MASK);
        let k = ev.keyval().to_lower();
        if k == key::Down {
            self.move_by(1, true);
        } else if k == key::Up {
            self.move_by(-1, true);
        } else if k == key::Page_Down {
            self.move_by(PAGE as isize, false);
        } else if k == key::Page_Up {
            self.move_by(-(PAGE as isize), false);
        } else if k == key::Return || k == key::KP_Enter {
            self.run(ctrl);
        } else if k == key::Escape {
            if self.ui.entry.text().is_empty() {
                self.hide();
            } else {
                self.ui.entry.set_text("");
                self.set_status(None);
                self.refilter();
            }
        } else if ctrl && !shift && k == key::n {
            self.move_by(1, true);
        } else if ctrl && !shift && k == key::p {
            self.move_by(-1, true);
        } else if ctrl && !shift && k == key::e {
            self.credential_action(Credential::Copy);
        } else if ctrl && !shift && k == key::t {
            self.credential_action(Credential::Terminal);
        } else if ctrl && shift && k == key::s {
            self.credential_action(Credential::Serve);
        } else {
            return false;
        }
        true
    }

    /// Profile: primary copies `export AWS_PROFILE=…`, secondary opens the console.
    /// Repository: primary opens the clone's folder (or starts the clone), secondary copies the
    /// clone's path (or starts the clone, like primary). Pull request: primary opens it in the
    /// console, secondary checks it out.
    fn run(&mut self, secondary: bool) {
        let Some(entry) = self.current().cloned() else {
            return;
        };
        if self.busy {
            return;
        }
        self.set_status(None);
        let desk = self.desk.clone();
        match (entry.kind, entry.path.clone()) {
            (SwitcherKind::Profile, _) if secondary => self.run_async(async move {
                desk.open_console(&entry.title)
                    .await
                    .map(|()| Done::Hide)
                    .map_err(|e| e.to_string())
            }),
            (SwitcherKind::Profile, _) => {
                let done = desk
                    .copy_export(&entry.title)
                    .map(|line| Done::Confirm(format!("Copied {line}")));
                self.finish(done);
            }
            (SwitcherKind::Repository, None) => {
                let done = match entry.clone {
                    Some(request) => {
                        desk.clone_in_background(request);
                        Ok(Done::Confirm(format!(
                            "Cloning {} — Lanyard tells you when it is done",
                            entry.title
                        )))
                    }
                    None => Err(format!("{} cannot be cloned from here", entry.title)),
                };
                self.finish(done);
            }
            (SwitcherKind::Repository, Some(path)) if secondary => {
                let done = desk
                    .copy_text(&path)
                    .map(|()| Done::Confirm(format!("Copied {path}")));
                self.finish(done);
            }
            (SwitcherKind::Repository, Some(path)) => {
                let done = desk.open_path(&path).map(|()| Done::Hide);
                self.finish(done);
            }
            (SwitcherKind::PullRequest, _) => {
                let Some(target) = entry.pull_request else {
                    return;
                };
                if secondary {
                    self.run_async(async move {
                        desk.state
                            .checkout_pull_request(&target, &crate::helper_binary())
                            .await
                            .map(|c| {
                                Done::Confirm(format!("Checked out {} in {}", c.branch, c.path))
                            })
                            .map_err(|e| e.to_string())
                    })
                } else {
                    self.run_async(async move {
                        desk.state
                            .open_pull_request(&target, &|u| desk.open_url(u))
                            .await
                            .map(|()| Done::Hide)
                            .map_err(|e| e.to_string())
                    })
                }
            }
        }
    }

    /// A profile's credential actions: Ctrl+E copies them as env, Ctrl+T opens a terminal,
    /// Ctrl+Shift+S starts its local endpoint.
    fn credential_action(&mut self, which: Credential) {
        let Some(entry) = self.current().cloned() else {
            return;
        };
        if entry.kind != SwitcherKind::Profile || self.busy {
            return;
        }
        self.set_status(None);
        let (desk, p) = (self.desk.clone(), entry.title);
        match which {
            Credential::Copy => self.run_async(async move {
                desk.copy_credentials(&p)
                    .await
                    .map(|c| {
                        Done::Confirm(format!(
                            "Copied the credentials of {p}; the clipboard is cleared in {} s",
                            c.clears_after_secs
                        ))
                    })
                    .map_err(|e| e.to_string())
            }),
            Credential::Terminal => {
                let done = crate::open_terminal(&desk.state, &p)
                    .map(|terminal| Done::Confirm(format!("Opened {terminal} as {p}")))
                    .map_err(|e| e.to_string());
                self.finish(done);
            }
            Credential::Serve => self.run_async(async move {
                let serving = desk.serve(&p, true).await.map_err(|e| e.to_string())?;
                let url = serving
                    .iter()
                    .find(|e| e.profile == p)
                    .map_or("a local port".to_owned(), |e| e.url.clone());
                Ok(Done::Confirm(format!(
                    "Serving {p} on {url} — copy the variables from the tray"
                )))
            }),
        }
    }

    /// Runs an action on the runtime; its outcome comes back to the main thread.
    fn run_async(
        &mut self,
        action: impl std::future::Future<Output = Result<Done, String>> + Send + 'static,
    ) {
        self.busy = true;
        self.desk.rt.spawn(async move {
            let done = action.await;
            super::on_main(move || with(|s| s.finish(done)));
        });
    }

    fn finish(&mut self, done: Result<Done, String>) {
        self.busy = false;
        match done {
            Ok(Done::Hide) => self.hide(),
            Ok(Done::Confirm(text)) => {
                self.set_status(Some((text, false)));
                if let Some(t) = self.hide_timer.take() {
                    t.remove();
                }
                let timer = glib::timeout_add_local_once(
                    std::time::Duration::from_millis(HIDE_AFTER_MS),
                    || {
                        with(|s| {
                            s.hide_timer = None;
                            s.hide();
                        })
                    },
                );
                self.hide_timer = Some(timer);
            }
            Err(e) => self.set_status(Some((e, true))),
        }
    }

    fn set_status(&self, status: Option<(String, bool)>) {
        toggle_class(
            &self.ui.status,
            "error",
            status.as_ref().is_some_and(|s| s.1),
        );
        show_label(&self.ui.status, status.map(|s| s.0));
    }

    /// Hides the window; opened again, the switcher starts afresh. The entries are let go: they
    /// are read anew at the next showing anyway.
    fn hide(&mut self) {
        if let Some(t) = self.hide_timer.take() {
            t.remove();
        }
        self.cancel_focus_check();
        if !self.ui.window.is_visible() {
            return;
        }
        self.ui.window.hide();
        self.ui.entry.set_text("");
        self.set_status(None);
        self.index = None;
        self.load_error = None;
        self.rows.clear();
        self.matches = 0;
        self.selected = 0;
        self.shown = None;
        self.timings.clear();
        self.render();
        crate::give_back_freed_memory();
    }

    /// Logs what waited for this frame to be drawn.
    fn drawn(&mut self) {
        if self.shown.take().is_some() {
            tracing::info!(
                window = "switcher",
                "first paint {} ms after start",
                crate::since_start()
            );
        }
        for (what, since) in self.timings.drain(..) {
            let ms = since.elapsed().as_secs_f64() * 1000.0;
            tracing::debug!(window = "switcher", "timing: {what} in {ms:.1} ms");
        }
    }

    /// Logs `what` (with the time since `since`) once the frame that shows it is drawn.
    fn time(&mut self, what: String, since: Instant) {
        self.timings.push((what, since));
        self.ui.window.queue_draw();
    }
}

/// One entry's row: kind, name (★ favourite, "cloned"), and account · id · role · region.
fn row(entry: &SwitcherEntry) -> gtk::ListBoxRow {
    let row = gtk::ListBoxRow::new();
    let line = gtk::Box::new(gtk::Orientation::Horizontal, 10);
    let (kind, class, what) = match entry.kind {
        SwitcherKind::Profile => ("PROFILE", "profile", "AWS profile"),
        SwitcherKind::Repository => ("REPO", "repository", "CodeCommit repository"),
        SwitcherKind::PullRequest => ("PR", "pull-request", "Open pull request"),
    };
    let badge = gtk::Label::new(Some(kind));
    badge.set_size_request(58, -1);
    badge.set_valign(gtk::Align::Center);
    badge.set_tooltip_text(Some(what));
    badge.style_context().add_class("kind");
    badge.style_context().add_class(class);
    let text = gtk::Box::new(gtk::Orientation::Vertical, 0);
    let title = gtk::Box::new(gtk::Orientation::Horizontal, 6);
    let name = gtk::Label::new(Some(&entry.title));
    name.set_ellipsize(gtk::pango::EllipsizeMode::End);
    name.set_xalign(0.0);
    name.style_context().add_class("name");
    title.pack_start(&name, false, true, 0);
    if entry.favourite {
        let star = gtk::Label::new(Some("★"));
        star.set_tooltip_text(Some("Favourite"));
        star.style_context().add_class("star");
        title.pack_start(&star, false, false, 0);
    }
    if let Some(path) = &entry.path {
        let cloned = gtk::Label::new(Some("cloned"));
        cloned.set_tooltip_text(Some(path));
        cloned.style_context().add_class("badge");
        title.pack_start(&cloned, false, false, 0);
    }
    let fields = [
        entry.detail.as_deref().unwrap_or(""),
        entry.account_name.as_str(),
        &entry.account_id,
        &entry.role_name,
        entry.region.as_deref().unwrap_or(""),
    ];
    let meta = gtk::Label::new(Some(
        &fields
            .iter()
            .filter(|f| !f.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" · "),
    ));
    meta.set_ellipsize(gtk::pango::EllipsizeMode::End);
    meta.set_xalign(0.0);
    meta.style_context().add_class("meta");
    text.pack_start(&title, false, false, 0);
    text.pack_start(&meta, false, false, 0);
    line.pack_start(&badge, false, false, 0);
    line.pack_start(&text, true, true, 0);
    row.add(&line);
    row.show_all();
    row
}

fn show_label(label: &gtk::Label, text: Option<String>) {
    match text {
        Some(t) => {
            label.set_text(&t);
            label.show();
        }
        None => {
            label.set_text("");
            label.hide();
        }
    }
}

fn toggle_class(widget: &impl IsA<gtk::Widget>, class: &str, on: bool) {
    let style = widget.style_context();
    if on {
        style.add_class(class);
    } else {
        style.remove_class(class);
    }
}

/// 12345 → "12,345" (as the web switcher's `toLocaleString('en-US')`).
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_groups_by_three() {
        assert_eq!(super::thousands(7), "7");
        assert_eq!(super::thousands(950), "950");
        assert_eq!(super::thousands(2950), "2,950");
        assert_eq!(super::thousands(1234567), "1,234,567");
    }
}

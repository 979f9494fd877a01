//! The one managed state object. Behaviour lives in methods so commands never touch locks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lanyard_core::accounts::{self, AccountRoles, DiscoveryEvent};
use lanyard_core::codecommit::pr_notices::{self, PrNotice};
use lanyard_core::codecommit::prs::{self, Inbox, PullRequest, PullRequestRef};
use lanyard_core::codecommit::{
    self, CloneProgress, CloneReport, CloneRequest, Inventory, InventoryEvent, InventoryOptions,
    RecentClone,
};
use lanyard_core::notices::{self, Notice};
use lanyard_core::offboard::OffboardReport;
use lanyard_core::profiles::{self, ProfileSettings, SyncPlan, SyncReport};
use lanyard_core::secret::Secret;
use lanyard_core::secret::{NoKeyring, SecretStore};
use lanyard_core::settings::{self, AppSettings};
use lanyard_core::sso::{
    self, Identity, IdentityInput, IdentityStatus, LoginMethod, LoginOptions, LoginStep, LoginUi,
    LogoutReport, SsoContext,
};
use lanyard_core::switcher::{self, SwitcherEntry};
use lanyard_core::{Error, Lanyard, Paths, Result, view::AppInfo};
use std::sync::atomic::{AtomicBool, Ordering};
use tokio_util::sync::CancellationToken;

/// Refresh access tokens this long before they expire: earlier than the SDKs' 5/15-minute
/// windows, so the AWS CLI and SDKs never have to.
pub const REFRESH_WINDOW: Duration = Duration::from_secs(30 * 60);

/// Everything the commands and the tray share.
pub struct AppState {
    /// What the CLI shares: limiters, role credentials, plan + apply, credential endpoints.
    svc: Arc<Lanyard>,
    demo: bool,
    keyring: (String, Option<String>),
    logins: Mutex<HashMap<String, CancellationToken>>,
    clones: Mutex<HashMap<String, Arc<AtomicBool>>>,
    /// Per identity: the clock-skew warning of its last sign-in, shown with its status.
    clock_notes: Mutex<HashMap<String, String>>,
    /// What background refreshes learnt: sessions offline, sessions the service ended.
    watch: sso::SessionWatch,
    /// What the tray tooltip should say while a sign-in waits (e.g. the device code).
    pub login_hint: Mutex<Option<String>>,
    /// The links a sign-in gave the page (authorize, verification): the only ones `open_url`
    /// opens, so a compromised page cannot send the browser anywhere.
    offered_urls: Mutex<std::collections::HashSet<String>>,
    settings: Mutex<AppSettings>,
    tracker: Mutex<notices::Tracker>,
    /// The AWS config's modification time when last looked at (hand edits reload the views).
    config_stamp: Mutex<Option<std::time::SystemTime>>,
    /// The log folder (Copy diagnostics reads the tail of its newest file).
    pub log_dir: Mutex<Option<std::path::PathBuf>>,
    /// Demo mode's in-process emulator (kept alive with the state).
    _demo: Option<lanyard_emulator::Emulator>,
    /// Work the user started that a closed window must not cut short (sign-ins, clones, syncs,
    /// offboarding, console hand-offs): the window process lives on, hidden, until it ends.
    /// Not discovery or scans: the views start those themselves to revalidate, they can take
    /// minutes at a thousand accounts, and the cache they would update stays as it was.
    tasks: Arc<std::sync::atomic::AtomicUsize>,
    /// Where the main window was left (view, search, scroll, rows shown), as the page wrote it:
    /// kept by the tray process so a window process started later opens where the last one was.
    view: Mutex<Option<String>>,
}

/// One task counted by [`AppState::task`] while it is alive.
pub struct TaskGuard(Arc<std::sync::atomic::AtomicUsize>);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// What "Copy diagnostics" puts on the clipboard.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Diagnostics {
    /// Plain text to paste into a bug report; secrets already redacted.
    pub text: String,
    /// The log file it was taken from.
    pub log_file: String,
}

impl AppState {
    /// State for this process: real paths, or, with the demo emulator, a fresh sandbox under the
    /// data dir (never the user's `~/.aws`) holding one identity of the demo world.
    pub fn from_env(demo: Option<lanyard_emulator::Emulator>) -> Result<Self> {
        Self::build(demo, false)
    }

    /// A demo window process's state: the agent's sandbox (kept as it is) and its emulator,
    /// reached through the environment the agent passed.
    pub fn for_demo_window() -> Result<Self> {
        Self::build(None, true)
    }

    fn build(demo: Option<lanyard_emulator::Emulator>, demo_window: bool) -> Result<Self> {
        let real = Paths::from_env(|k| std::env::var_os(k))?;
        let paths = match &demo {
            Some(emu) => {
                let sandbox = real.data_dir.join("demo");
                // A new emulator knows none of the last run's tokens: start clean.
                let _ = std::fs::remove_dir_all(&sandbox);
                let paths = Paths::sandboxed(&sandbox);
                let first = &emu.app.state.world.instances[0];
                let input = IdentityInput {
                    session: first.name.clone(),
                    start_url: first.start_url.clone(),
                    region: first.region.clone(),
                    scopes: vec![],
                };
                sso::identity::save(&paths, &input.into())?;
                paths
            }
            None if demo_window => Paths::sandboxed(&real.data_dir.join("demo")),
            None => real,
        };
        let sandboxed = demo.is_some() || demo_window;
        let paths = Paths {
            lanyard_cli: crate::cli_binary(),
            ..paths
        };
        let choice = std::env::var("LANYARD_KEYRING").unwrap_or_default();
        let mut note = None;
        let dbus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
        let os_keyring = if sandboxed {
            // Demo sign-ins never reach the real keyring, where a real identity of the same
            // name keeps its items.
            Err("demo mode keeps its secrets in memory".to_owned())
        } else {
            lanyard_core::secret::os_keyring_within(&choice, dbus, Duration::from_secs(3))
        };
        let secrets: Arc<dyn SecretStore> = match os_keyring {
            Ok(k) => Arc::new(k),
            Err(_) if sandboxed => Arc::new(lanyard_core::secret::MemoryStore::default()),
            Err(reason) => {
                tracing::warn!(
                    "no OS keyring available ({reason}); tokens stay in the SSO cache files only"
                );
                note = Some(format!(
                    "No OS keyring is available ({reason}): tokens are kept in ~/.aws/sso/cache only."
                ));
                Arc::new(NoKeyring { reason })
            }
        };
        let config = sso::identity::read_config(&paths.aws_config_file).unwrap_or_default();
        let endpoints = match &demo {
            Some(emu) => emulator_endpoints(emu),
            None => sso::Endpoints::from_env_and_config(|k| std::env::var_os(k), &config),
        };
        for r in &endpoints.refused {
            tracing::warn!("{r}");
        }
        let mut state = Self::new(SsoContext::new(paths, endpoints, secrets), sandboxed);
        state.keyring.1 = note;
        state._demo = demo;
        Ok(state)
    }

    /// State over an explicit context (tests).
    pub fn new(ctx: SsoContext, demo: bool) -> Self {
        let keyring = (ctx.secrets.name().to_owned(), None);
        let settings = Mutex::new(settings::load(&ctx.paths));
        let config_stamp = Mutex::new(
            std::fs::metadata(&ctx.paths.aws_config_file)
                .and_then(|m| m.modified())
                .ok(),
        );
        AppState {
            svc: Arc::new(Lanyard::new(ctx)),
            demo,
            keyring,
            logins: Mutex::new(HashMap::new()),
            clones: Mutex::new(HashMap::new()),
            clock_notes: Mutex::new(HashMap::new()),
            watch: sso::SessionWatch::default(),
            login_hint: Mutex::new(None),
            offered_urls: Mutex::default(),
            settings,
            tracker: Mutex::default(),
            config_stamp,
            log_dir: Mutex::new(None),
            _demo: None,
            tasks: Arc::default(),
            view: Mutex::default(),
        }
    }

    /// Counts a task until the guard drops (see `busy`).
    pub fn task(&self) -> TaskGuard {
        self.tasks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        TaskGuard(self.tasks.clone())
    }

    /// Whether a task the user started is still running.
    pub fn busy(&self) -> bool {
        self.tasks.load(std::sync::atomic::Ordering::SeqCst) > 0
    }

    /// The environment a demo window process needs to reach this process's demo emulator.
    pub fn demo_env(&self) -> Option<Vec<(String, String)>> {
        self._demo.as_ref().map(|e| e.env())
    }

    /// Reads the preferences again (another process saved them).
    pub fn reload_settings(&self) -> AppSettings {
        let fresh = settings::load(&self.svc.ctx().paths);
        *self.settings.lock().unwrap_or_else(|p| p.into_inner()) = fresh.clone();
        fresh
    }

    /// What the Settings view shows.
    pub fn info(&self) -> AppInfo {
        AppInfo::with_keyring(
            &self.svc.ctx().paths,
            self.demo,
            &self.keyring.0,
            self.keyring.1.clone(),
        )
    }

    fn identities(&self) -> Result<Vec<Identity>> {
        self.svc.identities()
    }

    fn identity(&self, session: &str) -> Result<Identity> {
        self.svc.identity(session)
    }

    /// The service the CLI shares.
    pub fn service(&self) -> &Arc<Lanyard> {
        &self.svc
    }

    /// Every identity with its session state.
    pub fn statuses(&self) -> Result<Vec<IdentityStatus>> {
        Ok(self.identities()?.iter().map(|i| self.status(i)).collect())
    }

    fn status(&self, identity: &Identity) -> IdentityStatus {
        let ctx = self.svc.ctx();
        let mut s = self.watch.apply(sso::status(ctx, identity), (ctx.clock)());
        if s.detail.is_none() {
            s.detail = self
                .clock_notes
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&identity.session)
                .cloned();
        }
        s
    }

    /// Adds or edits a Lanyard-managed identity.
    pub fn save_identity(&self, input: IdentityInput) -> Result<IdentityStatus> {
        let saved = sso::identity::save(&self.svc.ctx().paths, &input.into())?;
        Ok(sso::status(self.svc.ctx(), &saved))
    }

    /// Signs out (best effort) and removes a Lanyard-managed identity.
    pub async fn remove_identity(&self, session: &str) -> Result<()> {
        self.svc.remove_identity(&self.identity(session)?).await
    }

    /// Signs in; `open` opens a URL in the browser, `on_step` reports progress.
    pub async fn sign_in(
        &self,
        session: &str,
        method: LoginMethod,
        open: &(dyn Fn(&str) -> bool + Send + Sync),
        on_step: &(dyn Fn(LoginStep) + Send + Sync),
    ) -> Result<IdentityStatus> {
        let _task = self.task();
        let identity = self.identity(session)?;
        let cancel = CancellationToken::new();
        if let Some(previous) = self
            .logins
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(session.to_owned(), cancel.clone())
        {
            previous.cancel(); // a second click restarts the flow
        }
        let step = |s: LoginStep| {
            let hint = match &s {
                LoginStep::DeviceCode { user_code, .. } => Some(format!(
                    "Lanyard — sign in to {session}: confirm code {user_code}"
                )),
                LoginStep::OpenBrowser { .. } => Some(format!(
                    "Lanyard — approve the sign-in to {session} in your browser"
                )),
                _ => None,
            };
            if hint.is_some() {
                *self.login_hint.lock().unwrap_or_else(|p| p.into_inner()) = hint;
            }
            let urls: Vec<String> = match &s {
                LoginStep::OpenBrowser { url, .. } => vec![url.clone()],
                LoginStep::DeviceCode {
                    verification_uri,
                    verification_uri_complete,
                    ..
                } => vec![verification_uri.clone(), verification_uri_complete.clone()],
                _ => vec![],
            };
            self.offered_urls
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend(urls);
            on_step(s);
        };
        let opts = LoginOptions {
            method,
            ..LoginOptions::default()
        };
        let result = sso::login(
            self.svc.ctx(),
            &identity,
            &opts,
            &LoginUi { open, step: &step },
            &cancel,
        )
        .await;
        self.logins
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(session);
        *self.login_hint.lock().unwrap_or_else(|p| p.into_inner()) = None;
        let signed = result?;
        let mut lines = vec![];
        if let Some(skew) = signed.clock_skew_secs {
            let way = if skew > 0 { "behind" } else { "ahead of" };
            lines.push(format!(
                "This computer's clock is {} min {way} IAM Identity Center's: signed AWS requests (CodeCommit) fail until you correct the system time.",
                skew.abs() / 60
            ));
        }
        // "SSO region updated to …" (or what to change in the user's own section).
        lines.extend(signed.region_note.clone());
        let mut notes = self.clock_notes.lock().unwrap_or_else(|p| p.into_inner());
        if lines.is_empty() {
            notes.remove(session);
        } else {
            notes.insert(session.to_owned(), lines.join(" "));
        }
        drop(notes);
        // The region may have been corrected in the config: report the identity as it is now.
        let identity = self.identity(session).unwrap_or(identity);
        Ok(self.status(&identity))
    }

    /// Cancels a sign-in in progress (no-op when there is none).
    pub fn cancel_sign_in(&self, session: &str) {
        if let Some(c) = self
            .logins
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(session)
        {
            c.cancel();
        }
    }

    /// Whether a sign-in gave the page this link (what `open_url` may open).
    pub fn offered_url(&self, url: &str) -> bool {
        self.offered_urls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(url)
    }

    /// Where a start URL leads (a vanity URL is asked once), for the identity form.
    pub async fn resolve_start_url(
        &self,
        start_url: &str,
        region: Option<&str>,
    ) -> Result<sso::ResolvedStartUrl> {
        self.svc.resolve_start_url(start_url, region).await
    }

    /// Signs out of one identity.
    pub async fn sign_out(&self, session: &str) -> Result<LogoutReport> {
        self.svc.sign_out(&self.identity(session)?).await
    }

    /// Refreshes every session that expires within the window; true when any token changed,
    /// a session turned out to be over, or went offline or came back.
    pub async fn refresh_all(&self) -> bool {
        let mut changed = false;
        let ctx = self.svc.ctx();
        for identity in self.identities().unwrap_or_default() {
            let before = sso::status(ctx, &identity);
            // Signed out, or already refused: asking again would be refused again.
            if before.state == sso::SessionState::SignedOut || self.watch.refused(&before) {
                continue;
            }
            let was_offline = self.watch.any_offline();
            let outcome = sso::refresh(ctx, &identity, REFRESH_WINDOW, false).await;
            changed |= self.watch.note(&before, &outcome, (ctx.clock)());
            if was_offline && !self.watch.any_offline() {
                tracing::info!("IAM Identity Center answers again: back online");
            }
            match outcome {
                Ok(sso::RefreshOutcome::NotNeeded) => {}
                Ok(_) => changed = true,
                Err(Error::SessionExpired { .. }) => {
                    tracing::info!(session = identity.session, "the session has ended");
                    changed = true
                }
                // Said once per outage; the retries at each check are quiet.
                Err(e) if was_offline && e.code() == lanyard_core::ErrorCode::Unreachable => {
                    tracing::debug!(session = identity.session, "still offline: {e}")
                }
                Err(e) => {
                    tracing::warn!(session = identity.session, "background refresh failed: {e}")
                }
            }
        }
        changed
    }

    /// The time now, from the clock the core was given.
    pub fn now(&self) -> time::OffsetDateTime {
        (self.svc.ctx().clock)()
    }

    /// Whether a session waits for the network (then each check retries, not only every
    /// `refresh_minutes`).
    pub fn waiting_for_network(&self) -> bool {
        self.watch.any_offline()
    }
}

impl AppState {
    /// The last discovery's accounts (empty when never discovered).
    pub fn cached_accounts(&self, session: &str) -> Vec<AccountRoles> {
        accounts::cached(self.svc.ctx(), session).unwrap_or_default()
    }

    /// Discovers every account and role, streaming each as it arrives.
    pub async fn discover_accounts(
        &self,
        session: &str,
        on_event: &(dyn Fn(DiscoveryEvent) + Send + Sync),
    ) -> Result<Vec<AccountRoles>> {
        let identity = self.identity(session)?;
        let on = |a: &AccountRoles, p: &accounts::DiscoveryProgress| {
            on_event(DiscoveryEvent {
                account: a.clone(),
                progress: p.clone(),
            })
        };
        self.svc.discover(&identity, &on).await
    }

    /// The identity's remembered profile settings.
    pub fn profile_settings(&self, session: &str) -> ProfileSettings {
        profiles::load_settings_or(&self.svc.ctx().paths, session, &self.settings().template)
    }

    /// The profiles a sync would write, with the diff against the file as it is.
    pub fn plan_profiles(&self, session: &str, settings: &ProfileSettings) -> Result<SyncPlan> {
        self.svc.plan_profiles(session, settings)
    }

    /// Writes the profiles and remembers the settings.
    pub fn apply_profiles(&self, session: &str, settings: &ProfileSettings) -> Result<SyncReport> {
        let _task = self.task();
        self.svc.apply_profiles(session, settings)
    }

    /// Favourite profile names.
    pub fn favourites(&self) -> Vec<String> {
        profiles::favourites(&self.svc.ctx().paths)
    }

    /// Stars or unstars a profile.
    pub fn set_favourite(&self, profile: &str, favourite: bool) -> Result<Vec<String>> {
        profiles::set_favourite(&self.svc.ctx().paths, profile, favourite)
    }

    /// Offboards (or previews it).
    pub async fn offboard(&self, dry_run: bool) -> Result<OffboardReport> {
        let _task = self.task();
        self.svc.offboard(dry_run).await
    }

    /// Every identity's last repository scan (instant; empty for identities never scanned).
    pub fn cached_repositories(&self) -> Vec<Inventory> {
        self.identities()
            .unwrap_or_default()
            .iter()
            .filter_map(|i| codecommit::inventory::cached(self.svc.ctx(), &i.session))
            .collect()
    }

    /// Scans one identity's accounts (discovering them first when never discovered) for
    /// repositories, streaming each account's results.
    pub async fn scan_repositories(
        &self,
        session: &str,
        on_event: &(dyn Fn(InventoryEvent) + Send + Sync),
    ) -> Result<Inventory> {
        let identity = self.identity(session)?;
        let regions = self.svc.scan_regions(&identity, &self.settings().regions);
        let on = |e: &InventoryEvent| on_event(e.clone());
        self.svc
            .scan_repositories(&identity, InventoryOptions::new(regions), &on)
            .await
    }

    /// Every identity's last pull-request inbox (instant; none for identities never checked).
    pub fn cached_pull_requests(&self) -> Vec<Inbox> {
        self.identities()
            .unwrap_or_default()
            .iter()
            .filter_map(|i| prs::cached(self.svc.ctx(), &i.session))
            .collect()
    }

    /// Revalidates one identity's inbox (scanning its repositories first when never scanned).
    pub async fn refresh_pull_requests(&self, session: &str) -> Result<Inbox> {
        let identity = self.identity(session)?;
        Ok(self.svc.pull_requests(&identity).await?.0)
    }

    /// The tray's background round `round`: revalidates the inbox of every signed-in identity
    /// whose repositories were scanned (never starts a scan), a bounded share of them per round
    /// (`prs::background_selection`). True when an inbox changed.
    pub async fn refresh_scanned_pull_requests(&self, round: u64) -> bool {
        let ctx = self.svc.ctx();
        let mut changed = false;
        for identity in self.identities().unwrap_or_default() {
            let state = sso::status(ctx, &identity).state;
            if !matches!(
                state,
                sso::SessionState::SignedIn | sso::SessionState::Expiring
            ) {
                continue;
            }
            match self.svc.pull_requests_in_background(&identity, round).await {
                Ok(None) => {}
                Ok(Some((inbox, stats))) => {
                    tracing::debug!(
                        session = identity.session,
                        "pull requests: {} open, {} fetched",
                        inbox.pull_requests.len(),
                        stats.fetched
                    );
                    changed |= stats.changed;
                }
                Err(e) => {
                    tracing::info!(session = identity.session, "pull requests not checked: {e}")
                }
            }
        }
        changed
    }

    /// The cached pull request the desktop showed as `target`.
    fn pull_request(&self, target: &PullRequestRef) -> Result<PullRequest> {
        let inboxes: Vec<Inbox> = prs::cached(self.svc.ctx(), &target.session)
            .into_iter()
            .collect();
        prs::find_ref(&inboxes, target).cloned()
    }

    /// Approves (or revokes) the revision the user was shown; returns the revalidated inbox.
    pub async fn approve_pull_request(
        &self,
        target: &PullRequestRef,
        revoke: bool,
    ) -> Result<Inbox> {
        let _task = self.task();
        let p = self.pull_request(target)?;
        self.svc.approve_pull_request(&p, revoke).await?;
        self.refresh_pull_requests(&target.session).await
    }

    /// Clones the repository when it is not yet, then checks out the source branch.
    pub async fn checkout_pull_request(
        &self,
        target: &PullRequestRef,
        helper: &std::path::Path,
    ) -> Result<prs::Checkout> {
        let _task = self.task();
        let p = self.pull_request(target)?;
        let dir = codecommit::clone::default_dest(
            &self.clone_root(),
            &p.account_name,
            &p.account_id,
            &p.repository,
        );
        let path = std::env::var_os("PATH");
        let clone = |req| self.clone_repository(req, helper, Arc::new(|_: &CloneProgress| {}));
        let (done, _) = self
            .svc
            .checkout_pull_request(&p, &dir, path.as_deref(), clone)
            .await?;
        Ok(done)
    }

    /// Opens the pull request's console page, signed in as the role that reads it (the URL goes
    /// to the browser through a one-time loopback redirect, as for profiles).
    pub async fn open_pull_request(
        &self,
        target: &PullRequestRef,
        open: &(dyn Fn(&str) -> bool + Send + Sync),
    ) -> Result<()> {
        let _task = self.task();
        let p = self.pull_request(target)?;
        let url = self.svc.pull_request_console_url(&p).await?;
        lanyard_core::console::open_once(&prs::label(&p), &url, open, Duration::from_secs(60)).await
    }

    /// The pull-request notices due (none while notifications are off; what they would have
    /// said is then marked told, so turning them on later does not replay the past).
    pub fn pull_request_notices(&self) -> Vec<PrNotice> {
        let paths = &self.svc.ctx().paths;
        let seen = pr_notices::load(paths);
        let (due, next) = pr_notices::due(&self.cached_pull_requests(), &seen);
        if next != seen
            && let Err(e) = pr_notices::save(paths, &next)
        {
            tracing::warn!("cannot keep which pull requests were told: {e}");
            return vec![];
        }
        let s = self.settings();
        if s.notifications && s.pull_request_notifications {
            due
        } else {
            vec![]
        }
    }

    /// Where clones go by default.
    pub fn clone_root(&self) -> std::path::PathBuf {
        std::env::var_os("LANYARD_CLONE_ROOT")
            .map(Into::into)
            .unwrap_or_else(|| self.settings().clone_root.into())
    }

    /// Clones one repository; `cancel_clone` with the same key stops it.
    pub async fn clone_repository(
        &self,
        req: CloneRequest,
        helper: &std::path::Path,
        on_progress: Arc<dyn Fn(&CloneProgress) + Send + Sync>,
    ) -> Result<CloneReport> {
        let _task = self.task();
        let identity = self.identity(&req.session)?;
        let account = accounts::cached(self.svc.ctx(), &req.session)
            .and_then(|l| l.into_iter().find(|a| a.account_id == req.account_id))
            .unwrap_or(AccountRoles {
                account_id: req.account_id.clone(),
                account_name: req.account_name.clone(),
                email: String::new(),
                roles: vec![req.role_name.clone()],
            });
        let key = clone_key(&req);
        let cancel = Arc::new(AtomicBool::new(false));
        if self
            .clones
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.clone(), cancel.clone())
            .is_some()
        {
            return Err(Error::InvalidInput {
                field: "clone",
                reason: format!("{} is already being cloned", req.repository),
            });
        }
        let limiter = self.svc.limiter(&req.session);
        let result = codecommit::clone::clone(
            self.svc.ctx(),
            &identity,
            &req,
            &account,
            &self.clone_root(),
            &self.svc.role_credentials(),
            &limiter,
            on_progress,
            cancel,
        )
        .await;
        self.clones
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&key);
        if result.is_ok()
            && let Err(e) = codecommit::helper::ensure(
                &self.svc.ctx().paths,
                std::env::var_os("PATH").as_deref(),
                helper,
            )
        {
            tracing::warn!("git may not find git-remote-codecommit: {e}");
        }
        result
    }

    /// Stops a clone in progress (no-op when there is none).
    pub fn cancel_clone(&self, req: &CloneRequest) {
        if let Some(c) = self
            .clones
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&clone_key(req))
        {
            c.store(true, Ordering::Relaxed);
        }
    }

    /// Recent clones, newest first.
    pub fn recent_clones(&self) -> Vec<RecentClone> {
        codecommit::clone::recent(&self.svc.ctx().paths)
    }

    /// What git runs for `codecommit::` remotes.
    pub fn helper_status(&self, helper: &std::path::Path) -> codecommit::helper::HelperStatus {
        codecommit::helper::status(
            &self.svc.ctx().paths,
            std::env::var_os("PATH").as_deref(),
            helper,
        )
    }
}

impl AppState {
    /// The app's preferences.
    pub fn settings(&self) -> AppSettings {
        self.settings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Checks and saves preferences; returns them as saved.
    pub fn save_settings(&self, new: &AppSettings) -> Result<AppSettings> {
        let saved = settings::save(&self.svc.ctx().paths, new)?;
        *self.settings.lock().unwrap_or_else(|p| p.into_inner()) = saved.clone();
        Ok(saved)
    }

    /// Every profile and repository for the quick switcher.
    pub fn switcher_entries(&self) -> Result<Vec<SwitcherEntry>> {
        let text = sso::identity::read_config(&self.svc.ctx().paths.aws_config_file)?;
        let mut names = HashMap::new();
        for i in self.identities()? {
            for a in accounts::cached(self.svc.ctx(), &i.session).unwrap_or_default() {
                names.insert(a.account_id, a.account_name);
            }
        }
        Ok(switcher::entries(
            &text,
            &names,
            &self.favourites(),
            &self.cached_repositories(),
            &self.recent_clones(),
            &self.cached_pull_requests(),
        ))
    }

    /// Starts or stops a profile's credential endpoint; returns the endpoints running now.
    pub async fn serve(
        &self,
        profile: &str,
        serve: bool,
    ) -> Result<Vec<lanyard_core::service::EndpointInfo>> {
        let svc = self.service();
        if serve {
            let spec = svc.profile_spec(profile)?;
            svc.serve_profile(&spec, 0).await?;
        } else {
            svc.stop_serving(profile);
        }
        Ok(svc.serving())
    }

    /// Opens the console as a profile (a task: the window process stays while it runs); the
    /// sign-in URL goes to the browser (`open`) through a one-time loopback redirect, never
    /// through argv or the UI.
    pub async fn open_console(
        &self,
        profile: &str,
        open: &(dyn Fn(&str) -> bool + Send + Sync),
    ) -> Result<()> {
        let _task = self.task();
        let url = self.console_url(profile).await?;
        lanyard_core::console::open_once(profile, &url, open, Duration::from_secs(60)).await
    }

    /// The console sign-in URL for a profile (a secret: only ever handed to the browser).
    pub async fn console_url(&self, profile: &str) -> Result<Secret> {
        self.svc.console_url(profile).await
    }

    /// Keeps where the main window was left (see `view`); refused above 64 KiB (it is a handful
    /// of fields; anything bigger is a bug, not a view).
    pub fn remember_view(&self, view: String) -> Result<()> {
        if view.len() > 64 * 1024 {
            return Err(Error::InvalidInput {
                field: "view",
                reason: format!("{} bytes of view state is too much to keep", view.len()),
            });
        }
        *self.view.lock().unwrap_or_else(|p| p.into_inner()) = Some(view);
        Ok(())
    }

    /// Where the main window was left, if a window was open before.
    pub fn recall_view(&self) -> Option<String> {
        self.view.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The AWS config file this app reads and writes.
    pub fn config_file(&self) -> std::path::PathBuf {
        self.svc.ctx().paths.aws_config_file.clone()
    }

    /// True once when the AWS config changed on disk since the last call (a hand edit, the CLI).
    pub fn config_changed(&self) -> bool {
        let now = std::fs::metadata(&self.svc.ctx().paths.aws_config_file)
            .and_then(|m| m.modified())
            .ok();
        let mut stamp = self.config_stamp.lock().unwrap_or_else(|p| p.into_inner());
        let changed = *stamp != now;
        *stamp = now;
        changed
    }

    /// Session notifications due now.
    pub fn due_notices(&self) -> Vec<Notice> {
        let statuses = self.statuses().unwrap_or_default();
        self.tracker
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .due(&statuses, (self.svc.ctx().clock)())
    }

    /// A bug-report text: versions, paths, sessions (states only), helper, settings and the log's
    /// last lines, all passed through the redactor.
    pub fn diagnostics(&self, helper: &std::path::Path) -> Diagnostics {
        use std::fmt::Write as _;
        let info = self.info();
        let mut t = String::new();
        let _ = writeln!(
            t,
            "Lanyard {} on {} ({}){}",
            info.version,
            info.platform,
            std::env::consts::ARCH,
            if info.demo { ", demo mode" } else { "" }
        );
        let _ = writeln!(
            t,
            "AWS config: {}\nSSO cache: {}\nData: {}\nKeyring: {}",
            info.aws_config_file, info.sso_cache_dir, info.data_dir, info.keyring
        );
        for s in self.statuses().unwrap_or_default() {
            let _ = writeln!(
                t,
                "identity {} ({}, {}): {:?}, refreshable {}, expires {}",
                s.identity.session,
                s.identity.start_url,
                s.identity.region,
                s.state,
                s.refreshable,
                s.access_token_expires_at.as_deref().unwrap_or("-")
            );
        }
        let h = self.helper_status(helper);
        let _ = writeln!(
            t,
            "git-remote-codecommit: {}",
            serde_json::to_string(&h).unwrap_or_default()
        );
        let _ = writeln!(
            t,
            "settings: {}",
            serde_json::to_string(&self.settings()).unwrap_or_default()
        );
        // The appender names files lanyard.DATE.log; the newest is today's.
        let log = self
            .log_dir
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .and_then(|dir| {
                std::fs::read_dir(dir)
                    .ok()?
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| {
                        p.file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with("lanyard"))
                    })
                    .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
            });
        if let Some(path) = &log {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let _ = writeln!(
                t,
                "\n-- last {} log lines of {} --",
                lines.len().min(200),
                path.display()
            );
            for l in &lines[lines.len().saturating_sub(200)..] {
                let _ = writeln!(t, "{l}");
            }
        }
        let text = t
            .lines()
            .map(lanyard_core::logging::redact)
            .collect::<Vec<_>>()
            .join("\n");
        Diagnostics {
            text,
            log_file: log.map(|p| p.display().to_string()).unwrap_or_default(),
        }
    }
}

fn clone_key(req: &CloneRequest) -> String {
    format!(
        "{}/{}/{}/{}",
        req.session, req.account_id, req.region, req.repository
    )
}

/// Every endpoint pointed at an emulator (demo mode, tests).
pub(crate) fn emulator_endpoints(emu: &lanyard_emulator::Emulator) -> sso::Endpoints {
    let url = Some(emu.http_url.clone());
    sso::Endpoints {
        oidc: url.clone(),
        portal: url.clone(),
        codecommit: url.clone(),
        sts: url.clone(),
        signin: url,
        git_host: Some(emu.https_url.trim_start_matches("https://").to_owned()),
        git_ca_file: Some(emu.ca_file.clone()),
        ca_bundle: Some(emu.ca_file.clone()),
        ..sso::Endpoints::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lanyard_core::secret::MemoryStore;

    /// A sandboxed state on the emulator with the acme identity saved (not signed in yet).
    fn acme_state(emu: &lanyard_emulator::Emulator, dir: &std::path::Path) -> AppState {
        let _ = std::fs::remove_dir_all(dir);
        let state = AppState::new(
            SsoContext::new(
                Paths::sandboxed(dir),
                emulator_endpoints(emu),
                Arc::new(MemoryStore::default()),
            ),
            false,
        );
        state
            .save_identity(IdentityInput {
                session: "acme".into(),
                start_url: "https://acme.awsapps.com/start".into(),
                region: "us-east-1".into(),
                scopes: vec![],
            })
            .unwrap();
        state
    }

    /// Pull-request notices follow the settings: off, nothing is shown and what would have been
    /// is marked told (turning them on later does not replay it); on, a new one is told once.
    #[tokio::test]
    async fn pull_request_notices_follow_the_settings_and_are_told_once() {
        let emu = lanyard_emulator::Emulator::start(lanyard_emulator::Config::new(
            lanyard_emulator::World::demo(),
        ))
        .await
        .unwrap();
        let dir = std::env::temp_dir().join(format!("lanyard-pr-notices-{}", std::process::id()));
        let state = acme_state(&emu, &dir);
        let awaiting = |id: &str| {
            serde_json::json!({
                "session": "acme", "accountId": "111111111111", "accountName": "dev",
                "roleName": "Dev", "region": "eu-west-1", "repository": "api", "id": id,
                "title": format!("Change {id}"), "description": null, "authorArn": "",
                "author": "bob", "created": "", "lastActivity": "", "lastActivityMicros": 1,
                "open": true, "merged": false, "sourceRef": "", "destinationRef": "",
                "sourceCommit": "", "revisionId": "r", "approvals": 0, "approvalsNeeded": 1,
                "approved": false, "rulesNotSatisfied": ["One"], "approvedByMe": false,
                "concern": "awaiting", "canMerge": null
            })
        };
        let inbox = |ids: &[&str]| {
            let file = prs::cache_path(state.svc.ctx(), "acme");
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            let prs: Vec<_> = ids.iter().map(|i| awaiting(i)).collect();
            let body = serde_json::json!({"session": "acme", "checkedAt": "", "pullRequests": prs, "notes": []});
            std::fs::write(file, body.to_string()).unwrap();
        };
        let mut s = state.settings();
        s.pull_request_notifications = false;
        state.save_settings(&s).unwrap();
        inbox(&["1"]);
        assert!(
            state.pull_request_notices().is_empty(),
            "off: nothing shown"
        );
        s.pull_request_notifications = true;
        state.save_settings(&s).unwrap();
        assert!(
            state.pull_request_notices().is_empty(),
            "not replayed once turned on"
        );
        inbox(&["1", "2"]);
        let told: Vec<String> = state
            .pull_request_notices()
            .into_iter()
            .map(|n| n.body)
            .collect();
        assert_eq!(told, ["Change 2\napi #2 in dev (eu-west-1)"]);
        assert!(state.pull_request_notices().is_empty(), "told once");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// What the commands send the UI never holds a secret; the app's background refresher renews
    /// a session whose access token ends inside the 30-minute window without a new sign-in.
    #[tokio::test]
    async fn ipc_payloads_hold_no_secret_and_the_refresher_renews() {
        let mut cfg = lanyard_emulator::Config::new(lanyard_emulator::World::demo());
        cfg.lifetimes.access_token = 20 * 60;
        cfg.auto_approve = true;
        let emu = lanyard_emulator::Emulator::start(cfg).await.unwrap();
        let dir = std::env::temp_dir().join(format!("lanyard-refresher-{}", std::process::id()));
        let state = acme_state(&emu, &dir);
        // Everything the commands send the UI (channel messages and replies), as JSON.
        let sent = Mutex::new(Vec::<String>::new());
        let keep = |v: serde_json::Value| sent.lock().unwrap().push(v.to_string());
        let hints = Mutex::new(Vec::<String>::new());
        let on_step = |s: LoginStep| {
            // What the tray tooltip shows while the sign-in waits: the code to confirm.
            if let LoginStep::DeviceCode { user_code, .. } = &s {
                let hint = state.login_hint.lock().unwrap().clone().unwrap_or_default();
                assert!(
                    hint.contains(user_code.as_str()) && hint.contains("acme"),
                    "{hint}"
                );
                hints.lock().unwrap().push(hint);
            }
            keep(serde_json::to_value(s).unwrap());
        };
        let status = state
            .sign_in("acme", LoginMethod::DeviceCode, &|_| false, &on_step)
            .await
            .unwrap();
        assert_eq!(
            hints.into_inner().unwrap().len(),
            1,
            "the device code was shown"
        );
        assert!(
            state.login_hint.lock().unwrap().is_none(),
            "and cleared once signed in"
        );
        keep(serde_json::to_value(&status).unwrap());
        keep(serde_json::to_value(state.statuses().unwrap()).unwrap());
        let accounts = state
            .discover_accounts("acme", &|e| keep(serde_json::to_value(e).unwrap()))
            .await
            .unwrap();
        keep(serde_json::to_value(&accounts).unwrap());
        keep(
            serde_json::to_value(
                state
                    .plan_profiles("acme", &ProfileSettings::default())
                    .unwrap(),
            )
            .unwrap(),
        );
        let inv = state
            .scan_repositories("acme", &|e| keep(serde_json::to_value(e).unwrap()))
            .await
            .unwrap();
        keep(serde_json::to_value(&inv).unwrap());
        let path = sso::cache::token_path(&state.svc.ctx().paths.sso_cache_dir, "acme");
        let before = sso::cache::read_token(&path).unwrap().unwrap();
        let secrets = [
            before.access_token.expose().to_owned(),
            before.refresh_token.clone().unwrap().expose().to_owned(),
            before.client_secret.clone().unwrap().expose().to_owned(),
        ];
        let sent = sent.into_inner().unwrap();
        assert!(
            sent.len() > 10,
            "sign-in steps, statuses, accounts and repositories were sent"
        );
        for payload in &sent {
            for secret in &secrets {
                assert!(
                    !payload.contains(secret.as_str()),
                    "a secret in an IPC payload: {payload}"
                );
            }
            assert!(
                !payload.contains("ASIA"),
                "role credentials in an IPC payload: {payload}"
            );
        }
        assert!(
            state.refresh_all().await,
            "a 20-minute token is inside the 30-minute window"
        );
        let after = sso::cache::read_token(&path).unwrap().unwrap();
        assert_ne!(
            before.access_token.expose(),
            after.access_token.expose(),
            "a new access token was written"
        );
        assert!(
            after.expires_at >= before.expires_at,
            "not earlier (second resolution)"
        );
        assert_eq!(
            emu.app
                .realism
                .stats
                .lock()
                .unwrap()
                .requests
                .get("StartDeviceAuthorization"),
            Some(&1),
            "no new sign-in"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Settings → extra regions: the repository scan covers them too, on the next scan.
    #[tokio::test]
    async fn extra_regions_in_settings_are_scanned() {
        let mut cfg = lanyard_emulator::Config::new(lanyard_emulator::World::demo());
        cfg.auto_approve = true;
        let emu = lanyard_emulator::Emulator::start(cfg).await.unwrap();
        let dir = std::env::temp_dir().join(format!("lanyard-regions-{}", std::process::id()));
        let state = acme_state(&emu, &dir);
        state
            .sign_in("acme", LoginMethod::DeviceCode, &|_| false, &|_| {})
            .await
            .unwrap();
        let names = |inv: &Inventory| {
            inv.repositories
                .iter()
                .map(|r| format!("{}/{}", r.region, r.name))
                .collect::<Vec<_>>()
        };
        let before = state.scan_repositories("acme", &|_| {}).await.unwrap();
        assert!(
            !before.regions.contains(&"eu-west-1".to_owned()),
            "{:?}",
            before.regions
        );
        assert!(!names(&before).contains(&"eu-west-1/platform-docs".to_owned()));
        let with = AppSettings {
            regions: vec!["eu-west-1".into()],
            ..state.settings()
        };
        state.save_settings(&with).unwrap();
        let after = state.scan_repositories("acme", &|_| {}).await.unwrap();
        assert!(
            after.regions.contains(&"eu-west-1".to_owned()),
            "{:?}",
            after.regions
        );
        assert!(
            names(&after).contains(&"eu-west-1/platform-docs".to_owned()),
            "{:?}",
            names(&after)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A sign-in with a clock two hours fast says so on the identity, in words a person can act on.
    #[tokio::test]
    async fn a_skewed_clock_is_shown_with_the_identity() {
        let mut cfg = lanyard_emulator::Config::new(lanyard_emulator::World::demo());
        cfg.auto_approve = true;
        let emu = lanyard_emulator::Emulator::start(cfg).await.unwrap();
        let dir = std::env::temp_dir().join(format!("lanyard-skew-{}", std::process::id()));
        let endpoints = sso::Endpoints {
            oidc: Some(emu.http_url.clone()),
            portal: Some(emu.http_url.clone()),
            ..Default::default()
        };
        let mut ctx = SsoContext::new(
            Paths::sandboxed(&dir),
            endpoints,
            Arc::new(MemoryStore::default()),
        );
        ctx.clock = Arc::new(|| time::OffsetDateTime::now_utc() + time::Duration::hours(2));
        let state = AppState::new(ctx, false);
        let input = IdentityInput {
            session: "acme".into(),
            start_url: "https://acme.awsapps.com/start".into(),
            region: "us-east-1".into(),
            scopes: vec![],
        };
        state.save_identity(input).unwrap();
        let status = state
            .sign_in("acme", LoginMethod::DeviceCode, &|_| false, &|_| {})
            .await
            .unwrap();
        let detail = status.detail.expect("a warning");
        assert!(
            detail.contains("120 min ahead of") && detail.contains("system time"),
            "{detail}"
        );
        assert_eq!(
            state.statuses().unwrap()[0].detail.as_deref(),
            Some(detail.as_str()),
            "kept with the identity"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

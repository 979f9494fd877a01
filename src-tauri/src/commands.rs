//! Tauri commands: thin adapters over `AppState`/`lanyard-core`. Names match `ui/src/lib/api.ts`.

use lanyard_core::accounts::{AccountRoles, DiscoveryEvent};
use lanyard_core::codecommit::prs::{Checkout, Inbox, PullRequestRef};
use lanyard_core::codecommit::{
    CloneProgress, CloneReport, CloneRequest, Inventory, InventoryEvent, RecentClone,
    helper::HelperStatus,
};
use lanyard_core::offboard::OffboardReport;
use lanyard_core::profiles::{ProfileSettings, SyncPlan, SyncReport};
use lanyard_core::settings::AppSettings;
use lanyard_core::sso::{
    IdentityInput, IdentityStatus, LoginMethod, LoginStep, LogoutReport, ResolvedStartUrl,
};
use lanyard_core::switcher::SwitcherEntry;
use lanyard_core::view::AppInfo;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use crate::agent::Op;
use crate::{AppState, error::CmdError, events, state::Diagnostics};

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
pub async fn save_identity<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    input: IdentityInput,
) -> Result<IdentityStatus, CmdError> {
    let saved = state.save_identity(input)?;
    events::sessions_changed(&app);
    Ok(saved)
}

/// Where a start URL leads (vanity URLs are asked once): the portal host and region to show.
#[tauri::command]
pub async fn resolve_start_url(
    state: State<'_, AppState>,
    start_url: String,
    region: Option<String>,
) -> Result<ResolvedStartUrl, CmdError> {
    Ok(state
        .resolve_start_url(&start_url, region.as_deref())
        .await?)
}

/// Signs out of and removes a Lanyard-managed identity.
#[tauri::command]
pub async fn remove_identity<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    session: String,
) -> Result<(), CmdError> {
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
    let result = state
        .sign_in(
            &session,
            method,
            &|url| crate::open_in_browser(&app, url),
            &|s| drop(on_step.send(s)),
        )
        .await;
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
pub async fn sign_out<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    session: String,
) -> Result<LogoutReport, CmdError> {
    let report = state.sign_out(&session).await?;
    events::sessions_changed(&app);
    Ok(report)
}

/// Opens an http(s) URL in the system browser.
#[tauri::command]
pub async fn open_url<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    url: String,
) -> Result<(), CmdError> {
    // Only a link a sign-in gave the page: a compromised page cannot pick the destination.
    if !state.offered_url(&url) {
        return Err(CmdError::unknown(format!(
            "{url} is not a sign-in link Lanyard gave; not opened"
        )));
    }
    if crate::open_in_browser(&app, &url) {
        Ok(())
    } else {
        Err(CmdError::unknown(format!(
            "could not open a browser for {url}; copy the link instead"
        )))
    }
}

/// The last discovery's accounts (instant).
#[tauri::command]
pub async fn cached_accounts(
    state: State<'_, AppState>,
    session: String,
) -> Result<Vec<AccountRoles>, CmdError> {
    Ok(state.cached_accounts(&session))
}

/// Discovers every account and role, streaming each on `on_event`.
#[tauri::command]
pub async fn discover_accounts(
    state: State<'_, AppState>,
    session: String,
    on_event: Channel<DiscoveryEvent>,
) -> Result<Vec<AccountRoles>, CmdError> {
    Ok(state
        .discover_accounts(&session, &|e| drop(on_event.send(e)))
        .await?)
}

/// The identity's remembered profile settings.
#[tauri::command]
pub async fn get_profile_settings(
    state: State<'_, AppState>,
    session: String,
) -> Result<ProfileSettings, CmdError> {
    Ok(state.profile_settings(&session))
}

/// Previews a sync: profiles, diff, warnings.
#[tauri::command]
pub async fn plan_profiles(
    state: State<'_, AppState>,
    session: String,
    settings: ProfileSettings,
) -> Result<SyncPlan, CmdError> {
    Ok(state.plan_profiles(&session, &settings)?)
}

/// Writes the profiles into the AWS config.
#[tauri::command]
pub async fn apply_profiles<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    session: String,
    settings: ProfileSettings,
) -> Result<SyncReport, CmdError> {
    let report = state.apply_profiles(&session, &settings)?;
    events::sessions_changed(&app);
    if let Some(n) = lanyard_core::notices::sync_notice(
        &session,
        report.diff.added.len(),
        report.diff.removed.len(),
    ) {
        crate::notify_if_away(&app, &n.title, &n.body);
    }
    Ok(report)
}

/// Favourite profile names.
#[tauri::command]
pub async fn list_favourites(state: State<'_, AppState>) -> Result<Vec<String>, CmdError> {
    Ok(state.favourites())
}

/// Stars or unstars a profile (the tray lists favourites).
#[tauri::command]
pub async fn set_favourite<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    profile: String,
    favourite: bool,
) -> Result<Vec<String>, CmdError> {
    let list = state.set_favourite(&profile, favourite)?;
    events::sessions_changed(&app);
    Ok(list)
}

/// What offboarding would remove.
#[tauri::command]
pub async fn preview_offboard(state: State<'_, AppState>) -> Result<OffboardReport, CmdError> {
    Ok(state.offboard(true).await?)
}

/// Signs out everywhere and removes everything Lanyard created.
#[tauri::command]
pub async fn offboard<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<OffboardReport, CmdError> {
    let report = state.offboard(false).await?;
    events::sessions_changed(&app);
    Ok(report)
}

/// Every identity's last pull-request inbox (instant).
#[tauri::command]
pub async fn cached_pull_requests(state: State<'_, AppState>) -> Result<Vec<Inbox>, CmdError> {
    Ok(state.cached_pull_requests())
}

/// Revalidates one identity's pull requests.
#[tauri::command]
pub async fn refresh_pull_requests<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    session: String,
) -> Result<Inbox, CmdError> {
    let inbox = state.refresh_pull_requests(&session).await?;
    events::pull_requests_changed(&app);
    Ok(inbox)
}

/// Approves (or revokes an approval of) the revision shown; returns the identity's inbox.
#[tauri::command]
pub async fn approve_pull_request<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    target: PullRequestRef,
    revoke: bool,
) -> Result<Inbox, CmdError> {
    let inbox = state.approve_pull_request(&target, revoke).await?;
    events::pull_requests_changed(&app);
    Ok(inbox)
}

/// Clones the pull request's repository if needed and checks out its source branch.
#[tauri::command]
pub async fn checkout_pull_request(
    state: State<'_, AppState>,
    target: PullRequestRef,
) -> Result<Checkout, CmdError> {
    Ok(state
        .checkout_pull_request(&target, &crate::helper_binary())
        .await?)
}

/// Opens the pull request in the AWS console as the role that reads it.
#[tauri::command]
pub async fn open_pull_request<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    target: PullRequestRef,
) -> Result<(), CmdError> {
    Ok(state
        .open_pull_request(&target, &|url| crate::open_in_browser(&app, url))
        .await?)
}

/// Every identity's last repository scan (instant).
#[tauri::command]
pub async fn cached_repositories(state: State<'_, AppState>) -> Result<Vec<Inventory>, CmdError> {
    Ok(state.cached_repositories())
}

/// Scans an identity's accounts for CodeCommit repositories, streaming each account on `on_event`.
#[tauri::command]
pub async fn scan_repositories(
    state: State<'_, AppState>,
    session: String,
    on_event: Channel<InventoryEvent>,
) -> Result<Inventory, CmdError> {
    Ok(state
        .scan_repositories(&session, &|e| drop(on_event.send(e)))
        .await?)
}

/// Clones a repository, reporting progress on `on_progress`.
#[tauri::command]
pub async fn clone_repository<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    request: CloneRequest,
    on_progress: Channel<CloneProgress>,
) -> Result<CloneReport, CmdError> {
    let on = std::sync::Arc::new(move |p: &CloneProgress| drop(on_progress.send(p.clone())));
    let repository = request.repository.clone();
    let report = state
        .clone_repository(request, &crate::helper_binary(), on)
        .await;
    events::sessions_changed(&app); // the tray's recent clones
    if let Ok(r) = &report {
        crate::notify_if_away(&app, &format!("Cloned {repository}"), &r.path);
    }
    Ok(report?)
}

/// Cancels a clone in progress.
#[tauri::command]
pub async fn cancel_clone(
    state: State<'_, AppState>,
    request: CloneRequest,
) -> Result<(), CmdError> {
    state.cancel_clone(&request);
    Ok(())
}

/// Recent clones, newest first.
#[tauri::command]
pub async fn recent_clones(state: State<'_, AppState>) -> Result<Vec<RecentClone>, CmdError> {
    Ok(state.recent_clones())
}

/// What git runs for `codecommit::` remotes.
#[tauri::command]
pub async fn helper_status(state: State<'_, AppState>) -> Result<HelperStatus, CmdError> {
    Ok(state.helper_status(&crate::helper_binary()))
}

/// Opens a folder (a clone) in the file manager.
#[tauri::command]
pub async fn open_folder<R: Runtime>(app: AppHandle<R>, path: String) -> Result<(), CmdError> {
    crate::open_path(&app, &path).map_err(CmdError::unknown)
}

/// The app's preferences (Settings view).
#[tauri::command]
pub async fn get_settings(state: State<'_, AppState>) -> Result<AppSettings, CmdError> {
    Ok(state.settings())
}

/// Checks and saves preferences; applies start-at-login and the switcher shortcut at once.
#[tauri::command]
pub async fn save_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    settings: AppSettings,
) -> Result<AppSettings, CmdError> {
    let before = state.settings();
    let saved = state.save_settings(&settings)?;
    if let Some(agent) = crate::agent::link(&app) {
        // The tray process holds the shortcut and start-at-login.
        if let Err(e) = agent.call::<()>(Op::ApplySettings).await {
            let _ = state.save_settings(&before);
            let _ = agent.call::<()>(Op::ApplySettings).await;
            return Err(e);
        }
        return Ok(saved);
    }
    if let Err(e) = crate::apply_settings(&app, &saved) {
        // Keep the file true to what is in effect.
        let _ = state.save_settings(&before);
        let _ = crate::apply_settings(&app, &before);
        return Err(CmdError::unknown(e));
    }
    Ok(saved)
}

/// A redacted bug-report text (Copy diagnostics).
#[tauri::command]
pub async fn diagnostics(state: State<'_, AppState>) -> Result<Diagnostics, CmdError> {
    Ok(state.diagnostics(&crate::helper_binary()))
}

/// Opens the AWS console signed in as a profile (the URL never reaches the UI).
#[tauri::command]
pub async fn open_console<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    profile: String,
) -> Result<(), CmdError> {
    Ok(crate::open_console(&app, &state, &profile).await?)
}

/// Puts `export AWS_PROFILE=…` on the clipboard and returns it.
#[tauri::command]
pub async fn copy_export<R: Runtime>(
    app: AppHandle<R>,
    profile: String,
) -> Result<String, CmdError> {
    if let Some(agent) = crate::agent::link(&app) {
        return agent.call(Op::CopyExport { profile }).await;
    }
    crate::copy_export(&app, &profile).map_err(CmdError::unknown)
}

/// Every profile and repository for the quick switcher.
#[tauri::command]
pub async fn switcher_entries(state: State<'_, AppState>) -> Result<Vec<SwitcherEntry>, CmdError> {
    Ok(state.switcher_entries()?)
}

/// Hides the quick switcher.
#[tauri::command]
pub async fn hide_switcher<R: Runtime>(app: AppHandle<R>) -> Result<(), CmdError> {
    crate::hide_switcher(&app);
    Ok(())
}

/// Starts a clone without a window: progress in the tray tooltip, a notification at the end.
#[tauri::command]
pub async fn clone_in_background<R: Runtime>(
    app: AppHandle<R>,
    request: CloneRequest,
) -> Result<(), CmdError> {
    if let Some(agent) = crate::agent::link(&app) {
        return agent.call(Op::CloneInBackground { request }).await;
    }
    crate::clone_in_background(&app, request);
    Ok(())
}

/// Puts text on the clipboard (the UI's copy buttons; WebKitGTK's clipboard API is unreliable).
#[tauri::command]
pub async fn copy_text<R: Runtime>(app: AppHandle<R>, text: String) -> Result<(), CmdError> {
    if let Some(agent) = crate::agent::link(&app) {
        return agent.call(Op::CopyText { text }).await;
    }
    crate::copy_text(&app, &text).map_err(CmdError::unknown)
}

/// When the page's start-up steps happened, in ms from its navigation start (`performance.now()`).
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageMarks {
    /// `performance.timeOrigin`: the navigation start, ms since the Unix epoch.
    time_origin: f64,
    script: f64,
    mounted: f64,
    first_frame: f64,
    second_frame: f64,
}

/// The page painted its first frame: logged with the time since the process started (the
/// start-up benchmark reads it), and at debug level where the page's own time went.
#[tauri::command]
pub async fn ui_ready<R: Runtime>(
    window: tauri::WebviewWindow<R>,
    marks: Option<PageMarks>,
) -> Result<(), CmdError> {
    if let (Some(m), Some(start)) = (marks, crate::STARTED_WALL.get()) {
        let start = start
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
        tracing::debug!(
            window = window.label(),
            "page start-up: navigation {:.0} ms after start, then script +{:.0}, mounted +{:.0}, first frame +{:.0}, second frame +{:.0} ms",
            m.time_origin - start,
            m.script,
            m.mounted,
            m.first_frame,
            m.second_frame
        );
    }
    tracing::info!(
        window = window.label(),
        "first paint {} ms after start",
        crate::since_start()
    );
    if window.label() == "main" {
        crate::navigate_pending(tauri::Manager::app_handle(&window));
        // The start-up's reads (caches of thousands of accounts and repositories, serialized
        // for the page) are freed by then; glibc would keep their pages for the window's life.
        // Measured (tray-idle, 1,000 accounts × 3 roles): the window process 94.1 → 88.2 MiB.
        #[cfg(target_os = "linux")]
        tauri::async_runtime::spawn(async {
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            crate::give_back_freed_memory();
        });
    }
    Ok(())
}

/// How long an interaction took in the page, to the frame that showed it (debug log; the
/// quick-switcher benchmark reads it).
#[tauri::command]
pub async fn ui_timing<R: Runtime>(
    window: tauri::WebviewWindow<R>,
    what: String,
    ms: f64,
) -> Result<(), CmdError> {
    tracing::debug!(window = window.label(), "timing: {what} in {ms:.1} ms");
    Ok(())
}

/// Puts a profile's credentials on the clipboard as `export` lines (cleared after a minute);
/// only when they expire comes back.
#[tauri::command]
pub async fn copy_credentials<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    profile: String,
) -> Result<crate::CopiedCredentials, CmdError> {
    if let Some(agent) = crate::agent::link(&app) {
        return agent.call(Op::CopyCredentials { profile }).await;
    }
    Ok(crate::copy_credentials(&app, &state, &profile).await?)
}

/// Opens a terminal as a profile; returns the terminal's name.
#[tauri::command]
pub async fn open_terminal(
    state: State<'_, AppState>,
    profile: String,
) -> Result<String, CmdError> {
    Ok(crate::open_terminal(&state, &profile)?)
}

/// Starts (`serve`) or stops a profile's local credential endpoint; returns those running.
#[tauri::command]
pub async fn serve_credentials<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    profile: String,
    serve: bool,
) -> Result<Vec<lanyard_core::service::EndpointInfo>, CmdError> {
    if let Some(agent) = crate::agent::link(&app) {
        return agent.call(Op::Serve { profile, serve }).await;
    }
    Ok(crate::serve_credentials(&app, &state, &profile, serve).await?)
}

/// Keeps where the main window is (view, search, scroll, rows shown) in the tray process, so
/// the window opens there again after its process has ended.
#[tauri::command]
pub async fn remember_view<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    view: String,
) -> Result<(), CmdError> {
    state.remember_view(view.clone())?;
    if let Some(agent) = crate::agent::link(&app) {
        agent.tell(Op::RememberView { view });
    }
    Ok(())
}

/// Where the main window was left (null before any window was open).
#[tauri::command]
pub async fn recall_view<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<Option<String>, CmdError> {
    if let Some(agent) = crate::agent::link(&app) {
        return agent.call(Op::RecallView).await;
    }
    Ok(state.recall_view())
}

/// The local credential endpoints running now.
#[tauri::command]
pub async fn list_endpoints<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<Vec<lanyard_core::service::EndpointInfo>, CmdError> {
    if let Some(agent) = crate::agent::link(&app) {
        return agent.call(Op::Endpoints).await;
    }
    Ok(state.service().serving())
}

/// Puts a running endpoint's two variables on the clipboard (cleared after a minute).
#[tauri::command]
pub async fn copy_endpoint<R: Runtime>(
    app: AppHandle<R>,
    profile: String,
) -> Result<u64, CmdError> {
    if let Some(agent) = crate::agent::link(&app) {
        return agent.call(Op::CopyEndpoint { profile }).await;
    }
    crate::copy_endpoint(&app, &profile).map_err(CmdError::unknown)
}

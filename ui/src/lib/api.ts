// The only module that talks to Tauri. Components import from here, never from
// `@tauri-apps/*`, so the UI can be rendered in a plain browser or jsdom with the
// IPC mocked (`mockIPC` from `@tauri-apps/api/mocks`).
//
// Command and event names live here and in src-tauri's `generate_handler!`;
// review the two together.

import { Channel, invoke, type InvokeArgs } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';

import type { AccountRoles } from './bindings/AccountRoles';
import type { AppInfo } from './bindings/AppInfo';
import type { AppSettings } from './bindings/AppSettings';
import type { Checkout } from './bindings/Checkout';
import type { CloneProgress } from './bindings/CloneProgress';
import type { CloneReport } from './bindings/CloneReport';
import type { CloneRequest } from './bindings/CloneRequest';
import type { CopiedCredentials } from './bindings/CopiedCredentials';
import type { Diagnostics } from './bindings/Diagnostics';
import type { DiscoveryEvent } from './bindings/DiscoveryEvent';
import type { EndpointInfo } from './bindings/EndpointInfo';
import type { HelperStatus } from './bindings/HelperStatus';
import type { IdentityInput } from './bindings/IdentityInput';
import type { IdentityStatus } from './bindings/IdentityStatus';
import type { Inbox } from './bindings/Inbox';
import type { Inventory } from './bindings/Inventory';
import type { InventoryEvent } from './bindings/InventoryEvent';
import type { LoginMethod } from './bindings/LoginMethod';
import type { LoginStep } from './bindings/LoginStep';
import type { LogoutReport } from './bindings/LogoutReport';
import type { OffboardReport } from './bindings/OffboardReport';
import type { ResolvedStartUrl } from './bindings/ResolvedStartUrl';
import type { ProfileSettings } from './bindings/ProfileSettings';
import type { PullRequestRef } from './bindings/PullRequestRef';
import type { RecentClone } from './bindings/RecentClone';
import type { SwitcherEntry } from './bindings/SwitcherEntry';
import type { SyncPlan } from './bindings/SyncPlan';
import type { SyncReport } from './bindings/SyncReport';
import { isView, type View } from './navigation';

export type { AccountRoles } from './bindings/AccountRoles';
export type { AppInfo } from './bindings/AppInfo';
export type { AppSettings } from './bindings/AppSettings';
export type { Checkout } from './bindings/Checkout';
export type { ResolvedStartUrl } from './bindings/ResolvedStartUrl';
export type { CopiedCredentials } from './bindings/CopiedCredentials';
export type { EndpointInfo } from './bindings/EndpointInfo';
export type { ClonePhase } from './bindings/ClonePhase';
export type { CloneProgress } from './bindings/CloneProgress';
export type { CloneReport } from './bindings/CloneReport';
export type { CloneRequest } from './bindings/CloneRequest';
export type { Concern } from './bindings/Concern';
export type { Diagnostics } from './bindings/Diagnostics';
export type { DiscoveryEvent } from './bindings/DiscoveryEvent';
export type { DiscoveryProgress } from './bindings/DiscoveryProgress';
export type { ErrorCode } from './bindings/ErrorCode';
export type { HelperStatus } from './bindings/HelperStatus';
export type { Identity } from './bindings/Identity';
export type { IdentityInput } from './bindings/IdentityInput';
export type { IdentityStatus } from './bindings/IdentityStatus';
export type { Inbox } from './bindings/Inbox';
export type { Inventory } from './bindings/Inventory';
export type { InventoryEvent } from './bindings/InventoryEvent';
export type { InventoryProgress } from './bindings/InventoryProgress';
export type { LoginMethod } from './bindings/LoginMethod';
export type { LoginStep } from './bindings/LoginStep';
export type { LogoutReport } from './bindings/LogoutReport';
export type { NoteKind } from './bindings/NoteKind';
export type { OffboardReport } from './bindings/OffboardReport';
export type { PlannedProfile } from './bindings/PlannedProfile';
export type { ProfileDiff } from './bindings/ProfileDiff';
export type { ProfileSettings } from './bindings/ProfileSettings';
export type { PullRequest } from './bindings/PullRequest';
export type { PullRequestRef } from './bindings/PullRequestRef';
export type { RecentClone } from './bindings/RecentClone';
export type { Repository } from './bindings/Repository';
export type { ScanNote } from './bindings/ScanNote';
export type { SwitcherEntry } from './bindings/SwitcherEntry';
export type { SwitcherKind } from './bindings/SwitcherKind';
export type { SyncPlan } from './bindings/SyncPlan';
export type { SyncReport } from './bindings/SyncReport';
export type { SessionState } from './bindings/SessionState';
export type { View } from './navigation';

/** Event the shell (e.g. the tray menu) emits to switch the visible view. Payload: a `View` id. */
export const NAVIGATE_EVENT = 'app://navigate';

/**
 * Emitted after any sign-in, sign-out, refresh, add or remove (including the background
 * refresher and the tray). Payload: every `IdentityStatus`, in the same order as `listIdentities`.
 */
export const ENDPOINTS_CHANGED_EVENT = 'endpoints://changed';
export const SESSIONS_CHANGED_EVENT = 'sessions://changed';

/**
 * Emitted after the tray process revalidated pull requests in the background. Payload: every
 * cached `Inbox`, as `cachedPullRequests` gives them.
 */
export const PULL_REQUESTS_CHANGED_EVENT = 'pull-requests://changed';

/**
 * Every failed command surfaces as an `AppError`. The Rust side rejects with
 * `{ code, message }` (`CmdError`); branch on `code`, show `message`.
 * Anything else (a plain string, a JS exception) becomes code `"Unknown"`.
 */
export class AppError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'AppError';
    this.code = code;
  }

  static from(raw: unknown): AppError {
    if (raw instanceof AppError) return raw;
    if (
      typeof raw === 'object' &&
      raw !== null &&
      typeof (raw as { code?: unknown }).code === 'string' &&
      typeof (raw as { message?: unknown }).message === 'string'
    ) {
      const { code, message } = raw as { code: string; message: string };
      return new AppError(code, message);
    }
    if (typeof raw === 'string') return new AppError('Unknown', raw);
    if (raw instanceof Error) return new AppError('Unknown', raw.message);
    let text: string;
    try {
      text = JSON.stringify(raw) ?? String(raw);
    } catch {
      text = String(raw);
    }
    return new AppError('Unknown', text);
  }
}

/** `invoke` with every rejection normalised to `AppError`. */
async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    throw AppError.from(raw);
  }
}

/** True when running inside the Tauri webview (or under `mockIPC`). */
export function isTauri(): boolean {
  const internals = (globalThis as { __TAURI_INTERNALS__?: { invoke?: unknown } })
    .__TAURI_INTERNALS__;
  return typeof internals?.invoke === 'function';
}

/** Version, platform and the paths Lanyard reads and writes. */
export function getAppInfo(): Promise<AppInfo> {
  return call<AppInfo>('app_info');
}

/** Every identity in the AWS config (user-written and Lanyard-managed) with its session state. */
export function listIdentities(): Promise<IdentityStatus[]> {
  return call<IdentityStatus[]>('list_identities');
}

/**
 * Adds or edits a Lanyard-managed identity. Rejects with code `InvalidInput` and a message
 * that starts with `invalid <field>:` (`session`, `startUrl` or `region`) for bad values.
 */
export function saveIdentity(input: IdentityInput): Promise<IdentityStatus> {
  return call<IdentityStatus>('save_identity', { input });
}

/**
 * Where a start URL leads: an AWS portal URL as it is, a company's own (vanity) URL asked once
 * for the portal it redirects to. Gives the portal host and the region (from the host, else
 * `region`). Rejects with `invalid startUrl: …` (the AWS CLI's wording) when it leads nowhere
 * usable.
 */
export function resolveStartUrl(
  startUrl: string,
  region: string | null,
): Promise<ResolvedStartUrl> {
  return call<ResolvedStartUrl>('resolve_start_url', { startUrl, region });
}

/** Signs out of and removes a Lanyard-managed identity. */
export function removeIdentity(session: string): Promise<void> {
  return call<void>('remove_identity', { session });
}

/**
 * Signs in to `session`; progress (browser to approve, device code, …) arrives on `onStep`.
 * Resolves with the new status. Rejects with code `Cancelled` after `cancelSignIn` (or when
 * another sign-in to the same session replaces this one), `LoginNotCompleted` when the user
 * denied it or the code expired, `Unreachable` when the portal cannot be reached.
 */
export async function signIn(
  session: string,
  method: LoginMethod,
  onStep: (step: LoginStep) => void,
): Promise<IdentityStatus> {
  const channel = newChannel(onStep);
  return call<IdentityStatus>('sign_in', { session, method, onStep: channel });
}

/** A `Channel` delivering to `onMessage`; creating one outside Tauri rejects as an `AppError`. */
function newChannel<T>(onMessage: (message: T) => void): Channel<T> {
  let channel: Channel<T>;
  try {
    channel = new Channel<T>();
  } catch (raw) {
    throw AppError.from(raw);
  }
  channel.onmessage = onMessage;
  return channel;
}

/** Cancels the sign-in to `session` in progress (a no-op when there is none). */
export function cancelSignIn(session: string): Promise<void> {
  return call<void>('cancel_sign_in', { session });
}

/**
 * Signs out: ends the portal session when possible, then removes the cached token, the AWS
 * CLI's cached role credentials of the identity and Lanyard's copies; `summary` says what went.
 */
export function signOut(session: string): Promise<LogoutReport> {
  return call<LogoutReport>('sign_out', { session });
}

/** Opens an http(s) URL in the system browser. */
export function openUrl(url: string): Promise<void> {
  return call<void>('open_url', { url });
}

/** The accounts and roles last discovered for `session` (instant; `[]` when never discovered). */
export function cachedAccounts(session: string): Promise<AccountRoles[]> {
  return call<AccountRoles[]>('cached_accounts', { session });
}

/**
 * Lists every account and role `session` can use. Each account arrives on `onEvent` as soon as
 * its roles are known, with the overall progress; resolves with the full list (also cached).
 * Rejects with code `NotSignedIn` or `SessionExpired` when the session cannot be used.
 */
export async function discoverAccounts(
  session: string,
  onEvent: (event: DiscoveryEvent) => void,
): Promise<AccountRoles[]> {
  const channel = newChannel(onEvent);
  return call<AccountRoles[]>('discover_accounts', { session, onEvent: channel });
}

/** The profile settings remembered for `session` (or the defaults). */
export function getProfileSettings(session: string): Promise<ProfileSettings> {
  return call<ProfileSettings>('get_profile_settings', { session });
}

/**
 * Previews a sync of `session`'s cached accounts with `settings`, changing nothing.
 * Rejects with code `InvalidInput` and a message starting `invalid template:` for a bad template.
 */
export function planProfiles(session: string, settings: ProfileSettings): Promise<SyncPlan> {
  return call<SyncPlan>('plan_profiles', { session, settings });
}

/** Writes the planned profiles to the AWS config (with a backup) and remembers `settings`. */
export function applyProfiles(session: string, settings: ProfileSettings): Promise<SyncReport> {
  return call<SyncReport>('apply_profiles', { session, settings });
}

/** Favourite profile names. */
export function listFavourites(): Promise<string[]> {
  return call<string[]>('list_favourites');
}

/** Marks or unmarks `profile` as a favourite; resolves with every favourite. */
export function setFavourite(profile: string, favourite: boolean): Promise<string[]> {
  return call<string[]>('set_favourite', { profile, favourite });
}

/** What `offboard` would sign out, remove and leave, without changing anything. */
export function previewOffboard(): Promise<OffboardReport> {
  return call<OffboardReport>('preview_offboard');
}

/** Signs out of every identity and removes everything Lanyard wrote. */
export function offboard(): Promise<OffboardReport> {
  return call<OffboardReport>('offboard');
}

/** Every CodeCommit inventory scanned before, one per identity (instant; `[]` when none). */
export function cachedRepositories(): Promise<Inventory[]> {
  return call<Inventory[]>('cached_repositories');
}

/**
 * Lists the CodeCommit repositories in every account and region `session` can use. Each account
 * arrives on `onEvent` as soon as it is scanned, with the overall progress; resolves with the
 * whole inventory (also cached). Rejects with code `NotSignedIn` or `SessionExpired` when the
 * session cannot be used.
 */
export async function scanRepositories(
  session: string,
  onEvent: (event: InventoryEvent) => void,
): Promise<Inventory> {
  const channel = newChannel(onEvent);
  return call<Inventory>('scan_repositories', { session, onEvent: channel });
}

/**
 * Clones a repository (through git-remote-codecommit, writing the profile it needs); progress
 * arrives on `onProgress`. Rejects with code `Cancelled` after `cancelClone(request)`.
 */
export async function cloneRepository(
  request: CloneRequest,
  onProgress: (progress: CloneProgress) => void,
): Promise<CloneReport> {
  const channel = newChannel(onProgress);
  return call<CloneReport>('clone_repository', { request, onProgress: channel });
}

/** Cancels the clone started with the same `request` (a no-op when it is not running). */
export function cancelClone(request: CloneRequest): Promise<void> {
  return call<void>('cancel_clone', { request });
}

/** The repositories cloned recently, newest first. */
export function recentClones(): Promise<RecentClone[]> {
  return call<RecentClone[]>('recent_clones');
}

/** Which git-remote-codecommit git finds, and a note for people when it is not Lanyard's. */
export function helperStatus(): Promise<HelperStatus> {
  return call<HelperStatus>('helper_status');
}

/** Opens a folder in the system file manager. */
export function openFolder(path: string): Promise<void> {
  return call<void>('open_folder', { path });
}

/** Every identity's last pull-request inbox (instant, from disk; `[]` when none). */
export function cachedPullRequests(): Promise<Inbox[]> {
  return call<Inbox[]>('cached_pull_requests');
}

/**
 * Revalidates `session`'s pull requests against AWS (only what changed is fetched again; may take
 * seconds) and resolves with the inbox (also cached). Rejects with code `NotSignedIn` or
 * `SessionExpired` when the session cannot be used.
 */
export function refreshPullRequests(session: string): Promise<Inbox> {
  return call<Inbox>('refresh_pull_requests', { session });
}

/**
 * Approves `target` (or revokes the approval), then resolves with its identity's revalidated
 * inbox. Rejects with a message saying why when AWS refuses (e.g. new commits since Lanyard last
 * looked).
 */
export function approvePullRequest(target: PullRequestRef, revoke: boolean): Promise<Inbox> {
  return call<Inbox>('approve_pull_request', { target, revoke });
}

/**
 * Checks out `target`'s source on a local branch tracking it, cloning the repository first when
 * it is not cloned yet; resolves with where and what.
 */
export function checkoutPullRequest(target: PullRequestRef): Promise<Checkout> {
  return call<Checkout>('checkout_pull_request', { target });
}

/** Opens the AWS console on `target`'s page, signed in as the role that reads it. */
export function openPullRequest(target: PullRequestRef): Promise<void> {
  return call<void>('open_pull_request', { target });
}

/** Lanyard's own preferences (clone root, default template, regions, refresh, login, shortcut…). */
export function getSettings(): Promise<AppSettings> {
  return call<AppSettings>('get_settings');
}

/**
 * Saves the preferences and resolves with them as stored. Rejects with code `InvalidInput` and a
 * message naming the problem (e.g. "the clone root /x is not writable: …") for bad values.
 */
export function saveSettings(settings: AppSettings): Promise<AppSettings> {
  return call<AppSettings>('save_settings', { settings });
}

/** Text for a bug report (versions, paths, the recent log), secrets already redacted. */
export function diagnostics(): Promise<Diagnostics> {
  return call<Diagnostics>('diagnostics');
}

/**
 * Opens the AWS console in the browser, signed in as `profile`. Rejects with code `NotSignedIn`
 * or `SessionExpired` when the profile's session cannot be used.
 */
export function openConsole(profile: string): Promise<void> {
  return call<void>('open_console', { profile });
}

/** Puts `export AWS_PROFILE=<profile>` on the clipboard (from the shell) and resolves with that text. */
export function copyExport(profile: string): Promise<string> {
  return call<string>('copy_export', { profile });
}

/**
 * Puts the profile's credentials on the clipboard as `export` lines (the secrets never come back
 * here) and resolves with when they expire; the shell clears the clipboard after
 * `clearsAfterSecs` if it still holds them. Rejects with `NotSignedIn`, `SessionExpired` or
 * `Credentials` (the message says how to fix it).
 */
export function copyCredentials(profile: string): Promise<CopiedCredentials> {
  return call<CopiedCredentials>('copy_credentials', { profile });
}

/** Opens the desktop's terminal running the user's shell as `profile`; resolves with its name. */
export function openTerminal(profile: string): Promise<string> {
  return call<string>('open_terminal', { profile });
}

/** Starts (`serve`) or stops the profile's local credential endpoint; resolves with those running. */
export function serveCredentials(profile: string, serve: boolean): Promise<EndpointInfo[]> {
  return call<EndpointInfo[]>('serve_credentials', { profile, serve });
}

/** The local credential endpoints the app runs. */
export function listEndpoints(): Promise<EndpointInfo[]> {
  return call<EndpointInfo[]>('list_endpoints');
}

/** Puts a running endpoint's two variables on the clipboard; resolves with when it is cleared (s). */
export function copyEndpoint(profile: string): Promise<number> {
  return call<number>('copy_endpoint', { profile });
}

/** Every profile and repository the quick switcher offers. */
export function switcherEntries(): Promise<SwitcherEntry[]> {
  return call<SwitcherEntry[]>('switcher_entries');
}

/** Hides the quick-switcher window. */
export function hideSwitcher(): Promise<void> {
  return call<void>('hide_switcher');
}

/**
 * Starts a clone and resolves at once; the main window shows its progress and a notification
 * says when it is done.
 */
export function cloneInBackground(request: CloneRequest): Promise<void> {
  return call<void>('clone_in_background', { request });
}

/** Puts `text` on the clipboard (the web Clipboard API; no shell command). */
export async function copyText(text: string): Promise<void> {
  // In the app the shell writes the clipboard: WebKitGTK refuses navigator.clipboard once an
  // awaited call has used up the click's user activation.
  if (isTauri()) {
    await call<void>('copy_text', { text });
    return;
  }
  const clipboard = typeof navigator === 'undefined' ? undefined : navigator.clipboard;
  if (typeof clipboard?.writeText !== 'function') {
    throw new AppError('Unknown', 'The clipboard is not available');
  }
  try {
    await clipboard.writeText(text);
  } catch (raw) {
    throw AppError.from(raw);
  }
}

/**
 * Listens to a shell event. Outside Tauri there is no event source, so this is a no-op.
 * Resolves to the unsubscribe function, which never throws.
 */
async function subscribe<T>(event: string, handler: (payload: T) => void): Promise<() => void> {
  if (!isTauri()) return () => {};
  let unlisten: () => void;
  try {
    unlisten = await listen<T>(event, (e) => handler(e.payload));
  } catch (raw) {
    throw AppError.from(raw);
  }
  // Tauri's unlisten is async and rejects if the webview is already being torn down;
  // there is nothing the caller could do about that.
  return () => {
    Promise.resolve(unlisten()).catch((err: unknown) =>
      console.warn('Lanyard: unlisten failed', AppError.from(err).message),
    );
  };
}

/**
 * Subscribe to navigation requests from the shell (tray menu items).
 * Unknown view ids are ignored. Resolves to the unsubscribe function.
 * Outside Tauri there is no event source, so this is a no-op.
 */
export function onNavigate(cb: (view: View) => void): Promise<() => void> {
  return subscribe<unknown>(NAVIGATE_EVENT, (payload) => {
    if (isView(payload)) cb(payload);
  });
}

/**
 * Subscribe to session changes. Events sent before the listener exists are lost, so pull a
 * snapshot with `listIdentities()` as well. Resolves to the unsubscribe function.
 */
export function onSessionsChanged(cb: (list: IdentityStatus[]) => void): Promise<() => void> {
  return subscribe<IdentityStatus[]>(SESSIONS_CHANGED_EVENT, (payload) => {
    if (Array.isArray(payload)) cb(payload);
  });
}

/** Subscribe to the running credential endpoints (started or stopped here or from the tray). */
export function onEndpointsChanged(cb: (list: EndpointInfo[]) => void): Promise<() => void> {
  return subscribe<EndpointInfo[]>(ENDPOINTS_CHANGED_EVENT, (payload) => {
    if (Array.isArray(payload)) cb(payload);
  });
}

/**
 * Subscribe to pull requests revalidated in the background (by the tray process). Resolves to
 * the unsubscribe function.
 */
export function onPullRequestsChanged(cb: (list: Inbox[]) => void): Promise<() => void> {
  return subscribe<Inbox[]>(PULL_REQUESTS_CHANGED_EVENT, (payload) => {
    if (Array.isArray(payload)) cb(payload);
  });
}

export interface PageMarks {
  timeOrigin: number;
  script: number;
  mounted: number;
  firstFrame: number;
  secondFrame: number;
}

/** Logs (debug) how long an interaction took to its painted frame; never fails the caller. */
export function reportTiming(what: string, ms: number): void {
  if (isTauri()) void call<void>('ui_timing', { what, ms }).catch(() => {});
}

/** Keeps where the main window is (the tray process holds it while no window is open). */
export function rememberView(view: string): Promise<void> {
  return call<void>('remember_view', { view });
}

/** Where the main window was left; null before any window was open this session. */
export function recallView(): Promise<string | null> {
  return call<string | null>('recall_view');
}

/** Tells the shell the first frame is painted, with where the page's start-up time went. */
export function uiReady(marks?: PageMarks): Promise<void> {
  return call<void>('ui_ready', { marks });
}

//! One-click clone: git2 over HTTPS with the role's SigV4 git credentials, progress and cancel,
//! into `<clone root>/<account>/<repo>`; then `origin` becomes `codecommit::REGION://PROFILE@REPO`
//! so every later fetch, pull or push — from a shell or an IDE — goes through
//! `git-remote-codecommit` with fresh credentials instead of a stored, expiring password.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::creds::{RoleCredentials, RoleCredentialsCache};
use super::url;
use crate::accounts::RateLimiter;
use crate::aws_config::{self, SectionKind};
use crate::sso::{Identity, SsoContext, identity};
use crate::{Error, Paths, Result, profiles};

/// What to clone (a row of the inventory) and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CloneRequest {
    /// The sso-session.
    pub session: String,
    /// Account id.
    pub account_id: String,
    /// Account name (the folder under the clone root).
    pub account_name: String,
    /// The role whose credentials clone (and whose profile the remote names).
    pub role_name: String,
    /// The repository's region.
    pub region: String,
    /// Repository name.
    pub repository: String,
    /// Destination folder; default `<clone root>/<account>/<repo>`.
    pub dest: Option<String>,
}

/// Where a clone is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ClonePhase {
    /// Asking for credentials and connecting.
    Connecting,
    /// Receiving objects.
    Receiving,
    /// Resolving deltas.
    Resolving,
    /// Writing the work tree.
    Checkout,
}

/// Progress of a clone (objects, bytes, percent).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CloneProgress {
    /// The phase.
    pub phase: ClonePhase,
    /// Objects received.
    pub received_objects: u32,
    /// Objects in the pack.
    pub total_objects: u32,
    /// Bytes received.
    #[ts(type = "number")]
    pub received_bytes: u64,
    /// 0–100 over the whole clone.
    pub percent: u8,
}

/// A finished clone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CloneReport {
    /// The work tree.
    pub path: String,
    /// `origin`: `codecommit::REGION://PROFILE@REPO`.
    pub remote_url: String,
    /// The profile the remote uses.
    pub profile: String,
    /// Whether Lanyard had to add that profile to the AWS config.
    pub profile_written: bool,
    /// The checked-out branch.
    pub branch: Option<String>,
}

/// A recent clone (the tray's "recent repositories").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RecentClone {
    /// The work tree.
    pub path: String,
    /// Repository name.
    pub repository: String,
    /// Account name.
    pub account_name: String,
    /// Region.
    pub region: String,
    /// The profile the remote uses.
    pub profile: String,
    /// When, RFC 3339.
    pub cloned_at: String,
}

/// How many recent clones are remembered.
pub const RECENT_KEPT: usize = 10;

/// The default clone root, `~/codecommit`.
pub fn default_clone_root(paths: &Paths) -> PathBuf {
    paths.home.join("codecommit")
}

/// `<clone root>/<account>/<repo>`, the account as a folder-safe name (its id when it has none).
pub fn default_dest(
    clone_root: &Path,
    account_name: &str,
    account_id: &str,
    repository: &str,
) -> PathBuf {
    let account: String = account_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let account = account.trim_matches(['-', '.']);
    // The id is only a folder name when it is one (digits); a name from the server that slugs
    // to nothing never reaches the path raw.
    let fallback = if !account_id.is_empty() && account_id.chars().all(|c| c.is_ascii_digit()) {
        account_id
    } else {
        "account"
    };
    clone_root
        .join(if account.is_empty() {
            fallback
        } else {
            account
        })
        .join(repository)
}

/// Whether `url` is on `host` (`name[:port]`, the port defaulting to 443 as for https).
fn same_host(url: &str, host: &str) -> bool {
    let Ok(u) = ::url::Url::parse(url) else {
        return false;
    };
    let (want_name, want_port) = match host.rsplit_once(':') {
        Some((n, p)) => (n, p.parse::<u16>().ok()),
        None => (host, Some(443)),
    };
    u.scheme() == "https"
        && u.host_str()
            .is_some_and(|h| h.eq_ignore_ascii_case(want_name))
        && u.port_or_known_default() == want_port
}

/// Refuses a destination that exists and is not an empty folder.
pub fn check_dest(dest: &Path) -> Result<()> {
    match std::fs::read_dir(dest).map(|mut entries| entries.next().is_none()) {
        Ok(true) => Ok(()),
        Ok(false) => Err(Error::DestinationExists {
            path: dest.to_owned(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(_) if dest.exists() => Err(Error::DestinationExists {
            path: dest.to_owned(),
        }),
        Err(source) => Err(Error::Io {
            what: "reading",
            path: dest.to_owned(),
            source,
        }),
    }
}

/// The profile for (session, account, role): one in Lanyard's block or one of the user's own
/// `sso_session` profiles; `None` when the config has neither.
pub fn find_profile(
    config_text: &str,
    session: &str,
    account_id: &str,
    role: &str,
) -> Option<String> {
    let matches = |s: &aws_config::Section| {
        s.get("sso_account_id") == Some(account_id) && s.get("sso_role_name") == Some(role)
    };
    let block = aws_config::find_block(config_text, &profiles::block_id(session))
        .map(|r| &config_text[r])
        .unwrap_or("");
    let name = |s: aws_config::Section| match s.kind {
        SectionKind::Profile(n) => Some(n),
        _ => None,
    };
    aws_config::sections(block)
        .into_iter()
        .find(|s| matches(s))
        .and_then(name)
        .or_else(|| {
            aws_config::sections(config_text)
                .into_iter()
                .find(|s| matches(s) && s.get("sso_session") == Some(session))
                .and_then(name)
        })
}

/// The profile a clone's remote will name, and — when the config has none yet — the plan that
/// adds just that one profile to Lanyard's block (named by the identity's template, like a full
/// sync would); the plan is applied only once the clone has succeeded.
pub fn plan_profile(
    paths: &Paths,
    identity: &Identity,
    account: &crate::accounts::AccountRoles,
    role: &str,
) -> Result<(String, Option<profiles::SyncPlan>)> {
    let text = identity::read_config(&paths.aws_config_file)?;
    if let Some(p) = find_profile(&text, &identity.session, &account.account_id, role) {
        return Ok((p, None));
    }
    let settings = profiles::load_settings(paths, &identity.session);
    let mut plan = profiles::plan(
        paths,
        identity,
        std::slice::from_ref(account),
        &settings,
        &text,
    )?;
    let block = aws_config::find_block(&text, &profiles::block_id(&identity.session))
        .map(|r| text[r].to_owned())
        .unwrap_or_default();
    // Keep what the block has, add the one profile: nothing else of a sync happens unasked.
    let kept: Vec<profiles::PlannedProfile> = aws_config::sections(&block)
        .into_iter()
        .filter_map(|s| {
            let SectionKind::Profile(name) = s.kind.clone() else {
                return None;
            };
            // A credential_process twin has no sso_* keys: kept as it is.
            let process = s.get("credential_process").map(str::to_owned);
            let key = |k: &str| match &process {
                Some(_) => Some(s.get(k).unwrap_or_default().to_owned()),
                None => s.get(k).map(str::to_owned),
            };
            Some(profiles::PlannedProfile {
                name,
                session: identity.session.clone(),
                account_id: key("sso_account_id")?,
                account_name: String::new(),
                role_name: key("sso_role_name")?,
                region: s.get("region").map(str::to_owned),
                output: s.get("output").map(str::to_owned),
                credential_process: process,
            })
        })
        .collect();
    let mut wanted = plan
        .profiles
        .into_iter()
        .find(|p| p.role_name == role && p.credential_process.is_none())
        .ok_or_else(|| Error::InvalidInput {
            field: "role",
            reason: format!(
                "{role} is not one of your roles in {} ({})",
                account.account_name, account.account_id
            ),
        })?;
    while kept.iter().any(|k| k.name == wanted.name) {
        wanted.name.push_str("-cc");
    }
    let name = wanted.name.clone();
    let mut all = kept;
    // With credential_process twins on, the new profile gets its twin as a sync would give it.
    if settings.credential_process
        && let Some(Ok(command)) = paths.lanyard_cli.as_deref().map(profiles::process_command)
    {
        let mut twin = profiles::twin(&wanted, &settings.credential_process_suffix, &command);
        while all.iter().any(|k| k.name == twin.name) {
            twin.name.push_str("-cc");
        }
        all.push(twin);
    }
    all.push(wanted);
    all.sort_by(|a, b| a.name.cmp(&b.name));
    plan.profiles = all;
    Ok((name, Some(plan)))
}

/// libgit2 (with OpenSSL) keeps one process-wide trust store; each custom CA file (the
/// emulator's, a corporate proxy's) is added to it once, before the first clone that needs it.
/// Adding is cumulative, so several can be trusted side by side.
#[allow(unsafe_code)] // git2 marks the option unsafe: it is process-wide (see SAFETY below)
fn trust_ca(ca_file: Option<&Path>) {
    static ADDED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    let Some(f) = ca_file else { return };
    let mut added = ADDED.lock().unwrap_or_else(|p| p.into_inner());
    if added.iter().any(|a| a == f) {
        return;
    }
    // SAFETY: serialized by ADDED; OpenSSL locks its certificate store internally.
    match unsafe { git2::opts::set_ssl_cert_file(f) } {
        Ok(()) => added.push(f.to_owned()),
        Err(e) => tracing::warn!("could not use the CA file {}: {e}", f.display()),
    }
}

/// Clones over HTTPS with git2 (blocking). `on_progress` sees every update; `cancel` stops it.
#[allow(clippy::too_many_arguments)]
pub fn git_clone(
    host: &str,
    region: &str,
    repository: &str,
    creds: &RoleCredentials,
    ca_file: Option<&Path>,
    dest: &Path,
    on_progress: &dyn Fn(&CloneProgress),
    cancel: &AtomicBool,
) -> Result<git2::Repository> {
    trust_ca(ca_file);
    let signed = url::git_credentials(
        host,
        repository,
        region,
        &creds.access_key_id,
        creds.secret_access_key.expose(),
        Some(creds.session_token.expose()),
        &url::timestamp(time::OffsetDateTime::now_utc()),
    );
    let mut asked = 0;
    let mut cb = git2::RemoteCallbacks::new();
    let expected_host = host.to_owned();
    cb.credentials(move |asked_for, _user, _allowed| {
        // Only CodeCommit's git host of this remote gets them: a redirect elsewhere does not.
        if !same_host(asked_for, &expected_host) {
            return Err(git2::Error::from_str(&format!(
                "refusing to send CodeCommit credentials to {asked_for} (not {expected_host})"
            )));
        }
        asked += 1;
        // A second request means the first pair was rejected; asking again would loop.
        if asked > 1 {
            return Err(git2::Error::from_str(
                "CodeCommit rejected the signed credentials",
            ));
        }
        git2::Cred::userpass_plaintext(&signed.username, &signed.password)
    });
    cb.transfer_progress(|p| {
        let (total, received, indexed) = (
            p.total_objects() as u64,
            p.received_objects() as u64,
            p.indexed_deltas() as u64,
        );
        let phase = if total > 0 && received == total && p.total_deltas() > 0 {
            ClonePhase::Resolving
        } else {
            ClonePhase::Receiving
        };
        // Receiving is 0–80 %, resolving deltas 80–95 %, checkout the rest.
        let percent = if total == 0 {
            0
        } else if phase == ClonePhase::Resolving {
            80 + (15 * indexed / (p.total_deltas() as u64).max(1)) as u8
        } else {
            (80 * received / total) as u8
        };
        on_progress(&CloneProgress {
            phase,
            received_objects: received as u32,
            total_objects: total as u32,
            received_bytes: p.received_bytes() as u64,
            percent,
        });
        !cancel.load(Ordering::Relaxed)
    });
    let mut fo = git2::FetchOptions::new();
    fo.remote_callbacks(cb);
    let mut co = git2::build::CheckoutBuilder::new();
    co.progress(|_, done, total| {
        let percent = 95 + (5 * done / total.max(1)) as u8;
        on_progress(&CloneProgress {
            phase: ClonePhase::Checkout,
            received_objects: 0,
            total_objects: 0,
            received_bytes: 0,
            percent: percent.min(100),
        });
    });
    on_progress(&CloneProgress {
        phase: ClonePhase::Connecting,
        received_objects: 0,
        total_objects: 0,
        received_bytes: 0,
        percent: 0,
    });
    let https = format!("https://{host}{}", url::repo_path(repository));
    git2::build::RepoBuilder::new()
        .fetch_options(fo)
        .with_checkout(co)
        .clone(&https, dest)
        .map_err(|e| git_error(repository, region, e, cancel))
}

fn git_error(repository: &str, region: &str, e: git2::Error, cancel: &AtomicBool) -> Error {
    if cancel.load(Ordering::Relaxed) || e.code() == git2::ErrorCode::User {
        return Error::Cancelled {
            what: format!("cloning {repository}"),
        };
    }
    let m = e.message().to_owned();
    let reason = if m.contains("403") {
        format!(
            "CodeCommit refused access to {repository} in {region} (HTTP 403): the role lacks codecommit:GitPull on it, or its credentials expired. Choose a role that may pull, or sign in again."
        )
    } else if m.contains("404") {
        format!(
            "repository {repository} was not found in {region}: check the name and region (refresh the repository list)"
        )
    } else if m.contains("rejected the signed credentials") || m.contains("401") {
        format!(
            "CodeCommit rejected the credentials for {repository} in {region}: sign in again (lanyard login) and retry"
        )
    } else {
        format!("cloning {repository} from {region} failed: {m}")
    };
    Error::Git {
        repository: repository.to_owned(),
        reason,
    }
}

/// Clones one inventory row: validates, picks the destination, gets the role's credentials (cached,
/// through the identity's limiter), writes the profile the remote needs, clones with progress and
/// sets `origin` to the `codecommit::` URL. On any failure or cancel the new folder is removed.
#[allow(clippy::too_many_arguments)]
pub async fn clone(
    ctx: &SsoContext,
    identity: &Identity,
    req: &CloneRequest,
    account: &crate::accounts::AccountRoles,
    clone_root: &Path,
    creds: &RoleCredentialsCache,
    limiter: &RateLimiter,
    on_progress: Arc<dyn Fn(&CloneProgress) + Send + Sync>,
    cancel: Arc<AtomicBool>,
) -> Result<CloneReport> {
    if !url::is_repository_name(&req.repository) {
        return Err(Error::InvalidInput {
            field: "repository",
            reason: format!(
                "{:?} is not a CodeCommit repository name ([A-Za-z0-9._-], at most 100)",
                req.repository
            ),
        });
    }
    if !url::is_region(&req.region) {
        return Err(Error::InvalidInput {
            field: "region",
            reason: format!("{} has no CodeCommit", req.region),
        });
    }
    let dest = match &req.dest {
        Some(d) if !d.trim().is_empty() => PathBuf::from(d.trim()),
        _ => default_dest(
            clone_root,
            &req.account_name,
            &req.account_id,
            &req.repository,
        ),
    };
    check_dest(&dest)?;
    let role_creds = creds
        .get(ctx, identity, &req.account_id, &req.role_name, limiter)
        .await?;
    let (profile, profile_plan) = plan_profile(&ctx.paths, identity, account, &req.role_name)?;
    let host = url::git_host(&req.region, ctx.endpoints.git_host.as_deref(), false);
    let existed = dest.exists();
    let (region, repository, ca) = (
        req.region.clone(),
        req.repository.clone(),
        ctx.endpoints.git_ca_file.clone(),
    );
    let target = dest.clone();
    let remote = url::remote_url(&req.region, &profile, &req.repository);
    let remote_for_task = remote.clone();
    let done = tokio::task::spawn_blocking(move || -> Result<Option<String>> {
        let repo = git_clone(
            &host,
            &region,
            &repository,
            &role_creds,
            ca.as_deref(),
            &target,
            &*on_progress,
            &cancel,
        )?;
        repo.remote_set_url("origin", &remote_for_task)
            .map_err(|e| Error::Git {
                repository: repository.clone(),
                reason: format!("could not set origin: {e}"),
            })?;
        let branch = repo
            .head()
            .ok()
            .and_then(|h| h.shorthand().map(str::to_owned));
        Ok(branch)
    })
    .await
    .map_err(|e| Error::Git {
        repository: req.repository.clone(),
        reason: format!("the clone stopped unexpectedly: {e}"),
    })?;
    let branch = match done {
        Ok(b) => b,
        Err(e) => {
            // Nothing half-cloned is left behind; a folder that existed (empty) stays.
            if existed {
                if let Ok(entries) = std::fs::read_dir(&dest) {
                    for entry in entries.flatten() {
                        let p = entry.path();
                        let _ = if p.is_dir() {
                            std::fs::remove_dir_all(&p)
                        } else {
                            std::fs::remove_file(&p)
                        };
                    }
                }
            } else {
                let _ = std::fs::remove_dir_all(&dest);
            }
            return Err(e);
        }
    };
    let profile_written = profile_plan.is_some();
    if let Some(plan) = profile_plan {
        // The config may have changed during a long clone; plan again against what is there now.
        let text = identity::read_config(&ctx.paths.aws_config_file)?;
        if find_profile(&text, &identity.session, &req.account_id, &req.role_name).is_none() {
            profiles::apply(&ctx.paths, &plan, (ctx.clock)())?;
        }
    }
    let report = CloneReport {
        path: dest.display().to_string(),
        remote_url: remote,
        profile: profile.clone(),
        profile_written,
        branch,
    };
    remember(
        &ctx.paths,
        RecentClone {
            path: report.path.clone(),
            repository: req.repository.clone(),
            account_name: req.account_name.clone(),
            region: req.region.clone(),
            profile,
            cloned_at: crate::sso::cache::format_time((ctx.clock)()),
        },
    );
    Ok(report)
}

fn recent_path(paths: &Paths) -> PathBuf {
    paths.data_dir.join("recent-clones.json")
}

/// Recent clones, newest first, that still exist.
pub fn recent(paths: &Paths) -> Vec<RecentClone> {
    let list: Vec<RecentClone> = std::fs::read(recent_path(paths))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    list.into_iter()
        .filter(|c| Path::new(&c.path).exists())
        .collect()
}

fn remember(paths: &Paths, c: RecentClone) {
    let mut list = recent(paths);
    list.retain(|o| o.path != c.path);
    list.insert(0, c);
    list.truncate(RECENT_KEPT);
    if let Ok(bytes) = serde_json::to_vec_pretty(&list)
        && let Err(e) = crate::fsx::write_private(&recent_path(paths), &bytes)
    {
        tracing::warn!("could not remember the clone: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_go_only_to_the_remotes_own_git_host() {
        let host = "git-codecommit.eu-west-1.amazonaws.com";
        assert!(same_host(
            "https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/api",
            host
        ));
        for elsewhere in [
            "https://evil.example/v1/repos/api",
            "http://git-codecommit.eu-west-1.amazonaws.com/v1/repos/api",
            "https://git-codecommit.eu-west-1.amazonaws.com:8443/v1/repos/api",
            "https://git-codecommit.eu-west-1.amazonaws.com.evil.example/v1/repos/api",
            "not a url",
        ] {
            assert!(!same_host(elsewhere, host), "{elsewhere}");
        }
        assert!(same_host(
            "https://127.0.0.1:4443/v1/repos/x",
            "127.0.0.1:4443"
        ));
        assert!(!same_host(
            "https://127.0.0.1:4444/v1/repos/x",
            "127.0.0.1:4443"
        ));
    }

    #[test]
    fn destinations() {
        let root = Path::new("/src");
        assert_eq!(
            default_dest(root, "acme dev", "1", "api"),
            Path::new("/src/acme-dev/api")
        );
        assert_eq!(
            default_dest(root, "../..", "111122223333", "api"),
            Path::new("/src/111122223333/api"),
            "no escaping the root"
        );
        assert_eq!(
            default_dest(root, "", "../../etc", "api"),
            Path::new("/src/account/api"),
            "an id that is not digits is never a folder name"
        );
        for name in [".", "..", "...", ""] {
            assert!(!url::is_repository_name(name), "{name:?}");
        }
        assert!(url::is_repository_name(".dotfiles") && url::is_repository_name("a..b"));
        let d = tempfile::tempdir().unwrap();
        assert!(check_dest(&d.path().join("new")).is_ok());
        assert!(check_dest(d.path()).is_ok(), "an empty folder is fine");
        std::fs::write(d.path().join("f"), "x").unwrap();
        let e = check_dest(d.path()).unwrap_err();
        assert!(e.to_string().contains("not empty"), "{e}");
        assert!(
            check_dest(&d.path().join("f")).is_err(),
            "a file is never a destination"
        );
    }

    #[test]
    fn finds_lanyard_and_own_profiles() {
        let block = aws_config::upsert_block(
            "",
            &profiles::block_id("acme"),
            "[profile dev]\nsso_session = acme\nsso_account_id = 1\nsso_role_name = Dev\n",
        );
        let text = format!(
            "[profile mine]\nsso_session = acme\nsso_account_id = 2\nsso_role_name = Ops\n{block}"
        );
        assert_eq!(
            find_profile(&text, "acme", "1", "Dev").as_deref(),
            Some("dev")
        );
        assert_eq!(
            find_profile(&text, "acme", "2", "Ops").as_deref(),
            Some("mine")
        );
        assert_eq!(find_profile(&text, "other", "2", "Ops"), None);
        assert_eq!(find_profile(&text, "acme", "3", "Dev"), None);
    }
}

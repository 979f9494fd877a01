//! Every CodeCommit repository an identity can reach: per account, the role most likely to read
//! CodeCommit, its credentials (through the identity's rate limiter), then ListRepositories +
//! BatchGetRepositories in each region, concurrently within limits (LANDSCAPE.md §4d). Results
//! stream out as each account finishes and are cached for the next start; access denied, empty
//! or disabled regions are remembered as quiet notes, not errors.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use aws_sdk_codecommit::error::{ProvideErrorMetadata, SdkError};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use ts_rs::TS;

use super::creds::{RoleCredentials, RoleCredentialsCache};
use crate::accounts::{AccountRoles, RateLimiter};
use crate::profiles::ProfileSettings;
use crate::sso::{Identity, SsoContext};
use crate::{Error, Result};

/// Roles tried first, in this order, to list an account's repositories; any other role follows
/// alphabetically. Administrator and developer roles usually may push as well.
pub const DEFAULT_ROLE_PREFERENCE: [&str; 10] = [
    "AdministratorAccess",
    "PowerUserAccess",
    "Developer",
    "DeveloperAccess",
    "AWSCodeCommitPowerUser",
    "AWSCodeCommitFullAccess",
    "ReadOnly",
    "ReadOnlyAccess",
    "AWSCodeCommitReadOnly",
    "ViewOnlyAccess",
];

/// A repository and how Lanyard reaches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Repository {
    /// The sso-session it was found with.
    pub session: String,
    /// 12-digit account id.
    pub account_id: String,
    /// Account name.
    pub account_name: String,
    /// The role that listed it (and clones it).
    pub role_name: String,
    /// Its region.
    pub region: String,
    /// Repository name.
    pub name: String,
    /// Description as AWS stores it: raw text that must be HTML-escaped before display.
    pub description: Option<String>,
    /// Default branch.
    pub default_branch: Option<String>,
    /// Last modified, RFC 3339.
    pub last_modified: Option<String>,
    /// `https://git-codecommit.REGION.amazonaws.com/v1/repos/NAME`.
    pub clone_url_http: Option<String>,
    /// The repository ARN.
    pub arn: Option<String>,
}

impl Repository {
    /// The request that clones it with the role that listed it (into `dest`, else the default
    /// folder under the clone root).
    pub fn clone_request(&self, dest: Option<String>) -> super::CloneRequest {
        super::CloneRequest {
            session: self.session.clone(),
            account_id: self.account_id.clone(),
            account_name: self.account_name.clone(),
            role_name: self.role_name.clone(),
            region: self.region.clone(),
            repository: self.name.clone(),
            dest,
        }
    }
}

/// Why an account or region shows no repositories (shown quietly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum NoteKind {
    /// No role of the account may list CodeCommit (or not in this region).
    AccessDenied,
    /// The region is not enabled for the account, or not reachable.
    Unavailable,
    /// Something else failed; the detail says what.
    Failed,
}

/// A negative result, remembered so it is not retried on every view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ScanNote {
    /// Account id.
    pub account_id: String,
    /// Account name.
    pub account_name: String,
    /// The region, or `None` for the whole account.
    pub region: Option<String>,
    /// What kind of note.
    pub kind: NoteKind,
    /// One line for a tooltip.
    pub detail: String,
}

/// An identity's repositories as last scanned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Inventory {
    /// The sso-session.
    pub session: String,
    /// When the scan finished, RFC 3339 (empty while scanning).
    pub scanned_at: String,
    /// The regions scanned.
    pub regions: Vec<String>,
    /// Every repository, sorted by account name, name, region.
    pub repositories: Vec<Repository>,
    /// Accounts and regions without repositories, and why.
    pub notes: Vec<ScanNote>,
}

/// Progress of a scan, for "accounts 12/50 · 31 repositories · ETA 4 s".
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InventoryProgress {
    /// Accounts finished.
    pub accounts_done: u32,
    /// Accounts to scan.
    pub accounts_total: u32,
    /// Repositories found so far.
    pub repositories: u32,
    /// Estimated seconds left.
    pub eta_secs: Option<u32>,
}

/// One account's results arriving during a scan.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InventoryEvent {
    /// The account's repositories (possibly none).
    pub repositories: Vec<Repository>,
    /// Its notes.
    pub notes: Vec<ScanNote>,
    /// Progress so far.
    pub progress: InventoryProgress,
}

/// What to scan.
#[derive(Debug, Clone)]
pub struct InventoryOptions {
    /// Regions to list in (see [`default_regions`]).
    pub regions: Vec<String>,
    /// Roles to try first, in order.
    pub role_preference: Vec<String>,
    /// Accounts scanned at once.
    pub concurrency: usize,
}

impl InventoryOptions {
    /// The defaults for these regions.
    pub fn new(regions: Vec<String>) -> Self {
        InventoryOptions {
            regions,
            role_preference: DEFAULT_ROLE_PREFERENCE.map(str::to_owned).to_vec(),
            concurrency: 8,
        }
    }
}

/// The identity's regions: its own, its profiles' default region and per-account regions — the
/// places its people actually work — restricted to CodeCommit's regions.
pub fn default_regions(identity: &Identity, settings: &ProfileSettings) -> Vec<String> {
    let mut set: BTreeSet<String> = BTreeSet::new();
    set.insert(identity.region.clone());
    set.extend(settings.default_region.clone());
    set.extend(settings.account_regions.values().cloned());
    set.into_iter()
        .filter(|r| super::url::is_region(r))
        .collect()
}

/// `--region all`: all 29.
pub fn all_regions() -> Vec<String> {
    super::url::REGIONS.map(str::to_owned).to_vec()
}

/// Roles in the order they are tried.
pub fn role_order(roles: &[String], preference: &[String]) -> Vec<String> {
    let mut out: Vec<String> = preference
        .iter()
        .filter(|p| roles.contains(p))
        .cloned()
        .collect();
    let mut rest: Vec<String> = roles.iter().filter(|r| !out.contains(r)).cloned().collect();
    rest.sort();
    out.extend(rest);
    out
}

/// Where an identity's inventory is cached.
pub fn cache_path(ctx: &SsoContext, session: &str) -> PathBuf {
    ctx.paths
        .data_dir
        .join("codecommit")
        .join(format!("{session}.json"))
}

/// The last scan, if any (a corrupt cache counts as none).
pub fn cached(ctx: &SsoContext, session: &str) -> Option<Inventory> {
    serde_json::from_slice(&std::fs::read(cache_path(ctx, session)).ok()?).ok()
}

enum Listed {
    Repos(Vec<Repository>),
    Denied(String),
    Unavailable(String),
}

fn classify<E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    identity: &Identity,
    op: &'static str,
    e: SdkError<E, R>,
) -> std::result::Result<Listed, Error> {
    match &e {
        SdkError::ServiceError(s) => match s.err().code() {
            Some("AccessDeniedException") => Ok(Listed::Denied(
                s.err().message().unwrap_or("access denied").to_owned(),
            )),
            // What an opt-in region the account has not enabled answers.
            Some(
                "UnrecognizedClientException"
                | "InvalidSignatureException"
                | "OptInRequired"
                | "AuthFailure",
            ) => Ok(Listed::Unavailable(format!(
                "{}: {}",
                s.err().code().unwrap_or(""),
                s.err().message().unwrap_or("")
            ))),
            _ => Err(Error::Aws {
                session: identity.session.clone(),
                op,
                code: s.err().code().unwrap_or("Unknown").into(),
                message: s.err().message().unwrap_or("").into(),
            }),
        },
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => Ok(Listed::Unavailable(
            "the CodeCommit endpoint could not be reached".into(),
        )),
        _ => Err(Error::Aws {
            session: identity.session.clone(),
            op,
            code: "Unreadable".into(),
            message: format!("{e:?}").chars().take(200).collect(),
        }),
    }
}

async fn list_region(
    ctx: &SsoContext,
    identity: &Identity,
    account: &AccountRoles,
    role: &str,
    creds: &RoleCredentials,
    region: &str,
    gate: &Semaphore,
) -> Result<Listed> {
    let cc = super::creds::codecommit_client(ctx, creds, region);
    let mut names: Vec<String> = vec![];
    let mut next: Option<String> = None;
    loop {
        let _slot = gate.acquire().await.expect("semaphore open");
        match cc
            .list_repositories()
            .set_next_token(next.clone())
            .send()
            .await
        {
            Ok(out) => {
                names.extend(
                    out.repositories()
                        .iter()
                        .filter_map(|r| r.repository_name().map(str::to_owned)),
                );
                next = out.next_token().map(str::to_owned);
                if next.is_none() {
                    break;
                }
            }
            Err(e) => return classify(identity, "ListRepositories", e),
        }
    }
    let mut repos = vec![];
    for chunk in names.chunks(100) {
        let _slot = gate.acquire().await.expect("semaphore open");
        let out = match cc
            .batch_get_repositories()
            .set_repository_names(Some(chunk.to_vec()))
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => match classify(identity, "BatchGetRepositories", e)? {
                // Listing is allowed but details are not: show the names alone.
                Listed::Denied(_) => {
                    repos.extend(
                        chunk
                            .iter()
                            .map(|n| bare(identity, account, role, region, n)),
                    );
                    continue;
                }
                other => return Ok(other),
            },
        };
        for m in out.repositories() {
            let Some(name) = m.repository_name() else {
                continue;
            };
            repos.push(Repository {
                description: m.repository_description().map(str::to_owned),
                default_branch: m.default_branch().map(str::to_owned),
                last_modified: m.last_modified_date().and_then(|d| {
                    d.fmt(aws_sdk_codecommit::primitives::DateTimeFormat::DateTime)
                        .ok()
                }),
                clone_url_http: m.clone_url_http().map(str::to_owned),
                arn: m.arn().map(str::to_owned),
                ..bare(identity, account, role, region, name)
            });
        }
    }
    Ok(Listed::Repos(repos))
}

fn bare(
    identity: &Identity,
    account: &AccountRoles,
    role: &str,
    region: &str,
    name: &str,
) -> Repository {
    Repository {
        session: identity.session.clone(),
        account_id: account.account_id.clone(),
        account_name: account.account_name.clone(),
        role_name: role.to_owned(),
        region: region.to_owned(),
        name: name.to_owned(),
        description: None,
        default_branch: None,
        last_modified: None,
        clone_url_http: None,
        arn: None,
    }
}

struct Shared {
    ctx: SsoContext,
    identity: Identity,
    limiter: Arc<RateLimiter>,
    creds: Arc<RoleCredentialsCache>,
    opts: InventoryOptions,
    gate: Semaphore,
}

/// One account: the first role (in preference order) that may list in the first region scans
/// every region; the rest are noted.
async fn scan_account(
    s: Arc<Shared>,
    account: AccountRoles,
) -> Result<(Vec<Repository>, Vec<ScanNote>)> {
    let note = |region: Option<&str>, kind, detail: String| ScanNote {
        account_id: account.account_id.clone(),
        account_name: account.account_name.clone(),
        region: region.map(str::to_owned),
        kind,
        detail,
    };
    let Some(first) = s.opts.regions.first() else {
        return Ok((vec![], vec![]));
    };
    let mut last_denial = String::from("the identity has no role in this account");
    for role in role_order(&account.roles, &s.opts.role_preference) {
        let creds = match s
            .creds
            .get(&s.ctx, &s.identity, &account.account_id, &role, &s.limiter)
            .await
        {
            Ok(c) => c,
            Err(
                e @ (Error::SessionExpired { .. }
                | Error::NotSignedIn { .. }
                | Error::Unreachable { .. }),
            ) => return Err(e),
            Err(e) => {
                last_denial = format!("{role}: {e}");
                continue;
            }
        };
        match list_region(&s.ctx, &s.identity, &account, &role, &creds, first, &s.gate).await? {
            Listed::Denied(why) => {
                last_denial = format!("{role}: {why}");
                continue;
            }
            first_result => {
                let mut repos = vec![];
                let mut notes = vec![];
                let mut results = vec![(first.clone(), first_result)];
                let mut tasks = tokio::task::JoinSet::new();
                for region in s.opts.regions.iter().skip(1).cloned() {
                    let (s, account, role, creds) =
                        (s.clone(), account.clone(), role.clone(), creds.clone());
                    tasks.spawn(async move {
                        let r = list_region(
                            &s.ctx,
                            &s.identity,
                            &account,
                            &role,
                            &creds,
                            &region,
                            &s.gate,
                        )
                        .await;
                        r.map(|l| (region, l))
                    });
                }
                while let Some(r) = tasks.join_next().await {
                    results.push(r.map_err(|e| Error::Config {
                        path: PathBuf::new(),
                        reason: format!("a scan task failed: {e}"),
                    })??);
                }
                for (region, l) in results {
                    match l {
                        Listed::Repos(r) => repos.extend(r),
                        Listed::Denied(why) => notes.push(note(
                            Some(&region),
                            NoteKind::AccessDenied,
                            format!("{role}: {why}"),
                        )),
                        Listed::Unavailable(why) => {
                            notes.push(note(Some(&region), NoteKind::Unavailable, why))
                        }
                    }
                }
                return Ok((repos, notes));
            }
        }
    }
    Ok((
        vec![],
        vec![note(None, NoteKind::AccessDenied, last_denial)],
    ))
}

/// Scans the accounts (from discovery) for repositories. `on_event` sees each account's results
/// as they arrive; the whole inventory is returned and cached.
pub async fn scan(
    ctx: &SsoContext,
    identity: &Identity,
    accounts: &[AccountRoles],
    limiter: Arc<RateLimiter>,
    creds: Arc<RoleCredentialsCache>,
    opts: InventoryOptions,
    on_event: &(dyn Fn(&InventoryEvent) + Send + Sync),
) -> Result<Inventory> {
    for r in &opts.regions {
        if !super::url::is_region(r) {
            return Err(Error::InvalidInput {
                field: "region",
                reason: format!(
                    "{r} has no CodeCommit; choose from {}",
                    super::url::REGIONS.join(", ")
                ),
            });
        }
    }
    // Fails early, before hundreds of tasks, when the identity is not signed in.
    super::creds::access_token(ctx, identity).await?;
    let started = Instant::now();
    let regions = opts.regions.clone();
    let concurrency = opts.concurrency.max(1);
    let shared = Arc::new(Shared {
        ctx: ctx.clone(),
        identity: identity.clone(),
        limiter,
        creds,
        gate: Semaphore::new(concurrency * 3),
        opts,
    });
    let slots = Arc::new(Semaphore::new(concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    for a in accounts.iter().cloned() {
        let (s, slots) = (shared.clone(), slots.clone());
        tasks.spawn(async move {
            let _slot = slots.acquire().await.expect("semaphore open");
            scan_account(s, a).await
        });
    }
    let progress = Mutex::new(InventoryProgress {
        accounts_done: 0,
        accounts_total: accounts.len() as u32,
        repositories: 0,
        eta_secs: None,
    });
    let mut inv = Inventory {
        session: identity.session.clone(),
        scanned_at: String::new(),
        regions,
        repositories: vec![],
        notes: vec![],
    };
    while let Some(r) = tasks.join_next().await {
        let (repos, notes) = match r.map_err(|e| Error::Config {
            path: PathBuf::new(),
            reason: format!("a scan task failed: {e}"),
        })? {
            Ok(x) => x,
            Err(e) => {
                tasks.abort_all();
                return Err(e);
            }
        };
        let p = {
            let mut p = progress.lock().unwrap_or_else(|p| p.into_inner());
            p.accounts_done += 1;
            p.repositories += repos.len() as u32;
            let per = started.elapsed().as_secs_f64() / f64::from(p.accounts_done);
            p.eta_secs = Some((per * f64::from(p.accounts_total - p.accounts_done)).ceil() as u32);
            p.clone()
        };
        on_event(&InventoryEvent {
            repositories: repos.clone(),
            notes: notes.clone(),
            progress: p,
        });
        inv.repositories.extend(repos);
        inv.notes.extend(notes);
    }
    inv.repositories.sort_by(|a, b| {
        (&a.account_name, &a.name, &a.region).cmp(&(&b.account_name, &b.name, &b.region))
    });
    inv.notes
        .sort_by(|a, b| (&a.account_name, &a.region).cmp(&(&b.account_name, &b.region)));
    inv.scanned_at = crate::sso::cache::format_time((ctx.clock)());
    let bytes = serde_json::to_vec(&inv).map_err(|e| Error::Config {
        path: cache_path(ctx, &identity.session),
        reason: e.to_string(),
    })?;
    crate::fsx::write_private(&cache_path(ctx, &identity.session), &bytes)?;
    Ok(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_follow_the_preference_then_the_alphabet() {
        let roles: Vec<String> = [
            "Billing",
            "ReadOnly",
            "Zeta",
            "AdministratorAccess",
            "Alpha",
        ]
        .map(String::from)
        .to_vec();
        let pref = DEFAULT_ROLE_PREFERENCE.map(String::from).to_vec();
        assert_eq!(
            role_order(&roles, &pref),
            [
                "AdministratorAccess",
                "ReadOnly",
                "Alpha",
                "Billing",
                "Zeta"
            ]
        );
        assert_eq!(
            role_order(&roles, &["Zeta".into()]),
            [
                "Zeta",
                "AdministratorAccess",
                "Alpha",
                "Billing",
                "ReadOnly"
            ]
        );
    }

    #[test]
    fn default_regions_are_where_the_identity_works() {
        let identity = Identity {
            session: "s".into(),
            start_url: "https://x.awsapps.com/start".into(),
            region: "us-east-1".into(),
            scopes: vec![],
            managed: true,
        };
        let mut settings = ProfileSettings {
            default_region: Some("eu-west-1".into()),
            ..Default::default()
        };
        settings
            .account_regions
            .insert("1".into(), "ap-south-1".into());
        settings
            .account_regions
            .insert("2".into(), "xx-nowhere-1".into());
        assert_eq!(
            default_regions(&identity, &settings),
            ["ap-south-1", "eu-west-1", "us-east-1"]
        );
        assert_eq!(all_regions().len(), 29);
    }
}

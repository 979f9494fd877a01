//! The pull requests that concern the user, across every repository of the inventory: open ones
//! awaiting the user's approval, the user's own, and the rest (PROTOCOL.md §11.6).
//!
//! Incremental: each repository's open ids come back newest activity first, so walking them and
//! stopping at the first whose `lastActivityDate` is unchanged finds everything that changed with
//! one GetPullRequest per repository when nothing did. Approval calls are made only for pull
//! requests that changed. Calls go through the scan's role per account and at most
//! [`PER_PAIR`] at once per account and region.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use aws_config::{BehaviorVersion, Region, retry::RetryConfig};
use aws_sdk_codecommit::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_codecommit::types::PullRequestStatusEnum;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::Semaphore;
use ts_rs::TS;

use super::creds::{RoleCredentials, RoleCredentialsCache};
use super::inventory::{Inventory, NoteKind, Repository, ScanNote};
use crate::accounts::RateLimiter;
use crate::sso::{Identity, SsoContext};
use crate::{Error, Result};

/// Requests in flight per (account, region): CodeCommit's budget is per account and region
/// (PROTOCOL.md §11.7).
pub const PER_PAIR: usize = 4;

/// How a pull request concerns the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Concern {
    /// A rule the user can satisfy still needs approvals, and the user has not approved.
    Awaiting,
    /// The user wrote it.
    Mine,
    /// The user approved this revision; others still may need to.
    ApprovedByMe,
    /// Neither: open in a repository the user can read.
    Other,
}

/// One pull request as the inbox shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PullRequest {
    /// The sso-session it was found with.
    pub session: String,
    /// Account id.
    pub account_id: String,
    /// Account name.
    pub account_name: String,
    /// The role that reads it (and approves and merges through Lanyard).
    pub role_name: String,
    /// Region.
    pub region: String,
    /// Repository name.
    pub repository: String,
    /// The pull request id (unique per account and region).
    pub id: String,
    /// Title, raw: HTML-escape before display.
    pub title: String,
    /// Description, raw.
    pub description: Option<String>,
    /// The author's session ARN.
    pub author_arn: String,
    /// The author's user name (the session name in the ARN).
    pub author: String,
    /// Opened, RFC 3339.
    pub created: String,
    /// Last activity, RFC 3339.
    pub last_activity: String,
    /// Last activity in epoch microseconds: what revalidation compares. An integer, because JSON
    /// floats do not come back bit for bit (serde_json's default parser may be 1 ulp off).
    #[ts(type = "number")]
    pub last_activity_micros: i64,
    /// Still open.
    pub open: bool,
    /// Merged (closed by a merge).
    pub merged: bool,
    /// `refs/heads/…`.
    pub source_ref: String,
    /// `refs/heads/…`.
    pub destination_ref: String,
    /// The source tip this revision is about.
    pub source_commit: String,
    /// The revision approvals apply to.
    pub revision_id: String,
    /// Approvals that count toward the rules, capped at what each rule needs.
    pub approvals: u32,
    /// Approvals the rules need in all.
    pub approvals_needed: u32,
    /// Every rule is satisfied, or the rules are overridden.
    pub approved: bool,
    /// Rules not yet satisfied.
    pub rules_not_satisfied: Vec<String>,
    /// The user approved the current revision.
    pub approved_by_me: bool,
    /// How it concerns the user.
    pub concern: Concern,
    /// The user's own open pull request: whether it can be merged now (rules and git agree).
    pub can_merge: Option<bool>,
    /// The user's own pull request: comments by others (what "commented on" notices count).
    #[serde(default)]
    #[ts(skip)]
    pub comments: u32,
}

/// An identity's pull requests as last revalidated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Inbox {
    /// The sso-session.
    pub session: String,
    /// When the revalidation finished, RFC 3339.
    pub checked_at: String,
    /// Open pull requests, awaiting first, then newest activity first.
    pub pull_requests: Vec<PullRequest>,
    /// Repositories that could not be read, and why.
    pub notes: Vec<ScanNote>,
    /// The user's session ARN per `account/role` (STS GetCallerIdentity, asked once).
    #[serde(default)]
    #[ts(skip)]
    pub callers: BTreeMap<String, String>,
    /// The user's own pull requests closed (merged or not) in the last [`CLOSED_KEPT_DAYS`]:
    /// what "your pull request was merged" is told from, whichever process saw it close.
    #[serde(default)]
    #[ts(skip)]
    pub closed: Vec<PullRequest>,
}

/// How long the user's closed pull requests stay in the inbox's `closed` list.
pub const CLOSED_KEPT_DAYS: i64 = 7;

/// What one revalidation did, for the progress line and the benchmark.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InboxStats {
    /// Repositories listed.
    pub repositories: u32,
    /// GetPullRequest calls.
    pub fetched: u32,
    /// Pull requests whose approvals were evaluated again.
    pub evaluated: u32,
    /// The inbox differs from the cached one (so the cache was written): what a background check
    /// tells the other process and the notices about.
    pub changed: bool,
}

/// Where an identity's inbox is cached.
pub fn cache_path(ctx: &SsoContext, session: &str) -> PathBuf {
    ctx.paths
        .data_dir
        .join("codecommit")
        .join(format!("{session}.prs.json"))
}

/// The last revalidation, if any (a corrupt cache counts as none).
pub fn cached(ctx: &SsoContext, session: &str) -> Option<Inbox> {
    serde_json::from_slice(&std::fs::read(cache_path(ctx, session)).ok()?).ok()
}

// ---- who is "me" --------------------------------------------------------------------------------

/// (account, session name) of a session ARN `arn:aws:sts::ACCT:assumed-role/ROLE/NAME`.
pub fn principal(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let account = parts.nth(4)?;
    let resource = parts.next()?;
    let name = resource.rsplit('/').next()?;
    Some((account, name))
}

/// One person across permission sets: same account and session name (PROTOCOL.md §11.6).
pub fn same_person(a: &str, b: &str) -> bool {
    principal(a).is_some_and(|pa| principal(b) == Some(pa))
}

/// `*` matches any run of characters, `/` included; case-sensitive (PROTOCOL.md §11.4).
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Whether a pool member (an ARN glob, or `CodeCommitApprovers:ACCOUNT:NAME`) takes `arn`.
pub fn in_pool(member: &str, arn: &str) -> bool {
    match member.strip_prefix("CodeCommitApprovers:") {
        Some(rest) => {
            let Some((account, name)) = rest.split_once(':') else {
                return false;
            };
            let mut parts = arn.splitn(6, ':');
            let (Some(acct), Some(resource)) = (parts.nth(4), parts.next()) else {
                return false;
            };
            acct == account
                && ["user/", "federated-user/", "assumed-role/"]
                    .iter()
                    .filter_map(|k| resource.strip_prefix(k))
                    .any(|r| glob(name, r))
        }
        None => glob(member, arn),
    }
}

/// A rule's statements as (approvals needed, pool); `None` when the content is unreadable.
fn statements(content: &str) -> Option<Vec<(u32, Vec<String>)>> {
    let v: Value = serde_json::from_str(content).ok()?;
    v.get("Statements")?
        .as_array()?
        .iter()
        .map(|s| {
            let needed = s.get("NumberOfApprovalsNeeded")?.as_u64()? as u32;
            let pool = s
                .get("ApprovalPoolMembers")
                .and_then(Value::as_array)
                .map(|p| {
                    p.iter()
                        .filter_map(|m| m.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            Some((needed, pool))
        })
        .collect()
}

/// What the approval calls said about one revision.
#[derive(Debug, Clone, Default)]
pub struct Approvals {
    /// (rule name, content) of every rule.
    pub rules: Vec<(String, String)>,
    /// `evaluation.approved`.
    pub approved: bool,
    /// `evaluation.approvalRulesNotSatisfied`.
    pub not_satisfied: Vec<String>,
    /// ARNs that approved the revision.
    pub approvers: Vec<String>,
}

/// (counted, needed): per statement, the approvers in its pool up to what it needs.
pub fn tally(a: &Approvals) -> (u32, u32) {
    let (mut have, mut need) = (0, 0);
    for (_, content) in &a.rules {
        for (needed, pool) in statements(content).unwrap_or_default() {
            let n = a
                .approvers
                .iter()
                .filter(|arn| pool.is_empty() || pool.iter().any(|m| in_pool(m, arn)))
                .count() as u32;
            have += n.min(needed);
            need += needed;
        }
    }
    (have, need)
}

/// How an open pull request concerns someone whose session ARNs in its account are `me`.
pub fn concern(author: &str, me: &[String], a: &Approvals) -> (Concern, bool) {
    let is_me = |arn: &str| me.iter().any(|m| same_person(m, arn));
    let approved_by_me = a.approvers.iter().any(|x| is_me(x));
    if is_me(author) {
        return (Concern::Mine, approved_by_me);
    }
    if approved_by_me {
        return (Concern::ApprovedByMe, true);
    }
    // A rule still unsatisfied that the user's approval would count toward.
    let can_help = !a.approved
        && a.rules.iter().any(|(name, content)| {
            a.not_satisfied.contains(name)
                && statements(content)
                    .unwrap_or_default()
                    .iter()
                    .any(|(_, pool)| {
                        pool.is_empty() || pool.iter().any(|m| me.iter().any(|arn| in_pool(m, arn)))
                    })
        });
    let c = if can_help {
        Concern::Awaiting
    } else {
        Concern::Other
    };
    (c, false)
}

// ---- the calls -----------------------------------------------------------------------------------

/// A CodeCommit client for one role in one region.
pub use super::creds::codecommit_client as client;

/// The session ARN these credentials act as (STS GetCallerIdentity).
pub async fn caller_arn(
    ctx: &SsoContext,
    identity: &Identity,
    creds: &RoleCredentials,
    region: &str,
) -> Result<String> {
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .endpoint_url(ctx.endpoints.sts_url(region))
            .credentials_provider(creds.sdk())
            .retry_config(RetryConfig::standard().with_max_attempts(5))
            .build(),
    );
    let out = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| aws_error(identity, "GetCallerIdentity", e))?;
    out.arn().map(str::to_owned).ok_or_else(|| Error::Aws {
        session: identity.session.clone(),
        op: "GetCallerIdentity",
        code: "NoArn".into(),
        message: "STS answered without an ARN".into(),
    })
}

/// An SDK failure as Lanyard's error, naming the operation.
pub fn aws_error<E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    identity: &Identity,
    op: &'static str,
    e: SdkError<E, R>,
) -> Error {
    match &e {
        SdkError::ServiceError(s) => Error::Aws {
            session: identity.session.clone(),
            op,
            code: s.err().code().unwrap_or("Unknown").into(),
            message: s.err().message().unwrap_or("").into(),
        },
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => Error::Aws {
            session: identity.session.clone(),
            op,
            code: "Unreachable".into(),
            message: "the CodeCommit endpoint could not be reached".into(),
        },
        _ => Error::Aws {
            session: identity.session.clone(),
            op,
            code: "Unreadable".into(),
            message: format!("{e:?}").chars().take(200).collect(),
        },
    }
}

fn epoch_to_rfc3339(secs: f64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos((secs * 1e9) as i128)
        .map(crate::sso::cache::format_time)
        .unwrap_or_default()
}

fn secs(d: Option<&aws_sdk_codecommit::primitives::DateTime>) -> f64 {
    d.map_or(0.0, |d| d.as_secs_f64())
}

fn micros(d: Option<&aws_sdk_codecommit::primitives::DateTime>) -> i64 {
    d.map_or(0, |d| {
        d.secs() * 1_000_000 + i64::from(d.subsec_nanos() / 1000)
    })
}

/// The approval calls for one revision.
async fn approvals(
    cc: &aws_sdk_codecommit::Client,
    identity: &Identity,
    id: &str,
    revision: &str,
    rules: Vec<(String, String)>,
) -> Result<Approvals> {
    let eval = cc
        .evaluate_pull_request_approval_rules()
        .pull_request_id(id)
        .revision_id(revision)
        .send()
        .await
        .map_err(|e| aws_error(identity, "EvaluatePullRequestApprovalRules", e))?;
    let states = cc
        .get_pull_request_approval_states()
        .pull_request_id(id)
        .revision_id(revision)
        .send()
        .await
        .map_err(|e| aws_error(identity, "GetPullRequestApprovalStates", e))?;
    let ev = eval.evaluation();
    Ok(Approvals {
        approved: ev.is_some_and(|e| e.approved() || e.overridden()),
        not_satisfied: ev
            .map(|e| e.approval_rules_not_satisfied().to_vec())
            .unwrap_or_default(),
        approvers: states
            .approvals()
            .iter()
            .filter(|a| {
                a.approval_state() == Some(&aws_sdk_codecommit::types::ApprovalState::Approve)
            })
            .filter_map(|a| a.user_arn().map(str::to_owned))
            .collect(),
        rules,
    })
}

/// Where one pull request lives and who reads it.
struct Place<'a> {
    repo: &'a Repository,
    creds: &'a RoleCredentials,
    me: &'a [String],
}

/// GetPullRequest, then (open, changed) the approval calls, then (mine) GetMergeOptions. The
/// cached entry stands when its activity and revision are unchanged (`true`: evaluated again).
async fn fetch(
    ctx: &SsoContext,
    identity: &Identity,
    place: &Place<'_>,
    id: &str,
    known: Option<&PullRequest>,
) -> Result<(PullRequest, bool)> {
    let r = place.repo;
    let cc = client(ctx, place.creds, &r.region);
    let out = cc
        .get_pull_request()
        .pull_request_id(id)
        .send()
        .await
        .map_err(|e| aws_error(identity, "GetPullRequest", e))?;
    let Some(pr) = out.pull_request() else {
        return Err(Error::Aws {
            session: identity.session.clone(),
            op: "GetPullRequest",
            code: "Empty".into(),
            message: format!("pull request {id} came back empty"),
        });
    };
    let target = pr.pull_request_targets().first();
    let rules: Vec<(String, String)> = pr
        .approval_rules()
        .iter()
        .map(|rule| {
            (
                rule.approval_rule_name().unwrap_or_default().to_owned(),
                rule.approval_rule_content().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let open = pr.pull_request_status() == Some(&PullRequestStatusEnum::Open);
    let revision = pr.revision_id().unwrap_or_default().to_owned();
    let last = micros(pr.last_activity_date());
    if let Some(k) = known
        && k.last_activity_micros == last
        && k.revision_id == revision
        && k.open == open
    {
        return Ok((k.clone(), false));
    }
    let author_arn = pr.author_arn().unwrap_or_default().to_owned();
    let a = if open {
        approvals(&cc, identity, id, &revision, rules).await?
    } else {
        Approvals::default()
    };
    let (concern, approved_by_me) = concern(&author_arn, place.me, &a);
    let (have, need) = tally(&a);
    let before = known.map_or(0, |k| k.comments);
    // A role that may not read comments still lists the pull request: the count stays as it was.
    let comments = if open && concern == Concern::Mine {
        comments_by_others(&cc, identity, id, &author_arn)
            .await
            .inspect_err(|e| tracing::debug!("comments on pull request {id} not counted: {e}"))
            .unwrap_or(before)
    } else {
        before
    };
    let can_merge = if open && concern == Concern::Mine {
        match target {
            Some(t) => {
                // Unknown (not false) when the role may not ask: the list still shows the rest.
                cc.get_merge_options()
                    .repository_name(&r.name)
                    .source_commit_specifier(t.source_commit().unwrap_or_default())
                    .destination_commit_specifier(t.destination_reference().unwrap_or_default())
                    .send()
                    .await
                    .ok()
                    .map(|o| a.approved && !o.merge_options().is_empty())
            }
            None => Some(false),
        }
    } else {
        None
    };
    Ok((
        PullRequest {
            session: identity.session.clone(),
            account_id: r.account_id.clone(),
            account_name: r.account_name.clone(),
            role_name: r.role_name.clone(),
            region: r.region.clone(),
            repository: r.name.clone(),
            id: id.to_owned(),
            title: pr.title().unwrap_or_default().to_owned(),
            description: pr.description().map(str::to_owned),
            author: principal(&author_arn)
                .map(|(_, n)| n.to_owned())
                .unwrap_or_else(|| author_arn.clone()),
            author_arn,
            created: epoch_to_rfc3339(secs(pr.creation_date())),
            last_activity: epoch_to_rfc3339(secs(pr.last_activity_date())),
            last_activity_micros: last,
            open,
            merged: target
                .and_then(|t| t.merge_metadata())
                .is_some_and(|m| m.is_merged()),
            source_ref: target
                .and_then(|t| t.source_reference())
                .unwrap_or_default()
                .to_owned(),
            destination_ref: target
                .and_then(|t| t.destination_reference())
                .unwrap_or_default()
                .to_owned(),
            source_commit: target
                .and_then(|t| t.source_commit())
                .unwrap_or_default()
                .to_owned(),
            revision_id: revision,
            approvals: have,
            approvals_needed: need,
            approved: a.approved,
            rules_not_satisfied: a.not_satisfied,
            approved_by_me,
            concern,
            can_merge,
            comments,
        },
        open,
    ))
}

/// Comments on a pull request by anyone but its author (GetCommentsForPullRequest, every page).
async fn comments_by_others(
    cc: &aws_sdk_codecommit::Client,
    identity: &Identity,
    id: &str,
    author: &str,
) -> Result<u32> {
    let mut n = 0;
    let mut next: Option<String> = None;
    loop {
        let out = cc
            .get_comments_for_pull_request()
            .pull_request_id(id)
            .set_next_token(next.clone())
            .send()
            .await
            .map_err(|e| aws_error(identity, "GetCommentsForPullRequest", e))?;
        n += out
            .comments_for_pull_request_data()
            .iter()
            .flat_map(|d| d.comments())
            .filter(|c| !c.deleted() && !c.author_arn().is_some_and(|a| same_person(a, author)))
            .count() as u32;
        next = out
            .next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if next.is_none() {
            return Ok(n);
        }
    }
}

/// One repository: its open ids, newest activity first; new ones and changed ones fetched.
async fn revalidate_repo(
    ctx: &SsoContext,
    identity: &Identity,
    place: &Place<'_>,
    known: &HashMap<String, PullRequest>,
    stats: &Mutex<InboxStats>,
) -> Result<Vec<PullRequest>> {
    let r = place.repo;
    let cc = client(ctx, place.creds, &r.region);
    let mut ids: Vec<String> = vec![];
    let mut next: Option<String> = None;
    loop {
        let out = cc
            .list_pull_requests()
            .repository_name(&r.name)
            .pull_request_status(PullRequestStatusEnum::Open)
            .set_next_token(next.clone())
            .send()
            .await
            .map_err(|e| aws_error(identity, "ListPullRequests", e))?;
        ids.extend(out.pull_request_ids().iter().cloned());
        next = out
            .next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if next.is_none() {
            break;
        }
    }
    stats.lock().unwrap_or_else(|p| p.into_inner()).repositories += 1;
    let mut out = vec![];
    // The user's own that are no longer open: closed or merged since the last look (fetched so
    // the notice can say which). Others' simply leave the inbox.
    for (id, old) in known {
        if old.concern == Concern::Mine && old.open && !ids.contains(id) {
            stats.lock().unwrap_or_else(|p| p.into_inner()).fetched += 1;
            // One that cannot be read any more (deleted with its repository) just leaves.
            if let Ok((closed, _)) = fetch(ctx, identity, place, id, Some(old)).await {
                out.push(closed);
            }
        }
    }
    let mut settled = false;
    for id in ids {
        match known.get(&id) {
            // Past the first unchanged one, everything is older and unchanged.
            Some(old) if settled => out.push(old.clone()),
            old => {
                let (fresh, evaluated) = fetch(ctx, identity, place, &id, old).await?;
                let mut s = stats.lock().unwrap_or_else(|p| p.into_inner());
                s.fetched += 1;
                s.evaluated += u32::from(evaluated);
                settled = !evaluated && old.is_some();
                out.push(fresh);
            }
        }
    }
    Ok(out)
}

type Known = HashMap<(String, String, String), PullRequest>;

/// The cached pull requests of one repository.
fn known_in(known: &Known, r: &Repository) -> Vec<PullRequest> {
    known
        .values()
        .filter(|p| p.account_id == r.account_id && p.region == r.region && p.repository == r.name)
        .cloned()
        .collect()
}

/// Repositories a background round looks at besides the hot ones, so a round costs about the
/// same at any scale: a thousand are covered in twenty rounds. Measured in the tray process
/// (`./dev bench --only tray-idle`, 1,000 repositories in 1,000 accounts): every repository
/// every round, 0.50 % of a core idle and 59 MiB; slices of 100, 0.12 % and 39 MiB.
pub const BACKGROUND_SLICE: usize = 50;

/// Which repositories background round `round` revalidates: every one holding an open pull
/// request that concerns the user (its approvals, merge or comments are what they are told
/// about), and one slice of the rest in turn — new pull requests elsewhere are found within
/// `repositories / BACKGROUND_SLICE` rounds.
pub fn background_selection(
    inventory: &Inventory,
    previous: Option<&Inbox>,
    round: u64,
) -> std::collections::HashSet<(String, String, String)> {
    let key = |a: &str, g: &str, n: &str| (a.to_owned(), g.to_owned(), n.to_owned());
    let mut chosen: std::collections::HashSet<_> = previous
        .into_iter()
        .flat_map(|i| &i.pull_requests)
        .filter(|p| p.concern != Concern::Other)
        .map(|p| key(&p.account_id, &p.region, &p.repository))
        .collect();
    let slices = inventory
        .repositories
        .len()
        .div_ceil(BACKGROUND_SLICE)
        .max(1) as u64;
    for (i, r) in inventory.repositories.iter().enumerate() {
        if i as u64 % slices == round % slices {
            chosen.insert(key(&r.account_id, &r.region, &r.name));
        }
    }
    chosen
}

/// Revalidates an identity's inbox over its repository inventory: cached pull requests are
/// reused unless their repository shows activity, and the result is cached. With `only`, the
/// other repositories keep their cached pull requests unasked (a background round).
pub async fn revalidate(
    ctx: &SsoContext,
    identity: &Identity,
    inventory: &Inventory,
    limiter: Arc<RateLimiter>,
    creds: Arc<RoleCredentialsCache>,
    previous: Option<Inbox>,
    only: Option<&std::collections::HashSet<(String, String, String)>>,
) -> Result<(Inbox, InboxStats)> {
    let previous = previous.unwrap_or_default();
    let previous_closed = previous.closed.clone();
    let known: Known = previous
        .pull_requests
        .iter()
        .map(|p| {
            (
                (p.account_id.clone(), p.region.clone(), p.id.clone()),
                p.clone(),
            )
        })
        .collect();
    let callers = previous.callers.clone();
    // Credentials and the caller's ARN once per (account, role).
    let mut by_role: BTreeMap<(String, String), Vec<&Repository>> = BTreeMap::new();
    let mut prs = vec![];
    let mut notes = vec![];
    for r in &inventory.repositories {
        if only
            .is_some_and(|o| !o.contains(&(r.account_id.clone(), r.region.clone(), r.name.clone())))
        {
            // Not asked this round: what was known stands, with what was noted about it.
            prs.extend(known_in(&known, r));
            let about = format!("{}: ", r.name);
            notes.extend(
                previous
                    .notes
                    .iter()
                    .filter(|n| {
                        n.account_id == r.account_id
                            && n.region.as_deref() == Some(r.region.as_str())
                            && n.detail.starts_with(&about)
                    })
                    .cloned(),
            );
            continue;
        }
        by_role
            .entry((r.account_id.clone(), r.role_name.clone()))
            .or_default()
            .push(r);
    }
    let stats = Mutex::new(InboxStats::default());
    let pairs: Mutex<HashMap<(String, String), Arc<Semaphore>>> = Mutex::default();
    let gate = Semaphore::new(64);
    let callers_now = Mutex::new(callers);
    // Per (account, role), all at once: credentials (through the identity's portal limiter) and
    // the caller's ARN, then that role's repositories. Portal waits overlap CodeCommit calls.
    let groups = by_role.iter().map(|((account, role), repos)| {
        let (limiter, creds, stats, pairs, gate, callers_now, known) = (
            &limiter,
            &creds,
            &stats,
            &pairs,
            &gate,
            &callers_now,
            &known,
        );
        async move {
            let c = match creds.get(ctx, identity, account, role, limiter).await {
                Ok(c) => c,
                Err(e @ (Error::SessionExpired { .. } | Error::NotSignedIn { .. })) => {
                    return Err(e);
                }
                // What was known stays (stale, noted) rather than vanish and come back as new.
                Err(e) => {
                    return Ok((
                        repos.iter().flat_map(|r| known_in(known, r)).collect(),
                        vec![note(repos[0], None, NoteKind::Failed, e.to_string())],
                    ));
                }
            };
            let key = format!("{account}/{role}");
            let known_arn = callers_now
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&key)
                .cloned();
            if known_arn.is_none() {
                let arn = caller_arn(ctx, identity, &c, &repos[0].region).await?;
                callers_now
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(key, arn);
            }
            // The user's ARNs in this account: every role of theirs Lanyard has asked about.
            let me: Vec<String> = callers_now
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .filter(|(k, _)| k.split('/').next() == Some(account.as_str()))
                .map(|(_, v)| v.clone())
                .collect();
            let tasks = repos.iter().map(|r| {
                let pair = pairs
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .entry((r.account_id.clone(), r.region.clone()))
                    .or_insert_with(|| Arc::new(Semaphore::new(PER_PAIR)))
                    .clone();
                let known: HashMap<String, PullRequest> = known
                    .iter()
                    .filter(|((a, g, _), p)| {
                        *a == r.account_id && *g == r.region && p.repository == r.name
                    })
                    .map(|((_, _, id), p)| (id.clone(), p.clone()))
                    .collect();
                let (c, me) = (&c, &me);
                async move {
                    let _all = gate.acquire().await.expect("semaphore open");
                    let _pair = pair.acquire().await.expect("semaphore open");
                    let place = Place {
                        repo: r,
                        creds: c,
                        me,
                    };
                    (
                        *r,
                        revalidate_repo(ctx, identity, &place, &known, stats).await,
                    )
                }
            });
            let (mut found, mut notes) = (vec![], vec![]);
            for (r, res) in futures_util::future::join_all(tasks).await {
                match res {
                    Ok(list) => found.extend(list),
                    Err(e @ Error::Aws { .. }) => {
                        found.extend(known_in(known, r));
                        notes.push(note(r, Some(&r.region), NoteKind::Failed, e.to_string()))
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok((found, notes))
        }
    });
    let mut closed = vec![];
    for res in futures_util::future::join_all(groups).await {
        let (found, n) = res?;
        for p in found {
            if p.open { prs.push(p) } else { closed.push(p) }
        }
        notes.extend(n);
    }
    let callers = callers_now.into_inner().unwrap_or_else(|p| p.into_inner());
    sort(&mut prs);
    let now = (ctx.clock)();
    let kept_since = (now - time::Duration::days(CLOSED_KEPT_DAYS)).unix_timestamp() * 1_000_000;
    for old in previous.closed {
        if old.last_activity_micros >= kept_since
            && !closed.iter().any(|c| c.reference() == old.reference())
        {
            closed.push(old);
        }
    }
    closed.sort_by_key(|p| std::cmp::Reverse(p.last_activity_micros));
    let inbox = Inbox {
        session: identity.session.clone(),
        checked_at: crate::sso::cache::format_time(now),
        pull_requests: prs,
        notes,
        callers,
        closed,
    };
    // Nothing changed but the time of the check: the file stays as it is (a tray that checks all
    // day must not rewrite its caches).
    let unchanged = inbox.pull_requests == previous.pull_requests
        && inbox.notes == previous.notes
        && inbox.callers == previous.callers
        && inbox.closed == previous_closed
        && !previous.checked_at.is_empty();
    if !unchanged {
        let bytes = serde_json::to_vec(&inbox).map_err(|e| Error::Config {
            path: cache_path(ctx, &identity.session),
            reason: e.to_string(),
        })?;
        crate::fsx::write_private(&cache_path(ctx, &identity.session), &bytes)?;
    }
    let mut stats = stats.into_inner().unwrap_or_else(|p| p.into_inner());
    stats.changed = !unchanged;
    Ok((inbox, stats))
}

/// `acme-dev/payments-api/3`: how the CLI names a pull request when its id alone is ambiguous.
pub fn label(p: &PullRequest) -> String {
    format!("{}/{}/{}", p.account_name, p.repository, p.id)
}

/// The pull request `target` names: `ID`, `REPOSITORY/ID` or `ACCOUNT/REPOSITORY/ID` (account
/// name or id), among the inboxes' pull requests.
pub fn find<'a>(inboxes: &'a [Inbox], target: &str) -> Result<&'a PullRequest> {
    let parts: Vec<&str> = target.split('/').collect();
    let matches: Vec<&PullRequest> = inboxes
        .iter()
        .flat_map(|i| &i.pull_requests)
        .filter(|p| match parts.as_slice() {
            [id] => p.id == *id,
            [repo, id] => p.repository == *repo && p.id == *id,
            [account, repo, id] => {
                (p.account_name == *account || p.account_id == *account)
                    && p.repository == *repo
                    && p.id == *id
            }
            _ => false,
        })
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::InvalidInput {
            field: "pull request",
            reason: format!(
                "no open pull request {target} in the inbox; `lanyard prs --all` lists them (ID, REPOSITORY/ID or ACCOUNT/REPOSITORY/ID)"
            ),
        }),
        many => Err(Error::InvalidInput {
            field: "pull request",
            reason: format!(
                "{target} is ambiguous: {}",
                many.iter().map(|p| label(p)).collect::<Vec<_>>().join(", ")
            ),
        }),
    }
}

/// A pull request as the desktop names it: ids are unique per account and region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PullRequestRef {
    /// The sso-session it was found with.
    pub session: String,
    /// Account id.
    pub account_id: String,
    /// Region.
    pub region: String,
    /// The pull request id.
    pub id: String,
}

impl PullRequest {
    /// How the desktop names this pull request.
    pub fn reference(&self) -> PullRequestRef {
        PullRequestRef {
            session: self.session.clone(),
            account_id: self.account_id.clone(),
            region: self.region.clone(),
            id: self.id.clone(),
        }
    }
}

/// The clone of a pull request's repository, as its reader's role.
pub fn clone_request(p: &PullRequest) -> super::CloneRequest {
    super::CloneRequest {
        session: p.session.clone(),
        account_id: p.account_id.clone(),
        account_name: p.account_name.clone(),
        role_name: p.role_name.clone(),
        region: p.region.clone(),
        repository: p.repository.clone(),
        dest: None,
    }
}

/// The cached pull request `r` names (the desktop acts only on what it was shown).
pub fn find_ref<'a>(inboxes: &'a [Inbox], r: &PullRequestRef) -> Result<&'a PullRequest> {
    inboxes
        .iter()
        .flat_map(|i| &i.pull_requests)
        .find(|p| p.reference() == *r)
        .ok_or_else(|| Error::InvalidInput {
            field: "pull request",
            reason: format!(
                "pull request {} in account {} ({}) is no longer open in the inbox; refresh the list",
                r.id, r.account_id, r.region
            ),
        })
}

/// The pull request's page in the CodeCommit console.
pub fn console_page(p: &PullRequest) -> String {
    // A path segment: RFC 3986's unreserved characters stay as they are (repository names are
    // [A-Za-z0-9._-]), so the address reads as the console's own links do.
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    let enc = |s: &str| percent_encoding::utf8_percent_encode(s, SEGMENT).to_string();
    crate::console::page(
        &p.region,
        &format!(
            "/codesuite/codecommit/repositories/{}/pull-requests/{}/details?region={}",
            enc(&p.repository),
            enc(&p.id),
            p.region
        ),
    )
}

/// What [`checkout`] left in the work tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Checkout {
    /// The work tree.
    pub path: String,
    /// The local branch, tracking `origin/<branch>`.
    pub branch: String,
    /// The commit checked out.
    pub commit: String,
    /// The source branch moved past the revision Lanyard last saw.
    pub moved: bool,
}

fn git_in(dir: &std::path::Path, path: Option<&std::ffi::OsStr>, args: &[&str]) -> Result<String> {
    let mut git = std::process::Command::new("git");
    if let Some(path) = path {
        git.env("PATH", path);
    }
    let out = git
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| Error::Git {
            repository: dir.display().to_string(),
            reason: format!("cannot run git: {e}"),
        })?;
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned());
    }
    Err(Error::Git {
        repository: dir.display().to_string(),
        reason: format!(
            "git {} in {}: {}",
            args.first().unwrap_or(&""),
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ),
    })
}

/// In a clone of the pull request's repository (its `origin` a `codecommit::` URL, so git goes
/// through the helper): fetches the source branch and checks out a local branch tracking it.
/// An existing local branch only fast-forwards; local commits are never thrown away. `path` is
/// git's PATH ([`super::helper::git_path`]: where it finds the helper).
pub fn checkout(
    dir: &std::path::Path,
    p: &PullRequest,
    path: Option<&std::ffi::OsStr>,
) -> Result<Checkout> {
    let branch = p
        .source_ref
        .strip_prefix("refs/heads/")
        .unwrap_or(&p.source_ref)
        .to_owned();
    let remote = format!("refs/remotes/origin/{branch}");
    git_in(
        dir,
        path,
        &[
            "fetch",
            "--quiet",
            "origin",
            &format!("+{}:{remote}", p.source_ref),
        ],
    )?;
    let exists = git_in(
        dir,
        path,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("refs/heads/{branch}"),
        ],
    )
    .is_ok();
    if exists {
        git_in(dir, path, &["checkout", "--quiet", &branch])?;
        git_in(dir, path, &["merge", "--quiet", "--ff-only", &format!("origin/{branch}")]).map_err(
            |_| Error::Git {
                repository: p.repository.clone(),
                reason: format!(
                    "your local branch {branch} in {} has commits that are not in the pull request; it was checked out but not moved (merge or rebase it on origin/{branch})",
                    dir.display()
                ),
            },
        )?;
    } else {
        git_in(
            dir,
            path,
            &[
                "checkout",
                "--quiet",
                "-b",
                &branch,
                "--track",
                &format!("origin/{branch}"),
            ],
        )?;
    }
    let commit = git_in(dir, path, &["rev-parse", "HEAD"])?;
    Ok(Checkout {
        path: dir.display().to_string(),
        moved: commit != p.source_commit,
        branch,
        commit,
    })
}

/// How a merge is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// The destination moves to the source tip (refused unless it is an ancestor).
    FastForward,
    /// One new commit on the destination with the source's changes.
    Squash,
    /// A merge commit with both parents.
    ThreeWay,
}

/// What AWS's refusals mean for the user, and what to do (PROTOCOL.md §11.2).
fn refusal(p: &PullRequest, e: Error) -> Error {
    let Error::Aws { code, .. } = &e else {
        return e;
    };
    let reason = match code.as_str() {
        "RevisionNotCurrentException" | "TipOfSourceReferenceIsDifferentException" => {
            "it has new commits since Lanyard last looked; review them (`lanyard pr show`) and try again".to_owned()
        }
        "PullRequestApprovalRulesNotSatisfiedException" => format!(
            "its approval rules are not satisfied ({}; approvals {}/{})",
            if p.rules_not_satisfied.is_empty() {
                "see `lanyard pr show`".to_owned()
            } else {
                format!("waiting on: {}", p.rules_not_satisfied.join(", "))
            },
            p.approvals,
            p.approvals_needed
        ),
        "ManualMergeRequiredException" => "it cannot be merged this way: the branches conflict (or, for a fast-forward, have diverged); merge them in a clone, push, then try again".to_owned(),
        "PullRequestAlreadyClosedException" => "it is already closed".to_owned(),
        "PullRequestCannotBeApprovedByAuthorException" => "you wrote it, and an author cannot approve their own pull request".to_owned(),
        "ConcurrentReferenceUpdateException" => "its destination branch moved during the merge; try again".to_owned(),
        "AccessDeniedException" => format!("the {} role may not do this in {}", p.role_name, p.account_name),
        _ => return e,
    };
    Error::PullRequest {
        id: label(p),
        reason,
    }
}

/// Approves (or revokes the approval of) the revision the user saw, as the role that reads it.
pub async fn approve(
    ctx: &SsoContext,
    identity: &Identity,
    creds: &RoleCredentials,
    p: &PullRequest,
    revoke: bool,
) -> Result<()> {
    use aws_sdk_codecommit::types::ApprovalState;
    client(ctx, creds, &p.region)
        .update_pull_request_approval_state()
        .pull_request_id(&p.id)
        .revision_id(&p.revision_id)
        .approval_state(if revoke {
            ApprovalState::Revoke
        } else {
            ApprovalState::Approve
        })
        .send()
        .await
        .map_err(|e| refusal(p, aws_error(identity, "UpdatePullRequestApprovalState", e)))?;
    Ok(())
}

/// Merges the source commit the user saw; returns the destination's new tip.
pub async fn merge(
    ctx: &SsoContext,
    identity: &Identity,
    creds: &RoleCredentials,
    p: &PullRequest,
    strategy: Strategy,
) -> Result<String> {
    let cc = client(ctx, creds, &p.region);
    let tip = |m: Option<&aws_sdk_codecommit::types::PullRequest>| {
        m.and_then(|pr| pr.pull_request_targets().first())
            .and_then(|t| t.merge_metadata())
            .and_then(|m| m.merge_commit_id())
            .unwrap_or_default()
            .to_owned()
    };
    let out = match strategy {
        Strategy::FastForward => cc
            .merge_pull_request_by_fast_forward()
            .pull_request_id(&p.id)
            .repository_name(&p.repository)
            .source_commit_id(&p.source_commit)
            .send()
            .await
            .map(|o| tip(o.pull_request()))
            .map_err(|e| aws_error(identity, "MergePullRequestByFastForward", e)),
        Strategy::Squash => cc
            .merge_pull_request_by_squash()
            .pull_request_id(&p.id)
            .repository_name(&p.repository)
            .source_commit_id(&p.source_commit)
            .send()
            .await
            .map(|o| tip(o.pull_request()))
            .map_err(|e| aws_error(identity, "MergePullRequestBySquash", e)),
        Strategy::ThreeWay => cc
            .merge_pull_request_by_three_way()
            .pull_request_id(&p.id)
            .repository_name(&p.repository)
            .source_commit_id(&p.source_commit)
            .send()
            .await
            .map(|o| tip(o.pull_request()))
            .map_err(|e| aws_error(identity, "MergePullRequestByThreeWay", e)),
    };
    out.map_err(|e| refusal(p, e))
}

fn note(r: &Repository, region: Option<&str>, kind: NoteKind, detail: String) -> ScanNote {
    ScanNote {
        account_id: r.account_id.clone(),
        account_name: r.account_name.clone(),
        region: region.map(str::to_owned),
        kind,
        detail: if region.is_some() {
            format!("{}: {detail}", r.name)
        } else {
            detail
        },
    }
}

/// Awaiting first, then mine, then the rest; newest activity first within each.
pub fn sort(prs: &mut [PullRequest]) {
    prs.sort_by(|a, b| {
        a.concern
            .cmp(&b.concern)
            .then(b.last_activity_micros.cmp(&a.last_activity_micros))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE_DEV: &str = "arn:aws:sts::111:assumed-role/AWSReservedSSO_Developer_ab12/alice";
    const ALICE_ADMIN: &str = "arn:aws:sts::111:assumed-role/AWSReservedSSO_Admin_cd34/alice";
    const BOB: &str = "arn:aws:sts::111:assumed-role/AWSReservedSSO_Developer_ab12/bob";

    fn rule(name: &str, needed: u32, pool: &[&str]) -> (String, String) {
        let mut st = serde_json::json!({"Type": "Approvers", "NumberOfApprovalsNeeded": needed});
        if !pool.is_empty() {
            st["ApprovalPoolMembers"] = serde_json::json!(pool);
        }
        (
            name.into(),
            serde_json::json!({"Version": "2018-11-08", "Statements": [st]}).to_string(),
        )
    }

    #[test]
    fn background_rounds_cover_every_repository_in_bounded_slices_and_the_hot_ones_each_time() {
        let repo = |i: usize| Repository {
            session: "acme".into(),
            account_id: format!("{:012}", i / 3),
            account_name: "a".into(),
            role_name: "Dev".into(),
            region: "eu-west-1".into(),
            name: format!("svc-{i}"),
            description: None,
            default_branch: None,
            last_modified: None,
            clone_url_http: None,
            arn: None,
        };
        let inventory = Inventory {
            session: "acme".into(),
            scanned_at: String::new(),
            regions: vec![],
            repositories: (0..1000).map(repo).collect(),
            notes: vec![],
        };
        let hot = repo(777);
        let previous: Inbox = serde_json::from_value(serde_json::json!({
            "session": "acme", "checkedAt": "x", "notes": [], "pullRequests": [{
                "session": "acme", "accountId": hot.account_id, "accountName": "a",
                "roleName": "Dev", "region": "eu-west-1", "repository": hot.name, "id": "1",
                "title": "t", "description": null, "authorArn": "", "author": "alice",
                "created": "", "lastActivity": "", "lastActivityMicros": 1, "open": true,
                "merged": false, "sourceRef": "", "destinationRef": "", "sourceCommit": "",
                "revisionId": "r", "approvals": 0, "approvalsNeeded": 1, "approved": false,
                "rulesNotSatisfied": [], "approvedByMe": false, "concern": "mine", "canMerge": null
            }]
        }))
        .unwrap();
        let mut seen = std::collections::HashSet::new();
        for round in 0..20 {
            let chosen = background_selection(&inventory, Some(&previous), round);
            assert!(chosen.len() <= BACKGROUND_SLICE + 1, "{}", chosen.len());
            assert!(chosen.contains(&(
                hot.account_id.clone(),
                hot.region.clone(),
                hot.name.clone()
            )));
            seen.extend(chosen);
        }
        assert_eq!(seen.len(), 1000, "twenty rounds cover every repository");
        // A small inventory is covered whole every round.
        let small = Inventory {
            repositories: (0..40).map(repo).collect(),
            ..inventory
        };
        assert_eq!(background_selection(&small, None, 7).len(), 40);
    }

    #[test]
    fn the_console_page_keeps_a_repository_name_readable() {
        let p: PullRequest = serde_json::from_value(serde_json::json!({
            "session": "acme", "accountId": "111", "accountName": "dev", "roleName": "Dev",
            "region": "eu-west-1", "repository": "payments-api.v2_x", "id": "7", "title": "t",
            "description": null, "authorArn": "", "author": "bob", "created": "",
            "lastActivity": "", "lastActivityMicros": 1, "open": true, "merged": false,
            "sourceRef": "", "destinationRef": "", "sourceCommit": "", "revisionId": "r",
            "approvals": 0, "approvalsNeeded": 0, "approved": true, "rulesNotSatisfied": [],
            "approvedByMe": false, "concern": "other", "canMerge": null
        }))
        .unwrap();
        assert_eq!(
            console_page(&p),
            "https://eu-west-1.console.aws.amazon.com/codesuite/codecommit/repositories/payments-api.v2_x/pull-requests/7/details?region=eu-west-1"
        );
    }

    #[test]
    fn one_person_across_permission_sets_but_not_across_accounts() {
        assert!(same_person(ALICE_DEV, ALICE_ADMIN));
        assert!(!same_person(ALICE_DEV, BOB));
        assert!(!same_person(
            ALICE_DEV,
            "arn:aws:sts::222:assumed-role/AWSReservedSSO_Developer_ab12/alice"
        ));
        assert_eq!(principal(BOB), Some(("111", "bob")));
    }

    #[test]
    fn awaiting_needs_a_rule_the_user_counts_toward() {
        let me = vec![ALICE_DEV.to_owned()];
        let mut a = Approvals {
            rules: vec![rule(
                "devs",
                2,
                &["arn:aws:sts::111:assumed-role/AWSReservedSSO_Developer_*/*"],
            )],
            approved: false,
            not_satisfied: vec!["devs".into()],
            approvers: vec![],
        };
        assert_eq!(concern(BOB, &me, &a), (Concern::Awaiting, false));
        // Bob's own view of it: his.
        assert_eq!(concern(BOB, &[BOB.to_owned()], &a).0, Concern::Mine);
        // A pool the user is not in.
        a.rules = vec![rule(
            "admins",
            1,
            &["arn:aws:sts::111:assumed-role/AWSReservedSSO_Admin_*/*"],
        )];
        a.not_satisfied = vec!["admins".into()];
        assert_eq!(concern(BOB, &me, &a).0, Concern::Other);
        // …but the user also reads that account as Admin.
        assert_eq!(
            concern(BOB, &[ALICE_DEV.to_owned(), ALICE_ADMIN.to_owned()], &a).0,
            Concern::Awaiting
        );
        // CodeCommitApprovers by name, under any permission set.
        a.rules = vec![rule("alice", 1, &["CodeCommitApprovers:111:*alice"])];
        a.not_satisfied = vec!["alice".into()];
        assert_eq!(concern(BOB, &me, &a).0, Concern::Awaiting);
        // Approved by her (under another permission set): no longer awaiting.
        a.approvers = vec![ALICE_ADMIN.to_owned()];
        assert_eq!(concern(BOB, &me, &a), (Concern::ApprovedByMe, true));
        // No rules: nothing awaits anyone.
        let none = Approvals {
            approved: true,
            ..Approvals::default()
        };
        assert_eq!(concern(BOB, &me, &none).0, Concern::Other);
        // Satisfied already.
        let done = Approvals {
            rules: vec![rule("any", 1, &[])],
            approved: true,
            not_satisfied: vec![],
            approvers: vec![BOB.to_owned()],
        };
        assert_eq!(
            concern(ALICE_ADMIN, &[BOB.to_owned()], &done).0,
            Concern::ApprovedByMe
        );
    }

    #[test]
    fn tally_counts_pool_approvals_up_to_what_each_rule_needs() {
        let a = Approvals {
            rules: vec![
                rule(
                    "devs",
                    2,
                    &["arn:aws:sts::111:assumed-role/AWSReservedSSO_Developer_*/*"],
                ),
                rule("any", 1, &[]),
            ],
            approved: false,
            not_satisfied: vec!["devs".into()],
            approvers: vec![BOB.to_owned(), ALICE_ADMIN.to_owned()],
        };
        // devs: bob (1 of 2); any: capped at 1.
        assert_eq!(tally(&a), (2, 3));
    }

    #[test]
    fn globs_cross_slashes() {
        assert!(glob(
            "arn:aws:sts::111:assumed-role/AWSReservedSSO_*/*",
            ALICE_DEV
        ));
        assert!(!glob("arn:aws:sts::111:assumed-role/*/bob", ALICE_DEV));
        assert!(in_pool("CodeCommitApprovers:111:*alice", ALICE_DEV));
        assert!(!in_pool("CodeCommitApprovers:111:alice", ALICE_DEV));
    }
}

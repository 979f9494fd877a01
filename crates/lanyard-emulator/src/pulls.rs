//! CodeCommit pull requests (PROTOCOL.md §11): the store, approval rules and their evaluation,
//! and the API operations. Pull requests live on the real repositories `git.rs` serves: commit
//! ids come from the bare repository, and a push to a source branch makes a new revision.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Mutex;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::AwsError;
use crate::http::{App, Caller};
use crate::state::{RepoKey, now, session_arn};
use crate::world::{PullRequestDecl, RuleDecl, valid_repository_name};

/// Pull requests are numbered per (instance, account, region): GetPullRequest takes no
/// repository (PROTOCOL.md §11.5).
type Scope = (usize, String, String);

/// Every pull request the emulator knows, by scope.
#[derive(Default)]
pub struct Pulls {
    scopes: Mutex<HashMap<Scope, Numbered>>,
}

#[derive(Default)]
struct Numbered {
    last_id: u64,
    /// The world's pull requests have been made here.
    seeded: bool,
    prs: BTreeMap<u64, Pr>,
    /// `clientRequestToken` → (request digest, id), for idempotent CreatePullRequest.
    tokens: HashMap<String, (String, u64)>,
    /// Approval rule templates by name.
    templates: BTreeMap<String, Template>,
}

#[derive(Clone)]
struct Pr {
    id: u64,
    repo: String,
    title: String,
    description: Option<String>,
    author: String,
    created: f64,
    last_activity: f64,
    open: bool,
    source_ref: String,
    dest_ref: String,
    source_commit: String,
    dest_commit: String,
    merge_base: String,
    token: String,
    revision: String,
    /// Every revision this pull request had, oldest first (the last is current).
    revisions: Vec<String>,
    rules: Vec<Rule>,
    /// Approving ARNs per revision, in the order given.
    approvals: HashMap<String, Vec<String>>,
    /// (revision, overrider) while the rules are overridden.
    overridden: Option<(String, String)>,
    events: Vec<Value>,
    /// `mergeMetadata` once merged.
    merged: Option<Value>,
    comments: Vec<Comment>,
}

#[derive(Clone)]
struct Comment {
    id: String,
    content: String,
    author: String,
    created: f64,
    before: String,
    after: String,
    location: Option<Value>,
    token: String,
}

#[derive(Clone)]
struct Rule {
    id: String,
    name: String,
    content: String,
    created: f64,
    modified: f64,
    user: String,
    /// (template id, template name) of a rule a template made.
    origin: Option<(String, String)>,
}

impl Rule {
    fn to_json(&self) -> Value {
        let mut v = json!({
            "approvalRuleId": self.id,
            "approvalRuleName": self.name,
            "approvalRuleContent": self.content,
            "ruleContentSha256": sha256_hex(&self.content),
            "lastModifiedDate": self.modified,
            "creationDate": self.created,
            "lastModifiedUser": self.user,
        });
        if let Some((id, name)) = &self.origin {
            v["originApprovalRuleTemplate"] =
                json!({"approvalRuleTemplateId": id, "approvalRuleTemplateName": name});
        }
        v
    }
}

/// An approval rule template of one account and region, and the repositories it applies to.
#[derive(Clone)]
struct Template {
    id: String,
    name: String,
    description: String,
    content: String,
    created: f64,
    modified: f64,
    user: String,
    repositories: Vec<String>,
}

impl Template {
    fn to_json(&self) -> Value {
        json!({
            "approvalRuleTemplateId": self.id,
            "approvalRuleTemplateName": self.name,
            "approvalRuleTemplateDescription": self.description,
            "approvalRuleTemplateContent": self.content,
            "ruleContentSha256": sha256_hex(&self.content),
            "lastModifiedDate": self.modified,
            "creationDate": self.created,
            "lastModifiedUser": self.user,
        })
    }

    /// Whether a pull request into `dest_ref` gets this template's rule: its
    /// `DestinationReferences` (globs; none = every branch).
    fn applies_to(&self, dest_ref: &str) -> bool {
        let v: Value = serde_json::from_str(&self.content).unwrap_or_default();
        match v.get("DestinationReferences").and_then(Value::as_array) {
            None => true,
            Some(refs) => refs
                .iter()
                .filter_map(Value::as_str)
                .any(|r| glob(r, dest_ref)),
        }
    }
}

fn cc(code: &'static str, message: impl Into<String>) -> AwsError {
    AwsError::codecommit(code, message)
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn uuid() -> String {
    let b: [u8; 16] = rand::random();
    let h = hex::encode(b);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

fn new_revision() -> String {
    let b: [u8; 32] = rand::random();
    hex::encode(b)
}

// ---- approval rules ---------------------------------------------------------------------------

/// `*` matches any run of characters, `/` included (PROTOCOL.md §11.4); case-sensitive.
pub fn glob(pattern: &str, s: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), s.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
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

/// Whether an approver's ARN is in a pool member: an ARN glob, or
/// `CodeCommitApprovers:<account>:<name glob>` matched against what follows `user/`,
/// `federated-user/` or `assumed-role/` in that account.
pub fn pool_member_matches(member: &str, arn: &str) -> bool {
    if let Some(rest) = member.strip_prefix("CodeCommitApprovers:") {
        let Some((account, name)) = rest.split_once(':') else {
            return false;
        };
        let mut parts = arn.splitn(6, ':');
        let (Some(_), Some(_), Some(_), Some(_), Some(acct), Some(resource)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return false;
        };
        if acct != account {
            return false;
        }
        return ["user/", "federated-user/", "assumed-role/"]
            .iter()
            .filter_map(|k| resource.strip_prefix(k))
            .any(|r| glob(name, r));
    }
    glob(member, arn)
}

/// A rule's content, checked as AWS checks it (PROTOCOL.md §11.4).
struct Content {
    statements: Vec<(u64, Vec<String>)>,
}

fn parse_content(s: &str) -> Option<Content> {
    let v: Value = serde_json::from_str(s).ok()?;
    let statements = v.get("Statements")?.as_array()?;
    if statements.is_empty()
        || v.get("DestinationReferences")
            .and_then(Value::as_array)
            .is_some_and(|d| d.len() > 100)
    {
        return None;
    }
    let mut out = vec![];
    for st in statements {
        if st.get("Type").and_then(Value::as_str) != Some("Approvers") {
            return None;
        }
        let needed = st.get("NumberOfApprovalsNeeded")?.as_u64()?;
        let pool: Vec<String> = match st.get("ApprovalPoolMembers") {
            None => vec![],
            Some(p) => p
                .as_array()?
                .iter()
                .map(|m| m.as_str().map(str::to_owned))
                .collect::<Option<_>>()?,
        };
        if needed < 1 || pool.len() > 50 {
            return None;
        }
        out.push((needed, pool));
    }
    Some(Content { statements: out })
}

/// The content a world's rule declaration stands for.
fn content_of(r: &RuleDecl) -> String {
    let mut st = json!({"Type": "Approvers", "NumberOfApprovalsNeeded": r.needed});
    if !r.pool.is_empty() {
        st["ApprovalPoolMembers"] = json!(r.pool);
    }
    json!({"Version": "2018-11-08", "Statements": [st]}).to_string()
}

impl Pr {
    fn approvers(&self) -> &[String] {
        self.approvals
            .get(&self.revision)
            .map_or(&[], Vec::as_slice)
    }

    /// Satisfied and unsatisfied rule names on the current revision.
    fn evaluate(&self) -> (Vec<String>, Vec<String>) {
        let approvers = self.approvers();
        let (mut yes, mut no) = (vec![], vec![]);
        for r in &self.rules {
            let ok = parse_content(&r.content).is_some_and(|c| {
                c.statements.iter().all(|(needed, pool)| {
                    let n = approvers
                        .iter()
                        .filter(|a| {
                            pool.is_empty() || pool.iter().any(|m| pool_member_matches(m, a))
                        })
                        .count() as u64;
                    n >= *needed
                })
            });
            if ok {
                yes.push(r.name.clone());
            } else {
                no.push(r.name.clone());
            }
        }
        (yes, no)
    }

    fn overridden_now(&self) -> bool {
        self.overridden
            .as_ref()
            .is_some_and(|(rev, _)| *rev == self.revision)
    }

    fn to_json(&self) -> Value {
        let rules: Vec<Value> = self.rules.iter().map(Rule::to_json).collect();
        let mut v = json!({
            "pullRequestId": self.id.to_string(),
            "title": self.title,
            "lastActivityDate": self.last_activity,
            "creationDate": self.created,
            "pullRequestStatus": if self.open { "OPEN" } else { "CLOSED" },
            "authorArn": self.author,
            "pullRequestTargets": [{
                "repositoryName": self.repo,
                "sourceReference": self.source_ref,
                "destinationReference": self.dest_ref,
                "destinationCommit": self.dest_commit,
                "sourceCommit": self.source_commit,
                "mergeBase": self.merge_base,
                "mergeMetadata": self.merged.clone().unwrap_or(json!({"isMerged": false})),
            }],
            "clientRequestToken": self.token,
            "revisionId": self.revision,
            "approvalRules": rules,
        });
        if let Some(d) = &self.description {
            v["description"] = json!(d);
        }
        v
    }

    fn event(&mut self, kind: &str, actor: &str, meta: (&str, Value)) {
        let at = now();
        self.last_activity = at;
        let mut e = json!({
            "pullRequestId": self.id.to_string(),
            "eventDate": at,
            "pullRequestEventType": kind,
            "actorArn": actor,
        });
        e[meta.0] = meta.1;
        self.events.push(e);
    }

    fn close(&mut self, actor: &str) {
        self.open = false;
        self.event(
            "PULL_REQUEST_STATUS_CHANGED",
            actor,
            (
                "pullRequestStatusChangedEventMetadata",
                json!({"pullRequestStatus": "CLOSED"}),
            ),
        );
    }
}

// ---- git --------------------------------------------------------------------------------------

/// `git` on the bare repository, with no user or system configuration.
fn git_cmd(dir: &Path) -> tokio::process::Command {
    let mut c = tokio::process::Command::new("git");
    c.env("GIT_DIR", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
    c
}

async fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = git_cmd(dir).args(args).output().await.ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

async fn tip(dir: &Path, reference: &str) -> Option<String> {
    git(
        dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{reference}^{{commit}}"),
        ],
    )
    .await
}

/// `refs/heads/x` for `x`; full refs as given.
fn full_ref(r: &str) -> String {
    if r.starts_with("refs/") {
        r.to_owned()
    } else {
        format!("refs/heads/{r}")
    }
}

fn valid_ref_name(r: &str) -> bool {
    !r.is_empty()
        && r.len() <= 255
        && !r.contains("..")
        && !r.ends_with('/')
        && !r.ends_with(".lock")
        && !r.chars().any(|c| c.is_control() || " ~^:?*[\\".contains(c))
}

// ---- the operations ----------------------------------------------------------------------------

/// The operations this module answers.
pub const OPERATIONS: &[&str] = &[
    "CreatePullRequest",
    "ListPullRequests",
    "GetPullRequest",
    "GetPullRequestApprovalStates",
    "EvaluatePullRequestApprovalRules",
    "GetPullRequestOverrideState",
    "DescribePullRequestEvents",
    "UpdatePullRequestApprovalState",
    "UpdatePullRequestStatus",
    "UpdatePullRequestTitle",
    "UpdatePullRequestDescription",
    "CreatePullRequestApprovalRule",
    "OverridePullRequestApprovalRules",
    "MergePullRequestByFastForward",
    "MergePullRequestBySquash",
    "MergePullRequestByThreeWay",
    "GetMergeOptions",
    "GetMergeConflicts",
    "PostCommentForPullRequest",
    "GetCommentsForPullRequest",
    "UpdatePullRequestApprovalRuleContent",
    "DeletePullRequestApprovalRule",
    "CreateApprovalRuleTemplate",
    "GetApprovalRuleTemplate",
    "ListApprovalRuleTemplates",
    "UpdateApprovalRuleTemplateContent",
    "DeleteApprovalRuleTemplate",
    "AssociateApprovalRuleTemplateWithRepository",
    "BatchAssociateApprovalRuleTemplateWithRepositories",
    "DisassociateApprovalRuleTemplateFromRepository",
    "ListAssociatedApprovalRuleTemplatesForRepository",
];

fn str_field<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

fn not_string(k: &str) -> AwsError {
    cc("SerializationException", format!("{k} must be a string"))
}

/// A string member, `None` when absent or empty; a wrong type is a serialization error.
fn opt_str<'a>(v: &'a Value, k: &str) -> Result<Option<&'a str>, AwsError> {
    match v.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(not_string(k)),
    }
}

fn max_results(v: &Value, default: u64, max: u64) -> Result<usize, AwsError> {
    match v.get("maxResults") {
        None | Some(Value::Null) => Ok(default as usize),
        Some(n) => n
            .as_u64()
            .filter(|n| (1..=max).contains(n))
            .map(|n| n as usize)
            .ok_or_else(|| {
                cc(
                    "InvalidMaxResultsException",
                    "The specified number of maximum results is not valid.",
                )
            }),
    }
}

fn start_of(v: &Value, len: usize) -> Result<usize, AwsError> {
    match opt_str(v, "nextToken")? {
        None => Ok(0),
        Some(t) => t
            .strip_prefix("pr-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= len)
            .ok_or_else(|| {
                cc(
                    "InvalidContinuationTokenException",
                    "The specified continuation token is not valid.",
                )
            }),
    }
}

fn page<T: Clone>(items: &[T], start: usize, max: usize) -> (Vec<T>, Option<String>) {
    let end = (start + max).min(items.len());
    let next = (end < items.len()).then(|| format!("pr-{end}"));
    (items[start..end].to_vec(), next)
}

fn pr_id(v: &Value) -> Result<u64, AwsError> {
    let id = opt_str(v, "pullRequestId")?.ok_or_else(|| {
        cc(
            "PullRequestIdRequiredException",
            "A pull request ID is required, but none was provided.",
        )
    })?;
    id.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        cc(
            "InvalidPullRequestIdException",
            "The pull request ID is not valid. Make sure that you have provided the full ID and that the pull request is in the specified repository, and then try again.",
        )
    })
}

fn missing_pr() -> AwsError {
    cc(
        "PullRequestDoesNotExistException",
        "The pull request ID could not be found. Make sure that you have specified the correct repository name and pull request ID, and then try again.",
    )
}

fn closed() -> AwsError {
    cc(
        "PullRequestAlreadyClosedException",
        "The pull request status cannot be updated because it is already closed.",
    )
}

/// The revision a request names: `Ok(true)` current, `Ok(false)` an earlier one.
fn revision_of(v: &Value, pr: &Pr) -> Result<bool, AwsError> {
    let rev = opt_str(v, "revisionId")?.ok_or_else(|| {
        cc(
            "RevisionIdRequiredException",
            "A revision ID is required, but was not provided.",
        )
    })?;
    if rev == pr.revision {
        Ok(true)
    } else if pr.revisions.iter().any(|r| r == rev) {
        Ok(false)
    } else {
        Err(cc(
            "InvalidRevisionIdException",
            "The revision ID is not valid. Use GetPullRequest to determine the value.",
        ))
    }
}

fn current_revision(v: &Value, pr: &Pr) -> Result<(), AwsError> {
    if revision_of(v, pr)? {
        Ok(())
    } else {
        Err(cc(
            "RevisionNotCurrentException",
            "The revision ID provided in the request does not match the current revision ID. Use GetPullRequest to retrieve the current revision ID.",
        ))
    }
}

fn check_title(t: Option<&str>) -> Result<String, AwsError> {
    let t = t.ok_or_else(|| {
        cc(
            "TitleRequiredException",
            "A pull request title is required. It cannot be empty or null.",
        )
    })?;
    if t.chars().count() > 150 {
        return Err(cc(
            "InvalidTitleException",
            "The title of the pull request is not valid. Pull request titles cannot exceed 100 characters in length.",
        ));
    }
    Ok(t.to_owned())
}

fn check_description(d: Option<&str>) -> Result<Option<String>, AwsError> {
    match d {
        Some(d) if d.chars().count() > 10_240 => Err(cc(
            "InvalidDescriptionException",
            "The pull request description is not valid. Descriptions cannot be more than 1,000 characters.",
        )),
        d => Ok(d.map(str::to_owned)),
    }
}

impl Pulls {
    fn with<R>(&self, scope: &Scope, f: impl FnOnce(&mut Numbered) -> R) -> R {
        let mut all = self.scopes.lock().unwrap_or_else(|p| p.into_inner());
        f(all.entry(scope.clone()).or_default())
    }

    fn with_pr<R>(
        &self,
        scope: &Scope,
        id: u64,
        f: impl FnOnce(&mut Pr) -> Result<R, AwsError>,
    ) -> Result<R, AwsError> {
        self.with(scope, |n| match n.prs.get_mut(&id) {
            Some(pr) => f(pr),
            None => Err(missing_pr()),
        })
    }
}

/// Makes the world's pull requests of a scope, once, on the first pull-request call there.
async fn seed(app: &App, scope: &Scope) -> Result<(), AwsError> {
    if app.pulls.with(scope, |n| n.seeded) {
        return Ok(());
    }
    let inst = app.state.instance(scope.0).clone();
    let decls: Vec<&PullRequestDecl> = inst
        .pull_requests
        .iter()
        .filter(|p| p.account == scope.1 && p.region == scope.2)
        .collect();
    let mut made = vec![];
    for d in decls {
        let Some((dir, default_branch)) = repo_dir(app, scope, &d.repository).await? else {
            continue;
        };
        let source_ref = full_ref(&d.source);
        let dest_ref = full_ref(d.destination.as_deref().unwrap_or(&default_branch));
        let (Some(source), Some(dest)) = (tip(&dir, &source_ref).await, tip(&dir, &dest_ref).await)
        else {
            continue;
        };
        let base = git(&dir, &["merge-base", &source, &dest])
            .await
            .unwrap_or_default();
        let at = now() - d.age_hours * 3600.0;
        let author = session_arn(&inst, &scope.1, &d.author.role, &d.author.user);
        let revision = new_revision();
        let rules = d
            .rules
            .iter()
            .map(|r| Rule {
                id: uuid(),
                name: r.name.clone(),
                content: content_of(r),
                created: at,
                modified: at,
                user: author.clone(),
                origin: None,
            })
            .collect();
        let approvers: Vec<String> = d
            .approvals
            .iter()
            .map(|p| session_arn(&inst, &scope.1, &p.role, &p.user))
            .collect();
        let pr = Pr {
            id: 0,
            repo: d.repository.clone(),
            title: d.title.clone(),
            description: d.description.clone(),
            author: author.clone(),
            created: at,
            last_activity: at,
            open: d.open,
            source_ref,
            dest_ref,
            source_commit: source.clone(),
            dest_commit: dest.clone(),
            merge_base: base.clone(),
            token: String::new(),
            revision: revision.clone(),
            revisions: vec![revision.clone()],
            rules,
            approvals: HashMap::from([(revision, approvers)]),
            overridden: None,
            merged: None,
            comments: vec![],
            events: vec![json!({
                "eventDate": at,
                "pullRequestEventType": "PULL_REQUEST_CREATED",
                "actorArn": author,
                "pullRequestCreatedEventMetadata": {
                    "repositoryName": d.repository,
                    "sourceCommitId": source,
                    "destinationCommitId": dest,
                    "mergeBase": base,
                },
            })],
        };
        made.push(pr);
    }
    app.pulls.with(scope, |n| {
        if n.seeded {
            return;
        }
        n.seeded = true;
        for mut pr in made {
            n.last_id += 1;
            pr.id = n.last_id;
            for e in &mut pr.events {
                e["pullRequestId"] = json!(pr.id.to_string());
            }
            n.prs.insert(pr.id, pr);
        }
    });
    Ok(())
}

/// The repository's folder (made if needed) and default branch; `None` when it does not exist.
async fn repo_dir(
    app: &App,
    scope: &Scope,
    name: &str,
) -> Result<Option<(std::path::PathBuf, String)>, AwsError> {
    let Some(meta) = app.state.repository(scope.0, &scope.1, &scope.2, name) else {
        return Ok(None);
    };
    let key: RepoKey = (scope.0, scope.1.clone(), scope.2.clone(), name.to_owned());
    let dir = app.git.ensure(&key, &meta).await.map_err(|e| {
        cc(
            "InternalFailure",
            format!("could not prepare the repository: {e}"),
        )
    })?;
    Ok(Some((dir, meta.decl.default_branch.clone())))
}

fn check_repository_name(n: Option<&str>) -> Result<&str, AwsError> {
    let n = n.ok_or_else(|| {
        cc(
            "RepositoryNameRequiredException",
            "A repository name is required, but was not specified.",
        )
    })?;
    if !valid_repository_name(n) {
        return Err(cc(
            "InvalidRepositoryNameException",
            format!("The repository name {n:?} is not valid."),
        ));
    }
    Ok(n)
}

fn repository_missing(n: &str) -> AwsError {
    cc(
        "RepositoryDoesNotExistException",
        format!("{n} does not exist"),
    )
}

/// Answers one pull-request operation for a verified caller.
pub async fn handle(
    app: &App,
    caller: &Caller,
    op: &str,
    body: &[u8],
) -> Result<Option<Value>, AwsError> {
    let v: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|e| {
            cc(
                "SerializationException",
                format!("Malformed request body: {e}"),
            )
        })?
    };
    if !v.is_object() {
        return Err(cc(
            "SerializationException",
            "The request body must be a JSON object",
        ));
    }
    let scope: Scope = (
        caller.instance,
        caller.account.clone(),
        caller.region.clone(),
    );
    seed(app, &scope).await?;
    let me = caller.arn(app);
    let pulls = &app.pulls;
    let out = match op {
        "CreatePullRequest" => Some(create(app, &scope, &me, &v).await?),
        "ListPullRequests" => {
            let repo = check_repository_name(opt_str(&v, "repositoryName")?)?;
            if app
                .state
                .repository(scope.0, &scope.1, &scope.2, repo)
                .is_none()
            {
                return Err(repository_missing(repo));
            }
            let status = match opt_str(&v, "pullRequestStatus")? {
                None => None,
                Some("OPEN") => Some(true),
                Some("CLOSED") => Some(false),
                Some(_) => {
                    return Err(cc(
                        "InvalidPullRequestStatusException",
                        "The pull request status is not valid. The only valid values are OPEN and CLOSED.",
                    ));
                }
            };
            let author = opt_str(&v, "authorArn")?;
            if let Some(a) = author {
                let parts: Vec<&str> = a.splitn(6, ':').collect();
                if parts.len() != 6 || parts[0] != "arn" {
                    return Err(cc(
                        "InvalidAuthorArnException",
                        "The Amazon Resource Name (ARN) is not valid. Make sure that you have provided the full ARN for the author of the pull request, and then try again.",
                    ));
                }
                if parts[4] != scope.1 {
                    return Err(cc(
                        "AuthorDoesNotExistException",
                        "The specified Amazon Resource Name (ARN) does not exist in the Amazon Web Services account.",
                    ));
                }
            }
            let max = max_results(&v, 100, 1000)?;
            let mut found: Vec<(f64, u64)> = pulls.with(&scope, |n| {
                n.prs
                    .values()
                    .filter(|p| p.repo == repo)
                    .filter(|p| status.is_none_or(|o| p.open == o))
                    .filter(|p| author.is_none_or(|a| p.author == a))
                    .map(|p| (p.last_activity, p.id))
                    .collect()
            });
            // Most recent activity first (ug how-to-view-pull-request).
            found.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
            let ids: Vec<String> = found.iter().map(|(_, id)| id.to_string()).collect();
            let (ids, next) = page(&ids, start_of(&v, ids.len())?, max);
            let mut out = json!({"pullRequestIds": ids});
            if let Some(n) = next {
                out["nextToken"] = json!(n);
            }
            Some(out)
        }
        "GetPullRequest" => {
            let id = pr_id(&v)?;
            Some(json!({"pullRequest": pulls.with_pr(&scope, id, |p| Ok(p.to_json()))?}))
        }
        "GetPullRequestApprovalStates" => {
            let id = pr_id(&v)?;
            pulls.with_pr(&scope, id, |p| {
                revision_of(&v, p)?;
                let rev = str_field(&v, "revisionId").unwrap_or_default();
                let approvals: Vec<Value> = p
                    .approvals
                    .get(rev)
                    .map(|a| {
                        a.iter()
                            .map(|arn| json!({"userArn": arn, "approvalState": "APPROVE"}))
                            .collect()
                    })
                    .unwrap_or_default();
                Ok(Some(json!({"approvals": approvals})))
            })?
        }
        "EvaluatePullRequestApprovalRules" => {
            let id = pr_id(&v)?;
            pulls.with_pr(&scope, id, |p| {
                current_revision(&v, p)?;
                let (yes, no) = p.evaluate();
                let overridden = p.overridden_now();
                Ok(Some(json!({"evaluation": {
                    "approved": overridden || no.is_empty(),
                    "overridden": overridden,
                    "approvalRulesSatisfied": yes,
                    "approvalRulesNotSatisfied": no,
                }})))
            })?
        }
        "GetPullRequestOverrideState" => {
            let id = pr_id(&v)?;
            pulls.with_pr(&scope, id, |p| {
                revision_of(&v, p)?;
                let rev = str_field(&v, "revisionId").unwrap_or_default();
                let mut out = json!({"overridden": false});
                if let Some((r, who)) = &p.overridden
                    && r == rev
                {
                    out = json!({"overridden": true, "overrider": who});
                }
                Ok(Some(out))
            })?
        }
        "DescribePullRequestEvents" => {
            let id = pr_id(&v)?;
            const KINDS: &[&str] = &[
                "PULL_REQUEST_CREATED",
                "PULL_REQUEST_STATUS_CHANGED",
                "PULL_REQUEST_SOURCE_REFERENCE_UPDATED",
                "PULL_REQUEST_MERGE_STATE_CHANGED",
                "PULL_REQUEST_APPROVAL_RULE_CREATED",
                "PULL_REQUEST_APPROVAL_RULE_UPDATED",
                "PULL_REQUEST_APPROVAL_RULE_DELETED",
                "PULL_REQUEST_APPROVAL_RULE_OVERRIDDEN",
                "PULL_REQUEST_APPROVAL_STATE_CHANGED",
            ];
            let kind = opt_str(&v, "pullRequestEventType")?;
            if kind.is_some_and(|k| !KINDS.contains(&k)) {
                return Err(cc(
                    "InvalidPullRequestEventTypeException",
                    "The pull request event type is not valid.",
                ));
            }
            let actor = opt_str(&v, "actorArn")?;
            if actor.is_some_and(|a| !a.starts_with("arn:")) {
                return Err(cc(
                    "InvalidActorArnException",
                    "The Amazon Resource Name (ARN) is not valid. Make sure that you have provided the full ARN for the user who initiated the change for the pull request, and then try again.",
                ));
            }
            let max = max_results(&v, 100, 100)?;
            let events = pulls.with_pr(&scope, id, |p| {
                Ok(p.events
                    .iter()
                    .filter(|e| kind.is_none_or(|k| e["pullRequestEventType"] == k))
                    .filter(|e| actor.is_none_or(|a| e["actorArn"] == a))
                    .cloned()
                    .collect::<Vec<_>>())
            })?;
            let (events, next) = page(&events, start_of(&v, events.len())?, max);
            let mut out = json!({"pullRequestEvents": events});
            if let Some(n) = next {
                out["nextToken"] = json!(n);
            }
            Some(out)
        }
        "UpdatePullRequestApprovalState" => {
            let id = pr_id(&v)?;
            let state = match opt_str(&v, "approvalState")? {
                None => {
                    return Err(cc(
                        "ApprovalStateRequiredException",
                        "An approval state must be specified.",
                    ));
                }
                Some(s @ ("APPROVE" | "REVOKE")) => s,
                Some(_) => {
                    return Err(cc(
                        "InvalidApprovalStateException",
                        "The state for the approval is not valid. Valid values include APPROVE and REVOKE.",
                    ));
                }
            };
            pulls.with_pr(&scope, id, |p| {
                revision_of(&v, p)?;
                if !p.open {
                    return Err(closed());
                }
                current_revision(&v, p)?;
                if p.author == me {
                    return Err(cc(
                        "PullRequestCannotBeApprovedByAuthorException",
                        "The approval cannot be applied because the user approving the pull request matches the user who created the pull request. You cannot approve a pull request that you created.",
                    ));
                }
                let rev = p.revision.clone();
                let list = p.approvals.entry(rev.clone()).or_default();
                if state == "APPROVE" {
                    if !list.contains(&me) {
                        if list.len() >= 200 {
                            return Err(cc(
                                "MaximumNumberOfApprovalsExceededException",
                                "The number of approvals required for the approval rule exceeds the maximum number allowed.",
                            ));
                        }
                        list.push(me.clone());
                    }
                } else {
                    list.retain(|a| *a != me);
                }
                p.event(
                    "PULL_REQUEST_APPROVAL_STATE_CHANGED",
                    &me,
                    (
                        "approvalStateChangedEventMetadata",
                        json!({"revisionId": rev, "approvalStatus": state}),
                    ),
                );
                Ok(())
            })?;
            None
        }
        "UpdatePullRequestStatus" => {
            let id = pr_id(&v)?;
            let open = match opt_str(&v, "pullRequestStatus")? {
                None => {
                    return Err(cc(
                        "PullRequestStatusRequiredException",
                        "A pull request status is required, but none was provided.",
                    ));
                }
                Some("OPEN") => true,
                Some("CLOSED") => false,
                Some(_) => {
                    return Err(cc(
                        "InvalidPullRequestStatusException",
                        "The pull request status is not valid. The only valid values are OPEN and CLOSED.",
                    ));
                }
            };
            Some(pulls.with_pr(&scope, id, |p| {
                match (p.open, open) {
                    (false, true) => {
                        return Err(cc(
                            "InvalidPullRequestStatusUpdateException",
                            "The pull request status update is not valid. The only valid update is from OPEN to CLOSED.",
                        ));
                    }
                    (true, false) => p.close(&me),
                    _ => {}
                }
                Ok(json!({"pullRequest": p.to_json()}))
            })?)
        }
        "UpdatePullRequestTitle" => {
            let id = pr_id(&v)?;
            let title = check_title(opt_str(&v, "title")?)?;
            Some(pulls.with_pr(&scope, id, |p| {
                if !p.open {
                    return Err(closed());
                }
                p.title = title;
                p.last_activity = now();
                Ok(json!({"pullRequest": p.to_json()}))
            })?)
        }
        "UpdatePullRequestDescription" => {
            let id = pr_id(&v)?;
            let d = match v.get("description") {
                Some(Value::String(s)) => s.as_str(),
                Some(Value::Null) | None => {
                    return Err(cc(
                        "InvalidDescriptionException",
                        "The pull request description is not valid.",
                    ));
                }
                Some(_) => return Err(not_string("description")),
            };
            let d = check_description(Some(d))?;
            Some(pulls.with_pr(&scope, id, |p| {
                if !p.open {
                    return Err(closed());
                }
                p.description = d;
                p.last_activity = now();
                Ok(json!({"pullRequest": p.to_json()}))
            })?)
        }
        "CreatePullRequestApprovalRule" => {
            let id = pr_id(&v)?;
            let name = opt_str(&v, "approvalRuleName")?.ok_or_else(|| {
                cc(
                    "ApprovalRuleNameRequiredException",
                    "An approval rule name is required, but was not specified.",
                )
            })?;
            if name.chars().count() > 100 {
                return Err(cc(
                    "InvalidApprovalRuleNameException",
                    "The name for the approval rule is not valid.",
                ));
            }
            let content = opt_str(&v, "approvalRuleContent")?.ok_or_else(|| {
                cc(
                    "ApprovalRuleContentRequiredException",
                    "The content for the approval rule is empty. You must provide some content for an approval rule. The content cannot be null.",
                )
            })?;
            if content.chars().count() > 3000 || parse_content(content).is_none() {
                return Err(cc(
                    "InvalidApprovalRuleContentException",
                    "The content for the approval rule is not valid.",
                ));
            }
            Some(pulls.with_pr(&scope, id, |p| {
                if !p.open {
                    return Err(closed());
                }
                if p.rules.iter().any(|r| r.name == name) {
                    return Err(cc(
                        "ApprovalRuleNameAlreadyExistsException",
                        "An approval rule with that name already exists. Approval rule names must be unique within the scope of a pull request.",
                    ));
                }
                if p.rules.len() >= 30 {
                    return Err(cc(
                        "NumberOfRulesExceededException",
                        "The approval rule cannot be added. The pull request has the maximum number of approval rules associated with it.",
                    ));
                }
                let at = now();
                let rule = Rule {
                    id: uuid(),
                    name: name.to_owned(),
                    content: content.to_owned(),
                    created: at,
                    modified: at,
                    user: me.clone(),
                    origin: None,
                };
                p.event(
                    "PULL_REQUEST_APPROVAL_RULE_CREATED",
                    &me,
                    (
                        "approvalRuleEventMetadata",
                        json!({"approvalRuleName": rule.name, "approvalRuleId": rule.id, "approvalRuleContent": rule.content}),
                    ),
                );
                let out = rule.to_json();
                p.rules.push(rule);
                Ok(json!({"approvalRule": out}))
            })?)
        }
        "OverridePullRequestApprovalRules" => {
            let id = pr_id(&v)?;
            let status = match opt_str(&v, "overrideStatus")? {
                None => {
                    return Err(cc(
                        "OverrideStatusRequiredException",
                        "An override status is required, but no value was provided. Valid values include OVERRIDE and REVOKE.",
                    ));
                }
                Some(s @ ("OVERRIDE" | "REVOKE")) => s,
                Some(_) => {
                    return Err(cc(
                        "InvalidOverrideStatusException",
                        "The override status is not valid. Valid statuses are OVERRIDE and REVOKE.",
                    ));
                }
            };
            pulls.with_pr(&scope, id, |p| {
                revision_of(&v, p)?;
                if !p.open {
                    return Err(closed());
                }
                current_revision(&v, p)?;
                let set = p.overridden_now();
                if status == "OVERRIDE" {
                    if set {
                        return Err(cc(
                            "OverrideAlreadySetException",
                            "The pull request has already had its approval rules set to override.",
                        ));
                    }
                    p.overridden = Some((p.revision.clone(), me.clone()));
                } else {
                    p.overridden = None;
                }
                let rev = p.revision.clone();
                p.event(
                    "PULL_REQUEST_APPROVAL_RULE_OVERRIDDEN",
                    &me,
                    (
                        "approvalRuleOverriddenEventMetadata",
                        json!({"revisionId": rev, "overrideStatus": status}),
                    ),
                );
                Ok(())
            })?;
            None
        }
        "MergePullRequestByFastForward"
        | "MergePullRequestBySquash"
        | "MergePullRequestByThreeWay" => Some(merge(app, &scope, &me, op, &v).await?),
        "GetMergeOptions" | "GetMergeConflicts" => Some(merge_check(app, &scope, op, &v).await?),
        "PostCommentForPullRequest" => Some(post_comment(app, &scope, &me, &v)?),
        "GetCommentsForPullRequest" => Some(comments(app, &scope, &v)?),
        "UpdatePullRequestApprovalRuleContent" | "DeletePullRequestApprovalRule" => {
            Some(edit_rule(app, &scope, &me, op, &v)?)
        }
        _ if op.contains("ApprovalRuleTemplate") => templates(app, &scope, &me, op, &v)?,
        _ => {
            return Err(cc(
                "UnknownOperationException",
                format!("Unknown operation {op:?}"),
            ));
        }
    };
    Ok(out)
}

/// CreatePullRequest (PROTOCOL.md §11.2.2, §11.5).
async fn create(app: &App, scope: &Scope, me: &str, v: &Value) -> Result<Value, AwsError> {
    let title = check_title(opt_str(v, "title")?)?;
    let description = check_description(opt_str(v, "description")?)?;
    let targets = match v.get("targets") {
        None | Some(Value::Null) => {
            return Err(cc(
                "TargetsRequiredException",
                "An array of target objects is required. It cannot be empty or null.",
            ));
        }
        Some(Value::Array(t)) => t,
        Some(_) => {
            return Err(cc(
                "InvalidTargetsException",
                "The targets for the pull request is not valid or not in a valid format.",
            ));
        }
    };
    let target = match targets.as_slice() {
        [] => {
            return Err(cc(
                "TargetsRequiredException",
                "An array of target objects is required. It cannot be empty or null.",
            ));
        }
        [t] => t,
        _ => {
            return Err(cc(
                "MultipleRepositoriesInPullRequestException",
                "You cannot include more than one repository in a pull request.",
            ));
        }
    };
    if !target.is_object() {
        return Err(cc(
            "InvalidTargetException",
            "The target for the pull request is not valid.",
        ));
    }
    let repo = check_repository_name(opt_str(target, "repositoryName")?)?.to_owned();
    let source = opt_str(target, "sourceReference")?.ok_or_else(|| {
        cc(
            "ReferenceNameRequiredException",
            "A reference name is required, but none was provided.",
        )
    })?;
    let token = opt_str(v, "clientRequestToken")?.map(str::to_owned);
    // Idempotency: the same token with the same request answers the same pull request.
    let digest = sha256_hex(&json!([title, description, target]).to_string());
    if let Some(t) = &token {
        let seen = app.pulls.with(scope, |n| n.tokens.get(t).cloned());
        if let Some((d, id)) = seen {
            if d != digest {
                return Err(cc(
                    "IdempotencyParameterMismatchException",
                    "The client request token is not valid. Either the token is not in a valid format, or the token has been used in a previous request and cannot be reused.",
                ));
            }
            return app
                .pulls
                .with_pr(scope, id, |p| Ok(json!({"pullRequest": p.to_json()})));
        }
    }
    let Some((dir, default_branch)) = repo_dir(app, scope, &repo).await? else {
        return Err(repository_missing(&repo));
    };
    let check_ref = |r: &str| -> Result<String, AwsError> {
        if !valid_ref_name(r) {
            return Err(cc(
                "InvalidReferenceNameException",
                format!("The reference name {r:?} is not valid."),
            ));
        }
        let full = full_ref(r);
        if !full.starts_with("refs/heads/") {
            return Err(cc(
                "ReferenceTypeNotSupportedException",
                "The specified reference is not a supported type. Only branches are supported.",
            ));
        }
        Ok(full)
    };
    let source_ref = check_ref(source)?;
    let dest_ref = match opt_str(target, "destinationReference")? {
        Some(d) => check_ref(d)?,
        None => full_ref(&default_branch),
    };
    if source_ref == dest_ref {
        return Err(cc(
            "SourceAndDestinationAreSameException",
            "The source branch and destination branch for the pull request are the same. You must specify different branches for the source and destination.",
        ));
    }
    let missing = |r: &str| {
        cc(
            "ReferenceDoesNotExistException",
            format!("The specified reference {r} does not exist."),
        )
    };
    let source_commit = tip(&dir, &source_ref)
        .await
        .ok_or_else(|| missing(&source_ref))?;
    let dest_commit = tip(&dir, &dest_ref)
        .await
        .ok_or_else(|| missing(&dest_ref))?;
    let base = git(&dir, &["merge-base", &source_commit, &dest_commit])
        .await
        .unwrap_or_default();
    let at = now();
    let revision = new_revision();
    let mut pr = Pr {
        id: 0,
        repo: repo.clone(),
        title,
        description,
        author: me.to_owned(),
        created: at,
        last_activity: at,
        open: true,
        source_ref,
        dest_ref,
        source_commit: source_commit.clone(),
        dest_commit: dest_commit.clone(),
        merge_base: base.clone(),
        token: token.clone().unwrap_or_default(),
        revision: revision.clone(),
        revisions: vec![revision],
        rules: vec![],
        approvals: HashMap::new(),
        overridden: None,
        events: vec![],
        merged: None,
        comments: vec![],
    };
    app.pulls.with(scope, |n| {
        // Rules from the templates associated with the repository whose branches match.
        pr.rules = n
            .templates
            .values()
            .filter(|t| t.repositories.contains(&repo) && t.applies_to(&pr.dest_ref))
            .map(|t| Rule {
                id: uuid(),
                name: t.name.clone(),
                content: t.content.clone(),
                created: at,
                modified: at,
                user: me.to_owned(),
                origin: Some((t.id.clone(), t.name.clone())),
            })
            .collect();
        if n.prs.values().filter(|p| p.open && p.repo == repo).count() >= 1000 {
            return Err(cc(
                "MaximumOpenPullRequestsExceededException",
                "You cannot create the pull request because the repository has too many open pull requests. The maximum number of open pull requests for a repository is 1,000.",
            ));
        }
        n.last_id += 1;
        pr.id = n.last_id;
        pr.event(
            "PULL_REQUEST_CREATED",
            me,
            (
                "pullRequestCreatedEventMetadata",
                json!({"repositoryName": repo, "sourceCommitId": source_commit, "destinationCommitId": dest_commit, "mergeBase": base}),
            ),
        );
        if let Some(t) = token {
            n.tokens.insert(t, (digest, pr.id));
        }
        let out = json!({"pullRequest": pr.to_json()});
        n.prs.insert(pr.id, pr);
        Ok(out)
    })
}

fn valid_commit_id(c: &str) -> bool {
    c.len() == 40 && c.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `conflictDetailLevel` and `conflictResolutionStrategy`, checked; returns the `-X` option the
/// strategy stands for (`None`: conflicts stay conflicts).
fn merge_strategy(v: &Value) -> Result<Option<&'static str>, AwsError> {
    match opt_str(v, "conflictDetailLevel")? {
        None | Some("FILE_LEVEL" | "LINE_LEVEL") => {}
        Some(_) => {
            return Err(cc(
                "InvalidConflictDetailLevelException",
                "The specified conflict detail level is not valid.",
            ));
        }
    }
    match opt_str(v, "conflictResolutionStrategy")? {
        None | Some("NONE" | "AUTOMERGE") => Ok(None),
        Some("ACCEPT_SOURCE") => Ok(Some("theirs")),
        Some("ACCEPT_DESTINATION") => Ok(Some("ours")),
        Some(_) => Err(cc(
            "InvalidConflictResolutionStrategyException",
            "The specified conflict resolution strategy is not valid.",
        )),
    }
}

/// A three-way merge of `source` into `dest` as git does it: the tree, and the conflicted paths.
async fn merge_tree(
    dir: &Path,
    dest: &str,
    source: &str,
    favour: Option<&str>,
) -> Result<(String, Vec<String>), AwsError> {
    let mut args = vec!["merge-tree", "--write-tree", "--name-only", "--no-messages"];
    let x;
    if let Some(f) = favour {
        x = format!("-X{f}");
        args.push(&x);
    }
    args.extend([dest, source]);
    let out = git_cmd(dir)
        .args(&args)
        .output()
        .await
        .map_err(|e| cc("InternalFailure", format!("git merge-tree: {e}")))?;
    // 0: clean, 1: conflicts; anything else is a failure of git itself.
    if !matches!(out.status.code(), Some(0 | 1)) {
        return Err(cc(
            "InternalFailure",
            String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let tree = lines.next().unwrap_or_default().to_owned();
    let conflicts: Vec<String> = lines.filter(|l| !l.is_empty()).map(str::to_owned).collect();
    Ok((tree, conflicts))
}

async fn is_ancestor(dir: &Path, a: &str, b: &str) -> bool {
    git_cmd(dir)
        .args(["merge-base", "--is-ancestor", a, b])
        .status()
        .await
        .is_ok_and(|s| s.success())
}

fn manual_merge() -> AwsError {
    cc(
        "ManualMergeRequiredException",
        "The pull request cannot be merged automatically into the destination branch. You must manually merge the branches and resolve any conflicts.",
    )
}

/// MergePullRequestByFastForward, BySquash and ByThreeWay (PROTOCOL.md §11.2.3).
async fn merge(app: &App, scope: &Scope, me: &str, op: &str, v: &Value) -> Result<Value, AwsError> {
    let id = pr_id(v)?;
    let repo = check_repository_name(opt_str(v, "repositoryName")?)?.to_owned();
    let wanted = opt_str(v, "sourceCommitId")?;
    if wanted.is_some_and(|c| !valid_commit_id(c)) {
        return Err(cc(
            "InvalidCommitIdException",
            "The specified commit ID is not valid.",
        ));
    }
    let (option, favour) = match op {
        "MergePullRequestByFastForward" => ("FAST_FORWARD_MERGE", None),
        "MergePullRequestBySquash" => ("SQUASH_MERGE", merge_strategy(v)?),
        _ => ("THREE_WAY_MERGE", merge_strategy(v)?),
    };
    if opt_str(v, "email")?.is_some_and(|e| !e.contains('@')) {
        return Err(cc(
            "InvalidEmailException",
            "The specified email address either contains one or more characters that are not allowed, or it exceeds the maximum number of characters allowed for an email address.",
        ));
    }
    if opt_str(v, "authorName")?.is_some_and(|n| n.chars().count() > 1024) {
        return Err(cc(
            "NameLengthExceededException",
            "The user name is not valid because it has exceeded the character limit for author names.",
        ));
    }
    if opt_str(v, "commitMessage")?.is_some_and(|m| m.len() > 100 * 1024) {
        return Err(cc(
            "CommitMessageLengthExceededException",
            "The commit message is too long. Provide a shorter string.",
        ));
    }
    if app
        .state
        .repository(scope.0, &scope.1, &scope.2, &repo)
        .is_none()
    {
        return Err(repository_missing(&repo));
    }
    let pr = app.pulls.with_pr(scope, id, |p| Ok(p.clone()))?;
    if pr.repo != repo {
        return Err(cc(
            "RepositoryNotAssociatedWithPullRequestException",
            "The repository does not contain any pull requests with that pull request ID. Use GetPullRequest to verify the correct repository name for the pull request ID.",
        ));
    }
    if !pr.open {
        return Err(closed());
    }
    if !pr.overridden_now() && !pr.evaluate().1.is_empty() {
        return Err(cc(
            "PullRequestApprovalRulesNotSatisfiedException",
            "The pull request cannot be merged because one or more approval rules applied to the pull request have conditions that have not been met.",
        ));
    }
    let Some((dir, _)) = repo_dir(app, scope, &repo).await? else {
        return Err(repository_missing(&repo));
    };
    let gone = |r: &str| {
        cc(
            "ReferenceDoesNotExistException",
            format!("The specified reference {r} does not exist."),
        )
    };
    let source = tip(&dir, &pr.source_ref)
        .await
        .ok_or_else(|| gone(&pr.source_ref))?;
    let dest = tip(&dir, &pr.dest_ref)
        .await
        .ok_or_else(|| gone(&pr.dest_ref))?;
    if wanted.is_some_and(|w| w != source) {
        return Err(cc(
            "TipOfSourceReferenceIsDifferentException",
            "The tip of the source branch in the destination repository does not match the tip of the source branch specified in your request. The pull request might have been updated. Make sure that you have the latest changes.",
        ));
    }
    let new_tip = if option == "FAST_FORWARD_MERGE" {
        if !is_ancestor(&dir, &dest, &source).await {
            return Err(manual_merge());
        }
        source.clone()
    } else {
        let (tree, conflicts) = merge_tree(&dir, &dest, &source, favour).await?;
        if !conflicts.is_empty() {
            return Err(manual_merge());
        }
        let user = me.rsplit('/').next().unwrap_or("codecommit");
        let name = opt_str(v, "authorName")?.unwrap_or(user).to_owned();
        let email = opt_str(v, "email")?
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{user}@users.codecommit.invalid"));
        // [inferred] AWS's default message is not documented.
        let message = opt_str(v, "commitMessage")?
            .map(str::to_owned)
            .unwrap_or_else(|| format!("Merge pull request {}: {}", pr.id, pr.title));
        let mut args = vec!["commit-tree", tree.as_str(), "-p", dest.as_str()];
        if option == "THREE_WAY_MERGE" {
            args.extend(["-p", source.as_str()]);
        }
        args.extend(["-m", message.as_str()]);
        let out = git_cmd(&dir)
            .args(&args)
            .env("GIT_AUTHOR_NAME", &name)
            .env("GIT_AUTHOR_EMAIL", &email)
            .env("GIT_COMMITTER_NAME", &name)
            .env("GIT_COMMITTER_EMAIL", &email)
            .output()
            .await
            .map_err(|e| cc("InternalFailure", format!("git commit-tree: {e}")))?;
        if !out.status.success() {
            return Err(cc(
                "InternalFailure",
                String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            ));
        }
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    // Compare-and-swap: a push that moved the destination meanwhile wins.
    if git(&dir, &["update-ref", &pr.dest_ref, &new_tip, &dest])
        .await
        .is_none()
    {
        return Err(cc(
            "ConcurrentReferenceUpdateException",
            "The merge cannot be completed because the target branch has been modified. Another user might have modified the target branch while the merge was in progress. Wait a few minutes, and then try again.",
        ));
    }
    let key: RepoKey = (scope.0, scope.1.clone(), scope.2.clone(), repo.clone());
    app.state.touch_repository(&key);
    let out = app.pulls.with_pr(scope, id, |p| {
        let meta = json!({
            "isMerged": true,
            "mergedBy": me,
            "mergeCommitId": new_tip,
            "mergeOption": option,
        });
        p.merged = Some(meta.clone());
        p.dest_commit = new_tip.clone();
        p.source_commit = source.clone();
        let dest_ref = p.dest_ref.clone();
        p.event(
            "PULL_REQUEST_MERGE_STATE_CHANGED",
            me,
            (
                "pullRequestMergedStateChangedEventMetadata",
                json!({"repositoryName": p.repo, "destinationReference": dest_ref, "mergeMetadata": meta}),
            ),
        );
        p.close(me);
        Ok(json!({"pullRequest": p.to_json()}))
    })?;
    // Other pull requests into the same branch see its new tip.
    after_push(app, &key, &dir, Some(me)).await;
    Ok(out)
}

/// GetMergeOptions and GetMergeConflicts between two commit specifiers.
async fn merge_check(app: &App, scope: &Scope, op: &str, v: &Value) -> Result<Value, AwsError> {
    let repo = check_repository_name(opt_str(v, "repositoryName")?)?.to_owned();
    let spec = |k: &str| -> Result<String, AwsError> {
        opt_str(v, k)?
            .map(str::to_owned)
            .ok_or_else(|| cc("CommitRequiredException", "A commit was not specified."))
    };
    let dest_spec = spec("destinationCommitSpecifier")?;
    let source_spec = spec("sourceCommitSpecifier")?;
    let merge_option = if op == "GetMergeConflicts" {
        match opt_str(v, "mergeOption")? {
            None => {
                return Err(cc(
                    "MergeOptionRequiredException",
                    "A merge option or stategy is required.",
                ));
            }
            Some(o @ ("FAST_FORWARD_MERGE" | "SQUASH_MERGE" | "THREE_WAY_MERGE")) => Some(o),
            Some(_) => {
                return Err(cc(
                    "InvalidMergeOptionException",
                    "The specified merge option is not valid for this operation. Not all merge strategies are supported for all operations.",
                ));
            }
        }
    } else {
        None
    };
    if op == "GetMergeConflicts" {
        match v.get("maxConflictFiles") {
            None | Some(Value::Null) => {}
            Some(n) if n.as_u64().is_some_and(|n| n >= 1) => {}
            Some(_) => {
                return Err(cc(
                    "InvalidMaxConflictFilesException",
                    "The specified value for the number of conflict files to return is not valid.",
                ));
            }
        }
        start_of(v, usize::MAX)?;
    }
    let favour = merge_strategy(v)?;
    let Some((dir, _)) = repo_dir(app, scope, &repo).await? else {
        return Err(repository_missing(&repo));
    };
    let resolve = |s: String| {
        let dir = dir.clone();
        async move {
            let r = if s.starts_with("refs/") || valid_commit_id(&s) || s == "HEAD" {
                s.clone()
            } else {
                format!("refs/heads/{s}")
            };
            match tip(&dir, &r).await {
                Some(c) => Ok(c),
                None => match tip(&dir, &s).await {
                    Some(c) => Ok(c),
                    None => Err(cc(
                        "CommitDoesNotExistException",
                        format!(
                            "The specified commit {s} does not exist or no longer exists in the repository."
                        ),
                    )),
                },
            }
        }
    };
    let dest = resolve(dest_spec).await?;
    let source = resolve(source_spec).await?;
    let base = git(&dir, &["merge-base", &source, &dest])
        .await
        .unwrap_or_default();
    let fast_forward = is_ancestor(&dir, &dest, &source).await;
    let (_, conflicts) = merge_tree(&dir, &dest, &source, favour).await?;
    if op == "GetMergeOptions" {
        let mut options = vec![];
        if fast_forward {
            options.push("FAST_FORWARD_MERGE");
        }
        if conflicts.is_empty() {
            options.extend(["SQUASH_MERGE", "THREE_WAY_MERGE"]);
        }
        return Ok(json!({
            "mergeOptions": options,
            "sourceCommitId": source,
            "destinationCommitId": dest,
            "baseCommitId": base,
        }));
    }
    let (mergeable, list) = if merge_option == Some("FAST_FORWARD_MERGE") {
        // Always empty for fast-forward (model).
        (fast_forward, vec![])
    } else {
        let both = |x: Value| json!({"source": x, "destination": x, "base": x});
        let list: Vec<Value> = conflicts
            .iter()
            .map(|path| {
                json!({
                    "filePath": path,
                    "numberOfConflicts": 1,
                    "isBinaryFile": both(json!(false)),
                    "fileModes": both(json!("NORMAL")),
                    "objectTypes": both(json!("FILE")),
                    "contentConflict": true,
                    "fileModeConflict": false,
                    "objectTypeConflict": false,
                    "mergeOperations": {"source": "M", "destination": "M"},
                })
            })
            .collect();
        (conflicts.is_empty(), list)
    };
    let max = v
        .get("maxConflictFiles")
        .and_then(Value::as_u64)
        .unwrap_or(100) as usize;
    let (list, next) = page(&list, start_of(v, list.len())?, max);
    let mut out = json!({
        "mergeable": mergeable,
        "destinationCommitId": dest,
        "sourceCommitId": source,
        "baseCommitId": base,
        "conflictMetadataList": list,
    });
    if let Some(n) = next {
        out["nextToken"] = json!(n);
    }
    Ok(out)
}

/// PostCommentForPullRequest: a comment on the pull request's changes (`location`: on a line).
fn post_comment(app: &App, scope: &Scope, me: &str, v: &Value) -> Result<Value, AwsError> {
    let id = pr_id(v)?;
    let repo = check_repository_name(opt_str(v, "repositoryName")?)?.to_owned();
    let commit = |k: &str| -> Result<String, AwsError> {
        let c = opt_str(v, k)?.ok_or_else(|| {
            cc(
                "CommitIdRequiredException",
                "A commit ID was not specified.",
            )
        })?;
        if !valid_commit_id(c) {
            return Err(cc(
                "InvalidCommitIdException",
                "The specified commit ID is not valid.",
            ));
        }
        Ok(c.to_owned())
    };
    let before = commit("beforeCommitId")?;
    let after = commit("afterCommitId")?;
    if before == after {
        return Err(cc(
            "BeforeCommitIdAndAfterCommitIdAreSameException",
            "The before commit ID and the after commit ID are the same, which is not valid. The before commit ID and the after commit ID must be different commit IDs.",
        ));
    }
    let content = opt_str(v, "content")?.ok_or_else(|| cc("CommentContentRequiredException", "The comment is empty. You must provide some content for a comment. The content cannot be null."))?;
    if content.chars().count() > 10_240 {
        return Err(cc(
            "CommentContentSizeLimitExceededException",
            "The comment is too large. Comments are limited to 10,240 characters.",
        ));
    }
    let location = match v.get("location") {
        None | Some(Value::Null) => None,
        Some(l) => {
            if l.get("filePath")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                return Err(cc(
                    "PathRequiredException",
                    "The folderPath for a location cannot be null.",
                ));
            }
            if l.get("relativeFileVersion")
                .is_some_and(|r| r != "BEFORE" && r != "AFTER")
            {
                return Err(cc(
                    "InvalidRelativeFileVersionEnumException",
                    "Either the enum is not in a valid format, or the specified file version enum is not valid in respect to the current file version.",
                ));
            }
            if l.get("filePosition")
                .is_some_and(|p| p.as_i64().is_none_or(|p| p < 0))
            {
                return Err(cc(
                    "InvalidFilePositionException",
                    "The position is not valid. Make sure that the line number exists in the version of the file you want to comment on.",
                ));
            }
            Some(l.clone())
        }
    };
    let token = opt_str(v, "clientRequestToken")?
        .unwrap_or_default()
        .to_owned();
    if app
        .state
        .repository(scope.0, &scope.1, &scope.2, &repo)
        .is_none()
    {
        return Err(repository_missing(&repo));
    }
    app.pulls.with_pr(scope, id, |p| {
        if p.repo != repo {
            return Err(cc("RepositoryNotAssociatedWithPullRequestException", "The repository does not contain any pull requests with that pull request ID. Use GetPullRequest to verify the correct repository name for the pull request ID."));
        }
        if !token.is_empty()
            && let Some(c) = p.comments.iter().find(|c| c.token == token)
        {
            if c.content != content || c.before != before || c.after != after {
                return Err(cc("IdempotencyParameterMismatchException", "The client request token is not valid. Either the token is not in a valid format, or the token has been used in a previous request and cannot be reused."));
            }
            return Ok(comment_answer(p, c));
        }
        let c = Comment {
            id: uuid(),
            content: content.to_owned(),
            author: me.to_owned(),
            created: now(),
            before,
            after,
            location,
            token,
        };
        p.last_activity = c.created;
        let out = comment_answer(p, &c);
        p.comments.push(c);
        Ok(out)
    })
}

fn comment_json(c: &Comment) -> Value {
    json!({
        "commentId": c.id,
        "content": c.content,
        "creationDate": c.created,
        "lastModifiedDate": c.created,
        "authorArn": c.author,
        "deleted": false,
        "clientRequestToken": c.token,
        "callerReactions": [],
        "reactionCounts": {},
    })
}

fn comment_answer(p: &Pr, c: &Comment) -> Value {
    let mut out = json!({
        "repositoryName": p.repo,
        "pullRequestId": p.id.to_string(),
        "beforeCommitId": c.before,
        "afterCommitId": c.after,
        "comment": comment_json(c),
    });
    if let Some(l) = &c.location {
        out["location"] = l.clone();
    }
    out
}

/// GetCommentsForPullRequest: comments grouped by (before, after, location).
fn comments(app: &App, scope: &Scope, v: &Value) -> Result<Value, AwsError> {
    let id = pr_id(v)?;
    let repo = opt_str(v, "repositoryName")?;
    let before = opt_str(v, "beforeCommitId")?;
    let after = opt_str(v, "afterCommitId")?;
    if repo.is_some() != after.is_some() || before.is_some() && after.is_none() {
        return Err(cc(
            "CommitIdRequiredException",
            "A commit ID was not specified.",
        ));
    }
    if let Some(r) = repo {
        check_repository_name(Some(r))?;
    }
    let max = max_results(v, 100, 500)?;
    let groups = app.pulls.with_pr(scope, id, |p| {
        if repo.is_some_and(|r| r != p.repo) {
            return Err(cc("RepositoryNotAssociatedWithPullRequestException", "The repository does not contain any pull requests with that pull request ID. Use GetPullRequest to verify the correct repository name for the pull request ID."));
        }
        let mut groups: Vec<(String, Value)> = vec![];
        for c in p
            .comments
            .iter()
            .filter(|c| before.is_none_or(|b| c.before == b) && after.is_none_or(|a| c.after == a))
        {
            let key = format!("{}|{}|{}", c.before, c.after, c.location.clone().unwrap_or_default());
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, g)) => g["comments"].as_array_mut().expect("array").push(comment_json(c)),
                None => {
                    let mut g = json!({
                        "pullRequestId": p.id.to_string(),
                        "repositoryName": p.repo,
                        "beforeCommitId": c.before,
                        "afterCommitId": c.after,
                        "comments": [comment_json(c)],
                    });
                    if let Some(l) = &c.location {
                        g["location"] = l.clone();
                    }
                    groups.push((key, g));
                }
            }
        }
        Ok(groups.into_iter().map(|(_, g)| g).collect::<Vec<_>>())
    })?;
    let (groups, next) = page(&groups, start_of(v, groups.len())?, max);
    let mut out = json!({"commentsForPullRequestData": groups});
    if let Some(n) = next {
        out["nextToken"] = json!(n);
    }
    Ok(out)
}

/// UpdatePullRequestApprovalRuleContent and DeletePullRequestApprovalRule.
fn edit_rule(app: &App, scope: &Scope, me: &str, op: &str, v: &Value) -> Result<Value, AwsError> {
    let id = pr_id(v)?;
    let name = opt_str(v, "approvalRuleName")?
        .ok_or_else(|| {
            cc(
                "ApprovalRuleNameRequiredException",
                "An approval rule name is required, but was not specified.",
            )
        })?
        .to_owned();
    if name.chars().count() > 100 {
        return Err(cc(
            "InvalidApprovalRuleNameException",
            "The name for the approval rule is not valid.",
        ));
    }
    let update = op == "UpdatePullRequestApprovalRuleContent";
    let new = if update {
        let c = opt_str(v, "newRuleContent")?.ok_or_else(|| {
            cc(
                "ApprovalRuleContentRequiredException",
                "The content for the approval rule is empty. You must provide some content for an approval rule. The content cannot be null.",
            )
        })?;
        if c.chars().count() > 3000 || parse_content(c).is_none() {
            return Err(cc(
                "InvalidApprovalRuleContentException",
                "The content for the approval rule is not valid.",
            ));
        }
        Some(c.to_owned())
    } else {
        None
    };
    let sha = opt_str(v, "existingRuleContentSha256")?.map(str::to_owned);
    app.pulls.with_pr(scope, id, |p| {
        if !p.open {
            return Err(closed());
        }
        let Some(i) = p.rules.iter().position(|r| r.name == name) else {
            if update {
                return Err(cc(
                    "ApprovalRuleDoesNotExistException",
                    format!("The approval rule {name} does not exist."),
                ));
            }
            // Deleting a rule that is not there answers with an empty id.
            return Ok(json!({"approvalRuleId": ""}));
        };
        if p.rules[i].origin.is_some() {
            return Err(if update {
                cc(
                    "CannotModifyApprovalRuleFromTemplateException",
                    "The approval rule cannot be modified for the pull request because it was created by an approval rule template and applied to the pull request automatically.",
                )
            } else {
                cc(
                    "CannotDeleteApprovalRuleFromTemplateException",
                    "The approval rule cannot be deleted from the pull request because it was created by an approval rule template and applied to the pull request automatically.",
                )
            });
        }
        if let Some(content) = new {
            if sha.as_ref().is_some_and(|h| *h != sha256_hex(&p.rules[i].content)) {
                return Err(cc(
                    "InvalidRuleContentSha256Exception",
                    "The SHA-256 hash signature for the rule content is not valid.",
                ));
            }
            let rule = &mut p.rules[i];
            rule.content = content;
            rule.modified = now();
            rule.user = me.to_owned();
            let (out, meta) = (
                rule.to_json(),
                json!({"approvalRuleName": rule.name, "approvalRuleId": rule.id, "approvalRuleContent": rule.content}),
            );
            p.event(
                "PULL_REQUEST_APPROVAL_RULE_UPDATED",
                me,
                ("approvalRuleEventMetadata", meta),
            );
            Ok(json!({"approvalRule": out}))
        } else {
            let rule = p.rules.remove(i);
            p.event(
                "PULL_REQUEST_APPROVAL_RULE_DELETED",
                me,
                (
                    "approvalRuleEventMetadata",
                    json!({"approvalRuleName": rule.name, "approvalRuleId": rule.id}),
                ),
            );
            Ok(json!({"approvalRuleId": rule.id}))
        }
    })
}

fn template_name(v: &Value) -> Result<String, AwsError> {
    let n = opt_str(v, "approvalRuleTemplateName")?.ok_or_else(|| {
        cc(
            "ApprovalRuleTemplateNameRequiredException",
            "An approval rule template name is required, but was not specified.",
        )
    })?;
    if n.chars().count() > 100 {
        return Err(cc(
            "InvalidApprovalRuleTemplateNameException",
            "The name of the approval rule template is not valid. Template names must be between 1 and 100 valid characters in length.",
        ));
    }
    Ok(n.to_owned())
}

fn template_content(v: &Value, key: &str) -> Result<String, AwsError> {
    let c = opt_str(v, key)?.ok_or_else(|| {
        cc(
            "ApprovalRuleTemplateContentRequiredException",
            "The content for the approval rule template is empty. You must provide some content for an approval rule template. The content cannot be null.",
        )
    })?;
    if c.chars().count() > 3000 || parse_content(c).is_none() {
        return Err(cc(
            "InvalidApprovalRuleTemplateContentException",
            "The content of the approval rule template is not valid.",
        ));
    }
    Ok(c.to_owned())
}

fn no_template(name: &str) -> AwsError {
    cc(
        "ApprovalRuleTemplateDoesNotExistException",
        format!("The approval rule template {name} does not exist."),
    )
}

/// The approval rule template operations of one account and region (PROTOCOL.md §11.2.4).
fn templates(
    app: &App,
    scope: &Scope,
    me: &str,
    op: &str,
    v: &Value,
) -> Result<Option<Value>, AwsError> {
    let repo_exists = |n: &str| {
        app.state
            .repository(scope.0, &scope.1, &scope.2, n)
            .is_some()
    };
    match op {
        "CreateApprovalRuleTemplate" => {
            let name = template_name(v)?;
            let content = template_content(v, "approvalRuleTemplateContent")?;
            let description = opt_str(v, "approvalRuleTemplateDescription")?.unwrap_or_default();
            if description.chars().count() > 1000 {
                return Err(cc(
                    "InvalidApprovalRuleTemplateDescriptionException",
                    "The description for the approval rule template is not valid because it exceeds the maximum characters allowed for a description.",
                ));
            }
            app.pulls.with(scope, |n| {
                if n.templates.contains_key(&name) {
                    return Err(cc(
                        "ApprovalRuleTemplateNameAlreadyExistsException",
                        format!("An approval rule template with the name {name} already exists."),
                    ));
                }
                if n.templates.len() >= 1000 {
                    return Err(cc(
                        "NumberOfRuleTemplatesExceededException",
                        "The maximum number of approval rule templates has been exceeded for this Amazon Web Services Region.",
                    ));
                }
                let at = now();
                let t = Template {
                    id: uuid(),
                    name: name.clone(),
                    description: description.to_owned(),
                    content,
                    created: at,
                    modified: at,
                    user: me.to_owned(),
                    repositories: vec![],
                };
                let out = t.to_json();
                n.templates.insert(name, t);
                Ok(Some(json!({"approvalRuleTemplate": out})))
            })
        }
        "GetApprovalRuleTemplate" => {
            let name = template_name(v)?;
            app.pulls.with(scope, |n| {
                let t = n.templates.get(&name).ok_or_else(|| no_template(&name))?;
                Ok(Some(json!({"approvalRuleTemplate": t.to_json()})))
            })
        }
        "ListApprovalRuleTemplates" => {
            let max = max_results(v, 100, 100)?;
            let names: Vec<String> = app
                .pulls
                .with(scope, |n| n.templates.keys().cloned().collect());
            let (names, next) = page(&names, start_of(v, names.len())?, max);
            let mut out = json!({"approvalRuleTemplateNames": names});
            if let Some(t) = next {
                out["nextToken"] = json!(t);
            }
            Ok(Some(out))
        }
        "UpdateApprovalRuleTemplateContent" => {
            let name = template_name(v)?;
            let content = template_content(v, "newRuleContent")?;
            let sha = opt_str(v, "existingRuleContentSha256")?.map(str::to_owned);
            app.pulls.with(scope, |n| {
                let t = n
                    .templates
                    .get_mut(&name)
                    .ok_or_else(|| no_template(&name))?;
                if sha.is_some_and(|h| h != sha256_hex(&t.content)) {
                    return Err(cc(
                        "InvalidRuleContentSha256Exception",
                        "The SHA-256 hash signature for the rule content is not valid.",
                    ));
                }
                t.content = content;
                t.modified = now();
                t.user = me.to_owned();
                Ok(Some(json!({"approvalRuleTemplate": t.to_json()})))
            })
        }
        "DeleteApprovalRuleTemplate" => {
            let name = template_name(v)?;
            app.pulls.with(scope, |n| match n.templates.get(&name) {
                Some(t) if !t.repositories.is_empty() => Err(cc(
                    "ApprovalRuleTemplateInUseException",
                    "The approval rule template is associated with one or more repositories. You cannot delete a template that is associated with a repository. Remove all associations, and then try again.",
                )),
                Some(_) => {
                    let t = n.templates.remove(&name).expect("present");
                    Ok(Some(json!({"approvalRuleTemplateId": t.id})))
                }
                // Deleting one that is not there answers with an empty id.
                None => Ok(Some(json!({"approvalRuleTemplateId": ""}))),
            })
        }
        "AssociateApprovalRuleTemplateWithRepository"
        | "DisassociateApprovalRuleTemplateFromRepository" => {
            let name = template_name(v)?;
            let repo = check_repository_name(opt_str(v, "repositoryName")?)?.to_owned();
            if !repo_exists(&repo) {
                return Err(repository_missing(&repo));
            }
            let associate = op.starts_with("Associate");
            app.pulls.with(scope, |n| {
                let used = n
                    .templates
                    .values()
                    .filter(|t| t.repositories.contains(&repo))
                    .count();
                let t = n.templates.get_mut(&name).ok_or_else(|| no_template(&name))?;
                if associate {
                    if !t.repositories.contains(&repo) {
                        if used >= 25 {
                            return Err(cc(
                                "MaximumRuleTemplatesAssociatedWithRepositoryException",
                                "The maximum number of approval rule templates for a repository has been exceeded. You cannot associate more than 25 approval rule templates with a repository.",
                            ));
                        }
                        t.repositories.push(repo);
                    }
                } else {
                    t.repositories.retain(|r| *r != repo);
                }
                Ok(None)
            })
        }
        "BatchAssociateApprovalRuleTemplateWithRepositories" => {
            let name = template_name(v)?;
            let repos: Vec<String> = match v.get("repositoryNames") {
                Some(Value::Array(a)) if !a.is_empty() => a
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .map(str::to_owned)
                            .ok_or_else(|| not_string("repositoryNames"))
                    })
                    .collect::<Result<_, _>>()?,
                _ => {
                    return Err(cc(
                        "RepositoryNamesRequiredException",
                        "At least one repository name is required.",
                    ));
                }
            };
            if repos.len() > 100 {
                return Err(cc(
                    "MaximumRepositoryNamesExceededException",
                    "The maximum number of allowed repository names was exceeded. Currently, this number is 100.",
                ));
            }
            app.pulls.with(scope, |n| {
                if !n.templates.contains_key(&name) {
                    return Err(no_template(&name));
                }
                let (mut done, mut errors) = (vec![], vec![]);
                for r in repos {
                    if !repo_exists(&r) {
                        errors.push(json!({"repositoryName": r, "errorCode": "RepositoryDoesNotExistException", "errorMessage": format!("{r} does not exist")}));
                        continue;
                    }
                    let t = n.templates.get_mut(&name).expect("checked");
                    if !t.repositories.contains(&r) {
                        t.repositories.push(r.clone());
                    }
                    done.push(r);
                }
                Ok(Some(json!({"associatedRepositoryNames": done, "errors": errors})))
            })
        }
        "ListAssociatedApprovalRuleTemplatesForRepository" => {
            let repo = check_repository_name(opt_str(v, "repositoryName")?)?.to_owned();
            if !repo_exists(&repo) {
                return Err(repository_missing(&repo));
            }
            let max = max_results(v, 100, 100)?;
            let names: Vec<String> = app.pulls.with(scope, |n| {
                n.templates
                    .values()
                    .filter(|t| t.repositories.contains(&repo))
                    .map(|t| t.name.clone())
                    .collect()
            });
            let (names, next) = page(&names, start_of(v, names.len())?, max);
            let mut out = json!({"approvalRuleTemplateNames": names});
            if let Some(t) = next {
                out["nextToken"] = json!(t);
            }
            Ok(Some(out))
        }
        _ => Err(cc(
            "UnknownOperationException",
            format!("Unknown operation {op:?}"),
        )),
    }
}

/// After a push to a repository: an open pull request whose source branch moved gets a new
/// revision (earlier approvals stay on the old one); one whose branch is gone is closed.
pub async fn after_push(app: &App, key: &RepoKey, dir: &Path, pusher: Option<&str>) {
    let scope: Scope = (key.0, key.1.clone(), key.2.clone());
    let open: Vec<(u64, String, String)> = app.pulls.with(&scope, |n| {
        n.prs
            .values()
            .filter(|p| p.open && p.repo == key.3)
            .map(|p| (p.id, p.source_ref.clone(), p.dest_ref.clone()))
            .collect()
    });
    for (id, source_ref, dest_ref) in open {
        let source = tip(dir, &source_ref).await;
        let dest = tip(dir, &dest_ref).await;
        let base = match (&source, &dest) {
            (Some(s), Some(d)) => git(dir, &["merge-base", s, d]).await.unwrap_or_default(),
            _ => String::new(),
        };
        // Every commit of the source is in the destination: merged by a push (PROTOCOL.md §11.5).
        let merged_by_push = match (&source, &dest) {
            (Some(s), Some(d)) => git(dir, &["merge-base", "--is-ancestor", s, d])
                .await
                .is_some(),
            _ => false,
        };
        let _ = app.pulls.with_pr(&scope, id, |p| {
            let actor = pusher.map_or_else(|| p.author.clone(), str::to_owned);
            match (source, dest) {
                (Some(s), Some(d)) if merged_by_push => {
                    // No mergeOption: AWS does not say which it reports for a merge made in git.
                    let meta = json!({"isMerged": true, "mergedBy": actor, "mergeCommitId": d});
                    p.merged = Some(meta.clone());
                    p.source_commit = s;
                    p.dest_commit = d;
                    let dest_ref = p.dest_ref.clone();
                    p.event(
                        "PULL_REQUEST_MERGE_STATE_CHANGED",
                        &actor,
                        (
                            "pullRequestMergedStateChangedEventMetadata",
                            json!({"repositoryName": p.repo, "destinationReference": dest_ref, "mergeMetadata": meta}),
                        ),
                    );
                    p.close(&actor);
                }
                (Some(s), Some(d)) => {
                    p.dest_commit = d;
                    if s != p.source_commit {
                        let before = std::mem::replace(&mut p.source_commit, s.clone());
                        p.merge_base = base.clone();
                        p.revision = new_revision();
                        p.revisions.push(p.revision.clone());
                        p.event(
                            "PULL_REQUEST_SOURCE_REFERENCE_UPDATED",
                            &actor,
                            (
                                "pullRequestSourceReferenceUpdatedEventMetadata",
                                json!({"repositoryName": p.repo, "beforeCommitId": before, "afterCommitId": s, "mergeBase": base}),
                            ),
                        );
                    }
                }
                // A deleted source or destination branch closes the pull request.
                _ => p.close(&actor),
            }
            Ok(())
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_runs_across_slashes() {
        let arn = "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Developers_a1b2/alice";
        assert!(glob(
            "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Developers_*/*",
            arn
        ));
        assert!(glob("*", arn));
        assert!(!glob(
            "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_*/*",
            arn
        ));
        assert!(!glob("arn:aws:sts::111122223333:assumed-role/*/bob", arn));
        assert!(glob("a*b*c", "abbbc") && !glob("a*b*c", "abbb"));
    }

    #[test]
    fn approvers_pool_form_needs_the_account_and_the_name_pattern() {
        let arn = "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Dev_a1/alice@example.com";
        assert!(pool_member_matches(
            "CodeCommitApprovers:111122223333:*alice@example.com",
            arn
        ));
        assert!(pool_member_matches(
            "CodeCommitApprovers:111122223333:AWSReservedSSO_Dev_a1/alice@example.com",
            arn
        ));
        // The bare name does not match an assumed role (ug: write `*name` or `Role/name`).
        assert!(!pool_member_matches(
            "CodeCommitApprovers:111122223333:alice@example.com",
            arn
        ));
        assert!(!pool_member_matches(
            "CodeCommitApprovers:444455556666:*alice@example.com",
            arn
        ));
        assert!(pool_member_matches(
            "CodeCommitApprovers:111122223333:Mary_Major",
            "arn:aws:iam::111122223333:user/Mary_Major"
        ));
    }

    #[test]
    fn rule_content_is_checked() {
        assert!(parse_content("{\"Version\":\"2018-11-08\",\"Statements\":[{\"Type\":\"Approvers\",\"NumberOfApprovalsNeeded\":1}]}").is_some());
        for bad in [
            "not json",
            "{}",
            "{\"Statements\":[]}",
            "{\"Statements\":[{\"Type\":\"Approvers\",\"NumberOfApprovalsNeeded\":0}]}",
            "{\"Statements\":[{\"Type\":\"Other\",\"NumberOfApprovalsNeeded\":1}]}",
        ] {
            assert!(parse_content(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn evaluation_counts_distinct_approvers_in_the_pool() {
        let rule = |needed, pool: &[&str]| Rule {
            id: "r".into(),
            name: format!("{needed} of {}", pool.len()),
            content: content_of(&RuleDecl {
                name: String::new(),
                needed,
                pool: pool.iter().map(|s| s.to_string()).collect(),
            }),
            created: 0.0,
            modified: 0.0,
            user: String::new(),
            origin: None,
        };
        let devs = "arn:aws:sts::1:assumed-role/AWSReservedSSO_Dev_*/*";
        let mut pr = Pr {
            id: 1,
            repo: "r".into(),
            title: "t".into(),
            description: None,
            author: "a".into(),
            created: 0.0,
            last_activity: 0.0,
            open: true,
            source_ref: String::new(),
            dest_ref: String::new(),
            source_commit: String::new(),
            dest_commit: String::new(),
            merge_base: String::new(),
            token: String::new(),
            revision: "r1".into(),
            revisions: vec!["r1".into()],
            rules: vec![rule(2, &[devs]), rule(1, &[])],
            approvals: HashMap::new(),
            overridden: None,
            events: vec![],
            merged: None,
            comments: vec![],
        };
        assert_eq!(pr.evaluate().0.len(), 0);
        pr.approvals.insert(
            "r1".into(),
            vec![
                "arn:aws:sts::1:assumed-role/AWSReservedSSO_Dev_x/bob".into(),
                "arn:aws:sts::1:assumed-role/AWSReservedSSO_Admin_x/carol".into(),
            ],
        );
        assert_eq!(
            pr.evaluate(),
            (vec!["1 of 0".to_string()], vec!["2 of 1".to_string()])
        );
        pr.approvals
            .get_mut("r1")
            .unwrap()
            .push("arn:aws:sts::1:assumed-role/AWSReservedSSO_Dev_x/dave".into());
        assert_eq!(pr.evaluate().1.len(), 0);
        // Approvals on an earlier revision do not count on a new one.
        pr.revision = "r2".into();
        assert_eq!(pr.evaluate().1.len(), 2);
    }
}

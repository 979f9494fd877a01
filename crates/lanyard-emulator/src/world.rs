//! The declared world: Identity Center instances, their accounts, permission sets, users and
//! CodeCommit repositories. Read from TOML (`--world`), built in (`--demo`) or generated
//! (`--accounts N`). Everything here is immutable once the emulator starts; what clients create
//! at run time (tokens, new repositories) lives in `state`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

/// CodeCommit actions a permission set can grant (and the pull-request operations,
/// `pulls::OPERATIONS`).
pub const CODECOMMIT_ACTIONS: &[&str] = &[
    "ListRepositories",
    "BatchGetRepositories",
    "GetRepository",
    "CreateRepository",
    "GitPull",
    "GitPush",
];

/// The 29 regions CodeCommit is offered in (PROTOCOL.md §7.3).
pub const CODECOMMIT_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-south-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "cn-north-1",
    "cn-northwest-1",
    "us-gov-east-1",
    "us-gov-west-1",
];

/// A whole world file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct World {
    /// One entry per IAM Identity Center instance.
    #[serde(rename = "instance")]
    pub instances: Vec<Instance>,
}

/// One IAM Identity Center instance (one start URL).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    /// Short name; also the suggested sso-session name.
    pub name: String,
    /// The portal start URL clients configure.
    pub start_url: String,
    /// The instance's home region (`sso_region`).
    pub region: String,
    /// A company host name for the portal: the emulator answers `HEAD /vanity/{vanity}` (on both
    /// listeners) with a 302 to [`Instance::portal_url`], as a vanity domain does on AWS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vanity: Option<String>,
    /// Permission sets (roles) the instance defines.
    #[serde(rename = "permission_set", default)]
    pub permission_sets: Vec<PermissionSet>,
    /// AWS accounts in the organisation.
    #[serde(rename = "account", default)]
    pub accounts: Vec<Account>,
    /// People who can sign in; the first is the `--auto-approve` user.
    #[serde(rename = "user", default)]
    pub users: Vec<User>,
    /// CodeCommit repositories across the accounts.
    #[serde(rename = "repository", default)]
    pub repositories: Vec<Repository>,
    /// Pull requests open (or closed) on those repositories when the emulator starts.
    #[serde(
        rename = "pull_request",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub pull_requests: Vec<PullRequestDecl>,
}

/// A pull request the world starts with (PROTOCOL.md §11): written by a user through a permission
/// set, from one of the repository's branches, maybe with rules and other people's approvals.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequestDecl {
    /// Account id of the repository.
    pub account: String,
    /// Region of the repository.
    pub region: String,
    /// Repository name (declared in `repository`).
    pub repository: String,
    /// Title (at most 150 characters).
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Source branch (one of the repository's `branches`).
    pub source: String,
    /// Destination branch; the default branch when absent.
    #[serde(default)]
    pub destination: Option<String>,
    /// The author: a user name and the permission set they wrote it through.
    pub author: Person,
    /// Hours since it was opened.
    #[serde(default)]
    pub age_hours: f64,
    /// `false`: already closed.
    #[serde(default = "yes")]
    pub open: bool,
    /// Approval rules on the pull request.
    #[serde(default)]
    pub rules: Vec<RuleDecl>,
    /// Approvals already given on its revision.
    #[serde(default)]
    pub approvals: Vec<Person>,
}

fn yes() -> bool {
    true
}

/// A user acting through a permission set in the pull request's account.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// User name (the session name in the ARN).
    pub user: String,
    /// Permission set name.
    pub role: String,
}

/// An approval rule: `needed` approvals from `pool` (ARN globs or
/// `CodeCommitApprovers:<account>:<name>`; empty = anyone), PROTOCOL.md §11.4.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDecl {
    /// Rule name.
    pub name: String,
    /// `NumberOfApprovalsNeeded`.
    pub needed: u32,
    /// `ApprovalPoolMembers`.
    #[serde(default)]
    pub pool: Vec<String>,
}

/// A permission set and the CodeCommit actions its role may call.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionSet {
    /// The role name clients see (`roleName`).
    pub name: String,
    /// Allowed CodeCommit actions, or `["*"]`.
    #[serde(default)]
    pub codecommit: Vec<String>,
}

impl PermissionSet {
    /// Whether this role may perform a CodeCommit action.
    pub fn allows(&self, action: &str) -> bool {
        self.codecommit.iter().any(|a| a == "*" || a == action)
    }
}

/// An AWS account.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// 12-digit account id.
    pub id: String,
    /// Account name.
    pub name: String,
    /// Root email address.
    pub email: String,
}

/// A person who signs in through the consent page.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// User name.
    pub name: String,
    /// Explicit (account, permission sets) assignments.
    #[serde(default)]
    pub assignments: Vec<Assignment>,
    /// Permission sets assigned in every account.
    #[serde(default)]
    pub all_accounts: Vec<String>,
}

/// Permission sets assigned to a user in one account.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// Account id.
    pub account: String,
    /// Permission set names.
    pub permission_sets: Vec<String>,
}

/// A CodeCommit repository declared in the world.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repository {
    /// Owning account id.
    pub account: String,
    /// Region it lives in.
    pub region: String,
    /// Repository name (`[\w.-]+`).
    pub name: String,
    /// Free text; stored raw.
    #[serde(default)]
    pub description: Option<String>,
    /// Default branch.
    #[serde(default = "default_branch")]
    pub default_branch: String,
    /// Branches to create (the default branch is always created).
    #[serde(default)]
    pub branches: Vec<String>,
    /// Number of commits on the default branch.
    #[serde(default = "default_commits")]
    pub commits: u32,
    /// Extra incompressible data, in MiB, for clone benchmarks.
    #[serde(default)]
    pub size_mb: u32,
}

fn default_branch() -> String {
    "main".into()
}
fn default_commits() -> u32 {
    3
}

/// Why a world was refused.
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    /// Not valid TOML for this schema.
    #[error("world file {path}: {source}")]
    Parse {
        /// The file.
        path: String,
        /// What the TOML parser said.
        source: toml::de::Error,
    },
    /// Could not read the file.
    #[error("world file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Parsed, but inconsistent.
    #[error("world is inconsistent: {0}")]
    Invalid(String),
}

impl World {
    /// Reads and validates a TOML world file.
    pub fn from_file(path: &std::path::Path) -> Result<World, WorldError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| WorldError::Read {
            path: p.clone(),
            source,
        })?;
        Self::from_toml(&text).map_err(|e| match e {
            WorldError::Parse { source, .. } => WorldError::Parse { path: p, source },
            other => other,
        })
    }

    /// Parses and validates TOML text.
    pub fn from_toml(text: &str) -> Result<World, WorldError> {
        let world: World = toml::from_str(text).map_err(|source| WorldError::Parse {
            path: "<text>".into(),
            source,
        })?;
        world.validate()?;
        Ok(world)
    }

    /// Checks cross references (accounts, permission sets, regions, names).
    pub fn validate(&self) -> Result<(), WorldError> {
        let bad = |m: String| Err(WorldError::Invalid(m));
        if self.instances.is_empty() {
            return bad("no [[instance]]".into());
        }
        let mut urls = BTreeSet::new();
        for inst in &self.instances {
            if !urls.insert(normalize_start_url(&inst.start_url)) {
                return bad(format!("start URL {} is declared twice", inst.start_url));
            }
            if !inst.start_url.starts_with("https://") {
                return bad(format!("instance {}: start_url must be https", inst.name));
            }
            if inst.users.is_empty() {
                return bad(format!("instance {} has no [[instance.user]]", inst.name));
            }
            let accounts: BTreeSet<&str> = inst.accounts.iter().map(|a| a.id.as_str()).collect();
            if accounts.len() != inst.accounts.len() {
                return bad(format!("instance {}: duplicate account id", inst.name));
            }
            for a in &inst.accounts {
                if a.id.len() != 12 || !a.id.bytes().all(|b| b.is_ascii_digit()) {
                    return bad(format!("account id {:?} is not 12 digits", a.id));
                }
            }
            let sets: BTreeSet<&str> = inst
                .permission_sets
                .iter()
                .map(|p| p.name.as_str())
                .collect();
            for p in &inst.permission_sets {
                for a in &p.codecommit {
                    if a != "*"
                        && !CODECOMMIT_ACTIONS.contains(&a.as_str())
                        && !crate::pulls::OPERATIONS.contains(&a.as_str())
                    {
                        return bad(format!(
                            "permission set {}: unknown CodeCommit action {a:?}",
                            p.name
                        ));
                    }
                }
            }
            for u in &inst.users {
                for s in &u.all_accounts {
                    if !sets.contains(s.as_str()) {
                        return bad(format!("user {}: unknown permission set {s:?}", u.name));
                    }
                }
                for asg in &u.assignments {
                    if !accounts.contains(asg.account.as_str()) {
                        return bad(format!("user {}: unknown account {}", u.name, asg.account));
                    }
                    for s in &asg.permission_sets {
                        if !sets.contains(s.as_str()) {
                            return bad(format!("user {}: unknown permission set {s:?}", u.name));
                        }
                    }
                }
            }
            let mut repos = BTreeSet::new();
            for r in &inst.repositories {
                if !accounts.contains(r.account.as_str()) {
                    return bad(format!(
                        "repository {}: unknown account {}",
                        r.name, r.account
                    ));
                }
                if !CODECOMMIT_REGIONS.contains(&r.region.as_str()) {
                    return bad(format!(
                        "repository {}: {} is not a CodeCommit region",
                        r.name, r.region
                    ));
                }
                if !valid_repository_name(&r.name) {
                    return bad(format!(
                        "repository name {:?} is not [\\w.-]{{1,100}}",
                        r.name
                    ));
                }
                if !repos.insert((&r.account, &r.region, &r.name)) {
                    return bad(format!(
                        "repository {} declared twice in {} {}",
                        r.name, r.account, r.region
                    ));
                }
            }
            for pr in &inst.pull_requests {
                let what = format!("pull request {:?}", pr.title);
                let Some(repo) = inst.repositories.iter().find(|r| {
                    r.account == pr.account && r.region == pr.region && r.name == pr.repository
                }) else {
                    return bad(format!(
                        "{what}: no repository {} in {} {}",
                        pr.repository, pr.account, pr.region
                    ));
                };
                if !repo.branches.contains(&pr.source) {
                    return bad(format!(
                        "{what}: {} is not one of {}'s branches",
                        pr.source, repo.name
                    ));
                }
                if pr.title.is_empty() || pr.title.chars().count() > 150 {
                    return bad(format!("{what}: a title is 1 to 150 characters"));
                }
                let people = std::iter::once(&pr.author).chain(&pr.approvals);
                for p in people {
                    if !sets.contains(p.role.as_str()) {
                        return bad(format!("{what}: unknown permission set {:?}", p.role));
                    }
                }
                for r in &pr.rules {
                    if r.needed == 0 || r.pool.len() > 50 {
                        return bad(format!(
                            "{what}: rule {:?} needs 1 or more approvals from at most 50 pool members",
                            r.name
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The instance a start URL belongs to: its configured start URL or its AWS-owned portal
    /// URL (what a vanity URL resolves to). A vanity URL itself is not accepted, as on AWS.
    pub fn instance_by_start_url(&self, url: &str) -> Option<usize> {
        let want = normalize_start_url(url);
        self.instances.iter().position(|i| {
            normalize_start_url(&i.start_url) == want
                || normalize_start_url(&i.portal_url()) == want
        })
    }

    /// The instance whose `vanity` name is `name`.
    pub fn instance_by_vanity(&self, name: &str) -> Option<&Instance> {
        self.instances
            .iter()
            .find(|i| i.vanity.as_deref() == Some(name))
    }
}

impl Instance {
    /// The portal URL in AWS's `https://{id}.portal.{region}.app.aws` form; the id is derived
    /// from the instance's name so it is stable across runs.
    pub fn portal_url(&self) -> String {
        let digest = sha2::Sha256::digest(self.name.as_bytes());
        format!(
            "https://ssoins-{}.portal.{}.app.aws",
            hex::encode(&digest[..8]),
            self.region
        )
    }

    /// The roles a user has in an account, in declaration order.
    pub fn roles_of(&self, user: &str, account: &str) -> Vec<&PermissionSet> {
        let Some(u) = self.users.iter().find(|u| u.name == user) else {
            return vec![];
        };
        let mut names: Vec<&str> = u.all_accounts.iter().map(String::as_str).collect();
        for a in u.assignments.iter().filter(|a| a.account == account) {
            names.extend(a.permission_sets.iter().map(String::as_str));
        }
        self.permission_sets
            .iter()
            .filter(|p| names.contains(&p.name.as_str()))
            .collect()
    }

    /// The accounts in which a user has at least one role.
    pub fn accounts_of(&self, user: &str) -> Vec<&Account> {
        let Some(u) = self.users.iter().find(|u| u.name == user) else {
            return vec![];
        };
        if !u.all_accounts.is_empty() {
            return self.accounts.iter().collect();
        }
        self.accounts
            .iter()
            .filter(|a| u.assignments.iter().any(|x| x.account == a.id))
            .collect()
    }
}

/// Start URLs compare without a trailing `/` or `#/` (the portal accepts both forms).
pub fn normalize_start_url(url: &str) -> String {
    url.trim()
        .trim_end_matches('/')
        .trim_end_matches("#")
        .trim_end_matches('/')
        .to_ascii_lowercase()
}

/// CodeCommit's repository-name rule: `[\w.-]{1,100}`, and not a dots-only name or `*.git`.
pub fn valid_repository_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        && !name.bytes().all(|b| b == b'.')
        && !name.ends_with(".git")
}

/// Parameters of a generated large world.
#[derive(Debug, Clone, Copy)]
pub struct Generated {
    /// Number of accounts.
    pub accounts: u32,
    /// Permission sets per account (1..=5).
    pub roles_per_account: u32,
    /// Repositories per account, in us-east-1.
    pub repos_per_account: u32,
}

impl World {
    /// A large world for discovery and inventory benchmarks (see README "Generated worlds").
    pub fn generated(g: Generated) -> World {
        const SETS: &[(&str, &[&str])] = &[
            ("AdministratorAccess", &["*"]),
            ("Developer", &["*"]),
            (
                "ReadOnly",
                &[
                    "ListRepositories",
                    "BatchGetRepositories",
                    "GetRepository",
                    "GitPull",
                ],
            ),
            ("Billing", &[]),
            (
                "SecurityAudit",
                &[
                    "ListRepositories",
                    "BatchGetRepositories",
                    "GetRepository",
                    "GitPull",
                ],
            ),
        ];
        let n_sets = g.roles_per_account.clamp(1, SETS.len() as u32) as usize;
        let permission_sets: Vec<PermissionSet> = SETS[..n_sets]
            .iter()
            .map(|(n, a)| PermissionSet {
                name: (*n).into(),
                codecommit: a.iter().map(|s| (*s).into()).collect(),
            })
            .collect();
        let accounts: Vec<Account> = (1..=g.accounts)
            .map(|i| Account {
                id: format!("{:012}", 100_000_000_000u64 + i as u64),
                name: format!("account-{i:04}"),
                email: format!("account-{i:04}@large.example"),
            })
            .collect();
        let repositories = accounts
            .iter()
            .flat_map(|a| {
                (1..=g.repos_per_account).map(move |k| Repository {
                    account: a.id.clone(),
                    region: "us-east-1".into(),
                    name: format!("repo-{k:02}"),
                    description: Some(format!("Repository {k} of {}", a.name)),
                    default_branch: default_branch(),
                    branches: vec![],
                    commits: 2,
                    size_mb: 0,
                })
            })
            .collect();
        World {
            instances: vec![Instance {
                name: "large".into(),
                start_url: "https://large.awsapps.com/start".into(),
                region: "us-east-1".into(),
                vanity: None,
                users: vec![User {
                    name: "user".into(),
                    assignments: vec![],
                    all_accounts: permission_sets.iter().map(|p| p.name.clone()).collect(),
                }],
                permission_sets,
                accounts,
                repositories,
                pull_requests: vec![],
            }],
        }
    }

    /// The built-in demo world: a small organisation with real-looking repositories.
    pub fn demo() -> World {
        World::from_toml(DEMO_WORLD).expect("the built-in demo world is valid")
    }
}

/// The demo world, as a user would write it.
pub const DEMO_WORLD: &str = include_str!("demo-world.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_world_is_valid_and_has_users_and_repos() {
        let w = World::demo();
        let acme = &w.instances[0];
        assert_eq!(acme.name, "acme");
        assert!(acme.repositories.len() >= 12);
        assert!(!acme.accounts_of("alice").is_empty());
    }

    #[test]
    fn generated_world_has_expected_shape() {
        let w = World::generated(Generated {
            accounts: 1000,
            roles_per_account: 3,
            repos_per_account: 1,
        });
        w.validate().unwrap();
        let i = &w.instances[0];
        assert_eq!(i.accounts.len(), 1000);
        assert_eq!(i.accounts[999].id, "100000001000");
        assert_eq!(i.roles_of("user", "100000000001").len(), 3);
        assert_eq!(i.repositories.len(), 1000);
    }

    #[test]
    fn rejects_inconsistent_worlds() {
        for (toml, why) in [
            ("instance = []", "no [[instance]]"),
            (
                "[[instance]]\nname='a'\nstart_url='https://a/start'\nregion='us-east-1'\n[[instance.user]]\nname='u'\nall_accounts=['Nope']",
                "unknown permission set",
            ),
            (
                "[[instance]]\nname='a'\nstart_url='http://a/start'\nregion='us-east-1'\n[[instance.user]]\nname='u'",
                "must be https",
            ),
            (
                "[[instance]]\nname='a'\nstart_url='https://a/start'\nregion='us-east-1'\n[[instance.account]]\nid='1'\nname='x'\nemail='e'\n[[instance.user]]\nname='u'",
                "12 digits",
            ),
        ] {
            let err = World::from_toml(toml).unwrap_err().to_string();
            assert!(err.contains(why), "{err}");
        }
        assert!(World::from_toml("[[instance]]\nbogus=1").is_err());
    }

    #[test]
    fn repository_names_follow_codecommit_rules() {
        for ok in ["a", "payments-api", "x.y_z", "A1"] {
            assert!(valid_repository_name(ok), "{ok}");
        }
        for bad in ["", ".", "..", "a/b", "a b", "x.git", "é", &"a".repeat(101)] {
            assert!(!valid_repository_name(bad), "{bad}");
        }
    }

    #[test]
    fn start_urls_compare_loosely() {
        let w = World::demo();
        assert_eq!(
            w.instance_by_start_url("https://acme.awsapps.com/start/"),
            Some(0)
        );
        assert_eq!(
            w.instance_by_start_url("https://acme.awsapps.com/start#/"),
            Some(0)
        );
        assert_eq!(
            w.instance_by_start_url("https://other.awsapps.com/start"),
            None
        );
    }
}

//! What the quick switcher lists: every IAM Identity Center profile in the AWS config (Lanyard's
//! and hand-written ones), every repository of the last scans and every open pull request of the
//! last inbox checks, with what their actions need.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::aws_config::{self, SectionKind};
use crate::codecommit::prs::{Concern, Inbox, PullRequestRef};
use crate::codecommit::{CloneRequest, Inventory, RecentClone};

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum SwitcherKind {
    /// A `[profile]` with `sso_session`.
    Profile,
    /// A CodeCommit repository.
    Repository,
    /// An open pull request.
    PullRequest,
}

/// One row of the quick switcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SwitcherEntry {
    /// What it is.
    pub kind: SwitcherKind,
    /// Stable id, unique in the list.
    pub key: String,
    /// Profile name, repository name, or pull request title.
    pub title: String,
    /// A pull request's repository, id, author and how it concerns the user.
    pub detail: Option<String>,
    /// The sso-session.
    pub session: String,
    /// Account id.
    pub account_id: String,
    /// Account name (empty when never discovered).
    pub account_name: String,
    /// Role name.
    pub role_name: String,
    /// Region, when known.
    pub region: Option<String>,
    /// A starred profile.
    pub favourite: bool,
    /// Where the repository was cloned, if it was.
    pub path: Option<String>,
    /// The request that clones this repository (repositories only).
    pub clone: Option<CloneRequest>,
    /// The pull request (pull requests only).
    pub pull_request: Option<PullRequestRef>,
}

/// Builds the list: profiles first (favourites first, then by name), then repositories, then
/// open pull requests (awaiting the user first). `account_names` maps account ids to names
/// (from the discovery caches).
pub fn entries(
    config_text: &str,
    account_names: &HashMap<String, String>,
    favourites: &[String],
    inventories: &[Inventory],
    recent: &[RecentClone],
    inboxes: &[Inbox],
) -> Vec<SwitcherEntry> {
    let mut profiles: Vec<SwitcherEntry> = aws_config::sections(config_text)
        .into_iter()
        .filter_map(|s| {
            let SectionKind::Profile(name) = &s.kind else {
                return None;
            };
            let get = |k: &str| s.get(k).map(str::to_owned).filter(|v| !v.is_empty());
            let (session, account_id, role_name) = (
                get("sso_session")?,
                get("sso_account_id")?,
                get("sso_role_name")?,
            );
            Some(SwitcherEntry {
                kind: SwitcherKind::Profile,
                key: format!("profile:{name}"),
                title: name.clone(),
                account_name: account_names.get(&account_id).cloned().unwrap_or_default(),
                session,
                account_id,
                role_name,
                region: get("region"),
                favourite: favourites.contains(name),
                path: None,
                clone: None,
                detail: None,
                pull_request: None,
            })
        })
        .collect();
    profiles.sort_by(|a, b| {
        b.favourite
            .cmp(&a.favourite)
            .then_with(|| a.title.cmp(&b.title))
    });
    let cloned = |repo: &str, account: &str, region: &str| {
        recent
            .iter()
            .find(|c| {
                c.repository == repo
                    && c.account_name == account
                    && c.region == region
                    && std::path::Path::new(&c.path).is_dir()
            })
            .map(|c| c.path.clone())
    };
    let repos = inventories
        .iter()
        .flat_map(|inv| inv.repositories.iter())
        .map(|r| SwitcherEntry {
            kind: SwitcherKind::Repository,
            key: format!(
                "repo:{}/{}/{}/{}",
                r.session, r.account_id, r.region, r.name
            ),
            title: r.name.clone(),
            session: r.session.clone(),
            account_id: r.account_id.clone(),
            account_name: r.account_name.clone(),
            role_name: r.role_name.clone(),
            region: Some(r.region.clone()),
            favourite: false,
            path: cloned(&r.name, &r.account_name, &r.region),
            clone: Some(r.clone_request(None)),
            detail: None,
            pull_request: None,
        });
    profiles.extend(repos);
    let pulls = inboxes
        .iter()
        .flat_map(|i| &i.pull_requests)
        .map(|p| SwitcherEntry {
            kind: SwitcherKind::PullRequest,
            key: format!("pr:{}/{}/{}/{}", p.session, p.account_id, p.region, p.id),
            title: p.title.clone(),
            detail: Some(format!(
                "{} #{} by {}{}",
                p.repository,
                p.id,
                p.author,
                match p.concern {
                    Concern::Awaiting => " · awaiting your approval",
                    Concern::Mine => " · yours",
                    Concern::ApprovedByMe => " · approved by you",
                    Concern::Other => "",
                }
            )),
            session: p.session.clone(),
            account_id: p.account_id.clone(),
            account_name: p.account_name.clone(),
            role_name: p.role_name.clone(),
            region: Some(p.region.clone()),
            favourite: false,
            path: None,
            clone: None,
            pull_request: Some(p.reference()),
        });
    profiles.extend(pulls);
    profiles
}

/// The shell line a profile's primary action copies.
pub fn export_line(profile: &str) -> String {
    // Profile names are slugged to [A-Za-z0-9._/-] by Lanyard; hand-written ones may hold more.
    if profile
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._/-+@:".contains(&b))
    {
        format!("export AWS_PROFILE={profile}")
    } else {
        format!("export AWS_PROFILE='{}'", profile.replace('\'', r"'\''"))
    }
}

/// Rows the switcher shows; the rest are counted ("N more — keep typing").
pub const MAX_ROWS: usize = 50;

/// The entries with their lower-cased title and search text, built once per load so that each
/// keystroke only scans (the same rules as the web switcher's `filter.ts`, which the Tauri path
/// uses; the native switcher on Linux uses this one).
pub struct Index {
    entries: Vec<SwitcherEntry>,
    /// Per entry: the lower-cased title, and every searchable field lower-cased, one per line
    /// (a line break, so that a term never matches across two fields).
    text: Vec<(String, String)>,
}

impl Index {
    /// Indexes `entries` (in the order they are listed).
    pub fn new(entries: Vec<SwitcherEntry>) -> Self {
        let text = entries
            .iter()
            .map(|e| {
                let kind = match e.kind {
                    SwitcherKind::Profile => "profile",
                    SwitcherKind::Repository => "repository",
                    SwitcherKind::PullRequest => "pull request",
                };
                let fields = [
                    e.title.as_str(),
                    e.detail.as_deref().unwrap_or(""),
                    &e.account_name,
                    &e.account_id,
                    &e.role_name,
                    e.region.as_deref().unwrap_or(""),
                    kind,
                ];
                (e.title.to_lowercase(), fields.join("\n").to_lowercase())
            })
            .collect();
        Self { entries, text }
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry at position `i` (as `filter` returns them).
    pub fn get(&self, i: usize) -> Option<&SwitcherEntry> {
        self.entries.get(i)
    }

    /// The positions of the entries where every whitespace-separated term of `query` appears
    /// (case-insensitive substring) in the title, account name, account id, role, region or
    /// kind. Ranked favourites first, then entries whose title starts with a term, then the
    /// rest, keeping the list order within each rank. An empty query keeps every entry.
    pub fn filter(&self, query: &str) -> Vec<usize> {
        let query = query.to_lowercase();
        let words: Vec<&str> = query.split_whitespace().collect();
        // Buckets instead of a sort: linear, and stable by construction.
        let mut ranks: [Vec<usize>; 4] = Default::default();
        for (i, (title, haystack)) in self.text.iter().enumerate() {
            if !words.iter().all(|w| haystack.contains(w)) {
                continue;
            }
            let prefix = words.iter().any(|w| title.starts_with(w));
            let rank = match (self.entries[i].favourite, prefix) {
                (true, true) => 0,
                (true, false) => 1,
                (false, true) => 2,
                (false, false) => 3,
            };
            ranks[rank].push(i);
        }
        ranks.concat()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codecommit::Repository;

    fn entry(title: &str, favourite: bool) -> SwitcherEntry {
        SwitcherEntry {
            kind: SwitcherKind::Profile,
            key: format!("profile:{title}"),
            title: title.into(),
            session: "acme".into(),
            account_id: "111111111111".into(),
            account_name: "x".into(),
            role_name: "Developer".into(),
            region: Some("eu-west-1".into()),
            favourite,
            path: None,
            clone: None,
            detail: None,
            pull_request: None,
        }
    }

    fn titles(index: &Index, query: &str) -> Vec<String> {
        index
            .filter(query)
            .into_iter()
            .map(|i| index.get(i).unwrap().title.clone())
            .collect()
    }

    #[test]
    fn filter_needs_every_term_in_some_field_never_across_two() {
        let mut repo = entry("ledger", false);
        repo.kind = SwitcherKind::Repository;
        repo.account_name = "payments-prod".into();
        repo.region = Some("us-east-1".into());
        let mut lake = entry("data-lake-ReadOnly", false);
        lake.account_id = "333333333333".into();
        lake.role_name = "ReadOnly".into();
        lake.region = None;
        let index = Index::new(vec![entry("payments-prod-Developer", false), lake, repo]);
        assert_eq!(titles(&index, "LEDGER"), ["ledger"]);
        assert_eq!(titles(&index, "3333"), ["data-lake-ReadOnly"]);
        assert_eq!(titles(&index, "US-EAST"), ["ledger"]);
        assert_eq!(titles(&index, "repository"), ["ledger"]);
        assert_eq!(
            titles(&index, "developer  profile"),
            ["payments-prod-Developer"]
        );
        assert_eq!(titles(&index, "us-east-1 payments"), ["ledger"]);
        assert!(titles(&index, "payments nope").is_empty());
        assert!(
            titles(&index, "ledgerpayments").is_empty(),
            "fields stay apart"
        );
        assert_eq!(titles(&index, " \t").len(), 3, "an empty query keeps all");
    }

    #[test]
    fn filter_ranks_favourites_then_title_prefixes_keeping_the_order() {
        let index = Index::new(vec![
            entry("a-prod", false),
            entry("prod-b", false),
            entry("c-prod", true),
            entry("prod-d", true),
            entry("prod-e", false),
            entry("f-prod", false),
        ]);
        assert_eq!(
            titles(&index, "prod"),
            ["prod-d", "c-prod", "prod-b", "prod-e", "a-prod", "f-prod"]
        );
    }

    #[test]
    fn profiles_then_repositories_with_what_actions_need() {
        let config = "[default]\nregion = us-east-1\n[profile zed/Dev]\nsso_session = acme\nsso_account_id = 111122223333\nsso_role_name = Dev\n\
                      [profile static]\naws_access_key_id = AKIDEXAMPLE\n[profile acme-prod/Admin]\nsso_session = acme\nsso_account_id = 444455556666\nsso_role_name = Admin\nregion = eu-west-1\n";
        let names = HashMap::from([("111122223333".to_owned(), "zed".to_owned())]);
        let repo = |name: &str| Repository {
            session: "acme".into(),
            account_id: "111122223333".into(),
            account_name: "zed".into(),
            role_name: "Dev".into(),
            region: "us-east-1".into(),
            name: name.into(),
            description: None,
            default_branch: None,
            last_modified: None,
            clone_url_http: None,
            arn: None,
        };
        let inv = Inventory {
            session: "acme".into(),
            scanned_at: String::new(),
            regions: vec![],
            repositories: vec![repo("api"), repo("web")],
            notes: vec![],
        };
        let here = std::env::temp_dir();
        let recent = vec![RecentClone {
            path: here.display().to_string(),
            repository: "web".into(),
            account_name: "zed".into(),
            region: "us-east-1".into(),
            profile: "zed/Dev".into(),
            cloned_at: String::new(),
        }];
        let list = entries(config, &names, &["zed/Dev".into()], &[inv], &recent, &[]);
        let titles: Vec<&str> = list.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(
            titles,
            ["zed/Dev", "acme-prod/Admin", "api", "web"],
            "favourite first, static profile left out"
        );
        assert_eq!(list[0].account_name, "zed");
        assert_eq!(list[1].region.as_deref(), Some("eu-west-1"));
        assert!(list[2].path.is_none() && list[2].clone.as_ref().unwrap().repository == "api");
        assert_eq!(
            list[3].path.as_deref(),
            Some(here.display().to_string().as_str())
        );
        let keys: std::collections::HashSet<_> = list.iter().map(|e| &e.key).collect();
        assert_eq!(keys.len(), list.len(), "unique keys");
    }

    #[test]
    fn pull_requests_are_found_by_title_repository_and_author() {
        let rows = [
            [
                "7",
                "Fix rounding in refunds",
                "payments-api",
                "bob",
                "awaiting",
            ],
            ["3", "Add audit trail", "ledger", "alice", "mine"],
        ];
        let prs: Vec<_> = rows
            .iter()
            .map(|[id, title, repo, author, concern]| serde_json::json!({
                "session": "acme", "accountId": "111122223333", "accountName": "zed", "roleName": "Dev",
                "region": "eu-west-1", "repository": repo, "id": id, "title": title,
                "description": null, "authorArn": "", "author": author, "created": "",
                "lastActivity": "", "lastActivityMicros": 1, "open": true, "merged": false,
                "sourceRef": "", "destinationRef": "", "sourceCommit": "", "revisionId": "r",
                "approvals": 0, "approvalsNeeded": 1, "approved": false, "rulesNotSatisfied": [],
                "approvedByMe": false, "concern": concern, "canMerge": null
            }))
            .collect();
        let inbox: Inbox = serde_json::from_value(serde_json::json!({
            "session": "acme", "checkedAt": "", "notes": [], "pullRequests": prs
        }))
        .unwrap();
        let list = entries("", &HashMap::new(), &[], &[], &[], &[inbox]);
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].kind, SwitcherKind::PullRequest);
        assert_eq!(
            list[0].detail.as_deref(),
            Some("payments-api #7 by bob · awaiting your approval")
        );
        assert_eq!(list[0].pull_request.as_ref().unwrap().id, "7");
        let index = Index::new(list);
        assert_eq!(titles(&index, "refunds"), ["Fix rounding in refunds"]);
        assert_eq!(titles(&index, "payments-api"), ["Fix rounding in refunds"]);
        assert_eq!(titles(&index, "alice"), ["Add audit trail"]);
        assert_eq!(titles(&index, "pull request awaiting").len(), 1);
    }

    #[test]
    fn export_lines_are_shell_safe() {
        assert_eq!(
            export_line("acme-dev/Developer"),
            "export AWS_PROFILE=acme-dev/Developer"
        );
        assert_eq!(
            export_line("it's mine"),
            r"export AWS_PROFILE='it'\''s mine'"
        );
    }
}

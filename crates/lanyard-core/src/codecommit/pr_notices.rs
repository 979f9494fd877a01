//! When the desktop tells the user about pull requests: one starts waiting for their approval
//! (again after a push: approvals stay with their revision), or their own is approved, merged or
//! commented on. Each once, whichever process revalidated the inbox and across restarts: what
//! was told is kept in `codecommit/prs.seen.json` beside the inboxes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::prs::{Concern, Inbox, PullRequest, PullRequestRef};
use crate::{Error, Paths, Result};

/// More notices than this at once (the first check after a long absence) become one summary.
pub const AT_ONCE: usize = 3;

/// A notification to show about a pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrNotice {
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// The pull request (None for a summary of several).
    pub target: Option<PullRequestRef>,
}

/// What was already told, by pull request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Seen {
    /// `awaiting:<pr>@<revision>`, `approved:<pr>@<revision>`, `merged:<pr>`, `closed:<pr>`.
    told: BTreeSet<String>,
    /// Comments by others counted on the user's own pull request when last told.
    comments: BTreeMap<String, u32>,
}

fn path(paths: &Paths) -> PathBuf {
    paths.data_dir.join("codecommit").join("prs.seen.json")
}

/// The last state told (an unreadable file counts as nothing told).
pub fn load(paths: &Paths) -> Seen {
    std::fs::read(path(paths))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Keeps what was told.
pub fn save(paths: &Paths, seen: &Seen) -> Result<()> {
    let bytes = serde_json::to_vec(seen).map_err(|e| Error::Config {
        path: path(paths),
        reason: e.to_string(),
    })?;
    crate::fsx::write_private(&path(paths), &bytes)
}

fn key(p: &PullRequest) -> String {
    format!("{}/{}/{}/{}", p.session, p.account_id, p.region, p.id)
}

fn place(p: &PullRequest) -> String {
    format!(
        "{} #{} in {} ({})",
        p.repository, p.id, p.account_name, p.region
    )
}

/// The notices due for these inboxes, and what `seen` becomes once they are shown. Only pull
/// requests still in an inbox are remembered, so the file stays as small as the inboxes.
pub fn due(inboxes: &[Inbox], seen: &Seen) -> (Vec<PrNotice>, Seen) {
    let mut out = Vec::new();
    let mut next = Seen::default();
    let tell = |out: &mut Vec<PrNotice>, next: &mut Seen, told: String, notice: PrNotice| {
        if !seen.told.contains(&told) {
            out.push(notice);
        }
        next.told.insert(told);
    };
    for p in inboxes.iter().flat_map(|i| &i.pull_requests) {
        let k = key(p);
        let target = Some(p.reference());
        match p.concern {
            Concern::Awaiting => tell(
                &mut out,
                &mut next,
                format!("awaiting:{k}@{}", p.revision_id),
                PrNotice {
                    title: format!("{} waits for your approval", p.author),
                    body: format!("{}\n{}", p.title, place(p)),
                    target,
                },
            ),
            Concern::Mine => {
                if p.approved && p.approvals_needed > 0 {
                    tell(
                        &mut out,
                        &mut next,
                        format!("approved:{k}@{}", p.revision_id),
                        PrNotice {
                            title: "Your pull request is approved".into(),
                            body: format!("{}\n{}", p.title, place(p)),
                            target: target.clone(),
                        },
                    );
                }
                let before = seen.comments.get(&k).copied().unwrap_or(0);
                if p.comments > before {
                    let new = p.comments - before;
                    out.push(PrNotice {
                        title: if new == 1 {
                            "A new comment on your pull request".into()
                        } else {
                            format!("{new} new comments on your pull request")
                        },
                        body: format!("{}\n{}", p.title, place(p)),
                        target,
                    });
                }
                if p.comments > 0 {
                    next.comments.insert(k, p.comments);
                }
            }
            Concern::ApprovedByMe | Concern::Other => {}
        }
    }
    for p in inboxes.iter().flat_map(|i| &i.closed) {
        let (told, title) = if p.merged {
            (format!("merged:{}", key(p)), "Your pull request was merged")
        } else {
            (format!("closed:{}", key(p)), "Your pull request was closed")
        };
        tell(
            &mut out,
            &mut next,
            told,
            PrNotice {
                title: title.into(),
                body: format!("{}\n{}", p.title, place(p)),
                target: None,
            },
        );
    }
    if out.len() > AT_ONCE {
        let awaiting = inboxes
            .iter()
            .flat_map(|i| &i.pull_requests)
            .filter(|p| p.concern == Concern::Awaiting)
            .count();
        let body = out
            .iter()
            .take(AT_ONCE)
            .map(|n| n.title.clone())
            .collect::<Vec<_>>()
            .join("\n");
        out = vec![PrNotice {
            title: match awaiting {
                0 => format!("{} updates on your pull requests", out.len()),
                1 => "1 pull request waits for you".into(),
                n => format!("{n} pull requests wait for you"),
            },
            body: format!("{body}\n…"),
            target: None,
        }];
    }
    (out, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pr(id: &str, concern: Concern) -> PullRequest {
        PullRequest {
            session: "acme".into(),
            account_id: "111111111111".into(),
            account_name: "payments-dev".into(),
            role_name: "Developer".into(),
            region: "eu-west-1".into(),
            repository: "payments-api".into(),
            id: id.into(),
            title: format!("Change {id}"),
            description: None,
            author_arn: "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Developer_ab/bob"
                .into(),
            author: "bob".into(),
            created: "2026-12-01T10:00:00Z".into(),
            last_activity: "2026-12-01T10:00:00Z".into(),
            last_activity_micros: 1,
            open: true,
            merged: false,
            source_ref: "refs/heads/feature".into(),
            destination_ref: "refs/heads/main".into(),
            source_commit: "c0ffee".into(),
            revision_id: "r1".into(),
            approvals: 0,
            approvals_needed: 1,
            approved: false,
            rules_not_satisfied: vec!["Two".into()],
            approved_by_me: false,
            concern,
            can_merge: None,
            comments: 0,
        }
    }

    fn inbox(prs: Vec<PullRequest>, closed: Vec<PullRequest>) -> Inbox {
        Inbox {
            session: "acme".into(),
            pull_requests: prs,
            closed,
            ..Inbox::default()
        }
    }

    fn titles(n: &[PrNotice]) -> Vec<&str> {
        n.iter().map(|n| n.title.as_str()).collect()
    }

    #[test]
    fn a_pull_request_waiting_is_told_once_and_again_after_a_push() {
        let one = [inbox(vec![pr("1", Concern::Awaiting)], vec![])];
        let (n, seen) = due(&one, &Seen::default());
        assert_eq!(titles(&n), ["bob waits for your approval"]);
        assert_eq!(
            n[0].body,
            "Change 1\npayments-api #1 in payments-dev (eu-west-1)"
        );
        assert_eq!(n[0].target.as_ref().map(|t| t.id.as_str()), Some("1"));
        let (again, same) = due(&one, &seen);
        assert!(again.is_empty());
        assert_eq!(same, seen);
        // A push: a new revision waits again.
        let mut pushed = pr("1", Concern::Awaiting);
        pushed.revision_id = "r2".into();
        let (n, _) = due(&[inbox(vec![pushed], vec![])], &seen);
        assert_eq!(titles(&n), ["bob waits for your approval"]);
    }

    #[test]
    fn own_pull_requests_approved_commented_and_merged_are_told_once_each() {
        let mut mine = pr("7", Concern::Mine);
        let (n, seen) = due(&[inbox(vec![mine.clone()], vec![])], &Seen::default());
        assert!(n.is_empty(), "nothing happened to it yet: {n:?}");
        mine.comments = 2;
        let (n, seen) = due(&[inbox(vec![mine.clone()], vec![])], &seen);
        assert_eq!(titles(&n), ["2 new comments on your pull request"]);
        mine.comments = 3;
        mine.approved = true;
        mine.rules_not_satisfied.clear();
        let (n, seen) = due(&[inbox(vec![mine.clone()], vec![])], &seen);
        assert_eq!(
            titles(&n),
            [
                "Your pull request is approved",
                "A new comment on your pull request"
            ]
        );
        let (n, seen) = due(&[inbox(vec![mine.clone()], vec![])], &seen);
        assert!(n.is_empty(), "told twice: {n:?}");
        mine.open = false;
        mine.merged = true;
        let (n, seen) = due(&[inbox(vec![], vec![mine.clone()])], &seen);
        assert_eq!(titles(&n), ["Your pull request was merged"]);
        let (n, _) = due(&[inbox(vec![], vec![mine])], &seen);
        assert!(n.is_empty());
    }

    #[test]
    fn others_and_already_approved_ones_are_not_told_and_a_flood_is_one_summary() {
        let (n, _) = due(
            &[inbox(
                vec![pr("1", Concern::Other), pr("2", Concern::ApprovedByMe)],
                vec![],
            )],
            &Seen::default(),
        );
        assert!(n.is_empty());
        let many: Vec<_> = (1..=5)
            .map(|i| pr(&i.to_string(), Concern::Awaiting))
            .collect();
        let (n, seen) = due(&[inbox(many.clone(), vec![])], &Seen::default());
        assert_eq!(titles(&n), ["5 pull requests wait for you"]);
        assert!(due(&[inbox(many, vec![])], &seen).0.is_empty());
    }

    #[test]
    fn what_was_told_survives_a_restart_and_forgets_pull_requests_that_left() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::sandboxed(dir.path());
        assert_eq!(load(&paths), Seen::default());
        let (_, seen) = due(
            &[inbox(vec![pr("1", Concern::Awaiting)], vec![])],
            &Seen::default(),
        );
        save(&paths, &seen).unwrap();
        let back = load(&paths);
        assert_eq!(back, seen);
        assert!(
            due(&[inbox(vec![pr("1", Concern::Awaiting)], vec![])], &back)
                .0
                .is_empty()
        );
        let (_, gone) = due(&[], &back);
        assert_eq!(gone, Seen::default());
        std::fs::write(path(&paths), b"{not json").unwrap();
        assert_eq!(load(&paths), Seen::default());
    }
}

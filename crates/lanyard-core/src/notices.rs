//! When the desktop app raises a notification about a session: 15 minutes before a session that
//! cannot be refreshed ends, and when a session it saw working has ended. Each once per token.
//!
//! IAM Identity Center does not say when a refresh token (the portal session) ends, so a
//! refreshable session is only announced once a refresh has failed and it is over.

use std::collections::{HashMap, HashSet};

use time::OffsetDateTime;

use crate::sso::{IdentityStatus, SessionState};

/// Warn this long before the end.
pub const WARN_BEFORE: time::Duration = time::Duration::minutes(15);

/// A notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The sso-session it is about (its "Sign in" action signs in to it).
    pub session: String,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
}

/// Remembers what was announced, so each warning is shown once.
#[derive(Debug, Default)]
pub struct Tracker {
    sent: HashSet<(String, String)>,
    /// Sessions seen usable since start: only those are announced when they end.
    seen_usable: HashMap<String, bool>,
}

impl Tracker {
    /// The notices due now for these statuses.
    pub fn due(&mut self, statuses: &[IdentityStatus], now: OffsetDateTime) -> Vec<Notice> {
        let mut out = Vec::new();
        for s in statuses {
            let session = &s.identity.session;
            let usable = matches!(s.state, SessionState::SignedIn | SessionState::Expiring);
            let expires = s
                .access_token_expires_at
                .as_deref()
                .and_then(crate::sso::cache::parse_time);
            if usable {
                self.seen_usable.insert(session.clone(), true);
                if let (false, Some(t)) = (s.refreshable, expires) {
                    let left = t - now;
                    if left <= WARN_BEFORE
                        && left > time::Duration::ZERO
                        && self.once(session, &format!("soon:{t}"))
                    {
                        let minutes = (left.whole_seconds() + 59) / 60;
                        out.push(Notice {
                            session: session.clone(),
                            title: format!("{session}: session ends in {minutes} min"),
                            body: "It cannot be renewed without you. Sign in now to keep the AWS CLI, SDKs and git working.".into(),
                        });
                    }
                }
            } else if s.state == SessionState::Expired && self.seen_usable.remove(session).is_some()
            {
                let key = format!(
                    "ended:{}",
                    s.access_token_expires_at.clone().unwrap_or_default()
                );
                if self.once(session, &key) {
                    out.push(Notice {
                        session: session.clone(),
                        title: format!("{session}: session ended"),
                        body: "AWS CLI, SDK and git calls with its profiles fail until you sign in again.".into(),
                    });
                }
            } else if s.state == SessionState::SignedOut {
                self.seen_usable.remove(session);
            }
        }
        out
    }

    fn once(&mut self, session: &str, what: &str) -> bool {
        self.sent.insert((session.to_owned(), what.to_owned()))
    }
}

/// The notice after a sync changed which roles have profiles (none when nothing was added or removed).
pub fn sync_notice(session: &str, added: usize, removed: usize) -> Option<Notice> {
    let part = |n: usize, one: &str, many: &str| match n {
        0 => None,
        1 => Some(format!("1 {one}")),
        n => Some(format!("{n} {many}")),
    };
    let parts: Vec<String> = [
        part(added, "new profile", "new profiles"),
        part(removed, "profile removed", "profiles removed"),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!parts.is_empty()).then(|| Notice {
        session: session.to_owned(),
        title: format!("{session}: roles changed"),
        body: format!("{} in ~/.aws/config after the last sync.", parts.join(", ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sso::Identity;

    fn status(state: SessionState, exp: &str, refreshable: bool) -> IdentityStatus {
        IdentityStatus {
            identity: Identity {
                session: "acme".into(),
                start_url: String::new(),
                region: String::new(),
                scopes: vec![],
                managed: true,
            },
            state,
            access_token_expires_at: Some(exp.into()),
            refreshable,
            detail: None,
        }
    }

    #[test]
    fn warns_once_before_the_end_then_once_at_the_end() {
        let now = time::macros::datetime!(2026-12-01 10:00 UTC);
        let mut t = Tracker::default();
        assert!(
            t.due(
                &[status(
                    SessionState::SignedIn,
                    "2026-12-01T10:30:00Z",
                    false
                )],
                now
            )
            .is_empty(),
            "30 min left: nothing yet"
        );
        let n = t.due(
            &[status(
                SessionState::Expiring,
                "2026-12-01T10:14:30Z",
                false,
            )],
            now,
        );
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].title, "acme: session ends in 15 min");
        assert!(
            t.due(
                &[status(
                    SessionState::Expiring,
                    "2026-12-01T10:14:30Z",
                    false
                )],
                now + time::Duration::minutes(1)
            )
            .is_empty(),
            "once"
        );
        let n = t.due(
            &[status(SessionState::Expired, "2026-12-01T10:14:30Z", false)],
            now + time::Duration::minutes(15),
        );
        assert_eq!(n[0].title, "acme: session ended");
        assert!(
            t.due(
                &[status(SessionState::Expired, "2026-12-01T10:14:30Z", false)],
                now + time::Duration::minutes(16)
            )
            .is_empty()
        );
        // Signed in again with a new token: warned again before that one ends.
        let later = now + time::Duration::hours(1);
        t.due(
            &[status(
                SessionState::SignedIn,
                "2026-12-01T12:00:00Z",
                false,
            )],
            later,
        );
        assert_eq!(
            t.due(
                &[status(
                    SessionState::Expiring,
                    "2026-12-01T12:00:00Z",
                    false
                )],
                later + time::Duration::minutes(50)
            )
            .len(),
            1
        );
    }

    #[test]
    fn refreshable_sessions_and_old_expiries_stay_quiet() {
        let now = time::macros::datetime!(2026-12-01 10:00 UTC);
        let mut t = Tracker::default();
        assert!(
            t.due(
                &[status(SessionState::Expiring, "2026-12-01T10:05:00Z", true)],
                now
            )
            .is_empty(),
            "Lanyard renews it"
        );
        let mut fresh = Tracker::default();
        assert!(
            fresh
                .due(
                    &[status(SessionState::Expired, "2026-11-30T10:00:00Z", false)],
                    now
                )
                .is_empty(),
            "expired before Lanyard started"
        );
    }

    #[test]
    fn sync_notices_count_changes() {
        assert_eq!(sync_notice("acme", 0, 0), None);
        assert_eq!(
            sync_notice("acme", 3, 1).unwrap().body,
            "3 new profiles, 1 profile removed in ~/.aws/config after the last sync."
        );
        assert_eq!(
            sync_notice("acme", 1, 2).unwrap().body,
            "1 new profile, 2 profiles removed in ~/.aws/config after the last sync."
        );
    }
}

//! Status, silent refresh and sign-out of a signed-in identity.

use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;
use ts_rs::TS;

use super::cache::{self, CachedToken};
use super::client::{Oidc, TokenError, portal, sdk_error, token_error, tokens};
use super::{Identity, SsoContext, secret_key};
use crate::secret::Secret;
use crate::{Error, Result};

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum SessionState {
    /// No token.
    SignedOut,
    /// A usable token (refreshed silently before it expires).
    SignedIn,
    /// Usable for less than 15 minutes and cannot be refreshed: sign in again soon.
    Expiring,
    /// Not usable and not refreshable: sign in.
    Expired,
    /// The last refresh could not reach IAM Identity Center (network gone, VPN down, laptop
    /// just woken): the session is kept and renewed by itself once the service answers.
    Offline,
}

/// An identity and its session, as the Sessions view, the tray and `lanyard status` show it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct IdentityStatus {
    /// The identity.
    pub identity: Identity,
    /// Its state.
    pub state: SessionState,
    /// When the current access token expires (RFC 3339), if there is one.
    pub access_token_expires_at: Option<String>,
    /// Whether Lanyard (and the SDKs) can refresh it without a browser.
    pub refreshable: bool,
    /// A note for people (e.g. why the cache is unusable).
    pub detail: Option<String>,
}

fn refresh_material(ctx: &SsoContext, session: &str, t: &CachedToken) -> CachedToken {
    // The cache file may have been rewritten by a tool that dropped fields; Lanyard's keyring
    // copies fill the gaps.
    let mut t = t.clone();
    let from_keyring = |what: &str| {
        ctx.secrets
            .get(&secret_key(session, what))
            .ok()
            .flatten()
            .map(Secret::new)
    };
    if t.refresh_token.is_none() {
        t.refresh_token = from_keyring("refresh-token");
    }
    if t.client_secret.is_none() {
        t.client_secret = from_keyring("client-secret");
    }
    t
}

/// The identity as its token was issued: the token file's `region` (where IAM Identity Center
/// issued it — a vanity URL's portal region may differ from a `sso_region` Lanyard may not edit)
/// wins over the configured one for the calls that use the token, as `aws sso logout` does.
pub(crate) fn as_issued(identity: &Identity, token: &CachedToken) -> Identity {
    match token.region.as_deref() {
        Some(r) if !r.is_empty() && r != identity.region => Identity {
            region: r.to_owned(),
            ..identity.clone()
        },
        _ => identity.clone(),
    }
}

/// [`as_issued`] for the identity's current token file (the identity itself without one).
pub(crate) fn issued_identity(ctx: &SsoContext, identity: &Identity) -> Identity {
    match cache::read_token(&cache::token_path(
        &ctx.paths.sso_cache_dir,
        &identity.session,
    )) {
        Ok(Some(t)) => as_issued(identity, &t),
        _ => identity.clone(),
    }
}

/// The state of an identity's session at the context's `now`.
pub fn status(ctx: &SsoContext, identity: &Identity) -> IdentityStatus {
    let now = (ctx.clock)();
    let path = cache::token_path(&ctx.paths.sso_cache_dir, &identity.session);
    let base = |state, detail| IdentityStatus {
        identity: identity.clone(),
        state,
        access_token_expires_at: None,
        refreshable: false,
        detail,
    };
    match cache::read_token(&path) {
        Ok(None) => base(SessionState::SignedOut, None),
        Err(e) => base(SessionState::Expired, Some(e.to_string())),
        Ok(Some(t)) => {
            let refreshable = refresh_material(ctx, &identity.session, &t).refreshable(now);
            let state = state_for(t.expires_at - now, refreshable);
            IdentityStatus {
                identity: identity.clone(),
                state,
                access_token_expires_at: Some(cache::format_time(t.expires_at)),
                refreshable,
                detail: None,
            }
        }
    }
}

/// What the last background refresh of a session found, when the token files cannot say it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    /// IAM Identity Center could not be reached, since then.
    Offline(OffsetDateTime),
    /// IAM Identity Center refused to renew the token that expires at this time (the portal
    /// session ended or was signed out elsewhere).
    Refused(Option<String>),
}

/// What background refreshes learnt about each session, for a long-running front (the tray).
///
/// A refresh that fails for want of a network says nothing about the session: it is neither
/// signed out nor expired, and showing either would send people to sign in for nothing. Such a
/// session shows as [`SessionState::Offline`] until a refresh gets an answer. A refresh that is
/// refused means the session is over even though the token file still holds a refresh token:
/// it shows as not renewable, counting down to the end of its access token, until a new sign-in
/// (by Lanyard or any other tool) replaces that token.
#[derive(Debug, Default)]
pub struct SessionWatch(std::sync::Mutex<std::collections::HashMap<String, Seen>>);

impl SessionWatch {
    fn map(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Seen>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Notes the outcome of refreshing `before` (the session's status when the refresh
    /// started); true when what people see changed (offline, back, or ended).
    pub fn note<T>(
        &self,
        before: &IdentityStatus,
        outcome: &Result<T>,
        now: OffsetDateTime,
    ) -> bool {
        let session = &before.identity.session;
        let mut map = self.map();
        let seen = match outcome {
            Err(e) if e.code() == crate::ErrorCode::Unreachable => match map.get(session) {
                Some(Seen::Offline(since)) => Seen::Offline(*since),
                _ => Seen::Offline(now),
            },
            Err(Error::SessionExpired { .. }) => {
                Seen::Refused(before.access_token_expires_at.clone())
            }
            // A new token, a newer one on disk, nothing due: the service answered (or was not
            // needed) and the token file tells the rest.
            _ => return map.remove(session).is_some(),
        };
        map.insert(session.clone(), seen.clone()) != Some(seen)
    }

    /// Whether a session waits for the network: refreshes are then retried at every check, so
    /// it comes back within one check of the network.
    pub fn any_offline(&self) -> bool {
        self.map().values().any(|s| matches!(s, Seen::Offline(_)))
    }

    /// Whether renewing `status`'s token was refused already (trying again would be refused too).
    pub fn refused(&self, status: &IdentityStatus) -> bool {
        matches!(self.map().get(&status.identity.session),
            Some(Seen::Refused(at)) if *at == status.access_token_expires_at)
    }

    /// The status as people should see it at `now`.
    pub fn apply(&self, mut status: IdentityStatus, now: OffsetDateTime) -> IdentityStatus {
        if status.state == SessionState::SignedOut {
            return status;
        }
        match self.map().get(&status.identity.session) {
            Some(Seen::Offline(since)) => {
                status.state = SessionState::Offline;
                status.detail = Some(format!(
                    "Offline since {:02}:{:02} UTC: IAM Identity Center cannot be reached. The \
                     session is kept and renews by itself when the network is back.",
                    since.hour(),
                    since.minute()
                ));
            }
            Some(Seen::Refused(at)) if *at == status.access_token_expires_at => {
                let left = at
                    .as_deref()
                    .and_then(cache::parse_time)
                    .map_or(time::Duration::ZERO, |t| t - now);
                status.refreshable = false;
                status.state = state_for(left, false);
                status.detail = Some(
                    "IAM Identity Center ended this session (it cannot be renewed): sign in again."
                        .into(),
                );
            }
            _ => {}
        }
        status
    }
}

/// The state of a token with `left` to live.
fn state_for(left: time::Duration, refreshable: bool) -> SessionState {
    if refreshable || left > time::Duration::minutes(15) {
        SessionState::SignedIn
    } else if left > time::Duration::ZERO {
        SessionState::Expiring
    } else {
        SessionState::Expired
    }
}

/// What [`refresh`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// The token is good for longer than the window.
    NotNeeded,
    /// Refreshed; the new expiry.
    Refreshed(OffsetDateTime),
    /// Another tool wrote a newer token meanwhile; it was kept.
    NewerOnDisk(OffsetDateTime),
}

/// Refreshes the access token when it expires within `window` (or always with `force`).
///
/// Refreshes earlier than the SDKs' 5/15-minute windows so they never have to; re-reads the file
/// right before writing so a token another tool wrote meanwhile is never clobbered.
pub async fn refresh(
    ctx: &SsoContext,
    identity: &Identity,
    window: Duration,
    force: bool,
) -> Result<RefreshOutcome> {
    let session = identity.session.clone();
    let path = cache::token_path(&ctx.paths.sso_cache_dir, &session);
    let current = cache::read_token(&path)?.ok_or_else(|| Error::NotSignedIn {
        session: session.clone(),
    })?;
    let now = (ctx.clock)();
    if !force
        && current.expires_at - now
            > time::Duration::try_from(window).unwrap_or(time::Duration::MAX)
    {
        return Ok(RefreshOutcome::NotNeeded);
    }
    let material = refresh_material(ctx, &session, &current);
    if !material.refreshable(now) {
        return if current.expires_at > now {
            Ok(RefreshOutcome::NotNeeded)
        } else {
            Err(Error::SessionExpired { session })
        };
    }
    let issued = as_issued(identity, &current);
    let identity = &issued;
    let oidc = Oidc::new(&ctx.endpoints, identity);
    let out = oidc
        .client
        .create_token()
        .client_id(material.client_id.clone().unwrap_or_default())
        .client_secret(
            material
                .client_secret
                .as_ref()
                .map(Secret::expose)
                .unwrap_or_default(),
        )
        .grant_type("refresh_token")
        .refresh_token(
            material
                .refresh_token
                .as_ref()
                .map(Secret::expose)
                .unwrap_or_default(),
        )
        .send()
        .await;
    let fresh = match out {
        Ok(o) => tokens(o, (ctx.clock)()).ok_or_else(|| Error::SessionExpired {
            session: session.clone(),
        })?,
        Err(e) => {
            return Err(match token_error(identity, &oidc.endpoint, e) {
                TokenError::InvalidGrant(_)
                | TokenError::InvalidClient
                | TokenError::Expired
                | TokenError::Denied => Error::SessionExpired { session },
                TokenError::Other(e) => e,
                TokenError::Pending | TokenError::SlowDown => Error::SessionExpired { session },
            });
        }
    };
    // Coordinate with other writers (the AWS CLI, botocore, the Rust SDK refresh this file too).
    if let Ok(Some(on_disk)) = cache::read_token(&path)
        && on_disk.access_token != current.access_token
        && on_disk.expires_at >= fresh.expires_at
    {
        return Ok(RefreshOutcome::NewerOnDisk(on_disk.expires_at));
    }
    let updated = CachedToken {
        access_token: fresh.access_token,
        expires_at: fresh.expires_at,
        refresh_token: fresh.refresh_token.or(material.refresh_token),
        client_secret: material.client_secret,
        ..current
    };
    cache::write_token(&path, &updated)?;
    super::save_secrets(ctx, &identity.session, &updated);
    Ok(RefreshOutcome::Refreshed(updated.expires_at))
}

/// What [`logout`] did.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LogoutReport {
    /// The sso-session name.
    pub session: String,
    /// Whether the portal session was ended server-side.
    pub signed_out_server_side: bool,
    /// Why not, when it was not (the local sign-out happened anyway).
    pub server_side_note: Option<String>,
    /// Files removed.
    pub removed_files: Vec<String>,
    /// One line for people: what ended and what was removed.
    pub summary: String,
}

impl LogoutReport {
    fn summarize(&mut self, token_removed: bool, role_credentials: usize) {
        let mut removed = vec![];
        if token_removed {
            removed.push("the sign-in token".to_owned());
        }
        match role_credentials {
            0 => {}
            1 => removed.push("1 cached role credential".into()),
            n => removed.push(format!("{n} cached role credentials")),
        }
        removed.push("the keyring copies".into());
        let server = if self.signed_out_server_side {
            "Portal session ended".to_owned()
        } else {
            format!(
                "Portal session not ended ({})",
                self.server_side_note.as_deref().unwrap_or("unknown")
            )
        };
        self.summary = format!("{server}; removed {}.", join_words(&removed));
    }
}

/// "a", "a and b", "a, b and c".
fn join_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Signs out: Logout on the portal, then the token cache file and keyring items are removed.
pub async fn logout(ctx: &SsoContext, identity: &Identity) -> Result<LogoutReport> {
    let path = cache::token_path(&ctx.paths.sso_cache_dir, &identity.session);
    let mut report = LogoutReport {
        session: identity.session.clone(),
        signed_out_server_side: false,
        server_side_note: None,
        removed_files: vec![],
        summary: String::new(),
    };
    match cache::read_token(&path) {
        Ok(Some(t)) => {
            let (client, endpoint) = portal(&ctx.endpoints, &as_issued(identity, &t));
            match client
                .logout()
                .access_token(t.access_token.expose())
                .send()
                .await
            {
                Ok(_) => report.signed_out_server_side = true,
                Err(aws_sdk_sso::error::SdkError::ServiceError(s))
                    if s.err().is_unauthorized_exception() =>
                {
                    report.server_side_note = Some("the portal session had already ended".into());
                }
                Err(e) => {
                    report.server_side_note =
                        Some(sdk_error(identity, &endpoint, "Logout", e).to_string())
                }
            }
        }
        Ok(None) => report.server_side_note = Some("there was no token to sign out with".into()),
        Err(e) => report.server_side_note = Some(e.to_string()),
    }
    let token_removed = crate::fsx::remove_if_exists(&path)?;
    if token_removed {
        report.removed_files.push(path.display().to_string());
    }
    // The roles' credentials cached in ~/.aws/cli/cache end with the session, as with
    // `aws sso logout`, limited to this session's roles so other signed-in identities keep
    // theirs. Those names are SSO cache keys only, so a half-written or corrupt one goes too
    // (the AWS CLI would fail on it rather than fetch again).
    let mut creds = vec![];
    for f in crate::credentials::session_cache_files(ctx, identity) {
        if crate::fsx::remove_if_exists(&f)? {
            report.removed_files.push(f.display().to_string());
            creds.push(f);
        }
    }
    for what in ["refresh-token", "client-secret"] {
        if let Err(e) = ctx.secrets.delete(&secret_key(&identity.session, what)) {
            tracing::warn!(
                session = identity.session,
                "could not remove a keyring item: {e}"
            );
        }
    }
    report.summarize(token_removed, creds.len());
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_with_a_token_go_to_the_region_it_was_issued_in() {
        // A user's own [sso-session] with a vanity URL and a stale sso_region Lanyard may not
        // edit: the sign-in found the portal in us-east-1 and the token file says so.
        let configured = Identity {
            session: "corp".into(),
            start_url: "https://aws.corp.example".into(),
            region: "eu-west-1".into(),
            scopes: vec![],
            managed: false,
        };
        let token = |region: Option<&str>| CachedToken {
            start_url: Some(configured.start_url.clone()),
            region: region.map(str::to_owned),
            access_token: Secret::new("aoa"),
            expires_at: time::macros::datetime!(2030-01-01 00:00 UTC),
            client_id: None,
            client_secret: None,
            registration_expires_at: None,
            refresh_token: None,
        };
        assert_eq!(
            as_issued(&configured, &token(Some("us-east-1"))).region,
            "us-east-1"
        );
        assert_eq!(as_issued(&configured, &token(None)).region, "eu-west-1");
        assert_eq!(as_issued(&configured, &token(Some(""))).region, "eu-west-1");
    }

    #[test]
    fn a_refresh_without_a_network_shows_offline_until_the_service_answers() {
        let at = time::macros::datetime!(2026-12-03 12:05 UTC);
        let before = watched(SessionState::SignedIn, "2026-12-03T12:06:00Z");
        let w = SessionWatch::default();
        let unreachable: Result<()> = Err(Error::Unreachable {
            session: "acme".into(),
            endpoint: "https://oidc.us-east-1.amazonaws.com".into(),
            reason: "connection refused".into(),
        });
        assert_eq!(w.apply(before.clone(), at).state, SessionState::SignedIn);
        assert!(w.note(&before, &unreachable, at), "went offline: a change");
        let later = at + time::Duration::minutes(3);
        assert!(
            !w.note(&before, &unreachable, later),
            "still offline: no change, the first time is kept"
        );
        assert!(w.any_offline());
        // The access token ran out meanwhile: still offline, not "sign in".
        let s = w.apply(before.clone(), later);
        assert_eq!(s.state, SessionState::Offline);
        assert!(s.detail.unwrap().starts_with("Offline since 12:05 UTC"));
        let expired = watched(SessionState::Expired, "2026-12-03T12:06:00Z");
        assert_eq!(w.apply(expired, later).state, SessionState::Offline);
        // Signed out stays signed out: there is nothing to keep.
        let out = watched(SessionState::SignedOut, "2026-12-03T12:06:00Z");
        assert_eq!(w.apply(out, later).state, SessionState::SignedOut);
        // Back: a refresh that worked.
        assert!(w.note(&before, &Ok(()), later), "came back: a change");
        assert!(!w.any_offline());
        assert_eq!(w.apply(before.clone(), later).state, SessionState::SignedIn);
        assert!(!w.note(&before, &Ok(()), later), "already back: no change");
    }

    #[test]
    fn a_refused_refresh_counts_down_to_the_end_until_a_new_sign_in() {
        let now = time::macros::datetime!(2026-12-03 12:00 UTC);
        let before = watched(SessionState::SignedIn, "2026-12-03T12:10:00Z");
        let w = SessionWatch::default();
        let refused: Result<()> = Err(Error::SessionExpired {
            session: "acme".into(),
        });
        assert!(w.note(&before, &refused, now));
        assert!(
            !w.note(&before, &refused, now),
            "refused again: nothing new"
        );
        assert!(w.refused(&before), "not worth asking again");
        let s = w.apply(before.clone(), now);
        assert_eq!((s.state, s.refreshable), (SessionState::Expiring, false));
        assert!(s.detail.unwrap().contains("sign in again"));
        let s = w.apply(before.clone(), now + time::Duration::minutes(11));
        assert_eq!(s.state, SessionState::Expired);
        // Signed in again (here or from another tool): a new token, the mark no longer applies.
        let fresh = watched(SessionState::SignedIn, "2026-12-03T13:00:00Z");
        assert!(!w.refused(&fresh));
        let s = w.apply(fresh.clone(), now);
        assert_eq!((s.state, s.refreshable), (SessionState::SignedIn, true));
        assert!(w.note(&fresh, &Ok(()), now), "the mark is dropped");
    }

    fn watched(state: SessionState, expires: &str) -> IdentityStatus {
        IdentityStatus {
            identity: Identity {
                session: "acme".into(),
                start_url: "https://acme.awsapps.com/start".into(),
                region: "us-east-1".into(),
                scopes: vec![],
                managed: true,
            },
            state,
            access_token_expires_at: Some(expires.into()),
            refreshable: true,
            detail: None,
        }
    }

    #[test]
    fn the_summary_says_what_went() {
        let mut r = LogoutReport {
            session: "acme".into(),
            signed_out_server_side: true,
            server_side_note: None,
            removed_files: vec![],
            summary: String::new(),
        };
        r.summarize(true, 2);
        assert_eq!(
            r.summary,
            "Portal session ended; removed the sign-in token, 2 cached role credentials and the keyring copies."
        );
        r.signed_out_server_side = false;
        r.server_side_note = Some("there was no token to sign out with".into());
        r.summarize(false, 0);
        assert_eq!(
            r.summary,
            "Portal session not ended (there was no token to sign out with); removed the keyring copies."
        );
    }
}

//! IAM Identity Center sessions: identities, sign-in (PKCE or device code), the AWS CLI's token
//! cache, silent refresh, sign-out and status.

pub mod cache;
pub mod client;
pub mod identity;
pub mod login;
pub mod resolve;
pub mod session;

use std::sync::Arc;

use time::OffsetDateTime;

pub use client::Endpoints;
pub use identity::{DEFAULT_SCOPE, Identity, IdentityInput};
pub use login::{LoginMethod, LoginOptions, LoginStep, LoginUi, SignedIn, login};
pub use resolve::{ResolvedStartUrl, resolve as resolve_start_url};
pub use session::{
    IdentityStatus, LogoutReport, RefreshOutcome, SessionState, SessionWatch, logout, refresh,
    status,
};

use crate::Paths;
use crate::secret::SecretStore;

/// The current time; passed in so tests control it.
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// Everything a session operation needs from its caller: where files live, which endpoints to
/// call, where Lanyard's own secret copies go, and the clock.
#[derive(Clone)]
pub struct SsoContext {
    /// File locations.
    pub paths: Paths,
    /// Endpoint overrides.
    pub endpoints: Endpoints,
    /// Lanyard's keyring (or none).
    pub secrets: Arc<dyn SecretStore>,
    /// The clock.
    pub clock: Clock,
}

impl SsoContext {
    /// A context with the system clock.
    pub fn new(paths: Paths, endpoints: Endpoints, secrets: Arc<dyn SecretStore>) -> Self {
        SsoContext {
            paths,
            endpoints,
            secrets,
            clock: Arc::new(OffsetDateTime::now_utc),
        }
    }
}

/// The keyring item name for one of an identity's secrets.
pub fn secret_key(session: &str, what: &str) -> String {
    format!("sso-session/{session}/{what}")
}

/// Keeps Lanyard's own copies of the long-lived secrets; a keyring failure is logged, not fatal:
/// the token cache file still holds everything the AWS CLI and SDKs need.
pub(crate) fn save_secrets(ctx: &SsoContext, session: &str, token: &cache::CachedToken) {
    let pairs = [
        ("refresh-token", token.refresh_token.as_ref()),
        ("client-secret", token.client_secret.as_ref()),
    ];
    for (what, value) in pairs {
        if let Some(v) = value
            && let Err(e) = ctx.secrets.set(&secret_key(session, what), v.expose())
        {
            tracing::warn!(
                session,
                what,
                "could not store a copy in the keyring ({}): {e}",
                ctx.secrets.name()
            );
        }
    }
}

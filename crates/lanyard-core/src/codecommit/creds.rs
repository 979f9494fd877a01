//! Role credentials from the portal (GetRoleCredentials), kept in memory until shortly before
//! they expire and fetched through the identity's shared rate limiter like every portal call.

use std::collections::HashMap;
use std::sync::Mutex;

use time::OffsetDateTime;

use crate::accounts::RateLimiter;
use crate::secret::Secret;
use crate::sso::{Identity, SsoContext, cache};
use crate::{Error, Result};

/// Temporary credentials of one (account, role).
#[derive(Clone)]
pub struct RoleCredentials {
    /// `ASIA…`.
    pub access_key_id: String,
    /// The secret key.
    pub secret_access_key: Secret,
    /// The session token.
    pub session_token: Secret,
    /// When they stop working.
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for RoleCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RoleCredentials({}, expires {})",
            self.access_key_id, self.expires_at
        )
    }
}

impl RoleCredentials {
    /// The same, as the AWS SDK's credentials.
    pub fn sdk(&self) -> aws_sdk_codecommit::config::Credentials {
        aws_sdk_codecommit::config::Credentials::new(
            &self.access_key_id,
            self.secret_access_key.expose(),
            Some(self.session_token.expose().to_owned()),
            Some(std::time::SystemTime::from(self.expires_at)),
            "lanyard-sso",
        )
    }
}

/// A CodeCommit client for one role in one region (the scan's, the inbox's, approve and merge).
pub fn codecommit_client(
    ctx: &SsoContext,
    creds: &RoleCredentials,
    region: &str,
) -> aws_sdk_codecommit::Client {
    use aws_config::{BehaviorVersion, Region, retry::RetryConfig};
    aws_sdk_codecommit::Client::from_conf(
        aws_sdk_codecommit::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .endpoint_url(ctx.endpoints.codecommit_url(region))
            .credentials_provider(creds.sdk())
            // Throttling and 5xx are retried with backoff by the SDK's standard strategy.
            .retry_config(RetryConfig::standard().with_max_attempts(5))
            .build(),
    )
}

/// Credentials younger than this before expiry are fetched again (a clone must not outlive them).
const MIN_LEFT: time::Duration = time::Duration::minutes(10);

/// In-memory cache of role credentials, keyed by (sso-session, account, role).
#[derive(Default)]
pub struct RoleCredentialsCache(Mutex<HashMap<(String, String, String), RoleCredentials>>);

impl RoleCredentialsCache {
    /// Cached credentials when they have 10 minutes left, else fresh ones from the portal.
    pub async fn get(
        &self,
        ctx: &SsoContext,
        identity: &Identity,
        account_id: &str,
        role: &str,
        limiter: &RateLimiter,
    ) -> Result<RoleCredentials> {
        self.get_leaving(ctx, identity, account_id, role, limiter, MIN_LEFT)
            .await
    }

    /// Cached credentials when they have `min_left` left, else fresh ones from the portal.
    pub async fn get_leaving(
        &self,
        ctx: &SsoContext,
        identity: &Identity,
        account_id: &str,
        role: &str,
        limiter: &RateLimiter,
        min_left: time::Duration,
    ) -> Result<RoleCredentials> {
        let key = (
            identity.session.clone(),
            account_id.to_owned(),
            role.to_owned(),
        );
        let now = (ctx.clock)();
        if let Some(c) = self.0.lock().unwrap_or_else(|p| p.into_inner()).get(&key)
            && c.expires_at - now > min_left
        {
            return Ok(c.clone());
        }
        let fresh = fetch(ctx, identity, account_id, role, limiter).await?;
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, fresh.clone());
        Ok(fresh)
    }

    /// Forgets every identity's credentials (offboarding).
    pub fn forget_all(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// Forgets an identity's credentials (sign-out).
    pub fn forget(&self, session: &str) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|k, _| k.0 != session);
    }
}

/// The access token of a signed-in identity (refreshed first when it has less than 10 minutes
/// left); every portal caller — discovery, role credentials — gets it here.
pub(crate) async fn access_token(ctx: &SsoContext, identity: &Identity) -> Result<Secret> {
    let _ = crate::sso::refresh(
        ctx,
        identity,
        std::time::Duration::from_secs(10 * 60),
        false,
    )
    .await;
    let token = cache::read_token(&cache::token_path(
        &ctx.paths.sso_cache_dir,
        &identity.session,
    ))?
    .ok_or_else(|| Error::NotSignedIn {
        session: identity.session.clone(),
    })?;
    if token.expires_at <= (ctx.clock)() {
        return Err(Error::SessionExpired {
            session: identity.session.clone(),
        });
    }
    Ok(token.access_token)
}

/// GetRoleCredentials through the identity's rate limiter, no cache.
pub(crate) async fn fetch(
    ctx: &SsoContext,
    identity: &Identity,
    account_id: &str,
    role: &str,
    limiter: &RateLimiter,
) -> Result<RoleCredentials> {
    let token = access_token(ctx, identity).await?;
    let issued = crate::sso::session::issued_identity(ctx, identity);
    let (client, endpoint) = crate::sso::client::portal(&ctx.endpoints, &issued);
    let out = crate::accounts::call(identity, &endpoint, "GetRoleCredentials", limiter, || {
        client
            .get_role_credentials()
            .access_token(token.expose())
            .account_id(account_id)
            .role_name(role)
            .send()
    })
    .await?;
    let rc = out.role_credentials().ok_or_else(|| Error::Aws {
        session: identity.session.clone(),
        op: "GetRoleCredentials",
        code: "EmptyResponse".into(),
        message: "no credentials in the answer".into(),
    })?;
    let missing = || Error::Aws {
        session: identity.session.clone(),
        op: "GetRoleCredentials",
        code: "EmptyResponse".into(),
        message: "incomplete credentials".into(),
    };
    Ok(RoleCredentials {
        access_key_id: rc.access_key_id().ok_or_else(missing)?.to_owned(),
        secret_access_key: Secret::new(rc.secret_access_key().ok_or_else(missing)?),
        session_token: Secret::new(rc.session_token().ok_or_else(missing)?),
        expires_at: OffsetDateTime::from_unix_timestamp_nanos(
            i128::from(rc.expiration()) * 1_000_000,
        )
        .unwrap_or_else(|_| (ctx.clock)()),
    })
}

//! Discovering every account and role an identity can use: ListAccounts + ListAccountRoles,
//! concurrently but through one shared, adaptive rate limiter per identity, so thousands of
//! accounts never trip the portal's throttling (LANDSCAPE.md §4c). A 429 slows the limiter down
//! and is retried; it never triggers a new sign-in.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use aws_config::{BehaviorVersion, Region, retry::RetryConfig};
use aws_sdk_sso::error::{ProvideErrorMetadata, SdkError};
use rand::Rng;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use ts_rs::TS;

use crate::sso::{Identity, SsoContext};
use crate::{Error, Result};

/// An account and the roles the identity has in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AccountRoles {
    /// 12-digit account id.
    pub account_id: String,
    /// Account name.
    pub account_name: String,
    /// Root email address.
    pub email: String,
    /// Role (permission set) names, sorted.
    pub roles: Vec<String>,
}

/// Progress of a discovery, for "accounts 312/1,480, ETA 40 s".
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DiscoveryProgress {
    /// Accounts whose roles are known.
    pub accounts_done: u32,
    /// Accounts listed so far (final once `listing_complete`).
    pub accounts_total: u32,
    /// Whether ListAccounts has returned its last page.
    pub listing_complete: bool,
    /// Throttling answers absorbed so far.
    pub throttled: u32,
    /// Estimated seconds left, once it can be estimated.
    pub eta_secs: Option<u32>,
}

/// One account arriving during a discovery, with the progress so far (what the UI streams).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DiscoveryEvent {
    /// The account that just arrived.
    pub account: AccountRoles,
    /// Progress so far.
    pub progress: DiscoveryProgress,
}

/// A pacer whose rate halves on throttling and creeps back up on success (AIMD).
pub struct RateLimiter {
    max_rate: f64,
    state: Mutex<LimiterState>,
}

struct LimiterState {
    rate: f64,
    tokens: f64,
    last: Instant,
    throttled: u32,
}

impl RateLimiter {
    /// A limiter allowing at most `max_rate` requests in any second, evenly spaced. No burst:
    /// a second's worth up front on top of the steady rate put 28 requests into one second of
    /// the 1,000-account sync (measured by the emulator), where the portal allows 20.
    pub fn new(max_rate: f64) -> Self {
        RateLimiter {
            max_rate,
            state: Mutex::new(LimiterState {
                rate: max_rate,
                tokens: 1.0,
                last: Instant::now(),
                throttled: 0,
            }),
        }
    }

    /// Waits for a slot.
    pub async fn acquire(&self) {
        loop {
            let wait = {
                let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                s.tokens = (s.tokens + now.duration_since(s.last).as_secs_f64() * s.rate).min(1.0);
                s.last = now;
                if s.tokens >= 1.0 {
                    s.tokens -= 1.0;
                    return;
                }
                Duration::from_secs_f64((1.0 - s.tokens) / s.rate)
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// A throttling answer: halve the rate (not below 1/s) and wait a full interval again.
    pub fn throttled(&self) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.rate = (s.rate / 2.0).max(1.0);
        s.tokens = s.tokens.min(0.0);
        s.throttled += 1;
    }

    /// A success: recover slowly towards the maximum.
    pub fn succeeded(&self) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.rate = (s.rate + 0.05).min(self.max_rate);
    }

    /// The current rate (requests per second).
    pub fn rate(&self) -> f64 {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).rate
    }

    /// Throttling answers seen.
    pub fn throttled_count(&self) -> u32 {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .throttled
    }
}

/// Where an identity's discovered accounts are cached (stale-while-revalidate).
pub fn cache_path(ctx: &SsoContext, session: &str) -> PathBuf {
    ctx.paths
        .data_dir
        .join("accounts")
        .join(format!("{session}.json"))
}

/// The last discovery's result, if any (a corrupt cache counts as none: it is only a cache).
pub fn cached(ctx: &SsoContext, session: &str) -> Option<Vec<AccountRoles>> {
    serde_json::from_slice(&std::fs::read(cache_path(ctx, session)).ok()?).ok()
}

enum Attempt<T> {
    Done(T),
    Retry,
}

/// Runs one portal call through the limiter with retries on throttling, 5xx and dropped
/// connections (exponential backoff with full jitter). Unauthorized is final.
pub(crate) async fn call<T, E, F, Fut>(
    identity: &Identity,
    endpoint: &str,
    op: &'static str,
    limiter: &RateLimiter,
    mut f: F,
) -> Result<T>
where
    E: ProvideErrorMetadata + std::fmt::Debug,
    F: FnMut() -> Fut,
    Fut: std::future::Future<
            Output = std::result::Result<T, SdkError<E, aws_sdk_sso::config::http::HttpResponse>>,
        >,
{
    let mut backoff = Duration::from_millis(200);
    for attempt in 1..=10 {
        limiter.acquire().await;
        let outcome = match f().await {
            Ok(v) => {
                limiter.succeeded();
                Attempt::Done(v)
            }
            Err(SdkError::ServiceError(s)) if s.err().code() == Some("UnauthorizedException") => {
                return Err(Error::SessionExpired {
                    session: identity.session.clone(),
                });
            }
            Err(SdkError::ServiceError(s))
                if s.err().code() == Some("TooManyRequestsException")
                    || s.raw().status().as_u16() == 429 =>
            {
                limiter.throttled();
                Attempt::Retry
            }
            Err(SdkError::ServiceError(s)) if s.raw().status().is_server_error() => Attempt::Retry,
            Err(
                SdkError::DispatchFailure(_)
                | SdkError::TimeoutError(_)
                | SdkError::ResponseError(_),
            ) if attempt < 10 => Attempt::Retry,
            Err(e) => return Err(crate::sso::client::sdk_error(identity, endpoint, op, e)),
        };
        match outcome {
            Attempt::Done(v) => return Ok(v),
            Attempt::Retry => {
                let jitter = rand::rng().random_range(0.0..1.0);
                tokio::time::sleep(backoff.mul_f64(0.5 + jitter)).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
    Err(Error::Aws {
        session: identity.session.clone(),
        op,
        code: "Throttled".into(),
        message: "still throttled after 10 attempts".into(),
    })
}

/// Lists every account and its roles. `on_account` sees each account as soon as its roles are
/// known (so a UI can show and search a partial list); the result is cached.
pub async fn discover(
    ctx: &SsoContext,
    identity: &Identity,
    limiter: Arc<RateLimiter>,
    on_account: &(dyn Fn(&AccountRoles, &DiscoveryProgress) + Send + Sync),
) -> Result<Vec<AccountRoles>> {
    // A token that expires during a long discovery is refreshed first, never re-authenticated.
    let access_token = crate::codecommit::creds::access_token(ctx, identity).await?;
    let issued = crate::sso::session::issued_identity(ctx, identity);
    let endpoint = ctx.endpoints.portal_url(&issued.region);
    let client = aws_sdk_sso::Client::from_conf(
        aws_sdk_sso::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(issued.region.clone()))
            .endpoint_url(&endpoint)
            .retry_config(RetryConfig::disabled())
            .build(),
    );
    let access = access_token.expose().to_owned();
    let started = Instant::now();
    let progress = Arc::new(Mutex::new(DiscoveryProgress {
        accounts_done: 0,
        accounts_total: 0,
        listing_complete: false,
        throttled: 0,
        eta_secs: None,
    }));
    let results: Arc<Mutex<Vec<AccountRoles>>> = Arc::default();
    let in_flight = Arc::new(Semaphore::new(8));
    let mut tasks = tokio::task::JoinSet::new();
    let mut next: Option<String> = None;
    loop {
        let page = call(identity, &endpoint, "ListAccounts", &limiter, || {
            client
                .list_accounts()
                .access_token(&access)
                .max_results(100)
                .set_next_token(next.clone())
                .send()
        })
        .await?;
        for a in page.account_list() {
            let (client, access, limiter, identity, endpoint) = (
                client.clone(),
                access.clone(),
                limiter.clone(),
                identity.clone(),
                endpoint.clone(),
            );
            let (progress, results, in_flight) =
                (progress.clone(), results.clone(), in_flight.clone());
            let account = AccountRoles {
                account_id: a.account_id().unwrap_or_default().to_owned(),
                account_name: a.account_name().unwrap_or_default().to_owned(),
                email: a.email_address().unwrap_or_default().to_owned(),
                roles: vec![],
            };
            progress
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .accounts_total += 1;
            tasks.spawn(async move {
                let _slot = in_flight.acquire().await.expect("semaphore open");
                let mut roles = vec![];
                let mut next: Option<String> = None;
                loop {
                    let out = call(&identity, &endpoint, "ListAccountRoles", &limiter, || {
                        client
                            .list_account_roles()
                            .access_token(&access)
                            .account_id(&account.account_id)
                            .max_results(100)
                            .set_next_token(next.clone())
                            .send()
                    })
                    .await?;
                    roles.extend(
                        out.role_list()
                            .iter()
                            .filter_map(|r| r.role_name().map(str::to_owned)),
                    );
                    next = out.next_token().map(str::to_owned);
                    if next.is_none() {
                        break;
                    }
                }
                roles.sort();
                let done = AccountRoles { roles, ..account };
                results
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(done.clone());
                let mut p = progress.lock().unwrap_or_else(|p| p.into_inner());
                p.accounts_done += 1;
                p.throttled = limiter.throttled_count();
                Ok::<_, Error>((done, p.clone()))
            });
        }
        // Report what finished while listing.
        while let Some(r) = tasks.try_join_next() {
            report(r, &progress, started, on_account)?;
        }
        next = page.next_token().map(str::to_owned);
        if next.is_none() {
            break;
        }
    }
    progress
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .listing_complete = true;
    while let Some(r) = tasks.join_next().await {
        report(r, &progress, started, on_account)?;
    }
    let mut all = std::mem::take(&mut *results.lock().unwrap_or_else(|p| p.into_inner()));
    all.sort_by(|a, b| {
        a.account_name
            .cmp(&b.account_name)
            .then(a.account_id.cmp(&b.account_id))
    });
    let bytes = serde_json::to_vec(&all).map_err(|e| Error::Config {
        path: cache_path(ctx, &identity.session),
        reason: e.to_string(),
    })?;
    crate::fsx::write_private(&cache_path(ctx, &identity.session), &bytes)?;
    Ok(all)
}

fn report(
    r: std::result::Result<Result<(AccountRoles, DiscoveryProgress)>, tokio::task::JoinError>,
    progress: &Mutex<DiscoveryProgress>,
    started: Instant,
    on_account: &(dyn Fn(&AccountRoles, &DiscoveryProgress) + Send + Sync),
) -> Result<()> {
    let (account, mut p) = r.map_err(|e| Error::Config {
        path: PathBuf::new(),
        reason: format!("discovery task failed: {e}"),
    })??;
    let live = progress.lock().unwrap_or_else(|p| p.into_inner()).clone();
    p.listing_complete = live.listing_complete;
    p.accounts_total = live.accounts_total;
    if p.accounts_done > 0 && live.listing_complete {
        let per = started.elapsed().as_secs_f64() / p.accounts_done as f64;
        p.eta_secs = Some((per * (p.accounts_total - p.accounts_done) as f64).ceil() as u32);
    }
    on_account(&account, &p);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn limiter_paces_halves_on_throttle_and_recovers() {
        let l = RateLimiter::new(20.0);
        let start = tokio::time::Instant::now();
        let mut at = vec![];
        for _ in 0..40 {
            l.acquire().await;
            at.push(start.elapsed().as_secs_f64());
        }
        let took = at[39];
        assert!(
            (1.9..2.0).contains(&took),
            "40 evenly spaced at 20/s take 1.95 s, took {took}"
        );
        let busiest = at
            .iter()
            .map(|t| at.iter().filter(|u| (*t..t + 1.0).contains(*u)).count())
            .max();
        assert_eq!(busiest, Some(20), "never more than 20 within a second");
        l.throttled();
        assert_eq!(l.rate(), 10.0);
        l.throttled();
        l.throttled();
        l.throttled();
        l.throttled();
        assert_eq!(l.rate(), 1.0, "never below 1/s");
        for _ in 0..100 {
            l.succeeded();
        }
        assert!(
            (5.9..6.1).contains(&l.rate()),
            "recovers slowly: {}",
            l.rate()
        );
        assert_eq!(l.throttled_count(), 5);
    }
}

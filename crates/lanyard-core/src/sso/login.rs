//! Signing in: authorization code + PKCE through a loopback listener (the default, as AWS CLI v2
//! ≥ 2.22 does; PROTOCOL.md §2), or the device-authorization flow (PROTOCOL.md §1.6). Both end
//! with the token written to the standard cache so the AWS CLI and SDKs use it directly.

use std::convert::Infallible;
use std::time::Duration;

use base64::Engine;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use super::cache::{self, CachedToken, Registration};
use super::client::{Oidc, TokenError, Tokens, sdk_error, token_error, tokens};
use super::{Identity, SsoContext};
use crate::secret::Secret;
use crate::{Error, Result};

/// How to sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum LoginMethod {
    /// Authorization code + PKCE, or the device flow when no browser can be opened.
    Auto,
    /// Authorization code + PKCE only.
    AuthCode,
    /// The device-authorization flow.
    DeviceCode,
}

/// Progress of a sign-in, for the window, the tray and the CLI. Holds nothing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(
    tag = "step",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[ts(export)]
pub enum LoginStep {
    /// Waiting for the person to approve in the browser at `url`.
    OpenBrowser {
        /// The authorize URL.
        url: String,
        /// Whether Lanyard could open a browser itself.
        opened: bool,
    },
    /// Show this code; the person confirms it at the verification URL.
    DeviceCode {
        /// The code to show prominently.
        user_code: String,
        /// Where to enter it.
        verification_uri: String,
        /// The same with the code filled in.
        verification_uri_complete: String,
        /// When the code stops working (RFC 3339).
        expires_at: String,
    },
    /// The service asked Lanyard to poll more slowly.
    SlowDown {
        /// The new polling interval.
        #[ts(type = "number")]
        interval_secs: u64,
    },
    /// Approved; exchanging for a token.
    Exchanging,
}

/// Options for [`login`].
#[derive(Debug, Clone)]
pub struct LoginOptions {
    /// Which flow.
    pub method: LoginMethod,
    /// How long to wait for the person (default 10 minutes).
    pub timeout: Duration,
    /// Try to open a browser (false: only report the URL, e.g. `--no-browser`).
    pub open_browser: bool,
}

impl Default for LoginOptions {
    fn default() -> Self {
        LoginOptions {
            method: LoginMethod::Auto,
            timeout: Duration::from_secs(600),
            open_browser: true,
        }
    }
}

/// What a successful sign-in produced.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// When the access token expires (it is refreshed before then).
    pub expires_at: time::OffsetDateTime,
    /// Whether a refresh token was issued.
    pub refreshable: bool,
    /// Seconds IAM Identity Center's clock is ahead of this computer's (negative: behind), when
    /// more than 5 minutes: signed AWS requests (CodeCommit) will fail until the clock is fixed.
    pub clock_skew_secs: Option<i64>,
    /// Where the start URL led (the same URL unless it is a vanity URL).
    pub resolved: super::ResolvedStartUrl,
    /// Set when the portal's region differs from the configured `sso_region`: what was done
    /// about it ("SSO region updated to …", as the AWS CLI prints, or what to change).
    pub region_note: Option<String>,
}

/// Callbacks a front end gives [`login`].
pub struct LoginUi<'a> {
    /// Opens a URL in the person's browser; false when none could be opened.
    pub open: &'a (dyn Fn(&str) -> bool + Send + Sync),
    /// Reports progress.
    pub step: &'a (dyn Fn(LoginStep) + Send + Sync),
}

enum Flow {
    InvalidClient,
    NoBrowser,
    Fatal(Error),
}

impl From<Error> for Flow {
    fn from(e: Error) -> Self {
        Flow::Fatal(e)
    }
}

/// Signs in to `identity` and writes the token cache (and Lanyard's keyring copies).
pub async fn login(
    ctx: &SsoContext,
    identity: &Identity,
    opts: &LoginOptions,
    ui: &LoginUi<'_>,
    cancel: &CancellationToken,
) -> Result<SignedIn> {
    let configured = identity;
    // A vanity URL is asked where it leads first; its portal host names the region, which then
    // wins over the configured one for this sign-in (as in the AWS CLI).
    let resolving = super::resolve::resolve(
        &identity.start_url,
        Some(&identity.region),
        ctx.endpoints.ca_bundle.as_deref(),
    );
    let resolved = tokio::select! {
        _ = cancel.cancelled() => return Err(Error::LoginCancelled { session: identity.session.clone() }),
        r = resolving => r?,
    };
    let identity = &Identity {
        region: resolved.region.clone(),
        ..identity.clone()
    };
    let oidc = Oidc::new(&ctx.endpoints, identity);
    tracing::info!(
        session = %identity.session,
        oidc = %oidc.endpoint,
        portal = %ctx.endpoints.portal_url(&identity.region),
        "signing in through these endpoints"
    );
    let mut method = opts.method;
    let mut fresh_registration = false;
    for _ in 0..3 {
        let pkce = method != LoginMethod::DeviceCode;
        let reg = registration(ctx, &oidc, identity, &resolved, pkce, fresh_registration).await?;
        let result = if pkce {
            auth_code(ctx, &oidc, identity, &reg, opts, method, ui, cancel).await
        } else {
            device_code(ctx, &oidc, identity, &resolved, &reg, opts, ui, cancel).await
        };
        match result {
            Ok(t) => {
                let mut signed = persist(ctx, identity, &reg, t, resolved)?;
                signed.clock_skew_secs = oidc.server_date.skew_beyond((ctx.clock)(), 300);
                signed.region_note = correct_region(ctx, configured, &identity.region);
                return Ok(signed);
            }
            // The CLI gives up here; a fresh registration almost always fixes it.
            Err(Flow::InvalidClient) if !fresh_registration => fresh_registration = true,
            Err(Flow::InvalidClient) => {
                return Err(Error::LoginFailed {
                    session: identity.session.clone(),
                    reason: "the client registration was refused twice".into(),
                });
            }
            Err(Flow::NoBrowser) => method = LoginMethod::DeviceCode,
            Err(Flow::Fatal(e)) => return Err(e),
        }
    }
    Err(Error::LoginFailed {
        session: identity.session.clone(),
        reason: "no sign-in flow completed".into(),
    })
}

fn scopes(identity: &Identity) -> Vec<String> {
    if identity.scopes.is_empty() {
        vec![super::DEFAULT_SCOPE.to_owned()]
    } else {
        identity.scopes.clone()
    }
}

/// After a sign-in whose portal is in another region than `sso_region` says: Lanyard's own
/// identity is corrected in the config, as `aws sso login` corrects it; a section the user wrote
/// is left as it is (their bytes never change) and the note says what to change.
fn correct_region(ctx: &SsoContext, configured: &Identity, region: &str) -> Option<String> {
    if configured.region == region {
        return None;
    }
    let session = &configured.session;
    if !configured.managed {
        return Some(format!(
            "The portal of {session} is in {region}, but [sso-session {session}] says sso_region = {}: change it to {region} there for other tools (Lanyard uses {region} for this session and does not edit your own sections).",
            configured.region
        ));
    }
    match super::identity::set_region(&ctx.paths, session, &configured.start_url, region) {
        Ok(true) => Some(format!("SSO region updated to {region}")),
        // Edited or removed while signing in: that change stands.
        Ok(false) => None,
        Err(e) => Some(format!(
            "The portal of {session} is in {region}, but sso_region could not be updated: {e}"
        )),
    }
}

/// The cached registration when still good for 15 minutes and for this flow, else a new one.
async fn registration(
    ctx: &SsoContext,
    oidc: &Oidc,
    identity: &Identity,
    resolved: &super::ResolvedStartUrl,
    pkce: bool,
    force_new: bool,
) -> Result<Registration> {
    let configured = (!identity.scopes.is_empty()).then_some(identity.scopes.as_slice());
    let path = cache::registration_path(
        &ctx.paths.sso_cache_dir,
        &identity.start_url,
        &identity.region,
        configured,
        &identity.session,
    );
    let now = (ctx.clock)();
    if !force_new && let Some(r) = cache::read_registration(&path) {
        let is_pkce = r
            .grant_types
            .as_ref()
            .is_some_and(|g| g.iter().any(|x| x == "authorization_code"));
        if r.expires_at - now > time::Duration::minutes(15) && is_pkce == pkce {
            return Ok(r);
        }
    }
    let mut req = oidc
        .client
        .register_client()
        .client_name(format!("lanyard-{}", identity.session))
        .client_type("public")
        .set_scopes(Some(scopes(identity)));
    if pkce {
        req = req
            .grant_types("authorization_code")
            .grant_types("refresh_token")
            .redirect_uris("http://127.0.0.1/oauth/callback")
            .issuer_url(&resolved.resolved_url);
    }
    let out = req.send().await.map_err(|e| match e {
        aws_sdk_ssooidc::error::SdkError::ServiceError(s) if s.err().is_invalid_scope_exception() => {
            Error::LoginFailed {
                session: identity.session.clone(),
                reason: format!(
                    "IAM Identity Center refused the registration scopes {}: check sso_registration_scopes in [sso-session {}] (the usual value is {})",
                    scopes(identity).join(","),
                    identity.session,
                    super::DEFAULT_SCOPE
                ),
            }
        }
        e => sdk_error(identity, &oidc.endpoint, "RegisterClient", e),
    })?;
    let missing = || Error::Protocol {
        session: identity.session.clone(),
        endpoint: oidc.endpoint.clone(),
        region: identity.region.clone(),
        detail: "RegisterClient returned no client id or secret".into(),
    };
    let reg = Registration {
        client_id: out.client_id().ok_or_else(missing)?.to_owned(),
        client_secret: Secret::new(out.client_secret().ok_or_else(missing)?),
        expires_at: time::OffsetDateTime::from_unix_timestamp(out.client_secret_expires_at())
            .map_err(|_| missing())?,
        scopes: configured.map(<[String]>::to_vec),
        grant_types: pkce
            .then(|| vec!["authorization_code".to_owned(), "refresh_token".to_owned()]),
    };
    cache::write_registration(&path, &reg)?;
    Ok(reg)
}

const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes everything but RFC 3986's unreserved characters (query values).
pub(crate) fn enc(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

/// A PKCE verifier: 64 characters from `[A-Za-z0-9-._~]`, as the AWS CLI makes them.
pub fn pkce_verifier() -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    let mut rng = rand::rng();
    (0..64)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

/// `base64url(sha256(verifier))` without padding.
pub fn pkce_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The `/authorize` URL, parameters in the AWS CLI's order (PROTOCOL.md §2.2).
pub fn authorize_url(
    oidc_base: &str,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    scopes: &[String],
    challenge: &str,
) -> String {
    format!(
        "{}/authorize?response_type=code&client_id={}&redirect_uri={}&state={}&code_challenge_method=S256&scopes={}&code_challenge={}",
        oidc_base.trim_end_matches('/'),
        enc(client_id),
        enc(redirect_uri),
        enc(state),
        enc(&scopes.join(" ")),
        enc(challenge)
    )
}

fn page(title: &str, body: &str) -> Response<Full<Bytes>> {
    let html = format!(
        "<!doctype html><meta charset=utf-8><title>{title}</title><body style=\"font-family:system-ui,sans-serif;max-width:32rem;margin:15vh auto;text-align:center\"><h1>{title}</h1><p>{body}</p></body>"
    );
    Response::builder()
        .header("content-type", "text/html; charset=utf-8")
        .header("cache-control", "no-store")
        .body(Full::new(Bytes::from(html)))
        .expect("static response")
}

type Callback = std::result::Result<(String, String), (String, String)>;

#[allow(clippy::too_many_arguments)]
async fn auth_code(
    ctx: &SsoContext,
    oidc: &Oidc,
    identity: &Identity,
    reg: &Registration,
    opts: &LoginOptions,
    method: LoginMethod,
    ui: &LoginUi<'_>,
    cancel: &CancellationToken,
) -> std::result::Result<Tokens, Flow> {
    let io = |source| Error::LoginFailed {
        session: identity.session.clone(),
        reason: format!("cannot listen on 127.0.0.1: {source}"),
    };
    // 127.0.0.1 only: the AWS CLI binds every interface (PROTOCOL.md §2.2).
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(io)?;
    let port = listener.local_addr().map_err(io)?.port();
    let redirect = format!("http://127.0.0.1:{port}/oauth/callback");
    let verifier = pkce_verifier();
    let state = hex::encode(rand::rng().random::<[u8; 16]>());
    let url = authorize_url(
        &oidc.endpoint,
        &reg.client_id,
        &redirect,
        &state,
        &scopes(identity),
        &pkce_challenge(&verifier),
    );
    let opened = opts.open_browser && (ui.open)(&url);
    if !opened && opts.open_browser && method == LoginMethod::Auto {
        return Err(Flow::NoBrowser);
    }
    (ui.step)(LoginStep::OpenBrowser { url, opened });

    let (tx, mut rx) = mpsc::channel::<Callback>(1);
    let session = identity.session.clone();
    let expected_state = std::sync::Arc::new(state.clone());
    let server_cancel = cancel.child_token();
    let server = server_cancel.clone();
    tokio::spawn(async move {
        loop {
            let stream = tokio::select! {
                _ = server.cancelled() => return,
                s = listener.accept() => match s { Ok((s, peer)) => (s, peer), Err(_) => continue },
            };
            let (stream, peer) = stream;
            // Only this user's processes may answer (the authorize URL, state included, is on
            // the browser's world-readable command line).
            let mine = stream
                .local_addr()
                .is_ok_and(|local| crate::loopback::peer_is_same_user(local, peer));
            let (tx, session, expected) = (tx.clone(), session.clone(), expected_state.clone());
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                    let (tx, session, expected) = (tx.clone(), session.clone(), expected.clone());
                    async move {
                        if req.uri().path() != "/oauth/callback" {
                            return Ok::<_, Infallible>(
                                Response::builder()
                                    .status(404)
                                    .body(Full::new(Bytes::from_static(b"not found")))
                                    .expect("static"),
                            );
                        }
                        let q: std::collections::HashMap<String, String> =
                            url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
                                .into_owned()
                                .collect();
                        if !mine {
                            tracing::warn!(
                                "a sign-in callback came from another user's process; ignored"
                            );
                            return Ok(page(
                                "Not yours",
                                "This sign-in belongs to another user of this computer.",
                            ));
                        }
                        let state = q.get("state").cloned().unwrap_or_default();
                        // Only an answer carrying this sign-in's `state` counts — OAuth returns
                        // it with errors too (RFC 6749 §4.1.2.1). Anything else (a stray page
                        // load, another tab, a forged error) is ignored and the sign-in goes on.
                        if !lanyard_sigv4::signatures_match(&state, &expected) {
                            return Ok(page(
                                "Nothing to do here",
                                "This page does not belong to the sign-in Lanyard is waiting for. You can close this tab.",
                            ));
                        }
                        let result = match (q.get("code"), q.get("error")) {
                            (_, Some(err)) => Err((err.clone(), state)),
                            (Some(code), None) => Ok((code.clone(), state)),
                            (None, None) => Err(("missing_code".into(), state)),
                        };
                        let resp = match &result {
                            Ok(_) => page(
                                "Signed in",
                                &format!(
                                    "Lanyard is signed in to <b>{session}</b>. You can close this tab."
                                ),
                            ),
                            Err((e, _)) if e == "access_denied" => page(
                                "Sign-in denied",
                                "Access was denied. You can close this tab.",
                            ),
                            Err(_) => page(
                                "Sign-in failed",
                                "Lanyard could not complete the sign-in. You can close this tab and try again.",
                            ),
                        };
                        let _ = tx.try_send(result);
                        Ok(resp)
                    }
                });
                let serve = hyper::server::conn::http1::Builder::new()
                    .keep_alive(false)
                    .serve_connection(TokioIo::new(stream), svc);
                let _ = tokio::time::timeout(crate::loopback::REQUEST_TIMEOUT, serve).await;
            });
        }
    });
    let _stop_server = server_cancel.drop_guard();

    let callback = tokio::select! {
        _ = cancel.cancelled() => return Err(Error::LoginCancelled { session: identity.session.clone() }.into()),
        _ = tokio::time::sleep(opts.timeout) => return Err(Error::LoginExpired { session: identity.session.clone(), seconds: opts.timeout.as_secs() }.into()),
        c = rx.recv() => c.expect("the server task holds a sender"),
    };
    // The listener passes on only answers with this sign-in's `state`.
    let code = match callback {
        Ok((code, _)) => code,
        Err((e, _)) if e == "access_denied" => return Err(Error::LoginDenied { session: identity.session.clone() }.into()),
        Err((e, _)) if e == "invalid_scope" => return Err(Error::LoginFailed { session: identity.session.clone(), reason: format!("IAM Identity Center refused the scopes {}: check sso_registration_scopes in [sso-session {}]", scopes(identity).join(","), identity.session) }.into()),
        Err((e, _)) => return Err(Error::LoginFailed { session: identity.session.clone(), reason: format!("the authorization page answered {e}") }.into()),
    };
    (ui.step)(LoginStep::Exchanging);
    let out = oidc
        .client
        .create_token()
        .client_id(&reg.client_id)
        .client_secret(reg.client_secret.expose())
        .grant_type("authorization_code")
        .code(code)
        .redirect_uri(&redirect)
        .code_verifier(&verifier)
        .send()
        .await;
    finish(ctx, oidc, identity, out)
}

fn finish<R: std::fmt::Debug>(
    ctx: &SsoContext,
    oidc: &Oidc,
    identity: &Identity,
    out: std::result::Result<
        aws_sdk_ssooidc::operation::create_token::CreateTokenOutput,
        aws_sdk_ssooidc::error::SdkError<
            aws_sdk_ssooidc::operation::create_token::CreateTokenError,
            R,
        >,
    >,
) -> std::result::Result<Tokens, Flow> {
    match out {
        Ok(o) => tokens(o, (ctx.clock)()).ok_or_else(|| {
            Flow::Fatal(Error::Protocol {
                session: identity.session.clone(),
                endpoint: oidc.endpoint.clone(),
                region: identity.region.clone(),
                detail: "CreateToken returned no access token".into(),
            })
        }),
        Err(e) => Err(match token_error(identity, &oidc.endpoint, e) {
            TokenError::InvalidClient => Flow::InvalidClient,
            TokenError::Denied => Flow::Fatal(Error::LoginDenied {
                session: identity.session.clone(),
            }),
            TokenError::Expired => Flow::Fatal(Error::LoginExpired {
                session: identity.session.clone(),
                seconds: 0,
            }),
            TokenError::InvalidGrant(m) => Flow::Fatal(Error::LoginFailed {
                session: identity.session.clone(),
                reason: m,
            }),
            TokenError::Pending | TokenError::SlowDown => Flow::Fatal(Error::LoginFailed {
                session: identity.session.clone(),
                reason: "unexpected pending state".into(),
            }),
            TokenError::Other(e) => Flow::Fatal(e),
        }),
    }
}

#[allow(clippy::too_many_arguments)]
async fn device_code(
    ctx: &SsoContext,
    oidc: &Oidc,
    identity: &Identity,
    resolved: &super::ResolvedStartUrl,
    reg: &Registration,
    opts: &LoginOptions,
    ui: &LoginUi<'_>,
    cancel: &CancellationToken,
) -> std::result::Result<Tokens, Flow> {
    let start = match oidc
        .client
        .start_device_authorization()
        .client_id(&reg.client_id)
        .client_secret(reg.client_secret.expose())
        .start_url(&resolved.resolved_url)
        .send()
        .await
    {
        Ok(s) => s,
        Err(aws_sdk_ssooidc::error::SdkError::ServiceError(s))
            if s.err().is_invalid_client_exception() =>
        {
            return Err(Flow::InvalidClient);
        }
        Err(e) => {
            return Err(sdk_error(identity, &oidc.endpoint, "StartDeviceAuthorization", e).into());
        }
    };
    let device_code = start.device_code().unwrap_or_default().to_owned();
    let lifetime =
        Duration::from_secs(u64::try_from(start.expires_in()).unwrap_or(600)).min(opts.timeout);
    let expires_at = (ctx.clock)() + lifetime;
    let complete = start
        .verification_uri_complete()
        .or(start.verification_uri())
        .unwrap_or_default()
        .to_owned();
    (ui.step)(LoginStep::DeviceCode {
        user_code: start.user_code().unwrap_or_default().to_owned(),
        verification_uri: start.verification_uri().unwrap_or_default().to_owned(),
        verification_uri_complete: complete.clone(),
        expires_at: cache::format_time(expires_at),
    });
    if opts.open_browser {
        (ui.open)(&complete);
    }
    // An answer without `interval` (0 here) means the CLI's default, 5 s (RFC 8628 §3.2).
    let interval_secs = match start.interval() {
        n if n > 0 => u64::try_from(n).unwrap_or(5),
        _ => 5,
    };
    let mut interval = Duration::from_secs(interval_secs);
    let deadline = tokio::time::Instant::now() + lifetime;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return Err(Error::LoginCancelled { session: identity.session.clone() }.into()),
            _ = tokio::time::sleep_until(deadline) => return Err(Error::LoginExpired { session: identity.session.clone(), seconds: lifetime.as_secs() }.into()),
            _ = tokio::time::sleep(interval) => {}
        }
        let out = oidc
            .client
            .create_token()
            .client_id(&reg.client_id)
            .client_secret(reg.client_secret.expose())
            .grant_type("urn:ietf:params:oauth:grant-type:device_code")
            .device_code(&device_code)
            .send()
            .await;
        match out {
            Ok(_) => {
                (ui.step)(LoginStep::Exchanging);
                return finish(ctx, oidc, identity, out);
            }
            Err(e) => match token_error(identity, &oidc.endpoint, e) {
                TokenError::Pending => {}
                TokenError::SlowDown => {
                    // RFC 8628 §3.5: add 5 seconds to the interval for this and later polls.
                    interval += Duration::from_secs(5);
                    (ui.step)(LoginStep::SlowDown {
                        interval_secs: interval.as_secs(),
                    });
                }
                TokenError::Expired => {
                    return Err(Error::LoginExpired {
                        session: identity.session.clone(),
                        seconds: lifetime.as_secs(),
                    }
                    .into());
                }
                TokenError::Denied => {
                    return Err(Error::LoginDenied {
                        session: identity.session.clone(),
                    }
                    .into());
                }
                TokenError::InvalidClient => return Err(Flow::InvalidClient),
                TokenError::InvalidGrant(m) => {
                    return Err(Error::LoginFailed {
                        session: identity.session.clone(),
                        reason: m,
                    }
                    .into());
                }
                TokenError::Other(e) => return Err(e.into()),
            },
        }
    }
}

/// Writes the token cache file and Lanyard's keyring copies of the long-lived secrets.
fn persist(
    ctx: &SsoContext,
    identity: &Identity,
    reg: &Registration,
    t: Tokens,
    resolved: super::ResolvedStartUrl,
) -> Result<SignedIn> {
    let token = CachedToken {
        start_url: Some(identity.start_url.clone()),
        region: Some(identity.region.clone()),
        access_token: t.access_token,
        expires_at: t.expires_at,
        client_id: Some(reg.client_id.clone()),
        client_secret: Some(reg.client_secret.clone()),
        registration_expires_at: Some(reg.expires_at),
        refresh_token: t.refresh_token,
    };
    cache::write_token(
        &cache::token_path(&ctx.paths.sso_cache_dir, &identity.session),
        &token,
    )?;
    super::save_secrets(ctx, &identity.session, &token);
    if token.refresh_token.is_none() {
        // A previous session's refresh token must not make this one look renewable.
        let _ = ctx
            .secrets
            .delete(&super::secret_key(&identity.session, "refresh-token"));
    }
    Ok(SignedIn {
        expires_at: token.expires_at,
        refreshable: token.refresh_token.is_some(),
        clock_skew_secs: None,
        resolved,
        region_note: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_matches_rfc7636_and_protocol_vectors() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(
            pkce_challenge("bFZHPQev~v2ZqcwM.efbnybZ3hZiPD2jNc9ZzawmpMVU3J5mcfrj9WIIqrqLr7Me"),
            "QPiumG2PPugCyr-8yQVtgX72N-OJ-uhJ7foqKFn5dGE"
        );
        let v = pkce_verifier();
        assert_eq!(v.len(), 64);
        assert!(
            v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        );
    }

    #[test]
    fn authorize_url_matches_the_cli_functional_test() {
        let url = authorize_url(
            "https://oidc.us-east-1.amazonaws.com",
            "auth-client-id",
            "http://127.0.0.1:55555/oauth/callback",
            "00000000-0000-0000-0000-000000000000",
            &["sso:account:access".to_owned()],
            "abc",
        );
        assert_eq!(
            url,
            "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=auth-client-id&redirect_uri=http%3A%2F%2F127.0.0.1%3A55555%2Foauth%2Fcallback&state=00000000-0000-0000-0000-000000000000&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge=abc"
        );
    }
}

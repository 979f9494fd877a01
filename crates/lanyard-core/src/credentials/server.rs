//! A local credential endpoint speaking the container-credentials protocol every AWS SDK and the
//! CLI already read (`AWS_CONTAINER_CREDENTIALS_FULL_URI` + `AWS_CONTAINER_AUTHORIZATION_TOKEN`,
//! PROTOCOL.md §10.4): a long-running process keeps working as role credentials rotate.
//!
//! It listens on the loopback interface only (the address is not a parameter), answers only
//! requests carrying the random per-run token (compared in constant time), serves credentials
//! with at least 15 minutes left (botocore refreshes at 15), and logs no secret.

use std::convert::Infallible;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use tokio::net::TcpListener;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use super::{Credentials, REUSE_WHILE_LEFT};
use crate::secret::Secret;
use crate::sso::Clock;
use crate::{Error, Result};

/// Where credentials come from: called whenever the ones held have less than 15 minutes left.
pub type Source =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<Credentials>> + Send>> + Send + Sync>;

/// A running endpoint.
pub struct Endpoint {
    /// `http://127.0.0.1:PORT/`: the value of `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    pub url: String,
    /// The value of `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
    pub token: Secret,
    listener: TcpListener,
}

/// How long a connection may take to send its request headers: a client that connects and says
/// nothing must not hold a task forever.
const HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// Binds `127.0.0.1:port` (0 = any free port) and makes the per-run token.
pub async fn bind(port: u16) -> Result<Endpoint> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = TcpListener::bind(addr).await.map_err(|source| Error::Io {
        what: "listening on",
        path: addr.to_string().into(),
        source,
    })?;
    let port = listener
        .local_addr()
        .map_err(|source| Error::Io {
            what: "reading the address of",
            path: addr.to_string().into(),
            source,
        })?
        .port();
    Ok(Endpoint {
        url: format!("http://127.0.0.1:{port}/"),
        token: new_token(),
        listener,
    })
}

/// 32 random bytes, base64url: a header-safe token with no line break (both SDKs refuse one).
fn new_token() -> Secret {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    Secret::new(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Equal without an early exit, so the time taken says nothing about how much of a guess matched.
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

struct Shared {
    profile: String,
    token: Secret,
    source: Source,
    clock: Clock,
    held: Mutex<Option<Credentials>>,
}

impl Endpoint {
    /// Serves until `stop` is cancelled.
    pub async fn serve(
        self,
        profile: &str,
        source: Source,
        clock: Clock,
        stop: CancellationToken,
    ) -> Result<()> {
        let shared = Arc::new(Shared {
            profile: profile.to_owned(),
            token: self.token,
            source,
            clock,
            held: Mutex::new(None),
        });
        loop {
            let (stream, _) = tokio::select! {
                () = stop.cancelled() => return Ok(()),
                accepted = self.listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: wait and go on serving.
                        tracing::warn!("credential endpoint: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            let shared = shared.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let shared = shared.clone();
                    async move { Ok::<_, Infallible>(answer(&shared, req).await) }
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                tokio::select! {
                    _ = conn => {}
                    () = stop.cancelled() => {}
                }
            });
        }
    }
}

fn json(status: StatusCode, body: serde_json::Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}

fn refusal(status: StatusCode, code: &str, message: &str) -> Response<Full<Bytes>> {
    json(
        status,
        serde_json::json!({ "Code": code, "Message": message }),
    )
}

async fn answer(shared: &Shared, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let authorized = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .is_some_and(|v| same(v.as_bytes(), shared.token.expose().as_bytes()));
    if !authorized {
        tracing::info!(
            profile = shared.profile,
            "credential endpoint: refused a request without the right token"
        );
        return refusal(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "send the token from AWS_CONTAINER_AUTHORIZATION_TOKEN in the Authorization header",
        );
    }
    if req.method() != hyper::Method::GET {
        return refusal(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "credentials are read with GET",
        );
    }
    match current(shared).await {
        Ok(c) => {
            let mut body = serde_json::json!({
                "AccessKeyId": c.access_key_id,
                "SecretAccessKey": c.secret_access_key.expose(),
                "Token": c.session_token.as_ref().map(Secret::expose).unwrap_or_default(),
                // The Rust SDK refuses offsets here: `Z` (PROTOCOL.md §10.4).
                "Expiration": c.expires_at.map(crate::sso::cache::format_time),
            });
            if let Some(a) = &c.account_id {
                body["AccountId"] = a.clone().into();
            }
            tracing::debug!(
                profile = shared.profile,
                "credential endpoint: served credentials"
            );
            json(StatusCode::OK, body)
        }
        Err(e) => {
            // 503: botocore and the Rust SDK both retry it; the message names the fix.
            tracing::warn!(profile = shared.profile, "credential endpoint: {e}");
            refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "CredentialsUnavailable",
                &crate::logging::redact(&e.to_string()),
            )
        }
    }
}

/// The held credentials while 15 minutes remain, else fresh ones (one fetch at a time: requests
/// arriving meanwhile wait for it instead of each calling the portal).
async fn current(shared: &Shared) -> Result<Credentials> {
    let mut held = shared.held.lock().await;
    let now = (shared.clock)();
    if let Some(c) = held.as_ref()
        && c.expires_at.is_none_or(|t| t - now >= REUSE_WHILE_LEFT)
    {
        return Ok(c.clone());
    }
    let fresh = (shared.source)().await?;
    *held = Some(fresh.clone());
    Ok(fresh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_header_safe_and_differ() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), 43);
        assert!(
            a.expose()
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }

    #[test]
    fn comparison_needs_every_byte() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
        assert!(!same(b"", b"a"));
    }
}

//! Opens the AWS console signed in as a profile's role — the federation flow Granted,
//! aws-sso-cli and Leapp use: the role's credentials from the portal, `getSigninToken` on the
//! federation endpoint, then a `login` URL with the token, opened in the browser.
//!
//! The login URL is a bearer credential for 15 minutes. It is never put in a process's argv:
//! [`open_once`] hands the browser a loopback address that answers once with a redirect to it.

use std::time::Duration;

use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Bytes;

use crate::aws_config::{self, SectionKind};
use crate::codecommit::creds::RoleCredentials;
use crate::secret::Secret;
use crate::sso::Endpoints;
use crate::sso::login::enc;
use crate::{Error, Result};

/// The IAM Identity Center role behind a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRole {
    /// The profile name.
    pub profile: String,
    /// Its `sso_session`.
    pub session: String,
    /// `sso_account_id`.
    pub account_id: String,
    /// `sso_role_name`.
    pub role_name: String,
    /// `region` (the console opens there), if set.
    pub region: Option<String>,
}

fn console_error(profile: &str, reason: impl Into<String>) -> Error {
    Error::Console {
        profile: profile.to_owned(),
        reason: reason.into(),
    }
}

/// Reads `[profile NAME]` from the config text; it must be an `sso_session` profile.
pub fn profile_role(config_text: &str, profile: &str) -> Result<ProfileRole> {
    let sections = aws_config::sections(config_text);
    let Some(section) = sections
        .iter()
        .find(|s| s.kind == SectionKind::Profile(profile.to_owned()))
    else {
        let names: Vec<String> = sections
            .iter()
            .filter_map(|s| match &s.kind {
                SectionKind::Profile(n) => Some(n.clone()),
                _ => None,
            })
            .collect();
        let hint = if names.is_empty() {
            "there are no profiles yet: apply profiles in Lanyard or run `lanyard sync`".to_owned()
        } else {
            format!("profiles are: {}", names.join(", "))
        };
        return Err(console_error(
            profile,
            format!("there is no [profile {profile}] in the AWS config; {hint}"),
        ));
    };
    let get = |k: &str| section.get(k).map(str::to_owned).filter(|v| !v.is_empty());
    match (
        get("sso_session"),
        get("sso_account_id"),
        get("sso_role_name"),
    ) {
        (Some(session), Some(account_id), Some(role_name)) => Ok(ProfileRole {
            profile: profile.to_owned(),
            session,
            account_id,
            role_name,
            region: get("region"),
        }),
        _ => Err(console_error(
            profile,
            "it is not an IAM Identity Center profile (it needs sso_session, sso_account_id and sso_role_name)",
        )),
    }
}

/// The federation endpoint's base for a region's partition (`AWS_ENDPOINT_URL_SIGNIN` overrides).
pub fn signin_base(endpoints: &Endpoints, region: &str) -> String {
    if let Some(base) = &endpoints.signin {
        return base.trim_end_matches('/').to_owned();
    }
    if region.starts_with("us-gov-") {
        "https://signin.amazonaws-us-gov.com".into()
    } else if region.starts_with("cn-") {
        "https://signin.amazonaws.cn".into()
    } else {
        "https://signin.aws.amazon.com".into()
    }
}

/// The console home page for a region.
pub fn destination(region: &str) -> String {
    let host = if region.starts_with("us-gov-") {
        "console.amazonaws-us-gov.com".to_owned()
    } else if region.starts_with("cn-") {
        "console.amazonaws.cn".to_owned()
    } else {
        format!("{region}.console.aws.amazon.com")
    };
    format!("https://{host}/console/home?region={region}")
}

/// A console page for a region: `path` (with its query) on the partition's console host.
pub fn page(region: &str, path_and_query: &str) -> String {
    let home = destination(region);
    let host_end = home["https://".len()..]
        .find('/')
        .map_or(home.len(), |i| i + "https://".len());
    format!("{}{path_and_query}", &home[..host_end])
}

/// `GET {base}/federation?Action=getSigninToken&Session=…`, then the `login` URL. No
/// `SessionDuration`: the console session then lasts as long as the role credentials do (AWS
/// refuses `SessionDuration` for some temporary credentials).
pub async fn signin_url(
    endpoints: &Endpoints,
    role: &ProfileRole,
    fallback_region: &str,
    creds: &RoleCredentials,
) -> Result<Secret> {
    signin_url_to(endpoints, role, fallback_region, creds, None).await
}

/// [`signin_url`], landing on `to` (a console page) instead of the region's home.
pub async fn signin_url_to(
    endpoints: &Endpoints,
    role: &ProfileRole,
    fallback_region: &str,
    creds: &RoleCredentials,
    to: Option<&str>,
) -> Result<Secret> {
    let region = role
        .region
        .clone()
        .unwrap_or_else(|| fallback_region.to_owned());
    let base = signin_base(endpoints, &region);
    let session = serde_json::json!({
        "sessionId": creds.access_key_id,
        "sessionKey": creds.secret_access_key.expose(),
        "sessionToken": creds.session_token.expose(),
    })
    .to_string();
    let url = format!(
        "{base}/federation?Action=getSigninToken&Session={}",
        enc(&session)
    );
    let (status, body) = get(&url).await.map_err(|e| console_error(&role.profile, format!("cannot reach {base}/federation ({e}); check your network or AWS_ENDPOINT_URL_SIGNIN")))?;
    let token = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["SigninToken"].as_str().map(str::to_owned));
    let token = match (status, token) {
        (200, Some(t)) if !t.is_empty() => Secret::new(t),
        (s, _) => {
            let hint: String = String::from_utf8_lossy(&body)
                .chars()
                .filter(|c| !c.is_control())
                .take(120)
                .collect();
            return Err(console_error(
                &role.profile,
                format!(
                    "the federation endpoint {base}/federation refused the role's credentials (HTTP {s}: {hint})"
                ),
            ));
        }
    };
    Ok(Secret::new(format!(
        "{base}/federation?Action=login&Issuer={}&Destination={}&SigninToken={}",
        enc("https://github.com/lanyard-dev/lanyard"),
        enc(&to.map_or_else(|| destination(&region), str::to_owned)),
        enc(token.expose())
    )))
}

/// The console sign-in URL for a profile: its role's credentials (cached, through the limiter
/// `limiter_for` gives for the profile's sso-session), then [`signin_url`].
pub async fn url_for_profile(
    ctx: &crate::sso::SsoContext,
    creds: &crate::codecommit::RoleCredentialsCache,
    limiter_for: impl FnOnce(&str) -> std::sync::Arc<crate::accounts::RateLimiter>,
    profile: &str,
) -> Result<Secret> {
    let text = crate::sso::identity::read_config(&ctx.paths.aws_config_file)?;
    let role = profile_role(&text, profile)?;
    let identity = crate::sso::identity::find(&ctx.paths.aws_config_file, &role.session)?;
    let c = creds
        .get(
            ctx,
            &identity,
            &role.account_id,
            &role.role_name,
            &limiter_for(&role.session),
        )
        .await?;
    signin_url(&ctx.endpoints, &role, &identity.region, &c).await
}

/// The most a federation answer may hold (a sign-in token is about 1 KB): a larger or endless
/// body from a wrong or hostile endpoint is an error, not memory.
const MAX_FEDERATION_BODY: usize = 64 * 1024;

/// How long the whole federation request, body included, may take.
const FEDERATION_TIMEOUT: Duration = Duration::from_secs(20);

async fn get(url: &str) -> std::result::Result<(u16, Bytes), String> {
    tokio::time::timeout(FEDERATION_TIMEOUT, get_unbounded_in_time(url))
        .await
        .map_err(|_| {
            format!(
                "no complete answer within {} s",
                FEDERATION_TIMEOUT.as_secs()
            )
        })?
}

async fn get_unbounded_in_time(url: &str) -> std::result::Result<(u16, Bytes), String> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
        .map_err(|e| e.to_string())?
        .https_or_http()
        .enable_http1()
        .build();
    let client: hyper_util::client::legacy::Client<_, Empty<Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(https);
    let uri: hyper::Uri = url
        .parse()
        .map_err(|e: hyper::http::uri::InvalidUri| e.to_string())?;
    let fut = client.get(uri);
    // The error text of a failed request never includes the URL's query (it holds the session).
    let resp = fut.await.map_err(|e| {
        use std::error::Error as _;
        e.source()
            .map(|s| s.to_string())
            .unwrap_or_else(|| "connection failed".into())
    })?;
    let status = resp.status().as_u16();
    let body = http_body_util::Limited::new(resp.into_body(), MAX_FEDERATION_BODY)
        .collect()
        .await
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                format!(
                    "the answer is larger than {} KiB",
                    MAX_FEDERATION_BODY / 1024
                )
            } else {
                e.to_string()
            }
        })?
        .to_bytes();
    Ok((status, body))
}

/// Opens `url` in the browser without putting it in any argv: `open` gets a loopback address
/// (`http://127.0.0.1:PORT/console/<nonce>`) that answers once with a redirect to `url`, then
/// closes. Returns when the browser fetched it, or fails after `timeout`.
pub async fn open_once(
    profile: &str,
    url: &Secret,
    open: &(dyn Fn(&str) -> bool + Send + Sync),
    timeout: Duration,
) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| console_error(profile, format!("cannot listen on loopback: {e}")))?;
    let port = listener
        .local_addr()
        .map_err(|e| console_error(profile, e.to_string()))?
        .port();
    let nonce = crate::sso::login::pkce_verifier();
    let path = format!("/console/{}", &nonce[..32]);
    let local = format!("http://127.0.0.1:{port}{path}");
    if !open(&local) {
        return Err(console_error(
            profile,
            "no browser could be started; use `lanyard console PROFILE --print` and paste the URL into a browser",
        ));
    }
    let deadline = tokio::time::Instant::now() + timeout;
    // Each connection is served on its own, within REQUEST_TIMEOUT: an idle or slow one cannot
    // hold up the browser's. The redirect is given once, and only to this user's processes.
    let (hit_tx, mut hit_rx) = tokio::sync::mpsc::channel::<()>(1);
    let used = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    loop {
        let accepted = tokio::select! {
            _ = hit_rx.recv() => return Ok(()),
            a = tokio::time::timeout_at(deadline, listener.accept()) => a,
        };
        let Ok(Ok((stream, peer))) = accepted else {
            return Err(console_error(
                profile,
                format!(
                    "the browser did not open the console within {} s",
                    timeout.as_secs()
                ),
            ));
        };
        let mine = stream
            .local_addr()
            .is_ok_and(|local| crate::loopback::peer_is_same_user(local, peer));
        let (target, want) = (url.expose().to_owned(), path.clone());
        let (hit_tx, used) = (hit_tx.clone(), used.clone());
        tokio::spawn(async move {
            // Set when this connection got the redirect; reported once the answer is written.
            let gave = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let gave_here = gave.clone();
            let svc =
                hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let resp = if !mine {
                        tracing::warn!(
                            "a console hand-off request came from another user's process; refused"
                        );
                        hyper::Response::builder()
                            .status(403)
                            .body(Full::new(Bytes::from_static(
                                b"this sign-in belongs to another user",
                            )))
                    } else if req.uri().path() == want
                        && !used.swap(true, std::sync::atomic::Ordering::SeqCst)
                    {
                        gave_here.store(true, std::sync::atomic::Ordering::SeqCst);
                        hyper::Response::builder()
                            .status(302)
                            .header("location", target.clone())
                            .header("cache-control", "no-store")
                            .body(Full::new(Bytes::new()))
                    } else {
                        hyper::Response::builder()
                            .status(404)
                            .body(Full::new(Bytes::from_static(b"not found")))
                    };
                    async move { Ok::<_, std::convert::Infallible>(resp.expect("static response")) }
                });
            let serve = hyper::server::conn::http1::Builder::new()
                .keep_alive(false)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), svc);
            let _ = tokio::time::timeout(crate::loopback::REQUEST_TIMEOUT, serve).await;
            if gave.load(std::sync::atomic::Ordering::SeqCst) {
                let _ = hit_tx.send(()).await;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "[profile dev]\nsso_session = acme\nsso_account_id = 111122223333\nsso_role_name = Developer\nregion = eu-west-1\n\n[profile static]\naws_access_key_id = AKIDEXAMPLE\n";

    #[test]
    fn profiles_resolve_or_say_why_not() {
        let r = profile_role(CONFIG, "dev").unwrap();
        assert_eq!(
            (
                r.session.as_str(),
                r.account_id.as_str(),
                r.role_name.as_str(),
                r.region.as_deref()
            ),
            ("acme", "111122223333", "Developer", Some("eu-west-1"))
        );
        let e = profile_role(CONFIG, "nope").unwrap_err().to_string();
        assert!(
            e.contains("no [profile nope]") && e.contains("dev, static"),
            "{e}"
        );
        let e = profile_role(CONFIG, "static").unwrap_err().to_string();
        assert!(e.contains("not an IAM Identity Center profile"), "{e}");
        assert!(
            profile_role("", "x")
                .unwrap_err()
                .to_string()
                .contains("lanyard sync")
        );
    }

    /// A federation endpoint that answers without end: an error after 64 KiB, not all memory;
    /// one that never finishes its body: an error after the time limit, not a hang.
    #[tokio::test]
    async fn a_federation_answer_is_bounded_in_size() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
                .await;
            let chunk = format!("{:x}\r\n{}\r\n", 8192, "x".repeat(8192));
            while s.write_all(chunk.as_bytes()).await.is_ok() {}
        });
        let e = get(&format!("http://{addr}/federation")).await.unwrap_err();
        assert!(e.contains("larger than 64 KiB"), "{e}");
    }

    #[test]
    fn partitions_pick_their_endpoints() {
        let none = Endpoints::default();
        assert_eq!(
            signin_base(&none, "eu-west-1"),
            "https://signin.aws.amazon.com"
        );
        assert_eq!(
            signin_base(&none, "us-gov-west-1"),
            "https://signin.amazonaws-us-gov.com"
        );
        assert_eq!(
            signin_base(&none, "cn-north-1"),
            "https://signin.amazonaws.cn"
        );
        let custom = Endpoints {
            signin: Some("http://127.0.0.1:9/".into()),
            ..Endpoints::default()
        };
        assert_eq!(signin_base(&custom, "eu-west-1"), "http://127.0.0.1:9");
        assert_eq!(
            destination("eu-west-1"),
            "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"
        );
    }

    #[tokio::test]
    async fn the_browser_gets_a_one_time_redirect_not_the_url() {
        let url = Secret::new("https://signin.example/federation?Action=login&SigninToken=SECRET");
        let opened = std::sync::Mutex::new(String::new());
        let (done, results) = std::sync::mpsc::channel::<Vec<String>>();
        let open = |u: &str| {
            *opened.lock().unwrap() = u.to_owned();
            let (u, done) = (u.to_owned(), done.clone());
            std::thread::spawn(move || {
                let curl = |url: &str| {
                    let out = std::process::Command::new("curl")
                        .args([
                            "-s",
                            "-o",
                            "/dev/null",
                            "-w",
                            "%{http_code} %{redirect_url}",
                        ])
                        .arg(url)
                        .output()
                        .unwrap();
                    String::from_utf8_lossy(&out.stdout).into_owned()
                };
                // A stray request first (a browser asking for /favicon.ico), then the real one,
                // then the same address again (a reload, or another user who read the argv).
                let base = u.rsplit_once("/console/").unwrap().0.to_owned();
                let stray = curl(&format!("{base}/favicon.ico"));
                let first = curl(&u);
                // Whether open_once has dropped its listener yet or not, nothing accepts again.
                let again = curl(&u);
                let _ = done.send(vec![stray, first, again]);
            });
            true
        };
        open_once("dev", &url, &open, Duration::from_secs(10))
            .await
            .unwrap();
        let local = opened.lock().unwrap().clone();
        assert!(
            local.starts_with("http://127.0.0.1:") && !local.contains("SECRET"),
            "{local}"
        );
        let got = results.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(got[0], "404 ", "a stray path is not the hand-off");
        assert_eq!(got[1], format!("302 {}", url.expose()));
        assert!(got[2].starts_with("000"), "one time only: {}", got[2]);
        let err = open_once("dev", &url, &|_| false, Duration::from_secs(1))
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("--print"), "{err}");
        let err = open_once("dev", &url, &|_| true, Duration::from_millis(300))
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("did not open the console"), "{err}");
    }
}

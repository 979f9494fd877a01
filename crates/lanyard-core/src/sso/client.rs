//! SSO OIDC and portal calls through the AWS SDK for Rust, with errors turned into [`Error`]s
//! that name the identity and the endpoint.

use std::ffi::OsString;

use aws_config::{BehaviorVersion, Region, retry::RetryConfig};
use aws_sdk_ssooidc::error::{ProvideErrorMetadata, SdkError};
use time::OffsetDateTime;

use super::Identity;
use crate::Error;
use crate::secret::Secret;

/// Endpoint overrides, from the standard settings (`AWS_ENDPOINT_URL_SSO_OIDC`,
/// `AWS_ENDPOINT_URL_SSO`, `AWS_ENDPOINT_URL`, `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`), so the
/// emulator and real AWS go through the same code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints {
    /// SSO OIDC (`oidc.{region}.amazonaws.com` when `None`).
    pub oidc: Option<String>,
    /// SSO portal (`portal.sso.{region}.amazonaws.com` when `None`).
    pub portal: Option<String>,
    /// CodeCommit API (`codecommit.{region}.amazonaws.com` when `None`).
    pub codecommit: Option<String>,
    /// STS, for GetCallerIdentity with role credentials (`sts.{region}.amazonaws.com` when `None`).
    pub sts: Option<String>,
    /// CodeCommit's git host, `host[:port]` (`CODE_COMMIT_ENDPOINT`, as git-remote-codecommit reads it).
    pub git_host: Option<String>,
    /// The console federation endpoint's base (`AWS_ENDPOINT_URL_SIGNIN`; `signin.aws.amazon.com` when `None`).
    pub signin: Option<String>,
    /// A CA bundle for git over HTTPS (`GIT_SSL_CAINFO` / `SSL_CERT_FILE`), e.g. the emulator's.
    pub git_ca_file: Option<std::path::PathBuf>,
    /// The AWS CA bundle (`AWS_CA_BUNDLE`, else the profile's `ca_bundle`), trusted for the
    /// request to a vanity start URL as the AWS CLI trusts it.
    pub ca_bundle: Option<std::path::PathBuf>,
    /// FIPS endpoints (`AWS_USE_FIPS_ENDPOINT` / `use_fips_endpoint`).
    pub use_fips: bool,
    /// Dual-stack endpoints (`AWS_USE_DUALSTACK_ENDPOINT` / `use_dualstack_endpoint`).
    pub use_dual_stack: bool,
    /// Overrides that were not used, each with why (cleartext `http://` to a host that is not
    /// loopback would hand tokens to the network): for the fronts to say so.
    pub refused: Vec<String>,
}

/// The URL a service crate's own endpoint resolver gives for a region and the FIPS and
/// dual-stack settings; the three SDK crates have the same API on different types.
macro_rules! sdk_endpoint {
    ($sdk:ident, $endpoints:expr, $region:expr) => {{
        use $sdk::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
        Params::builder()
            .region($region)
            .use_fips($endpoints.use_fips)
            .use_dual_stack($endpoints.use_dual_stack)
            .build()
            .ok()
            .and_then(|p| ready(DefaultResolver::new().resolve_endpoint(&p)))
            .map(|e| e.url().trim_end_matches('/').to_owned())
    }};
}

impl Endpoints {
    /// Reads the standard endpoint variables from an environment lookup.
    pub fn from_env(env: impl Fn(&str) -> Option<OsString>) -> Self {
        Self::from_env_and_config(env, "")
    }

    /// The standard endpoint settings from the environment and the AWS config text, in the SDKs'
    /// order: `AWS_ENDPOINT_URL_<SERVICE>`, the service's `endpoint_url` in the active profile's
    /// `[services]` section, `AWS_ENDPOINT_URL`, the profile's own `endpoint_url`; none of them
    /// when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` / `ignore_configured_endpoint_urls` is true.
    /// The active profile is `AWS_PROFILE` or `default`, as botocore picks it. Unlike the SDKs,
    /// the endpoints that receive tokens (SSO OIDC, portal, sign-in) take only their own
    /// service's settings, never the two catch-alls, and plain http only to this computer
    /// (anything else is listed in `refused`).
    pub fn from_env_and_config(env: impl Fn(&str) -> Option<OsString>, config_text: &str) -> Self {
        let var = |k: &str| {
            env(k)
                .and_then(|v| v.into_string().ok())
                .filter(|v| !v.is_empty())
        };
        let git_host = var("CODE_COMMIT_ENDPOINT");
        let git_ca_file = var("GIT_SSL_CAINFO")
            .or_else(|| var("SSL_CERT_FILE"))
            .map(std::path::PathBuf::from);
        let profile = var("AWS_PROFILE").unwrap_or_else(|| "default".into());
        let sections = crate::aws_config::sections(config_text);
        let profile_section = sections
            .iter()
            .find(|s| s.kind == crate::aws_config::SectionKind::Profile(profile.clone()));
        let setting = |k: &str| {
            profile_section
                .and_then(|s| s.get(k))
                .map(str::to_owned)
                .filter(|v| !v.is_empty())
        };
        let flag = |env_key: &str, key: &str| {
            var(env_key)
                .or_else(|| setting(key))
                .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        };
        let (use_fips, use_dual_stack) = (
            flag("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint"),
            flag("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint"),
        );
        let ca_bundle = var("AWS_CA_BUNDLE")
            .or_else(|| setting("ca_bundle"))
            .map(std::path::PathBuf::from);
        let ignore = var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
            .or_else(|| setting("ignore_configured_endpoint_urls"));
        if ignore.is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            return Endpoints {
                git_host,
                git_ca_file,
                ca_bundle,
                use_fips,
                use_dual_stack,
                ..Endpoints::default()
            };
        }
        let services = setting("services")
            .map(|name| services_section(config_text, &name))
            .unwrap_or_default();
        let service = |keys: &[&str]| {
            services
                .iter()
                .find(|(svc, _)| keys.contains(&svc.as_str()))
                .map(|(_, url)| url.clone())
        };
        let global = var("AWS_ENDPOINT_URL");
        let fallback = || global.clone().or_else(|| setting("endpoint_url"));
        let mut refused = vec![];
        let mut checked = |what: &str, url: Option<String>| match url {
            Some(u) if !safe_endpoint(&u) => {
                refused.push(format!(
                    "{what} endpoint {u} not used: plain http to a host that is not this computer would send tokens over the network; use https"
                ));
                None
            }
            other => other,
        };
        // The endpoints that receive refresh tokens, client secrets, bearer tokens and role
        // credentials take only their own service's setting, never the catch-all
        // AWS_ENDPOINT_URL / profile endpoint_url meant for some other tool (a LocalStack, say).
        Endpoints {
            oidc: checked(
                "SSO OIDC",
                var("AWS_ENDPOINT_URL_SSO_OIDC").or_else(|| service(&["sso_oidc", "sso-oidc"])),
            ),
            portal: checked(
                "SSO portal",
                var("AWS_ENDPOINT_URL_SSO").or_else(|| service(&["sso"])),
            ),
            codecommit: checked(
                "CodeCommit",
                var("AWS_ENDPOINT_URL_CODECOMMIT")
                    .or_else(|| service(&["codecommit"]))
                    .or_else(fallback),
            ),
            sts: checked(
                "STS",
                var("AWS_ENDPOINT_URL_STS")
                    .or_else(|| service(&["sts"]))
                    .or_else(fallback),
            ),
            signin: checked(
                "sign-in",
                var("AWS_ENDPOINT_URL_SIGNIN").or_else(|| service(&["signin"])),
            ),
            refused,
            git_host,
            git_ca_file,
            ca_bundle,
            use_fips,
            use_dual_stack,
        }
    }

    /// The OIDC base URL for a region (the `/authorize` page lives there too): the override, else
    /// what the SDK's endpoint resolver says for the region, FIPS and dual-stack settings.
    pub fn oidc_url(&self, region: &str) -> String {
        self.oidc.clone().unwrap_or_else(|| {
            sdk_endpoint!(aws_sdk_ssooidc, self, region)
                .unwrap_or_else(|| format!("https://oidc.{region}.{}", dns_suffix(region)))
        })
    }

    /// The CodeCommit API URL for a region (the override, else the SDK's resolver).
    pub fn codecommit_url(&self, region: &str) -> String {
        self.codecommit.clone().unwrap_or_else(|| {
            sdk_endpoint!(aws_sdk_codecommit, self, region)
                .unwrap_or_else(|| format!("https://codecommit.{region}.{}", dns_suffix(region)))
        })
    }

    /// The STS URL for a region (the override, else the SDK's resolver: regional endpoints).
    pub fn sts_url(&self, region: &str) -> String {
        self.sts.clone().unwrap_or_else(|| {
            use aws_sdk_sts::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
            Params::builder()
                .region(region)
                .use_fips(self.use_fips)
                .use_dual_stack(self.use_dual_stack)
                .use_global_endpoint(false)
                .build()
                .ok()
                .and_then(|p| ready(DefaultResolver::new().resolve_endpoint(&p)))
                .map(|e| e.url().trim_end_matches('/').to_owned())
                .unwrap_or_else(|| format!("https://sts.{region}.{}", dns_suffix(region)))
        })
    }

    /// The portal base URL for a region (the override, else the SDK's resolver).
    pub fn portal_url(&self, region: &str) -> String {
        self.portal.clone().unwrap_or_else(|| {
            sdk_endpoint!(aws_sdk_sso, self, region)
                .unwrap_or_else(|| format!("https://portal.sso.{region}.{}", dns_suffix(region)))
        })
    }
}

/// The URL of an endpoint the SDK's rules resolved. Their resolvers answer at once (the future
/// is ready on its first poll), so this needs no runtime.
fn ready<T, E>(fut: impl std::future::Future<Output = Result<T, E>>) -> Option<T> {
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(Ok(e)) => Some(e),
        _ => None,
    }
}

/// https anywhere, plain http only to this computer (the emulator, a local proxy).
fn safe_endpoint(url: &str) -> bool {
    match url::Url::parse(url) {
        Ok(u) if u.scheme() == "https" => true,
        Ok(u) if u.scheme() == "http" => match u.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            None => false,
        },
        _ => false,
    }
}

/// `(service, endpoint_url)` pairs of a `[services NAME]` section's nested sub-sections:
/// `sso_oidc =` followed by indented `endpoint_url = …` lines.
fn services_section(config_text: &str, name: &str) -> Vec<(String, String)> {
    let mut out = vec![];
    let mut inside = false;
    let mut service: Option<String> = None;
    for raw in config_text.lines() {
        let line = raw.trim_end_matches('\r');
        let t = line.trim();
        if t.starts_with('[') {
            inside = crate::aws_config::sections(t).first().is_some_and(|s| {
                s.kind == crate::aws_config::SectionKind::Services(name.to_owned())
            });
            service = None;
            continue;
        }
        if !inside || t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        let Some((k, v)) = t.split_once('=') else {
            continue;
        };
        let (k, v) = (k.trim().to_lowercase(), v.trim());
        if line.starts_with([' ', '\t']) {
            if let (Some(svc), "endpoint_url") = (&service, k.as_str()) {
                out.push((svc.clone(), v.to_owned()));
            }
        } else {
            service = v.is_empty().then_some(k);
        }
    }
    out
}

fn dns_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    }
}

/// Maps an SDK failure to an [`Error`] that names the identity and the endpoint.
pub(crate) fn sdk_error<E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    identity: &Identity,
    endpoint: &str,
    op: &'static str,
    e: SdkError<E, R>,
) -> Error {
    let session = identity.session.clone();
    match e {
        SdkError::DispatchFailure(d) => Error::Unreachable {
            session,
            endpoint: endpoint.into(),
            reason: d
                .as_connector_error()
                .map_or_else(|| format!("{d:?}"), |c| format!("{c}")),
        },
        SdkError::TimeoutError(_) => Error::Unreachable {
            session,
            endpoint: endpoint.into(),
            reason: "the request timed out".into(),
        },
        SdkError::ResponseError(r) => Error::Protocol {
            session,
            endpoint: endpoint.into(),
            region: identity.region.clone(),
            detail: format!("unreadable response: {r:?}")
                .chars()
                .take(200)
                .collect(),
        },
        SdkError::ServiceError(s) => match s.err().code() {
            Some(code) => Error::Aws {
                session,
                op,
                code: code.into(),
                message: s.err().message().unwrap_or("").into(),
            },
            None => Error::Protocol {
                session,
                endpoint: endpoint.into(),
                region: identity.region.clone(),
                detail: format!("HTTP {:?} with no AWS error code", s.raw())
                    .chars()
                    .take(200)
                    .collect(),
            },
        },
        other => Error::LoginFailed {
            session,
            reason: format!("{op}: {other:?}"),
        },
    }
}

/// Remembers the `Date` header of the last OIDC answer, to compare the service's clock with ours:
/// bearer-token calls don't mind a skewed clock, but SigV4 requests (CodeCommit) fail with
/// "Signature expired" beyond 5 minutes, so the person should hear about it at sign-in.
#[derive(Debug, Clone, Default)]
pub(crate) struct ServerDate(std::sync::Arc<std::sync::Mutex<Option<String>>>);

impl aws_sdk_ssooidc::config::Intercept for ServerDate {
    fn name(&self) -> &'static str {
        "ServerDate"
    }

    fn read_after_transmit(
        &self,
        context: &aws_sdk_ssooidc::config::interceptors::BeforeDeserializationInterceptorContextRef<
            '_,
        >,
        _runtime_components: &aws_sdk_ssooidc::config::RuntimeComponents,
        _cfg: &mut aws_sdk_ssooidc::config::ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if let Some(d) = context.response().headers().get("date") {
            *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(d.to_owned());
        }
        Ok(())
    }
}

impl ServerDate {
    /// Seconds the service's clock is ahead of `now` (negative: behind), when beyond `limit`.
    pub fn skew_beyond(&self, now: OffsetDateTime, limit: i64) -> Option<i64> {
        let header = self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()?;
        let server = parse_http_date(&header)?;
        let skew = (server - now).whole_seconds();
        (skew.abs() > limit).then_some(skew)
    }
}

/// RFC 7231 IMF-fixdate, e.g. `Tue, 01 Dec 2026 16:03:53 GMT`.
fn parse_http_date(s: &str) -> Option<OffsetDateTime> {
    let f = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(s.trim(), &f)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

/// An OIDC client for one identity.
pub(crate) struct Oidc {
    pub client: aws_sdk_ssooidc::Client,
    pub endpoint: String,
    pub server_date: ServerDate,
}

impl Oidc {
    pub fn new(endpoints: &Endpoints, identity: &Identity) -> Self {
        let endpoint = endpoints.oidc_url(&identity.region);
        let server_date = ServerDate::default();
        let client = aws_sdk_ssooidc::Client::from_conf(
            aws_sdk_ssooidc::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new(identity.region.clone()))
                .endpoint_url(&endpoint)
                .retry_config(RetryConfig::standard().with_max_attempts(3))
                .interceptor(server_date.clone())
                .build(),
        );
        Oidc {
            client,
            endpoint,
            server_date,
        }
    }
}

/// A portal client for one identity.
pub(crate) fn portal(endpoints: &Endpoints, identity: &Identity) -> (aws_sdk_sso::Client, String) {
    let endpoint = endpoints.portal_url(&identity.region);
    let client = aws_sdk_sso::Client::from_conf(
        aws_sdk_sso::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(identity.region.clone()))
            .endpoint_url(&endpoint)
            .retry_config(RetryConfig::standard().with_max_attempts(3))
            .build(),
    );
    (client, endpoint)
}

/// What CreateToken returned.
pub(crate) struct Tokens {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    pub expires_at: OffsetDateTime,
}

/// Why CreateToken did not return a token.
pub(crate) enum TokenError {
    Pending,
    SlowDown,
    Expired,
    Denied,
    InvalidClient,
    InvalidGrant(String),
    Other(Error),
}

/// Classifies a CreateToken failure.
pub(crate) fn token_error<R: std::fmt::Debug>(
    identity: &Identity,
    endpoint: &str,
    e: SdkError<aws_sdk_ssooidc::operation::create_token::CreateTokenError, R>,
) -> TokenError {
    if let SdkError::ServiceError(s) = &e {
        let err = s.err();
        if err.is_authorization_pending_exception() {
            return TokenError::Pending;
        } else if err.is_slow_down_exception() {
            return TokenError::SlowDown;
        } else if err.is_expired_token_exception() {
            return TokenError::Expired;
        } else if err.is_access_denied_exception() {
            return TokenError::Denied;
        } else if err.is_invalid_client_exception() {
            return TokenError::InvalidClient;
        } else if err.is_invalid_grant_exception() {
            return TokenError::InvalidGrant(err.message().unwrap_or("invalid grant").to_owned());
        }
    }
    TokenError::Other(sdk_error(identity, endpoint, "CreateToken", e))
}

/// Builds [`Tokens`] from a CreateToken output at `now`.
pub(crate) fn tokens(
    out: aws_sdk_ssooidc::operation::create_token::CreateTokenOutput,
    now: OffsetDateTime,
) -> Option<Tokens> {
    Some(Tokens {
        access_token: Secret::new(out.access_token()?),
        refresh_token: out.refresh_token().map(Secret::new),
        expires_at: now + time::Duration::seconds(out.expires_in().into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn endpoints_follow_the_standard_variables() {
        let env = |pairs: &[(&str, &str)]| {
            let m: HashMap<String, OsString> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), OsString::from(v)))
                .collect();
            Endpoints::from_env(move |k| m.get(k).cloned())
        };
        let e = env(&[
            ("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:1"),
            ("AWS_ENDPOINT_URL", "https://g"),
        ]);
        assert_eq!(e.oidc_url("us-east-1"), "http://127.0.0.1:1");
        assert_eq!(e.codecommit_url("us-east-1"), "https://g");
        // The catch-all never receives tokens: the portal keeps its own endpoint.
        assert_eq!(
            e.portal_url("us-east-1"),
            "https://portal.sso.us-east-1.amazonaws.com"
        );
        // Cleartext to another host is refused (and said), loopback is fine.
        let e = env(&[
            ("AWS_ENDPOINT_URL_SSO", "http://sso.corp.example"),
            ("AWS_ENDPOINT_URL_SSO_OIDC", "http://localhost:4566"),
            ("AWS_ENDPOINT_URL_CODECOMMIT", "http://[::1]:9"),
        ]);
        assert_eq!(
            e.portal_url("us-east-1"),
            "https://portal.sso.us-east-1.amazonaws.com"
        );
        assert_eq!(e.oidc_url("us-east-1"), "http://localhost:4566");
        assert_eq!(e.codecommit_url("us-east-1"), "http://[::1]:9");
        assert_eq!(e.refused.len(), 1);
        assert!(
            e.refused[0].contains("http://sso.corp.example"),
            "{:?}",
            e.refused
        );
        let none = env(&[
            ("AWS_ENDPOINT_URL_SSO", "http://x"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ]);
        assert_eq!(
            none.portal_url("eu-west-1"),
            "https://portal.sso.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            none.oidc_url("cn-north-1"),
            "https://oidc.cn-north-1.amazonaws.com.cn"
        );
    }

    #[test]
    fn endpoints_come_from_the_sdk_resolver_for_every_partition() {
        let e = |fips: bool, dual: bool| Endpoints {
            use_fips: fips,
            use_dual_stack: dual,
            ..Endpoints::default()
        };
        let plain = e(false, false);
        assert_eq!(
            plain.oidc_url("us-east-1"),
            "https://oidc.us-east-1.amazonaws.com"
        );
        assert_eq!(
            plain.oidc_url("cn-north-1"),
            "https://oidc.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(
            plain.oidc_url("eusc-de-east-1"),
            "https://oidc.eusc-de-east-1.amazonaws.eu"
        );
        assert_eq!(
            plain.oidc_url("us-gov-west-1"),
            "https://oidc.us-gov-west-1.amazonaws.com"
        );
        assert_eq!(
            plain.portal_url("eusc-de-east-1"),
            "https://portal.sso.eusc-de-east-1.amazonaws.eu"
        );
        assert_eq!(
            plain.codecommit_url("eu-west-1"),
            "https://codecommit.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            e(true, false).oidc_url("us-east-1"),
            "https://oidc-fips.us-east-1.amazonaws.com"
        );
        assert_eq!(
            e(false, true).oidc_url("us-east-1"),
            "https://oidc.us-east-1.api.aws"
        );
        assert_eq!(
            e(true, false).codecommit_url("us-gov-west-1"),
            "https://codecommit-fips.us-gov-west-1.amazonaws.com"
        );
        // Overrides win over every setting.
        let custom = Endpoints {
            oidc: Some("http://127.0.0.1:9".into()),
            ..e(true, true)
        };
        assert_eq!(custom.oidc_url("us-east-1"), "http://127.0.0.1:9");
        // The settings come from the environment or the active profile.
        let cfg = "[default]\nuse_fips_endpoint = true\n";
        let from = Endpoints::from_env_and_config(|_| None, cfg);
        assert!(from.use_fips && !from.use_dual_stack);
        let env =
            Endpoints::from_env(|k| (k == "AWS_USE_DUALSTACK_ENDPOINT").then(|| "true".into()));
        assert!(env.use_dual_stack);
    }

    #[test]
    fn http_dates_and_skew() {
        let d = ServerDate::default();
        *d.0.lock().unwrap() = Some("Tue, 01 Dec 2026 16:03:53 GMT".into());
        let server = time::macros::datetime!(2026-12-01 16:03:53 UTC);
        assert_eq!(
            d.skew_beyond(server + time::Duration::minutes(4), 300),
            None,
            "within 5 minutes"
        );
        assert_eq!(
            d.skew_beyond(server + time::Duration::minutes(42), 300),
            Some(-42 * 60),
            "our clock is ahead"
        );
        assert_eq!(
            d.skew_beyond(server - time::Duration::hours(2), 300),
            Some(7200)
        );
        assert_eq!(parse_http_date("not a date"), None);
    }

    #[test]
    fn endpoints_from_the_config_file_follow_the_sdk_order() {
        let env = |pairs: &[(&str, &str)]| {
            let m: HashMap<String, OsString> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), OsString::from(v)))
                .collect();
            move |k: &str| m.get(k).cloned()
        };
        let config = "[default]\nservices = local\nendpoint_url = https://global:1\n\n[services local]\nsso_oidc =\n  endpoint_url = https://oidc:2\nsso =\n  endpoint_url = https://portal:3\n\n[profile other]\nignore_configured_endpoint_urls = true\nendpoint_url = https://x\n";
        let e = Endpoints::from_env_and_config(env(&[]), config);
        assert_eq!(
            (
                e.oidc_url("us-east-1").as_str(),
                e.portal_url("us-east-1").as_str()
            ),
            ("https://oidc:2", "https://portal:3")
        );
        assert_eq!(
            e.codecommit_url("us-east-1"),
            "https://global:1",
            "the profile's endpoint_url is the last resort (for CodeCommit only)"
        );
        let e = Endpoints::from_env_and_config(
            env(&[
                ("AWS_ENDPOINT_URL_SSO", "https://env:4"),
                ("AWS_ENDPOINT_URL", "https://envglobal:5"),
            ]),
            config,
        );
        assert_eq!(
            (
                e.portal_url("r").as_str(),
                e.oidc_url("r").as_str(),
                e.codecommit_url("r").as_str()
            ),
            ("https://env:4", "https://oidc:2", "https://envglobal:5")
        );
        // A catch-all endpoint_url in the default profile (a LocalStack, say) never gets tokens.
        let e = Endpoints::from_env_and_config(
            env(&[]),
            "[default]\nendpoint_url = https://localstack.example:4566\n",
        );
        assert_eq!(
            e.oidc_url("us-east-1"),
            "https://oidc.us-east-1.amazonaws.com"
        );
        assert_eq!(
            e.portal_url("us-east-1"),
            "https://portal.sso.us-east-1.amazonaws.com"
        );
        assert_eq!(
            e.codecommit_url("us-east-1"),
            "https://localstack.example:4566"
        );
        let e = Endpoints::from_env_and_config(env(&[("AWS_PROFILE", "other")]), config);
        assert_eq!(
            e.portal_url("eu-west-1"),
            "https://portal.sso.eu-west-1.amazonaws.com",
            "ignored for that profile"
        );
    }
}

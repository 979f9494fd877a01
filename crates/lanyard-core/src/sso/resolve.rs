//! Start-URL resolution as the AWS CLI v2 (≥ 2.35.13) does it before signing in
//! (PROTOCOL.md §2.1, `awscli/customizations/sso/resolve.py`): a company's own sign-in address
//! ("vanity URL") is asked once where it leads, and the AWS-owned portal it redirects to is what
//! IAM Identity Center is given; its host names the region.
//!
//! Hand-written because no crate does it: the rules are the CLI's, not a standard.

use std::path::Path;
use std::time::Duration;

use http_body_util::Empty;
use hyper::body::Bytes;
use serde::Serialize;
use ts_rs::TS;

use crate::{Error, Result};

/// Host suffixes of AWS-owned portal hosts (resolve.py).
const AWS_SUFFIXES: &[&str] = &[
    ".app.aws",
    ".portal.amazonaws.com",
    ".portal.amazonaws.com.cn",
    ".app.amazonwebservices.com.cn",
    ".portal.amazonaws.eu",
    ".api.amazonwebservices.eu",
    ".awsapps.com",
    ".awsapps.cn",
];

/// AWS-owned hosts matched exactly.
const AWS_HOSTS: &[&str] = &[
    "identitycenter.amazonaws.com",
    "identitycenter.amazonaws.com.cn",
    "identitycenter.amazonaws.eu",
    "identitycenter.us-gov.amazonaws.com",
];

/// How long the one request to a vanity host may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// What a start URL resolved to. Holds nothing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ResolvedStartUrl {
    /// The URL as configured (cache keys and the token file keep this one).
    pub start_url: String,
    /// The AWS-owned URL IAM Identity Center is given (StartDeviceAuthorization, `issuerUrl`).
    pub resolved_url: String,
    /// The portal's host, to show.
    pub portal_host: String,
    /// The IAM Identity Center region: from the portal host, else the configured one.
    pub region: String,
    /// True when the region came from the portal host rather than the configuration.
    pub region_from_host: bool,
}

/// Whether a host is one of AWS's portal hosts (case and a trailing dot ignored).
pub fn is_aws_owned(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    AWS_HOSTS.contains(&h.as_str()) || AWS_SUFFIXES.iter().any(|s| h == s[1..] || h.ends_with(s))
}

/// The region in a portal host, by the CLI's patterns, in its order:
/// `{id}.portal.{region}.app.aws`, `{id}.{region}.portal.amazonaws.com`,
/// `{id}.{region}.portal.amazonaws.com.cn`, `{id}.portal.{region}.app.amazonwebservices.com.cn`,
/// `{id}.{region}.portal.amazonaws.eu`, `{id}.portal.{region}.api.amazonwebservices.eu`.
pub fn region_from_host(host: &str) -> Option<String> {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = h.split('.').collect();
    let region_ok = |r: &str| {
        !r.is_empty()
            && r.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    // (labels after the id, with "{r}" where the region is)
    const PATTERNS: &[&[&str]] = &[
        &["portal", "{r}", "app", "aws"],
        &["{r}", "portal", "amazonaws", "com"],
        &["{r}", "portal", "amazonaws", "com", "cn"],
        &["portal", "{r}", "app", "amazonwebservices", "com", "cn"],
        &["{r}", "portal", "amazonaws", "eu"],
        &["portal", "{r}", "api", "amazonwebservices", "eu"],
    ];
    PATTERNS.iter().find_map(|p| {
        let (id, rest) = labels.split_first()?;
        if id.is_empty() || rest.len() != p.len() {
            return None;
        }
        let mut region = None;
        for (want, got) in p.iter().zip(rest) {
            match *want {
                "{r}" if region_ok(got) => region = Some((*got).to_owned()),
                "{r}" => return None,
                w if w == *got => {}
                _ => return None,
            }
        }
        region
    })
}

/// The CLI's `_normalize_url`: lower-case host, no user info, no default port, no trailing `/`,
/// no query or fragment.
fn normalize(u: &url::Url) -> String {
    let mut out = format!("{}://{}", u.scheme(), u.host_str().unwrap_or(""));
    if let Some(p) = u.port() {
        out.push_str(&format!(":{p}"));
    }
    out.push_str(u.path().trim_end_matches('/'));
    out
}

fn refuse(reason: String) -> Error {
    Error::InvalidInput {
        field: "startUrl",
        reason,
    }
}

/// Resolves a start URL. An AWS-owned URL is used as it is (no request); any other host gets
/// one `HEAD` (a `GET` when it answers 405 or 501) and one redirect is read, never followed
/// further. `configured_region` is the fallback when the portal host names none. `ca_bundle`
/// (`AWS_CA_BUNDLE` / `ca_bundle`) is trusted in addition to the system's roots, as the CLI does.
pub async fn resolve(
    start_url: &str,
    configured_region: Option<&str>,
    ca_bundle: Option<&Path>,
) -> Result<ResolvedStartUrl> {
    let configured_region = configured_region.filter(|r| !r.is_empty());
    let parsed = url::Url::parse(start_url)
        .map_err(|_| refuse(format!("Invalid sso_start_url: '{start_url}'")))?;
    if parsed.scheme() != "https" {
        return Err(refuse(
            "The sso_start_url must use the https scheme.".into(),
        ));
    }
    let host = parsed
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| refuse(format!("Invalid sso_start_url: '{start_url}'")))?;
    if is_aws_owned(host) {
        // The CLI needs sso_region here; a portal host that names its region is enough for us.
        let (region, from_host) = match (configured_region, region_from_host(host)) {
            (Some(r), _) => (r.to_owned(), false),
            (None, Some(r)) => (r, true),
            (None, None) => {
                return Err(Error::InvalidInput {
                    field: "region",
                    reason: format!(
                        "{start_url} does not say which region IAM Identity Center is in: give the region (--region or the Region field; sso_region in the config), e.g. us-east-1"
                    ),
                });
            }
        };
        return Ok(ResolvedStartUrl {
            start_url: start_url.to_owned(),
            resolved_url: start_url.to_owned(),
            portal_host: host.to_ascii_lowercase(),
            region,
            region_from_host: from_host,
        });
    }
    let resolved = follow_once(&parsed, ca_bundle).await?;
    let resolved_text = normalize(&resolved);
    let resolved_host = resolved.host_str().unwrap_or("");
    if !is_aws_owned(resolved_host) {
        return Err(refuse(format!(
            "Could not resolve start URL '{start_url}' to an AWS-owned endpoint. Final URL: '{resolved_text}'"
        )));
    }
    if resolved.scheme() != "https" {
        return Err(refuse(format!(
            "Resolved URL must use https. Got: '{resolved_text}'"
        )));
    }
    let (region, from_host) = match (region_from_host(resolved_host), configured_region) {
        (Some(r), _) => (r, true),
        (None, Some(r)) => (r.to_owned(), false),
        (None, None) => {
            return Err(Error::InvalidInput {
                field: "region",
                reason: format!(
                    "Cannot determine region from start URL '{start_url}'. Please provide sso_region in your configuration."
                ),
            });
        }
    };
    Ok(ResolvedStartUrl {
        start_url: start_url.to_owned(),
        portal_host: resolved_host.to_ascii_lowercase(),
        resolved_url: resolved_text,
        region,
        region_from_host: from_host,
    })
}

/// One request to the vanity host; the `Location` of a redirect (relative ones joined), or the
/// URL itself when there is none.
async fn follow_once(url: &url::Url, ca_bundle: Option<&Path>) -> Result<url::Url> {
    // Transport trouble is not a wrong URL: it says to check the network, the CLI's words kept.
    let failed = |why: String| Error::StartUrlUnreachable {
        url: url.to_string(),
        reason: format!("Failed to resolve start URL: {why}"),
    };
    let tls = tls_config(ca_bundle).map_err(failed)?;
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_only()
        .enable_http1()
        .build();
    let client: hyper_util::client::legacy::Client<_, Empty<Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(https);
    let uri: hyper::Uri = url
        .as_str()
        .parse()
        .map_err(|e: hyper::http::uri::InvalidUri| failed(e.to_string()))?;
    let mut status = 0;
    for method in [hyper::Method::HEAD, hyper::Method::GET] {
        let req = hyper::Request::builder()
            .method(method)
            .uri(uri.clone())
            .header("user-agent", concat!("lanyard/", env!("CARGO_PKG_VERSION")))
            .body(Empty::new())
            .map_err(|e| failed(e.to_string()))?;
        let resp = tokio::time::timeout(TIMEOUT, client.request(req))
            .await
            .map_err(|_| failed(format!("no answer within {} s", TIMEOUT.as_secs())))?
            .map_err(|e| {
                use std::error::Error as _;
                let mut why = e.to_string();
                let mut src = e.source();
                while let Some(s) = src {
                    why = s.to_string();
                    src = s.source();
                }
                failed(why)
            })?;
        status = resp.status().as_u16();
        match status {
            405 | 501 => continue,
            301 | 302 | 303 | 307 | 308 => {
                let location = resp
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| refuse("Redirect response missing Location header.".into()))?;
                return url.join(location).map_err(|_| {
                    refuse(format!(
                        "Failed to resolve start URL: unusable Location {location:?}"
                    ))
                });
            }
            s if (200..300).contains(&s) => return Ok(url.clone()),
            s => return Err(refuse(format!("Failed to resolve start URL: HTTP {s}"))),
        }
    }
    Err(refuse(format!(
        "Failed to resolve start URL: HTTP {status}"
    )))
}

fn tls_config(ca_bundle: Option<&Path>) -> std::result::Result<rustls::ClientConfig, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(path) = ca_bundle {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .and_then(|it| it.collect())
            .map_err(|e| format!("cannot read the CA bundle {}: {e}", path.display()))?;
        roots.add_parsable_certificates(certs);
    }
    rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())
    .map(|b| b.with_root_certificates(roots).with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_owned_hosts_are_the_clis() {
        for h in [
            "d-123.awsapps.com",
            "awsapps.com",
            "ssoins-1.portal.eu-west-1.app.aws",
            "X.us-east-1.portal.amazonaws.com.",
            "identitycenter.amazonaws.eu",
            "identitycenter.us-gov.amazonaws.com",
            "a.portal.eusc-de-east-1.api.amazonwebservices.eu",
        ] {
            assert!(is_aws_owned(h), "{h}");
        }
        for h in [
            "aws.corp.example",
            "evilawsapps.com",
            "awsapps.com.evil.example",
            "identitycenter.amazonaws.com.evil",
            "127.0.0.1",
        ] {
            assert!(!is_aws_owned(h), "{h}");
        }
    }

    #[test]
    fn region_comes_from_the_portal_host_patterns() {
        let cases = [
            ("ssoins-7223.portal.eu-west-1.app.aws", Some("eu-west-1")),
            ("d-1.us-east-2.portal.amazonaws.com", Some("us-east-2")),
            ("d-1.cn-north-1.portal.amazonaws.com.cn", Some("cn-north-1")),
            (
                "x.portal.cn-northwest-1.app.amazonwebservices.com.cn",
                Some("cn-northwest-1"),
            ),
            (
                "x.eusc-de-east-1.portal.amazonaws.eu",
                Some("eusc-de-east-1"),
            ),
            (
                "x.portal.eusc-de-east-1.api.amazonwebservices.eu",
                Some("eusc-de-east-1"),
            ),
            ("SSOINS-1.PORTAL.US-WEST-2.APP.AWS.", Some("us-west-2")),
            ("d-123.awsapps.com", None),
            ("identitycenter.amazonaws.com", None),
            ("a.b.portal.eu-west-1.app.aws", None),
            ("portal.eu-west-1.app.aws", None),
        ];
        for (host, want) in cases {
            assert_eq!(region_from_host(host).as_deref(), want, "{host}");
        }
    }

    #[test]
    fn normalizing_drops_what_the_cli_drops() {
        let u = url::Url::parse("https://User@SSOINS-1.portal.eu-west-1.app.aws:443/start//?x=1#f")
            .unwrap();
        assert_eq!(
            normalize(&u),
            "https://ssoins-1.portal.eu-west-1.app.aws/start"
        );
        let u = url::Url::parse("https://h.example:8443/").unwrap();
        assert_eq!(normalize(&u), "https://h.example:8443");
    }

    #[tokio::test]
    async fn aws_owned_urls_need_no_request_and_bad_ones_are_refused_as_the_cli_does() {
        let r = resolve("https://d-1.awsapps.com/start", Some("eu-west-2"), None)
            .await
            .unwrap();
        assert_eq!(
            (
                r.resolved_url.as_str(),
                r.region.as_str(),
                r.region_from_host
            ),
            ("https://d-1.awsapps.com/start", "eu-west-2", false)
        );
        let r = resolve("https://ssoins-1.portal.ap-south-1.app.aws", None, None)
            .await
            .unwrap();
        assert_eq!(
            (r.region.as_str(), r.region_from_host),
            ("ap-south-1", true)
        );
        let msg = |e: Error| e.to_string();
        assert!(
            msg(
                resolve("http://d-1.awsapps.com/start", Some("us-east-1"), None)
                    .await
                    .unwrap_err()
            )
            .contains("must use the https scheme")
        );
        assert!(
            msg(resolve("https://d-1.awsapps.com/start", None, None)
                .await
                .unwrap_err())
            .contains("sso_region")
        );
        assert!(
            msg(resolve("not a url", None, None).await.unwrap_err())
                .contains("Invalid sso_start_url: 'not a url'")
        );
    }
}

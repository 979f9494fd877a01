//! AWS Signature Version 4, the two pieces no published crate does for us.
//!
//! `aws-sigv4` *signs* requests, choosing its own set of signed headers. A server that must
//! *verify* a request has to rebuild the canonical request from the headers the client listed in
//! `SignedHeaders=`, which that crate cannot do. And CodeCommit's git password is a non-standard
//! variant (method `GIT`, a timestamp without `Z` in the string to sign, `Z` only in the password;
//! `../shared/PROTOCOL.md` §6.2) that no crate implements. Both are small, pure and covered by the
//! golden vectors of AWS's own test suites.

use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::{Digest, Sha256};

/// The algorithm name that starts every SigV4 string to sign and `Authorization` header.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// RFC 3986 unreserved characters stay literal; everything else is percent-encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// Same as [`UNRESERVED`] but keeps `/` (used for canonical URIs).
const UNRESERVED_PATH: &AsciiSet = &UNRESERVED.remove(b'/');

/// HMAC-SHA256 of `data` under `key`.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Lowercase hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The SigV4 signing key for a secret, a `YYYYMMDD` date, a region and a service.
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac_sha256(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, b"aws4_request")
}

/// The final signature (hex) of a string to sign.
pub fn signature(
    secret: &str,
    date: &str,
    region: &str,
    service: &str,
    string_to_sign: &str,
) -> String {
    hex::encode(hmac_sha256(
        &signing_key(secret, date, region, service),
        string_to_sign.as_bytes(),
    ))
}

/// Percent-encodes a user name for a URL the way Python's `quote(s, safe="")` does.
pub fn url_quote(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

// ---------------------------------------------------------------------------------------------
// CodeCommit git over HTTPS
// ---------------------------------------------------------------------------------------------

/// The user name CodeCommit expects for git over HTTPS: the access key id, plus `%` and the
/// session token for temporary credentials (before URL quoting).
pub fn git_username(access_key_id: &str, session_token: Option<&str>) -> String {
    match session_token {
        Some(token) if !token.is_empty() => format!("{access_key_id}%{token}"),
        _ => access_key_id.to_owned(),
    }
}

/// The canonical "request" CodeCommit signs for git: `GIT`, the path, no query, only `host`.
pub fn git_canonical_request(host: &str, path: &str) -> String {
    format!("GIT\n{path}\n\nhost:{host}\n\nhost\n")
}

/// The git password: `<timestamp>Z<signature>` where `timestamp` is `YYYYMMDDTHHMMSS` (no `Z`).
///
/// `host` is exactly what the client connects to (with `:port` when there is one).
pub fn git_password(host: &str, path: &str, region: &str, secret: &str, timestamp: &str) -> String {
    let date = timestamp.get(..8).unwrap_or(timestamp);
    let string_to_sign = format!(
        "{ALGORITHM}\n{timestamp}\n{date}/{region}/codecommit/aws4_request\n{}",
        sha256_hex(git_canonical_request(host, path).as_bytes())
    );
    format!(
        "{timestamp}Z{}",
        signature(secret, date, region, "codecommit", &string_to_sign)
    )
}

/// A git password split into its parts, as a server sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitPassword<'a> {
    /// `YYYYMMDDTHHMMSS`, the time the client signed at.
    pub timestamp: &'a str,
    /// 64 lowercase hex digits.
    pub signature: &'a str,
}

/// Splits `<YYYYMMDDTHHMMSS>Z<64 hex>`; `None` when it has another shape.
pub fn parse_git_password(password: &str) -> Option<GitPassword<'_>> {
    let (timestamp, signature) = password.split_once('Z')?;
    let ts_ok = timestamp.len() == 15
        && timestamp.as_bytes()[8] == b'T'
        && timestamp
            .bytes()
            .enumerate()
            .all(|(i, b)| i == 8 || b.is_ascii_digit());
    let sig_ok = signature.len() == 64 && signature.bytes().all(|b| b.is_ascii_hexdigit());
    (ts_ok && sig_ok).then_some(GitPassword {
        timestamp,
        signature,
    })
}

// ---------------------------------------------------------------------------------------------
// Verifying header-signed requests
// ---------------------------------------------------------------------------------------------

/// The parsed `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The access key id from the credential scope.
    pub access_key_id: String,
    /// `YYYYMMDD` from the credential scope.
    pub date: String,
    /// Region from the credential scope.
    pub region: String,
    /// Service from the credential scope.
    pub service: String,
    /// Lowercase header names, in the client's order.
    pub signed_headers: Vec<String>,
    /// Hex signature.
    pub signature: String,
}

/// Why an `Authorization` header could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizationError {
    /// Not `AWS4-HMAC-SHA256 …`.
    UnsupportedAlgorithm,
    /// A component (`Credential`, `SignedHeaders` or `Signature`) is absent.
    Missing(&'static str),
    /// `Credential=` is not `AKID/date/region/service/aws4_request`.
    MalformedCredential,
}

impl std::fmt::Display for AuthorizationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnsupportedAlgorithm => {
                write!(f, "Unsupported signature algorithm; expected {ALGORITHM}")
            }
            Self::Missing(what) => write!(f, "Authorization header requires '{what}' parameter"),
            Self::MalformedCredential => write!(
                f,
                "Credential should be of the form AccessKeyId/YYYYMMDD/region/service/aws4_request"
            ),
        }
    }
}

impl std::error::Error for AuthorizationError {}

/// Parses a SigV4 `Authorization` header value.
pub fn parse_authorization(value: &str) -> Result<Authorization, AuthorizationError> {
    let rest = value
        .strip_prefix(ALGORITHM)
        .filter(|r| r.starts_with(' '))
        .ok_or(AuthorizationError::UnsupportedAlgorithm)?;
    let (mut credential, mut signed, mut sig) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = Some(v);
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed = Some(v);
        } else if let Some(v) = part.strip_prefix("Signature=") {
            sig = Some(v);
        }
    }
    let credential = credential.ok_or(AuthorizationError::Missing("Credential"))?;
    let signed = signed.ok_or(AuthorizationError::Missing("SignedHeaders"))?;
    let sig = sig.ok_or(AuthorizationError::Missing("Signature"))?;
    let parts: Vec<&str> = credential.split('/').collect();
    let [akid, date, region, service, terminator] = parts[..] else {
        return Err(AuthorizationError::MalformedCredential);
    };
    if terminator != "aws4_request" || akid.is_empty() || date.len() != 8 {
        return Err(AuthorizationError::MalformedCredential);
    }
    Ok(Authorization {
        access_key_id: akid.to_owned(),
        date: date.to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
        signed_headers: signed
            .split(';')
            .map(|h| h.trim().to_ascii_lowercase())
            .collect(),
        signature: sig.to_owned(),
    })
}

/// Rebuilds the canonical request from the parts of a received request.
///
/// `path` and `query` are the raw (still percent-encoded) strings from the request line;
/// `header` looks a header value up by lowercase name (all values joined with `,`).
pub fn canonical_request(
    method: &str,
    path: &str,
    query: &str,
    signed_headers: &[String],
    header: impl Fn(&str) -> Option<String>,
    payload_sha256_hex: &str,
) -> String {
    let canonical_uri = {
        let decoded =
            percent_encoding::percent_decode_str(if path.is_empty() { "/" } else { path })
                .decode_utf8_lossy()
                .into_owned();
        // Non-S3 services encode the (already encoded) path a second time; encoding the decoded
        // form twice gives the same result for every path a client can send.
        let once = utf8_percent_encode(&decoded, UNRESERVED_PATH).to_string();
        utf8_percent_encode(&once, UNRESERVED_PATH).to_string()
    };
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let dec = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (url_quote(&dec(k)), url_quote(&dec(v)))
        })
        .collect();
    pairs.sort();
    let canonical_query = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut canonical_headers = String::new();
    for name in signed_headers {
        let value = header(name).unwrap_or_default();
        let collapsed = value.split_whitespace().collect::<Vec<_>>().join(" ");
        canonical_headers.push_str(&format!("{name}:{collapsed}\n"));
    }
    format!(
        "{method}\n{canonical_uri}\n{canonical_query}\n{canonical_headers}\n{}\n{payload_sha256_hex}",
        signed_headers.join(";")
    )
}

/// The SigV4 string to sign for an `x-amz-date` (`YYYYMMDDTHHMMSSZ`) and a canonical request.
pub fn string_to_sign(amz_date: &str, auth: &Authorization, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{}/{}/{}/aws4_request\n{}",
        auth.date,
        auth.region,
        auth.service,
        sha256_hex(canonical_request.as_bytes())
    )
}

/// Constant-time comparison of two signatures, so a verifier does not leak how much matched.
pub fn signatures_match(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    // Golden vectors from git-remote-codecommit's test/git_url_test.py (PROTOCOL.md §6.3).
    const TS: &str = "20171224T115320";

    #[test]
    fn git_password_matches_grc_golden_vector() {
        let pw = git_password(
            "git-codecommit.us-west-2.amazonaws.com",
            "/v1/repos/test_repo",
            "us-west-2",
            "secret",
            TS,
        );
        assert_eq!(
            pw,
            "20171224T115320Zb6df2d758a8023b2f000a546417007b65494f3ce8ad0300fd45fcfa173f1959a"
        );
    }

    #[test]
    fn git_password_with_endpoint_override() {
        let pw = git_password(
            "land.called.honahlee",
            "/v1/repos/test_repo",
            "us-west-2",
            "secret",
            TS,
        );
        assert_eq!(
            pw,
            "20171224T115320Za14a37a53035bbceb6e1748247b143124fe7326cdffd3d418236a592ce6158a0"
        );
        assert_eq!(
            sha256_hex(
                git_canonical_request("land.called.honahlee", "/v1/repos/test_repo").as_bytes()
            ),
            "bb33328ceaf5ccfb7078ae7e9e4d976ae6e830873e9400c6b10b7addee731198"
        );
    }

    #[test]
    fn git_password_china_and_port_vectors() {
        let cn = git_password(
            "git-codecommit.cn-north-1.amazonaws.com.cn",
            "/v1/repos/test_repo",
            "cn-north-1",
            "secret",
            TS,
        );
        assert_eq!(
            cn,
            "20171224T115320Zd5c813948787d958c346a03202f48f34146d8d45e13fdc8e325a6fb61ff15162"
        );
        let local = git_password(
            "127.0.0.1:18443",
            "/v1/repos/myrepo",
            "us-east-1",
            "secret",
            "20261125T040744",
        );
        assert_eq!(
            local,
            "20261125T040744Zccdabc332bc8ba25ee5bbe59ed09cb62321098d92500670be55f462cc060c289"
        );
    }

    #[test]
    fn git_string_to_sign_intermediate() {
        let canonical = git_canonical_request(
            "git-codecommit.us-west-2.amazonaws.com",
            "/v1/repos/test_repo",
        );
        assert_eq!(
            canonical,
            "GIT\n/v1/repos/test_repo\n\nhost:git-codecommit.us-west-2.amazonaws.com\n\nhost\n"
        );
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "298a3d18fae21d0bc76a2c741f479faa2c874420a05f054ebe7a2c4f84d9c765"
        );
    }

    #[test]
    fn git_username_quotes_like_python() {
        assert_eq!(
            url_quote(&git_username("access", Some("token"))),
            "access%25token"
        );
        assert_eq!(url_quote(&git_username("access", None)), "access");
        assert_eq!(url_quote("a/b+c="), "a%2Fb%2Bc%3D");
    }

    #[test]
    fn parse_git_password_accepts_only_the_real_shape() {
        let ok = parse_git_password(
            "20171224T115320Zb6df2d758a8023b2f000a546417007b65494f3ce8ad0300fd45fcfa173f1959a",
        )
        .unwrap();
        assert_eq!(ok.timestamp, TS);
        for bad in [
            "",
            "Z",
            "20171224T115320Zshort",
            "2017122XT115320Zb6df2d758a8023b2f000a546417007b65494f3ce8ad0300fd45fcfa173f1959a",
            "20171224T115320b6df",
        ] {
            assert!(parse_git_password(bad).is_none(), "{bad}");
        }
    }

    // AWS's published SigV4 test suite example "get-vanilla" (service "service", us-east-1).
    #[test]
    fn verifies_aws_test_suite_get_vanilla() {
        let auth = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        )
        .unwrap();
        let headers = |n: &str| match n {
            "host" => Some("example.amazonaws.com".to_owned()),
            "x-amz-date" => Some("20150830T123600Z".to_owned()),
            _ => None,
        };
        let creq = canonical_request(
            "GET",
            "/",
            "",
            &auth.signed_headers,
            headers,
            &sha256_hex(b""),
        );
        let sts = string_to_sign("20150830T123600Z", &auth, &creq);
        let sig = signature(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            &auth.date,
            &auth.region,
            &auth.service,
            &sts,
        );
        assert!(signatures_match(&sig, &auth.signature), "{sig}");
    }

    #[test]
    fn verifies_aws_test_suite_query_order() {
        // "get-vanilla-query-order-key-case": query parameters are sorted by key.
        let auth = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        )
        .unwrap();
        let headers = |n: &str| match n {
            "host" => Some("example.amazonaws.com".to_owned()),
            "x-amz-date" => Some("20150830T123600Z".to_owned()),
            _ => None,
        };
        let creq = canonical_request(
            "GET",
            "/",
            "Param2=value2&Param1=value1",
            &auth.signed_headers,
            headers,
            &sha256_hex(b""),
        );
        let sts = string_to_sign("20150830T123600Z", &auth, &creq);
        let sig = signature(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            &auth.date,
            &auth.region,
            &auth.service,
            &sts,
        );
        assert_eq!(sig, auth.signature);
    }

    #[test]
    fn authorization_header_errors() {
        assert_eq!(
            parse_authorization("Basic abc"),
            Err(AuthorizationError::UnsupportedAlgorithm)
        );
        assert_eq!(
            parse_authorization("AWS4-HMAC-SHA256 SignedHeaders=host, Signature=ab"),
            Err(AuthorizationError::Missing("Credential"))
        );
        assert_eq!(
            parse_authorization(
                "AWS4-HMAC-SHA256 Credential=AKID/2015/us-east-1/s/x, SignedHeaders=host, Signature=ab"
            ),
            Err(AuthorizationError::MalformedCredential)
        );
    }
}

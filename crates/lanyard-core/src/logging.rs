//! Log filtering that keeps secrets out of logs.
//!
//! The AWS SDK and its HTTP stack log whole requests at `trace` level, headers included — the
//! portal's `x-amz-sso_bearer_token` among them. Lanyard never logs secrets itself; this caps
//! those crates at `info` whatever the user asks for.

/// Crates whose `debug`/`trace` output can contain credentials.
const CAPPED: &[&str] = &[
    "aws_smithy",
    "aws_sdk",
    "aws_config",
    "aws_runtime",
    "aws_sigv4",
    "hyper",
    "h2",
    "rustls",
    "reqwest",
    "tower",
    "aws_credential_types",
    // The keyring's D-Bus traffic carries the secrets it stores.
    "zbus",
    "secret_service",
    "keyring",
];

/// The user's `RUST_LOG`-style directives with the SDK and HTTP crates capped at `info`.
pub fn filter_directives(user: &str) -> String {
    let mut out: Vec<String> = user
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            // A bare level ("trace") would also reach the capped crates: keep it, it is
            // overridden per target below.
            d.to_owned()
        })
        .filter(|d| !CAPPED.iter().any(|c| d.starts_with(c)))
        .collect();
    if out.is_empty() {
        out.push("warn".into());
    }
    out.extend(CAPPED.iter().map(|c| format!("{c}=info")));
    out.join(",")
}

/// Masks anything that looks like a secret in a log line or a diagnostics report: AWS access key
/// ids (kept to their first 4 characters, enough to tell long-term from temporary keys), values of
/// secret-bearing parameters and headers, and long opaque tokens (JWTs, base64 blobs). Lanyard
/// never logs secrets itself; this is the second line of defence for what other crates print.
pub fn redact(line: &str) -> String {
    // Terminal colour codes (`ESC[…m`) between a field's name and its value would hide the
    // pair from the rules below: they go first.
    let plain;
    let line = if line.contains('\x1b') {
        plain = strip_sgr(line);
        plain.as_str()
    } else {
        line
    };
    const KEYS: &[&str] = &[
        "signintoken=",
        "x-amz-signature=",
        "signature=",
        "x-amz-security-token=",
        "session=",
        "password=",
        "token=",
        "sessionkey",
        "sessiontoken",
        "secretaccesskey",
        "accesstoken",
        "refreshtoken",
        "clientsecret",
        "aws_secret_access_key",
        "aws_session_token",
        "secret_access_key",
        "session_token",
        "access_token",
        "refresh_token",
        "client_secret",
        "x-amz-sso_bearer_token:",
        "authorization:",
        "bearer ",
    ];
    let lower = line.to_ascii_lowercase();
    let bytes = line.as_bytes();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    let is_tok = |b: u8| {
        b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'_' | b'-' | b'.' | b'%')
    };
    while i < bytes.len() {
        // A secret-bearing key: keep it, mask its value (after optional quotes, colons, spaces).
        // A key that ends in a letter must end there (`client_secret_expires_at` is not one).
        if let Some(k) = KEYS.iter().find(|k| {
            lower[i..].starts_with(**k)
                && (!k.ends_with(|c: char| c.is_ascii_alphanumeric())
                    || !lower[i + k.len()..]
                        .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
        }) {
            out.push_str(&line[i..i + k.len()]);
            i += k.len();
            while i < bytes.len() && matches!(bytes[i], b'"' | b':' | b' ' | b'=' | b'\'') {
                out.push(bytes[i] as char);
                i += 1;
            }
            let start = i;
            while i < bytes.len() && is_tok(bytes[i]) {
                i += 1;
            }
            if i > start {
                out.push_str("[redacted]");
            }
            continue;
        }
        if !is_tok(bytes[i]) || (i > 0 && is_tok(bytes[i - 1])) {
            let c = line[i..].chars().next().expect("in bounds");
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        let start = i;
        while i < bytes.len() && is_tok(bytes[i]) {
            i += 1;
        }
        // A secret access key: 40 base64 characters, often with '/' (about half of them), which
        // the per-segment rule below would let through.
        if secret_key_like(&line[start..i]) {
            out.push_str("[redacted]");
            continue;
        }
        // Segment by '/' so paths and URLs stay readable while a long opaque segment is masked.
        for (n, seg) in line[start..i].split('/').enumerate() {
            if n > 0 {
                out.push('/');
            }
            let key_id = seg.len() == 20
                && (seg.starts_with("ASIA") || seg.starts_with("AKIA"))
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
            let opaque = seg.len() >= 40
                && seg.bytes().any(|b| b.is_ascii_digit())
                && seg.bytes().any(|b| b.is_ascii_alphabetic());
            if key_id {
                out.push_str(&seg[..4]);
                out.push_str("…[redacted]");
            } else if opaque {
                out.push_str("[redacted]");
            } else {
                out.push_str(seg);
            }
        }
    }
    out
}

/// `s` without ANSI SGR sequences (`ESC [ params m`).
fn strip_sgr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// 40 characters of `[A-Za-z0-9+/]`, not a path (no leading '/'), with upper and lower case
/// letters and a digit or '+'/'/': the shape of an AWS secret access key.
fn secret_key_like(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 40
        && b[0] != b'/'
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/'))
        && b.iter().any(u8::is_ascii_uppercase)
        && b.iter().any(u8::is_ascii_lowercase)
        && b.iter()
            .any(|c| c.is_ascii_digit() || matches!(c, b'+' | b'/'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_keys_tokens_and_secret_parameters() {
        let r = super::redact;
        assert_eq!(
            r("using ASIAABCDEFGHIJKLMNOP for dev"),
            "using ASIA…[redacted] for dev"
        );
        assert_eq!(
            r("GET /federation?Action=login&SigninToken=abc123XYZ&x=1"),
            "GET /federation?Action=login&SigninToken=[redacted]&x=1"
        );
        assert_eq!(
            r(r#"{"accessToken":"aoaAAAA1234","expiresAt":"2026"}"#),
            r#"{"accessToken":"[redacted]","expiresAt":"2026"}"#
        );
        assert_eq!(
            r("x-amz-sso_bearer_token: tok.en-1"),
            "x-amz-sso_bearer_token: [redacted]"
        );
        assert_eq!(
            r(
                "https://u:20261201T120000Z0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2@git"
            ),
            "https://u:[redacted]@git"
        );
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        assert_eq!(r(&format!("token {jwt} end")), "token [redacted] end");
        // Ordinary text, paths, URLs and ids stay readable.
        // Secret access keys with '/', unlabelled, and snake_case labels.
        let key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        assert_eq!(r(&format!("got {key} back")), "got [redacted] back");
        assert_eq!(
            r("aws_secret_access_key = abcDEF123, refresh_token: xyz789, client_secret=s3cr3t"),
            "aws_secret_access_key = [redacted], refresh_token: [redacted], client_secret=[redacted]"
        );
        assert_eq!(
            r("aws_session_token=IQoJb3JpZ2luX2Vj"),
            "aws_session_token=[redacted]"
        );
        // Coloured output (tracing's ANSI fields) is read without its escape codes.
        assert_eq!(
            r("\x1b[3maccess_token\x1b[0m\x1b[2m=\x1b[0m\"aoaSECRET123\" next"),
            "access_token=\"[redacted]\" next"
        );
        assert_eq!(
            r("client_secret_expires_at=1700000000"),
            "client_secret_expires_at=1700000000"
        );
        let plain = "cloned payments-api into /home/me/codecommit/acme-dev/payments-api (account 111122223333, eu-west-1) — ok";
        assert_eq!(r(plain), plain);
        assert_eq!(
            r("https://portal.sso.us-east-1.amazonaws.com/assignment/accounts"),
            "https://portal.sso.us-east-1.amazonaws.com/assignment/accounts"
        );
    }

    #[test]
    fn caps_sdk_and_http_crates() {
        let f = super::filter_directives("trace,aws_smithy_runtime=trace,lanyard_core=debug");
        assert!(f.starts_with("trace,lanyard_core=debug,"), "{f}");
        assert!(f.contains("aws_smithy=info") && f.contains("hyper=info"));
        assert!(
            f.contains("zbus=info")
                && f.contains("keyring=info")
                && f.contains("secret_service=info")
        );
        assert!(!f.contains("aws_smithy_runtime=trace"));
        assert_eq!(super::filter_directives("").split(',').next(), Some("warn"));
    }
}

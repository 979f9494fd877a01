//! Log filtering that keeps secrets out of logs.
//!
//! The AWS SDK and its HTTP stack log whole requests at `trace` level, headers included — the
//! portal's `x-amz-sso_bearer_token` among them. Lanyard never logs secrets itself; this caps
//! those crates at `info` whatever the user asks for.

/// Crates whose `debug`/`trace` output can contain credentials.
const CAPPED: &[&str] = &["aws_smithy", "aws_sdk", "aws_config", "aws_runtime", "aws_sigv4", "hyper", "h2", "rustls", "reqwest", "tower"];

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

#[cfg(test)]
mod tests {
    #[test]
    fn caps_sdk_and_http_crates() {
        let f = super::filter_directives("trace,aws_smithy_runtime=trace,lanyard_core=debug");
        assert!(f.starts_with("trace,lanyard_core=debug,"), "{f}");
        assert!(f.contains("aws_smithy=info") && f.contains("hyper=info"));
        assert!(!f.contains("aws_smithy_runtime=trace"));
        assert_eq!(super::filter_directives("").split(',').next(), Some("warn"));
    }
}

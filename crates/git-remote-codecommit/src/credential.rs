//! The credential-helper side (`git credential` protocol on stdin/stdout): signs CodeCommit git
//! credentials for the one host this remote uses, from the standard AWS credential chain.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use aws_config::BehaviorVersion;
use aws_credential_types::provider::ProvideCredentials;
use lanyard_core::codecommit::url;

/// The signed password is accepted for 15 minutes; git may drop it after that.
const VALID_SECS: i64 = 15 * 60;

pub fn run(action: &str) -> ExitCode {
    let attrs: Vec<(String, String)> = std::io::stdin()
        .lock()
        .lines()
        .map_while(Result::ok)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect();
    let get = |k: &str| attrs.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str());
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let (label, region, repo, host) = (
        var("LANYARD_GRC_LABEL").unwrap_or_default(),
        var("LANYARD_GRC_REGION").unwrap_or_default(),
        var("LANYARD_GRC_REPO").unwrap_or_default(),
        var("LANYARD_GRC_HOST").unwrap_or_default(),
    );
    match action {
        "get" => {}
        // Nothing is stored: every request signs afresh.
        "store" => return ExitCode::SUCCESS,
        "erase" => {
            eprintln!(
                "git-remote-codecommit: CodeCommit rejected the signed credentials of profile {label} for {repo} in {region}."
            );
            return ExitCode::SUCCESS;
        }
        _ => return ExitCode::SUCCESS,
    }
    // Only the CodeCommit host this remote resolved to gets credentials (not a redirect target).
    if get("host") != Some(host.as_str()) || get("protocol").is_some_and(|p| p != "https") {
        return ExitCode::SUCCESS;
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return quit(&format!("git-remote-codecommit: cannot start: {e}")),
    };
    let profile = var("LANYARD_GRC_PROFILE");
    let creds = rt.block_on(async {
        let provider: aws_credential_types::provider::SharedCredentialsProvider = match &profile {
            // An explicit profile uses that profile alone (botocore also ignores AWS_ACCESS_KEY_ID then).
            Some(p) => aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_config::profile::ProfileFileCredentialsProvider::builder()
                    .profile_name(p)
                    .build(),
            ),
            None => match aws_config::defaults(BehaviorVersion::latest())
                .region(aws_config::Region::new(region.clone()))
                .load()
                .await
                .credentials_provider()
            {
                Some(p) => p,
                None => return Err("no credential provider is configured".to_owned()),
            },
        };
        provider
            .provide_credentials()
            .await
            .map_err(|e| describe(&e))
    });
    let creds = match creds {
        Ok(c) => c,
        Err(why) => {
            return quit(&explain(
                &label,
                &repo,
                &region,
                var("LANYARD_GRC_SSO_SESSION").as_deref(),
                &why,
            ));
        }
    };
    let now = time::OffsetDateTime::now_utc();
    let signed = url::git_credentials(
        &host,
        &repo,
        &region,
        creds.access_key_id(),
        creds.secret_access_key(),
        creds.session_token(),
        &url::timestamp(now),
    );
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "username={}\npassword={}\npassword_expiry_utc={}",
        signed.username,
        signed.password,
        now.unix_timestamp() + VALID_SECS
    );
    ExitCode::SUCCESS
}

/// Prints the reason and tells git to stop asking (no further helpers, no prompt).
fn quit(msg: &str) -> ExitCode {
    eprintln!("{msg}");
    println!("quit=1");
    ExitCode::SUCCESS
}

fn describe(e: &aws_credential_types::provider::error::CredentialsError) -> String {
    // The SDK wraps the cause in several "an error occurred while loading …" layers: the
    // innermost message is the one that says what is wrong.
    use std::error::Error;
    let mut last = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        last = inner.to_string();
        src = inner.source();
    }
    last
}

/// The error a person can act on: which profile, which repository, and the fix (GRC #53).
fn explain(label: &str, repo: &str, region: &str, sso_session: Option<&str>, why: &str) -> String {
    match sso_session {
        Some(s) => format!(
            "git-remote-codecommit: no credentials for profile {label} (repository {repo}, {region}): the IAM Identity Center session {s} has expired or is not signed in — run `lanyard login --session {s}` or click Sign in in the Lanyard tray, then retry. ({why})"
        ),
        None => format!(
            "git-remote-codecommit: no credentials for profile {label} (repository {repo}, {region}): {why}. Configure credentials for this profile and retry."
        ),
    }
}

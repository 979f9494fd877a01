//! `git-remote-codecommit`: git runs it for `codecommit://` and `codecommit::REGION://` remotes.
//!
//! Like the Python helper it resolves (profile, region, repository) and hands the transport to
//! git's own `git remote-http`. Unlike it, the signed credentials never appear in any argv: the
//! child gets a credential-free `https://` URL, every other credential helper is switched off for
//! it (so no keychain stores a 15-minute password), and this binary is registered as its only
//! credential helper through `GIT_CONFIG_COUNT`. Git calls that helper only when the server asks
//! for authentication, so credentials (and the AWS SDK, and a tokio runtime) are only touched
//! when git really goes to the network.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::process::{Command, ExitCode, Stdio};

use lanyard_core::codecommit::remote::{self, Target};

mod credential;

/// Set in the child's environment; its presence means "you are the credential helper".
const ROLE: &str = "LANYARD_GRC_CREDENTIAL";
/// What the credential helper needs to know (no secrets).
const KEYS: [&str; 6] = [
    "LANYARD_GRC_PROFILE",
    "LANYARD_GRC_LABEL",
    "LANYARD_GRC_REGION",
    "LANYARD_GRC_REPO",
    "LANYARD_GRC_HOST",
    "LANYARD_GRC_SSO_SESSION",
];

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    if args.len() == 2 && std::env::var_os(ROLE).is_some() {
        return credential::run(&args[1].to_string_lossy());
    }
    if args.len() < 3 {
        return fail("Too few arguments. This hook requires the git command and remote.");
    }
    if args.len() > 3 {
        let shown: Vec<String> = args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        return fail(&format!(
            "Too many arguments. Hook only accepts the git command and remote, but argv was: '{}'",
            shown.join("', '")
        ));
    }
    let env = |k: &str| std::env::var(k).ok();
    let home = env("HOME")
        .or_else(|| env("USERPROFILE"))
        .unwrap_or_default();
    let file = |var: &str, rel: &str| {
        let p = env(var)
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| format!("{home}/.aws/{rel}"));
        std::fs::read_to_string(p).unwrap_or_default()
    };
    let target = match remote::resolve(
        &args[2].to_string_lossy(),
        &env,
        &file("AWS_CONFIG_FILE", "config"),
        &file("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
    ) {
        Ok(t) => t,
        Err(e) => return fail(&e.to_string()),
    };
    hand_to_git(&args[1], &target)
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("{msg}");
    ExitCode::FAILURE
}

/// Single-quotes a path for the shell git runs `!helper` snippets with.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Git's `sq_quote`: single quotes, an embedded `'` as `'\''` (GIT_CONFIG_PARAMETERS' format).
fn sq_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn hand_to_git(remote_name: &OsString, t: &Target) -> ExitCode {
    let me = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => {
            return fail(&format!(
                "git-remote-codecommit cannot find its own executable: {e}"
            ));
        }
    };
    let url = format!(
        "https://{}{}",
        t.host,
        lanyard_core::codecommit::url::repo_path(&t.repository)
    );
    let mut cmd = Command::new("git");
    cmd.arg("remote-http").arg(remote_name).arg(&url);
    // Appended after any GIT_CONFIG_* the user's git already passes down: the empty value resets
    // the helper list (osxkeychain, manager, store…), then only this binary answers.
    let base: usize = std::env::var("GIT_CONFIG_COUNT")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let entries = [
        ("credential.helper", String::new()),
        (
            "credential.helper",
            format!("!{}", shell_quote(&me.to_string_lossy())),
        ),
    ];
    for (i, (k, v)) in entries.iter().enumerate() {
        cmd.env(format!("GIT_CONFIG_KEY_{}", base + i), k)
            .env(format!("GIT_CONFIG_VALUE_{}", base + i), v);
    }
    cmd.env("GIT_CONFIG_COUNT", (base + entries.len()).to_string());
    // `git -c …` (IDEs pass helpers this way) arrives in GIT_CONFIG_PARAMETERS, which git reads
    // after GIT_CONFIG_COUNT: the same reset and helper go at its end too, so they come last.
    let mut params = std::env::var("GIT_CONFIG_PARAMETERS").unwrap_or_default();
    for (k, v) in &entries {
        if !params.is_empty() {
            params.push(' ');
        }
        // The one-quoted 'key=value' form: every git reads it (the 'key'='value' form needs
        // git ≥ 2.31, and an older git refuses the whole variable).
        params.push_str(&sq_quote(&format!("{k}={v}")));
    }
    cmd.env("GIT_CONFIG_PARAMETERS", params);
    // There is never anything to type: a missing credential is an error, not a prompt.
    cmd.env("GIT_TERMINAL_PROMPT", "0");
    let values = [
        t.profile.clone().unwrap_or_default(),
        t.profile_label.clone(),
        t.region.clone(),
        t.repository.clone(),
        t.host.clone(),
        t.sso_session.clone().unwrap_or_default(),
    ];
    cmd.env(ROLE, "1");
    for (k, v) in KEYS.iter().zip(values) {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return fail(&format!(
                "git-remote-codecommit could not run `git remote-http` ({e}); is git installed and on PATH?"
            ));
        }
    };
    // Git's messages pass through as they come (progress included); a 403 or 404 gets a hint.
    let mut seen = String::new();
    if let Some(mut err) = child.stderr.take() {
        let mut out = std::io::stderr();
        let mut buf = [0u8; 4096];
        while let Ok(n) = err.read(&mut buf) {
            if n == 0 {
                break;
            }
            let _ = out.write_all(&buf[..n]);
            if seen.len() < 16 * 1024 {
                seen.push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        }
    }
    let status = match child.wait() {
        Ok(s) => s,
        Err(e) => {
            return fail(&format!(
                "git-remote-codecommit lost `git remote-http`: {e}"
            ));
        }
    };
    if !status.success()
        && let Some(h) = hint(&seen, t)
    {
        eprintln!("{h}");
    }
    ExitCode::from(status.code().unwrap_or(1).clamp(0, 255) as u8)
}

/// What a failed transfer means for CodeCommit users (LANDSCAPE.md §3c).
fn hint(stderr: &str, t: &Target) -> Option<String> {
    let (p, repo, region) = (&t.profile_label, &t.repository, &t.region);
    let line = stderr.lines().rev().find(|l| {
        l.contains("returned error")
            || l.contains("not found")
            || l.contains("Authentication failed")
    })?;
    if line.contains("error: 403") {
        Some(format!(
            "git-remote-codecommit: CodeCommit refused profile {p} for repository {repo} in {region} (HTTP 403): its role lacks codecommit:GitPull (or codecommit:GitPush to push) on the repository, or its credentials are no longer valid. Use a profile whose role may access it."
        ))
    } else if line.contains("error: 404") || line.contains("not found") {
        Some(format!(
            "git-remote-codecommit: repository {repo} does not exist in {region} for the account of profile {p}: check the name and the region in the remote URL (`git remote -v`)."
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> Target {
        Target {
            profile: Some("dev".into()),
            profile_label: "dev".into(),
            region: "us-east-1".into(),
            repository: "api".into(),
            host: "h".into(),
            sso_session: None,
        }
    }

    #[test]
    fn hints_name_profile_repo_and_fix() {
        let h = hint("fatal: unable to access 'https://h/v1/repos/api/': The requested URL returned error: 403\n", &target()).unwrap();
        assert!(
            h.contains("profile dev") && h.contains("api") && h.contains("GitPull"),
            "{h}"
        );
        let h = hint("fatal: unable to access 'https://h/v1/repos/api/': The requested URL returned error: 404\n", &target()).unwrap();
        assert!(h.contains("does not exist in us-east-1"), "{h}");
        assert_eq!(hint("fatal: something else\n", &target()), None);
    }

    #[test]
    fn quoting_survives_spaces_and_quotes() {
        assert_eq!(
            shell_quote("/opt/My App/it's/git-remote-codecommit"),
            r"'/opt/My App/it'\''s/git-remote-codecommit'"
        );
    }

    #[test]
    fn config_parameters_use_the_form_every_git_reads() {
        // 'key=value' (git < 2.31 refuses 'key'='value', and with it every command).
        assert_eq!(sq_quote("credential.helper="), "'credential.helper='");
        assert_eq!(
            sq_quote("credential.helper=!'/a b/x'"),
            r"'credential.helper=!'\''/a b/x'\'''"
        );
    }
}

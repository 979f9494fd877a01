//! How `git-remote-codecommit` turns a remote URL into (profile, region, repository, host) — the
//! Python helper's rules (PROTOCOL.md §6.1), read from the AWS config and credentials files the
//! caller passes in, with no network and no SDK: git runs the helper for `git remote show` too.

use super::url::{self, RemoteUrl, UrlError};
use crate::aws_config::{self, SectionKind};

/// Where a remote points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The profile (`None`: the SDK's default, i.e. `AWS_PROFILE` or `default`).
    pub profile: Option<String>,
    /// The profile name to show in messages.
    pub profile_label: String,
    /// The region.
    pub region: String,
    /// Repository name.
    pub repository: String,
    /// The git host (`host[:port]`).
    pub host: String,
    /// The profile's `sso_session`, to name the identity in errors.
    pub sso_session: Option<String>,
}

/// Why a remote cannot be resolved; worded like the Python helper, plus what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// The URL itself.
    #[error(transparent)]
    Url(#[from] UrlError),
    /// `profile@` names no profile.
    #[error("The following profile was not found: {profile}. Available profiles are: {list}. Either use one of the available profiles, or create an AWS CLI profile to use and then try again (`lanyard sync` writes a profile for every IAM Identity Center role).", list = if .available.is_empty() { "(none)".to_owned() } else { .available.join(", ") })]
    ProfileNotFound {
        /// The profile.
        profile: String,
        /// Profiles that exist.
        available: Vec<String>,
    },
    /// `codecommit://` without a region anywhere.
    #[error(
        "The following profile does not have an AWS Region: {profile}. Set `region` for this profile in your AWS config, or name the region in the remote URL: codecommit::REGION://{profile}@{repository}"
    )]
    RegionNotFound {
        /// The profile.
        profile: String,
        /// The repository.
        repository: String,
    },
    /// The profile's region has no CodeCommit.
    #[error("The following AWS Region is not available for use with AWS CodeCommit: {0}. CodeCommit is available in: {regions}", regions = url::REGIONS.join(", "))]
    RegionNotAvailable(String),
}

fn profiles_in(config_text: &str, credentials_text: &str) -> Vec<String> {
    let mut names: Vec<String> = aws_config::sections(config_text)
        .into_iter()
        .filter_map(|s| match s.kind {
            SectionKind::Profile(n) => Some(n),
            _ => None,
        })
        .collect();
    // The credentials file names sections without the `profile ` prefix.
    for s in aws_config::sections(credentials_text) {
        let n = match s.kind {
            SectionKind::Profile(n) if n == "default" => n,
            SectionKind::Other(n) => n,
            _ => continue,
        };
        if !names.contains(&n) {
            names.push(n);
        }
    }
    names
}

fn setting(config_text: &str, profile: &str, key: &str) -> Option<String> {
    aws_config::sections(config_text)
        .into_iter()
        .filter(|s| matches!(&s.kind, SectionKind::Profile(n) if n == profile))
        .filter_map(|s| s.get(key).map(str::to_owned))
        .next_back()
        .filter(|v| !v.is_empty())
}

/// Resolves a remote URL (git's second argument). `env` looks up environment variables.
pub fn resolve(
    remote: &str,
    env: &dyn Fn(&str) -> Option<String>,
    config_text: &str,
    credentials_text: &str,
) -> Result<Target, ResolveError> {
    let RemoteUrl {
        profile,
        repository,
        region,
    } = url::parse(remote)?;
    let var = |k: &str| env(k).filter(|v| !v.is_empty());
    if let Some(p) = &profile {
        let available = profiles_in(config_text, credentials_text);
        if !available.contains(p) {
            return Err(ResolveError::ProfileNotFound {
                profile: p.clone(),
                available,
            });
        }
    }
    // botocore's order: AWS_DEFAULT_PROFILE, then AWS_PROFILE, then "default".
    let label = profile
        .clone()
        .or_else(|| var("AWS_DEFAULT_PROFILE"))
        .or_else(|| var("AWS_PROFILE"))
        .unwrap_or_else(|| "default".into());
    let region = match region {
        Some(r) => r,
        None => {
            // botocore's region: AWS_DEFAULT_REGION, then the profile's `region`.
            let r = var("AWS_DEFAULT_REGION").or_else(|| setting(config_text, &label, "region"));
            let r = r.ok_or_else(|| ResolveError::RegionNotFound {
                profile: label.clone(),
                repository: repository.clone(),
            })?;
            if !url::is_region(&r) {
                return Err(ResolveError::RegionNotAvailable(r));
            }
            r
        }
    };
    let fips = var("AWS_USE_FIPS_ENDPOINT")
        .or_else(|| setting(config_text, &label, "use_fips_endpoint"))
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let host = url::git_host(&region, var("CODE_COMMIT_ENDPOINT").as_deref(), fips);
    let sso_session = setting(config_text, &label, "sso_session");
    Ok(Target {
        profile,
        profile_label: label,
        region,
        repository,
        host,
        sso_session,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const CONFIG: &str = "[default]\nregion = us-west-2\n\n[profile dev]\nsso_session = acme\nregion = eu-west-1\n\n[profile noregion]\nsso_session = acme\n\n[profile mars]\nregion = mars-north-1\n\n[profile gov]\nregion = us-gov-west-1\nuse_fips_endpoint = true\n";
    const CREDS: &str = "[static]\naws_access_key_id = AKID\naws_secret_access_key = s\n";

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn regions_profiles_and_hosts() {
        let none = env(&[]);
        let t = resolve("codecommit://dev@api", &none, CONFIG, CREDS).unwrap();
        assert_eq!(
            (t.region.as_str(), t.host.as_str(), t.sso_session.as_deref()),
            (
                "eu-west-1",
                "git-codecommit.eu-west-1.amazonaws.com",
                Some("acme")
            )
        );
        let t = resolve("us-east-2://dev@api", &none, CONFIG, CREDS).unwrap();
        assert_eq!(t.region, "us-east-2", "the URL's region wins");
        let t = resolve("codecommit://api", &none, CONFIG, CREDS).unwrap();
        assert_eq!(
            (t.profile, t.profile_label.as_str(), t.region.as_str()),
            (None, "default", "us-west-2")
        );
        let t = resolve(
            "codecommit://api",
            &env(&[("AWS_PROFILE", "dev")]),
            CONFIG,
            CREDS,
        )
        .unwrap();
        assert_eq!(
            t.region, "eu-west-1",
            "AWS_PROFILE picks the default profile"
        );
        let t = resolve(
            "codecommit://dev@api",
            &env(&[("AWS_DEFAULT_REGION", "ap-south-1")]),
            CONFIG,
            CREDS,
        )
        .unwrap();
        assert_eq!(
            t.region, "ap-south-1",
            "botocore lets AWS_DEFAULT_REGION win over the profile"
        );
        assert!(
            resolve("cn-north-1://static@api", &none, CONFIG, CREDS)
                .unwrap()
                .host
                .ends_with(".amazonaws.com.cn"),
            "credentials-file profiles exist too"
        );
        assert_eq!(
            resolve("codecommit://gov@api", &none, CONFIG, CREDS)
                .unwrap()
                .host,
            "git-codecommit-fips.us-gov-west-1.amazonaws.com"
        );
        assert_eq!(
            resolve(
                "codecommit://dev@api",
                &env(&[("CODE_COMMIT_ENDPOINT", "127.0.0.1:8443")]),
                CONFIG,
                CREDS
            )
            .unwrap()
            .host,
            "127.0.0.1:8443"
        );
    }

    #[test]
    fn errors_say_what_to_do() {
        let none = env(&[]);
        let e = resolve("codecommit://ghost@api", &none, CONFIG, CREDS).unwrap_err();
        assert!(
            matches!(&e, ResolveError::ProfileNotFound { available, .. } if available.contains(&"static".to_owned())),
            "{e:?}"
        );
        assert!(
            e.to_string()
                .contains("The following profile was not found: ghost"),
            "{e}"
        );
        let e = resolve("codecommit://noregion@api", &none, CONFIG, CREDS).unwrap_err();
        assert!(
            e.to_string().contains("codecommit::REGION://noregion@api"),
            "{e}"
        );
        assert_eq!(
            resolve("codecommit://mars@api", &none, CONFIG, CREDS).unwrap_err(),
            ResolveError::RegionNotAvailable("mars-north-1".into())
        );
        assert!(matches!(
            resolve("codecommit://", &none, CONFIG, CREDS),
            Err(ResolveError::Url(UrlError::Malformed(_)))
        ));
        assert!(
            matches!(
                resolve("codecommit://api", &none, "", ""),
                Err(ResolveError::RegionNotFound { .. })
            ),
            "no default profile, no region"
        );
    }
}

//! `codecommit://` remote URLs, CodeCommit's git host names and its SigV4 git credentials,
//! exactly as the Python git-remote-codecommit computes them (PROTOCOL.md §6), so a clone made by
//! either helper works with the other.

use std::fmt;

/// The 29 regions CodeCommit serves (botocore `endpoints.json`, PROTOCOL.md §7.3).
pub const REGIONS: [&str; 29] = [
    "af-south-1",
    "ap-east-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-south-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "cn-north-1",
    "cn-northwest-1",
    "us-gov-east-1",
    "us-gov-west-1",
];

/// Regions with a FIPS git endpoint `git-codecommit-fips.REGION.amazonaws.com`. Assumed from the
/// CodeCommit user guide's region table (the FIPS API endpoints of PROTOCOL.md §7.1 are for the
/// same regions); used only when FIPS is asked for with the standard `use_fips_endpoint` setting.
pub const FIPS_REGIONS: [&str; 7] = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "us-gov-east-1",
    "us-gov-west-1",
];

/// Whether CodeCommit is available in `region`.
pub fn is_region(region: &str) -> bool {
    REGIONS.contains(&region)
}

/// The DNS suffix of a region's partition.
pub fn dns_suffix(region: &str) -> &'static str {
    if region == "cn-north-1" || region == "cn-northwest-1" {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    }
}

/// The git host for a region: `CODE_COMMIT_ENDPOINT` when given (host[:port]), else
/// `git-codecommit[-fips].REGION.amazonaws.com[.cn]`.
pub fn git_host(region: &str, endpoint_override: Option<&str>, fips: bool) -> String {
    match endpoint_override.filter(|e| !e.is_empty()) {
        Some(e) => e.to_owned(),
        None if fips && FIPS_REGIONS.contains(&region) => {
            format!("git-codecommit-fips.{region}.amazonaws.com")
        }
        None => format!("git-codecommit.{region}.{}", dns_suffix(region)),
    }
}

/// The repository path on the git host.
pub fn repo_path(repository: &str) -> String {
    format!("/v1/repos/{repository}")
}

/// Whether a name can be a CodeCommit repository (`[\w.-]{1,100}`, not `.`, `..` or only dots,
/// as CodeCommit refuses), so it can go into a path.
pub fn is_repository_name(name: &str) -> bool {
    (1..=100).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        && !name.chars().all(|c| c == '.')
}

/// The remote URL Lanyard writes for a clone: region and profile explicit, so any git (an IDE's
/// too) reaches the right account without a default profile.
pub fn remote_url(region: &str, profile: &str, repository: &str) -> String {
    format!("codecommit::{region}://{profile}@{repository}")
}

/// Basic-auth credentials for one git request: the user name is `AKID%TOKEN` (unquoted; git and
/// libgit2 send it as is), the password `YYYYMMDDTHHMMSSZ<signature>`.
pub struct GitCredentials {
    /// `AKID` or `AKID%SESSIONTOKEN`.
    pub username: String,
    /// The signed, time-limited password.
    pub password: String,
}

impl fmt::Debug for GitCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GitCredentials(<redacted>)")
    }
}

/// Signs git credentials for `host` + repository in `region` at `timestamp` (`YYYYMMDDTHHMMSS`, UTC).
pub fn git_credentials(
    host: &str,
    repository: &str,
    region: &str,
    access_key_id: &str,
    secret: &str,
    session_token: Option<&str>,
    timestamp: &str,
) -> GitCredentials {
    GitCredentials {
        username: lanyard_sigv4::git_username(access_key_id, session_token),
        password: lanyard_sigv4::git_password(
            host,
            &repo_path(repository),
            region,
            secret,
            timestamp,
        ),
    }
}

/// The signed URL the Python helper hands to `git remote-http` (`git_url()` in its source).
/// Lanyard never puts this URL in an argv; it exists to prove both compute the same credentials.
pub fn signed_url(
    host: &str,
    repository: &str,
    region: &str,
    access_key_id: &str,
    secret: &str,
    session_token: Option<&str>,
    timestamp: &str,
) -> String {
    let c = git_credentials(
        host,
        repository,
        region,
        access_key_id,
        secret,
        session_token,
        timestamp,
    );
    format!(
        "https://{}:{}@{host}{}",
        lanyard_sigv4::url_quote(&c.username),
        c.password,
        repo_path(repository)
    )
}

/// The timestamp format of git passwords.
pub fn timestamp(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A parsed `codecommit` remote URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteUrl {
    /// The profile before `@`, if any.
    pub profile: Option<String>,
    /// The repository name.
    pub repository: String,
    /// The region when the URL names one (`codecommit::REGION://…`); else the profile's.
    pub region: Option<String>,
}

/// Why a remote URL cannot be used, worded like the Python helper's messages (plus the fix).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Not one of the two URL forms.
    #[error(
        "The following URL is malformed: {0}. A URL must be in one of the two following formats: codecommit://<profile>@<repository> or codecommit::<region>://<profile>@<repository>"
    )]
    Malformed(String),
    /// The region part is not a CodeCommit region.
    #[error("The following AWS Region is not available for use with AWS CodeCommit: {0}. CodeCommit is available in: {regions}", regions = REGIONS.join(", "))]
    RegionNotAvailable(String),
    /// The repository part cannot be a repository name.
    #[error(
        "{0:?} is not a CodeCommit repository name (letters, digits, '.', '_' and '-', at most 100)"
    )]
    BadRepository(String),
}

/// Parses what git passes as the helper's second argument: `codecommit://[profile@]repo` or, with
/// the `codecommit::` prefix already stripped by git, `REGION://[profile@]repo`.
///
/// Follows the Python helper, which uses `urllib.parse.urlparse`: the scheme is what precedes the
/// first `:` (lowercased) when it is made of scheme characters, the netloc is what follows `//` up
/// to `/`, `?` or `#`; a region scheme must match `^[a-z]{2}-\w*.*-\d` and be a CodeCommit region.
pub fn parse(url: &str) -> Result<RemoteUrl, UrlError> {
    let malformed = || UrlError::Malformed(url.to_owned());
    // urlparse drops tabs and newlines and leading C0/space characters before parsing.
    let cleaned: String = url
        .chars()
        .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
        .collect();
    let cleaned = cleaned.trim_start_matches(|c: char| c <= ' ');
    let (scheme, rest) = match cleaned.find(':') {
        Some(i)
            if i > 0
                && cleaned.as_bytes()[0].is_ascii_alphabetic()
                && cleaned[..i]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) =>
        {
            (cleaned[..i].to_ascii_lowercase(), &cleaned[i + 1..])
        }
        _ => return Err(malformed()),
    };
    let authority = rest
        .strip_prefix("//")
        .map(|r| &r[..r.find(['?', '#']).unwrap_or(r.len())]);
    let netloc = match authority {
        // An extension: Lanyard's default profile names contain `/` (`acme-dev/Developer`), which
        // urlparse would cut at; `profile/with/slashes@repo` is read whole. Every URL the Python
        // helper reads correctly reads the same here.
        Some(a)
            if a.split_once('@')
                .is_some_and(|(p, r)| p.contains('/') && !r.contains('/') && !r.is_empty()) =>
        {
            a
        }
        Some(a) => &a[..a.find('/').unwrap_or(a.len())],
        None => "",
    };
    if netloc.is_empty() {
        return Err(malformed());
    }
    let (profile, repository) = match netloc.split_once('@') {
        Some((p, r)) => (Some(p.to_owned()), r.to_owned()),
        None => (None, netloc.to_owned()),
    };
    let region = if scheme == "codecommit" {
        None
    } else if looks_like_region(&scheme) {
        if !is_region(&scheme) {
            return Err(UrlError::RegionNotAvailable(scheme));
        }
        Some(scheme)
    } else {
        return Err(malformed());
    };
    if !is_repository_name(&repository) {
        return Err(UrlError::BadRepository(repository));
    }
    Ok(RemoteUrl {
        profile,
        repository,
        region,
    })
}

/// `re.match(r"^[a-z]{2}-\w*.*-\d{1}", s)`: two letters, a dash, then anything, a dash and a digit.
fn looks_like_region(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 5 && b[0].is_ascii_lowercase() && b[1].is_ascii_lowercase() && b[2] == b'-' && {
        let tail = &s[3..];
        tail.char_indices()
            .any(|(i, c)| c == '-' && tail[i + 1..].starts_with(|d: char| d.is_ascii_digit()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TS: &str = "20171224T115320";

    // PROTOCOL.md §6.3, from the Python package's test/git_url_test.py.
    #[test]
    fn golden_vectors() {
        let host = git_host("us-west-2", None, false);
        assert_eq!(
            signed_url(
                &host,
                "test_repo",
                "us-west-2",
                "access",
                "secret",
                None,
                TS
            ),
            "https://access:20171224T115320Zb6df2d758a8023b2f000a546417007b65494f3ce8ad0300fd45fcfa173f1959a@git-codecommit.us-west-2.amazonaws.com/v1/repos/test_repo"
        );
        assert_eq!(
            signed_url(
                &host,
                "test_repo",
                "us-west-2",
                "access",
                "secret",
                Some("token"),
                TS
            ),
            "https://access%25token:20171224T115320Zb6df2d758a8023b2f000a546417007b65494f3ce8ad0300fd45fcfa173f1959a@git-codecommit.us-west-2.amazonaws.com/v1/repos/test_repo"
        );
        let over = git_host("us-west-2", Some("land.called.honahlee"), false);
        assert_eq!(
            signed_url(
                &over,
                "test_repo",
                "us-west-2",
                "access",
                "secret",
                None,
                TS
            ),
            "https://access:20171224T115320Za14a37a53035bbceb6e1748247b143124fe7326cdffd3d418236a592ce6158a0@land.called.honahlee/v1/repos/test_repo"
        );
        assert_eq!(
            git_credentials(
                "git-codecommit.us-west-2.amazonaws.com",
                "test_repo",
                "us-west-2",
                "access",
                "secret",
                None,
                TS
            )
            .password,
            "20171224T115320Zb6df2d758a8023b2f000a546417007b65494f3ce8ad0300fd45fcfa173f1959a"
        );
        let cn = git_host("cn-north-1", None, false);
        assert_eq!(
            signed_url(&cn, "test_repo", "cn-north-1", "access", "secret", None, TS),
            "https://access:20171224T115320Zd5c813948787d958c346a03202f48f34146d8d45e13fdc8e325a6fb61ff15162@git-codecommit.cn-north-1.amazonaws.com.cn/v1/repos/test_repo"
        );
        assert_eq!(
            git_credentials(
                "127.0.0.1:18443",
                "myrepo",
                "us-east-1",
                "AKID",
                "secret",
                None,
                "20261125T040744"
            )
            .password,
            "20261125T040744Zccdabc332bc8ba25ee5bbe59ed09cb62321098d92500670be55f462cc060c289"
        );
    }

    #[test]
    fn hosts_by_partition_and_fips() {
        assert_eq!(
            git_host("eu-west-1", None, false),
            "git-codecommit.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            git_host("cn-northwest-1", None, true),
            "git-codecommit.cn-northwest-1.amazonaws.com.cn"
        );
        assert_eq!(
            git_host("us-gov-west-1", None, true),
            "git-codecommit-fips.us-gov-west-1.amazonaws.com"
        );
        assert_eq!(
            git_host("eu-west-1", None, true),
            "git-codecommit.eu-west-1.amazonaws.com",
            "no FIPS endpoint there"
        );
        assert_eq!(
            git_host("us-east-1", Some("127.0.0.1:9"), true),
            "127.0.0.1:9",
            "the override wins"
        );
        assert_eq!(
            git_host("us-east-1", Some(""), false),
            "git-codecommit.us-east-1.amazonaws.com",
            "empty means unset"
        );
    }

    // The Python package's test/context_test.py expectations.
    #[test]
    fn url_forms() {
        let p = |u| parse(u).unwrap();
        assert_eq!(
            p("codecommit://test_repo"),
            RemoteUrl {
                profile: None,
                repository: "test_repo".into(),
                region: None
            }
        );
        assert_eq!(
            p("codecommit://profile@repo"),
            RemoteUrl {
                profile: Some("profile".into()),
                repository: "repo".into(),
                region: None
            }
        );
        assert_eq!(
            p("ca-central-1://test_repo").region.as_deref(),
            Some("ca-central-1")
        );
        assert_eq!(
            p("us-gov-west-1://profile@repo").region.as_deref(),
            Some("us-gov-west-1")
        );
        assert_eq!(
            p("eu-west-1://team/dev@repo"),
            RemoteUrl {
                profile: Some("team/dev".into()),
                repository: "repo".into(),
                region: Some("eu-west-1".into())
            },
            "slashes in profiles"
        );
        assert_eq!(
            p("codecommit://repo/extra").repository,
            "repo",
            "a path after the repository is ignored, as urlparse does"
        );
        assert_eq!(p("codecommit://p@repo/x").profile.as_deref(), Some("p"));
        assert_eq!(
            p("CodeCommit://x@y").profile.as_deref(),
            Some("x"),
            "schemes are case-insensitive"
        );
        assert_eq!(
            parse("yy-central-1://x"),
            Err(UrlError::RegionNotAvailable("yy-central-1".into()))
        );
        for bad in [
            "github://test_repo",
            "codecommit:/x",
            "codecommit//x",
            "://x",
            "codecommit://",
            "codecommit:://x",
            "codecommit:///x",
            "",
            "x",
            "1a://r",
        ] {
            assert!(
                matches!(parse(bad), Err(UrlError::Malformed(_))),
                "{bad:?} must be malformed"
            );
        }
        assert!(matches!(
            parse("codecommit://p@a:b"),
            Err(UrlError::BadRepository(_))
        ));
        assert!(matches!(
            parse("codecommit://p@"),
            Err(UrlError::BadRepository(_))
        ));
        let msg = parse("github://x").unwrap_err().to_string();
        assert!(
            msg.contains("codecommit::<region>://<profile>@<repository>"),
            "{msg}"
        );
    }

    #[test]
    fn region_pattern_matches_python() {
        for yes in ["us-east-1", "ab-x-1", "zz-foo-bar-9"] {
            assert!(looks_like_region(yes), "{yes}");
        }
        for no in ["codecommit", "us-east", "u-east-1", "us_east-1", "github"] {
            assert!(!looks_like_region(no), "{no}");
        }
    }

    #[test]
    fn timestamps_have_no_zone() {
        assert_eq!(
            timestamp(time::macros::datetime!(2017-12-24 11:53:20 UTC)),
            TS
        );
        assert_eq!(
            format!(
                "{:?}",
                git_credentials("h", "r", "us-east-1", "AKID", "s", Some("tok"), TS)
            ),
            "GitCredentials(<redacted>)"
        );
    }
}

//! Identities: one per `[sso-session]`, the unit Lanyard signs in. They live in the AWS config
//! file itself, so the AWS CLI and SDKs see the same sessions; the ones Lanyard creates sit in its
//! own managed blocks and the user's own sections are only read.

use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use crate::aws_config::{self, SectionKind};
use crate::{Error, Result};

/// The default registration scope (what `aws configure sso` writes).
pub const DEFAULT_SCOPE: &str = "sso:account:access";

/// An IAM Identity Center sign-in: an sso-session name, its start URL and region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Identity {
    /// The sso-session name (also the token cache key).
    pub session: String,
    /// The portal start URL.
    pub start_url: String,
    /// The Identity Center region (`sso_region`).
    pub region: String,
    /// Registration scopes (`sso_registration_scopes`).
    pub scopes: Vec<String>,
    /// True when Lanyard wrote it (in its managed block) and may edit or remove it.
    pub managed: bool,
}

/// What the "Add identity" / "Edit identity" form sends.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct IdentityInput {
    /// The sso-session name.
    pub session: String,
    /// The portal start URL.
    pub start_url: String,
    /// The Identity Center region.
    pub region: String,
    /// Registration scopes (empty: `sso:account:access`).
    #[serde(default)]
    pub scopes: Vec<String>,
}

impl From<IdentityInput> for Identity {
    fn from(i: IdentityInput) -> Self {
        Identity {
            session: i.session.trim().to_owned(),
            start_url: i.start_url.trim().to_owned(),
            region: i.region.trim().to_owned(),
            scopes: i.scopes,
            managed: true,
        }
    }
}

/// The managed-block id of an identity's block in the AWS config.
pub fn block_id(session: &str) -> String {
    format!("sso-session {session}")
}

/// Checks a session name, start URL and region; the error names the field and the fix.
pub fn validate(session: &str, start_url: &str, region: &str) -> Result<()> {
    let invalid = |field: &'static str, reason: String| Err(Error::InvalidInput { field, reason });
    if session.is_empty()
        || session.len() > 64
        || !session
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return invalid(
            "session",
            format!(
                "{session:?} is not a valid sso-session name: use letters, digits, '-', '_' or '.' (no spaces)"
            ),
        );
    }
    match url::Url::parse(start_url) {
        Ok(u) if u.scheme() == "https" && u.host_str().is_some_and(|h| !h.is_empty()) => {}
        Ok(u) if u.scheme() != "https" => {
            return invalid(
                "startUrl",
                format!(
                    "{start_url} must use https:// (IAM Identity Center start URLs look like https://d-1234567890.awsapps.com/start)"
                ),
            );
        }
        _ => {
            return invalid(
                "startUrl",
                format!(
                    "{start_url:?} is not a valid URL (expected something like https://d-1234567890.awsapps.com/start)"
                ),
            );
        }
    }
    if !is_region(region) {
        return invalid(
            "region",
            format!(
                "{region:?} is not an AWS region (expected something like us-east-1 or eu-west-2)"
            ),
        );
    }
    Ok(())
}

/// Region names: `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-5`, …
pub fn is_region(r: &str) -> bool {
    const AREAS: &[&str] = &[
        "us", "eu", "ap", "ca", "sa", "me", "af", "il", "cn", "mx", "eusc",
    ];
    let parts: Vec<&str> = r.split('-').collect();
    let (area, rest) = match parts.as_slice() {
        [a, "gov", d, n] => (*a, [*d, *n]),
        // The European Sovereign Cloud: eusc-de-east-1.
        ["eusc", country, d, n] if country.len() == 2 => ("eusc", [*d, *n]),
        [a, d, n] => (*a, [*d, *n]),
        _ => return false,
    };
    AREAS.contains(&area)
        && [
            "east",
            "west",
            "north",
            "south",
            "central",
            "northeast",
            "northwest",
            "southeast",
            "southwest",
        ]
        .contains(&rest[0])
        && !rest[1].is_empty()
        && rest[1].len() <= 2
        && rest[1].bytes().all(|b| b.is_ascii_digit())
}

/// Every `[sso-session]` in the config text, user-written and Lanyard-managed alike.
pub fn from_config(text: &str) -> Vec<Identity> {
    let mut out: Vec<Identity> = Vec::new();
    for s in aws_config::sections(text) {
        let SectionKind::SsoSession(name) = &s.kind else {
            continue;
        };
        let (Some(url), Some(region)) = (s.get("sso_start_url"), s.get("sso_region")) else {
            continue;
        };
        let scopes = s
            .get("sso_registration_scopes")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let managed = aws_config::find_block(text, &block_id(name)).is_some();
        if let Some(existing) = out.iter_mut().find(|i| &i.session == name) {
            *existing = Identity {
                session: name.clone(),
                start_url: url.into(),
                region: region.into(),
                scopes,
                managed,
            };
        } else {
            out.push(Identity {
                session: name.clone(),
                start_url: url.into(),
                region: region.into(),
                scopes,
                managed,
            });
        }
    }
    out
}

/// The `[sso-session]` section Lanyard writes for an identity, through the writer that refuses
/// values with line breaks (`url::Url::parse` drops CR/LF, so URL validation alone cannot see
/// them in the raw string).
pub fn section_text(i: &Identity) -> Result<String> {
    let scopes = if i.scopes.is_empty() {
        DEFAULT_SCOPE.to_owned()
    } else {
        i.scopes.join(", ")
    };
    aws_config::SectionWriter::new("sso-session", &i.session)
        .and_then(|w| w.key("sso_start_url", &i.start_url))
        .and_then(|w| w.key("sso_region", &i.region))
        .and_then(|w| w.key("sso_registration_scopes", &scopes))
        .map(aws_config::SectionWriter::finish)
        .map_err(|e| Error::InvalidInput {
            field: match e.key {
                "sso_start_url" => "startUrl",
                "sso_region" => "region",
                "sso_registration_scopes" => "scopes",
                _ => "session",
            },
            reason: e.reason,
        })
}

/// Reads the AWS config file (absent = empty).
pub fn read_config(path: &Path) -> Result<String> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            Error::Config { path: path.to_owned(), reason: format!("is not UTF-8 text (line {line}, byte {at}); Lanyard leaves it alone — save it as UTF-8") }
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(source) => Err(Error::Io { what: "reading", path: path.to_owned(), source }),
    }
}

/// Adds or updates a Lanyard-managed identity in the config file. A user-written
/// `[sso-session]` of the same name is never edited: that is an error naming the line.
pub fn save(paths: &crate::Paths, identity: &Identity) -> Result<Identity> {
    validate(&identity.session, &identity.start_url, &identity.region)?;
    let config_path = &paths.aws_config_file;
    let _lock = crate::profiles::lock_config(paths)?;
    let text = read_config(config_path)?;
    if let Some(user) = from_config(&text)
        .into_iter()
        .find(|i| i.session == identity.session && !i.managed)
    {
        let line = aws_config::sections(&text)
            .iter()
            .find(|s| s.kind == SectionKind::SsoSession(user.session.clone()))
            .map_or(0, |s| s.line);
        return Err(Error::NotManaged {
            session: user.session,
            path: config_path.to_owned(),
            line,
        });
    }
    let mut saved = identity.clone();
    saved.managed = true;
    let updated =
        aws_config::upsert_block(&text, &block_id(&saved.session), &section_text(&saved)?);
    write_config(config_path, &updated)?;
    Ok(saved)
}

/// Sets a Lanyard-managed identity's `sso_region` after a sign-in found its portal elsewhere.
/// Read and written under the config lock, from the file as it is now: only when the block is
/// still Lanyard's and still has `start_url` (an edit or a removal made during the sign-in wins).
/// Returns whether it changed the file.
pub fn set_region(
    paths: &crate::Paths,
    session: &str,
    start_url: &str,
    region: &str,
) -> Result<bool> {
    let config_path = &paths.aws_config_file;
    let _lock = crate::profiles::lock_config(paths)?;
    let text = read_config(config_path)?;
    let Some(mut current) = from_config(&text)
        .into_iter()
        .find(|i| i.session == session && i.managed && i.start_url == start_url)
    else {
        return Ok(false);
    };
    if current.region == region {
        return Ok(false);
    }
    current.region = region.to_owned();
    validate(&current.session, &current.start_url, &current.region)?;
    let updated =
        aws_config::upsert_block(&text, &block_id(&current.session), &section_text(&current)?);
    write_config(config_path, &updated)?;
    Ok(true)
}

/// Removes a Lanyard-managed identity's block; user-written ones are refused.
pub fn remove(paths: &crate::Paths, session: &str) -> Result<()> {
    let config_path = &paths.aws_config_file;
    let _lock = crate::profiles::lock_config(paths)?;
    let text = read_config(config_path)?;
    match from_config(&text)
        .into_iter()
        .find(|i| i.session == session)
    {
        None => Err(Error::UnknownIdentity {
            session: session.into(),
        }),
        Some(i) if !i.managed => {
            let line = aws_config::sections(&text)
                .iter()
                .find(|s| s.kind == SectionKind::SsoSession(session.into()))
                .map_or(0, |s| s.line);
            Err(Error::NotManaged {
                session: session.into(),
                path: config_path.to_owned(),
                line,
            })
        }
        // Its profiles go with it: they name a session that no longer exists.
        Some(_) => write_config(
            config_path,
            &aws_config::remove_block(
                &aws_config::remove_block(&text, &block_id(session)),
                &crate::profiles::block_id(session),
            ),
        ),
    }
}

/// Writes the config atomically, following a symlink so the link stays a link.
pub(crate) fn write_config(path: &Path, text: &str) -> Result<()> {
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    crate::fsx::write_private(&target, text.as_bytes())
}

/// Finds an identity by session name.
pub fn find(config_path: &Path, session: &str) -> Result<Identity> {
    from_config(&read_config(config_path)?)
        .into_iter()
        .find(|i| i.session == session)
        .ok_or_else(|| Error::UnknownIdentity {
            session: session.into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `url::Url::parse` drops CR/LF, so a start URL with a line break passes URL validation:
    /// the writer still refuses it, and scopes, which nothing else checks.
    #[test]
    fn an_identity_value_with_a_line_break_is_never_written() {
        let dir = tempfile::tempdir().unwrap();
        let paths = crate::Paths::sandboxed(dir.path());
        for le in ["\r", "\n", "\r\n"] {
            let bad_url = Identity {
                start_url: format!(
                    "https://acme.awsapps.com/start{le}[default]{le}credential_process = evil"
                ),
                ..sample()
            };
            let bad_scopes = Identity {
                scopes: vec![format!("sso:account:access{le}[default]")],
                ..sample()
            };
            for (i, field) in [(bad_url, "startUrl"), (bad_scopes, "scopes")] {
                match save(&paths, &i) {
                    Err(Error::InvalidInput { field: f, .. }) => assert_eq!(f, field, "{le:?}"),
                    other => panic!("{field} {le:?}: {other:?}"),
                }
            }
        }
        assert!(!paths.aws_config_file.exists(), "nothing was written");
    }

    fn sample() -> Identity {
        Identity {
            session: "acme".into(),
            start_url: "https://acme.awsapps.com/start".into(),
            region: "us-east-1".into(),
            scopes: vec![],
            managed: true,
        }
    }

    #[test]
    fn validation_names_the_field_and_the_fix() {
        validate("acme", "https://acme.awsapps.com/start", "us-east-1").unwrap();
        validate(
            "a.b_c-1",
            "https://d-1234567890.awsapps.com/start#/",
            "us-gov-west-1",
        )
        .unwrap();
        validate(
            "eu",
            "https://x.portal.amazonaws.eu/start",
            "eusc-de-east-1",
        )
        .unwrap();
        for (s, u, r, field) in [
            ("has space", "https://x/start", "us-east-1", "session"),
            ("", "https://x/start", "us-east-1", "session"),
            ("ok", "http://x/start", "us-east-1", "startUrl"),
            ("ok", "not a url", "us-east-1", "startUrl"),
            ("ok", "https://x/start", "mars-1", "region"),
            ("ok", "https://x/start", "us-east", "region"),
            ("ok", "https://x/start", "eusc-germany-east-1", "region"),
        ] {
            match validate(s, u, r) {
                Err(Error::InvalidInput { field: f, .. }) => assert_eq!(f, field, "{s} {u} {r}"),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn picks_up_user_sessions_and_manages_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let paths = crate::Paths::sandboxed(dir.path());
        let cfg = paths.aws_config_file.clone();
        std::fs::create_dir_all(cfg.parent().unwrap()).unwrap();
        let user = "# mine\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n";
        std::fs::write(&cfg, user).unwrap();
        let acme = Identity {
            session: "acme".into(),
            start_url: "https://acme.awsapps.com/start".into(),
            region: "us-east-1".into(),
            scopes: vec![],
            managed: false,
        };
        save(&paths, &acme).unwrap();
        let all = from_config(&read_config(&cfg).unwrap());
        assert_eq!(all.len(), 2);
        assert!(!all[0].managed && all[1].managed);
        assert_eq!(all[1].scopes, [DEFAULT_SCOPE]);

        // Saving again updates in place, never duplicates.
        save(
            &paths,
            &Identity {
                region: "eu-central-1".into(),
                ..acme.clone()
            },
        )
        .unwrap();
        let all = from_config(&read_config(&cfg).unwrap());
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].region, "eu-central-1");

        // The user's own session is read, never edited or removed.
        let err = save(
            &paths,
            &Identity {
                session: "corp".into(),
                ..acme.clone()
            },
        )
        .unwrap_err();
        assert!(matches!(err, Error::NotManaged { line: 2, .. }), "{err:?}");
        assert!(matches!(
            remove(&paths, "corp"),
            Err(Error::NotManaged { .. })
        ));
        remove(&paths, "acme").unwrap();
        assert_eq!(
            std::fs::read_to_string(&cfg).unwrap(),
            user,
            "removal restores the file byte for byte"
        );
        assert!(matches!(
            remove(&paths, "acme"),
            Err(Error::UnknownIdentity { .. })
        ));
    }

    #[test]
    fn non_utf8_config_says_where() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config");
        std::fs::write(&cfg, b"[default]\nregion = us-east-1\n# caf\xe9\n").unwrap();
        let e = read_config(&cfg).unwrap_err().to_string();
        assert!(
            e.contains("line 3, byte 34") && e.contains("not UTF-8"),
            "{e}"
        );
    }

    #[test]
    #[cfg(unix)]
    fn a_symlinked_config_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real-config");
        std::fs::write(&real, "").unwrap();
        let link = dir.path().join("config");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let i = Identity {
            session: "s".into(),
            start_url: "https://s.awsapps.com/start".into(),
            region: "us-east-1".into(),
            scopes: vec![],
            managed: true,
        };
        let paths = crate::Paths {
            aws_config_file: link.clone(),
            ..crate::Paths::sandboxed(dir.path())
        };
        save(&paths, &i).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(
            std::fs::read_to_string(&real)
                .unwrap()
                .contains("[sso-session s]")
        );
    }
}

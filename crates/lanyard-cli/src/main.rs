//! `lanyard`: the command-line front of Lanyard. Each subcommand is a thin adapter over
//! `lanyard-core`; this file owns argument parsing, output and exit codes.

use std::process::ExitCode;
use std::sync::Arc;

use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use lanyard_core::sso::{
    self, Identity, IdentityStatus, LoginMethod, LoginOptions, LoginStep, LoginUi, SessionState,
    SsoContext,
};
use lanyard_core::{Error, ErrorCode, Lanyard, Paths, view::AppInfo};
use tokio_util::sync::CancellationToken;

mod creds;
mod prs;
mod repos;
mod secrets;

#[derive(Parser)]
#[command(
    name = "lanyard",
    version,
    about = "IAM Identity Center sign-in, AWS profiles and CodeCommit, without the busywork"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign in to an IAM Identity Center identity (creates it with --start-url [--region]).
    Login {
        /// The sso-session name (optional when there is exactly one identity).
        #[arg(long)]
        session: Option<String>,
        /// Start URL, to add a new identity (or update one Lanyard manages): the portal URL or
        /// your company's own sign-in address, which is asked where it leads.
        #[arg(long)]
        start_url: Option<String>,
        /// IAM Identity Center region of a new identity (found from the start URL when it
        /// names it).
        #[arg(long, requires = "start_url")]
        region: Option<String>,
        /// Registration scopes, comma-separated (default sso:account:access).
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
        /// Use the device-code flow (for machines without a local browser).
        #[arg(long)]
        device_code: bool,
        /// Don't open a browser; print the URL instead.
        #[arg(long)]
        no_browser: bool,
        /// Give up after this many seconds of waiting for approval.
        #[arg(long, default_value_t = 600)]
        timeout: u64,
    },
    /// Sign out: end the portal session and remove the cached token and keyring items.
    Logout {
        /// The sso-session name.
        #[arg(long, conflicts_with = "all")]
        session: Option<String>,
        /// Every identity.
        #[arg(long)]
        all: bool,
    },
    /// Identities and their sessions.
    Status {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Refresh an access token now (Lanyard also does this in the background).
    Refresh {
        /// The sso-session name.
        #[arg(long)]
        session: Option<String>,
    },
    /// Every account and role of an identity (from the cache; --refresh asks the portal).
    Accounts {
        /// The sso-session name.
        #[arg(long)]
        session: Option<String>,
        /// Ask the portal now instead of showing the cached list.
        #[arg(long)]
        refresh: bool,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Write `[profile]` sections for every account and role into the AWS config.
    Sync {
        /// The sso-session name.
        #[arg(long)]
        session: Option<String>,
        /// Show what would change, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Naming template, e.g. "{account_name}/{role_name}" (remembered for this identity).
        #[arg(long)]
        template: Option<String>,
        /// Rename one profile, kept across syncs: ACCOUNT_ID/ROLE=NAME (repeatable; NAME empty to undo).
        #[arg(long = "rename", value_name = "ACCOUNT_ID/ROLE=NAME")]
        renames: Vec<String>,
        /// `region` for every profile (default: the identity's region).
        #[arg(long)]
        default_region: Option<String>,
        /// `region` for one account's profiles: ACCOUNT_ID=REGION (repeatable; REGION empty to undo).
        #[arg(long = "account-region", value_name = "ACCOUNT_ID=REGION")]
        account_regions: Vec<String>,
        /// `output` for every profile (json, text, table, yaml…; empty to remove).
        #[arg(long)]
        output: Option<String>,
        /// Also write a `credential_process` twin of every profile, for tools that cannot read IAM
        /// Identity Center profiles (remembered for this identity).
        #[arg(long, value_name = "on|off", value_parser = ["on", "off"])]
        credential_process: Option<String>,
        /// The twins' name suffix (default "-process"; remembered).
        #[arg(long, value_name = "SUFFIX")]
        credential_process_suffix: Option<String>,
        /// Maximum portal requests per second.
        #[arg(long, default_value_t = 20.0)]
        rate: f64,
    },
    /// The profiles Lanyard manages.
    Profiles {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Sign out everywhere and remove everything Lanyard created (your own config stays).
    Offboard {
        /// Show what would be removed, change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Don't ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Every CodeCommit repository across your accounts and regions (cached; --refresh scans).
    Repos {
        /// The sso-session (default: every signed-in identity).
        #[arg(long)]
        session: Option<String>,
        /// Scan now instead of showing the cached list.
        #[arg(long)]
        refresh: bool,
        /// Regions to scan, comma-separated, or `all` for all 29 (default: the identity's regions).
        #[arg(long, value_delimiter = ',')]
        region: Vec<String>,
        /// Roles to try first in each account, comma-separated (then AdministratorAccess,
        /// PowerUserAccess, Developer, …, ReadOnly, then the rest).
        #[arg(long, value_delimiter = ',')]
        prefer_role: Vec<String>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Open pull requests across your accounts and regions: those awaiting your approval, then
    /// yours (revalidated incrementally; --cached shows the last answer without a call).
    Prs {
        /// The sso-session (default: every identity).
        #[arg(long)]
        session: Option<String>,
        /// Every open pull request you can read, not only those that concern you.
        #[arg(long)]
        all: bool,
        /// Show the last answer without calling AWS.
        #[arg(long)]
        cached: bool,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// One pull request: show, approve or merge it. ID is `ID`, `REPOSITORY/ID` or
    /// `ACCOUNT/REPOSITORY/ID` as `lanyard prs` lists it.
    Pr {
        #[command(subcommand)]
        action: PrAction,
    },
    /// Clone a CodeCommit repository: PROFILE/REPO, or REPO when its name is unique.
    Clone {
        /// `acme-dev/Developer/payments-api` (a profile, then the repository) or `payments-api`.
        target: String,
        /// Destination folder (default: <clone root>/<account>/<repo>).
        #[arg(long)]
        dest: Option<std::path::PathBuf>,
        /// The repository's region when the name alone is ambiguous.
        #[arg(long)]
        region: Option<String>,
    },
    /// Open the AWS console in your browser, signed in as a profile's role.
    Console {
        /// The profile (e.g. `acme-dev/Developer`; `lanyard profiles` lists them).
        profile: String,
        /// Print the sign-in URL instead of opening it (it signs anyone in for 15 minutes: treat it as a secret).
        #[arg(long)]
        print: bool,
    },
    /// Print a profile's credentials, as `aws configure export-credentials` does (any profile:
    /// IAM Identity Center, `aws login`, role chains, credential_process, keys).
    ///
    /// As a credential_process: `credential_process = lanyard export-credentials --profile P`.
    /// Role credentials are cached in ~/.aws/cli/cache (shared with the AWS CLI) and reused
    /// while 15 minutes remain. Exits 253 when there are no credentials, like the AWS CLI.
    ExportCredentials {
        /// The profile (default: AWS_PROFILE, AWS_DEFAULT_PROFILE, then `default`).
        #[arg(long)]
        profile: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "process")]
        format: creds::FormatArg,
    },
    /// Run a command (default: your $SHELL) with a profile's credentials in its environment.
    ///
    /// Sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
    /// AWS_CREDENTIAL_EXPIRATION, AWS_REGION/AWS_DEFAULT_REGION (the profile's region) and
    /// LANYARD_PROFILE; removes AWS_PROFILE, AWS_DEFAULT_PROFILE, AWS_SECURITY_TOKEN and the
    /// container/web-identity variables so the command has one source of credentials. With
    /// --server the command gets AWS_CONTAINER_CREDENTIALS_FULL_URI and
    /// AWS_CONTAINER_AUTHORIZATION_TOKEN instead, and keeps fresh credentials for as long as it runs.
    Exec {
        /// The profile (default: AWS_PROFILE, AWS_DEFAULT_PROFILE, then `default`).
        #[arg(long)]
        profile: Option<String>,
        /// Serve refreshing credentials through a local endpoint instead of fixed keys.
        #[arg(long)]
        server: bool,
        /// The command and its arguments, after `--`.
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "COMMAND"
        )]
        command: Vec<std::ffi::OsString>,
    },
    /// Serve a profile's credentials on a loopback endpoint any AWS SDK reads (the container
    /// credentials protocol); prints the two variables to set.
    ///
    /// From a devcontainer or `docker run --network host`, pass both variables into the container
    /// (`-e AWS_CONTAINER_CREDENTIALS_FULL_URI -e AWS_CONTAINER_AUTHORIZATION_TOKEN`).
    ServeCredentials {
        /// The profile (default: AWS_PROFILE, AWS_DEFAULT_PROFILE, then `default`).
        #[arg(long)]
        profile: Option<String>,
        /// The port on 127.0.0.1 (default: any free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Show the files Lanyard reads and writes.
    Paths {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum PrAction {
    /// Title, branches, author, age and approvals.
    Show {
        /// The pull request.
        id: String,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Approve the revision `lanyard prs` showed you (refused if it has new commits since).
    Approve {
        /// The pull request.
        id: String,
        /// Take your approval back.
        #[arg(long)]
        revoke: bool,
    },
    /// Check out its source branch: clone the repository if needed, fetch the branch through
    /// git-remote-codecommit and check out a local branch tracking it.
    Checkout {
        /// The pull request.
        id: String,
        /// The clone to use or make (default: <clone root>/<account>/<repo>).
        #[arg(long)]
        dest: Option<std::path::PathBuf>,
    },
    /// Open its page in the AWS console, signed in as the role that reads it.
    Open {
        /// The pull request.
        id: String,
        /// Print the sign-in URL instead (it signs anyone in for 15 minutes: treat it as a secret).
        #[arg(long)]
        print: bool,
    },
    /// Merge it (refused, with the reason, while its approval rules are not satisfied).
    Merge {
        /// The pull request.
        id: String,
        /// How: fast-forward, squash, or a merge commit.
        #[arg(long, value_enum, default_value = "three-way")]
        strategy: StrategyArg,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum StrategyArg {
    Ff,
    Squash,
    ThreeWay,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            lanyard_core::logging::filter_directives(
                &std::env::var("LANYARD_LOG").unwrap_or_default(),
            ),
        ))
        // Through the redactor, as the app's logs: other crates' lines can hold secrets. No
        // colours: escape codes between a field's name and value would hide it from the redactor.
        .with_ansi(false)
        .with_writer(lanyard_core::logwriter::Redacting(std::io::stderr))
        .init();
    let cli = Cli::parse();
    // credential_process and exec run before every command a tool runs: a cached role needs no
    // runtime, no SDK and no network.
    if let Command::ExportCredentials { profile, format } = &cli.command {
        match fast_credentials(profile.as_deref()) {
            Ok(Some((c, spec))) => {
                return match creds::print(&c, *format, &spec.name) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => no_credentials(&e),
                };
            }
            Ok(None) => {}
            Err(e) => return no_credentials(&e),
        }
    }
    let cli = match cli.command {
        Command::Exec {
            profile,
            server: false,
            command,
        } => match fast_credentials(profile.as_deref()) {
            Ok(Some((c, spec))) => return creds::exec_replace(&c, &spec, command),
            Ok(None) => Cli {
                command: Command::Exec {
                    profile,
                    server: false,
                    command,
                },
            },
            Err(e) => return no_credentials(&e),
        },
        other => Cli { command: other },
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    if matches!(
        cli.command,
        Command::ExportCredentials { .. } | Command::Exec { .. } | Command::ServeCredentials { .. }
    ) {
        return rt.block_on(run_credentials(cli.command));
    }
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = e.downcast_ref::<Error>().map(Error::code);
            if code == Some(ErrorCode::Cancelled) {
                eprintln!("lanyard: {e:#}; nothing was changed");
                return ExitCode::from(130);
            }
            eprintln!("lanyard: {e:#}");
            match code {
                Some(ErrorCode::LoginNotCompleted) => ExitCode::from(3),
                Some(ErrorCode::NotSignedIn | ErrorCode::SessionExpired) => ExitCode::from(4),
                _ => ExitCode::FAILURE,
            }
        }
    }
}

fn fast_credentials(
    profile: Option<&str>,
) -> anyhow::Result<
    Option<(
        lanyard_core::credentials::Credentials,
        lanyard_core::credentials::ProfileSpec,
    )>,
> {
    creds::fast(&Paths::from_env(env)?, profile)
}

/// Failing to produce credentials exits 253, as `aws configure export-credentials` does.
fn no_credentials(e: &anyhow::Error) -> ExitCode {
    eprintln!("lanyard: {e:#}");
    ExitCode::from(creds::NO_CREDENTIALS)
}

pub(crate) fn env(k: &str) -> Option<std::ffi::OsString> {
    std::env::var_os(k)
}

pub(crate) fn context(paths: Paths, quiet_keyring: bool) -> SsoContext {
    let config = sso::identity::read_config(&paths.aws_config_file).unwrap_or_default();
    let endpoints = sso::Endpoints::from_env_and_config(env, &config);
    for r in &endpoints.refused {
        eprintln!("lanyard: warning: {r}");
    }
    SsoContext::new(paths, endpoints, secrets::store(quiet_keyring))
}

/// The service every command goes through (the app holds the same one).
pub(crate) fn service(paths: Paths) -> Arc<Lanyard> {
    Arc::new(Lanyard::new(context(paths, true)))
}

/// The identity named by --session, or the only one there is.
fn pick(paths: &Paths, session: Option<&str>) -> anyhow::Result<Identity> {
    let text = sso::identity::read_config(&paths.aws_config_file)?;
    let all = sso::identity::from_config(&text);
    match session {
        Some(s) => Ok(all
            .into_iter()
            .find(|i| i.session == s)
            .ok_or_else(|| Error::UnknownIdentity { session: s.into() })?),
        None if all.len() == 1 => Ok(all.into_iter().next().expect("one")),
        None if all.is_empty() => anyhow::bail!(
            "no identities yet: add one with `lanyard login --session NAME --start-url URL --region REGION`"
        ),
        None => anyhow::bail!(
            "several identities ({}): choose one with --session",
            all.iter()
                .map(|i| i.session.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

pub(crate) async fn discover(
    svc: &Lanyard,
    identity: &Identity,
) -> anyhow::Result<Vec<lanyard_core::accounts::AccountRoles>> {
    use std::io::IsTerminal;
    let tty = std::io::stderr().is_terminal();
    let on = |_: &lanyard_core::accounts::AccountRoles,
              p: &lanyard_core::accounts::DiscoveryProgress| {
        if tty {
            let eta = p
                .eta_secs
                .map(|s| format!(", ETA {s} s"))
                .unwrap_or_default();
            eprint!(
                "\raccounts {}/{}{}   ",
                p.accounts_done, p.accounts_total, eta
            );
        }
    };
    let list = svc.discover(identity, &on).await?;
    if tty {
        eprintln!();
    }
    Ok(list)
}

fn print_offboard(r: &lanyard_core::offboard::OffboardReport) {
    let verb = if r.dry_run { "Would" } else { "Did" };
    for s in &r.signed_out {
        println!("{verb} sign out: {s}");
    }
    for s in &r.removed {
        println!("{verb} remove: {s}");
    }
    for s in &r.left {
        println!("Leaves: {s}");
    }
}

fn local(t: &str) -> String {
    t.replace('T', " ")
        .trim_end_matches('Z')
        .get(..16)
        .unwrap_or(t)
        .to_owned()
        + " UTC"
}

/// Whether this machine can show a browser (no display over SSH means no).
pub(crate) fn browser_available() -> bool {
    if cfg!(target_os = "linux") && env("DISPLAY").is_none() && env("WAYLAND_DISPLAY").is_none() {
        return false;
    }
    !(env("SSH_CONNECTION").is_some() && env("DISPLAY").is_none())
}

/// The credential commands past their fast path; any failure to produce credentials exits 253.
async fn run_credentials(command: Command) -> ExitCode {
    let result = async {
        let paths = paths()?;
        match command {
            Command::ExportCredentials { profile, format } => {
                let spec = creds::spec(&paths, &creds::profile_name(profile.as_deref()))?;
                let c = creds::resolve(&paths, &spec).await?;
                creds::print(&c, format, &spec.name)?;
                Ok(ExitCode::SUCCESS)
            }
            Command::Exec {
                profile,
                server,
                command,
            } => {
                let spec = creds::spec(&paths, &creds::profile_name(profile.as_deref()))?;
                if server {
                    return creds::exec_served(&paths, &spec, command).await;
                }
                let c = creds::resolve(&paths, &spec).await?;
                Ok(creds::exec_replace(&c, &spec, command))
            }
            Command::ServeCredentials { profile, port } => {
                let spec = creds::spec(&paths, &creds::profile_name(profile.as_deref()))?;
                creds::serve(&paths, &spec, port).await?;
                Ok(ExitCode::SUCCESS)
            }
            _ => anyhow::bail!("not a credential command"),
        }
    }
    .await;
    result.unwrap_or_else(|e: anyhow::Error| no_credentials(&e))
}

/// The paths, with this very binary as the command `credential_process` profiles run.
fn paths() -> anyhow::Result<Paths> {
    Ok(Paths {
        lanyard_cli: std::env::current_exe().ok(),
        ..Paths::from_env(env)?
    })
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let paths = paths()?;
    match cli.command {
        Command::Paths { json } => {
            let info = AppInfo::new(&paths, false);
            if json {
                println!("{}", serde_json::to_string_pretty(&info)?);
            } else {
                println!("AWS config file  {}", info.aws_config_file);
                println!("SSO token cache  {}", info.sso_cache_dir);
                println!("Lanyard data     {}", info.data_dir);
            }
        }
        Command::Status { json } => {
            let ctx = context(paths.clone(), true);
            let text = sso::identity::read_config(&paths.aws_config_file)?;
            let statuses: Vec<IdentityStatus> = sso::identity::from_config(&text)
                .iter()
                .map(|i| sso::status(&ctx, i))
                .collect();
            if json {
                println!("{}", serde_json::to_string_pretty(&statuses)?);
            } else if statuses.is_empty() {
                println!(
                    "No identities yet. Add one: lanyard login --session NAME --start-url URL --region REGION"
                );
            } else {
                println!(
                    "{:<20} {:<11} {:<21} START URL",
                    "SESSION", "STATE", "ACCESS TOKEN UNTIL"
                );
                for s in &statuses {
                    let state = match s.state {
                        SessionState::SignedIn => "signed in",
                        SessionState::SignedOut => "signed out",
                        SessionState::Expiring => "expiring",
                        SessionState::Expired => "expired",
                        // `lanyard status` reads files and calls nothing: only the tray sees this.
                        SessionState::Offline => "offline",
                    };
                    let until = s
                        .access_token_expires_at
                        .as_deref()
                        .map(local)
                        .unwrap_or_else(|| "-".into());
                    let note = match (&s.detail, s.refreshable, s.state) {
                        (Some(d), _, _) => format!("  ({d})"),
                        (None, true, SessionState::SignedIn) => {
                            "  (refreshes automatically)".into()
                        }
                        (None, false, SessionState::SignedIn) => format!(
                            "  (cannot renew: no refresh token; sign in again before it ends: lanyard login --session {})",
                            s.identity.session
                        ),
                        (None, _, SessionState::Expired | SessionState::Expiring) => format!(
                            "  (sign in: lanyard login --session {})",
                            s.identity.session
                        ),
                        _ => String::new(),
                    };
                    println!(
                        "{:<20} {:<11} {:<21} {}{}",
                        s.identity.session, state, until, s.identity.start_url, note
                    );
                }
            }
        }
        Command::Login {
            session,
            start_url,
            region,
            scopes,
            device_code,
            no_browser,
            timeout,
        } => {
            let identity = match (start_url, region) {
                (Some(url), region) => {
                    let session = session.context("--session is required with --start-url")?;
                    let region = match region {
                        Some(r) => r,
                        None => {
                            // Updating an identity: its region is the fallback, as sso_region is.
                            let known = sso::identity::from_config(&sso::identity::read_config(
                                &paths.aws_config_file,
                            )?)
                            .into_iter()
                            .find(|i| i.session == session)
                            .map(|i| i.region);
                            let r = service(paths.clone())
                                .resolve_start_url(&url, known.as_deref())
                                .await?;
                            if r.resolved_url != r.start_url {
                                eprintln!(
                                    "{} leads to {} (region {}).",
                                    url, r.portal_host, r.region
                                );
                            }
                            r.region
                        }
                    };
                    let wanted = Identity {
                        session,
                        start_url: url,
                        region,
                        scopes,
                        managed: true,
                    };
                    let text = sso::identity::read_config(&paths.aws_config_file)?;
                    match sso::identity::from_config(&text)
                        .into_iter()
                        .find(|i| i.session == wanted.session)
                    {
                        Some(existing)
                            if existing.start_url == wanted.start_url
                                && existing.region == wanted.region =>
                        {
                            existing
                        }
                        _ => {
                            let saved = sso::identity::save(&paths, &wanted)?;
                            eprintln!(
                                "Saved identity {} ({}, {}) in {}.",
                                saved.session,
                                saved.start_url,
                                saved.region,
                                paths.aws_config_file.display()
                            );
                            saved
                        }
                    }
                }
                _ => pick(&paths, session.as_deref())?,
            };
            let ctx = context(paths, false);
            let method = if device_code {
                LoginMethod::DeviceCode
            } else {
                LoginMethod::Auto
            };
            let opts = LoginOptions {
                method,
                timeout: Duration::from_secs(timeout),
                open_browser: !no_browser && browser_available(),
            };
            let cancel = CancellationToken::new();
            let c = cancel.clone();
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    c.cancel();
                }
            });
            let session = identity.session.clone();
            let step = move |s: LoginStep| match s {
                LoginStep::OpenBrowser { url, opened } => {
                    if opened {
                        eprintln!(
                            "Opened your browser to sign in to {session}. If it did not open, visit:\n\n  {url}\n"
                        );
                    } else {
                        eprintln!(
                            "To sign in to {session}, open this URL in a browser on this machine:\n\n  {url}\n"
                        );
                    }
                    eprintln!("Waiting for approval (Ctrl-C to cancel)…");
                }
                LoginStep::DeviceCode {
                    user_code,
                    verification_uri_complete,
                    expires_at,
                    ..
                } => {
                    eprintln!(
                        "To sign in to {session}, open:\n\n  {verification_uri_complete}\n\nand check that it shows this code:\n\n      {user_code}\n"
                    );
                    eprintln!(
                        "Waiting for approval until {} (Ctrl-C to cancel)…",
                        local(&expires_at)
                    );
                }
                LoginStep::SlowDown { interval_secs } => {
                    tracing::info!("the service asked to poll every {interval_secs} s")
                }
                LoginStep::Exchanging => {}
            };
            let open = |url: &str| webbrowser::open(url).is_ok();
            let signed = sso::login(
                &ctx,
                &identity,
                &opts,
                &LoginUi {
                    open: &open,
                    step: &step,
                },
                &cancel,
            )
            .await?;
            if let Some(note) = &signed.region_note {
                eprintln!("{note}");
            }
            if let Some(skew) = signed.clock_skew_secs {
                let (minutes, way) = (
                    skew.abs() / 60,
                    if skew > 0 { "behind" } else { "ahead of" },
                );
                eprintln!(
                    "warning: this computer's clock is {minutes} min {way} IAM Identity Center's ({}); signed AWS requests such as CodeCommit's fail until you correct the system time (e.g. enable NTP).",
                    identity.session
                );
            }
            let until = local(&sso::cache::format_time(signed.expires_at));
            if signed.refreshable {
                eprintln!(
                    "Signed in to {}. Lanyard and the AWS SDKs refresh the session automatically (access token valid until {until}).",
                    identity.session
                );
            } else {
                eprintln!(
                    "Signed in to {} until {until} (no refresh token was issued; sign in again then).",
                    identity.session
                );
            }
        }
        Command::Logout { session, all } => {
            let svc = service(paths.clone());
            let (reports, rest) = if all {
                svc.sign_out_all().await?
            } else {
                let identity = pick(&paths, session.as_deref())?;
                (vec![svc.sign_out(&identity).await?], vec![])
            };
            for report in reports {
                println!("Signed out of {}. {}", report.session, report.summary);
                for f in &report.removed_files {
                    println!("  removed {f}");
                }
            }
            if !rest.is_empty() {
                println!(
                    "Removed {} more cached SSO role credentials (as `aws sso logout` does):",
                    rest.len()
                );
                for f in &rest {
                    println!("  removed {}", f.display());
                }
            }
        }
        Command::Accounts {
            session,
            refresh,
            json,
        } => {
            let svc = service(paths.clone());
            let identity = pick(&paths, session.as_deref())?;
            let list = match (
                refresh,
                lanyard_core::accounts::cached(svc.ctx(), &identity.session),
            ) {
                (false, Some(list)) => list,
                _ => discover(&svc, &identity).await?,
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for a in &list {
                    println!(
                        "{:<14} {:<32} {}",
                        a.account_id,
                        a.account_name,
                        a.roles.join(", ")
                    );
                }
                eprintln!(
                    "{} accounts, {} roles",
                    list.len(),
                    list.iter().map(|a| a.roles.len()).sum::<usize>()
                );
            }
        }
        Command::Sync {
            session,
            dry_run,
            template,
            renames,
            default_region,
            account_regions,
            output,
            credential_process,
            credential_process_suffix,
            rate,
        } => {
            let svc = Lanyard::new(context(paths.clone(), true)).with_portal_tps(rate);
            let identity = pick(&paths, session.as_deref())?;
            let mut settings = lanyard_core::profiles::load_settings(&paths, &identity.session);
            if let Some(t) = template {
                settings.template = t;
            }
            for (flag, pairs, map) in [
                ("--rename", &renames, &mut settings.overrides),
                (
                    "--account-region",
                    &account_regions,
                    &mut settings.account_regions,
                ),
            ] {
                for pair in pairs {
                    let (key, value) = pair
                        .split_once('=')
                        .with_context(|| format!("{flag} wants KEY=VALUE, got {pair:?}"))?;
                    if value.is_empty() {
                        map.remove(key);
                    } else {
                        map.insert(key.to_owned(), value.to_owned());
                    }
                }
            }
            if let Some(r) = default_region {
                settings.default_region = (!r.is_empty()).then_some(r);
            }
            if let Some(o) = output {
                settings.output = (!o.is_empty()).then_some(o);
            }
            if let Some(on) = credential_process {
                settings.credential_process = on == "on";
            }
            if let Some(suffix) = credential_process_suffix {
                settings.credential_process_suffix = suffix;
            }
            discover(&svc, &identity).await?;
            let plan = svc.plan_profiles(&identity.session, &settings)?;
            for w in &plan.warnings {
                eprintln!("warning: {w}");
            }
            let d = &plan.diff;
            for n in &d.added {
                println!("+ {n}");
            }
            for n in &d.changed {
                println!("~ {n}");
            }
            for n in &d.removed {
                println!("- {n}");
            }
            println!(
                "{} to add, {} to change, {} to remove, {} unchanged ({})",
                d.added.len(),
                d.changed.len(),
                d.removed.len(),
                d.unchanged,
                plan.config_file
            );
            if !dry_run {
                let report = svc.apply_profiles(&identity.session, &settings)?;
                if let Some(b) = report.backup {
                    eprintln!("Backup of the previous file: {b}");
                }
                eprintln!(
                    "Wrote {} profiles for {}.",
                    plan.profiles.len(),
                    identity.session
                );
            }
        }
        Command::Profiles { json } => {
            let text = sso::identity::read_config(&paths.aws_config_file)?;
            let mut rows = vec![];
            for i in sso::identity::from_config(&text) {
                if let Some(r) = lanyard_core::aws_config::find_block(
                    &text,
                    &lanyard_core::profiles::block_id(&i.session),
                ) {
                    for s in lanyard_core::aws_config::sections(&text[r]) {
                        if let lanyard_core::aws_config::SectionKind::Profile(name) = s.kind.clone()
                        {
                            rows.push(serde_json::json!({"name": name, "session": i.session, "accountId": s.get("sso_account_id"), "roleName": s.get("sso_role_name"), "region": s.get("region")}));
                        }
                    }
                }
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                for r in &rows {
                    println!(
                        "{:<40} {:<12} {} {}",
                        r["name"].as_str().unwrap_or(""),
                        r["session"].as_str().unwrap_or(""),
                        r["accountId"].as_str().unwrap_or(""),
                        r["roleName"].as_str().unwrap_or("")
                    );
                }
            }
        }
        Command::Offboard { dry_run, yes } => {
            let svc = service(paths.clone());
            let preview = svc.offboard(true).await?;
            print_offboard(&preview);
            if dry_run {
                return Ok(());
            }
            if !yes {
                use std::io::{BufRead, IsTerminal, Write};
                if !std::io::stdin().is_terminal() {
                    anyhow::bail!(
                        "not removing anything without confirmation: run `lanyard offboard --yes` (or --dry-run to preview)"
                    );
                }
                eprint!("Sign out and remove all of the above? [y/N] ");
                std::io::stderr().flush()?;
                let mut answer = String::new();
                std::io::stdin().lock().read_line(&mut answer)?;
                if !answer.trim().eq_ignore_ascii_case("y") {
                    eprintln!("Nothing was changed.");
                    return Ok(());
                }
            }
            let done = svc.offboard(false).await?;
            eprintln!("Done.");
            print_offboard(&done);
        }
        Command::Repos {
            session,
            refresh,
            region,
            prefer_role,
            json,
        } => {
            repos::list(
                &service(paths.clone()),
                session.as_deref(),
                refresh,
                &region,
                &prefer_role,
                json,
            )
            .await?;
        }
        Command::Prs {
            session,
            all,
            cached,
            json,
        } => {
            prs::list(
                &service(paths.clone()),
                session.as_deref(),
                all,
                cached,
                json,
            )
            .await?;
        }
        Command::Pr { action } => {
            let svc = service(paths.clone());
            match action {
                PrAction::Show { id, json } => prs::show(&svc, &id, json).await?,
                PrAction::Approve { id, revoke } => prs::approve(&svc, &id, revoke).await?,
                PrAction::Checkout { id, dest } => prs::checkout(&svc, &id, dest).await?,
                PrAction::Open { id, print } => prs::open(&svc, &id, print).await?,
                PrAction::Merge { id, strategy } => {
                    let strategy = match strategy {
                        StrategyArg::Ff => lanyard_core::codecommit::prs::Strategy::FastForward,
                        StrategyArg::Squash => lanyard_core::codecommit::prs::Strategy::Squash,
                        StrategyArg::ThreeWay => lanyard_core::codecommit::prs::Strategy::ThreeWay,
                    };
                    prs::merge(&svc, &id, strategy).await?
                }
            }
        }
        Command::Clone {
            target,
            dest,
            region,
        } => {
            repos::clone(&service(paths.clone()), &target, dest, region.as_deref()).await?;
        }
        Command::Console { profile, print } => {
            let svc = service(paths);
            if !print && !browser_available() {
                anyhow::bail!(
                    "no browser can be shown here (no display, or over SSH): run `lanyard console {profile} --print` and open the URL in a browser"
                );
            }
            let url = svc.console_url(&profile).await?;
            if print {
                println!("{}", url.expose());
                return Ok(());
            }
            let open = |u: &str| webbrowser::open(u).is_ok();
            lanyard_core::console::open_once(&profile, &url, &open, Duration::from_secs(60))
                .await?;
            eprintln!("Opened the AWS console as {profile}.");
        }
        Command::ExportCredentials { .. }
        | Command::Exec { .. }
        | Command::ServeCredentials { .. } => {
            anyhow::bail!("credential commands run in run_credentials")
        }
        Command::Refresh { session } => {
            let ctx = context(paths.clone(), true);
            let identity = pick(&paths, session.as_deref())?;
            match sso::refresh(&ctx, &identity, Duration::ZERO, true).await? {
                sso::RefreshOutcome::Refreshed(t) | sso::RefreshOutcome::NewerOnDisk(t) => {
                    println!(
                        "{}: access token valid until {}",
                        identity.session,
                        local(&sso::cache::format_time(t))
                    )
                }
                sso::RefreshOutcome::NotNeeded => {
                    let status = sso::status(&ctx, &identity);
                    if status.refreshable {
                        println!("{}: nothing to refresh", identity.session)
                    } else {
                        println!(
                            "{}: cannot renew (no refresh token was issued); sign in again before {}: lanyard login --session {}",
                            identity.session,
                            status
                                .access_token_expires_at
                                .as_deref()
                                .map(local)
                                .unwrap_or_else(|| "it ends".into()),
                            identity.session
                        )
                    }
                }
            }
        }
    }
    Ok(())
}

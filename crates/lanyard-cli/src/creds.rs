//! `export-credentials`, `exec` and `serve-credentials`: a profile's credentials for tools that
//! cannot read IAM Identity Center profiles. The cache-hit path runs before any tokio runtime or
//! SDK client exists, so `credential_process` costs a file read.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use lanyard_core::Paths;
use lanyard_core::credentials::{self, Credentials, Format, ProfileSpec};
use lanyard_core::secret::Secret;

/// What `aws configure export-credentials` exits with when no credentials can be had.
pub const NO_CREDENTIALS: u8 = 253;

/// `--format`, spelled as the AWS CLI spells it.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum FormatArg {
    /// credential_process JSON.
    Process,
    /// `export VAR=value`.
    Env,
    /// `VAR=value`.
    EnvNoExport,
    /// PowerShell.
    Powershell,
    /// cmd.exe.
    WindowsCmd,
    /// fish.
    Fish,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Process => Format::Process,
            FormatArg::Env => Format::Env,
            FormatArg::EnvNoExport => Format::EnvNoExport,
            FormatArg::Powershell => Format::Powershell,
            FormatArg::WindowsCmd => Format::WindowsCmd,
            FormatArg::Fish => Format::Fish,
        }
    }
}

fn var(k: &str) -> Option<String> {
    std::env::var(k).ok().filter(|v| !v.is_empty())
}

/// The profile as the AWS CLI picks it: `--profile`, `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`,
/// `default`.
pub fn profile_name(flag: Option<&str>) -> String {
    flag.map(str::to_owned)
        .or_else(|| var("AWS_PROFILE"))
        .or_else(|| var("AWS_DEFAULT_PROFILE"))
        .unwrap_or_else(|| "default".to_owned())
}

/// Keys in the environment, which the CLI exports when no `--profile` was given (only the flag
/// turns its environment provider off; PROTOCOL.md §10.2).
fn from_environment() -> Option<Credentials> {
    let key = var("AWS_ACCESS_KEY_ID")?;
    Some(Credentials {
        access_key_id: key,
        secret_access_key: Secret::new(var("AWS_SECRET_ACCESS_KEY")?),
        session_token: var("AWS_SECURITY_TOKEN")
            .or_else(|| var("AWS_SESSION_TOKEN"))
            .map(Secret::new),
        expires_at: var("AWS_CREDENTIAL_EXPIRATION")
            .and_then(|t| lanyard_core::sso::cache::parse_time(&t)),
        account_id: var("AWS_ACCOUNT_ID"),
    })
}

/// Reads the profile and checks for process loops: everything the fast path and the slow path
/// share.
pub fn spec(paths: &Paths, profile: &str) -> anyhow::Result<ProfileSpec> {
    Ok(credentials::read_profile(
        &paths.aws_config_file,
        profile,
        &var("_AWS_CLI_PROFILE_CHAIN").unwrap_or_default(),
    )?)
}

/// Credentials without a runtime: the environment (no `--profile`) or the CLI cache. `None`
/// means the slow path must run.
pub fn fast(
    paths: &Paths,
    flag: Option<&str>,
) -> anyhow::Result<Option<(Credentials, ProfileSpec)>> {
    let name = profile_name(flag);
    if flag.is_none()
        && let Some(c) = from_environment()
    {
        let spec = ProfileSpec {
            name,
            kind: credentials::ProfileKind::Sdk,
            region: var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")),
            credential_process: None,
        };
        return Ok(Some((c, spec)));
    }
    let spec = spec(paths, &name)?;
    let now = time::OffsetDateTime::now_utc();
    Ok(credentials::cached(paths, &spec, now).map(|c| (c, spec)))
}

/// The slow path: the portal or the SDK chain, inside a runtime.
pub async fn resolve(paths: &Paths, spec: &ProfileSpec) -> anyhow::Result<Credentials> {
    Ok(crate::service(paths.clone()).credentials(spec).await?)
}

/// Prints credentials in a format.
pub fn print(c: &Credentials, format: FormatArg, profile: &str) -> anyhow::Result<()> {
    let text = credentials::render(c, format.into(), profile)?;
    let mut out = std::io::stdout().lock();
    out.write_all(text.expose().as_bytes())?;
    out.flush()?;
    Ok(())
}

/// The command `exec` runs: the given one, or the user's shell.
pub fn command_line(args: Vec<OsString>) -> (OsString, Vec<OsString>) {
    let mut it = args.into_iter();
    match it.next() {
        Some(cmd) => (cmd, it.collect()),
        None => (
            std::env::var_os("SHELL")
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "/bin/sh".into()),
            vec![],
        ),
    }
}

fn apply(cmd: &mut std::process::Command, env: &credentials::ChildEnv) {
    for k in env.remove {
        cmd.env_remove(k);
    }
    for (k, v) in &env.set {
        cmd.env(k, v.expose());
    }
}

/// `exec` without `--server`: this process becomes the command (Unix), so signals reach it
/// directly and its exit status is the command's.
pub fn exec_replace(c: &Credentials, spec: &ProfileSpec, args: Vec<OsString>) -> ExitCode {
    let (program, rest) = command_line(args);
    let mut cmd = std::process::Command::new(&program);
    cmd.args(&rest);
    let region = spec.region.clone().or_else(|| var("AWS_REGION"));
    apply(
        &mut cmd,
        &credentials::child_env(c, &spec.name, region.as_deref()),
    );
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let e = cmd.exec(); // returns only on failure
        eprintln!("lanyard: cannot run {}: {e}", program.to_string_lossy());
        ExitCode::from(127)
    }
    #[cfg(not(unix))]
    match cmd.status() {
        Ok(s) => ExitCode::from(s.code().unwrap_or(1) as u8),
        Err(e) => {
            eprintln!("lanyard: cannot run {}: {e}", program.to_string_lossy());
            ExitCode::from(127)
        }
    }
}

/// `serve-credentials`: prints the two variables, then serves until Ctrl-C or SIGTERM.
pub async fn serve(paths: &Paths, spec: &ProfileSpec, port: u16) -> anyhow::Result<()> {
    let svc = crate::service(paths.clone());
    let (info, token) = svc.serve_profile(spec, port).await?;
    let url = info.url;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "export AWS_CONTAINER_CREDENTIALS_FULL_URI={url}")?;
        writeln!(
            out,
            "export AWS_CONTAINER_AUTHORIZATION_TOKEN={}",
            token.expose()
        )?;
        out.flush()?;
    }
    eprintln!(
        "Serving credentials of profile {} on {url} (loopback only) until Ctrl-C. Set the two variables above in the tool's environment.",
        spec.name
    );
    wait_for_stop().await;
    svc.stop_serving(&spec.name);
    Ok(())
}

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).ok();
        let mut hup = signal(SignalKind::hangup()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            Some(_) = async { term.as_mut()?.recv().await } => {}
            Some(_) = async { hup.as_mut()?.recv().await } => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

/// `exec --server`: the command runs as a child that reads rotating credentials from the local
/// endpoint; signals sent to Lanyard are passed on; the exit status is the child's.
pub async fn exec_served(
    paths: &Paths,
    spec: &ProfileSpec,
    args: Vec<OsString>,
) -> anyhow::Result<ExitCode> {
    let svc = crate::service(paths.clone());
    let (info, token) = svc.serve_profile(spec, 0).await?;
    let url = info.url;
    let (program, rest) = command_line(args);
    let mut cmd = std::process::Command::new(&program);
    cmd.args(&rest);
    let region = spec.region.clone().or_else(|| var("AWS_REGION"));
    apply(
        &mut cmd,
        &credentials::child_env_server(&url, &token, &spec.name, region.as_deref()),
    );
    let mut child = tokio::process::Command::from(cmd)
        .spawn()
        .map_err(|e| anyhow::anyhow!("cannot run {}: {e}", program.to_string_lossy()))?;
    let status = forward_signals_until_exit(&mut child).await?;
    svc.stop_serving(&spec.name);
    Ok(exit_code(status))
}

#[cfg(unix)]
async fn forward_signals_until_exit(
    child: &mut tokio::process::Child,
) -> anyhow::Result<std::process::ExitStatus> {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    use tokio::signal::unix::{SignalKind, signal};
    let pid = child.id().map(|p| Pid::from_raw(p as i32));
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    loop {
        let sig = tokio::select! {
            status = child.wait() => return Ok(status?),
            _ = int.recv() => Signal::SIGINT,
            _ = term.recv() => Signal::SIGTERM,
            _ = hup.recv() => Signal::SIGHUP,
        };
        if let Some(pid) = pid {
            let _ = kill(pid, sig);
        }
    }
}

#[cfg(not(unix))]
async fn forward_signals_until_exit(
    child: &mut tokio::process::Child,
) -> anyhow::Result<std::process::ExitStatus> {
    Ok(child.wait().await?)
}

/// The child's exit code, or 128 + the signal that ended it (as a shell reports it).
fn exit_code(status: std::process::ExitStatus) -> ExitCode {
    if let Some(c) = status.code() {
        return ExitCode::from(c as u8);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(s) = status.signal() {
            return ExitCode::from((128 + s) as u8);
        }
    }
    ExitCode::FAILURE
}

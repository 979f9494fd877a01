//! Issue #6 benchmarks: the native git-remote-codecommit against the Python one, a clone through
//! git2 against `git clone` through the Python helper, and the inventory against a shell loop of
//! `aws codecommit list-repositories`. Each side runs in the same invocation on the same world.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use lanyard_emulator::{Config, Emulator, Generated, World};

pub(crate) struct Tools {
    pub(crate) root: PathBuf,
    pub(crate) release: PathBuf,
}

pub(crate) fn tools() -> anyhow::Result<Tools> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let release = target.join("release");
    for bin in ["lanyard", "git-remote-codecommit"] {
        anyhow::ensure!(
            release.join(bin).exists(),
            "build it first: cargo build --release ({} missing)",
            release.join(bin).display()
        );
    }
    anyhow::ensure!(
        root.join(".venv/bin/git-remote-codecommit").exists(),
        "the Python helper is installed by scripts/setup.sh into .venv"
    );
    Ok(Tools { root, release })
}

/// Runs `cmd` `n` times from a Python loop for the mean wall time (the same launcher for both
/// sides), then once under GNU time for its peak resident set. (getrusage's children figure
/// would count the launcher's own pages copied before exec: ~11 MiB even for /bin/true.)
fn measure(
    n: u32,
    argv: &[String],
    env: &[(String, String)],
    stdin: &str,
    py: &Path,
) -> anyhow::Result<(f64, f64)> {
    const CODE: &str = r#"
import json, subprocess, sys, time
n, stdin, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
t = time.perf_counter()
for _ in range(n):
    subprocess.run(argv, input=stdin.encode(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(json.dumps({"wall": (time.perf_counter() - t) / n}))
"#;
    let out = Command::new(py)
        .arg("-c")
        .arg(CODE)
        .arg(n.to_string())
        .arg(stdin)
        .args(argv)
        .envs(env.iter().cloned())
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "measuring {argv:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let peak = peak_mib(argv, stdin.as_bytes(), |c| {
        c.envs(env.iter().cloned());
    })?;
    Ok((v["wall"].as_f64().unwrap_or(0.0), peak))
}

/// Peak resident set of one run of `argv` under GNU time, in MiB; `stdin` is written to it and
/// `configure` sets its environment.
pub(crate) fn peak_mib(
    argv: &[String],
    stdin: &[u8],
    configure: impl FnOnce(&mut Command),
) -> anyhow::Result<f64> {
    let mut cmd = Command::new("/usr/bin/time");
    cmd.args(["-f", "maxrss=%M"])
        .args(argv)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    configure(&mut cmd);
    let mut child = cmd.spawn().map_err(|e| {
        anyhow::anyhow!("GNU time (/usr/bin/time, Debian package `time`) is needed: {e}")
    })?;
    use std::io::Write;
    child.stdin.take().expect("piped").write_all(stdin)?;
    let timed = child.wait_with_output()?;
    let err = String::from_utf8_lossy(&timed.stderr);
    let kib: f64 = err
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("maxrss="))
        .and_then(|k| k.trim().parse().ok())
        .unwrap_or(f64::NAN);
    Ok(kib / 1024.0)
}

/// Per git network operation, with the same static credentials and a `git` that exits at once:
/// the Python helper (resolve + sign + exec) vs Lanyard's (resolve + exec, then the credential
/// helper call that signs — both halves counted, the larger resident set reported).
pub async fn helper_overhead() -> anyhow::Result<()> {
    let t = tools()?;
    let home = crate::tempfile_dir("grc-overhead")?;
    std::fs::write(
        home.join(".aws/credentials"),
        "[p]\naws_access_key_id = ASIAEXAMPLE\naws_secret_access_key = secret\naws_session_token = token\n",
    )?;
    std::fs::write(
        home.join(".aws/config"),
        "[profile p]\nregion = us-east-1\n",
    )?;
    let stub = home.join("stub-bin");
    std::fs::create_dir_all(&stub)?;
    std::fs::write(stub.join("git"), "#!/bin/sh\nexit 0\n")?;
    let mut perm = std::fs::metadata(stub.join("git"))?.permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
    std::fs::set_permissions(stub.join("git"), perm)?;
    let path = format!(
        "{}:{}",
        stub.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let base = vec![
        ("HOME".to_owned(), home.display().to_string()),
        (
            "AWS_CONFIG_FILE".to_owned(),
            home.join(".aws/config").display().to_string(),
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE".to_owned(),
            home.join(".aws/credentials").display().to_string(),
        ),
        ("AWS_EC2_METADATA_DISABLED".to_owned(), "true".to_owned()),
        ("PATH".to_owned(), path),
    ];
    let py = t.root.join(".venv/bin/python");
    let url = "codecommit::us-east-1://p@repo"
        .trim_start_matches("codecommit::")
        .to_owned();
    let n = 20;
    let python = measure(
        n,
        &[
            t.root
                .join(".venv/bin/git-remote-codecommit")
                .display()
                .to_string(),
            "origin".into(),
            url.clone(),
        ],
        &base,
        "",
        &py,
    )?;
    let rust_bin = t
        .release
        .join("git-remote-codecommit")
        .display()
        .to_string();
    let main = measure(n, &[rust_bin.clone(), "origin".into(), url], &base, "", &py)?;
    let mut cred_env = base.clone();
    for (k, v) in [
        ("LANYARD_GRC_CREDENTIAL", "1"),
        ("LANYARD_GRC_PROFILE", "p"),
        ("LANYARD_GRC_LABEL", "p"),
        ("LANYARD_GRC_REGION", "us-east-1"),
        ("LANYARD_GRC_REPO", "repo"),
        ("LANYARD_GRC_HOST", "git-codecommit.us-east-1.amazonaws.com"),
    ] {
        cred_env.push((k.into(), v.into()));
    }
    let cred = measure(
        n,
        &[rust_bin, "get".into()],
        &cred_env,
        "protocol=https\nhost=git-codecommit.us-east-1.amazonaws.com\n\n",
        &py,
    )?;
    let (rust_wall, rust_rss) = (main.0 + cred.0, main.1.max(cred.1));
    println!("helper-overhead-vs-python (static credentials, stub git, mean of {n})");
    println!(
        "  Python git-remote-codecommit:        {:7.1} ms  {:6.1} MiB",
        python.0 * 1e3,
        python.1
    );
    println!(
        "  Lanyard helper (hand-off + signing): {:7.1} ms  {:6.1} MiB  (hand-off {:.1} ms / {:.1} MiB, credential helper {:.1} ms / {:.1} MiB)",
        rust_wall * 1e3,
        rust_rss,
        main.0 * 1e3,
        main.1,
        cred.0 * 1e3,
        cred.1
    );
    println!(
        "  {:.0}x faster, {:.2}x the memory (targets: >= 40x faster, <= 0.2x the memory)\n",
        python.0 / rust_wall,
        rust_rss / python.1
    );
    let _ = std::fs::remove_dir_all(&home);
    Ok(())
}

const CLONE_WORLD: &str = r#"
[[instance]]
name = "bench"
start_url = "https://bench.awsapps.com/start"
region = "us-east-1"
[[instance.permission_set]]
name = "Developer"
codecommit = ["*"]
[[instance.account]]
id = "123456789012"
name = "bench"
email = "bench@example.com"
[[instance.user]]
name = "user"
assignments = [{ account = "123456789012", permission_sets = ["Developer"] }]
[[instance.repository]]
account = "123456789012"
region = "us-east-1"
name = "big"
commits = 30
size_mb = 50
"#;

pub(crate) fn env_of(
    emu: &Emulator,
    home: &Path,
    extra_path: Option<&Path>,
) -> Vec<(String, String)> {
    let mut v = emu.env();
    v.push(("HOME".into(), home.display().to_string()));
    v.push((
        "AWS_CONFIG_FILE".into(),
        home.join(".aws/config").display().to_string(),
    ));
    v.push((
        "AWS_SHARED_CREDENTIALS_FILE".into(),
        home.join(".aws/credentials").display().to_string(),
    ));
    v.push(("LANYARD_KEYRING".into(), "none".into()));
    v.push(("GIT_TERMINAL_PROMPT".into(), "0".into()));
    v.push(("GIT_CONFIG_NOSYSTEM".into(), "1".into()));
    v.push((
        "GIT_CONFIG_GLOBAL".into(),
        home.join(".gitconfig").display().to_string(),
    ));
    v.push((
        "LANYARD_CLONE_ROOT".into(),
        home.join("src").display().to_string(),
    ));
    let path = std::env::var("PATH").unwrap_or_default();
    v.push((
        "PATH".into(),
        match extra_path {
            Some(p) => format!("{}:{path}", p.display()),
            None => path,
        },
    ));
    v
}

fn timed(cmd: &mut Command) -> anyhow::Result<f64> {
    let t = Instant::now();
    let out = cmd.output()?;
    anyhow::ensure!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(t.elapsed().as_secs_f64())
}

/// A ~50 MB repository: `lanyard clone` (git2 in-process) vs `git clone codecommit::…` through
/// the Python helper, both signed in to the same identity. The repository is generated and
/// packed once before either is timed.
pub async fn clone_vs_python() -> anyhow::Result<()> {
    let t = tools()?;
    let mut cfg = Config::new(World::from_toml(CLONE_WORLD)?);
    cfg.auto_approve = true;
    cfg.knobs.portal_tps = 0.0;
    let emu = Emulator::start(cfg).await?;
    let home = crate::tempfile_dir("clone")?;
    let env = env_of(&emu, &home, None);
    let lanyard = t.release.join("lanyard");
    let (t_lanyard, t_python) = tokio::task::block_in_place(|| -> anyhow::Result<(f64, f64)> {
        timed(
            Command::new(&lanyard)
                .args([
                    "login",
                    "--session",
                    "bench",
                    "--start-url",
                    "https://bench.awsapps.com/start",
                    "--region",
                    "us-east-1",
                    "--device-code",
                    "--no-browser",
                ])
                .envs(env.iter().cloned()),
        )?;
        timed(
            Command::new(&lanyard)
                .args(["sync", "--template", "{account_name}-{role_name}"])
                .envs(env.iter().cloned()),
        )?;
        let py_env = env_of(&emu, &home, Some(&t.root.join(".venv/bin")));
        // Warm-up (not timed): the emulator generates and packs the repository on first access.
        timed(
            Command::new("git")
                .args(["ls-remote", "codecommit::us-east-1://bench-Developer@big"])
                .envs(py_env.iter().cloned()),
        )?;
        timed(
            Command::new("git")
                .args(["clone", "-q", "codecommit::us-east-1://bench-Developer@big"])
                .arg(home.join("warm"))
                .envs(py_env.iter().cloned()),
        )?;
        let t_python = timed(
            Command::new("git")
                .args(["clone", "-q", "codecommit::us-east-1://bench-Developer@big"])
                .arg(home.join("py"))
                .envs(py_env.iter().cloned()),
        )?;
        let t_lanyard = timed(
            Command::new(&lanyard)
                .args(["clone", "big"])
                .envs(env.iter().cloned()),
        )?;
        Ok((t_lanyard, t_python))
    })?;
    let size: u64 = walk_size(&home.join("py/.git"));
    println!(
        "clone-vs-python-helper (repository of {:.0} MiB packed, 30 commits)",
        size as f64 / 1048576.0
    );
    println!("  lanyard clone (git2):                      {t_lanyard:6.2} s");
    println!("  git clone via Python git-remote-codecommit: {t_python:6.2} s");
    println!(
        "  ratio {:.2}x its wall time (target <= 1.0x)\n",
        t_lanyard / t_python
    );
    let _ = std::fs::remove_dir_all(&home);
    Ok(())
}

fn walk_size(p: &Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        walk_size(&e.path())
                    } else {
                        e.metadata().map(|m| m.len()).unwrap_or(0)
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

/// 50 accounts x 4 regions: `lanyard repos --refresh` vs a shell loop of
/// `aws codecommit list-repositories` (awscli v1) per account and region, 50 ms latency.
pub async fn inventory_vs_awscli() -> anyhow::Result<()> {
    let t = tools()?;
    let mut cfg = Config::new(World::generated(Generated {
        accounts: 50,
        roles_per_account: 2,
        repos_per_account: 3,
    }));
    cfg.auto_approve = true;
    cfg.knobs.portal_tps = 20.0;
    cfg.knobs.latency_ms = 50;
    let emu = Emulator::start(cfg).await?;
    let home = crate::tempfile_dir("inventory")?;
    let env = env_of(&emu, &home, None);
    let lanyard = t.release.join("lanyard");
    let regions = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"];
    let aws = t.root.join(".venv/bin/aws");
    let (t_lanyard, t_aws, found) = tokio::task::block_in_place(
        || -> anyhow::Result<(f64, f64, usize)> {
            timed(
                Command::new(&lanyard)
                    .args([
                        "login",
                        "--session",
                        "large",
                        "--start-url",
                        "https://large.awsapps.com/start",
                        "--region",
                        "us-east-1",
                        "--device-code",
                        "--no-browser",
                    ])
                    .envs(env.iter().cloned()),
            )?;
            timed(
                Command::new(&lanyard)
                    .args(["sync", "--template", "{account_name}-{role_name}"])
                    .envs(env.iter().cloned()),
            )?;
            let start = Instant::now();
            let out = Command::new(&lanyard)
                .args([
                    "repos",
                    "--refresh",
                    "--json",
                    "--region",
                    &regions.join(","),
                ])
                .envs(env.iter().cloned())
                .output()?;
            anyhow::ensure!(
                out.status.success(),
                "lanyard repos: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let t_lanyard = start.elapsed().as_secs_f64();
            let inv: serde_json::Value = serde_json::from_slice(&out.stdout)?;
            let found = inv[0]["repositories"].as_array().map_or(0, Vec::len);
            let mut script = String::new();
            for a in 1..=50 {
                for r in regions {
                    script.push_str(&format!("{} codecommit list-repositories --profile account-{a:04}-AdministratorAccess --region {r} --output json > /dev/null || exit 1\n", aws.display()));
                }
            }
            let t_aws = timed(
                Command::new("sh")
                    .arg("-c")
                    .arg(script)
                    .envs(env.iter().cloned()),
            )?;
            Ok((t_lanyard, t_aws, found))
        },
    )?;
    println!(
        "inventory-vs-awscli (50 accounts x 4 regions, 50 ms latency, portal 20 TPS; {found} repositories)"
    );
    println!("  lanyard repos --refresh:                       {t_lanyard:6.1} s");
    println!("  shell loop of aws codecommit list-repositories: {t_aws:6.1} s (200 invocations)");
    println!("  {:.0}x faster (target >= 20x)\n", t_aws / t_lanyard);
    let _ = std::fs::remove_dir_all(&home);
    Ok(())
}

/// Issue #17: the pull-request inbox over 50 accounts x 4 regions x 4 repositories with 300 open
/// pull requests (50 ms API latency): `lanyard prs` cold, warm with nothing changed, and cached,
/// against a shell loop of `aws codecommit list-pull-requests` + `get-pull-request` +
/// `get-pull-request-approval-states` doing the same work. `LANYARD_BENCH_PRS_ACCOUNTS` makes the
/// world smaller for a quick look (the loop is ~1,400 awscli invocations at full size).
pub async fn prs_vs_awscli() -> anyhow::Result<()> {
    use lanyard_emulator::world::{Person, PullRequestDecl, Repository, RuleDecl};
    let t = tools()?;
    let accounts: u32 = std::env::var("LANYARD_BENCH_PRS_ACCOUNTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let regions = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"];
    let mut world = World::generated(Generated {
        accounts,
        roles_per_account: 2,
        repos_per_account: 0,
    });
    let inst = &mut world.instances[0];
    let wanted_prs = (300 * accounts / 50) as usize;
    for a in &inst.accounts {
        for region in regions {
            for k in 0..4 {
                inst.repositories.push(Repository {
                    account: a.id.clone(),
                    region: region.into(),
                    name: format!("svc-{k}"),
                    description: None,
                    default_branch: "main".into(),
                    branches: vec!["main".into(), "change".into()],
                    commits: 2,
                    size_mb: 0,
                });
            }
        }
    }
    // One open pull request in each of the first 300 repositories (spread over every account and
    // region): a third await the user, a third are the user's, a third are someone else's concern.
    let repos = inst.repositories.clone();
    for (i, r) in repos.iter().enumerate().take(wanted_prs) {
        let (author, rules) = match i % 3 {
            0 => (
                "colleague",
                vec![RuleDecl {
                    name: "Two developers".into(),
                    needed: 2,
                    pool: vec![format!(
                        "arn:aws:sts::{}:assumed-role/AWSReservedSSO_AdministratorAccess_*/*",
                        r.account
                    )],
                }],
            ),
            1 => (
                "user",
                vec![RuleDecl {
                    name: "One reviewer".into(),
                    needed: 1,
                    pool: vec![],
                }],
            ),
            _ => ("colleague", vec![]),
        };
        inst.pull_requests.push(PullRequestDecl {
            account: r.account.clone(),
            region: r.region.clone(),
            repository: r.name.clone(),
            title: format!("Change {i}"),
            description: None,
            source: "change".into(),
            destination: None,
            author: Person {
                user: author.into(),
                role: "Developer".into(),
            },
            age_hours: (i % 48) as f64,
            open: true,
            rules,
            approvals: vec![],
        });
    }
    let mut cfg = Config::new(world);
    cfg.auto_approve = true;
    cfg.knobs.portal_tps = 20.0;
    let emu = Emulator::start(cfg).await?;
    let home = crate::tempfile_dir("prs")?;
    let env = env_of(&emu, &home, None);
    let lanyard = t.release.join("lanyard");
    let aws = t.root.join(".venv/bin/aws");
    let run = |args: &[&str]| -> anyhow::Result<(f64, Vec<u8>)> {
        let start = Instant::now();
        let out = Command::new(&lanyard)
            .args(args)
            .envs(env.iter().cloned())
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "lanyard {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok((start.elapsed().as_secs_f64(), out.stdout))
    };
    let result = tokio::task::block_in_place(|| -> anyhow::Result<_> {
        run(&[
            "login",
            "--session",
            "large",
            "--start-url",
            "https://large.awsapps.com/start",
            "--region",
            "us-east-1",
            "--device-code",
            "--no-browser",
        ])?;
        run(&["sync", "--template", "{account_name}-{role_name}"])?;
        run(&[
            "repos",
            "--refresh",
            "--json",
            "--region",
            &regions.join(","),
        ])?;
        // The emulator makes each repository's git data on first use: make it before anything is
        // timed, then forget the inbox so Lanyard's first timed run is cold.
        run(&["prs", "--json"])?;
        let paths: serde_json::Value = serde_json::from_slice(&run(&["paths", "--json"])?.1)?;
        let data = PathBuf::from(paths["dataDir"].as_str().unwrap_or_default());
        std::fs::remove_file(data.join("codecommit/large.prs.json"))?;
        // Latency from here on: every timed call pays it.
        let knobs = Command::new("curl")
            .args([
                "-fsS",
                "-X",
                "POST",
                "-H",
                "content-type: application/json",
                "-d",
                r#"{"latencyMs":50}"#,
            ])
            .arg(format!("{}/_emulator/knobs", emu.http_url))
            .output()?;
        anyhow::ensure!(knobs.status.success(), "setting the latency failed");
        let (cold, out) = run(&["prs", "--all", "--json"])?;
        let listed: serde_json::Value = serde_json::from_slice(&out)?;
        let found = listed.as_array().map_or(0, Vec::len);
        let awaiting = listed.as_array().map_or(0, |l| {
            l.iter().filter(|p| p["concern"] == "awaiting").count()
        });
        let (warm_cli, _) = run(&["prs", "--all", "--json"])?;
        // As the desktop revalidates: one long-lived process whose role credentials stay in
        // memory between rounds (each `lanyard prs` process fetches them from the portal anew).
        let (in_cold, in_warm) = in_process(&env)?;
        let mut cached = vec![];
        for _ in 0..5 {
            cached.push(run(&["prs", "--cached", "--json"])?.0);
        }
        cached.sort_by(f64::total_cmp);
        // The same work with the AWS CLI, one process per call as a script would do it.
        let script = format!(
            "set -e\nfor a in $(seq -f %04g 1 {accounts}); do\n for r in {regions}; do\n  p=\"--profile account-$a-AdministratorAccess --region $r\"\n  for repo in svc-0 svc-1 svc-2 svc-3; do\n   for id in $({aws} codecommit list-pull-requests $p --repository-name $repo --pull-request-status OPEN --query pullRequestIds --output text); do\n    rev=$({aws} codecommit get-pull-request $p --pull-request-id $id --query pullRequest.revisionId --output text)\n    {aws} codecommit get-pull-request-approval-states $p --pull-request-id $id --revision-id $rev --output json > /dev/null\n   done\n  done\n done\ndone\n",
            regions = regions.join(" "),
            aws = aws.display(),
        );
        let t_aws = timed(
            Command::new("sh")
                .arg("-c")
                .arg(script)
                .envs(env.iter().cloned()),
        )?;
        Ok((
            cold,
            (warm_cli, in_cold, in_warm),
            cached[cached.len() / 2],
            t_aws,
            found,
            awaiting,
        ))
    })?;
    let (cold, (warm_cli, in_cold, in_warm), cached, t_aws, found, awaiting) = result;
    let invocations = accounts as usize * regions.len() * 4 + 2 * found;
    println!(
        "prs-vs-awscli ({accounts} accounts x 4 regions x 4 repositories, {found} open pull requests, {awaiting} awaiting the user; 50 ms latency)"
    );
    println!("  lanyard prs, cold:                  {cold:6.2} s");
    println!(
        "  lanyard prs again, nothing changed: {warm_cli:6.2} s (a new process: role credentials from the portal again)"
    );
    println!(
        "  in one process (the desktop's way): cold {in_cold:5.2} s, then warm {in_warm:5.2} s (target <= 2 s)"
    );
    println!(
        "  lanyard prs --cached:              {:6.0} ms (median of 5; target < 100 ms)",
        cached * 1000.0
    );
    // The desktop's view of a cached inbox as large (tests/e2e/bench_render_prs.py).
    let view = crate::e2e_script("bench_render_prs.py")?;
    println!(
        "  the window's Pull requests view, cached inbox of {} on screen: median {:.0} ms, first {:.0} ms (target < 100 ms)",
        view["pull_requests"],
        view["median_ms"].as_f64().unwrap_or(f64::NAN),
        view["first_ms"].as_f64().unwrap_or(f64::NAN)
    );
    println!("  shell loop of aws codecommit:      {t_aws:6.1} s ({invocations} invocations)");
    println!("  cold: {:.0}x faster (target >= 30x)\n", t_aws / cold);
    let _ = std::fs::remove_dir_all(&home);
    Ok(())
}

/// `Lanyard::pull_requests` twice in this process over the CLI's files: the first round after the
/// inbox cache is removed (cold), the second with nothing changed (warm).
fn in_process(env: &[(String, String)]) -> anyhow::Result<(f64, f64)> {
    use lanyard_core::sso::{Endpoints, SsoContext};
    let vars: std::collections::HashMap<String, std::ffi::OsString> =
        env.iter().map(|(k, v)| (k.clone(), v.into())).collect();
    let get = |k: &str| vars.get(k).cloned();
    let paths = lanyard_core::Paths::from_env(get)?;
    let config = std::fs::read_to_string(&paths.aws_config_file).unwrap_or_default();
    let endpoints = Endpoints::from_env_and_config(get, &config);
    let cache = lanyard_core::codecommit::prs::cache_path(
        &SsoContext::new(
            paths.clone(),
            endpoints.clone(),
            std::sync::Arc::new(lanyard_core::secret::NoKeyring {
                reason: "benchmark".into(),
            }),
        ),
        "large",
    );
    let svc = lanyard_core::Lanyard::new(SsoContext::new(
        paths,
        endpoints,
        std::sync::Arc::new(lanyard_core::secret::NoKeyring {
            reason: "benchmark".into(),
        }),
    ));
    let saved = std::fs::read(&cache)?;
    std::fs::remove_file(&cache)?;
    let rt = tokio::runtime::Handle::current();
    let identity = svc.identity("large")?;
    let round = || -> anyhow::Result<f64> {
        let start = Instant::now();
        rt.block_on(svc.pull_requests(&identity))?;
        Ok(start.elapsed().as_secs_f64())
    };
    let cold = round()?;
    let warm = round()?;
    std::fs::write(&cache, saved)?;
    Ok((cold, warm))
}

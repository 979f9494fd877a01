//! Issue #13 benchmark: `lanyard export-credentials` / `exec` / `serve-credentials` against the
//! peer with the same four surfaces, aws-export-credentials (botocore-based, PyPI), on the same
//! signed-in IAM Identity Center profile against one emulator, warm caches on both sides.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use lanyard_emulator::{Config, Emulator, World};

use crate::codecommit::{env_of, tools};

const WORLD: &str = r#"
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
"#;

/// Runs `argv` `n` times from one Python launcher (the same for both sides) and returns the
/// median wall time in seconds.
fn median_wall(
    n: u32,
    argv: &[String],
    env: &[(String, String)],
    py: &Path,
) -> anyhow::Result<f64> {
    const CODE: &str = r#"
import json, statistics, subprocess, sys, time
n, argv = int(sys.argv[1]), sys.argv[2:]
walls = []
for _ in range(n):
    t = time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    walls.append(time.perf_counter() - t)
    if p.returncode != 0:
        sys.exit(f"{argv} exited {p.returncode}: {p.stderr.decode()[-500:]}")
print(json.dumps({"median": statistics.median(walls)}))
"#;
    let out = Command::new(py)
        .arg("-c")
        .arg(CODE)
        .arg(n.to_string())
        .args(argv)
        .env_clear()
        .envs(env.iter().cloned())
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "measuring {argv:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    Ok(v["median"].as_f64().unwrap_or(f64::NAN))
}

/// Peak resident set of one run, in MiB, with exactly `env`.
fn peak_mib(argv: &[String], env: &[(String, String)]) -> anyhow::Result<f64> {
    crate::codecommit::peak_mib(argv, b"", |c| {
        c.env_clear().envs(env.iter().cloned());
    })
}

/// Median of `n` runs, each after `before` (which empties a cache).
fn median_cold(
    n: usize,
    argv: &[String],
    env: &[(String, String)],
    before: &dyn Fn(),
) -> anyhow::Result<f64> {
    let mut walls = Vec::with_capacity(n);
    for _ in 0..n {
        before();
        let t = Instant::now();
        let out = Command::new(&argv[0])
            .args(&argv[1..])
            .env_clear()
            .envs(env.iter().cloned())
            .stdout(Stdio::null())
            .output()?;
        walls.push(t.elapsed().as_secs_f64());
        anyhow::ensure!(
            out.status.success(),
            "{argv:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    walls.sort_by(f64::total_cmp);
    Ok(walls[n / 2])
}

/// Median latency of `n` sequential GETs with the token, over one kept-alive connection pool.
async fn endpoint_latency(url: &str, token: &str, n: usize) -> anyhow::Result<f64> {
    let client: Client<_, Empty<bytes::Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let deadline = Instant::now() + Duration::from_secs(30);
    let get = || {
        let req = hyper::Request::get(url)
            .header("authorization", token)
            .body(Empty::new())
            .expect("request");
        client.request(req)
    };
    // Wait until it answers 200 (the peer needs a moment to start).
    loop {
        if let Ok(r) = get().await
            && r.status().is_success()
        {
            r.into_body().collect().await?;
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "{url} never answered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut walls = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let r = get().await?;
        anyhow::ensure!(r.status().is_success(), "{url}: {}", r.status());
        r.into_body().collect().await?;
        walls.push(t.elapsed().as_secs_f64());
    }
    walls.sort_by(f64::total_cmp);
    Ok(walls[n / 2])
}

fn ms(s: f64) -> String {
    format!("{:8.1} ms", s * 1e3)
}

/// The benchmark.
pub async fn credentials_vs_aws_export_credentials() -> anyhow::Result<()> {
    let t = tools()?;
    let peer = t.root.join(".venv-peer/bin/aws-export-credentials");
    anyhow::ensure!(
        peer.exists(),
        "aws-export-credentials is installed by scripts/setup.sh into .venv-peer"
    );
    let py = t.root.join(".venv/bin/python");
    let mut cfg = Config::new(World::from_toml(WORLD)?);
    cfg.auto_approve = true;
    cfg.knobs.portal_tps = 0.0;
    let emu = Emulator::start(cfg).await?;
    let home = crate::tempfile_dir("credentials")?;
    std::fs::write(
        home.join(".aws/config"),
        "[sso-session bench]\nsso_start_url = https://bench.awsapps.com/start\nsso_region = us-east-1\n\n[profile dev]\nsso_session = bench\nsso_account_id = 123456789012\nsso_role_name = Developer\nregion = us-east-1\n",
    )?;
    let mut env = env_of(&emu, &home, None);
    env.push(("AWS_EC2_METADATA_DISABLED".into(), "true".into()));
    let lanyard = t.release.join("lanyard").display().to_string();
    let peer = peer.display().to_string();
    let peer_cache = home.join("peer-cache.json").display().to_string();
    let lanyard_cache = home.join(".aws/cli/cache");
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<String>>();
    let n = 40;
    let report = tokio::task::block_in_place(|| -> anyhow::Result<String> {
        let login = Command::new(&lanyard)
            .args([
                "login",
                "--session",
                "bench",
                "--device-code",
                "--no-browser",
            ])
            .env_clear()
            .envs(env.iter().cloned())
            .output()?;
        anyhow::ensure!(
            login.status.success(),
            "lanyard login: {}",
            String::from_utf8_lossy(&login.stderr)
        );
        let ours = s(&[
            &lanyard,
            "export-credentials",
            "--profile",
            "dev",
            "--format",
            "process",
        ]);
        let theirs = s(&[
            &peer,
            "--profile",
            "dev",
            "--json",
            "--cache-file",
            &peer_cache,
        ]);
        // Warm both caches.
        median_wall(1, &ours, &env, &py)?;
        median_wall(1, &theirs, &env, &py)?;
        let (o, p) = (
            median_wall(n, &ours, &env, &py)?,
            median_wall(n, &theirs, &env, &py)?,
        );
        let (om, pm) = (peak_mib(&ours, &env)?, peak_mib(&theirs, &env)?);
        let cold_ours = median_cold(5, &ours, &env, &|| {
            let _ = std::fs::remove_dir_all(&lanyard_cache);
        })?;
        let peer_cache2 = peer_cache.clone();
        let cold_theirs = median_cold(5, &theirs, &env, &|| {
            let _ = std::fs::remove_file(&peer_cache2);
        })?;
        median_wall(1, &ours, &env, &py)?;
        median_wall(1, &theirs, &env, &py)?;
        let bare = median_wall(n, &s(&["/bin/true"]), &env, &py)?;
        let exec_ours = median_wall(
            n,
            &s(&[&lanyard, "exec", "--profile", "dev", "--", "/bin/true"]),
            &env,
            &py,
        )?;
        let exec_theirs = median_wall(
            n,
            &s(&[
                &peer,
                "--profile",
                "dev",
                // Not `--cache-file`: with a cache hit, 0.18.0's --exec reads a variable it only
                // sets on a miss and exits 1, so its users run --exec uncached (a portal call each).
                "--exec",
                "/bin/true",
            ]),
            &env,
            &py,
        )?;
        let (eo, et) = ((exec_ours - bare).max(1e-6), (exec_theirs - bare).max(1e-6));
        Ok(format!(
            "credentials-vs-aws-export-credentials (same signed-in profile, warm caches, median of {n})\n\
             \x20 credential_process  Lanyard {} {om:6.1} MiB   aws-export-credentials {} {pm:6.1} MiB   {:.0}x faster, {:.2}x the memory\n\
             \x20   targets: <= 10 ms ({}), <= 10 MiB ({}), >= 30x faster ({})\n\
             \x20 cache miss (median of 5)  Lanyard {}   aws-export-credentials {}\n\
             \x20 exec /bin/true overhead   Lanyard {}   aws-export-credentials {} (uncached: its --exec fails on a cache hit)   {:.0}x lower (target >= 20x: {})\n",
            ms(o),
            ms(p),
            p / o,
            om / pm,
            if o <= 0.010 { "met" } else { "NOT met" },
            if om <= 10.0 { "met" } else { "NOT met" },
            if p / o >= 30.0 { "met" } else { "NOT met" },
            ms(cold_ours),
            ms(cold_theirs),
            ms(eo),
            ms(et),
            et / eo,
            if et / eo >= 20.0 { "met" } else { "NOT met" },
        ))
    })?;
    print!("{report}");
    // The endpoint: Lanyard's and the peer's container servers, per request.
    let mut ours = tokio::process::Command::new(&lanyard)
        .args(["serve-credentials", "--profile", "dev"])
        .env_clear()
        .envs(env.iter().cloned())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(
        ours.stdout.take().expect("piped"),
    ));
    let mut vars = std::collections::HashMap::new();
    while vars.len() < 2 {
        let line = lines
            .next_line()
            .await?
            .ok_or_else(|| anyhow::anyhow!("serve-credentials printed nothing"))?;
        if let Some((k, v)) = line.trim_start_matches("export ").split_once('=') {
            vars.insert(k.to_owned(), v.to_owned());
        }
    }
    let ours_latency = endpoint_latency(
        &vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
        &vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"],
        200,
    )
    .await?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let token = "bench-token";
    let _theirs = tokio::process::Command::new(&peer)
        .args([
            "--profile",
            "dev",
            // It refuses --cache-file with --container (its server keeps the botocore session).
            "--container",
        ])
        .arg(format!("127.0.0.1:{port}"))
        .arg(token)
        .env_clear()
        .envs(env.iter().cloned())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let theirs_latency = endpoint_latency(&format!("http://127.0.0.1:{port}/"), token, 200).await?;
    println!(
        "  endpoint per request (median of 200)  Lanyard {}   aws-export-credentials --container {}   {:.0}x faster\n",
        ms(ours_latency),
        ms(theirs_latency),
        theirs_latency / ours_latency
    );
    let _ = std::fs::remove_dir_all(&home);
    Ok(())
}

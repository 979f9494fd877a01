//! `bench`: Lanyard's benchmarks. Each section runs Lanyard and, where there is one, the peer tool
//! on the same emulator world in one invocation and prints both figures and their ratio. Targets
//! are reported, never asserted: benchmarks are not tests.

use std::time::{Duration, Instant};

use clap::Parser;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use lanyard_emulator::{Config, Emulator, Generated, World};

mod codecommit;
mod credentials;

#[derive(Parser)]
#[command(
    name = "bench",
    about = "Lanyard benchmarks against the local emulator"
)]
struct Args {
    /// Only run sections whose name contains this.
    #[arg(long)]
    only: Option<String>,
    /// Seconds per throughput measurement.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Concurrent connections for throughput measurements.
    #[arg(long, default_value_t = 32)]
    connections: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let want = |name: &str| args.only.as_deref().is_none_or(|o| name.contains(o));
    println!(
        "Lanyard benchmarks ({} cores)\n",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    if want("emulator-portal-throughput") {
        emulator_portal_throughput(&args).await?;
    }
    if want("sync-vs-aws-sso-util") {
        sync_vs_aws_sso_util().await?;
    }
    if want("accounts-render-3000") {
        accounts_render()?;
    }
    if want("startup-1000") {
        startup()?;
    }
    if want("tray-idle") {
        tray_idle()?;
    }
    if want("workday") {
        workday()?;
    }
    if want("switcher-5000") {
        switcher()?;
    }
    if want("helper-overhead-vs-python") {
        codecommit::helper_overhead().await?;
    }
    if want("clone-vs-python-helper") {
        codecommit::clone_vs_python().await?;
    }
    if want("inventory-vs-awscli") {
        codecommit::inventory_vs_awscli().await?;
    }
    if want("prs-vs-awscli") {
        codecommit::prs_vs_awscli().await?;
    }
    if want("credentials-vs-aws-export-credentials") {
        credentials::credentials_vs_aws_export_credentials().await?;
    }
    Ok(())
}

/// How many portal requests per second the emulator answers with no latency or rate limit
/// (issue #3 target: at least 2,000/s on 2 cores), client and server on the same machine.
async fn emulator_portal_throughput(args: &Args) -> anyhow::Result<()> {
    let mut cfg = Config::new(World::generated(Generated {
        accounts: 300,
        roles_per_account: 3,
        repos_per_account: 0,
    }));
    cfg.knobs.portal_tps = 0.0;
    cfg.auto_approve = true;
    let emu = Emulator::start(cfg).await?;
    let token = sign_in(&emu).await?;
    let client: Client<_, Empty<bytes::Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let url: hyper::Uri = format!("{}/assignment/accounts?max_result=100", emu.http_url).parse()?;
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.connections {
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                let req = hyper::Request::get(url.clone())
                    .header("x-amz-sso_bearer_token", &token)
                    .body(Empty::new())
                    .expect("request");
                let resp = client.request(req).await.expect("emulator answers");
                assert!(resp.status().is_success(), "{}", resp.status());
                resp.into_body().collect().await.expect("body");
                n += 1;
            }
            n
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await?;
    }
    let rate = total as f64 / started.elapsed().as_secs_f64();
    println!("emulator-portal-throughput");
    println!(
        "  ListAccounts (100 accounts/page), {} connections: {total} requests in {:.1}s = {rate:.0} req/s",
        args.connections,
        started.elapsed().as_secs_f64()
    );
    println!(
        "  target >= 2000 req/s: {}\n",
        if rate >= 2000.0 { "met" } else { "NOT met" }
    );
    Ok(())
}

/// Device-code sign-in against an auto-approving emulator; returns the access token.
pub(crate) async fn sign_in(emu: &Emulator) -> anyhow::Result<String> {
    let post = |path: &str, body: serde_json::Value| {
        let url = format!("{}{path}", emu.http_url);
        async move {
            let client: Client<_, http_body_util::Full<bytes::Bytes>> =
                Client::builder(TokioExecutor::new()).build_http();
            let req = hyper::Request::post(url)
                .header("content-type", "application/json")
                .body(http_body_util::Full::new(body.to_string().into()))?;
            let resp = client.request(req).await?;
            let bytes = resp.into_body().collect().await?.to_bytes();
            anyhow::Ok(serde_json::from_slice::<serde_json::Value>(&bytes)?)
        }
    };
    let reg = post(
        "/client/register",
        serde_json::json!({"clientName": "bench", "clientType": "public"}),
    )
    .await?;
    let (id, secret) = (
        reg["clientId"].as_str().unwrap_or_default().to_owned(),
        reg["clientSecret"].as_str().unwrap_or_default().to_owned(),
    );
    let start_url = emu.app.state.world.instances[0].start_url.clone();
    let dev = post(
        "/device_authorization",
        serde_json::json!({"clientId": id, "clientSecret": secret, "startUrl": start_url}),
    )
    .await?;
    let tok = post(
        "/token",
        serde_json::json!({"clientId": id, "clientSecret": secret, "grantType": "urn:ietf:params:oauth:grant-type:device_code", "deviceCode": dev["deviceCode"]}),
    )
    .await?;
    tok["accessToken"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no token: {tok}"))
}

/// Issue #5: discovery + writing profiles, Lanyard (`lanyard sync`) vs aws-sso-util
/// (`configure populate`), same emulator world: 300 accounts x 3 roles, 120 ms latency, portal
/// limited to 20 requests/s. Both are signed in first (not timed).
async fn sync_vs_aws_sso_util() -> anyhow::Result<()> {
    use std::process::Command;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let lanyard = target.join("release/lanyard");
    let util = root.join(".venv/bin/aws-sso-util");
    anyhow::ensure!(
        lanyard.exists(),
        "build it first: cargo build --release -p lanyard-cli ({} missing)",
        lanyard.display()
    );
    anyhow::ensure!(
        util.exists(),
        "aws-sso-util is installed by scripts/setup.sh into .venv"
    );
    let mut cfg = Config::new(World::generated(Generated {
        accounts: 300,
        roles_per_account: 3,
        repos_per_account: 0,
    }));
    cfg.auto_approve = true;
    cfg.knobs.latency_ms = 120;
    cfg.knobs.portal_tps = 20.0;
    let emu = Emulator::start(cfg).await?;
    let start_url = emu.app.state.world.instances[0].start_url.clone();
    let env = |home: &std::path::Path| {
        let mut v: Vec<(String, String)> = emu.env();
        v.push(("HOME".into(), home.display().to_string()));
        v.push((
            "AWS_CONFIG_FILE".into(),
            home.join(".aws/config").display().to_string(),
        ));
        v.push(("LANYARD_KEYRING".into(), "none".into()));
        v.push(("AWS_SSO_DISABLE_BROWSER".into(), "1".into()));
        v
    };
    let run = |cmd: &mut Command| -> anyhow::Result<f64> {
        let t = Instant::now();
        let out = cmd.output()?;
        anyhow::ensure!(
            out.status.success(),
            "{:?} failed: {}",
            cmd,
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(t.elapsed().as_secs_f64())
    };
    let (a, b) = (tempfile_dir("lanyard")?, tempfile_dir("aws-sso-util")?);
    let emu_ref = &emu;
    let tokio_handle = tokio::runtime::Handle::current();
    let (t_lanyard, t_util) = tokio::task::block_in_place(|| -> anyhow::Result<(f64, f64)> {
        let _ = (emu_ref, &tokio_handle);
        run(Command::new(&lanyard)
            .args([
                "login",
                "--session",
                "large",
                "--start-url",
                &start_url,
                "--region",
                "us-east-1",
                "--device-code",
                "--no-browser",
            ])
            .envs(env(&a)))?;
        let t_lanyard = run(Command::new(&lanyard)
            .args(["sync", "--session", "large"])
            .envs(env(&a)))?;
        run(Command::new(&util)
            .args(["login", &start_url, "us-east-1"])
            .envs(env(&b)))?;
        let t_util = run(Command::new(&util)
            .args([
                "configure",
                "populate",
                "--sso-start-url",
                &start_url,
                "--sso-region",
                "us-east-1",
                "--region",
                "us-east-1",
            ])
            .envs(env(&b)))?;
        Ok((t_lanyard, t_util))
    })?;
    let calls = 3 + 300; // ListAccounts pages of 100 + one ListAccountRoles per account
    let floor = calls as f64 / 20.0;
    println!("sync-vs-aws-sso-util (300 accounts x 3 roles, 120 ms latency, 20 TPS)");
    println!(
        "  lanyard sync:                       {t_lanyard:6.1} s  ({:.2}x the rate-limit floor of {floor:.1} s = {calls} calls / 20/s)",
        t_lanyard / floor
    );
    println!("  aws-sso-util configure populate:    {t_util:6.1} s");
    println!(
        "  speed-up: {:.1}x (targets: within 1.1x of the floor, >= 2.5x faster than aws-sso-util)\n",
        t_util / t_lanyard
    );
    let _ = (std::fs::remove_dir_all(&a), std::fs::remove_dir_all(&b));
    Ok(())
}

pub(crate) fn tempfile_dir(name: &str) -> anyhow::Result<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!("lanyard-bench-{name}-{}", std::process::id()));
    std::fs::create_dir_all(d.join(".aws"))?;
    Ok(d)
}

/// Runs one of tests/e2e's benchmark scripts under Xvfb and a private D-Bus session against the
/// release binaries; returns its last line as JSON.
pub(crate) fn e2e_script(name: &str) -> anyhow::Result<serde_json::Value> {
    use std::process::Command;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let out = Command::new("dbus-run-session")
        .args([
            "--",
            "xvfb-run",
            "-a",
            "-s",
            "-screen 0 1280x800x24 -noreset",
        ])
        .arg(root.join(".venv/bin/python"))
        .arg(root.join("tests/e2e").join(name))
        .env("LANYARD_BIN_DIR", target.join("release"))
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "{name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned();
    Ok(serde_json::from_str(&line)?)
}

/// Issue #7: cold start to the first painted frame and the memory of every Lanyard process
/// (WebKit's included) showing a signed-in identity of a 1,000-account world (targets < 1 s,
/// < 150 MB).
fn startup() -> anyhow::Result<()> {
    let v = e2e_script("bench_startup.py")?;
    let num = |v: &serde_json::Value, k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    let (median, pss) = (num(&v, "start_ms_median"), num(&v, "pss_mib"));
    let floor = &v["floor"];
    println!(
        "startup-1000 (release build, Xvfb, signed in to a world of {} accounts; WebKit draws on the {})",
        v["accounts"],
        v["rendering"].as_str().unwrap_or("?").to_uppercase()
    );
    println!(
        "  launch -> first painted frame: median {median:.0} ms, max {} ms over 5 cold starts; target < 1000 ms: {}",
        v["start_ms_max"],
        if median < 1000.0 { "met" } else { "NOT met" }
    );
    println!(
        "  memory of {}: {pss:.0} MiB PSS ({} MiB RSS summed); target < 150 MB (143 MiB): {}",
        v["processes"],
        v["rss_mib"],
        if pss < 143.0 { "met" } else { "NOT met" }
    );
    println!(
        "  floor, an empty Tauri 2 window on the same WebView (examples/floor.rs): first frame {:.0} ms, {:.0} MiB PSS {}",
        num(floor, "start_ms_median"),
        num(floor, "pss_mib"),
        floor["processes"]
    );
    println!(
        "  Lanyard over the floor: +{:.0} ms, +{:.0} MiB ({:.2}x the floor's memory)",
        median - num(floor, "start_ms_median"),
        pss - num(floor, "pss_mib"),
        pss / num(floor, "pss_mib")
    );
    println!(
        "  context: Leapp (Electron) typically runs 4+ processes and ~200 MB on disk; not measured here\n"
    );
    Ok(())
}

/// Issue #16: what Lanyard costs in the tray with its window closed, after a session in a
/// 1,000-account world, and how fast the window and the switcher come back
/// (tests/e2e/bench_tray_idle.py; `LANYARD_BENCH_IDLE_SECONDS`, default 600, sets the idle run).
fn tray_idle() -> anyhow::Result<()> {
    let v = e2e_script("bench_tray_idle.py")?;
    let num = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    println!(
        "tray-idle (release build, Xvfb, tray host, {} accounts x 3 roles, after discovery, a scan, a sync and the switcher)",
        v["accounts"]
    );
    let closed = num("closed_pss_mib");
    println!(
        "  window closed: {closed:.0} MiB PSS over {}; budget <= 60 MiB: {}",
        v["closed_processes"],
        verdict(closed <= 60.0)
    );
    let cpu = num("idle_cpu_percent");
    println!(
        "  idle in the tray for {} s: {cpu:.3} % of one core ({} threads); budget <= 0.1 %: {}",
        v["idle_seconds"],
        v["agent_threads"],
        verdict(cpu <= 0.1)
    );
    let reopen = num("reopen_ms_median");
    println!(
        "  tray Open Lanyard -> window painted: median {reopen:.0} ms {}; budget <= 500 ms: {}",
        v["reopen_ms"],
        verdict(reopen <= 500.0)
    );
    let switcher = num("switcher_ms_median");
    println!(
        "  shortcut -> switcher painted: median {switcher:.0} ms {}; budget <= 250 ms: {}",
        v["switcher_ms"],
        verdict(switcher <= 250.0)
    );
    let (open, floor) = (num("open_pss_mib"), num("floor_pss_mib"));
    println!(
        "  window open: {open:.0} MiB PSS {}; the empty-window floor {floor:.0} MiB {} (measured alone); {:.2}x, budget <= 1.10x: {}",
        v["open_processes"],
        v["floor_processes"],
        open / floor,
        verdict(open / floor <= 1.10)
    );
    // The floor is one process with its WebKit processes; Lanyard's open window is the same
    // plus the tray process, which stays when the window closes. Printed for comparison.
    let tray: f64 = v["open_processes"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| k.starts_with("lanyard-tray"))
                .filter_map(|(_, v)| v.as_f64())
                .sum()
        })
        .unwrap_or(0.0);
    println!(
        "  the window's own processes (without the tray process, {tray:.0} MiB): {:.0} MiB, {:.2}x the floor\n",
        open - tray,
        (open - tray) / floor
    );
    Ok(())
}

/// Issue #16: the compressed workday at the lifetimes (tests/e2e/bench_workday.py; the
/// short day runs in `./dev test`). The script asserts each step; this prints what it measured.
fn workday() -> anyhow::Result<()> {
    let v = e2e_script("bench_workday.py")?;
    let num = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    println!(
        "workday (release build, Xvfb, tray host; lifetimes and durations in s: {})",
        v["day"]
    );
    println!(
        "  network gone -> tray says offline: {} s (noticed at the next refresh turn, every 60 s)",
        v["offline_shown_after_s"]
    );
    println!(
        "  network back -> signed in again by itself: {} s; within one 30 s check: {}",
        v["back_after_s"],
        verdict(
            v["back_after_s"]
                .as_array()
                .is_some_and(|a| a.iter().all(|x| x.as_f64().is_some_and(|s| s <= 30.0)))
        )
    );
    println!(
        "  woken after a sleep longer than a token -> renewed: {:.1} s; within one check: {}",
        num("renewed_after_wake_s"),
        verdict(num("renewed_after_wake_s") <= 30.0)
    );
    println!(
        "  portal session over -> tray says expired: {} s (refused at the next refresh turn, then the last access token runs out); sign-in again from the tray: {} s",
        v["expired_shown_after_session_end_s"], v["signed_in_again_s"]
    );
    println!("  notifications, each once: {}", v["notifications"]);
    let growth = num("pss_growth");
    println!(
        "  PSS after every kind of work once {:.1} MiB, at the end {:.1} MiB: {growth:.3}x; budget <= 1.05x: {}\n",
        num("pss_after_first_round_kib") / 1024.0,
        num("pss_end_kib") / 1024.0,
        verdict(growth <= 1.05)
    );
    Ok(())
}

/// Issue #7: the quick switcher over 5,000 profiles, the real one (native GTK in `lanyard-tray`
/// on Linux since issue #16; the issue asks for "fast"; a frame, 16 ms, is the bar printed).
fn switcher() -> anyhow::Result<()> {
    let v = e2e_script("bench_switcher.py")?;
    let num = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    println!(
        "switcher-5000 (the real switcher, release build, {} entries)",
        v["entries"]
    );
    println!(
        "  global shortcut -> switcher window on screen: {:.0} ms",
        num("shortcut_to_window_ms")
    );
    println!(
        "  keystroke -> filtered rows painted: median {:.1} ms, max {:.1} ms over {} keystrokes; within a 60 Hz frame (16.7 ms): {}\n",
        num("median_ms"),
        num("max_ms"),
        v["keystrokes"],
        if num("max_ms") <= 16.7 { "yes" } else { "no" }
    );
    Ok(())
}

/// Issue #5: time for the real window to show 3,000 cached accounts on a second start (target
/// < 100 ms), measured in the page by tests/e2e/bench_render.py under Xvfb + tauri-driver.
fn accounts_render() -> anyhow::Result<()> {
    let v = e2e_script("bench_render.py")?;
    let median = v["median_ms"].as_f64().unwrap_or(f64::NAN);
    println!("accounts-render-3000 (real window, release build, cached list of 3,000 accounts)");
    println!(
        "  first visit after start: {:.0} ms",
        v["first_ms"].as_f64().unwrap_or(f64::NAN)
    );
    println!(
        "  click Accounts & Profiles -> count and first rows rendered: median {median:.0} ms, max {:.0} ms over {} visits",
        v["max_ms"].as_f64().unwrap_or(f64::NAN),
        v["runs"].as_array().map_or(0, Vec::len)
    );
    let first = v["first_ms"].as_f64().unwrap_or(f64::NAN);
    let verdict = |ms: f64| if ms < 100.0 { "met" } else { "NOT met" };
    println!(
        "  target < 100 ms: first visit after start {}, later visits {}\n",
        verdict(first),
        verdict(median)
    );
    Ok(())
}

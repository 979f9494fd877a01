//! `bench`: Lanyard's benchmarks. Each section runs Lanyard and, where there is one, the peer tool
//! on the same emulator world in one invocation and prints both figures and their ratio. Targets
//! are reported, never asserted: benchmarks are not tests.

use std::time::{Duration, Instant};

use clap::Parser;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use lanyard_emulator::{Config, Emulator, Generated, World};

#[derive(Parser)]
#[command(name = "bench", about = "Lanyard benchmarks against the local emulator")]
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
    println!("Lanyard benchmarks ({} cores)\n", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    if want("emulator-portal-throughput") {
        emulator_portal_throughput(&args).await?;
    }
    Ok(())
}

/// How many portal requests per second the emulator answers with no latency or rate limit
/// (issue #3 target: at least 2,000/s on 2 cores), client and server on the same machine.
async fn emulator_portal_throughput(args: &Args) -> anyhow::Result<()> {
    let mut cfg = Config::new(World::generated(Generated { accounts: 300, roles_per_account: 3, repos_per_account: 0 }));
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
                let req = hyper::Request::get(url.clone()).header("x-amz-sso_bearer_token", &token).body(Empty::new()).expect("request");
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
    println!("  ListAccounts (100 accounts/page), {} connections: {total} requests in {:.1}s = {rate:.0} req/s", args.connections, started.elapsed().as_secs_f64());
    println!("  target >= 2000 req/s: {}\n", if rate >= 2000.0 { "met" } else { "NOT met" });
    Ok(())
}

/// Device-code sign-in against an auto-approving emulator; returns the access token.
async fn sign_in(emu: &Emulator) -> anyhow::Result<String> {
    let post = |path: &str, body: serde_json::Value| {
        let url = format!("{}{path}", emu.http_url);
        async move {
            let client: Client<_, http_body_util::Full<bytes::Bytes>> = Client::builder(TokioExecutor::new()).build_http();
            let req = hyper::Request::post(url).header("content-type", "application/json").body(http_body_util::Full::new(body.to_string().into()))?;
            let resp = client.request(req).await?;
            let bytes = resp.into_body().collect().await?.to_bytes();
            anyhow::Ok(serde_json::from_slice::<serde_json::Value>(&bytes)?)
        }
    };
    let reg = post("/client/register", serde_json::json!({"clientName": "bench", "clientType": "public"})).await?;
    let (id, secret) = (reg["clientId"].as_str().unwrap_or_default().to_owned(), reg["clientSecret"].as_str().unwrap_or_default().to_owned());
    let start_url = emu.app.state.world.instances[0].start_url.clone();
    let dev = post("/device_authorization", serde_json::json!({"clientId": id, "clientSecret": secret, "startUrl": start_url})).await?;
    let tok = post(
        "/token",
        serde_json::json!({"clientId": id, "clientSecret": secret, "grantType": "urn:ietf:params:oauth:grant-type:device_code", "deviceCode": dev["deviceCode"]}),
    )
    .await?;
    tok["accessToken"].as_str().map(str::to_owned).ok_or_else(|| anyhow::anyhow!("no token: {tok}"))
}

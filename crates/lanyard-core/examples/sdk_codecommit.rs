//! A foreign client for the end-to-end tests: the AWS SDK for Rust, configured only through its
//! documented settings, lists CodeCommit repositories `ROUNDS` times, `PAUSE_MS` apart, with one
//! client (so credentials rotate underneath it). PROFILE `-` means the default chain (the
//! environment, the container endpoint). Prints `{"rounds": N, "repositories": M}`.

use aws_config::BehaviorVersion;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let profile = args
        .next()
        .expect("usage: sdk_codecommit PROFILE|- ROUNDS PAUSE_MS");
    let rounds: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let pause: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(0);
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if profile != "-" {
        loader = loader.profile_name(&profile);
    }
    let client = aws_sdk_codecommit::Client::new(&loader.load().await);
    let mut seen = 0;
    for round in 0..rounds {
        match client.list_repositories().send().await {
            Ok(out) => seen = out.repositories().len(),
            Err(e) => {
                eprintln!("round {round}: {}", chain(&e));
                std::process::exit(1);
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
    }
    println!("{{\"rounds\": {rounds}, \"repositories\": {seen}}}");
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(x) = src {
        s.push_str(&format!(": {x}"));
        src = x.source();
    }
    s
}

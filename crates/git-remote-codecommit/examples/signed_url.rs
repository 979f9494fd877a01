//! Test aid: reads JSON lines `{"host","repo","region","key","secret","token","ts"}` and prints the
//! signed URL the Python helper's `git_url()` would build for each, from the same code the helper
//! signs with. Used by tests/e2e to compare both over many random inputs; it only ever sees fake
//! credentials.

use std::io::BufRead;

fn main() {
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let v: serde_json::Value = serde_json::from_str(&line).expect("a JSON object per line");
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
        let host =
            lanyard_core::codecommit::url::git_host(&s("region"), v["endpoint"].as_str(), false);
        let token = v["token"].as_str().filter(|t| !t.is_empty());
        println!(
            "{}",
            lanyard_core::codecommit::url::signed_url(
                &host,
                &s("repo"),
                &s("region"),
                &s("key"),
                &s("secret"),
                token,
                &s("ts")
            )
        );
    }
}

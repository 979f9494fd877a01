//! A foreign reader for the end-to-end tests: the AWS SDK for Rust's own credential chain
//! (SSO provider, token cache, refresh) resolving a profile, with no Lanyard code involved.
//! Prints `{"accessKeyIdPrefix": "ASIA", "length": 20}` — never the credentials themselves.

use aws_config::BehaviorVersion;
use aws_credential_types::provider::ProvideCredentials;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let profile = std::env::args()
        .nth(1)
        .expect("usage: sdk_credentials PROFILE");
    let config = aws_config::defaults(BehaviorVersion::latest())
        .profile_name(&profile)
        .load()
        .await;
    let provider = config
        .credentials_provider()
        .expect("a credentials provider");
    match provider.provide_credentials().await {
        Ok(c) => println!(
            "{{\"accessKeyIdPrefix\": \"{}\", \"length\": {}}}",
            &c.access_key_id()[..4],
            c.access_key_id().len()
        ),
        Err(e) => {
            eprintln!("credentials for {profile}: {}", aws_smithy_types_error(&e));
            std::process::exit(1);
        }
    }
}

fn aws_smithy_types_error(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(x) = src {
        s.push_str(&format!(": {x}"));
        src = x.source();
    }
    s
}

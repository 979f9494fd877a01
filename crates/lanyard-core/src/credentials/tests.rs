use std::path::Path;

use super::*;

fn creds(token: bool, expiry: bool) -> Credentials {
    Credentials {
        access_key_id: "access_key".into(),
        secret_access_key: Secret::new("secret_key"),
        session_token: token.then(|| Secret::new("token")),
        expires_at: expiry.then_some(time::macros::datetime!(2023-01-01 00:00:00 UTC)),
        account_id: Some("123456789012".into()),
    }
}

fn out(c: &Credentials, f: Format) -> String {
    render(c, f, "p").unwrap().expose().to_owned()
}

// The expected strings of the CLI's own tests
// (tests/unit/customizations/configure/test_exportcreds.py:51-125), with the expiry as the CLI
// prints a real one: `isoformat()`, so `+00:00` (PROTOCOL.md §10.2).
#[test]
fn env_formats_match_the_cli_byte_for_byte() {
    let all = creds(true, true);
    assert_eq!(
        out(&all, Format::Env),
        "export AWS_ACCESS_KEY_ID=access_key\nexport AWS_SECRET_ACCESS_KEY=secret_key\nexport AWS_SESSION_TOKEN=token\nexport AWS_CREDENTIAL_EXPIRATION=2023-01-01T00:00:00+00:00\n"
    );
    assert_eq!(
        out(&all, Format::EnvNoExport),
        "AWS_ACCESS_KEY_ID=access_key\nAWS_SECRET_ACCESS_KEY=secret_key\nAWS_SESSION_TOKEN=token\nAWS_CREDENTIAL_EXPIRATION=2023-01-01T00:00:00+00:00\n"
    );
    assert_eq!(
        out(&all, Format::Powershell),
        "$Env:AWS_ACCESS_KEY_ID=\"access_key\"\n$Env:AWS_SECRET_ACCESS_KEY=\"secret_key\"\n$Env:AWS_SESSION_TOKEN=\"token\"\n$Env:AWS_CREDENTIAL_EXPIRATION=\"2023-01-01T00:00:00+00:00\"\n"
    );
    assert_eq!(
        out(&all, Format::WindowsCmd),
        "set AWS_ACCESS_KEY_ID=access_key\nset AWS_SECRET_ACCESS_KEY=secret_key\nset AWS_SESSION_TOKEN=token\nset AWS_CREDENTIAL_EXPIRATION=2023-01-01T00:00:00+00:00\n"
    );
    assert_eq!(
        out(&all, Format::Fish),
        "set -gx AWS_ACCESS_KEY_ID \"access_key\"\nset -gx AWS_SECRET_ACCESS_KEY \"secret_key\"\nset -gx AWS_SESSION_TOKEN \"token\"\nset -gx AWS_CREDENTIAL_EXPIRATION \"2023-01-01T00:00:00+00:00\"\n"
    );
    // Long-term keys: no token line, no expiry line.
    assert_eq!(
        out(&creds(false, false), Format::Env),
        "export AWS_ACCESS_KEY_ID=access_key\nexport AWS_SECRET_ACCESS_KEY=secret_key\n"
    );
}

#[test]
fn process_format_is_the_clis_indented_json() {
    assert_eq!(
        out(&creds(true, true), Format::Process),
        "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"access_key\",\n  \"SecretAccessKey\": \"secret_key\",\n  \"SessionToken\": \"token\",\n  \"Expiration\": \"2023-01-01T00:00:00+00:00\"\n}\n"
    );
    assert_eq!(
        out(&creds(false, false), Format::Process),
        "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"access_key\",\n  \"SecretAccessKey\": \"secret_key\"\n}\n"
    );
    let v: serde_json::Value =
        serde_json::from_str(&out(&creds(true, true), Format::Process)).unwrap();
    assert!(v.get("AccountId").is_none(), "the CLI never prints it");
}

#[test]
fn a_value_that_would_break_its_line_is_refused() {
    let mut c = creds(true, true);
    c.session_token = Some(Secret::new("tok\nexport EVIL=1"));
    let e = render(&c, Format::Env, "dev").unwrap_err().to_string();
    assert!(
        e.contains("profile dev") && e.contains("AWS_SESSION_TOKEN"),
        "{e}"
    );
    assert!(!e.contains("EVIL"), "the value itself is not echoed: {e}");
}

const CONFIG: &str = "\
[default]
region = eu-west-1

[sso-session acme]
sso_start_url = https://acme.awsapps.com/start
sso_region = us-east-1

[profile dev]
sso_session = acme
sso_account_id = 111111111111
sso_role_name = Dev
region = eu-central-1

[profile legacy]
sso_start_url = https://old.awsapps.com/start
sso_region = us-east-1
sso_account_id = 222222222222
sso_role_name = Admin

[profile console]
login_session = arn:aws:sts::012345678910:assumed-role/Admin/admin
region = us-east-1

[profile chained]
role_arn = arn:aws:iam::333333333333:role/Deploy
source_profile = dev

[profile half]
sso_session = acme
sso_account_id = 111111111111

[profile proc]
credential_process = lanyard export-credentials --profile dev --format process

[profile loop-a]
credential_process = \"/opt/lanyard\" export-credentials --profile loop-b
[profile loop-b]
credential_process = lanyard export-credentials --profile=loop-a
";

#[test]
fn profiles_are_classified_like_the_sdks() {
    let p = Path::new("/c");
    let dev = profile_spec(CONFIG, p, "dev").unwrap();
    assert_eq!(
        dev.kind,
        ProfileKind::Sso {
            account_id: "111111111111".into(),
            role_name: "Dev".into(),
            source: SsoSource::Session("acme".into())
        }
    );
    assert_eq!(dev.region.as_deref(), Some("eu-central-1"));
    assert!(matches!(
        profile_spec(CONFIG, p, "legacy").unwrap().kind,
        ProfileKind::Sso {
            source: SsoSource::StartUrl(_),
            ..
        }
    ));
    assert!(matches!(
        profile_spec(CONFIG, p, "console").unwrap().kind,
        ProfileKind::LoginSession(_)
    ));
    assert_eq!(
        profile_spec(CONFIG, p, "chained").unwrap().kind,
        ProfileKind::Sdk
    );
    assert_eq!(
        profile_spec(CONFIG, p, "default")
            .unwrap()
            .region
            .as_deref(),
        Some("eu-west-1")
    );
    let e = profile_spec(CONFIG, p, "half").unwrap_err().to_string();
    assert!(e.contains("sso_role_name"), "{e}");
    let e = profile_spec(CONFIG, p, "nope").unwrap_err().to_string();
    assert!(
        e.contains("profile nope") && e.contains("/c") && e.contains("dev, legacy"),
        "{e}"
    );
}

#[test]
fn process_chains_that_loop_or_run_deep_are_refused() {
    check_process_chain(CONFIG, "proc", "").unwrap();
    check_process_chain(CONFIG, "dev", "a,b").unwrap();
    let e = check_process_chain(CONFIG, "loop-a", "")
        .unwrap_err()
        .to_string();
    assert!(e.contains("loop-a -> loop-b -> loop-a"), "{e}");
    // The CLI's guard variable names the profiles above this process.
    let e = check_process_chain(CONFIG, "dev", "x,dev")
        .unwrap_err()
        .to_string();
    assert!(e.contains("x -> dev -> dev"), "{e}");
    let e = check_process_chain(CONFIG, "proc", "a,b,c")
        .unwrap_err()
        .to_string();
    assert!(e.contains("more than 4"), "{e}");
}

#[test]
fn the_fast_path_uses_the_cli_cache_while_fifteen_minutes_remain() {
    let d = tempfile::tempdir().unwrap();
    let paths = crate::Paths::sandboxed(d.path());
    let spec = profile_spec(CONFIG, Path::new("/c"), "dev").unwrap();
    let now = time::macros::datetime!(2023-01-01 00:00:00 UTC);
    assert!(cached(&paths, &spec, now).is_none(), "nothing cached yet");
    let file = cli_cache::path(
        &paths.cli_cache_dir,
        "111111111111",
        "Dev",
        &SsoSource::Session("acme".into()),
    );
    let mut c = creds(true, false);
    c.expires_at = Some(now + time::Duration::minutes(15));
    cli_cache::write(&file, &c).unwrap();
    assert_eq!(
        cached(&paths, &spec, now).unwrap().access_key_id,
        "access_key"
    );
    assert!(
        cached(&paths, &spec, now + time::Duration::seconds(1)).is_none(),
        "less than 15 minutes left: fetch again"
    );
    let console = profile_spec(CONFIG, Path::new("/c"), "console").unwrap();
    assert!(cached(&paths, &console, now).is_none());
}

#[test]
fn exec_gives_the_child_one_source_of_credentials() {
    let env = child_env(&creds(true, true), "dev", Some("eu-central-1"));
    let names: Vec<&str> = env.set.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        names,
        [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_CREDENTIAL_EXPIRATION",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "LANYARD_PROFILE"
        ]
    );
    for k in [
        "AWS_PROFILE",
        "AWS_SECURITY_TOKEN",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ] {
        assert!(env.remove.contains(&k), "{k}");
    }
    // Whatever is set is set after clearing, so nothing set is also removed for good.
    let server = child_env_server("http://127.0.0.1:1/", &Secret::new("t"), "dev", None);
    assert_eq!(server.set[0].0, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
}

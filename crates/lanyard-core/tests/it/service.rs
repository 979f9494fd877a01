//! The service the fronts share: one limiter per identity, one role-credential cache behind
//! scans and credentials, profiles only after a discovery, endpoints started and stopped.

use std::sync::Arc;

use lanyard_core::codecommit::InventoryOptions;
use lanyard_core::credentials::profile_spec;
use lanyard_core::sso::{self, LoginOptions};
use lanyard_core::{Error, Lanyard};

use crate::support::{Env, Person, acme, device_login, env, requests};

async fn signed_in(env: &Env) {
    sso::identity::save(&env.ctx.paths, &acme("acme")).unwrap();
    device_login(
        env,
        &acme("acme"),
        Person::approving("alice"),
        LoginOptions::default(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn credentials_reuse_what_a_scan_fetched_through_the_same_limiter() {
    let env = env().await;
    signed_in(&env).await;
    let svc = Lanyard::new(env.ctx.clone());
    assert!(Arc::ptr_eq(&svc.limiter("acme"), &svc.limiter("acme")));
    assert!(!Arc::ptr_eq(&svc.limiter("acme"), &svc.limiter("other")));

    let identity = svc.identity("acme").unwrap();
    let inv = svc
        .scan_repositories(
            &identity,
            InventoryOptions::new(vec!["us-east-1".into()]),
            &|_| {},
        )
        .await
        .unwrap();
    let repo = inv.repositories.first().expect("alice sees repositories");
    let config = std::fs::read_to_string(&env.ctx.paths.aws_config_file).unwrap()
        + &format!(
            "\n[profile picked]\nsso_session = acme\nsso_account_id = {}\nsso_role_name = {}\n",
            repo.account_id, repo.role_name
        );
    std::fs::write(&env.ctx.paths.aws_config_file, &config).unwrap();
    let spec = profile_spec(&config, &env.ctx.paths.aws_config_file, "picked").unwrap();

    let before = requests(&env, "GetRoleCredentials");
    let c = svc.credentials(&spec).await.unwrap();
    assert_eq!(
        requests(&env, "GetRoleCredentials"),
        before,
        "the scan's role credentials are served, not fetched again"
    );
    assert_eq!(c.account_id.as_deref(), Some(repo.account_id.as_str()));
    // ...and written to the AWS CLI's cache for the next process.
    let files = std::fs::read_dir(&env.ctx.paths.cli_cache_dir)
        .unwrap()
        .count();
    assert_eq!(files, 1);
}

#[tokio::test]
async fn profiles_are_written_only_after_a_discovery() {
    let env = env().await;
    signed_in(&env).await;
    let svc = Lanyard::new(env.ctx.clone());
    let before = std::fs::read(&env.ctx.paths.aws_config_file).unwrap();
    let settings = lanyard_core::profiles::load_settings(&env.ctx.paths, "acme");
    let e = svc.apply_profiles("acme", &settings).unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput { reason, .. } if reason.contains("discover the accounts of acme")),
        "{e}"
    );
    assert_eq!(
        std::fs::read(&env.ctx.paths.aws_config_file).unwrap(),
        before
    );

    let identity = svc.identity("acme").unwrap();
    svc.discover(&identity, &|_, _| {}).await.unwrap();
    let plan = svc.plan_profiles("acme", &settings).unwrap();
    assert!(!plan.profiles.is_empty());
    svc.apply_profiles("acme", &settings).unwrap();
    let text = std::fs::read_to_string(&env.ctx.paths.aws_config_file).unwrap();
    assert!(text.contains(&format!("[profile {}]", plan.profiles[0].name)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_serves_its_profile_until_stopped() {
    let env = env().await;
    signed_in(&env).await;
    let svc = Arc::new(Lanyard::new(env.ctx.clone()));
    let identity = svc.identity("acme").unwrap();
    let list = svc.discover(&identity, &|_, _| {}).await.unwrap();
    let config = std::fs::read_to_string(&env.ctx.paths.aws_config_file).unwrap()
        + &format!(
            "\n[profile served]\nsso_session = acme\nsso_account_id = {}\nsso_role_name = {}\n",
            list[0].account_id, list[0].roles[0]
        );
    std::fs::write(&env.ctx.paths.aws_config_file, &config).unwrap();
    let spec = profile_spec(&config, &env.ctx.paths.aws_config_file, "served").unwrap();

    let (info, token) = svc.serve_profile(&spec, 0).await.unwrap();
    assert_eq!(svc.serving(), vec![info.clone()]);
    let (again, same) = svc.serve_profile(&spec, 0).await.unwrap();
    assert_eq!((again, same.expose()), (info.clone(), token.expose()));

    let addr = info.url.trim_start_matches("http://").trim_end_matches('/');
    let get = |auth: &str| {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(addr)?;
        write!(
            s,
            "GET / HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {auth}\r\nConnection: close\r\n\r\n"
        )?;
        let mut out = String::new();
        s.read_to_string(&mut out)?;
        Ok::<_, std::io::Error>(out)
    };
    let ok = tokio::task::block_in_place(|| get(token.expose())).unwrap();
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(ok.contains("\"AccessKeyId\""));
    let refused = tokio::task::block_in_place(|| get("wrong")).unwrap();
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");

    assert!(svc.stop_serving("served"));
    assert!(!svc.stop_serving("served"));
    assert!(svc.serving().is_empty());
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        tokio::task::block_in_place(|| get(token.expose())).is_err(),
        "nothing listens once stopped"
    );
}

/// Removing an identity leaves nothing of it behind: no block in the config (its profiles
/// included), no token, keyring item, registration, accounts or repository cache; and an orphan
/// profiles block an older version left is still removed by offboarding.
#[tokio::test]
async fn removing_an_identity_takes_everything_of_it_and_offboarding_takes_orphans() {
    let env = env().await;
    signed_in(&env).await;
    let svc = Lanyard::new(env.ctx.clone());
    let identity = svc.identity("acme").unwrap();
    svc.discover(&identity, &|_, _| {}).await.unwrap();
    svc.apply_profiles("acme", &Default::default()).unwrap();
    svc.scan_repositories(
        &identity,
        InventoryOptions::new(vec!["us-east-1".into()]),
        &|_| {},
    )
    .await
    .unwrap();
    let paths = env.ctx.paths.clone();
    let mine = "# mine\n[profile mine]\nregion = eu-west-1\n";
    let config = std::fs::read_to_string(&paths.aws_config_file).unwrap();
    std::fs::write(&paths.aws_config_file, format!("{mine}{config}")).unwrap();
    let files_under = |d: &std::path::Path| -> Vec<std::path::PathBuf> {
        std::fs::read_dir(d)
            .map(|r| {
                r.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.is_file())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(!files_under(&paths.sso_cache_dir).is_empty());
    assert!(!env.secrets.keys().is_empty());

    svc.remove_identity(&identity).await.unwrap();
    assert_eq!(
        std::fs::read_to_string(&paths.aws_config_file).unwrap(),
        mine,
        "its sso-session and profiles blocks went, the user's bytes stayed"
    );
    assert!(env.secrets.keys().is_empty(), "{:?}", env.secrets.keys());
    assert_eq!(
        files_under(&paths.sso_cache_dir),
        Vec::<std::path::PathBuf>::new()
    );
    assert!(!lanyard_core::accounts::cache_path(&env.ctx, "acme").exists());
    assert!(!lanyard_core::codecommit::inventory::cache_path(&env.ctx, "acme").exists());

    // A profiles block whose identity was removed by hand: offboarding still takes it.
    let orphan = lanyard_core::aws_config::upsert_block(
        mine,
        &lanyard_core::profiles::block_id("gone"),
        "[profile gone-dev]\nsso_session = gone\nsso_account_id = 1\nsso_role_name = Dev\n",
    );
    std::fs::write(&paths.aws_config_file, &orphan).unwrap();
    let report = svc.offboard(false).await.unwrap();
    assert!(
        report.removed.contains(&"profile gone-dev".to_owned()),
        "{report:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&paths.aws_config_file).unwrap(),
        mine
    );
}

#[tokio::test]
async fn a_pull_request_check_says_whether_the_inbox_changed_and_writes_only_then() {
    use lanyard_core::codecommit::prs::{self, Concern};
    let env = env().await;
    signed_in(&env).await;
    let svc = Lanyard::new(env.ctx.clone());
    let identity = svc.identity("acme").unwrap();
    svc.scan_repositories(
        &identity,
        InventoryOptions::new(vec!["us-east-1".into()]),
        &|_| {},
    )
    .await
    .unwrap();

    let (inbox, stats) = svc.pull_requests(&identity).await.unwrap();
    assert!(stats.changed, "the first check fills the cache");
    let file = prs::cache_path(&env.ctx, "acme");
    let long_ago = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    let set_mtime = || {
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(long_ago)
            .unwrap()
    };
    set_mtime();

    // A background round with nothing new: unchanged, and the file is not rewritten.
    let (_, stats) = svc
        .pull_requests_in_background(&identity, 0)
        .await
        .unwrap()
        .expect("scanned");
    assert!(!stats.changed);
    assert_eq!(
        std::fs::metadata(&file).unwrap().modified().unwrap(),
        long_ago
    );

    // An approval is news: changed, and written.
    let waiting = inbox
        .pull_requests
        .iter()
        .find(|p| p.concern == Concern::Awaiting)
        .expect("bob's pull request awaits alice");
    svc.approve_pull_request(waiting, false).await.unwrap();
    let (_, stats) = svc
        .pull_requests_in_background(&identity, 1)
        .await
        .unwrap()
        .expect("scanned");
    assert!(stats.changed);
    assert_ne!(
        std::fs::metadata(&file).unwrap().modified().unwrap(),
        long_ago
    );
}

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use lanyard_core::accounts::{self, RateLimiter};
use lanyard_core::codecommit::{
    self, CloneRequest, InventoryOptions, RoleCredentialsCache, clone, inventory,
};
use lanyard_core::sso::{self, LoginMethod, LoginOptions, LoginStep, LoginUi};
use lanyard_core::{Error, ErrorCode};
use lanyard_emulator::{Config, World};
use tokio_util::sync::CancellationToken;

use crate::support::*;

/// Alice signed in to the demo world, with git pointed at the emulator's HTTPS listener.
async fn alice() -> (Env, Vec<accounts::AccountRoles>) {
    let mut c = Config::new(World::demo());
    c.knobs.portal_tps = 0.0;
    let mut env = env_with(c).await;
    env.ctx.endpoints.git_host = Some(
        env.emu
            .https_url
            .trim_start_matches("https://")
            .trim_end_matches('/')
            .to_owned(),
    );
    env.ctx.endpoints.git_ca_file = Some(env.emu.ca_file.clone());
    let state = env.emu.app.clone();
    let step = move |s: LoginStep| {
        if let LoginStep::DeviceCode { user_code, .. } = &s {
            state.state.decide_device(user_code, Some("alice")).unwrap();
        }
    };
    let ui = LoginUi {
        open: &|_| false,
        step: &step,
    };
    sso::login(
        &env.ctx,
        &acme("acme"),
        &LoginOptions {
            method: LoginMethod::DeviceCode,
            ..Default::default()
        },
        &ui,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    let list = accounts::discover(
        &env.ctx,
        &acme("acme"),
        Arc::new(RateLimiter::new(50.0)),
        &|_, _| {},
    )
    .await
    .unwrap();
    (env, list)
}

fn regions() -> Vec<String> {
    ["us-east-1", "eu-west-1", "us-west-2"]
        .map(String::from)
        .to_vec()
}

#[tokio::test]
async fn inventory_spans_accounts_and_regions_and_notes_quietly() {
    let (env, list) = alice().await;
    let events = Mutex::new(vec![]);
    let on = |e: &codecommit::InventoryEvent| events.lock().unwrap().push(e.clone());
    let creds = Arc::new(RoleCredentialsCache::default());
    let inv = inventory::scan(
        &env.ctx,
        &acme("acme"),
        &list,
        Arc::new(RateLimiter::new(50.0)),
        creds.clone(),
        InventoryOptions::new(regions()),
        &on,
    )
    .await
    .unwrap();
    let names: Vec<(&str, &str)> = inv
        .repositories
        .iter()
        .map(|r| (r.name.as_str(), r.region.as_str()))
        .collect();
    for want in [
        ("payments-api", "us-east-1"),
        ("ledger-service", "eu-west-1"),
        ("feature-flags", "us-west-2"),
        ("prod-runbooks", "us-east-1"),
        ("terraform-modules", "us-east-1"),
    ] {
        assert!(names.contains(&want), "{want:?} missing from {names:?}");
    }
    let pay = inv
        .repositories
        .iter()
        .find(|r| r.name == "payments-api")
        .unwrap();
    assert_eq!(
        (
            pay.account_name.as_str(),
            pay.role_name.as_str(),
            pay.default_branch.as_deref()
        ),
        ("acme-dev", "Developer", Some("main")),
        "the preferred role lists"
    );
    assert!(
        pay.last_modified
            .as_deref()
            .is_some_and(|t| t.ends_with('Z')),
        "{:?}",
        pay.last_modified
    );
    let ledger = inv
        .repositories
        .iter()
        .find(|r| r.name == "ledger-service")
        .unwrap();
    assert_eq!(
        ledger.description.as_deref(),
        Some("Double-entry ledger <EU data residency>"),
        "kept raw; the UI escapes it"
    );
    assert!(
        inv.notes.is_empty(),
        "alice can list everywhere she has a role: {:?}",
        inv.notes
    );
    let events = events.into_inner().unwrap();
    assert_eq!(
        events.len(),
        list.len(),
        "one event per account, as it finished"
    );
    assert_eq!(
        events.last().unwrap().progress.accounts_done as usize,
        list.len()
    );
    assert_eq!(
        inventory::cached(&env.ctx, "acme").unwrap(),
        inv,
        "cached for the next start"
    );

    // A second scan reuses the role credentials: no new GetRoleCredentials calls.
    let before = requests(&env, "GetRoleCredentials");
    inventory::scan(
        &env.ctx,
        &acme("acme"),
        &list,
        Arc::new(RateLimiter::new(50.0)),
        creds,
        InventoryOptions::new(vec!["us-east-1".into()]),
        &|_| {},
    )
    .await
    .unwrap();
    let after = requests(&env, "GetRoleCredentials");
    assert_eq!(
        before, after,
        "credentials cached in memory until near expiry"
    );
}

#[tokio::test]
async fn accounts_without_a_codecommit_role_become_notes() {
    let (env, mut list) = alice().await;
    // Only Billing in acme-management: listing is denied, which is a note, not an error.
    let mgmt = list
        .iter_mut()
        .find(|a| a.account_id == "111111111111")
        .unwrap();
    mgmt.roles = vec!["Billing".into()];
    let inv = inventory::scan(
        &env.ctx,
        &acme("acme"),
        &list,
        Arc::new(RateLimiter::new(50.0)),
        Arc::default(),
        InventoryOptions::new(regions()),
        &|_| {},
    )
    .await
    .unwrap();
    let note = inv
        .notes
        .iter()
        .find(|n| n.account_id == "111111111111")
        .expect("a note for the Billing-only account");
    assert_eq!(note.kind, inventory::NoteKind::AccessDenied);
    assert!(note.detail.contains("Billing"), "{}", note.detail);
    assert!(
        inv.repositories.iter().any(|r| r.name == "payments-api"),
        "other accounts still listed"
    );
    let bad = inventory::scan(
        &env.ctx,
        &acme("acme"),
        &list,
        Arc::new(RateLimiter::new(50.0)),
        Arc::default(),
        InventoryOptions::new(vec!["xx-mars-1".into()]),
        &|_| {},
    )
    .await
    .unwrap_err();
    assert_eq!(bad.code(), ErrorCode::InvalidInput, "{bad}");
}

fn request(repo: &str, role: &str, dest: Option<String>) -> CloneRequest {
    CloneRequest {
        session: "acme".into(),
        account_id: "222222222222".into(),
        account_name: "acme-dev".into(),
        role_name: role.into(),
        region: "us-east-1".into(),
        repository: repo.into(),
        dest,
    }
}

#[tokio::test]
async fn clone_with_progress_sets_a_codecommit_remote_and_writes_its_profile() {
    let (env, list) = alice().await;
    let dev = list
        .iter()
        .find(|a| a.account_id == "222222222222")
        .unwrap();
    let root = env.ctx.paths.home.join("src");
    let seen = Arc::new(Mutex::new(vec![]));
    let s = seen.clone();
    let on = Arc::new(move |p: &codecommit::CloneProgress| s.lock().unwrap().push(p.clone()));
    let report = clone::clone(
        &env.ctx,
        &acme("acme"),
        &request("payments-api", "Developer", None),
        dev,
        &root,
        &RoleCredentialsCache::default(),
        &RateLimiter::new(50.0),
        on,
        Arc::default(),
    )
    .await
    .unwrap();
    let path = root.join("acme-dev").join("payments-api");
    assert_eq!(report.path, path.display().to_string());
    assert_eq!(
        report.remote_url,
        format!("codecommit::us-east-1://{}@payments-api", report.profile)
    );
    assert_eq!(
        report.profile, "acme-dev/Developer",
        "named by the identity's template"
    );
    assert!(report.profile_written);
    assert_eq!(report.branch.as_deref(), Some("main"));
    let repo = git2::Repository::open(&path).unwrap();
    assert_eq!(
        repo.find_remote("origin").unwrap().url(),
        Some(report.remote_url.as_str())
    );
    let commits = {
        let mut w = repo.revwalk().unwrap();
        w.push_head().unwrap();
        w.count()
    };
    assert_eq!(commits, 24, "the whole history");
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.iter()
            .any(|p| p.total_objects > 0 && p.received_bytes > 0),
        "objects and bytes reported"
    );
    assert_eq!(seen.last().unwrap().percent, 100);
    let config = std::fs::read_to_string(&env.ctx.paths.aws_config_file).unwrap();
    assert!(
        config.contains("[profile acme-dev/Developer]") && !config.contains("acme-prod/"),
        "only the profile the remote needs:\n{config}"
    );
    assert_eq!(clone::recent(&env.ctx.paths)[0].path, report.path);

    // The same destination again is refused, and nothing there is touched.
    let again = clone::clone(
        &env.ctx,
        &acme("acme"),
        &request("payments-api", "Developer", None),
        dev,
        &root,
        &RoleCredentialsCache::default(),
        &RateLimiter::new(50.0),
        Arc::new(|_: &codecommit::CloneProgress| {}),
        Arc::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(again, Error::DestinationExists { .. }), "{again}");
    assert!(path.join(".git").exists());
}

#[tokio::test]
async fn cancel_and_refusals_leave_nothing_behind() {
    let (env, list) = alice().await;
    let dev = list
        .iter()
        .find(|a| a.account_id == "222222222222")
        .unwrap();
    let root = env.ctx.paths.home.join("src");
    let cancel = Arc::new(AtomicBool::new(false));
    let c = cancel.clone();
    let on = Arc::new(move |p: &codecommit::CloneProgress| {
        if p.received_objects > 0 {
            c.store(true, Ordering::Relaxed);
        }
    });
    let err = clone::clone(
        &env.ctx,
        &acme("acme"),
        &request("payments-api", "Developer", None),
        dev,
        &root,
        &RoleCredentialsCache::default(),
        &RateLimiter::new(50.0),
        on,
        cancel,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Cancelled, "{err}");
    assert!(
        !root.join("acme-dev/payments-api").exists(),
        "the half-made clone is removed"
    );

    let missing = clone::clone(
        &env.ctx,
        &acme("acme"),
        &request("no-such-repo", "Developer", None),
        dev,
        &root,
        &RoleCredentialsCache::default(),
        &RateLimiter::new(50.0),
        Arc::new(|_: &codecommit::CloneProgress| {}),
        Arc::default(),
    )
    .await
    .unwrap_err();
    assert!(
        missing
            .to_string()
            .contains("no-such-repo was not found in us-east-1"),
        "{missing}"
    );
    let bad = clone::clone(
        &env.ctx,
        &acme("acme"),
        &request("../etc", "Developer", None),
        dev,
        &root,
        &RoleCredentialsCache::default(),
        &RateLimiter::new(50.0),
        Arc::new(|_: &codecommit::CloneProgress| {}),
        Arc::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(bad.code(), ErrorCode::InvalidInput, "{bad}");
    assert!(!root.join("acme-dev").join("no-such-repo").exists());

    // A role without GitPull: a clear 403, and no profile is written for a clone that failed.
    let mgmt = list
        .iter()
        .find(|a| a.account_id == "111111111111")
        .unwrap();
    let mut req = request("payments-api", "Billing", None);
    req.account_id = mgmt.account_id.clone();
    req.account_name = mgmt.account_name.clone();
    let denied = clone::clone(
        &env.ctx,
        &acme("acme"),
        &req,
        mgmt,
        &root,
        &RoleCredentialsCache::default(),
        &RateLimiter::new(50.0),
        Arc::new(|_: &codecommit::CloneProgress| {}),
        Arc::default(),
    )
    .await
    .unwrap_err();
    assert!(
        denied.to_string().contains("HTTP 403") && denied.to_string().contains("GitPull"),
        "{denied}"
    );
    let config = std::fs::read_to_string(&env.ctx.paths.aws_config_file).unwrap_or_default();
    assert!(!config.contains("Billing"), "{config}");
}

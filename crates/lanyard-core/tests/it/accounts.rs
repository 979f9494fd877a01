use std::sync::{Arc, Mutex};

use lanyard_core::Error;
use lanyard_core::accounts::{self, RateLimiter};
use lanyard_core::sso::{self, Identity, LoginMethod, LoginOptions, LoginStep, LoginUi};
use lanyard_emulator::{Config, Generated, World};
use tokio_util::sync::CancellationToken;

use crate::support::*;

fn large(session: &str) -> Identity {
    Identity {
        session: session.into(),
        start_url: "https://large.awsapps.com/start".into(),
        region: "us-east-1".into(),
        scopes: vec![],
        managed: true,
    }
}

async fn signed_in(config: Config, identity: &Identity) -> Env {
    let env = env_with(config).await;
    let state = env.emu.app.clone();
    let step = move |s: LoginStep| {
        if let LoginStep::DeviceCode { user_code, .. } = &s {
            state.state.decide_device(user_code, Some("")).unwrap();
        }
    };
    let ui = LoginUi {
        open: &|_| false,
        step: &step,
    };
    sso::login(
        &env.ctx,
        identity,
        &LoginOptions {
            method: LoginMethod::DeviceCode,
            ..Default::default()
        },
        &ui,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    env
}

#[tokio::test]
async fn discovers_every_account_through_throttling_and_faults() {
    let mut c = Config::new(World::generated(Generated {
        accounts: 150,
        roles_per_account: 3,
        repos_per_account: 0,
    }));
    c.knobs.portal_tps = 20.0;
    let id = large("large");
    let env = signed_in(c, &id).await;
    env.emu.app.realism.knobs.lock().unwrap().fault_rate = 0.05;
    let seen = Mutex::new(vec![]);
    let on = |a: &accounts::AccountRoles, p: &accounts::DiscoveryProgress| {
        seen.lock()
            .unwrap()
            .push((a.account_id.clone(), p.accounts_done))
    };
    let all = accounts::discover(&env.ctx, &id, Arc::new(RateLimiter::new(20.0)), &on)
        .await
        .unwrap();
    assert_eq!(all.len(), 150);
    assert!(
        all.iter()
            .all(|a| a.roles == ["AdministratorAccess", "Developer", "ReadOnly"])
    );
    assert_eq!(all[0].account_name, "account-0001");
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.len(), 150, "every account streamed as it arrived");
    assert_eq!(seen.last().unwrap().1, 150);
    let stats = env.emu.app.realism.stats.lock().unwrap();
    assert!(stats.faults > 0, "faults were injected and absorbed");
    // The limiter paces requests to the portal's rate, so throttling stays rare.
    assert!(
        stats.throttled * 20 <= stats.total,
        "throttled {} of {}",
        stats.throttled,
        stats.total
    );
    drop(stats);
    assert_eq!(
        accounts::cached(&env.ctx, "large").unwrap(),
        all,
        "persisted for the next start"
    );
}

#[tokio::test]
async fn an_ended_session_is_reported_not_reauthenticated() {
    let mut c = Config::new(World::generated(Generated {
        accounts: 5,
        roles_per_account: 1,
        repos_per_account: 0,
    }));
    c.knobs.portal_tps = 0.0;
    let id = large("large");
    let env = signed_in(c, &id).await;
    let token = sso::cache::read_token(&sso::cache::token_path(
        &env.ctx.paths.sso_cache_dir,
        "large",
    ))
    .unwrap()
    .unwrap();
    env.emu
        .app
        .state
        .logout(Some(token.access_token.expose()))
        .unwrap();
    let err = accounts::discover(&env.ctx, &id, Arc::new(RateLimiter::new(20.0)), &|_, _| {})
        .await
        .unwrap_err();
    // Discovery has no way to start a sign-in: that it never does is asserted where one could
    // start (ui/src/lib/views/AccountsView.test.ts, and the shell's refresher in state.rs).
    assert!(matches!(err, Error::SessionExpired { .. }), "{err}");
}

#[tokio::test]
async fn throttling_slows_the_limiter_and_never_refreshes_the_token() {
    // The portal allows 5 requests/s while the limiter starts at 20: the 429s must be absorbed.
    let mut c = Config::new(World::generated(Generated {
        accounts: 40,
        roles_per_account: 2,
        repos_per_account: 0,
    }));
    c.knobs.portal_tps = 5.0;
    let id = large("large");
    let env = signed_in(c, &id).await;
    let tokens_before = env
        .emu
        .app
        .realism
        .stats
        .lock()
        .unwrap()
        .requests
        .get("CreateToken")
        .copied();
    let limiter = Arc::new(RateLimiter::new(20.0));
    let all = accounts::discover(&env.ctx, &id, limiter.clone(), &|_, _| {})
        .await
        .unwrap();
    assert_eq!(all.len(), 40, "every account despite throttling");
    assert!(all.iter().all(|a| a.roles.len() == 2));
    let stats = env.emu.app.realism.stats.lock().unwrap();
    assert!(
        stats.throttled > 0 && limiter.throttled_count() > 0,
        "the portal throttled ({}) and the limiter saw it",
        stats.throttled
    );
    assert!(
        limiter.rate() < 20.0,
        "the limiter slowed down: {}",
        limiter.rate()
    );
    assert_eq!(
        stats.requests.get("CreateToken").copied(),
        tokens_before,
        "no token was fetched or refreshed because of a 429"
    );
}

/// The config is edited while offboarding waits for the server-side sign-out: the edit is kept
/// and Lanyard's own sections go (offboarding removes them from the file as it is then, under
/// the lock).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_made_while_offboarding_signs_out_is_kept() {
    let id = large("large");
    let env = signed_in(
        Config::new(World::generated(Generated {
            accounts: 3,
            roles_per_account: 1,
            repos_per_account: 0,
        })),
        &id,
    )
    .await;
    let paths = env.ctx.paths.clone();
    lanyard_core::sso::identity::save(&paths, &id).unwrap();
    let mine = "[profile mine]\nregion = eu-west-1\n";
    let config = std::fs::read_to_string(&paths.aws_config_file).unwrap();
    std::fs::write(&paths.aws_config_file, format!("{mine}{config}")).unwrap();
    // Every answer now takes a second: the edit lands while Logout is in flight.
    env.emu.app.realism.knobs.lock().unwrap().latency_ms = 1000;
    let ctx = env.ctx.clone();
    let offboarding =
        tokio::spawn(async move { lanyard_core::offboard::offboard(&ctx, false).await });
    let logout_seen = || {
        env.emu
            .app
            .realism
            .stats
            .lock()
            .unwrap()
            .requests
            .contains_key("Logout")
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !logout_seen() {
        assert!(std::time::Instant::now() < deadline, "no Logout request");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let added = "# added while signing out\n[profile later]\nregion = us-east-2\n";
    let now = std::fs::read_to_string(&paths.aws_config_file).unwrap();
    std::fs::write(&paths.aws_config_file, format!("{now}{added}")).unwrap();
    let report = offboarding.await.unwrap().unwrap();
    assert_eq!(report.signed_out, ["large"]);
    assert_eq!(
        std::fs::read_to_string(&paths.aws_config_file).unwrap(),
        format!("{mine}{added}"),
        "the user's sections, the one added meanwhile included, and nothing of Lanyard's"
    );
}

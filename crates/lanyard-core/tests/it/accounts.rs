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
    assert!(matches!(err, Error::SessionExpired { .. }), "{err}");
    assert_eq!(
        env.emu
            .app
            .realism
            .stats
            .lock()
            .unwrap()
            .requests
            .get("StartDeviceAuthorization"),
        Some(&1),
        "no new sign-in was started"
    );
}

#[tokio::test]
async fn throttling_slows_the_limiter_and_never_signs_in_again() {
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
        stats.requests.get("StartDeviceAuthorization"),
        Some(&1),
        "a 429 never starts a new sign-in"
    );
    assert_eq!(
        stats.requests.get("CreateToken").copied(),
        tokens_before,
        "no token was fetched or refreshed because of a 429"
    );
}

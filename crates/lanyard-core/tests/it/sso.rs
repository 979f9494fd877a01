use std::sync::Arc;
use std::time::Duration;

use lanyard_core::Error;
use lanyard_core::secret::NoKeyring;
use lanyard_core::sso::{
    self, LoginMethod, LoginOptions, LoginStep, LoginUi, RefreshOutcome, SessionState, cache,
};
use lanyard_emulator::{Config, World};
use tokio_util::sync::CancellationToken;

use crate::support::*;

fn token_file(env: &Env, session: &str) -> std::path::PathBuf {
    cache::token_path(&env.ctx.paths.sso_cache_dir, session)
}

#[tokio::test]
async fn device_login_writes_the_cli_cache_and_keyring_copies() {
    let env = env().await;
    let id = acme("acme");
    let person = Person::approving("alice");
    let signed = device_login(&env, &id, person.clone(), LoginOptions::default())
        .await
        .unwrap();
    assert!(signed.refreshable);
    let steps = person.steps.lock().unwrap().clone();
    assert!(
        matches!(&steps[0], LoginStep::DeviceCode { user_code, verification_uri_complete, .. } if verification_uri_complete.contains(user_code.as_str()))
    );
    let t = cache::read_token(&token_file(&env, "acme"))
        .unwrap()
        .unwrap();
    assert_eq!(
        t.start_url.as_deref(),
        Some("https://acme.awsapps.com/start")
    );
    assert!(t.refreshable((env.ctx.clock)()));
    assert_eq!(
        env.emu
            .app
            .state
            .bearer(Some(t.access_token.expose()))
            .unwrap()
            .1,
        "alice"
    );
    assert_eq!(
        env.secrets.keys(),
        [
            "sso-session/acme/client-secret",
            "sso-session/acme/refresh-token"
        ]
    );
    assert_eq!(sso::status(&env.ctx, &id).state, SessionState::SignedIn);
}

#[tokio::test]
async fn pkce_login_through_the_loopback_listener() {
    let mut c = Config::new(World::demo());
    c.auto_approve = true;
    let env = env_with(c).await;
    let id = acme("acme");
    let steps = std::sync::Mutex::new(vec![]);
    let step = |s: LoginStep| steps.lock().unwrap().push(s);
    let ui = LoginUi {
        open: &follow_redirect,
        step: &step,
    };
    let signed = sso::login(
        &env.ctx,
        &id,
        &LoginOptions {
            method: LoginMethod::AuthCode,
            ..Default::default()
        },
        &ui,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(signed.refreshable);
    let steps = steps.into_inner().unwrap();
    let LoginStep::OpenBrowser { url, opened: true } = &steps[0] else {
        panic!("{steps:?}")
    };
    assert!(url.starts_with(&format!(
        "{}/authorize?response_type=code&client_id=",
        env.emu.http_url
    )));
    assert!(
        url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A")
            && url.contains("code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess")
    );
    assert!(
        cache::read_token(&token_file(&env, "acme"))
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn auto_falls_back_to_device_code_without_a_browser() {
    let env = env().await;
    let person = Person::approving("bob");
    let p = person.clone();
    let state = env.emu.app.clone();
    let step = move |s: LoginStep| {
        if let LoginStep::DeviceCode { user_code, .. } = &s {
            state.state.decide_device(user_code, Some("bob")).unwrap();
        }
        p.steps.lock().unwrap().push(s);
    };
    let ui = LoginUi {
        open: &|_| false,
        step: &step,
    };
    sso::login(
        &env.ctx,
        &acme("acme"),
        &LoginOptions::default(),
        &ui,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(matches!(
        person.steps.lock().unwrap()[0],
        LoginStep::DeviceCode { .. }
    ));
}

#[tokio::test]
async fn deny_expiry_and_cancel_end_cleanly_without_files() {
    let env = env().await;
    let id = acme("acme");
    let err = device_login(&env, &id, Person::denying(), LoginOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::LoginDenied { .. }), "{err}");

    let err = device_login(
        &env,
        &id,
        Person::passive(),
        LoginOptions {
            timeout: Duration::from_secs(2),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::LoginExpired { .. }), "{err}");
    assert!(err.to_string().contains("lanyard login --session acme"));

    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    let step = move |s: LoginStep| {
        if matches!(s, LoginStep::DeviceCode { .. }) {
            c2.cancel();
        }
    };
    let ui = LoginUi {
        open: &|_| false,
        step: &step,
    };
    let err = sso::login(
        &env.ctx,
        &id,
        &LoginOptions {
            method: LoginMethod::DeviceCode,
            ..Default::default()
        },
        &ui,
        &cancel,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::LoginCancelled { .. }), "{err}");
    assert!(!token_file(&env, "acme").exists(), "no half-written token");
}

#[tokio::test]
async fn honours_slow_down_by_adding_five_seconds() {
    let mut c = Config::new(World::demo());
    c.lifetimes.device_enforced_interval = 2;
    let env = env_with(c).await;
    let person = Person::passive();
    let p = person.clone();
    let state = env.emu.app.clone();
    let step = move |s: LoginStep| {
        if let LoginStep::SlowDown { .. } = &s {
            let code = p
                .steps
                .lock()
                .unwrap()
                .iter()
                .find_map(|x| match x {
                    LoginStep::DeviceCode { user_code, .. } => Some(user_code.clone()),
                    _ => None,
                })
                .unwrap();
            state.state.decide_device(&code, Some("alice")).unwrap();
        }
        p.steps.lock().unwrap().push(s);
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
    assert!(
        person
            .steps
            .lock()
            .unwrap()
            .contains(&LoginStep::SlowDown { interval_secs: 6 })
    );
}

#[tokio::test]
async fn refresh_keeps_the_session_and_never_clobbers_a_newer_token() {
    let env = env().await;
    let id = acme("acme");
    device_login(
        &env,
        &id,
        Person::approving("alice"),
        LoginOptions::default(),
    )
    .await
    .unwrap();
    let path = token_file(&env, "acme");
    let before = cache::read_token(&path).unwrap().unwrap();
    assert_eq!(
        sso::refresh(&env.ctx, &id, Duration::from_secs(1800), false)
            .await
            .unwrap(),
        RefreshOutcome::NotNeeded
    );

    env.emu.app.state.expire_access_tokens();
    let RefreshOutcome::Refreshed(_) = sso::refresh(&env.ctx, &id, Duration::from_secs(1800), true)
        .await
        .unwrap()
    else {
        panic!()
    };
    let after = cache::read_token(&path).unwrap().unwrap();
    assert_ne!(after.access_token, before.access_token);
    assert!(
        env.emu
            .app
            .state
            .bearer(Some(after.access_token.expose()))
            .is_ok()
    );

    // Another tool (the AWS CLI) refreshes while Lanyard's refresh is in flight and writes a
    // token that lives longer: Lanyard keeps theirs.
    env.emu.app.realism.knobs.lock().unwrap().latency_ms = 800;
    let ctx = env.ctx.clone();
    let id2 = id.clone();
    let ours =
        tokio::spawn(
            async move { sso::refresh(&ctx, &id2, Duration::from_secs(1800), true).await },
        );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let theirs = cache::CachedToken {
        access_token: lanyard_core::secret::Secret::new("their-token"),
        expires_at: after.expires_at + time::Duration::hours(2),
        ..after.clone()
    };
    cache::write_token(&path, &theirs).unwrap();
    let outcome = ours.await.unwrap().unwrap();
    assert!(
        matches!(outcome, RefreshOutcome::NewerOnDisk(_)),
        "{outcome:?}"
    );
    assert_eq!(
        cache::read_token(&path)
            .unwrap()
            .unwrap()
            .access_token
            .expose(),
        "their-token"
    );
    // And a token that is already good for longer than the window is left alone.
    assert_eq!(
        sso::refresh(&env.ctx, &id, Duration::from_secs(1800), false)
            .await
            .unwrap(),
        RefreshOutcome::NotNeeded
    );
}

#[tokio::test]
async fn refresh_uses_keyring_copies_when_another_tool_dropped_the_refresh_token() {
    let env = env().await;
    let id = acme("acme");
    device_login(
        &env,
        &id,
        Person::approving("alice"),
        LoginOptions::default(),
    )
    .await
    .unwrap();
    let path = token_file(&env, "acme");
    let t = cache::read_token(&path).unwrap().unwrap();
    cache::write_token(
        &path,
        &cache::CachedToken {
            refresh_token: None,
            client_secret: None,
            ..t
        },
    )
    .unwrap();
    assert!(matches!(
        sso::refresh(&env.ctx, &id, Duration::ZERO, true)
            .await
            .unwrap(),
        RefreshOutcome::Refreshed(_)
    ));
    assert!(
        cache::read_token(&path)
            .unwrap()
            .unwrap()
            .refresh_token
            .is_some(),
        "restored for the SDKs too"
    );
}

#[tokio::test]
async fn logout_ends_the_portal_session_and_removes_everything_local() {
    let env = env().await;
    let id = acme("acme");
    device_login(
        &env,
        &id,
        Person::approving("alice"),
        LoginOptions::default(),
    )
    .await
    .unwrap();
    let token = cache::read_token(&token_file(&env, "acme"))
        .unwrap()
        .unwrap();
    let report = sso::logout(&env.ctx, &id).await.unwrap();
    assert!(report.signed_out_server_side);
    assert!(
        env.emu
            .app
            .state
            .bearer(Some(token.access_token.expose()))
            .is_err(),
        "server-side session ended"
    );
    assert!(!token_file(&env, "acme").exists());
    assert!(env.secrets.keys().is_empty());
    assert_eq!(sso::status(&env.ctx, &id).state, SessionState::SignedOut);
    assert!(matches!(
        sso::refresh(&env.ctx, &id, Duration::ZERO, true).await,
        Err(Error::NotSignedIn { .. })
    ));
}

#[tokio::test]
async fn expired_registration_is_replaced_instead_of_failing() {
    let env = env().await;
    let id = acme("acme");
    device_login(
        &env,
        &id,
        Person::approving("alice"),
        LoginOptions::default(),
    )
    .await
    .unwrap();
    env.emu.app.state.expire_clients();
    device_login(
        &env,
        &id,
        Person::approving("alice"),
        LoginOptions::default(),
    )
    .await
    .unwrap();
    let registered = env
        .emu
        .app
        .realism
        .stats
        .lock()
        .unwrap()
        .requests
        .get("RegisterClient")
        .copied();
    assert_eq!(
        registered,
        Some(2),
        "the rejected registration was replaced by a new one"
    );
}

#[tokio::test]
async fn registration_is_reused_until_fifteen_minutes_before_it_expires() {
    let mut env = env().await;
    let id = acme("acme");
    let registrations = |env: &Env| requests(env, "RegisterClient");
    device_login(
        &env,
        &id,
        Person::approving("alice"),
        LoginOptions::default(),
    )
    .await
    .unwrap();
    device_login(
        &env,
        &id,
        Person::approving("alice"),
        LoginOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        registrations(&env),
        1,
        "a second sign-in reuses the cached registration"
    );
    let reg = std::fs::read_dir(&env.ctx.paths.sso_cache_dir)
        .unwrap()
        .flatten()
        .filter_map(|e| cache::read_registration(&e.path()))
        .next()
        .expect("a cached registration");
    // 16 minutes before the registration expires it is still used; 14 minutes before, it is not.
    env.ctx.clock = Arc::new(move || reg.expires_at - time::Duration::minutes(16));
    device_login(
        &env,
        &id,
        Person::approving("alice"),
        LoginOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(registrations(&env), 1);
    env.ctx.clock = Arc::new(move || reg.expires_at - time::Duration::minutes(14));
    device_login(
        &env,
        &id,
        Person::approving("alice"),
        LoginOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        registrations(&env),
        2,
        "renewed within 15 minutes of expiry"
    );
}

#[tokio::test]
async fn two_users_on_the_same_start_url() {
    let env = env().await;
    device_login(
        &env,
        &acme("acme-alice"),
        Person::approving("alice"),
        LoginOptions::default(),
    )
    .await
    .unwrap();
    device_login(
        &env,
        &acme("acme-bob"),
        Person::approving("bob"),
        LoginOptions::default(),
    )
    .await
    .unwrap();
    let who = |s: &str| {
        let t = cache::read_token(&token_file(&env, s)).unwrap().unwrap();
        env.emu
            .app
            .state
            .bearer(Some(t.access_token.expose()))
            .unwrap()
            .1
    };
    assert_eq!(
        (who("acme-alice"), who("acme-bob")),
        ("alice".to_owned(), "bob".to_owned())
    );
}

#[tokio::test]
async fn corrupt_cache_shows_expired_and_a_new_login_replaces_it() {
    let env = env().await;
    let id = acme("acme");
    std::fs::create_dir_all(&env.ctx.paths.sso_cache_dir).unwrap();
    std::fs::write(token_file(&env, "acme"), "{\"accessToken\": ").unwrap();
    let st = sso::status(&env.ctx, &id);
    assert_eq!(st.state, SessionState::Expired);
    assert!(st.detail.unwrap().contains("sign in again"));
    device_login(
        &env,
        &id,
        Person::approving("alice"),
        LoginOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(sso::status(&env.ctx, &id).state, SessionState::SignedIn);
}

#[tokio::test]
async fn works_without_a_keyring() {
    let mut env = env().await;
    env.ctx.secrets = Arc::new(NoKeyring {
        reason: "test".into(),
    });
    let id = acme("acme");
    device_login(
        &env,
        &id,
        Person::approving("alice"),
        LoginOptions::default(),
    )
    .await
    .unwrap();
    env.emu.app.state.expire_access_tokens();
    assert!(matches!(
        sso::refresh(&env.ctx, &id, Duration::ZERO, true)
            .await
            .unwrap(),
        RefreshOutcome::Refreshed(_)
    ));
}

#[tokio::test]
async fn unreachable_and_non_aws_endpoints_name_the_identity() {
    let mut env = env().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    env.ctx.endpoints.oidc = Some(format!("http://{closed}"));
    let err = device_login(
        &env,
        &acme("acme"),
        Person::passive(),
        LoginOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains("acme") && err.to_string().contains(&closed.to_string()));

    env.ctx.endpoints.oidc = Some(format!("{}/device", env.emu.http_url));
    let err = device_login(
        &env,
        &acme("acme"),
        Person::passive(),
        LoginOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Protocol { .. }), "{err}");
}

#[tokio::test]
async fn a_skewed_clock_is_reported_at_sign_in() {
    let mut env = env().await;
    let id = acme("acme");
    let signed = device_login(
        &env,
        &id,
        Person::approving("alice"),
        LoginOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(signed.clock_skew_secs, None, "an honest clock");
    env.ctx.clock = Arc::new(|| time::OffsetDateTime::now_utc() + time::Duration::hours(2));
    let signed = device_login(
        &env,
        &id,
        Person::approving("alice"),
        LoginOptions::default(),
    )
    .await
    .unwrap();
    let skew = signed.clock_skew_secs.expect("two hours ahead is reported");
    assert!((-7300..=-7100).contains(&skew), "{skew}");
}

/// A vanity start URL (no region of its own, a wrong `sso_region` configured): both flows send
/// the AWS-owned portal URL the vanity host redirects to, keep the configured URL in the cache,
/// and correct Lanyard's own `sso_region`, as `aws sso login` does.
#[tokio::test]
async fn a_vanity_start_url_signs_in_through_both_flows_and_corrects_the_region() {
    let mut c = Config::new(World::demo());
    c.auto_approve = true;
    let env = env_with(c).await;
    let vanity = format!("{}/vanity/acme", env.emu.https_url);
    for (session, method) in [
        ("corp-device", LoginMethod::DeviceCode),
        ("corp-pkce", LoginMethod::AuthCode),
    ] {
        let configured = sso::Identity {
            session: session.into(),
            start_url: vanity.clone(),
            region: "eu-west-1".into(),
            scopes: vec![],
            managed: true,
        };
        sso::identity::save(&env.ctx.paths, &configured).unwrap();
        let ui = LoginUi {
            open: &follow_redirect,
            step: &|_| {},
        };
        let signed = sso::login(
            &env.ctx,
            &configured,
            &LoginOptions {
                method,
                ..Default::default()
            },
            &ui,
            &CancellationToken::new(),
        )
        .await
        .unwrap_or_else(|e| panic!("{session}: {e}"));
        let portal = env.emu.app.state.world.instances[0].portal_url();
        assert_eq!(signed.resolved.resolved_url, portal);
        assert_eq!(
            (
                signed.resolved.region.as_str(),
                signed.region_note.as_deref()
            ),
            ("us-east-1", Some("SSO region updated to us-east-1"))
        );
        let t = cache::read_token(&token_file(&env, session))
            .unwrap()
            .unwrap();
        assert_eq!(t.start_url.as_deref(), Some(vanity.as_str()));
        assert_eq!(t.region.as_deref(), Some("us-east-1"));
        let saved = sso::identity::find(&env.ctx.paths.aws_config_file, session).unwrap();
        assert_eq!(
            (saved.start_url.as_str(), saved.region.as_str()),
            (vanity.as_str(), "us-east-1")
        );
    }
}

#[tokio::test]
async fn a_vanity_host_leading_outside_aws_or_to_http_is_refused_with_the_clis_message() {
    let env = env().await;
    let redirect = |to: &str| {
        format!(
            "{}/_emulator/redirect?to={}",
            env.emu.https_url,
            url::form_urlencoded::byte_serialize(to.as_bytes()).collect::<String>()
        )
    };
    let cases = [
        (
            redirect("https://evil.example/start"),
            "to an AWS-owned endpoint. Final URL: 'https://evil.example/start'",
        ),
        (
            redirect("http://ssoins-1.portal.us-east-1.app.aws/"),
            "Resolved URL must use https. Got: 'http://ssoins-1.portal.us-east-1.app.aws'",
        ),
        (
            format!("{}/_emulator/redirect?status=200", env.emu.https_url),
            "to an AWS-owned endpoint",
        ),
    ];
    for (url, want) in cases {
        let id = sso::Identity {
            start_url: url.clone(),
            ..acme("bad")
        };
        let err = device_login(&env, &id, Person::passive(), LoginOptions::default())
            .await
            .unwrap_err();
        assert!(err.to_string().contains(want), "{url}: {err}");
        assert!(!token_file(&env, "bad").exists());
    }
    assert_eq!(
        requests(&env, "RegisterClient"),
        0,
        "refused before any AWS call"
    );
    // A host that refuses HEAD is asked with GET.
    let portal = env.emu.app.state.world.instances[0].portal_url();
    let r = sso::resolve_start_url(
        &format!("{}&head=405", redirect(&format!("{portal}/"))),
        None,
        env.ctx.endpoints.ca_bundle.as_deref(),
    )
    .await
    .unwrap();
    assert_eq!(
        (r.resolved_url.as_str(), r.region.as_str()),
        (portal.as_str(), "us-east-1")
    );
    // Without the CA bundle the emulator's certificate is not trusted: a clear error.
    let err = sso::resolve_start_url(&redirect(&portal), Some("us-east-1"), None)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("Failed to resolve start URL"),
        "{err}"
    );
}

/// A registration made without scopes (the AWS CLI's device flow without
/// `sso_registration_scopes`) gets no refresh token: the sign-in works, says it cannot renew,
/// and a previous session's refresh token in the keyring does not make it look renewable.
#[tokio::test]
async fn a_registration_without_scopes_signs_in_but_cannot_renew() {
    let env = env().await;
    let id = acme("acme");
    device_login(
        &env,
        &id,
        Person::approving("alice"),
        LoginOptions::default(),
    )
    .await
    .unwrap();
    assert!(
        env.secrets
            .keys()
            .contains(&"sso-session/acme/refresh-token".to_owned())
    );
    let (client_id, client) = env
        .emu
        .app
        .state
        .register_client(vec![], vec![], vec![], None);
    let reg_path = cache::registration_path(
        &env.ctx.paths.sso_cache_dir,
        &id.start_url,
        &id.region,
        None,
        &id.session,
    );
    cache::write_registration(
        &reg_path,
        &cache::Registration {
            client_id,
            client_secret: lanyard_core::secret::Secret::new(client.secret),
            expires_at: time::OffsetDateTime::from_unix_timestamp(client.expires_at as i64)
                .unwrap(),
            scopes: None,
            grant_types: None,
        },
    )
    .unwrap();
    let signed = device_login(
        &env,
        &id,
        Person::approving("alice"),
        LoginOptions::default(),
    )
    .await
    .unwrap();
    assert!(!signed.refreshable);
    let status = sso::status(&env.ctx, &id);
    assert!(!status.refreshable && status.state == SessionState::SignedIn);
    assert!(
        !env.secrets
            .keys()
            .contains(&"sso-session/acme/refresh-token".to_owned())
    );
    let before = requests(&env, "CreateToken");
    let out = sso::refresh(&env.ctx, &id, Duration::from_secs(24 * 3600), false)
        .await
        .unwrap();
    assert_eq!(out, RefreshOutcome::NotNeeded);
    assert_eq!(
        requests(&env, "CreateToken"),
        before,
        "no refresh is attempted"
    );
}

#[tokio::test]
async fn an_unknown_scope_is_refused_naming_sso_registration_scopes() {
    let env = env().await;
    let id = sso::Identity {
        scopes: vec!["sso:account:access".into(), "bogus:scope".into()],
        ..acme("acme")
    };
    let err = device_login(&env, &id, Person::passive(), LoginOptions::default())
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("sso_registration_scopes") && msg.contains("bogus:scope"),
        "{msg}"
    );
}

/// Stray requests to the PKCE callback — no `state`, someone else's `state`, even one carrying
/// `error=` — are ignored; the sign-in completes when the real answer arrives.
#[tokio::test]
async fn stray_callback_requests_do_not_end_the_sign_in() {
    let mut c = Config::new(World::demo());
    c.auto_approve = true;
    let env = env_with(c).await;
    let browser = |url: &str| {
        let url = url.to_owned();
        std::thread::spawn(move || {
            let (_, location) = http_get(&url);
            let location = location.unwrap();
            let base = location.split('?').next().unwrap().to_owned();
            for stray in [
                base.clone(),
                format!("{base}?error=access_denied&state=not-yours"),
                format!("{base}?error=access_denied"),
                format!("{base}?code=forged&state=not-yours"),
            ] {
                assert_eq!(http_get(&stray).0, 200);
            }
            http_get(&location);
        });
        true
    };
    let ui = LoginUi {
        open: &browser,
        step: &|_| {},
    };
    sso::login(
        &env.ctx,
        &acme("acme"),
        &LoginOptions {
            method: LoginMethod::AuthCode,
            ..Default::default()
        },
        &ui,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(token_file(&env, "acme").exists());
}

/// Without `interval` in the device authorization, polls are 5 s apart (the CLI's default).
#[tokio::test]
async fn a_device_answer_without_interval_polls_every_five_seconds() {
    let mut c = Config::new(World::demo());
    c.lifetimes.device_interval = 0;
    let env = env_with(c).await;
    let started = std::time::Instant::now();
    device_login(
        &env,
        &acme("acme"),
        Person::approving("alice"),
        LoginOptions::default(),
    )
    .await
    .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(4_500),
        "polled after {:?}",
        started.elapsed()
    );
}

/// After `aws sso logout` removed the token file, offboarding still signs the identity out:
/// the keyring's refresh token and client secret go, and every `ProviderType: sso` entry of the
/// AWS CLI's cache with them (an assume-role entry stays).
#[tokio::test]
async fn offboarding_after_aws_sso_logout_still_clears_the_keyring_and_sso_credentials() {
    let env = env().await;
    let id = acme("acme");
    sso::identity::save(&env.ctx.paths, &id).unwrap();
    device_login(
        &env,
        &id,
        Person::approving("alice"),
        LoginOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(env.secrets.keys().len(), 2);
    // What `aws sso logout` leaves: no token file; the CLI's cache of some other SSO profile.
    std::fs::remove_file(token_file(&env, "acme")).unwrap();
    let cli = &env.ctx.paths.cli_cache_dir;
    std::fs::create_dir_all(cli).unwrap();
    std::fs::write(
        cli.join("0123456789abcdef0123456789abcdef01234567.json"),
        r#"{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIAOTHER"}}"#,
    )
    .unwrap();
    let assume = cli.join("fedcba9876543210fedcba9876543210fedcba98.json");
    std::fs::write(&assume, r#"{"Credentials": {"AccessKeyId": "ASIAROLE"}}"#).unwrap();

    let preview = lanyard_core::offboard::offboard(&env.ctx, true)
        .await
        .unwrap();
    assert_eq!(preview.signed_out, ["acme"]);
    assert!(
        preview
            .removed
            .iter()
            .any(|r| r.contains("0123456789abcdef0123456789abcdef01234567")),
        "{:?}",
        preview.removed
    );
    lanyard_core::offboard::offboard(&env.ctx, false)
        .await
        .unwrap();
    assert!(env.secrets.keys().is_empty(), "{:?}", env.secrets.keys());
    let left: Vec<_> = std::fs::read_dir(cli)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(left, [assume]);
}

//! The AWS SDK for Rust against an in-process emulator: the same round trips a Rust client
//! makes against real IAM Identity Center and CodeCommit, configured only with `endpoint_url`.

use aws_config::{BehaviorVersion, Region, retry::RetryConfig};
use aws_credential_types::Credentials;
use aws_sdk_codecommit::error::ProvideErrorMetadata;
use lanyard_emulator::{Config, Emulator, Generated, World};

async fn start(world: World) -> Emulator {
    let mut cfg = Config::new(world);
    cfg.knobs.portal_tps = 0.0;
    Emulator::start(cfg).await.expect("emulator starts")
}

fn oidc(emu: &Emulator) -> aws_sdk_ssooidc::Client {
    aws_sdk_ssooidc::Client::from_conf(
        aws_sdk_ssooidc::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&emu.http_url)
            .retry_config(RetryConfig::disabled())
            .build(),
    )
}

fn portal(emu: &Emulator) -> aws_sdk_sso::Client {
    aws_sdk_sso::Client::from_conf(
        aws_sdk_sso::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&emu.http_url)
            .retry_config(RetryConfig::disabled())
            .build(),
    )
}

fn codecommit(emu: &Emulator, creds: Credentials, region: &str) -> aws_sdk_codecommit::Client {
    aws_sdk_codecommit::Client::from_conf(
        aws_sdk_codecommit::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .endpoint_url(&emu.http_url)
            .credentials_provider(creds)
            .retry_config(RetryConfig::disabled())
            .build(),
    )
}

/// Device flow through the SDK, approved as `user`; returns (access token, refresh token, client).
async fn sign_in(emu: &Emulator, user: &str) -> (String, String, String, String) {
    let c = oidc(emu);
    let reg = c
        .register_client()
        .client_name("it")
        .client_type("public")
        // Without scopes AWS issues no refresh token, and this sign-in's callers refresh.
        .scopes("sso:account:access")
        .send()
        .await
        .unwrap();
    let (id, secret) = (
        reg.client_id().unwrap().to_owned(),
        reg.client_secret().unwrap().to_owned(),
    );
    let start_url = emu.app.state.world.instances[0].start_url.clone();
    let dev = c
        .start_device_authorization()
        .client_id(&id)
        .client_secret(&secret)
        .start_url(start_url)
        .send()
        .await
        .unwrap();
    let pending = c
        .create_token()
        .client_id(&id)
        .client_secret(&secret)
        .grant_type("urn:ietf:params:oauth:grant-type:device_code")
        .device_code(dev.device_code().unwrap())
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(pending.is_authorization_pending_exception(), "{pending:?}");
    emu.app
        .state
        .decide_device(dev.user_code().unwrap(), Some(user))
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await; // honour `interval`
    let tok = c
        .create_token()
        .client_id(&id)
        .client_secret(&secret)
        .grant_type("urn:ietf:params:oauth:grant-type:device_code")
        .device_code(dev.device_code().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(tok.token_type(), Some("Bearer"));
    (
        tok.access_token().unwrap().to_owned(),
        tok.refresh_token().unwrap().to_owned(),
        id,
        secret,
    )
}

#[tokio::test]
async fn oidc_device_flow_refresh_and_errors() {
    let emu = start(World::demo()).await;
    let (_, refresh, id, secret) = sign_in(&emu, "alice").await;
    let c = oidc(&emu);
    let fresh = c
        .create_token()
        .client_id(&id)
        .client_secret(&secret)
        .grant_type("refresh_token")
        .refresh_token(&refresh)
        .send()
        .await
        .unwrap();
    assert!(fresh.expires_in() > 3000);
    let bad = c
        .create_token()
        .client_id(&id)
        .client_secret("nope")
        .grant_type("refresh_token")
        .refresh_token(&refresh)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(bad.is_invalid_client_exception(), "{bad:?}");
    let bad = c
        .create_token()
        .client_id(&id)
        .client_secret(&secret)
        .grant_type("refresh_token")
        .refresh_token("rt-unknown")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(bad.is_invalid_grant_exception(), "{bad:?}");
    let unknown = c
        .start_device_authorization()
        .client_id(&id)
        .client_secret(&secret)
        .start_url("https://elsewhere.awsapps.com/start")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(unknown.is_invalid_request_exception(), "{unknown:?}");
}

#[tokio::test]
async fn portal_paginates_many_accounts_and_issues_credentials() {
    let emu = start(World::generated(Generated {
        accounts: 260,
        roles_per_account: 3,
        repos_per_account: 1,
    }))
    .await;
    let (token, ..) = sign_in(&emu, "user").await;
    let sso = portal(&emu);
    let accounts: Vec<_> = sso
        .list_accounts()
        .access_token(&token)
        .max_results(100)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert_eq!(accounts.len(), 260);
    assert_eq!(accounts[259].account_name(), Some("account-0260"));
    let roles = sso
        .list_account_roles()
        .access_token(&token)
        .account_id("100000000007")
        .send()
        .await
        .unwrap();
    let names: Vec<_> = roles
        .role_list()
        .iter()
        .filter_map(|r| r.role_name())
        .collect();
    assert_eq!(names, ["AdministratorAccess", "Developer", "ReadOnly"]);
    let creds = sso
        .get_role_credentials()
        .access_token(&token)
        .account_id("100000000007")
        .role_name("ReadOnly")
        .send()
        .await
        .unwrap();
    let rc = creds.role_credentials().unwrap();
    assert!(rc.access_key_id().unwrap().starts_with("ASIA"));
    let ms_left = rc.expiration()
        - (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64);
    assert!(
        (3_500_000..=3_600_000).contains(&ms_left),
        "expiration is epoch milliseconds: {ms_left}"
    );

    let too_big = sso
        .list_accounts()
        .access_token(&token)
        .max_results(101)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(too_big.is_invalid_request_exception(), "{too_big:?}");
    let not_assigned = sso
        .get_role_credentials()
        .access_token(&token)
        .account_id("100000000007")
        .role_name("Billing")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        aws_sdk_sso::error::ProvideErrorMetadata::code(&not_assigned),
        Some("ForbiddenException"),
        "{not_assigned:?}"
    );

    sso.logout().access_token(&token).send().await.unwrap();
    let after = sso
        .list_accounts()
        .access_token(&token)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(after.is_unauthorized_exception(), "{after:?}");
}

#[tokio::test]
async fn portal_throttles_with_the_real_429_shape() {
    let mut cfg = Config::new(World::demo());
    cfg.knobs.portal_tps = 5.0;
    let emu = Emulator::start(cfg).await.unwrap();
    let (token, ..) = sign_in(&emu, "alice").await;
    let sso = portal(&emu);
    let mut throttled = 0;
    for _ in 0..20 {
        if let Err(e) = sso.list_accounts().access_token(&token).send().await {
            let e = e.into_service_error();
            assert!(e.is_too_many_requests_exception(), "{e:?}");
            throttled += 1;
        }
    }
    assert!(throttled >= 10, "only {throttled} of 20 throttled at 5 TPS");
    assert_eq!(emu.app.realism.stats.lock().unwrap().throttled, throttled);
}

async fn role_creds(emu: &Emulator, token: &str, account: &str, role: &str) -> Credentials {
    let out = portal(emu)
        .get_role_credentials()
        .access_token(token)
        .account_id(account)
        .role_name(role)
        .send()
        .await
        .unwrap();
    let rc = out.role_credentials().unwrap();
    Credentials::new(
        rc.access_key_id().unwrap(),
        rc.secret_access_key().unwrap(),
        rc.session_token().map(str::to_owned),
        None,
        "emulator",
    )
}

#[tokio::test]
async fn codecommit_api_is_sigv4_verified_and_region_scoped() {
    let emu = start(World::demo()).await;
    let (token, ..) = sign_in(&emu, "alice").await;
    let dev = role_creds(&emu, &token, "222222222222", "Developer").await;

    let us = codecommit(&emu, dev.clone(), "us-east-1");
    let list = us.list_repositories().send().await.unwrap();
    let names: Vec<_> = list
        .repositories()
        .iter()
        .filter_map(|r| r.repository_name())
        .collect();
    assert_eq!(names, ["checkout-web", "mobile-app", "payments-api"]);
    let eu = codecommit(&emu, dev.clone(), "eu-west-1");
    let names: Vec<_> = eu
        .list_repositories()
        .send()
        .await
        .unwrap()
        .repositories()
        .iter()
        .filter_map(|r| r.repository_name().map(str::to_owned))
        .collect();
    assert_eq!(names, ["ledger-service"]);

    let batch = us
        .batch_get_repositories()
        .repository_names("payments-api")
        .repository_names("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(batch.repositories().len(), 1);
    assert_eq!(batch.repositories_not_found(), ["nope"]);
    let meta = us
        .get_repository()
        .repository_name("mobile-app")
        .send()
        .await
        .unwrap();
    let m = meta.repository_metadata().unwrap();
    assert_eq!(m.default_branch(), Some("develop"));
    assert_eq!(
        m.arn(),
        Some("arn:aws:codecommit:us-east-1:222222222222:mobile-app")
    );
    assert!(m.last_modified_date().unwrap().secs() > m.creation_date().unwrap().secs());

    us.create_repository()
        .repository_name("new-service")
        .repository_description("made by a test")
        .send()
        .await
        .unwrap();
    let exists = us
        .create_repository()
        .repository_name("new-service")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(exists.is_repository_name_exists_exception(), "{exists:?}");
    assert_eq!(
        us.list_repositories()
            .send()
            .await
            .unwrap()
            .repositories()
            .len(),
        4
    );
    assert_eq!(
        eu.list_repositories()
            .send()
            .await
            .unwrap()
            .repositories()
            .len(),
        1,
        "created in us-east-1 only"
    );

    let missing = us
        .get_repository()
        .repository_name("ghost")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        missing.is_repository_does_not_exist_exception(),
        "{missing:?}"
    );

    let billing = role_creds(&emu, &token, "111111111111", "Billing").await;
    let denied = codecommit(&emu, billing, "us-east-1")
        .list_repositories()
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(denied.code(), Some("AccessDeniedException"), "{denied:?}");

    let forged = Credentials::new(
        dev.access_key_id(),
        "not-the-secret",
        dev.session_token().map(str::to_owned),
        None,
        "forged",
    );
    let bad_sig = codecommit(&emu, forged, "us-east-1")
        .list_repositories()
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        bad_sig.code(),
        Some("InvalidSignatureException"),
        "{bad_sig:?}"
    );

    let bad_region = codecommit(&emu, dev.clone(), "xx-fake-1")
        .list_repositories()
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        bad_region.code(),
        Some("InvalidSignatureException"),
        "{bad_region:?}"
    );

    emu.app.state.expire_role_credentials();
    let expired = us
        .list_repositories()
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(expired.code(), Some("ExpiredTokenException"), "{expired:?}");
}

#[tokio::test]
async fn list_repositories_pages_at_1000() {
    let world = World::from_toml(&format!(
        "[[instance]]\nname='big'\nstart_url='https://big.awsapps.com/start'\nregion='us-east-1'\n\
         [[instance.permission_set]]\nname='Dev'\ncodecommit=['*']\n\
         [[instance.account]]\nid='123456789012'\nname='big'\nemail='b@e'\n\
         [[instance.user]]\nname='u'\nall_accounts=['Dev']\n{}",
        (0..1050).map(|i| format!("[[instance.repository]]\naccount='123456789012'\nregion='us-east-1'\nname='r{i:04}'\n")).collect::<String>()
    ))
    .unwrap();
    let emu = start(world).await;
    let (token, ..) = sign_in(&emu, "u").await;
    let cc = codecommit(
        &emu,
        role_creds(&emu, &token, "123456789012", "Dev").await,
        "us-east-1",
    );
    let first = cc.list_repositories().send().await.unwrap();
    assert_eq!(first.repositories().len(), 1000);
    let second = cc
        .list_repositories()
        .next_token(first.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(second.repositories().len(), 50);
    assert!(second.next_token().is_none());
    let desc = cc
        .list_repositories()
        .sort_by("repositoryName".into())
        .order("descending".into())
        .send()
        .await
        .unwrap();
    assert_eq!(desc.repositories()[0].repository_name(), Some("r1049"));
}

/// The Rust SDK's parsers on every pull-request answer (epoch-second numbers, empty bodies,
/// typed errors) and STS's XML, over the demo world's pull requests.
#[tokio::test]
async fn pull_requests_and_caller_identity_through_the_rust_sdk() {
    use aws_sdk_codecommit::types::{ApprovalState, PullRequestStatusEnum, Target};
    let emu = start(World::demo()).await;
    let (token, ..) = sign_in(&emu, "alice").await;
    let creds = role_creds(&emu, &token, "222222222222", "Developer").await;
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&emu.http_url)
            .credentials_provider(creds.clone())
            .retry_config(RetryConfig::disabled())
            .build(),
    );
    let me = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some("222222222222"));
    let arn = me.arn().unwrap().to_owned();
    assert!(
        arn.starts_with("arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_Developer_")
            && arn.ends_with("/alice"),
        "{arn}"
    );

    let cc = codecommit(&emu, creds, "us-east-1");
    let ids: Vec<String> = cc
        .list_pull_requests()
        .repository_name("payments-api")
        .pull_request_status(PullRequestStatusEnum::Open)
        .max_results(1)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .into_iter()
        .flat_map(|p| p.pull_request_ids)
        .collect();
    assert_eq!(ids.len(), 1);
    let pr = cc
        .get_pull_request()
        .pull_request_id(&ids[0])
        .send()
        .await
        .unwrap()
        .pull_request
        .unwrap();
    assert_eq!(pr.title(), Some("3-D Secure 2 challenge flow"));
    assert!(pr.author_arn().unwrap().ends_with("/bob"));
    assert!(pr.creation_date().unwrap().secs() > 0);
    let target = &pr.pull_request_targets()[0];
    assert_eq!(target.destination_reference(), Some("refs/heads/develop"));
    assert!(!target.merge_metadata().unwrap().is_merged());
    let rev = pr.revision_id().unwrap();
    let eval = |rev: String| {
        let cc = cc.clone();
        let id = ids[0].clone();
        async move {
            cc.evaluate_pull_request_approval_rules()
                .pull_request_id(id)
                .revision_id(rev)
                .send()
                .await
                .unwrap()
                .evaluation
                .unwrap()
        }
    };
    assert!(!eval(rev.to_owned()).await.approved());
    // No output shape: 200 with an empty body.
    cc.update_pull_request_approval_state()
        .pull_request_id(&ids[0])
        .revision_id(rev)
        .approval_state(ApprovalState::Approve)
        .send()
        .await
        .unwrap();
    let done = eval(rev.to_owned()).await;
    assert!(done.approved(), "{done:?}");
    let approvers: Vec<_> = cc
        .get_pull_request_approval_states()
        .pull_request_id(&ids[0])
        .revision_id(rev)
        .send()
        .await
        .unwrap()
        .approvals()
        .iter()
        .filter_map(|a| a.user_arn().map(str::to_owned))
        .collect();
    assert!(approvers.contains(&arn), "{approvers:?}");
    let events = cc
        .describe_pull_request_events()
        .pull_request_id(&ids[0])
        .send()
        .await
        .unwrap();
    assert_eq!(events.pull_request_events().len(), 2);

    // Her own pull request: she cannot approve it, and the error is typed.
    let mine = cc
        .create_pull_request()
        .title("Mine")
        .targets(
            Target::builder()
                .repository_name("payments-api")
                .source_reference("develop")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .pull_request
        .unwrap();
    assert_eq!(mine.author_arn(), Some(arn.as_str()));
    let err = cc
        .update_pull_request_approval_state()
        .pull_request_id(mine.pull_request_id().unwrap())
        .revision_id(mine.revision_id().unwrap())
        .approval_state(ApprovalState::Approve)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        err.is_pull_request_cannot_be_approved_by_author_exception(),
        "{err:?}"
    );
    let missing = cc
        .get_pull_request()
        .pull_request_id("9999")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        missing.is_pull_request_does_not_exist_exception(),
        "{missing:?}"
    );
}

/// Every other pull-request operation once through the Rust SDK: its parsers accept each
/// answer (comments' reaction map, merge metadata, conflict lists, templates).
#[tokio::test]
async fn every_pull_request_operation_parses_in_the_rust_sdk() {
    use aws_sdk_codecommit::types::{
        MergeOptionTypeEnum, OverrideStatus, PullRequestStatusEnum, Target,
    };
    let emu = start(World::demo()).await;
    let (token, ..) = sign_in(&emu, "alice").await;
    let creds = role_creds(&emu, &token, "222222222222", "Developer").await;
    let cc = codecommit(&emu, creds, "us-east-1");
    let repo = "payments-api";

    let pr = cc
        .create_pull_request()
        .title("Rust")
        .description("d")
        .targets(
            Target::builder()
                .repository_name(repo)
                .source_reference("develop")
                .destination_reference("main")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .pull_request
        .unwrap();
    let id = pr.pull_request_id().unwrap().to_owned();
    let rev = pr.revision_id().unwrap().to_owned();
    let t = &pr.pull_request_targets()[0];
    let (src, dst) = (
        t.source_commit().unwrap().to_owned(),
        t.destination_commit().unwrap().to_owned(),
    );

    let titled = cc
        .update_pull_request_title()
        .pull_request_id(&id)
        .title("Rust, renamed")
        .send()
        .await
        .unwrap();
    assert_eq!(
        titled.pull_request().unwrap().title(),
        Some("Rust, renamed")
    );
    cc.update_pull_request_description()
        .pull_request_id(&id)
        .description("again")
        .send()
        .await
        .unwrap();
    let content = r#"{"Version":"2018-11-08","Statements":[{"Type":"Approvers","NumberOfApprovalsNeeded":1}]}"#;
    let rule = cc
        .create_pull_request_approval_rule()
        .pull_request_id(&id)
        .approval_rule_name("r")
        .approval_rule_content(content)
        .send()
        .await
        .unwrap()
        .approval_rule
        .unwrap();
    cc.update_pull_request_approval_rule_content()
        .pull_request_id(&id)
        .approval_rule_name("r")
        .existing_rule_content_sha256(rule.rule_content_sha256().unwrap())
        .new_rule_content(content.replace(":1}", ":2}"))
        .send()
        .await
        .unwrap();
    cc.override_pull_request_approval_rules()
        .pull_request_id(&id)
        .revision_id(&rev)
        .override_status(OverrideStatus::Override)
        .send()
        .await
        .unwrap();
    let state = cc
        .get_pull_request_override_state()
        .pull_request_id(&id)
        .revision_id(&rev)
        .send()
        .await
        .unwrap();
    assert!(state.overridden() && state.overrider().is_some());
    let deleted = cc
        .delete_pull_request_approval_rule()
        .pull_request_id(&id)
        .approval_rule_name("r")
        .send()
        .await
        .unwrap();
    assert_eq!(Some(deleted.approval_rule_id()), rule.approval_rule_id());

    let posted = cc
        .post_comment_for_pull_request()
        .pull_request_id(&id)
        .repository_name(repo)
        .before_commit_id(&dst)
        .after_commit_id(&src)
        .content("looks fine")
        .send()
        .await
        .unwrap();
    assert!(
        posted
            .comment()
            .unwrap()
            .reaction_counts()
            .unwrap()
            .is_empty()
    );
    let comments = cc
        .get_comments_for_pull_request()
        .pull_request_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        comments.comments_for_pull_request_data()[0]
            .comments()
            .len(),
        1
    );

    let options = cc
        .get_merge_options()
        .repository_name(repo)
        .source_commit_specifier("develop")
        .destination_commit_specifier("main")
        .send()
        .await
        .unwrap();
    assert!(
        options
            .merge_options()
            .contains(&MergeOptionTypeEnum::ThreeWayMerge)
    );
    let conflicts = cc
        .get_merge_conflicts()
        .repository_name(repo)
        .source_commit_specifier("develop")
        .destination_commit_specifier("main")
        .merge_option(MergeOptionTypeEnum::SquashMerge)
        .send()
        .await
        .unwrap();
    assert!(conflicts.mergeable() && conflicts.conflict_metadata_list().is_empty());
    let merged = cc
        .merge_pull_request_by_three_way()
        .pull_request_id(&id)
        .repository_name(repo)
        .source_commit_id(&src)
        .send()
        .await
        .unwrap()
        .pull_request
        .unwrap();
    assert_eq!(
        merged.pull_request_status(),
        Some(&PullRequestStatusEnum::Closed)
    );
    let meta = merged.pull_request_targets()[0].merge_metadata().unwrap();
    assert!(meta.is_merged() && meta.merge_commit_id().is_some());
    for (status, err) in [
        (
            cc.merge_pull_request_by_squash()
                .pull_request_id(&id)
                .repository_name(repo)
                .send()
                .await
                .unwrap_err()
                .into_service_error()
                .is_pull_request_already_closed_exception(),
            "squash",
        ),
        (
            cc.merge_pull_request_by_fast_forward()
                .pull_request_id(&id)
                .repository_name(repo)
                .send()
                .await
                .unwrap_err()
                .into_service_error()
                .is_pull_request_already_closed_exception(),
            "ff",
        ),
        (
            cc.update_pull_request_status()
                .pull_request_id(&id)
                .pull_request_status(PullRequestStatusEnum::Open)
                .send()
                .await
                .unwrap_err()
                .into_service_error()
                .is_invalid_pull_request_status_update_exception(),
            "reopen",
        ),
    ] {
        assert!(status, "{err}");
    }

    let template = cc
        .create_approval_rule_template()
        .approval_rule_template_name("t")
        .approval_rule_template_content(content)
        .send()
        .await
        .unwrap()
        .approval_rule_template
        .unwrap();
    cc.get_approval_rule_template()
        .approval_rule_template_name("t")
        .send()
        .await
        .unwrap();
    cc.update_approval_rule_template_content()
        .approval_rule_template_name("t")
        .new_rule_content(content)
        .existing_rule_content_sha256(template.rule_content_sha256().unwrap())
        .send()
        .await
        .unwrap();
    cc.associate_approval_rule_template_with_repository()
        .approval_rule_template_name("t")
        .repository_name(repo)
        .send()
        .await
        .unwrap();
    let batch = cc
        .batch_associate_approval_rule_template_with_repositories()
        .approval_rule_template_name("t")
        .repository_names("checkout-web")
        .send()
        .await
        .unwrap();
    assert_eq!(batch.associated_repository_names(), ["checkout-web"]);
    let listed = cc.list_approval_rule_templates().send().await.unwrap();
    assert_eq!(listed.approval_rule_template_names(), ["t"]);
    let for_repo = cc
        .list_associated_approval_rule_templates_for_repository()
        .repository_name(repo)
        .send()
        .await
        .unwrap();
    assert_eq!(for_repo.approval_rule_template_names(), ["t"]);
    for r in [repo, "checkout-web"] {
        cc.disassociate_approval_rule_template_from_repository()
            .approval_rule_template_name("t")
            .repository_name(r)
            .send()
            .await
            .unwrap();
    }
    let gone = cc
        .delete_approval_rule_template()
        .approval_rule_template_name("t")
        .send()
        .await
        .unwrap();
    assert_eq!(
        Some(gone.approval_rule_template_id()),
        template.approval_rule_template_id()
    );
    let status = cc
        .update_pull_request_status()
        .pull_request_id(&id)
        .pull_request_status(PullRequestStatusEnum::Closed)
        .send()
        .await
        .unwrap();
    assert!(status.pull_request().is_some());
}

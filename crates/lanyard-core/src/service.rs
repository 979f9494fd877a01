//! One service object the fronts hold: the CLI, the desktop app and the credential endpoints share
//! through it one rate limiter per identity (every portal call of an identity, whoever makes it),
//! one in-memory role-credential cache (in front of the AWS CLI's disk cache), one way to resolve a
//! profile's credentials, and the rule that profiles are only written after a discovery.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use crate::accounts::{self, AccountRoles, DiscoveryProgress, RateLimiter};
use crate::codecommit::{self, Inventory, InventoryEvent, InventoryOptions, RoleCredentialsCache};
use crate::credentials::{self, Credentials, ProfileSpec};
use crate::profiles::{self, ProfileSettings, SyncPlan, SyncReport};
use crate::secret::Secret;
use crate::sso::{self, Identity, LogoutReport, SsoContext};
use crate::{Error, Result};

/// IAM Identity Center's portal allows about 20 calls a second per caller (PROTOCOL.md §3.2).
pub const PORTAL_TPS: f64 = 20.0;

/// Lanyard's shared state over one [`SsoContext`].
pub struct Lanyard {
    ctx: SsoContext,
    portal_tps: f64,
    limiters: Mutex<HashMap<String, Arc<RateLimiter>>>,
    role_creds: Arc<RoleCredentialsCache>,
    endpoints: Mutex<HashMap<String, Serving>>,
}

struct Serving {
    info: EndpointInfo,
    token: Secret,
    stop: CancellationToken,
}

/// A credential endpoint this process runs (no secret: safe to show and to send over IPC).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct EndpointInfo {
    /// The profile it serves.
    pub profile: String,
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    pub url: String,
}

impl Lanyard {
    /// The service over a context, at the portal's documented rate.
    pub fn new(ctx: SsoContext) -> Self {
        Lanyard {
            ctx,
            portal_tps: PORTAL_TPS,
            limiters: Mutex::default(),
            role_creds: Arc::default(),
            endpoints: Mutex::default(),
        }
    }

    /// The same with another portal rate for every identity (`lanyard sync --rate`).
    pub fn with_portal_tps(mut self, tps: f64) -> Self {
        self.portal_tps = tps;
        self
    }

    /// Paths, endpoints, clock and secrets.
    pub fn ctx(&self) -> &SsoContext {
        &self.ctx
    }

    /// Every identity in the AWS config.
    pub fn identities(&self) -> Result<Vec<Identity>> {
        Ok(sso::identity::from_config(&sso::identity::read_config(
            &self.ctx.paths.aws_config_file,
        )?))
    }

    /// One identity by its sso-session name.
    pub fn identity(&self, session: &str) -> Result<Identity> {
        sso::identity::find(&self.ctx.paths.aws_config_file, session)
    }

    /// The identity's rate limiter, shared by every portal call made through this service.
    pub fn limiter(&self, session: &str) -> Arc<RateLimiter> {
        self.limiters
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(session.to_owned())
            .or_insert_with(|| Arc::new(RateLimiter::new(self.portal_tps)))
            .clone()
    }

    /// The in-memory role-credential cache (scan, clone, console, credentials).
    pub fn role_credentials(&self) -> Arc<RoleCredentialsCache> {
        self.role_creds.clone()
    }

    /// Discovers every account and role of an identity, reporting each as it arrives.
    pub async fn discover(
        &self,
        identity: &Identity,
        on_account: &(dyn Fn(&AccountRoles, &DiscoveryProgress) + Send + Sync),
    ) -> Result<Vec<AccountRoles>> {
        accounts::discover(
            &self.ctx,
            identity,
            self.limiter(&identity.session),
            on_account,
        )
        .await
    }

    /// The last discovery's accounts, or a discovery when there was none.
    pub async fn accounts(
        &self,
        identity: &Identity,
        on_account: &(dyn Fn(&AccountRoles, &DiscoveryProgress) + Send + Sync),
    ) -> Result<Vec<AccountRoles>> {
        match accounts::cached(&self.ctx, &identity.session) {
            Some(list) => Ok(list),
            None => self.discover(identity, on_account).await,
        }
    }

    /// The profiles a sync would write from the last discovery, with the diff against the file
    /// as it is (empty before any discovery).
    pub fn plan_profiles(&self, session: &str, settings: &ProfileSettings) -> Result<SyncPlan> {
        let identity = self.identity(session)?;
        let accounts = accounts::cached(&self.ctx, session).unwrap_or_default();
        let text = sso::identity::read_config(&self.ctx.paths.aws_config_file)?;
        profiles::plan(&self.ctx.paths, &identity, &accounts, settings, &text)
    }

    /// Plans again against the file as it is now, writes the profiles and remembers the settings.
    /// Refused before a discovery: an empty plan would remove every profile of the identity.
    pub fn apply_profiles(&self, session: &str, settings: &ProfileSettings) -> Result<SyncReport> {
        if accounts::cached(&self.ctx, session).is_none() {
            return Err(Error::InvalidInput {
                field: "accounts",
                reason: format!("discover the accounts of {session} before writing profiles"),
            });
        }
        let plan = self.plan_profiles(session, settings)?;
        let report = profiles::apply(&self.ctx.paths, &plan, (self.ctx.clock)())?;
        profiles::save_settings(&self.ctx.paths, session, settings)?;
        Ok(report)
    }

    /// The regions a repository scan covers by default for an identity, then `extra`.
    pub fn scan_regions(&self, identity: &Identity, extra: &[String]) -> Vec<String> {
        let mut regions = codecommit::inventory::default_regions(
            identity,
            &profiles::load_settings(&self.ctx.paths, &identity.session),
        );
        for r in extra {
            if !regions.contains(r) {
                regions.push(r.clone());
            }
        }
        regions
    }

    /// Scans an identity's accounts (discovering them first when never discovered) for
    /// repositories, reporting each account's results.
    pub async fn scan_repositories(
        &self,
        identity: &Identity,
        opts: InventoryOptions,
        on_event: &(dyn Fn(&InventoryEvent) + Send + Sync),
    ) -> Result<Inventory> {
        let list = self.accounts(identity, &|_, _| {}).await?;
        codecommit::inventory::scan(
            &self.ctx,
            identity,
            &list,
            self.limiter(&identity.session),
            self.role_creds.clone(),
            opts,
            on_event,
        )
        .await
    }

    /// Revalidates an identity's pull requests over its repositories (scanned first when never
    /// scanned), reusing the cached inbox for everything unchanged.
    pub async fn pull_requests(
        &self,
        identity: &Identity,
    ) -> Result<(codecommit::prs::Inbox, codecommit::prs::InboxStats)> {
        let inventory = match codecommit::inventory::cached(&self.ctx, &identity.session) {
            Some(inv) => inv,
            None => {
                let regions = self.scan_regions(identity, &[]);
                self.scan_repositories(identity, InventoryOptions::new(regions), &|_| {})
                    .await?
            }
        };
        codecommit::prs::revalidate(
            &self.ctx,
            identity,
            &inventory,
            self.limiter(&identity.session),
            self.role_creds.clone(),
            codecommit::prs::cached(&self.ctx, &identity.session),
            None,
        )
        .await
    }

    /// A background round over an identity's scanned repositories (none when never scanned):
    /// those holding pull requests that concern the user, and slice `round` of the rest
    /// ([`codecommit::prs::background_selection`]).
    pub async fn pull_requests_in_background(
        &self,
        identity: &Identity,
        round: u64,
    ) -> Result<Option<(codecommit::prs::Inbox, codecommit::prs::InboxStats)>> {
        let Some(inventory) = codecommit::inventory::cached(&self.ctx, &identity.session) else {
            return Ok(None);
        };
        let previous = codecommit::prs::cached(&self.ctx, &identity.session);
        let only = codecommit::prs::background_selection(&inventory, previous.as_ref(), round);
        codecommit::prs::revalidate(
            &self.ctx,
            identity,
            &inventory,
            self.limiter(&identity.session),
            self.role_creds.clone(),
            previous,
            Some(&only),
        )
        .await
        .map(Some)
    }

    /// The role credentials a pull request is read (and acted on) with.
    async fn pull_request_credentials(
        &self,
        p: &codecommit::prs::PullRequest,
    ) -> Result<(Identity, codecommit::RoleCredentials)> {
        let identity = self.identity(&p.session)?;
        let creds = self
            .role_creds
            .get(
                &self.ctx,
                &identity,
                &p.account_id,
                &p.role_name,
                &self.limiter(&p.session),
            )
            .await?;
        Ok((identity, creds))
    }

    /// Approves a pull request's revision as the user saw it (or revokes the approval).
    pub async fn approve_pull_request(
        &self,
        p: &codecommit::prs::PullRequest,
        revoke: bool,
    ) -> Result<()> {
        let (identity, creds) = self.pull_request_credentials(p).await?;
        codecommit::prs::approve(&self.ctx, &identity, &creds, p, revoke).await
    }

    /// A console sign-in URL, as the role that reads the pull request, landing on its page.
    pub async fn pull_request_console_url(
        &self,
        p: &codecommit::prs::PullRequest,
    ) -> Result<Secret> {
        let (identity, creds) = self.pull_request_credentials(p).await?;
        let role = crate::console::ProfileRole {
            profile: codecommit::prs::label(p),
            session: p.session.clone(),
            account_id: p.account_id.clone(),
            role_name: p.role_name.clone(),
            region: Some(p.region.clone()),
        };
        crate::console::signin_url_to(
            &self.ctx.endpoints,
            &role,
            &identity.region,
            &creds,
            Some(&codecommit::prs::console_page(p)),
        )
        .await
    }

    /// Checks `p` out in `dir`: clones its repository there first when `dir` holds no clone
    /// (through `clone`, the front's own clone with its progress and cancel), then fetches the
    /// source branch and checks out a local branch tracking it. git runs with `path_env` (the
    /// PATH it would get) plus the folder of Lanyard's helper link when no helper is on it.
    /// Returns the checkout, and the clone's report when it cloned.
    pub async fn checkout_pull_request<R, E, F>(
        &self,
        p: &codecommit::prs::PullRequest,
        dir: &std::path::Path,
        path_env: Option<&std::ffi::OsStr>,
        clone: impl FnOnce(codecommit::CloneRequest) -> F,
    ) -> std::result::Result<(codecommit::prs::Checkout, Option<R>), E>
    where
        F: std::future::Future<Output = std::result::Result<R, E>>,
        E: From<Error>,
    {
        let cloned = if dir.join(".git").exists() {
            None
        } else {
            let mut req = codecommit::prs::clone_request(p);
            req.dest = Some(dir.display().to_string());
            Some(clone(req).await?)
        };
        let path = codecommit::helper::git_path(&self.ctx.paths, path_env);
        let (p, at) = (p.clone(), dir.to_owned());
        let done = tokio::task::spawn_blocking(move || {
            codecommit::prs::checkout(&at, &p, path.as_deref())
        })
        .await
        .map_err(|e| Error::Git {
            repository: dir.display().to_string(),
            reason: e.to_string(),
        })??;
        Ok((done, cloned))
    }

    /// Merges a pull request at the source commit the user saw; returns the new destination tip.
    pub async fn merge_pull_request(
        &self,
        p: &codecommit::prs::PullRequest,
        strategy: codecommit::prs::Strategy,
    ) -> Result<String> {
        let (identity, creds) = self.pull_request_credentials(p).await?;
        codecommit::prs::merge(&self.ctx, &identity, &creds, p, strategy).await
    }

    /// A profile of the AWS config, as the credential commands read it (process loops refused).
    pub fn profile_spec(&self, profile: &str) -> Result<ProfileSpec> {
        credentials::read_profile(&self.ctx.paths.aws_config_file, profile, "")
    }

    /// A profile's credentials as `export` lines (`export-credentials --format env`), with when
    /// they expire: what "Copy credentials as environment variables" puts on the clipboard.
    pub async fn environment(&self, profile: &str) -> Result<(Secret, Option<String>)> {
        let spec = self.profile_spec(profile)?;
        let c = self.credentials(&spec).await?;
        let text = credentials::render(&c, credentials::Format::Env, &spec.name)?;
        Ok((text, c.expires_at.map(crate::sso::cache::format_time)))
    }

    /// A profile's credentials: the caches, else the portal or the SDK chain.
    pub async fn credentials(&self, spec: &ProfileSpec) -> Result<Credentials> {
        credentials::resolve(&self.ctx, &|s| self.limiter(s), &self.role_creds, spec).await
    }

    /// The console sign-in URL for a profile (a secret: only ever handed to the browser).
    pub async fn console_url(&self, profile: &str) -> Result<Secret> {
        crate::console::url_for_profile(&self.ctx, &self.role_creds, |s| self.limiter(s), profile)
            .await
    }

    /// Signs out of an identity: its role credentials held here go too.
    pub async fn sign_out(&self, identity: &Identity) -> Result<LogoutReport> {
        self.role_creds.forget(&identity.session);
        sso::logout(&self.ctx, identity).await
    }

    /// Removes a Lanyard-managed identity and everything of it: signs out (portal, token file,
    /// keyring copies, the AWS CLI's cached role credentials, role credentials held here), then
    /// its `[sso-session]` and profiles blocks, its client registrations and its accounts and
    /// repository caches — nothing is left for a later offboarding to miss. A user-written
    /// identity is refused, untouched.
    pub async fn remove_identity(&self, identity: &Identity) -> Result<()> {
        if !identity.managed {
            return sso::identity::remove(&self.ctx.paths, &identity.session);
        }
        let issued = sso::session::issued_identity(&self.ctx, identity);
        self.sign_out(identity).await?;
        sso::identity::remove(&self.ctx.paths, &identity.session)?;
        let configured = (!identity.scopes.is_empty()).then_some(identity.scopes.as_slice());
        let mut files = vec![
            accounts::cache_path(&self.ctx, &identity.session),
            codecommit::inventory::cache_path(&self.ctx, &identity.session),
            profiles::settings_path(&self.ctx.paths, &identity.session),
        ];
        for region in [&identity.region, &issued.region] {
            for scopes in [None, configured] {
                files.push(sso::cache::registration_path(
                    &self.ctx.paths.sso_cache_dir,
                    &identity.start_url,
                    region,
                    scopes,
                    &identity.session,
                ));
            }
        }
        for f in files {
            crate::fsx::remove_if_exists(&f)?;
        }
        Ok(())
    }

    /// Where a start URL leads: an AWS-owned one as it is, a vanity one asked once (trusting
    /// the AWS CA bundle). For forms and `lanyard login` without a region.
    pub async fn resolve_start_url(
        &self,
        start_url: &str,
        region: Option<&str>,
    ) -> Result<sso::ResolvedStartUrl> {
        sso::resolve_start_url(
            start_url.trim(),
            region,
            self.ctx.endpoints.ca_bundle.as_deref(),
        )
        .await
    }

    /// Signs out of every identity in the config, then removes what is left of the AWS CLI's SSO
    /// role credentials — `aws sso logout`'s rule for the whole cache. Returns each identity's
    /// report and the other files removed.
    pub async fn sign_out_all(&self) -> Result<(Vec<LogoutReport>, Vec<std::path::PathBuf>)> {
        let text = sso::identity::read_config(&self.ctx.paths.aws_config_file)?;
        let mut reports = vec![];
        for identity in sso::identity::from_config(&text) {
            reports.push(self.sign_out(&identity).await?);
        }
        self.role_creds.forget_all();
        let rest = credentials::cli_cache::remove_sso(&self.ctx.paths.cli_cache_dir, None, false)?;
        Ok((reports, rest))
    }

    /// Offboards (or previews it); the role credentials held here go too.
    pub async fn offboard(&self, dry_run: bool) -> Result<crate::offboard::OffboardReport> {
        let report = crate::offboard::offboard(&self.ctx, dry_run).await?;
        if !dry_run {
            self.role_creds.forget_all();
            for (_, s) in self
                .endpoints
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .drain()
            {
                s.stop.cancel();
            }
        }
        Ok(report)
    }
}

impl Lanyard {
    /// Starts a local credential endpoint for a profile on `127.0.0.1:port` (0 = any free port),
    /// after resolving its credentials once so that a profile that cannot be served fails here,
    /// with its fix, rather than on a tool's first request. One endpoint per profile: starting it
    /// again returns the running one. Returns what to show and the token (a secret).
    pub async fn serve_profile(
        self: &Arc<Self>,
        spec: &ProfileSpec,
        port: u16,
    ) -> Result<(EndpointInfo, Secret)> {
        if let Some(s) = self
            .endpoints
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&spec.name)
        {
            return Ok((s.info.clone(), s.token.clone()));
        }
        self.credentials(spec).await?;
        let endpoint = credentials::server::bind(port).await?;
        let info = EndpointInfo {
            profile: spec.name.clone(),
            url: endpoint.url.clone(),
        };
        let token = endpoint.token.clone();
        let stop = CancellationToken::new();
        let (svc, spec2) = (Arc::downgrade(self), spec.clone());
        let source: credentials::server::Source = Arc::new(move || {
            let (svc, spec) = (svc.clone(), spec2.clone());
            Box::pin(async move {
                match svc.upgrade() {
                    Some(svc) => svc.credentials(&spec).await,
                    None => Err(Error::Credentials {
                        profile: spec.name.clone(),
                        reason: "Lanyard is shutting down".into(),
                    }),
                }
            })
        });
        let (name, clock, s) = (spec.name.clone(), self.ctx.clock.clone(), stop.clone());
        tokio::spawn(async move {
            if let Err(e) = endpoint.serve(&name, source, clock, s).await {
                tracing::warn!(profile = name, "the credential endpoint stopped: {e}");
            }
        });
        self.endpoints
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                spec.name.clone(),
                Serving {
                    info: info.clone(),
                    token: token.clone(),
                    stop,
                },
            );
        tracing::info!(profile = spec.name, url = info.url, "serving credentials");
        Ok((info, token))
    }

    /// The two `export` lines a tool needs to use a running endpoint (a secret: the token).
    pub fn endpoint_env(&self, profile: &str) -> Option<Secret> {
        self.endpoints
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(profile)
            .map(|s| {
                Secret::new(format!(
                    "export AWS_CONTAINER_CREDENTIALS_FULL_URI={}\nexport AWS_CONTAINER_AUTHORIZATION_TOKEN={}\n",
                    s.info.url,
                    s.token.expose()
                ))
            })
    }

    /// Stops a profile's endpoint; true when one was running.
    pub fn stop_serving(&self, profile: &str) -> bool {
        match self
            .endpoints
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(profile)
        {
            Some(s) => {
                s.stop.cancel();
                tracing::info!(profile, "stopped serving credentials");
                true
            }
            None => false,
        }
    }

    /// The endpoints running now, by profile.
    pub fn serving(&self) -> Vec<EndpointInfo> {
        let mut v: Vec<EndpointInfo> = self
            .endpoints
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .map(|s| s.info.clone())
            .collect();
        v.sort_by(|a, b| a.profile.cmp(&b.profile));
        v
    }
}

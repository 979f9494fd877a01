//! Run-time state: client registrations, device and authorization-code grants, sign-in sessions
//! with their access and refresh tokens, issued role credentials and repository metadata, plus
//! the protocol rules that act on them. HTTP shapes live in `http`; this module is plain logic.

// The records below are plain data whose field names say what they hold.
#![allow(missing_docs)]

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::Rng;
use rand::distr::{Alphanumeric, SampleString};
use sha2::{Digest, Sha256};

use crate::error::AwsError;
use crate::world::{Instance, PermissionSet, Repository, World};

/// Lifetimes of what the emulator issues, in seconds.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    /// Access tokens.
    pub access_token: u64,
    /// The sign-in session (how long refresh tokens keep working).
    pub refresh_token: u64,
    /// Client registrations.
    pub client: u64,
    /// Device codes.
    pub device_code: u64,
    /// Role credentials.
    pub role_credentials: u64,
    /// The polling interval returned with device codes.
    pub device_interval: u64,
    /// The interval the server enforces (0 = the advertised one); larger values make honest
    /// clients meet `slow_down`, as a throttled real service does.
    pub device_enforced_interval: u64,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            access_token: 3600,
            refresh_token: 8 * 3600,
            client: 90 * 24 * 3600,
            device_code: 600,
            role_credentials: 3600,
            device_interval: 1,
            device_enforced_interval: 0,
        }
    }
}

/// Seconds since the Unix epoch, with sub-second precision.
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs_f64()
}

/// A random request id in AWS's UUID form.
pub fn request_id() -> String {
    let b: [u8; 16] = rand::rng().random();
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn random(len: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rng(), len)
}

fn user_code() -> String {
    // No vowels or look-alikes, as on the real verification page.
    const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
    let mut rng = rand::rng();
    let mut pick = || ALPHABET[rng.random_range(0..ALPHABET.len())] as char;
    let a: String = (0..4).map(|_| pick()).collect();
    let b: String = (0..4).map(|_| pick()).collect();
    format!("{a}-{b}")
}

/// A registered OIDC client.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Client {
    pub secret: String,
    pub expires_at: u64,
    pub issued_at: u64,
    pub redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub issuer_url: Option<String>,
    /// The scopes registered (none for a legacy device-flow registration).
    pub scopes: Vec<String>,
}

/// The device-code grant's name.
pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

impl Client {
    /// Whether the registration allows a grant. A registration without `grantTypes` is a legacy
    /// device-flow client: the device-code grant, and refresh only when it has scopes.
    pub fn allows(&self, grant: &str) -> bool {
        if self.grant_types.is_empty() {
            grant == DEVICE_GRANT || (grant == "refresh_token" && !self.scopes.is_empty())
        } else {
            self.grant_types.iter().any(|g| g == grant)
        }
    }

    /// Whether tokens issued to this client come with a refresh token: only registrations with
    /// scopes get one (that is what `sso_registration_scopes` is for).
    pub fn refreshable(&self) -> bool {
        !self.scopes.is_empty() && self.allows("refresh_token")
    }
}

/// Where a device authorization stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceStatus {
    Pending,
    Approved(String),
    Denied,
    Consumed,
}

/// A device authorization in progress.
#[derive(Debug, Clone)]
pub struct Device {
    pub client_id: String,
    pub user_code: String,
    pub instance: usize,
    pub expires_at: f64,
    pub interval: u64,
    pub last_poll: Option<f64>,
    pub status: DeviceStatus,
}

/// An authorization code issued by the consent page.
#[derive(Debug, Clone)]
pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: String,
    pub user: String,
    pub instance: usize,
    pub expires_at: f64,
}

/// A sign-in session: what Logout ends and refresh tokens extend into.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Session {
    pub user: String,
    pub instance: usize,
    pub expires_at: f64,
    pub logged_out: bool,
}

/// An access or refresh token.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Token {
    pub session: String,
    pub client_id: String,
    pub expires_at: f64,
}

/// Temporary credentials issued by GetRoleCredentials.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RoleCredentials {
    pub secret: String,
    pub session_token: String,
    pub instance: usize,
    pub account: String,
    pub role: String,
    pub user: String,
    pub expires_at: f64,
}

/// A repository's metadata (declared in the world or created through the API).
#[derive(Debug, Clone)]
pub struct RepoMeta {
    pub decl: Repository,
    pub id: String,
    pub created: f64,
    pub last_modified: f64,
}

/// Repositories are keyed by (instance, account, region, name).
pub type RepoKey = (usize, String, String, String);

/// Tokens issued by a successful CreateToken.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    pub access_token: String,
    /// `None` for clients registered without scopes.
    pub refresh_token: Option<String>,
    pub expires_in: u64,
}

#[derive(Default)]
struct Data {
    clients: HashMap<String, Client>,
    devices: HashMap<String, Device>,
    codes: HashMap<String, AuthCode>,
    sessions: HashMap<String, Session>,
    access: HashMap<String, Token>,
    refresh: HashMap<String, Token>,
    creds: HashMap<String, RoleCredentials>,
    repos: BTreeMap<RepoKey, RepoMeta>,
    /// Console sign-in tokens (federation getSigninToken) → access key id and expiry.
    signin: HashMap<String, (String, f64)>,
    console_logins: Vec<ConsoleLogin>,
    /// `aws login` refresh tokens (Sign-In CreateOAuth2Token).
    login_grants: HashMap<String, LoginGrant>,
    /// DPoP proof ids seen (a replayed proof is refused).
    dpop_jtis: std::collections::HashSet<String>,
    /// Successful refreshes of `aws login` sessions.
    login_refreshes: u64,
}

/// What `--keep-sessions` carries over a restart: registrations, sign-in sessions, tokens and
/// role credentials (a server that restarts does not forget who is signed in). Sign-ins in
/// progress, console tokens and repositories created through the API start afresh.
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Kept {
    clients: HashMap<String, Client>,
    sessions: HashMap<String, Session>,
    access: HashMap<String, Token>,
    refresh: HashMap<String, Token>,
    creds: HashMap<String, RoleCredentials>,
    login_grants: HashMap<String, LoginGrant>,
}

/// An `aws login` session's refresh token: who, which role, and the DPoP key it is bound to.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LoginGrant {
    pub instance: usize,
    pub user: String,
    pub account: String,
    pub role: String,
    /// RFC 7638 thumbprint (base64url SHA-256) of the public key the refresh must be signed with.
    pub jkt: String,
    pub expires_at: f64,
}

/// Why a Sign-In token refresh was refused (the model's `OAuth2ErrorCode`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginRefused {
    /// Unknown, used or expired refresh token: `AccessDeniedException` / `TOKEN_EXPIRED`.
    TokenExpired,
    /// The proof was made with another key than the session's: `ValidationException` /
    /// `INVALID_REQUEST`.
    WrongKey,
    /// The DPoP proof was already used.
    Replayed,
}

/// A console sign-in the federation `login` action accepted (for tests: `/_emulator/console-logins`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConsoleLogin {
    /// The account signed in to.
    pub account: String,
    /// The role.
    pub role: String,
    /// The user behind the credentials.
    pub user: String,
    /// Where the console was asked to go.
    pub destination: String,
}

/// How long a console sign-in token can be used (AWS: 15 minutes).
pub const SIGNIN_TOKEN_SECS: f64 = 15.0 * 60.0;

/// The ARN CodeCommit and STS report for a user signed in through a permission set
/// (PROTOCOL.md §11.6): `arn:aws:sts::<acct>:assumed-role/AWSReservedSSO_<PS>_<suffix>/<user>`.
/// The suffix is fixed per instance and permission set, as Identity Center's is per role. One
/// function for every place a caller is named: authors, approvers, GetCallerIdentity and
/// AccessDenied texts.
pub fn session_arn(instance: &Instance, account: &str, role: &str, user: &str) -> String {
    let (partition, _) = crate::http::partition_dns(&instance.region);
    format!(
        "arn:{partition}:sts::{account}:assumed-role/{}/{user}",
        reserved_role(instance, role)
    )
}

/// `AWSReservedSSO_<PS>_<16 hex>`: the role Identity Center creates for a permission set.
pub fn reserved_role(instance: &Instance, role: &str) -> String {
    let h = hex::encode(Sha256::digest(format!("{}|{role}", instance.start_url)));
    format!("AWSReservedSSO_{role}_{}", &h[..16])
}

/// The role's unique ID as `GetCallerIdentity`'s `UserId` starts with it (`AROA…`).
pub fn role_id(instance: &Instance, role: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let h = Sha256::digest(format!("role-id|{}|{role}", instance.start_url));
    let tail: String = h
        .iter()
        .take(17)
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect();
    format!("AROA{tail}")
}

/// All mutable emulator state behind one short-held lock.
pub struct State {
    pub world: World,
    pub lifetimes: Lifetimes,
    data: Mutex<Data>,
}

fn unauthorized_grant(grant: &str) -> AwsError {
    AwsError::oidc(
        "UnauthorizedClientException",
        format!("The client is not authorized to use the {grant} grant"),
    )
}

/// The PKCE S256 challenge of a verifier: base64url(sha256(verifier)) without padding.
pub fn pkce_challenge(verifier: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether a redirect URI matches a registered one, ignoring the port (as AWS does for loopback).
pub fn redirect_matches(registered: &str, given: &str) -> bool {
    match (url::Url::parse(registered), url::Url::parse(given)) {
        (Ok(r), Ok(g)) => {
            // RFC 8252 §7.3: a loopback redirect URI matches on any port.
            let loopback = matches!(
                r.host(),
                Some(url::Host::Ipv4(ip)) if ip.is_loopback()
            ) || matches!(r.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback());
            r.scheme() == g.scheme()
                && r.host_str() == g.host_str()
                && (loopback || r.port_or_known_default() == g.port_or_known_default())
                && r.path() == g.path()
                && r.query() == g.query()
        }
        _ => false,
    }
}

fn repo_meta(decl: Repository) -> RepoMeta {
    let digest = Sha256::digest(format!("{}/{}/{}", decl.account, decl.region, decl.name));
    let h = hex::encode(&digest[..16]);
    let id = format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    );
    // Deterministic dates in the past few years so lists sort the same way every run.
    let created = 1_640_000_000.0
        + (u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) % 60_000_000) as f64;
    let last_modified = created + decl.commits as f64 * 86_400.0 * 3.0;
    RepoMeta {
        decl,
        id,
        created,
        last_modified,
    }
}

impl State {
    /// Fresh state for a world.
    pub fn new(world: World, lifetimes: Lifetimes) -> Self {
        let mut data = Data::default();
        for (i, inst) in world.instances.iter().enumerate() {
            for r in &inst.repositories {
                data.repos.insert(
                    (i, r.account.clone(), r.region.clone(), r.name.clone()),
                    repo_meta(r.clone()),
                );
            }
        }
        State {
            world,
            lifetimes,
            data: Mutex::new(data),
        }
    }

    /// The sessions and tokens to keep over a restart, as JSON (see [`Kept`]).
    pub fn kept_sessions(&self) -> serde_json::Result<Vec<u8>> {
        let d = self.data();
        serde_json::to_vec(&Kept {
            clients: d.clients.clone(),
            sessions: d.sessions.clone(),
            access: d.access.clone(),
            refresh: d.refresh.clone(),
            creds: d.creds.clone(),
            login_grants: d.login_grants.clone(),
        })
    }

    /// Takes back what [`State::kept_sessions`] wrote.
    pub fn restore_sessions(&self, json: &[u8]) -> serde_json::Result<()> {
        let k: Kept = serde_json::from_slice(json)?;
        let mut d = self.data();
        d.clients.extend(k.clients);
        d.sessions.extend(k.sessions);
        d.access.extend(k.access);
        d.refresh.extend(k.refresh);
        d.creds.extend(k.creds);
        d.login_grants.extend(k.login_grants);
        Ok(())
    }

    fn data(&self) -> std::sync::MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(|p| p.into_inner())
    }

    // ---- OIDC --------------------------------------------------------------------------------

    /// RegisterClient.
    pub fn register_client(
        &self,
        scopes: Vec<String>,
        redirect_uris: Vec<String>,
        grant_types: Vec<String>,
        issuer_url: Option<String>,
    ) -> (String, Client) {
        let now = now() as u64;
        let client = Client {
            secret: format!(
                "eyJraWQiOiJrZXktMTU2NDAyODA5OSIsImFsZyI6IkhTMzg0In0.{}",
                random(700)
            ),
            issued_at: now,
            expires_at: now + self.lifetimes.client,
            redirect_uris,
            grant_types,
            issuer_url,
            scopes,
        };
        let id = random(22);
        self.data().clients.insert(id.clone(), client.clone());
        (id, client)
    }

    fn check_client(data: &Data, id: &str, secret: &str) -> Result<Client, AwsError> {
        let invalid = || {
            AwsError::oidc(
                "InvalidClientException",
                "Invalid client credentials provided",
            )
        };
        let client = data.clients.get(id).ok_or_else(invalid)?;
        if !crate::constant_time_eq(&client.secret, secret) {
            return Err(invalid());
        }
        if (client.expires_at as f64) <= now() {
            return Err(AwsError::oidc(
                "InvalidClientException",
                "Client registration has expired",
            ));
        }
        Ok(client.clone())
    }

    /// StartDeviceAuthorization: returns (device code, device).
    pub fn start_device_authorization(
        &self,
        client_id: &str,
        secret: &str,
        start_url: &str,
    ) -> Result<(String, Device), AwsError> {
        let mut data = self.data();
        let client = Self::check_client(&data, client_id, secret)?;
        if !client.allows(DEVICE_GRANT) {
            return Err(AwsError::oidc(
                "UnauthorizedClientException",
                "The client is not authorized to use the device code grant",
            ));
        }
        let instance = self.world.instance_by_start_url(start_url).ok_or_else(|| {
            AwsError::oidc(
                "InvalidRequestException",
                format!("Invalid start url: {start_url}"),
            )
        })?;
        let device = Device {
            client_id: client_id.to_owned(),
            user_code: user_code(),
            instance,
            expires_at: now() + self.lifetimes.device_code as f64,
            interval: self
                .lifetimes
                .device_interval
                .max(self.lifetimes.device_enforced_interval),
            last_poll: None,
            status: DeviceStatus::Pending,
        };
        let code = random(64);
        data.devices.insert(code.clone(), device.clone());
        Ok((code, device))
    }

    /// Finds a pending device authorization by the code the user sees.
    pub fn device_by_user_code(&self, user_code: &str) -> Option<(String, Device)> {
        let want = user_code.trim().to_ascii_uppercase();
        self.data()
            .devices
            .iter()
            .find(|(_, d)| d.user_code == want)
            .map(|(k, d)| (k.clone(), d.clone()))
    }

    /// The user approved (Some(user)) or denied (None) on the verification page.
    pub fn decide_device(&self, user_code: &str, user: Option<&str>) -> Result<(), String> {
        let want = user_code.trim().to_ascii_uppercase();
        let mut data = self.data();
        let device = data
            .devices
            .values_mut()
            .find(|d| d.user_code == want)
            .ok_or_else(|| format!("No sign-in request with code {want}."))?;
        if device.expires_at <= now() {
            return Err(
                "This code has expired. Start the sign-in again from your application.".into(),
            );
        }
        if device.status != DeviceStatus::Pending {
            return Err("This code was already used.".into());
        }
        let instance = &self.world.instances[device.instance];
        device.status = match user {
            Some(u) => {
                let u = if u.is_empty() {
                    instance.users[0].name.as_str()
                } else {
                    u
                };
                if !instance.users.iter().any(|x| x.name == u) {
                    return Err(format!("Unknown user {u}."));
                }
                DeviceStatus::Approved(u.to_owned())
            }
            None => DeviceStatus::Denied,
        };
        Ok(())
    }

    fn issue(
        &self,
        data: &mut Data,
        client: &Client,
        client_id: &str,
        session_id: String,
    ) -> IssuedTokens {
        let session = &data.sessions[&session_id];
        let remaining = (session.expires_at - now()).max(0.0);
        let expires_in = (self.lifetimes.access_token as f64).min(remaining).floor() as u64;
        let access = format!("aoa{}", random(180));
        let refresh = format!("aor{}", random(180));
        let session_end = session.expires_at;
        data.access.insert(
            access.clone(),
            Token {
                session: session_id.clone(),
                client_id: client_id.into(),
                expires_at: now() + expires_in as f64,
            },
        );
        let refresh = client.refreshable().then(|| {
            data.refresh.insert(
                refresh.clone(),
                Token {
                    session: session_id,
                    client_id: client_id.into(),
                    expires_at: session_end,
                },
            );
            refresh
        });
        IssuedTokens {
            access_token: access,
            refresh_token: refresh,
            expires_in,
        }
    }

    fn new_session(&self, data: &mut Data, user: String, instance: usize) -> String {
        let id = random(32);
        data.sessions.insert(
            id.clone(),
            Session {
                user,
                instance,
                expires_at: now() + self.lifetimes.refresh_token as f64,
                logged_out: false,
            },
        );
        id
    }

    /// CreateToken with the device-code grant.
    pub fn token_device(
        &self,
        client_id: &str,
        secret: &str,
        device_code: &str,
    ) -> Result<IssuedTokens, AwsError> {
        let mut data = self.data();
        let client = Self::check_client(&data, client_id, secret)?;
        if !client.allows(DEVICE_GRANT) {
            return Err(unauthorized_grant(DEVICE_GRANT));
        }
        let t = now();
        let device = data
            .devices
            .get_mut(device_code)
            .filter(|d| d.client_id == client_id)
            .ok_or_else(|| {
                AwsError::oidc("InvalidGrantException", "Invalid device code provided")
            })?;
        if device.expires_at <= t {
            return Err(AwsError::oidc(
                "ExpiredTokenException",
                "Device code has expired",
            ));
        }
        let last = device.last_poll.replace(t);
        match device.status.clone() {
            DeviceStatus::Denied => Err(AwsError::oidc(
                "AccessDeniedException",
                "Access denied by the user",
            )),
            DeviceStatus::Consumed => Err(AwsError::oidc(
                "InvalidGrantException",
                "Device code has already been used",
            )),
            DeviceStatus::Approved(user) => {
                device.status = DeviceStatus::Consumed;
                let instance = device.instance;
                let session = self.new_session(&mut data, user, instance);
                Ok(self.issue(&mut data, &client, client_id, session))
            }
            DeviceStatus::Pending => {
                // RFC 8628 §3.5: polling faster than `interval` earns slow_down.
                if last.is_some_and(|l| t - l < device.interval as f64) {
                    Err(AwsError::oidc(
                        "SlowDownException",
                        "Client is polling too quickly",
                    ))
                } else {
                    Err(AwsError::oidc(
                        "AuthorizationPendingException",
                        "Authorization is still pending",
                    ))
                }
            }
        }
    }

    /// Validates an /authorize request; returns the instance it belongs to.
    pub fn check_authorize(&self, client_id: &str, redirect_uri: &str) -> Result<usize, String> {
        self.authorize_client(client_id, redirect_uri)
            .map(|(i, _)| i)
    }

    /// [`Self::check_authorize`], also returning the registration (for its scopes).
    pub fn authorize_client(
        &self,
        client_id: &str,
        redirect_uri: &str,
    ) -> Result<(usize, Client), String> {
        let data = self.data();
        let client = data.clients.get(client_id).ok_or("Unknown client_id.")?;
        if (client.expires_at as f64) <= now() {
            return Err("The client registration has expired.".into());
        }
        if !client.grant_types.iter().any(|g| g == "authorization_code") {
            return Err("This client is not registered for the authorization_code grant.".into());
        }
        if !client
            .redirect_uris
            .iter()
            .any(|r| redirect_matches(r, redirect_uri))
        {
            return Err(format!(
                "redirect_uri {redirect_uri} does not match the registered redirect URIs."
            ));
        }
        // RegisterClient refused an authorization_code client without a known issuer, so this
        // only fails if the world changed; no client is ever mapped to an instance by default.
        let instance = client
            .issuer_url
            .as_deref()
            .and_then(|u| self.world.instance_by_start_url(u))
            .ok_or("The client's issuer URL belongs to no IAM Identity Center instance.")?;
        Ok((instance, client.clone()))
    }

    /// The user approved an /authorize request: mint a one-time code.
    pub fn issue_code(
        &self,
        client_id: &str,
        redirect_uri: &str,
        challenge: &str,
        user: &str,
        instance: usize,
    ) -> String {
        let code = random(48);
        self.data().codes.insert(
            code.clone(),
            AuthCode {
                client_id: client_id.into(),
                redirect_uri: redirect_uri.into(),
                challenge: challenge.into(),
                user: user.into(),
                instance,
                expires_at: now() + 600.0,
            },
        );
        code
    }

    /// CreateToken with the authorization-code grant (PKCE S256).
    pub fn token_code(
        &self,
        client_id: &str,
        secret: &str,
        code: &str,
        redirect_uri: &str,
        verifier: &str,
    ) -> Result<IssuedTokens, AwsError> {
        let mut data = self.data();
        let client = Self::check_client(&data, client_id, secret)?;
        if !client.allows("authorization_code") {
            return Err(unauthorized_grant("authorization_code"));
        }
        // A code is single-use whatever the outcome.
        let grant = data
            .codes
            .remove(code)
            .filter(|c| c.client_id == client_id && c.expires_at > now())
            .ok_or_else(|| {
                AwsError::oidc(
                    "InvalidGrantException",
                    "Invalid authorization code provided",
                )
            })?;
        if grant.redirect_uri != redirect_uri {
            return Err(AwsError::oidc(
                "InvalidGrantException",
                "redirectUri does not match the authorization request",
            ));
        }
        if !crate::constant_time_eq(&pkce_challenge(verifier), &grant.challenge) {
            return Err(AwsError::oidc(
                "InvalidGrantException",
                "Code verifier does not match the code challenge",
            ));
        }
        let session = self.new_session(&mut data, grant.user, grant.instance);
        Ok(self.issue(&mut data, &client, client_id, session))
    }

    /// CreateToken with the refresh-token grant.
    ///
    /// Assumption (PROTOCOL.md is silent): a new refresh token is returned each time and the old
    /// one keeps working until the session ends, so a cache file rewritten by another tool does
    /// not strand whoever still holds the previous token.
    pub fn token_refresh(
        &self,
        client_id: &str,
        secret: &str,
        refresh: &str,
    ) -> Result<IssuedTokens, AwsError> {
        let mut data = self.data();
        let client = Self::check_client(&data, client_id, secret)?;
        if !client.allows("refresh_token") {
            return Err(unauthorized_grant("refresh_token"));
        }
        let invalid = || AwsError::oidc("InvalidGrantException", "Invalid refresh token provided");
        let token = data
            .refresh
            .get(refresh)
            .filter(|t| t.client_id == client_id)
            .cloned()
            .ok_or_else(invalid)?;
        let session = data.sessions.get(&token.session).ok_or_else(invalid)?;
        if session.logged_out || session.expires_at <= now() {
            return Err(invalid());
        }
        Ok(self.issue(&mut data, &client, client_id, token.session))
    }

    // ---- portal ------------------------------------------------------------------------------

    /// Resolves a bearer token to (instance, user), or UnauthorizedException.
    pub fn bearer(&self, token: Option<&str>) -> Result<(usize, String), AwsError> {
        let unauthorized = || {
            AwsError::portal(
                "UnauthorizedException",
                "Session token not found or invalid",
            )
        };
        let data = self.data();
        let t = data
            .access
            .get(token.ok_or_else(unauthorized)?)
            .ok_or_else(unauthorized)?;
        let s = data.sessions.get(&t.session).ok_or_else(unauthorized)?;
        if s.logged_out || t.expires_at <= now() || s.expires_at <= now() {
            return Err(unauthorized());
        }
        Ok((s.instance, s.user.clone()))
    }

    /// Logout: ends the session behind an access token (all its access and refresh tokens).
    pub fn logout(&self, token: Option<&str>) -> Result<(), AwsError> {
        self.bearer(token)?;
        let mut data = self.data();
        let session = data.access[token.unwrap_or_default()].session.clone();
        if let Some(s) = data.sessions.get_mut(&session) {
            s.logged_out = true;
        }
        Ok(())
    }

    /// The instance behind an access token, if it is known at all (for per-instance throttling).
    pub fn instance_of_token(&self, token: &str) -> Option<usize> {
        let data = self.data();
        data.access
            .get(token)
            .and_then(|t| data.sessions.get(&t.session))
            .map(|s| s.instance)
    }

    /// GetRoleCredentials.
    pub fn role_credentials(
        &self,
        instance: usize,
        user: &str,
        account: &str,
        role: &str,
    ) -> Result<(String, RoleCredentials), AwsError> {
        let inst = &self.world.instances[instance];
        if !inst.roles_of(user, account).iter().any(|p| p.name == role) {
            // What the real portal answers (HTTP 403, code from x-amzn-ErrorType), although
            // botocore's model lists no ForbiddenException for GetRoleCredentials.
            return Err(AwsError::portal("ForbiddenException", "No access"));
        }
        let secs = self.lifetimes.role_credentials as f64;
        Ok(Self::issue_credentials(
            &mut self.data(),
            instance,
            user,
            account,
            role,
            secs,
        ))
    }

    /// Credentials for a role, recorded so CodeCommit accepts them (GetRoleCredentials and Sign-In
    /// share this).
    fn issue_credentials(
        data: &mut Data,
        instance: usize,
        user: &str,
        account: &str,
        role: &str,
        secs: f64,
    ) -> (String, RoleCredentials) {
        let akid = format!("ASIA{}", random(16).to_ascii_uppercase());
        let creds = RoleCredentials {
            secret: random(40),
            session_token: format!("IQoJb3JpZ2luX2VjE{}", random(380)),
            instance,
            account: account.into(),
            role: role.into(),
            user: user.into(),
            expires_at: (now() + secs).floor(),
        };
        data.creds.insert(akid.clone(), creds.clone());
        (akid, creds)
    }

    /// Starts an `aws login` session for a user's role (what the browser half of `aws login`
    /// ends with): credentials valid for `secs` (negative: already expired) and a refresh token
    /// bound to the DPoP key thumbprint `jkt`.
    pub fn create_login_session(
        &self,
        instance: usize,
        user: &str,
        account: &str,
        role: &str,
        jkt: &str,
        secs: f64,
    ) -> Result<(String, RoleCredentials, String), String> {
        let inst = &self.world.instances[instance];
        if !inst.roles_of(user, account).iter().any(|p| p.name == role) {
            return Err(format!("{user} has no role {role} in account {account}"));
        }
        let mut data = self.data();
        let (akid, creds) = Self::issue_credentials(&mut data, instance, user, account, role, secs);
        let refresh = format!("lr-{}", random(60));
        data.login_grants.insert(
            refresh.clone(),
            LoginGrant {
                instance,
                user: user.into(),
                account: account.into(),
                role: role.into(),
                jkt: jkt.into(),
                expires_at: now() + self.lifetimes.refresh_token as f64,
            },
        );
        Ok((akid, creds, refresh))
    }

    /// Sign-In `CreateOAuth2Token` with `grantType=refresh_token`: the refresh token must be live
    /// and bound to the proof's key, the proof fresh. Refresh tokens rotate; credentials last at
    /// most 15 minutes (the model's `expiresIn` range).
    pub fn login_refresh(
        &self,
        refresh_token: &str,
        jkt: &str,
        jti: &str,
    ) -> Result<(String, RoleCredentials, String, u64), LoginRefused> {
        let mut data = self.data();
        let grant = match data.login_grants.get(refresh_token) {
            Some(g) if g.expires_at > now() => g.clone(),
            _ => return Err(LoginRefused::TokenExpired),
        };
        if grant.jkt != jkt {
            return Err(LoginRefused::WrongKey);
        }
        if !data.dpop_jtis.insert(jti.to_owned()) {
            return Err(LoginRefused::Replayed);
        }
        let secs = self.lifetimes.role_credentials.clamp(1, 900);
        let (akid, creds) = Self::issue_credentials(
            &mut data,
            grant.instance,
            &grant.user,
            &grant.account,
            &grant.role,
            secs as f64,
        );
        data.login_grants.remove(refresh_token);
        let next = format!("lr-{}", random(60));
        data.login_grants.insert(next.clone(), grant);
        data.login_refreshes += 1;
        Ok((akid, creds, next, secs))
    }

    /// How many `aws login` sessions were refreshed (for tests).
    pub fn login_refreshes(&self) -> u64 {
        self.data().login_refreshes
    }

    /// Ends every `aws login` session's refresh token now.
    pub fn expire_login_sessions(&self) -> usize {
        let mut data = self.data();
        let t = now();
        data.login_grants
            .values_mut()
            .for_each(|g| g.expires_at = g.expires_at.min(t));
        data.login_grants.len()
    }

    /// Looks issued role credentials up by access key id.
    pub fn credentials(&self, akid: &str) -> Option<RoleCredentials> {
        self.data().creds.get(akid).cloned()
    }

    /// Federation `getSigninToken`: the session JSON's three fields must be credentials the portal
    /// issued and that have not expired.
    pub fn signin_token(
        &self,
        access_key_id: &str,
        secret: &str,
        session_token: &str,
    ) -> Option<String> {
        let mut data = self.data();
        let c = data.creds.get(access_key_id)?;
        if !crate::constant_time_eq(&c.secret, secret)
            || !crate::constant_time_eq(&c.session_token, session_token)
            || c.expires_at <= now()
        {
            return None;
        }
        let token = random(120);
        data.signin.insert(
            token.clone(),
            (access_key_id.to_owned(), now() + SIGNIN_TOKEN_SECS),
        );
        Some(token)
    }

    /// Federation `login`: the credentials behind a live sign-in token, recorded as a console login.
    pub fn console_login(&self, token: &str, destination: &str) -> Option<RoleCredentials> {
        let mut data = self.data();
        let (akid, expires) = data.signin.get(token)?.clone();
        if expires <= now() {
            return None;
        }
        let c = data.creds.get(&akid)?.clone();
        data.console_logins.push(ConsoleLogin {
            account: c.account.clone(),
            role: c.role.clone(),
            user: c.user.clone(),
            destination: destination.to_owned(),
        });
        Some(c)
    }

    /// Every console login so far.
    pub fn console_logins(&self) -> Vec<ConsoleLogin> {
        self.data().console_logins.clone()
    }

    /// Every secret issued so far, by kind: client secrets, access and refresh tokens, role
    /// credentials (key id, secret key, session token) and console sign-in tokens. For tests that
    /// search logs, pages and IPC for any of them (`/_emulator/issued-secrets`).
    pub fn issued_secrets(&self) -> BTreeMap<&'static str, Vec<String>> {
        let d = self.data();
        let mut out = BTreeMap::new();
        out.insert(
            "clientSecrets",
            d.clients.values().map(|c| c.secret.clone()).collect(),
        );
        out.insert("accessTokens", d.access.keys().cloned().collect());
        out.insert("refreshTokens", d.refresh.keys().cloned().collect());
        out.insert("accessKeyIds", d.creds.keys().cloned().collect());
        out.insert(
            "secretAccessKeys",
            d.creds.values().map(|c| c.secret.clone()).collect(),
        );
        out.insert(
            "sessionTokens",
            d.creds.values().map(|c| c.session_token.clone()).collect(),
        );
        out.insert("signinTokens", d.signin.keys().cloned().collect());
        out.insert(
            "loginRefreshTokens",
            d.login_grants.keys().cloned().collect(),
        );
        out
    }

    /// The permission set behind role credentials.
    pub fn permission_set(&self, creds: &RoleCredentials) -> Option<&PermissionSet> {
        self.world.instances[creds.instance]
            .permission_sets
            .iter()
            .find(|p| p.name == creds.role)
    }

    /// An instance by index.
    pub fn instance(&self, i: usize) -> &Instance {
        &self.world.instances[i]
    }

    // ---- test control ------------------------------------------------------------------------

    /// Expires every access token now (refresh tokens stay valid).
    pub fn expire_access_tokens(&self) -> usize {
        let mut data = self.data();
        let t = now();
        data.access
            .values_mut()
            .for_each(|a| a.expires_at = a.expires_at.min(t));
        data.access.len()
    }

    /// Expires every role credential now.
    pub fn expire_role_credentials(&self) -> usize {
        let mut data = self.data();
        let t = now();
        data.creds
            .values_mut()
            .for_each(|c| c.expires_at = c.expires_at.min(t));
        data.creds.len()
    }

    /// Expires every client registration now.
    pub fn expire_clients(&self) -> usize {
        let mut data = self.data();
        let t = now() as u64;
        data.clients
            .values_mut()
            .for_each(|c| c.expires_at = c.expires_at.min(t));
        data.clients.len()
    }

    // ---- repositories ------------------------------------------------------------------------

    /// Repositories of one account in one region, in name order.
    pub fn repositories(&self, instance: usize, account: &str, region: &str) -> Vec<RepoMeta> {
        self.data()
            .repos
            .range(
                (
                    instance,
                    account.to_owned(),
                    region.to_owned(),
                    String::new(),
                )..,
            )
            .take_while(|((i, a, r, _), _)| *i == instance && a == account && r == region)
            .map(|(_, m)| m.clone())
            .collect()
    }

    /// One repository.
    pub fn repository(
        &self,
        instance: usize,
        account: &str,
        region: &str,
        name: &str,
    ) -> Option<RepoMeta> {
        self.data()
            .repos
            .get(&(instance, account.into(), region.into(), name.into()))
            .cloned()
    }

    /// The regions in which an account has a repository with this name.
    pub fn regions_of(&self, instance: usize, account: &str, name: &str) -> Vec<String> {
        self.data()
            .repos
            .keys()
            .filter(|(i, a, _, n)| *i == instance && a == account && n == name)
            .map(|(_, _, r, _)| r.clone())
            .collect()
    }

    /// CreateRepository; `None` when the name exists.
    pub fn create_repository(&self, instance: usize, decl: Repository) -> Option<RepoMeta> {
        let key = (
            instance,
            decl.account.clone(),
            decl.region.clone(),
            decl.name.clone(),
        );
        let mut data = self.data();
        if data.repos.contains_key(&key) {
            return None;
        }
        let mut meta = repo_meta(decl);
        meta.created = now();
        meta.last_modified = meta.created;
        data.repos.insert(key, meta.clone());
        Some(meta)
    }

    /// Records a push.
    pub fn touch_repository(&self, key: &RepoKey) {
        if let Some(m) = self.data().repos.get_mut(key) {
            m.last_modified = now();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> State {
        State::new(World::demo(), Lifetimes::default())
    }

    fn scoped() -> Vec<String> {
        vec!["sso:account:access".into()]
    }

    fn approved_device(s: &State, id: &str, secret: &str) -> Result<IssuedTokens, AwsError> {
        let (dc, dev) =
            s.start_device_authorization(id, secret, "https://acme.awsapps.com/start")?;
        s.decide_device(&dev.user_code, Some("")).unwrap();
        s.token_device(id, secret, &dc)
    }

    #[test]
    fn kept_sessions_let_tokens_issued_before_a_restart_work_after_it() {
        let before = state();
        let (id, c) = before.register_client(scoped(), vec![], vec![], None);
        let t = approved_device(&before, &id, &c.secret).unwrap();
        let refresh = t.refresh_token.unwrap();
        let json = before.kept_sessions().unwrap();

        // A restart without them: the server has forgotten the sign-in.
        let forgot = state();
        assert!(forgot.bearer(Some(&t.access_token)).is_err());
        assert!(forgot.token_refresh(&id, &c.secret, &refresh).is_err());

        let after = state();
        after.restore_sessions(&json).unwrap();
        assert!(after.bearer(Some(&t.access_token)).is_ok());
        let renewed = after.token_refresh(&id, &c.secret, &refresh).unwrap();
        assert!(after.bearer(Some(&renewed.access_token)).is_ok());
        assert!(after.restore_sessions(b"{not json").is_err());
    }

    #[test]
    fn a_device_client_without_scopes_gets_no_refresh_token() {
        let s = state();
        let (id, c) = s.register_client(vec![], vec![], vec![], None);
        let t = approved_device(&s, &id, &c.secret).unwrap();
        assert!(t.refresh_token.is_none());
        assert!(s.bearer(Some(&t.access_token)).is_ok());
        let e = s.token_refresh(&id, &c.secret, "aor-anything").unwrap_err();
        assert_eq!(e.code, "UnauthorizedClientException");

        let (id, c) = s.register_client(scoped(), vec![], vec![], None);
        assert!(
            approved_device(&s, &id, &c.secret)
                .unwrap()
                .refresh_token
                .is_some()
        );
    }

    #[test]
    fn grant_types_are_enforced_per_registration() {
        let s = state();
        let (id, c) = s.register_client(
            scoped(),
            vec!["http://127.0.0.1/oauth/callback".into()],
            vec!["authorization_code".into(), "refresh_token".into()],
            Some("https://acme.awsapps.com/start".into()),
        );
        let e = approved_device(&s, &id, &c.secret).unwrap_err();
        assert_eq!(e.code, "UnauthorizedClientException");
        let (id, c) = s.register_client(scoped(), vec![], vec![], None);
        let e = s
            .token_code(
                &id,
                &c.secret,
                "code",
                "http://127.0.0.1:1/oauth/callback",
                "v",
            )
            .unwrap_err();
        assert_eq!(e.code, "UnauthorizedClientException");
    }

    #[test]
    fn the_portal_url_is_a_start_url_the_vanity_name_is_not() {
        let s = state();
        let acme = &s.world.instances[0];
        let portal = acme.portal_url();
        assert!(
            portal.starts_with("https://ssoins-") && portal.ends_with(".portal.us-east-1.app.aws")
        );
        assert_eq!(
            s.world.instance_by_start_url(&format!("{portal}/")),
            Some(0)
        );
        assert_eq!(
            s.world.instance_by_vanity("acme").map(|i| i.name.as_str()),
            Some("acme")
        );
        assert_eq!(
            s.world
                .instance_by_start_url("https://127.0.0.1:1/vanity/acme"),
            None
        );
    }

    #[test]
    fn pkce_vectors_from_protocol_md() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(
            pkce_challenge("bFZHPQev~v2ZqcwM.efbnybZ3hZiPD2jNc9ZzawmpMVU3J5mcfrj9WIIqrqLr7Me"),
            "QPiumG2PPugCyr-8yQVtgX72N-OJ-uhJ7foqKFn5dGE"
        );
    }

    #[test]
    fn redirect_uri_matches_modulo_port_only() {
        let reg = "http://127.0.0.1/oauth/callback";
        assert!(redirect_matches(
            reg,
            "http://127.0.0.1:55555/oauth/callback"
        ));
        assert!(!redirect_matches(reg, "http://127.0.0.1:55555/other"));
        assert!(!redirect_matches(
            reg,
            "http://evil.example:55555/oauth/callback"
        ));
        assert!(!redirect_matches(
            reg,
            "https://127.0.0.1:55555/oauth/callback"
        ));
        assert!(!redirect_matches(reg, "not a url"));
        // Any port only on loopback.
        let https = "https://app.example/cb";
        assert!(redirect_matches(https, "https://app.example:443/cb"));
        assert!(!redirect_matches(https, "https://app.example:8443/cb"));
    }

    #[test]
    fn device_flow_pending_slow_down_approve_then_single_use() {
        let s = state();
        let (id, c) = s.register_client(scoped(), vec![], vec![], None);
        let (dc, dev) = s
            .start_device_authorization(&id, &c.secret, "https://acme.awsapps.com/start")
            .unwrap();
        assert_eq!(
            s.token_device(&id, &c.secret, &dc).unwrap_err().code,
            "AuthorizationPendingException"
        );
        assert_eq!(
            s.token_device(&id, &c.secret, &dc).unwrap_err().code,
            "SlowDownException"
        );
        s.decide_device(&dev.user_code.to_lowercase(), Some("alice"))
            .unwrap();
        let t = s.token_device(&id, &c.secret, &dc).unwrap();
        assert_eq!(
            s.bearer(Some(&t.access_token)).unwrap(),
            (0, "alice".to_owned())
        );
        assert_eq!(
            s.token_device(&id, &c.secret, &dc).unwrap_err().code,
            "InvalidGrantException"
        );
        assert_eq!(
            s.token_device(&id, "wrong", &dc).unwrap_err().code,
            "InvalidClientException"
        );
    }

    #[test]
    fn denied_and_unknown_start_url() {
        let s = state();
        let (id, c) = s.register_client(scoped(), vec![], vec![], None);
        assert_eq!(
            s.start_device_authorization(&id, &c.secret, "https://nope.awsapps.com/start")
                .unwrap_err()
                .code,
            "InvalidRequestException"
        );
        let (dc, dev) = s
            .start_device_authorization(&id, &c.secret, "https://acme.awsapps.com/start")
            .unwrap();
        s.decide_device(&dev.user_code, None).unwrap();
        assert_eq!(
            s.token_device(&id, &c.secret, &dc).unwrap_err().code,
            "AccessDeniedException"
        );
    }

    #[test]
    fn auth_code_checks_verifier_and_redirect_and_is_single_use() {
        let s = state();
        let (id, c) = s.register_client(
            scoped(),
            vec!["http://127.0.0.1/oauth/callback".into()],
            vec!["authorization_code".into(), "refresh_token".into()],
            Some("https://acme.awsapps.com/start".into()),
        );
        let redirect = "http://127.0.0.1:4242/oauth/callback";
        assert_eq!(s.check_authorize(&id, redirect), Ok(0));
        assert!(
            s.check_authorize(&id, "http://127.0.0.1:4242/elsewhere")
                .is_err()
        );
        let verifier = "v".repeat(64);
        let code = s.issue_code(&id, redirect, &pkce_challenge(&verifier), "bob", 0);
        let bad = s
            .token_code(&id, &c.secret, &code, redirect, "wrong")
            .unwrap_err();
        assert_eq!(bad.code, "InvalidGrantException");
        let code = s.issue_code(&id, redirect, &pkce_challenge(&verifier), "bob", 0);
        let t = s
            .token_code(&id, &c.secret, &code, redirect, &verifier)
            .unwrap();
        assert_eq!(s.bearer(Some(&t.access_token)).unwrap().1, "bob");
        assert!(
            s.token_code(&id, &c.secret, &code, redirect, &verifier)
                .is_err()
        );
    }

    #[test]
    fn refresh_survives_access_expiry_but_not_logout() {
        let s = state();
        let (id, c) = s.register_client(scoped(), vec![], vec![], None);
        let (dc, dev) = s
            .start_device_authorization(&id, &c.secret, "https://acme.awsapps.com/start")
            .unwrap();
        s.decide_device(&dev.user_code, Some("")).unwrap();
        let t = s.token_device(&id, &c.secret, &dc).unwrap();
        s.expire_access_tokens();
        assert_eq!(
            s.bearer(Some(&t.access_token)).unwrap_err().code,
            "UnauthorizedException"
        );
        let t2 = s
            .token_refresh(&id, &c.secret, t.refresh_token.as_deref().unwrap())
            .unwrap();
        assert_ne!(t2.access_token, t.access_token);
        s.logout(Some(&t2.access_token)).unwrap();
        assert!(s.bearer(Some(&t2.access_token)).is_err());
        assert_eq!(
            s.token_refresh(&id, &c.secret, t.refresh_token.as_deref().unwrap())
                .unwrap_err()
                .code,
            "InvalidGrantException"
        );
    }

    #[test]
    fn role_credentials_only_for_assigned_roles() {
        let s = state();
        let (akid, creds) = s
            .role_credentials(0, "alice", "222222222222", "Developer")
            .unwrap();
        assert!(akid.starts_with("ASIA") && akid.len() == 20);
        assert!(s.permission_set(&creds).unwrap().allows("GitPush"));
        let e = s
            .role_credentials(0, "bob", "222222222222", "Developer")
            .unwrap_err();
        assert_eq!((e.code, e.status.as_u16()), ("ForbiddenException", 403));
    }

    #[test]
    fn expired_client_registration_is_refused() {
        let s = state();
        let (id, c) = s.register_client(scoped(), vec![], vec![], None);
        s.expire_clients();
        let e = s
            .start_device_authorization(&id, &c.secret, "https://acme.awsapps.com/start")
            .unwrap_err();
        assert_eq!((e.code, e.status.as_u16()), ("InvalidClientException", 401));
    }
}

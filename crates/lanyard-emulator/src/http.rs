//! The HTTP surface: routes, request parsing into AWS-shaped errors, and the OIDC, portal and
//! CodeCommit API handlers. Consent pages and the control API are in `pages`, git in `git`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::error::{AwsError, Service};
use crate::knobs::Realism;
use crate::state::{RepoMeta, State as Emu, now};
use crate::world::{CODECOMMIT_REGIONS, Repository, valid_repository_name};

/// Largest API request body accepted (real services cap far lower than this).
const MAX_API_BODY: usize = 1024 * 1024;

/// Everything a handler can reach.
pub struct App {
    /// Protocol state.
    pub state: Emu,
    /// Knobs and the request log.
    pub realism: Realism,
    /// `http://127.0.0.1:PORT`, the base of pages and the verification URI.
    pub http_base: String,
    /// Approve device codes and /authorize requests for the first user without a page.
    pub auto_approve: bool,
    /// Bare repositories on disk.
    pub git: crate::git::GitStore,
    /// Pull requests on those repositories.
    pub pulls: crate::pulls::Pulls,
}

/// The router shared by the HTTP and HTTPS listeners.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/client/register", post(register_client))
        .route("/device_authorization", post(start_device_authorization))
        .route("/token", post(create_token))
        .route("/assignment/accounts", get(list_accounts))
        .route("/assignment/roles", get(list_account_roles))
        .route("/federation/credentials", get(get_role_credentials))
        .route("/logout", post(logout))
        .route("/v1/token", post(crate::signin::create_oauth2_token))
        .route("/", post(codecommit).get(crate::pages::index))
        .route("/v1/repos/{*rest}", any(crate::git::serve))
        .merge(crate::pages::routes())
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            crate::knobs::apply,
        ))
        .layer(DefaultBodyLimit::disable())
        .with_state(app)
}

/// Reads a bounded body and deserializes it, answering in the service's error shape.
async fn json_body<T: DeserializeOwned>(service: Service, body: Body) -> Result<T, AwsError> {
    let err = |code: &'static str, m: String| match service {
        Service::Oidc => AwsError::oidc(code, m),
        Service::Portal => AwsError::portal(code, m),
        Service::CodeCommit => AwsError::codecommit(code, m),
        Service::Sts => AwsError::sts(code, m),
    };
    let bytes = axum::body::to_bytes(body, MAX_API_BODY)
        .await
        .map_err(|_| match service {
            Service::CodeCommit => AwsError::codecommit(
                "RequestEntityTooLargeException",
                "Request body is too large",
            ),
            _ => err(
                "InvalidRequestException",
                "Request body is too large".into(),
            ),
        })?;
    let bytes = if bytes.is_empty() {
        axum::body::Bytes::from_static(b"{}")
    } else {
        bytes
    };
    serde_json::from_slice(&bytes).map_err(|e| {
        let code = if service == Service::CodeCommit {
            "SerializationException"
        } else {
            "InvalidRequestException"
        };
        err(code, format!("Malformed request body: {e}"))
    })
}

fn require<'a>(service: Service, v: &'a Option<String>, name: &str) -> Result<&'a str, AwsError> {
    match v.as_deref() {
        Some(s) if !s.is_empty() => Ok(s),
        _ => {
            let m = format!("{name} is required");
            Err(match service {
                Service::Oidc => AwsError::oidc("InvalidRequestException", m),
                Service::Portal => AwsError::portal("InvalidRequestException", m),
                Service::CodeCommit => AwsError::codecommit("InvalidRequestException", m),
                Service::Sts => AwsError::sts("InvalidParameterValue", m),
            })
        }
    }
}

fn ok_json(v: Value) -> Response {
    let mut r = (StatusCode::OK, v.to_string()).into_response();
    r.headers_mut()
        .insert("content-type", "application/json".parse().expect("static"));
    r
}

fn oidc_content_type_ok(headers: &HeaderMap) -> Result<(), AwsError> {
    match headers.get("content-type").and_then(|v| v.to_str().ok()) {
        Some(ct) if !ct.to_ascii_lowercase().contains("json") => Err(AwsError::oidc(
            "InvalidRequestException",
            format!("Unsupported Content-Type {ct}; expected application/json"),
        )),
        _ => Ok(()),
    }
}

// ---- OIDC ------------------------------------------------------------------------------------

/// A redirect URI a public client may register: https anywhere, http only on loopback.
fn acceptable_redirect(uri: &str) -> bool {
    match url::Url::parse(uri) {
        Ok(u) if u.scheme() == "https" => true,
        Ok(u) if u.scheme() == "http" => {
            matches!(
                u.host(),
                Some(url::Host::Ipv4(ip)) if ip.is_loopback()
            ) || matches!(u.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback())
                || u.host_str() == Some("localhost")
        }
        _ => false,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisterClientReq {
    client_name: Option<String>,
    client_type: Option<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    grant_types: Vec<String>,
    issuer_url: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
}

/// Scopes IAM Identity Center accepts (AWS documents these for its own clients; the model does
/// not list them — an assumption, see README). Anything else is `InvalidScopeException`.
pub const KNOWN_SCOPES: &[&str] = &[
    "sso:account:access",
    "openid",
    "aws",
    "sts:identity_context",
    "codewhisperer:completions",
    "codewhisperer:analysis",
    "codewhisperer:conversations",
    "codewhisperer:transformations",
    "codewhisperer:taskassist",
];

/// The first scope IAM Identity Center does not know, if any.
pub fn unknown_scope<'a>(scopes: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    scopes.into_iter().find(|s| !KNOWN_SCOPES.contains(s))
}

async fn register_client(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AwsError> {
    oidc_content_type_ok(&headers)?;
    let req: RegisterClientReq = json_body(Service::Oidc, body).await?;
    require(Service::Oidc, &req.client_name, "clientName")?;
    if require(Service::Oidc, &req.client_type, "clientType")? != "public" {
        return Err(AwsError::oidc(
            "InvalidClientMetadataException",
            "Invalid client type: only 'public' is supported",
        ));
    }
    const GRANTS: &[&str] = &[
        "authorization_code",
        "refresh_token",
        crate::state::DEVICE_GRANT,
    ];
    if let Some(g) = req
        .grant_types
        .iter()
        .find(|g| !GRANTS.contains(&g.as_str()))
    {
        return Err(AwsError::oidc(
            "UnsupportedGrantTypeException",
            format!("Unsupported grant type: {g}"),
        ));
    }
    if let Some(bad) = unknown_scope(req.scopes.iter().map(String::as_str)) {
        return Err(AwsError::oidc(
            "InvalidScopeException",
            format!("Invalid scope: {bad}"),
        ));
    }
    if let Some(r) = req.redirect_uris.iter().find(|r| !acceptable_redirect(r)) {
        return Err(AwsError::oidc(
            "InvalidRedirectUriException",
            format!("Invalid redirect URI: {r}"),
        ));
    }
    if req.grant_types.iter().any(|g| g == "authorization_code") {
        // Assumption (the model is silent on which error): an authorization_code client needs
        // somewhere to send the code and an instance to sign in to.
        if req.redirect_uris.is_empty() {
            return Err(AwsError::oidc(
                "InvalidRequestException",
                "redirectUris is required for the authorization_code grant",
            ));
        }
        let issuer = require(Service::Oidc, &req.issuer_url, "issuerUrl")?;
        if app.state.world.instance_by_start_url(issuer).is_none() {
            return Err(AwsError::oidc(
                "InvalidRequestException",
                format!("Invalid issuer URL: {issuer}"),
            ));
        }
        if req.scopes.is_empty() {
            return Err(AwsError::oidc(
                "InvalidScopeException",
                "scopes are required for the authorization_code grant",
            ));
        }
    }
    let (id, c) = app.state.register_client(
        req.scopes,
        req.redirect_uris,
        req.grant_types,
        req.issuer_url,
    );
    Ok(ok_json(json!({
        "clientId": id,
        "clientSecret": c.secret,
        "clientIdIssuedAt": c.issued_at,
        "clientSecretExpiresAt": c.expires_at,
    })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartDeviceReq {
    client_id: Option<String>,
    client_secret: Option<String>,
    start_url: Option<String>,
}

async fn start_device_authorization(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AwsError> {
    oidc_content_type_ok(&headers)?;
    let req: StartDeviceReq = json_body(Service::Oidc, body).await?;
    let (code, dev) = app.state.start_device_authorization(
        require(Service::Oidc, &req.client_id, "clientId")?,
        require(Service::Oidc, &req.client_secret, "clientSecret")?,
        require(Service::Oidc, &req.start_url, "startUrl")?,
    )?;
    if app.auto_approve {
        app.state
            .decide_device(&dev.user_code, Some(""))
            .map_err(|m| AwsError::oidc("InternalServerException", m))?;
    }
    let uri = format!("{}/device", app.http_base);
    let mut body = json!({
        "deviceCode": code,
        "userCode": dev.user_code,
        "verificationUri": uri,
        "verificationUriComplete": format!("{uri}?user_code={}", dev.user_code),
        "expiresIn": app.state.lifetimes.device_code,
    });
    // `interval` is optional in the model; 0 leaves it out (clients then poll every 5 s).
    if app.state.lifetimes.device_interval > 0 {
        body["interval"] = json!(app.state.lifetimes.device_interval);
    }
    Ok(ok_json(body))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateTokenReq {
    client_id: Option<String>,
    client_secret: Option<String>,
    grant_type: Option<String>,
    device_code: Option<String>,
    refresh_token: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    #[serde(default)]
    scope: Vec<String>,
}

async fn create_token(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AwsError> {
    oidc_content_type_ok(&headers)?;
    let req: CreateTokenReq = json_body(Service::Oidc, body).await?;
    let s = Service::Oidc;
    let (id, secret) = (
        require(s, &req.client_id, "clientId")?,
        require(s, &req.client_secret, "clientSecret")?,
    );
    // The model documents `scope` as having no effect; an unknown one is still refused.
    if let Some(bad) = unknown_scope(req.scope.iter().map(String::as_str)) {
        return Err(AwsError::oidc(
            "InvalidScopeException",
            format!("Invalid scope: {bad}"),
        ));
    }
    let t = match require(s, &req.grant_type, "grantType")? {
        crate::state::DEVICE_GRANT => {
            app.state
                .token_device(id, secret, require(s, &req.device_code, "deviceCode")?)?
        }
        "refresh_token" => {
            app.state
                .token_refresh(id, secret, require(s, &req.refresh_token, "refreshToken")?)?
        }
        "authorization_code" => app.state.token_code(
            id,
            secret,
            require(s, &req.code, "code")?,
            require(s, &req.redirect_uri, "redirectUri")?,
            require(s, &req.code_verifier, "codeVerifier")?,
        )?,
        other => {
            return Err(AwsError::oidc(
                "UnsupportedGrantTypeException",
                format!("Unsupported grant type: {other}"),
            ));
        }
    };
    let mut body = json!({
        "accessToken": t.access_token,
        "tokenType": "Bearer",
        "expiresIn": t.expires_in,
    });
    if let Some(r) = t.refresh_token {
        body["refreshToken"] = json!(r);
    }
    Ok(ok_json(body))
}

// ---- portal ----------------------------------------------------------------------------------

pub(crate) fn query_map(q: Option<String>) -> HashMap<String, String> {
    url::form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("x-amz-sso_bearer_token")
        .and_then(|v| v.to_str().ok())
}

/// Pages a list with `max_result` (1–100, default 20) and an opaque `next_token`.
fn paginate<T: Clone>(
    items: &[T],
    q: &HashMap<String, String>,
) -> Result<(Vec<T>, Option<String>), AwsError> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let max = match q.get("max_result") {
        None => 20,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| {
                AwsError::portal(
                    "InvalidRequestException",
                    "ResultSize parameter must be within the valid limits of: 1-100",
                )
            })?,
    };
    let start = match q.get("next_token") {
        None => 0,
        Some(t) => b64
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| {
                s.strip_prefix("offset:")
                    .and_then(|n| n.parse::<usize>().ok())
            })
            .filter(|n| *n <= items.len())
            .ok_or_else(|| AwsError::portal("InvalidRequestException", "Invalid next token"))?,
    };
    let end = (start + max).min(items.len());
    let next = (end < items.len()).then(|| b64.encode(format!("offset:{end}")));
    Ok((items[start..end].to_vec(), next))
}

async fn list_accounts(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, AwsError> {
    let (inst, user) = app.state.bearer(bearer(&headers))?;
    let q = query_map(q);
    let accounts: Vec<Value> = app
        .state
        .instance(inst)
        .accounts_of(&user)
        .iter()
        .map(|a| json!({"accountId": a.id, "accountName": a.name, "emailAddress": a.email}))
        .collect();
    let (page, next) = paginate(&accounts, &q)?;
    let mut out = json!({"accountList": page});
    if let Some(n) = next {
        out["nextToken"] = json!(n);
    }
    Ok(ok_json(out))
}

async fn list_account_roles(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, AwsError> {
    let (inst, user) = app.state.bearer(bearer(&headers))?;
    let q = query_map(q);
    let account = require(Service::Portal, &q.get("account_id").cloned(), "account_id")?.to_owned();
    let roles: Vec<Value> = app
        .state
        .instance(inst)
        .roles_of(&user, &account)
        .iter()
        .map(|p| json!({"roleName": p.name, "accountId": account}))
        .collect();
    let (page, next) = paginate(&roles, &q)?;
    let mut out = json!({"roleList": page});
    if let Some(n) = next {
        out["nextToken"] = json!(n);
    }
    Ok(ok_json(out))
}

async fn get_role_credentials(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, AwsError> {
    let (inst, user) = app.state.bearer(bearer(&headers))?;
    let q = query_map(q);
    let account = require(Service::Portal, &q.get("account_id").cloned(), "account_id")?.to_owned();
    let role = require(Service::Portal, &q.get("role_name").cloned(), "role_name")?.to_owned();
    let (akid, c) = app.state.role_credentials(inst, &user, &account, &role)?;
    Ok(ok_json(json!({"roleCredentials": {
        "accessKeyId": akid,
        "secretAccessKey": c.secret,
        "sessionToken": c.session_token,
        "expiration": (c.expires_at * 1000.0) as u64,
    }})))
}

async fn logout(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Response, AwsError> {
    app.state.logout(bearer(&headers))?;
    Ok(StatusCode::OK.into_response())
}

// ---- CodeCommit ------------------------------------------------------------------------------

/// Who signed a CodeCommit API request, after SigV4 verification.
pub struct Caller {
    /// Identity Center instance index.
    pub instance: usize,
    /// Account the credentials belong to.
    pub account: String,
    /// Region of the credential scope (selects the repositories).
    pub region: String,
    /// Permission set name.
    pub role: String,
    /// The signed-in user.
    pub user: String,
}

impl Caller {
    /// The caller's session ARN (`assumed-role/AWSReservedSSO_…/<user>`).
    pub fn arn(&self, app: &App) -> String {
        crate::state::session_arn(
            app.state.instance(self.instance),
            &self.account,
            &self.role,
            &self.user,
        )
    }
}

/// Verifies a SigV4 header-signed request against the credentials the portal issued.
pub(crate) fn verify_sigv4(
    app: &App,
    req_head: &axum::http::request::Parts,
    body: &[u8],
    svc: Service,
) -> Result<Caller, AwsError> {
    // The same checks answer in each service's own codes.
    let e = |cc_code: &'static str, message: String| -> AwsError {
        if svc != Service::Sts {
            return AwsError::codecommit(cc_code, message);
        }
        let code = match cc_code {
            "MissingAuthenticationTokenException" => "MissingAuthenticationToken",
            "IncompleteSignatureException" => "IncompleteSignature",
            "UnrecognizedClientException" => "InvalidClientTokenId",
            "ExpiredTokenException" => "ExpiredToken",
            _ => "SignatureDoesNotMatch",
        };
        AwsError::sts(code, message)
    };
    let scope = if svc == Service::Sts {
        "sts"
    } else {
        "codecommit"
    };
    let h = |n: &str| {
        req_head
            .headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let Some(authz) = h("authorization") else {
        return Err(e(
            "MissingAuthenticationTokenException",
            "Missing Authentication Token".into(),
        ));
    };
    let auth = lanyard_sigv4::parse_authorization(&authz)
        .map_err(|err| e("IncompleteSignatureException", err.to_string()))?;
    let amz_date = h("x-amz-date").ok_or_else(|| {
        e(
            "IncompleteSignatureException",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                .into(),
        )
    })?;
    if auth.service != scope {
        return Err(e(
            "InvalidSignatureException",
            format!("Credential should be scoped to correct service: '{scope}'. "),
        ));
    }
    if !CODECOMMIT_REGIONS.contains(&auth.region.as_str()) {
        return Err(e(
            "InvalidSignatureException",
            format!(
                "Credential should be scoped to a valid region, not '{}'. ",
                auth.region
            ),
        ));
    }
    let signed_at = time::PrimitiveDateTime::parse(
        &amz_date,
        time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"),
    )
    .map_err(|_| {
        e(
            "IncompleteSignatureException",
            format!("Invalid X-Amz-Date {amz_date}"),
        )
    })?
    .assume_utc()
    .unix_timestamp() as f64;
    if (now() - signed_at).abs() > 15.0 * 60.0 {
        return Err(e(
            "InvalidSignatureException",
            format!(
                "Signature expired: {amz_date} is now earlier or later than the allowed 15 minutes."
            ),
        ));
    }
    let creds = app.state.credentials(&auth.access_key_id).ok_or_else(|| {
        e(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.".into(),
        )
    })?;
    if h("x-amz-security-token").as_deref() != Some(creds.session_token.as_str()) {
        return Err(e(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.".into(),
        ));
    }
    if creds.expires_at <= now() {
        return Err(e(
            "ExpiredTokenException",
            "The security token included in the request is expired".into(),
        ));
    }
    if !auth.signed_headers.iter().any(|s| s == "host") {
        return Err(e(
            "InvalidSignatureException",
            "'Host' must be a 'SignedHeader' in the AWS Authorization.".into(),
        ));
    }
    let payload_hash = h("x-amz-content-sha256").unwrap_or_else(|| lanyard_sigv4::sha256_hex(body));
    let header = |name: &str| {
        let vals: Vec<&str> = req_head
            .headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        (!vals.is_empty()).then(|| vals.join(","))
    };
    let creq = lanyard_sigv4::canonical_request(
        req_head.method.as_str(),
        req_head.uri.path(),
        req_head.uri.query().unwrap_or(""),
        &auth.signed_headers,
        header,
        &payload_hash,
    );
    let sts = lanyard_sigv4::string_to_sign(&amz_date, &auth, &creq);
    let expected =
        lanyard_sigv4::signature(&creds.secret, &auth.date, &auth.region, &auth.service, &sts);
    if !lanyard_sigv4::signatures_match(&expected, &auth.signature) {
        return Err(e("InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.".into()));
    }
    Ok(Caller {
        instance: creds.instance,
        account: creds.account,
        region: auth.region,
        role: creds.role,
        user: creds.user,
    })
}

pub(crate) fn partition_dns(region: &str) -> (&'static str, &'static str) {
    if region.starts_with("cn-") {
        ("aws-cn", "amazonaws.com.cn")
    } else if region.starts_with("us-gov-") {
        ("aws-us-gov", "amazonaws.com")
    } else {
        ("aws", "amazonaws.com")
    }
}

/// RepositoryMetadata as the API returns it (PROTOCOL.md §7.2).
pub fn repository_metadata(m: &RepoMeta) -> Value {
    let r = &m.decl;
    let (partition, dns) = partition_dns(&r.region);
    let mut v = json!({
        "accountId": r.account,
        "repositoryId": m.id,
        "repositoryName": r.name,
        "defaultBranch": r.default_branch,
        "lastModifiedDate": m.last_modified,
        "creationDate": m.created,
        "cloneUrlHttp": format!("https://git-codecommit.{}.{dns}/v1/repos/{}", r.region, r.name),
        "cloneUrlSsh": format!("ssh://git-codecommit.{}.{dns}/v1/repos/{}", r.region, r.name),
        "Arn": format!("arn:{partition}:codecommit:{}:{}:{}", r.region, r.account, r.name),
    });
    if let Some(d) = &r.description {
        v["repositoryDescription"] = json!(d);
    }
    v
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CcReq {
    repository_name: Option<String>,
    repository_names: Option<Vec<String>>,
    repository_description: Option<String>,
    next_token: Option<String>,
    sort_by: Option<String>,
    order: Option<String>,
}

async fn codecommit(State(app): State<Arc<App>>, req: Request) -> Result<Response, AwsError> {
    let (head, body) = req.into_parts();
    let ct = head
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ct.starts_with("application/x-www-form-urlencoded") {
        return sts(&app, &head, body).await;
    }
    if !ct.starts_with("application/x-amz-json-1.1") {
        return Err(cc(
            "SerializationException",
            format!("Unsupported Content-Type '{ct}'; expected application/x-amz-json-1.1"),
        ));
    }
    let target = head
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let op = match target.strip_prefix("CodeCommit_20150413.") {
        Some(
            op @ ("ListRepositories"
            | "BatchGetRepositories"
            | "GetRepository"
            | "CreateRepository"),
        ) => op,
        Some(op) if crate::pulls::OPERATIONS.contains(&op) => op,
        _ => {
            return Err(cc(
                "UnknownOperationException",
                format!("Unknown operation {target:?}"),
            ));
        }
    };
    let bytes = axum::body::to_bytes(body, MAX_API_BODY)
        .await
        .map_err(|_| {
            cc(
                "RequestEntityTooLargeException",
                "Request body is too large",
            )
        })?;
    let caller = verify_sigv4(&app, &head, &bytes, Service::CodeCommit)?;
    let raw = bytes.clone();
    let req: CcReq = json_body(Service::CodeCommit, Body::from(bytes)).await?;
    let role = app
        .state
        .permission_set(&crate::state::RoleCredentials {
            secret: String::new(),
            session_token: String::new(),
            instance: caller.instance,
            account: caller.account.clone(),
            role: caller.role.clone(),
            user: caller.user.clone(),
            expires_at: 0.0,
        })
        .cloned();
    if !role.is_some_and(|r| r.allows(op)) {
        return Err(cc(
            "AccessDeniedException",
            format!(
                "User: {arn} is not authorized to perform: codecommit:{op} on resource: arn:aws:codecommit:{region}:{acct}:{res} because no identity-based policy allows the codecommit:{op} action",
                arn = caller.arn(&app),
                acct = caller.account,
                region = caller.region,
                res = req.repository_name.as_deref().unwrap_or("*"),
            ),
        ));
    }
    if crate::pulls::OPERATIONS.contains(&op) {
        // Operations with no output answer 200 with an empty body (PROTOCOL.md §11.1).
        let out = crate::pulls::handle(&app, &caller, op, &raw).await?;
        let body = out.map(|v| v.to_string()).unwrap_or_default();
        let mut r = (StatusCode::OK, body).into_response();
        r.headers_mut().insert(
            "content-type",
            "application/x-amz-json-1.1".parse().expect("static"),
        );
        return Ok(r);
    }
    let repos = || {
        app.state
            .repositories(caller.instance, &caller.account, &caller.region)
    };
    let check_name = |n: &Option<String>| -> Result<String, AwsError> {
        let n = n.clone().filter(|n| !n.is_empty()).ok_or_else(|| {
            cc(
                "RepositoryNameRequiredException",
                "A repository name is required, but was not specified.",
            )
        })?;
        if !valid_repository_name(&n) {
            return Err(cc(
                "InvalidRepositoryNameException",
                format!(
                    "The repository name {n:?} is not valid. Repository names can be any valid combination of letters, numbers, periods, underscores, and dashes between 1 and 100 characters in length."
                ),
            ));
        }
        Ok(n)
    };
    let out = match op {
        "ListRepositories" => {
            let mut list = repos();
            match req.sort_by.as_deref() {
                None | Some("repositoryName") => list.sort_by(|a, b| a.decl.name.cmp(&b.decl.name)),
                Some("lastModifiedDate") => {
                    list.sort_by(|a, b| a.last_modified.total_cmp(&b.last_modified))
                }
                Some(other) => {
                    return Err(cc(
                        "InvalidSortByException",
                        format!("The specified sort by value {other:?} is not valid."),
                    ));
                }
            }
            match req.order.as_deref() {
                None | Some("ascending") => {}
                Some("descending") => list.reverse(),
                Some(other) => {
                    return Err(cc(
                        "InvalidOrderException",
                        format!("The specified sort order {other:?} is not valid."),
                    ));
                }
            }
            let start = match req.next_token.as_deref() {
                None => 0,
                Some(t) => t
                    .strip_prefix("cc-")
                    .and_then(|n| n.parse::<usize>().ok())
                    .filter(|n| *n <= list.len())
                    .ok_or_else(|| {
                        cc(
                            "InvalidContinuationTokenException",
                            "The specified continuation token is not valid.",
                        )
                    })?,
            };
            let end = (start + 1000).min(list.len());
            let page: Vec<Value> = list[start..end]
                .iter()
                .map(|m| json!({"repositoryName": m.decl.name, "repositoryId": m.id}))
                .collect();
            let mut out = json!({"repositories": page});
            if end < list.len() {
                out["nextToken"] = json!(format!("cc-{end}"));
            }
            out
        }
        "BatchGetRepositories" => {
            let names = req.repository_names.ok_or_else(|| {
                cc(
                    "RepositoryNamesRequiredException",
                    "At least one repository name is required.",
                )
            })?;
            if names.is_empty() {
                return Err(cc(
                    "RepositoryNamesRequiredException",
                    "At least one repository name is required.",
                ));
            }
            if names.len() > 100 {
                return Err(cc(
                    "MaximumRepositoryNamesExceededException",
                    "The maximum number of allowed repository names was exceeded. Currently, this number is 100.",
                ));
            }
            let (mut found, mut missing) = (vec![], vec![]);
            for n in names {
                match app
                    .state
                    .repository(caller.instance, &caller.account, &caller.region, &n)
                {
                    Some(m) => found.push(repository_metadata(&m)),
                    None => missing.push(json!(n)),
                }
            }
            json!({"repositories": found, "repositoriesNotFound": missing, "errors": []})
        }
        "GetRepository" => {
            let n = check_name(&req.repository_name)?;
            let m = app
                .state
                .repository(caller.instance, &caller.account, &caller.region, &n)
                .ok_or_else(|| {
                    cc(
                        "RepositoryDoesNotExistException",
                        format!("{n} does not exist"),
                    )
                })?;
            json!({"repositoryMetadata": repository_metadata(&m)})
        }
        _ => {
            let n = check_name(&req.repository_name)?;
            if req
                .repository_description
                .as_ref()
                .is_some_and(|d| d.chars().count() > 1000)
            {
                return Err(cc(
                    "InvalidRepositoryDescriptionException",
                    "The description for the repository is not valid.",
                ));
            }
            let decl = Repository {
                account: caller.account.clone(),
                region: caller.region.clone(),
                name: n.clone(),
                description: req.repository_description,
                default_branch: "main".into(),
                branches: vec![],
                commits: 0,
                size_mb: 0,
            };
            let m = app
                .state
                .create_repository(caller.instance, decl)
                .ok_or_else(|| {
                    cc(
                        "RepositoryNameExistsException",
                        format!("Repository named {n} already exists"),
                    )
                })?;
            json!({"repositoryMetadata": repository_metadata(&m)})
        }
    };
    let mut r = (StatusCode::OK, out.to_string()).into_response();
    r.headers_mut().insert(
        "content-type",
        "application/x-amz-json-1.1".parse().expect("static"),
    );
    Ok(r)
}

/// STS over the query protocol: `GetCallerIdentity`, the one action clients need to learn who
/// their credentials are (PROTOCOL.md §11.6).
async fn sts(
    app: &App,
    head: &axum::http::request::Parts,
    body: Body,
) -> Result<Response, AwsError> {
    let bytes = axum::body::to_bytes(body, MAX_API_BODY)
        .await
        .map_err(|_| AwsError::sts("InvalidParameterValue", "Request body is too large"))?;
    let caller = verify_sigv4(app, head, &bytes, Service::Sts)?;
    let form: HashMap<String, String> = url::form_urlencoded::parse(&bytes).into_owned().collect();
    match form.get("Action").map(String::as_str) {
        Some("GetCallerIdentity") => {}
        Some(other) => {
            return Err(AwsError::sts(
                "InvalidAction",
                format!("Could not find operation {other} for version 2011-06-15"),
            ));
        }
        None => {
            return Err(AwsError::sts("MissingAction", "Missing Action"));
        }
    }
    if form.get("Version").map(String::as_str) != Some("2011-06-15") {
        return Err(AwsError::sts(
            "InvalidAction",
            "Could not find operation GetCallerIdentity for the requested version",
        ));
    }
    let inst = app.state.instance(caller.instance);
    let esc = crate::error::xml_escape;
    let body = format!(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <GetCallerIdentityResult>\n    <Arn>{}</Arn>\n    <UserId>{}:{}</UserId>\n    <Account>{}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n",
        esc(&caller.arn(app)),
        crate::state::role_id(inst, &caller.role),
        esc(&caller.user),
        caller.account,
        crate::state::request_id(),
    );
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut()
        .insert("content-type", "text/xml".parse().expect("static"));
    Ok(r)
}

/// Shorthand for CodeCommit errors.
fn cc(code: &'static str, message: impl Into<String>) -> AwsError {
    AwsError::codecommit(code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paginate_bounds_and_tokens() {
        let items: Vec<u32> = (0..45).collect();
        let q = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let (p, next) = paginate(&items, &q(&[("max_result", "20")])).unwrap();
        assert_eq!(p.len(), 20);
        let (p2, next2) = paginate(
            &items,
            &q(&[("max_result", "100"), ("next_token", &next.unwrap())]),
        )
        .unwrap();
        assert_eq!((p2.len(), p2[0], next2), (25, 20, None));
        for bad in ["0", "101", "x", "-1"] {
            assert_eq!(
                paginate(&items, &q(&[("max_result", bad)]))
                    .unwrap_err()
                    .code,
                "InvalidRequestException"
            );
        }
        assert!(paginate(&items, &q(&[("next_token", "garbage!")])).is_err());
    }

    #[test]
    fn metadata_uses_partition_specific_hosts() {
        let s = Emu::new(crate::world::World::demo(), Default::default());
        let m = s
            .repository(0, "222222222222", "us-east-1", "payments-api")
            .unwrap();
        let v = repository_metadata(&m);
        assert_eq!(
            v["Arn"],
            "arn:aws:codecommit:us-east-1:222222222222:payments-api"
        );
        assert_eq!(
            v["cloneUrlHttp"],
            "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/payments-api"
        );
        assert_eq!(partition_dns("cn-north-1"), ("aws-cn", "amazonaws.com.cn"));
    }
}

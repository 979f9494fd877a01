//! Pages for people (the device verification page and the /authorize consent page, plain HTML
//! that works in any browser, headless Chromium included) and the `/_emulator/*` control API
//! that tests and the demo use.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use crate::http::App;
use crate::knobs::KnobsPatch;

/// Routes for pages and control.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/device", get(device_page).post(device_decision))
        .route("/authorize", get(authorize_page).post(authorize_decision))
        .route("/federation", get(federation))
        .route("/vanity/{name}", get(vanity))
        .route("/_emulator/redirect", get(redirect_to))
        .route("/_emulator/console-logins", get(console_logins))
        .route("/_emulator/issued-secrets", get(issued_secrets))
        .route("/_emulator/health", get(|| async { "ok" }))
        .route("/_emulator/world", get(world))
        .route("/_emulator/approve", post(approve))
        .route("/_emulator/deny", post(deny))
        .route(
            "/_emulator/expire-access-tokens",
            post(expire_access_tokens),
        )
        .route(
            "/_emulator/expire-role-credentials",
            post(expire_role_credentials),
        )
        .route("/_emulator/expire-clients", post(expire_clients))
        .route(
            "/_emulator/login-session",
            post(crate::signin::start_login_session),
        )
        .route(
            "/_emulator/login-sessions",
            get(crate::signin::login_sessions),
        )
        .route(
            "/_emulator/expire-login-sessions",
            post(crate::signin::expire_login_sessions),
        )
        .route("/_emulator/knobs", get(get_knobs).post(set_knobs))
        .route("/_emulator/stats", get(stats))
        .route("/_emulator/stats/reset", post(reset_stats))
}

/// A company's vanity sign-in host: `HEAD` (or `GET`) answers 302 with the instance's AWS-owned
/// portal URL, trailing `/` included as the real redirect has it (PROTOCOL.md §2.1).
async fn vanity(
    State(app): State<Arc<App>>,
    axum::extract::Path(name): axum::extract::Path<String>,
) -> Response {
    match app.state.world.instance_by_vanity(&name) {
        Some(i) => found(&format!("{}/", i.portal_url()), StatusCode::FOUND),
        None => (StatusCode::NOT_FOUND, "no such vanity host").into_response(),
    }
}

/// A redirect anywhere, for testing how clients treat a vanity host's answer:
/// `?to=URL[&status=301|302|303|307|308|200][&head=405]` — `head` is the status a `HEAD` gets
/// instead (a server that refuses HEAD), `status=200` answers without a redirect.
async fn redirect_to(
    method: axum::http::Method,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let code = |k: &str, default: u16| {
        q.get(k)
            .and_then(|v| v.parse::<u16>().ok())
            .and_then(|c| StatusCode::from_u16(c).ok())
            .unwrap_or(StatusCode::from_u16(default).expect("valid"))
    };
    if method == axum::http::Method::HEAD && q.contains_key("head") {
        return code("head", 405).into_response();
    }
    let status = code("status", 302);
    if !status.is_redirection() {
        return (status, "no redirect here").into_response();
    }
    found(q.get("to").map(String::as_str).unwrap_or(""), status)
}

fn found(location: &str, status: StatusCode) -> Response {
    let mut r = status.into_response();
    if let Ok(v) = location.parse() {
        r.headers_mut().insert("location", v);
    }
    r
}

/// Escapes text for HTML bodies and attribute values.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title} — AWS access portal (Lanyard emulator)</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f2f3f3;margin:0;color:#16191f}}
main{{max-width:460px;margin:8vh auto;background:#fff;border-radius:10px;padding:32px;box-shadow:0 1px 4px #0002}}
h1{{font-size:1.3rem;margin:0 0 .5rem}} .code{{font:600 1.8rem ui-monospace,monospace;letter-spacing:.15em;margin:1rem 0;padding:.6rem;background:#f2f8fd;border-radius:6px;text-align:center}}
label{{display:block;margin:1rem 0 .3rem;font-weight:600}} select{{width:100%;padding:.4rem}}
.row{{display:flex;gap:.6rem;margin-top:1.4rem}} button{{flex:1;padding:.7rem;border-radius:6px;font-size:1rem;cursor:pointer;border:1px solid #879596;background:#fff}}
button#approve{{background:#ec7211;border-color:#ec7211;color:#fff;font-weight:600}} .muted{{color:#5f6b7a;font-size:.9rem}} .err{{color:#d13212}}
</style></head><body><main>{body}<p class="muted">Lanyard emulator — a local stand-in for IAM Identity Center. No real AWS account is involved.</p></main></body></html>"#
    ))
}

fn user_select(app: &App, instance: usize) -> String {
    let options: String = app
        .state
        .instance(instance)
        .users
        .iter()
        .map(|u| format!(r#"<option value="{0}">{0}</option>"#, escape(&u.name)))
        .collect();
    format!(
        r#"<label for="user">Sign in as</label><select id="user" name="user">{options}</select>"#
    )
}

/// `GET /`: what this server is.
pub async fn index(State(app): State<Arc<App>>) -> Html<String> {
    let instances: String = app
        .state
        .world
        .instances
        .iter()
        .map(|i| {
            format!(
                "<li><code>{}</code> — {} ({})</li>",
                escape(&i.start_url),
                escape(&i.name),
                escape(&i.region)
            )
        })
        .collect();
    page(
        "Lanyard emulator",
        &format!("<h1>Lanyard emulator</h1><p>Identity Center instances:</p><ul>{instances}</ul>"),
    )
}

#[derive(Deserialize)]
struct DeviceQuery {
    user_code: Option<String>,
}

async fn device_page(State(app): State<Arc<App>>, Query(q): Query<DeviceQuery>) -> Response {
    let Some(code) = q.user_code.filter(|c| !c.trim().is_empty()) else {
        return page(
            "Authorize request",
            r#"<h1>Authorize request</h1><form method="get" action="/device"><label for="user_code">Enter the code shown by your application</label>
<input id="user_code" name="user_code" autocomplete="off" style="width:100%;padding:.5rem;font-size:1.2rem"><div class="row"><button id="next" type="submit">Next</button></div></form>"#,
        )
        .into_response();
    };
    let Some((_, dev)) = app.state.device_by_user_code(&code) else {
        return (StatusCode::NOT_FOUND, page("Unknown code", &format!(r#"<h1>Unknown code</h1><p class="err">No sign-in request with code <b>{}</b>. Check the code and try again.</p>"#, escape(&code)))).into_response();
    };
    let inst = app.state.instance(dev.instance);
    page(
        "Authorize request",
        &format!(
            r#"<h1>Authorize request</h1><p>An application is asking to sign in to <b>{}</b> ({}). Confirm this code matches the one it shows:</p>
<div class="code" id="user-code">{}</div><form method="post" action="/device"><input type="hidden" name="user_code" value="{}">{}
<div class="row"><button id="deny" name="decision" value="deny" type="submit">Deny</button><button id="approve" name="decision" value="approve" type="submit">Allow access</button></div></form>"#,
            escape(&inst.name),
            escape(&inst.start_url),
            escape(&dev.user_code),
            escape(&dev.user_code),
            user_select(&app, dev.instance)
        ),
    )
    .into_response()
}

#[derive(Deserialize)]
struct Decision {
    user_code: Option<String>,
    decision: Option<String>,
    user: Option<String>,
}

async fn device_decision(State(app): State<Arc<App>>, Form(d): Form<Decision>) -> Response {
    let code = d.user_code.unwrap_or_default();
    let approve = d.decision.as_deref() == Some("approve");
    match app.state.decide_device(&code, approve.then(|| d.user.as_deref().unwrap_or(""))) {
        Ok(()) if approve => page("Request approved", r#"<h1 id="result">Request approved</h1><p>You can close this window and return to your application.</p>"#).into_response(),
        Ok(()) => page("Request denied", r#"<h1 id="result">Request denied</h1><p>The application was not given access. You can close this window.</p>"#).into_response(),
        Err(m) => (StatusCode::BAD_REQUEST, page("Cannot complete request", &format!(r#"<h1 id="result">Cannot complete request</h1><p class="err">{}</p>"#, escape(&m)))).into_response(),
    }
}

fn redirect_with(redirect_uri: &str, params: &[(&str, &str)]) -> Response {
    let mut url = match url::Url::parse(redirect_uri) {
        Ok(u) => u,
        Err(_) => return (StatusCode::BAD_REQUEST, "invalid redirect_uri").into_response(),
    };
    url.query_pairs_mut()
        .extend_pairs(params.iter().filter(|(_, v)| !v.is_empty()));
    Redirect::to(url.as_str()).into_response()
}

/// The `scopes` an /authorize request asks for (space-separated, the AWS CLI's parameter) must
/// be present and all registered for the client.
fn scopes_granted(client: &crate::state::Client, requested: &str) -> Result<(), String> {
    let asked: Vec<&str> = requested.split_whitespace().collect();
    if asked.is_empty() {
        return Err("The scopes parameter is required.".into());
    }
    match asked
        .iter()
        .find(|s| !client.scopes.iter().any(|r| r == *s))
    {
        Some(s) => Err(format!("Scope {s} is not registered for this client.")),
        None => Ok(()),
    }
}

async fn authorize_page(
    State(app): State<Arc<App>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    let (client_id, redirect_uri, state) = (get("client_id"), get("redirect_uri"), get("state"));
    let bad = |m: String| {
        (
            StatusCode::BAD_REQUEST,
            page(
                "Invalid request",
                &format!(
                    r#"<h1 id="result">Invalid request</h1><p class="err">{}</p>"#,
                    escape(&m)
                ),
            ),
        )
            .into_response()
    };
    let (instance, client) = match app.state.authorize_client(client_id, redirect_uri) {
        Ok(i) => i,
        // An unverified redirect URI must not receive the error (RFC 6749 §4.1.2.1): show it here.
        Err(m) => return bad(m),
    };
    if let Err(m) = scopes_granted(&client, get("scopes")) {
        return redirect_with(
            redirect_uri,
            &[
                ("error", "invalid_scope"),
                ("error_description", &m),
                ("state", state),
            ],
        );
    }
    if get("response_type") != "code" {
        return redirect_with(
            redirect_uri,
            &[("error", "unsupported_response_type"), ("state", state)],
        );
    }
    if get("code_challenge_method") != "S256" || get("code_challenge").len() < 43 {
        return redirect_with(
            redirect_uri,
            &[
                ("error", "invalid_request"),
                ("error_description", "PKCE S256 code_challenge is required"),
                ("state", state),
            ],
        );
    }
    if app.auto_approve {
        let user = app.state.instance(instance).users[0].name.clone();
        let code = app.state.issue_code(
            client_id,
            redirect_uri,
            get("code_challenge"),
            &user,
            instance,
        );
        return redirect_with(redirect_uri, &[("code", &code), ("state", state)]);
    }
    let hidden: String = [
        "client_id",
        "redirect_uri",
        "state",
        "code_challenge",
        "scopes",
    ]
    .iter()
    .map(|k| {
        format!(
            r#"<input type="hidden" name="{k}" value="{}">"#,
            escape(get(k))
        )
    })
    .collect();
    let inst = app.state.instance(instance);
    page(
        "Allow access",
        &format!(
            r#"<h1>Allow access?</h1><p>An application on this computer is asking to sign in to <b>{}</b> ({}) with scopes <code>{}</code>.</p>
<form method="post" action="/authorize">{hidden}{}<div class="row"><button id="deny" name="decision" value="deny" type="submit">Deny</button><button id="approve" name="decision" value="approve" type="submit">Allow access</button></div></form>"#,
            escape(&inst.name),
            escape(&inst.start_url),
            escape(get("scopes")),
            user_select(&app, instance)
        ),
    )
    .into_response()
}

async fn authorize_decision(
    State(app): State<Arc<App>>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    let (client_id, redirect_uri, state) = (get("client_id"), get("redirect_uri"), get("state"));
    let instance = match app
        .state
        .authorize_client(client_id, redirect_uri)
        .and_then(|(i, c)| scopes_granted(&c, get("scopes")).map(|()| i))
    {
        Ok(i) => i,
        Err(m) => {
            return (
                StatusCode::BAD_REQUEST,
                page(
                    "Invalid request",
                    &format!(r#"<p class="err">{}</p>"#, escape(&m)),
                ),
            )
                .into_response();
        }
    };
    if get("decision") != "approve" {
        return redirect_with(
            redirect_uri,
            &[
                ("error", "access_denied"),
                ("error_description", "The user denied the request"),
                ("state", state),
            ],
        );
    }
    let users = &app.state.instance(instance).users;
    let user = users
        .iter()
        .find(|u| u.name == get("user"))
        .unwrap_or(&users[0])
        .name
        .clone();
    let code = app.state.issue_code(
        client_id,
        redirect_uri,
        get("code_challenge"),
        &user,
        instance,
    );
    redirect_with(redirect_uri, &[("code", &code), ("state", state)])
}

// ---- control API -----------------------------------------------------------------------------

async fn world(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    let mut v = serde_json::to_value(&app.state.world).unwrap_or_default();
    // Each instance's AWS-owned portal URL, which the world file does not spell out.
    if let Some(list) = v.get_mut("instance").and_then(|i| i.as_array_mut()) {
        for (item, inst) in list.iter_mut().zip(&app.state.world.instances) {
            item["portal_url"] = json!(inst.portal_url());
        }
    }
    Json(v)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserCode {
    user_code: String,
    user: Option<String>,
}

async fn approve(State(app): State<Arc<App>>, Json(b): Json<UserCode>) -> Response {
    decide(&app, &b.user_code, Some(b.user.as_deref().unwrap_or("")))
}

async fn deny(State(app): State<Arc<App>>, Json(b): Json<UserCode>) -> Response {
    decide(&app, &b.user_code, None)
}

fn decide(app: &App, code: &str, user: Option<&str>) -> Response {
    match app.state.decide_device(code, user) {
        Ok(()) => Json(json!({"ok": true})).into_response(),
        Err(m) => (
            StatusCode::NOT_FOUND,
            Json(json!({"ok": false, "message": m})),
        )
            .into_response(),
    }
}

async fn expire_access_tokens(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    Json(json!({"expired": app.state.expire_access_tokens()}))
}

async fn expire_role_credentials(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    Json(json!({"expired": app.state.expire_role_credentials()}))
}

async fn expire_clients(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    Json(json!({"expired": app.state.expire_clients()}))
}

async fn get_knobs(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    Json(
        serde_json::to_value(&*app.realism.knobs.lock().unwrap_or_else(|p| p.into_inner()))
            .unwrap_or_default(),
    )
}

async fn set_knobs(State(app): State<Arc<App>>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<KnobsPatch>(&body) {
        Ok(p) => {
            let mut k = app.realism.knobs.lock().unwrap_or_else(|p| p.into_inner());
            k.apply(p);
            Json(serde_json::to_value(&*k).unwrap_or_default()).into_response()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"message": e.to_string()})),
        )
            .into_response(),
    }
}

/// The console federation endpoint (`signin.aws.amazon.com/federation`): `getSigninToken` turns a
/// role's credentials (the `Session` JSON) into a sign-in token; `login` with that token "signs
/// in" and shows a landing page naming the account and role instead of the real console.
async fn federation(
    State(app): State<Arc<App>>,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> Response {
    let q = crate::http::query_map(q);
    let bad = |m: &str| (StatusCode::BAD_REQUEST, m.to_owned()).into_response();
    match q.get("Action").map(String::as_str) {
        Some("getSigninToken") => {
            let Some(session) = q
                .get("Session")
                .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
            else {
                return bad(
                    "Session must be a JSON object with sessionId, sessionKey and sessionToken",
                );
            };
            let field = |k: &str| session[k].as_str().unwrap_or_default().to_owned();
            if q.contains_key("SessionDuration")
                && q["SessionDuration"]
                    .parse::<u32>()
                    .map_or(true, |d| !(900..=43200).contains(&d))
            {
                return bad("SessionDuration must be 900 to 43200 seconds");
            }
            match app.state.signin_token(
                &field("sessionId"),
                &field("sessionKey"),
                &field("sessionToken"),
            ) {
                Some(token) => Json(serde_json::json!({"SigninToken": token})).into_response(),
                // AWS answers 400 with an HTML error page; a short text is enough here.
                None => bad("The credentials in Session are invalid or expired"),
            }
        }
        Some("login") => {
            let destination = q.get("Destination").cloned().unwrap_or_default();
            let Some(c) = q
                .get("SigninToken")
                .and_then(|t| app.state.console_login(t, &destination))
            else {
                return (StatusCode::BAD_REQUEST, page("Sign-in failed", "<h1>Sign-in link expired</h1><p>The console sign-in token is invalid or older than 15 minutes.</p>")).into_response();
            };
            let account = app
                .state
                .instance(c.instance)
                .accounts
                .iter()
                .find(|a| a.id == c.account)
                .map(|a| a.name.clone())
                .unwrap_or_default();
            let body = format!(
                r#"<h1 data-testid="console-title">AWS Management Console</h1><p>Signed in as <b data-testid="console-role">{}</b> in <b data-testid="console-account">{} ({})</b>, user {}.</p><p class="muted">Destination: <span data-testid="console-destination">{}</span></p>"#,
                escape(&c.role),
                escape(&account),
                escape(&c.account),
                escape(&c.user),
                escape(&destination)
            );
            page("Console", &body).into_response()
        }
        _ => bad("Action must be getSigninToken or login"),
    }
}

async fn console_logins(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    Json(serde_json::to_value(app.state.console_logins()).unwrap_or_default())
}

async fn issued_secrets(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    Json(json!(app.state.issued_secrets()))
}

async fn stats(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    Json(
        serde_json::to_value(&*app.realism.stats.lock().unwrap_or_else(|p| p.into_inner()))
            .unwrap_or_default(),
    )
}

async fn reset_stats(State(app): State<Arc<App>>) -> StatusCode {
    *app.realism.stats.lock().unwrap_or_else(|p| p.into_inner()) = Default::default();
    StatusCode::NO_CONTENT
}

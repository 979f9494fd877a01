//! AWS Sign-In's `CreateOAuth2Token` (`POST /v1/token`), the call that refreshes an `aws login`
//! session (PROTOCOL.md §10.5): rest-json, no SigV4, a DPoP proof (ES256 JWT over the request's
//! method and URL) that must be signed with the key the session's refresh token is bound to.
//! Plus the control endpoint that starts a session the way the browser half of `aws login` ends.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use p256::ecdsa::signature::Verifier;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::http::App;
use crate::state::{LoginRefused, now};

/// The `clientId`s `aws login` uses (`cli/customizations/login/utils.py:41-44`).
pub const CLIENT_IDS: &[&str] = &[
    "arn:aws:signin:::devtools/same-device",
    "arn:aws:signin:::devtools/cross-device",
];

/// How far a proof's `iat` may be from the server's clock.
const IAT_SKEW_SECS: f64 = 300.0;

/// A Sign-In error: the exception name in `x-amzn-ErrorType`, the `OAuth2ErrorCode` in `error`.
fn refuse(status: StatusCode, exception: &str, error: &str, message: &str) -> Response {
    let mut r = (
        status,
        json!({"error": error, "message": message}).to_string(),
    )
        .into_response();
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    if let Ok(v) = HeaderValue::from_str(exception) {
        r.headers_mut().insert("x-amzn-ErrorType", v);
    }
    r
}

fn invalid(message: &str) -> Response {
    refuse(
        StatusCode::BAD_REQUEST,
        "ValidationException",
        "INVALID_REQUEST",
        message,
    )
}

/// A verified DPoP proof: the key's thumbprint and the proof's id.
#[derive(Debug)]
pub struct Proof {
    /// RFC 7638 thumbprint of the proof's public key.
    pub jkt: String,
    /// `jti`.
    pub jti: String,
}

/// RFC 7638 thumbprint of a P-256 JWK: SHA-256 of the required members in lexicographic order.
pub fn thumbprint(x: &str, y: &str) -> String {
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    B64URL.encode(Sha256::digest(canonical.as_bytes()))
}

/// Checks a DPoP proof JWT for `POST url` (RFC 9449 as both SDKs make it, PROTOCOL.md §10.5).
pub fn verify_proof(jwt: &str, url: &str, now_secs: f64) -> Result<Proof, String> {
    let parts: Vec<&str> = jwt.split('.').collect();
    let [h, p, s] = parts[..] else {
        return Err("the DPoP proof is not a compact JWT".into());
    };
    let part = |b64: &str, what: &str| -> Result<Value, String> {
        let bytes = B64URL
            .decode(b64)
            .map_err(|_| format!("the DPoP {what} is not base64url"))?;
        serde_json::from_slice(&bytes).map_err(|_| format!("the DPoP {what} is not JSON"))
    };
    let header = part(h, "header")?;
    let claims = part(p, "payload")?;
    if header["typ"] != "dpop+jwt" || header["alg"] != "ES256" {
        return Err("the DPoP proof must be typ dpop+jwt, alg ES256".into());
    }
    let jwk = &header["jwk"];
    let (Some(x), Some(y)) = (jwk["x"].as_str(), jwk["y"].as_str()) else {
        return Err("the DPoP header has no EC public key".into());
    };
    if jwk["kty"] != "EC" || jwk["crv"] != "P-256" {
        return Err("the DPoP key must be an EC P-256 key".into());
    }
    let mut point = vec![4u8];
    for c in [x, y] {
        let b = B64URL
            .decode(c)
            .map_err(|_| "the DPoP key's coordinates are not base64url".to_owned())?;
        if b.len() != 32 {
            return Err("the DPoP key's coordinates are not 32 bytes".into());
        }
        point.extend(b);
    }
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&point)
        .map_err(|_| "the DPoP key is not a point on P-256".to_owned())?;
    let sig = B64URL
        .decode(s)
        .ok()
        .and_then(|b| p256::ecdsa::Signature::from_slice(&b).ok())
        .ok_or_else(|| "the DPoP signature is not a raw ES256 signature".to_owned())?;
    key.verify(format!("{h}.{p}").as_bytes(), &sig)
        .map_err(|_| "the DPoP signature does not verify".to_owned())?;
    if claims["htm"] != "POST" {
        return Err("the DPoP proof's htm is not POST".into());
    }
    if claims["htu"].as_str() != Some(url) {
        return Err(format!(
            "the DPoP proof's htu is {}, the request went to {url}",
            claims["htu"]
        ));
    }
    let iat = claims["iat"]
        .as_f64()
        .ok_or_else(|| "the DPoP proof has no iat".to_owned())?;
    if (iat - now_secs).abs() > IAT_SKEW_SECS {
        return Err("the DPoP proof's iat is too far from the current time".into());
    }
    let jti = claims["jti"]
        .as_str()
        .filter(|j| !j.is_empty())
        .ok_or_else(|| "the DPoP proof has no jti".to_owned())?;
    Ok(Proof {
        jkt: thumbprint(x, y),
        jti: jti.to_owned(),
    })
}

/// `POST /v1/token`.
pub async fn create_oauth2_token(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(input) = serde_json::from_slice::<Value>(&body) else {
        return invalid("the request body is not JSON");
    };
    let field = |k: &str| input[k].as_str().filter(|v| !v.is_empty());
    let (Some(client_id), Some(grant)) = (field("clientId"), field("grantType")) else {
        return invalid("clientId and grantType are required");
    };
    if !CLIENT_IDS.contains(&client_id) {
        return invalid("unknown clientId");
    }
    if grant != "refresh_token" {
        return invalid("only grantType refresh_token is supported by this endpoint");
    }
    let Some(refresh) = field("refreshToken") else {
        return invalid("refreshToken is required for grantType refresh_token");
    };
    let Some(dpop) = headers.get("dpop").and_then(|v| v.to_str().ok()) else {
        return invalid("a DPoP proof header is required");
    };
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let scheme = if app.http_base.ends_with(&format!("//{host}")) {
        "http"
    } else {
        "https"
    };
    let proof = match verify_proof(dpop, &format!("{scheme}://{host}/v1/token"), now()) {
        Ok(p) => p,
        Err(why) => return invalid(&why),
    };
    match app.state.login_refresh(refresh, &proof.jkt, &proof.jti) {
        Ok((akid, c, next, secs)) => {
            let mut r = Json(json!({
                "accessToken": {
                    "accessKeyId": akid,
                    "secretAccessKey": c.secret,
                    "sessionToken": c.session_token,
                },
                "tokenType": "aws_sigv4",
                "expiresIn": secs,
                "refreshToken": next,
            }))
            .into_response();
            r.headers_mut().insert(
                "x-amzn-requestid",
                HeaderValue::from_str(&crate::state::request_id())
                    .unwrap_or(HeaderValue::from_static("0")),
            );
            r
        }
        Err(LoginRefused::TokenExpired) => refuse(
            StatusCode::UNAUTHORIZED,
            "AccessDeniedException",
            "TOKEN_EXPIRED",
            "The refresh token has expired or is invalid",
        ),
        Err(LoginRefused::WrongKey) => invalid("the DPoP proof's key is not the session's key"),
        Err(LoginRefused::Replayed) => invalid("the DPoP proof was already used"),
    }
}

/// `POST /_emulator/login-session` `{"user", "account", "role", "instance"?, "expiresIn"?}`:
/// what `aws login` has after the browser step, as the JSON its cache file holds (a new P-256
/// key in SEC1 PEM, credentials, a refresh token bound to the key), with `loginSession` (the ARN
/// that names the profile's session) and `cacheFile` (`sha256(loginSession).json`).
pub async fn start_login_session(State(app): State<Arc<App>>, Json(req): Json<Value>) -> Response {
    let s = |k: &str| req[k].as_str().unwrap_or_default().to_owned();
    let (user, account, role) = (s("user"), s("account"), s("role"));
    let instance = req["instance"].as_u64().unwrap_or(0) as usize;
    let secs = req["expiresIn"].as_f64().unwrap_or(900.0);
    if instance >= app.state.world.instances.len() {
        return (StatusCode::BAD_REQUEST, "no such instance").into_response();
    }
    let key = loop {
        // A uniformly random scalar is valid unless it is zero or ≥ the group order.
        if let Ok(k) = p256::SecretKey::from_slice(&rand::random::<[u8; 32]>()) {
            break k;
        }
    };
    let point =
        p256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(&key.public_key(), false);
    let (Some(x), Some(y)) = (point.x(), point.y()) else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "no key").into_response();
    };
    let jkt = thumbprint(&B64URL.encode(x), &B64URL.encode(y));
    let pem = match key.to_sec1_pem(p256::pkcs8::LineEnding::LF) {
        Ok(p) => p.to_string(),
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "no PEM").into_response(),
    };
    match app
        .state
        .create_login_session(instance, &user, &account, &role, &jkt, secs)
    {
        Ok((akid, c, refresh)) => {
            let arn = format!("arn:aws:sts::{account}:assumed-role/{role}/{user}");
            let expires = time::OffsetDateTime::from_unix_timestamp(c.expires_at as i64)
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
            let fmt =
                time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
            Json(json!({
                "loginSession": arn,
                "cacheFile": format!("{}.json", hex::encode(Sha256::digest(arn.as_bytes()))),
                "token": {
                    "accessToken": {
                        "accessKeyId": akid,
                        "secretAccessKey": c.secret,
                        "sessionToken": c.session_token,
                        "accountId": account,
                        "expiresAt": expires.format(&fmt).unwrap_or_default(),
                    },
                    "tokenType": "aws_sigv4",
                    "clientId": CLIENT_IDS[0],
                    "refreshToken": refresh,
                    "dpopKey": pem,
                },
            }))
            .into_response()
        }
        Err(why) => (StatusCode::BAD_REQUEST, why).into_response(),
    }
}

/// `GET /_emulator/login-sessions`: how many refreshes succeeded (each with a verified proof).
pub async fn login_sessions(State(app): State<Arc<App>>) -> Json<Value> {
    Json(json!({"refreshes": app.state.login_refreshes()}))
}

/// `POST /_emulator/expire-login-sessions`: every refresh token stops working.
pub async fn expire_login_sessions(State(app): State<Arc<App>>) -> Json<Value> {
    Json(json!({"expired": app.state.expire_login_sessions()}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Signer;

    fn proof(key: &p256::ecdsa::SigningKey, htu: &str, iat: f64, jti: &str) -> String {
        let point = key.verifying_key().to_encoded_point(false);
        let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": {
            "kty": "EC",
            "x": B64URL.encode(point.x().unwrap()),
            "y": B64URL.encode(point.y().unwrap()),
            "crv": "P-256"}});
        let claims = json!({"jti": jti, "htm": "POST", "htu": htu, "iat": iat as u64});
        let input = format!(
            "{}.{}",
            B64URL.encode(header.to_string()),
            B64URL.encode(claims.to_string())
        );
        let sig: p256::ecdsa::Signature = key.sign(input.as_bytes());
        format!("{input}.{}", B64URL.encode(sig.to_bytes()))
    }

    #[test]
    fn proofs_are_checked_for_signature_url_time_and_shape() {
        let key = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
        let url = "http://127.0.0.1:1/v1/token";
        let t = 1_700_000_000.0;
        let good = proof(&key, url, t, "a");
        let p = verify_proof(&good, url, t).unwrap();
        assert_eq!(p.jti, "a");
        assert_eq!(p.jkt.len(), 43);
        assert!(
            verify_proof(&good, "http://127.0.0.1:2/v1/token", t)
                .unwrap_err()
                .contains("htu")
        );
        assert!(
            verify_proof(&good, url, t + 301.0)
                .unwrap_err()
                .contains("iat")
        );
        let mut tampered = good.clone();
        tampered.pop();
        tampered.push(if good.ends_with('A') { 'B' } else { 'A' });
        assert!(verify_proof(&tampered, url, t).is_err());
        assert!(verify_proof("a.b", url, t).unwrap_err().contains("compact"));
    }

    #[test]
    fn thumbprint_matches_rfc_7638_example_shape() {
        // Same members, same order: a change of any coordinate changes the thumbprint.
        assert_ne!(thumbprint("a", "b"), thumbprint("a", "c"));
        assert_eq!(thumbprint("a", "b"), thumbprint("a", "b"));
    }
}

//! AWS-shaped error responses, one wire format per protocol (PROTOCOL.md §1.5, §3.2, §7.1).

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Which service answered, which decides the error's wire shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Service {
    /// SSO OIDC (rest-json, OAuth-style `error`/`error_description` body).
    Oidc,
    /// The SSO portal (rest-json, `message` + `__type`).
    Portal,
    /// CodeCommit (awsJson 1.1, `__type` + `message`).
    CodeCommit,
    /// STS (query protocol, an XML `ErrorResponse`, PROTOCOL.md §11.6).
    Sts,
}

/// An error as a real AWS endpoint would return it.
#[derive(Debug, Clone)]
pub struct AwsError {
    /// Which protocol's shape to use.
    pub service: Service,
    /// HTTP status.
    pub status: StatusCode,
    /// The exception name, e.g. `AuthorizationPendingException`.
    pub code: &'static str,
    /// Human-readable message.
    pub message: String,
}

impl AwsError {
    /// An OIDC error; the status follows the model (401 for InvalidClient, 500 for InternalServer).
    pub fn oidc(code: &'static str, message: impl Into<String>) -> Self {
        let status = match code {
            "InvalidClientException" => StatusCode::UNAUTHORIZED,
            "InternalServerException" => StatusCode::INTERNAL_SERVER_ERROR,
            "TooManyRequestsException" => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::BAD_REQUEST,
        };
        AwsError {
            service: Service::Oidc,
            status,
            code,
            message: message.into(),
        }
    }

    /// A portal error with the model's status codes.
    pub fn portal(code: &'static str, message: impl Into<String>) -> Self {
        let status = match code {
            "UnauthorizedException" => StatusCode::UNAUTHORIZED,
            "ResourceNotFoundException" => StatusCode::NOT_FOUND,
            "ForbiddenException" => StatusCode::FORBIDDEN,
            "TooManyRequestsException" => StatusCode::TOO_MANY_REQUESTS,
            "ServiceUnavailableException" => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        };
        AwsError {
            service: Service::Portal,
            status,
            code,
            message: message.into(),
        }
    }

    /// A CodeCommit error. Authentication failures are 403, throttling 400, service faults 5xx.
    pub fn codecommit(code: &'static str, message: impl Into<String>) -> Self {
        let status = match code {
            "InvalidSignatureException"
            | "UnrecognizedClientException"
            | "ExpiredTokenException"
            | "MissingAuthenticationTokenException"
            | "IncompleteSignatureException" => StatusCode::FORBIDDEN,
            "ServiceUnavailableException" => StatusCode::SERVICE_UNAVAILABLE,
            "InternalFailure" => StatusCode::INTERNAL_SERVER_ERROR,
            "RequestEntityTooLargeException" => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        };
        AwsError {
            service: Service::CodeCommit,
            status,
            code,
            message: message.into(),
        }
    }

    /// An STS error: credential problems are 403 (PROTOCOL.md §11.6), throttling 400.
    pub fn sts(code: &'static str, message: impl Into<String>) -> Self {
        let status = match code {
            "InvalidClientTokenId"
            | "ExpiredToken"
            | "SignatureDoesNotMatch"
            | "IncompleteSignature"
            | "MissingAuthenticationToken"
            | "AccessDenied" => StatusCode::FORBIDDEN,
            "ServiceUnavailable" => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        };
        AwsError {
            service: Service::Sts,
            status,
            code,
            message: message.into(),
        }
    }

    /// The server-side fault used for fault injection.
    pub fn fault(service: Service) -> Self {
        match service {
            Service::Oidc => Self::oidc(
                "InternalServerException",
                "An internal error occurred (injected fault)",
            ),
            Service::Portal => Self::portal(
                "ServiceUnavailableException",
                "Service Unavailable (injected fault)",
            ),
            Service::CodeCommit => Self::codecommit(
                "ServiceUnavailableException",
                "Service Unavailable (injected fault)",
            ),
            Service::Sts => Self::sts("ServiceUnavailable", "Service Unavailable (injected fault)"),
        }
    }

    /// The throttling answer for each service.
    pub fn throttled(service: Service) -> Self {
        match service {
            // Observed real body (PROTOCOL.md §3.2): the message is literally "HTTP 429 Unknown Code".
            Service::Portal => Self::portal("TooManyRequestsException", "HTTP 429 Unknown Code"),
            // The sso-oidc model has no TooManyRequestsException; its throttling error is
            // SlowDownException (HTTP 400), listed on all three operations.
            Service::Oidc => Self::oidc("SlowDownException", "Rate exceeded"),
            Service::CodeCommit => Self::codecommit("ThrottlingException", "Rate exceeded"),
            // STS's query protocol: botocore retries `Throttling` with HTTP 400.
            Service::Sts => Self::sts("Throttling", "Rate exceeded"),
        }
    }
}

/// The OAuth `error` string AWS puts in OIDC error bodies (RFC 6749/8628 names).
fn oauth_error(code: &str) -> &'static str {
    match code {
        "AuthorizationPendingException" => "authorization_pending",
        "SlowDownException" => "slow_down",
        "ExpiredTokenException" => "expired_token",
        "AccessDeniedException" => "access_denied",
        "InvalidClientException" => "invalid_client",
        "InvalidGrantException" => "invalid_grant",
        "InvalidScopeException" => "invalid_scope",
        "UnauthorizedClientException" => "unauthorized_client",
        "UnsupportedGrantTypeException" => "unsupported_grant_type",
        "InvalidClientMetadataException" => "invalid_client_metadata",
        "InvalidRedirectUriException" => "invalid_redirect_uri",
        "InternalServerException" => "server_error",
        "TooManyRequestsException" => "slow_down",
        _ => "invalid_request",
    }
}

impl IntoResponse for AwsError {
    fn into_response(self) -> Response {
        if self.service == Service::Sts {
            return sts_error(&self);
        }
        let (content_type, error_type, body) = match self.service {
            Service::Oidc => (
                "application/json",
                format!(
                    "{}:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/",
                    self.code
                ),
                json!({"error": oauth_error(self.code), "error_description": self.message}),
            ),
            Service::Portal => (
                "application/json",
                format!(
                    "{}:http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/",
                    self.code
                ),
                json!({"message": self.message, "__type": format!("com.amazonaws.switchboard.portal#{}", self.code)}),
            ),
            Service::CodeCommit | Service::Sts => (
                "application/x-amz-json-1.1",
                self.code.to_owned(),
                json!({"__type": self.code, "message": self.message}),
            ),
        };
        let mut resp = (self.status, body.to_string()).into_response();
        let h = resp.headers_mut();
        h.insert("content-type", HeaderValue::from_static(content_type));
        if let Ok(v) = HeaderValue::from_str(&error_type) {
            h.insert("x-amzn-errortype", v);
        }
        h.insert(
            "x-amzn-requestid",
            HeaderValue::from_str(&crate::state::request_id()).expect("ascii"),
        );
        resp
    }
}

/// STS's query-protocol error: `<ErrorResponse><Error><Type>Sender</Type>…` (PROTOCOL.md §11.6).
fn sts_error(e: &AwsError) -> Response {
    let kind = if e.status.is_server_error() {
        "Receiver"
    } else {
        "Sender"
    };
    let id = crate::state::request_id();
    let body = format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{id}</RequestId>\n</ErrorResponse>\n",
        e.code,
        xml_escape(&e.message)
    );
    let mut resp = (e.status, body).into_response();
    let h = resp.headers_mut();
    h.insert("content-type", HeaderValue::from_static("text/xml"));
    h.insert(
        "x-amzn-requestid",
        HeaderValue::from_str(&id).expect("ascii"),
    );
    resp
}

/// Escapes text for an XML element.
pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

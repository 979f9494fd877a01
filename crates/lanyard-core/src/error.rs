//! The core's error type and the small set of codes the UI branches on. Every message says what
//! happened, to which identity or file, and what to do about it.

use std::path::PathBuf;

use serde::Serialize;
use ts_rs::TS;

/// Result with the core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, with enough context to tell the user what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Neither a home directory nor explicit paths were given.
    #[error("cannot find your home directory: set HOME (or USERPROFILE on Windows)")]
    NoHome,
    /// A file or directory could not be read or written.
    #[error("{what} {path}: {source}")]
    Io {
        /// What Lanyard was doing, e.g. "reading".
        what: &'static str,
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A token cache file exists but cannot be used; it is left as it is.
    #[error("the SSO token cache {path} is unreadable ({reason}); sign in again to replace it")]
    CorruptCache {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The AWS config file cannot be used.
    #[error("{path} {reason}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A value the user typed is not acceptable.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// Which field.
        field: &'static str,
        /// Why, and what would be accepted.
        reason: String,
    },
    /// No sso-session of that name.
    #[error(
        "no identity named {session:?}: add it with `lanyard login --session {session} --start-url URL --region REGION`"
    )]
    UnknownIdentity {
        /// The sso-session name.
        session: String,
    },
    /// The sso-session was written by the user; Lanyard only reads it.
    #[error(
        "[sso-session {session}] is your own section ({path}, line {line}); Lanyard does not edit it — change it there"
    )]
    NotManaged {
        /// The sso-session name.
        session: String,
        /// The config file.
        path: PathBuf,
        /// Its header line.
        line: usize,
    },
    /// No token for the identity.
    #[error("not signed in to {session}: run `lanyard login --session {session}` or click Sign in")]
    NotSignedIn {
        /// The sso-session name.
        session: String,
    },
    /// The token is expired and cannot be refreshed.
    #[error(
        "the {session} session has expired: run `lanyard login --session {session}` or click Sign in in the tray"
    )]
    SessionExpired {
        /// The sso-session name.
        session: String,
    },
    /// The person clicked Deny.
    #[error(
        "sign-in to {session} was denied in the browser; run `lanyard login --session {session}` to try again"
    )]
    LoginDenied {
        /// The sso-session name.
        session: String,
    },
    /// The device code or the browser wait ran out.
    #[error(
        "sign-in to {session} was not completed within {seconds} s; run `lanyard login --session {session}` to try again"
    )]
    LoginExpired {
        /// The sso-session name.
        session: String,
        /// How long Lanyard waited.
        seconds: u64,
    },
    /// Cancelled by the user.
    #[error("sign-in to {session} was cancelled")]
    LoginCancelled {
        /// The sso-session name.
        session: String,
    },
    /// The flow broke (state mismatch, a malformed callback, …).
    #[error("sign-in to {session} failed: {reason}")]
    LoginFailed {
        /// The sso-session name.
        session: String,
        /// What went wrong.
        reason: String,
    },
    /// The endpoint could not be reached.
    #[error(
        "cannot reach {endpoint} for {session}: {reason}. Check your network (or the endpoint settings AWS_ENDPOINT_URL_SSO_OIDC / AWS_ENDPOINT_URL_SSO)"
    )]
    Unreachable {
        /// The sso-session name.
        session: String,
        /// The URL.
        endpoint: String,
        /// The transport error.
        reason: String,
    },
    /// A company start URL could not be asked where it leads.
    #[error(
        "cannot reach {url} to find your AWS access portal: {reason}. Check your network (proxy, VPN) and, behind a TLS-inspecting proxy, AWS_CA_BUNDLE or ca_bundle"
    )]
    StartUrlUnreachable {
        /// The configured start URL.
        url: String,
        /// The transport error (the AWS CLI's "Failed to resolve start URL: …").
        reason: String,
    },
    /// The endpoint answered something that is not an AWS response (an HTML page, a proxy error).
    #[error(
        "{endpoint} gave an unexpected answer for {session} ({detail}); is it an IAM Identity Center endpoint for region {region}?"
    )]
    Protocol {
        /// The sso-session name.
        session: String,
        /// The URL.
        endpoint: String,
        /// The region used.
        region: String,
        /// Status and a hint of the body.
        detail: String,
    },
    /// A git operation failed; the reason names the repository and the fix.
    #[error("{reason}")]
    Git {
        /// The repository.
        repository: String,
        /// What happened and what to do.
        reason: String,
    },
    /// A clone would overwrite something.
    #[error("{path} already exists and is not empty; choose another folder or move it away")]
    DestinationExists {
        /// The folder.
        path: PathBuf,
    },
    /// The user cancelled a long operation; whatever it had started was removed.
    #[error("{what} was cancelled")]
    Cancelled {
        /// What was cancelled, e.g. "cloning payments-api".
        what: String,
    },
    /// The AWS console could not be opened as a profile (federation sign-in).
    #[error("cannot open the AWS console as {profile}: {reason}")]
    Console {
        /// The profile.
        profile: String,
        /// What went wrong and what to do.
        reason: String,
    },
    /// A profile's credentials could not be resolved; the reason says why and what to run.
    #[error("no credentials for profile {profile}: {reason}")]
    Credentials {
        /// The profile.
        profile: String,
        /// What went wrong and what to do.
        reason: String,
    },
    /// A pull request action AWS refused for a reason the user can act on.
    #[error("pull request {id}: {reason}")]
    PullRequest {
        /// `account/repository/id`.
        id: String,
        /// Why, and what to do.
        reason: String,
    },
    /// AWS answered with an error Lanyard does not handle specially.
    #[error("{op} for {session} failed: {code}: {message}")]
    Aws {
        /// The sso-session name.
        session: String,
        /// The API operation.
        op: &'static str,
        /// The AWS error code.
        code: String,
        /// The AWS message.
        message: String,
    },
}

/// Error classes the front end branches on. Add a variant only when a consumer needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[ts(export)]
pub enum ErrorCode {
    /// Anything the UI only displays.
    Unknown,
    /// The environment lacks a home directory.
    NoHome,
    /// A field of a form is wrong (the message says which and why).
    InvalidInput,
    /// Offer "Sign in".
    NotSignedIn,
    /// Offer "Sign in"; the session ended.
    SessionExpired,
    /// The user cancelled; show nothing alarming.
    Cancelled,
    /// The user denied or let the sign-in lapse.
    LoginNotCompleted,
    /// Network trouble; offer "Retry".
    Unreachable,
}

impl Error {
    /// The code the UI branches on.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::NoHome => ErrorCode::NoHome,
            Error::InvalidInput { .. }
            | Error::UnknownIdentity { .. }
            | Error::NotManaged { .. }
            | Error::DestinationExists { .. } => ErrorCode::InvalidInput,
            Error::NotSignedIn { .. } => ErrorCode::NotSignedIn,
            Error::SessionExpired { .. } => ErrorCode::SessionExpired,
            Error::LoginCancelled { .. } | Error::Cancelled { .. } => ErrorCode::Cancelled,
            Error::LoginDenied { .. } | Error::LoginExpired { .. } => ErrorCode::LoginNotCompleted,
            Error::Unreachable { .. } | Error::StartUrlUnreachable { .. } => ErrorCode::Unreachable,
            Error::Io { .. }
            | Error::CorruptCache { .. }
            | Error::Config { .. }
            | Error::LoginFailed { .. }
            | Error::Protocol { .. }
            | Error::Git { .. }
            | Error::Console { .. }
            | Error::Credentials { .. }
            | Error::PullRequest { .. }
            | Error::Aws { .. } => ErrorCode::Unknown,
        }
    }
}

//! The core's error type and the small set of codes the UI branches on.

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
}

/// Error classes the front end branches on. Add a variant only when a consumer needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub enum ErrorCode {
    /// Anything the UI only displays.
    Unknown,
    /// The environment lacks a home directory.
    NoHome,
}

impl Error {
    /// The code the UI branches on.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::NoHome => ErrorCode::NoHome,
            Error::Io { .. } => ErrorCode::Unknown,
        }
    }
}

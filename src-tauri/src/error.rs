//! The error every command rejects with: `{code, message}` for the UI to branch on and show.

use lanyard_core::ErrorCode;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A failed command, as the UI receives it.
#[derive(Debug, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CmdError {
    /// What kind of failure (the UI branches on this, never on the text).
    pub code: ErrorCode,
    /// The whole cause chain, for people.
    pub message: String,
}

impl CmdError {
    /// An error the UI only displays.
    pub fn unknown(message: String) -> Self {
        CmdError {
            code: ErrorCode::Unknown,
            message,
        }
    }
}

impl From<lanyard_core::Error> for CmdError {
    fn from(e: lanyard_core::Error) -> Self {
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(&format!(": {s}"));
            source = s.source();
        }
        tracing::warn!(code = ?e.code(), "{message}");
        CmdError {
            code: e.code(),
            message,
        }
    }
}

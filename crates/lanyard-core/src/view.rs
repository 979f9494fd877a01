//! Plain serializable types the UI and `--json` output show. They never hold secrets.

use serde::Serialize;
use ts_rs::TS;

use crate::Paths;

/// What the Settings view and `lanyard paths` show about this installation.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AppInfo {
    /// Lanyard's version.
    pub version: String,
    /// True in demo mode (sandboxed files, the built-in emulator).
    pub demo: bool,
    /// `linux`, `macos` or `windows`.
    pub platform: String,
    /// The AWS config file Lanyard edits.
    pub aws_config_file: String,
    /// The SSO token cache directory.
    pub sso_cache_dir: String,
    /// Lanyard's own data directory.
    pub data_dir: String,
    /// Where Lanyard keeps its copies of long-lived secrets ("Secret Service", "none", …).
    pub keyring: String,
    /// Why there is no keyring, when there is none (shown once).
    pub keyring_note: Option<String>,
}

impl AppInfo {
    /// Describes an installation using `paths`.
    pub fn new(paths: &Paths, demo: bool) -> Self {
        Self::with_keyring(paths, demo, "none", None)
    }

    /// Describes an installation including its keyring backend.
    pub fn with_keyring(
        paths: &Paths,
        demo: bool,
        keyring: &str,
        keyring_note: Option<String>,
    ) -> Self {
        AppInfo {
            version: crate::VERSION.to_owned(),
            demo,
            platform: std::env::consts::OS.to_owned(),
            aws_config_file: paths.aws_config_file.display().to_string(),
            sso_cache_dir: paths.sso_cache_dir.display().to_string(),
            data_dir: paths.data_dir.display().to_string(),
            keyring: keyring.to_owned(),
            keyring_note,
        }
    }
}

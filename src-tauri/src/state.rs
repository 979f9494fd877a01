//! The one managed state object. Behaviour lives in methods so commands never touch locks.

use lanyard_core::{Paths, view::AppInfo};

/// Everything the commands and the tray share.
pub struct AppState {
    paths: Paths,
    demo: bool,
}

impl AppState {
    /// State for this process: real paths, or a sandbox under the data dir in demo mode.
    pub fn from_env(demo: bool) -> lanyard_core::Result<Self> {
        let real = Paths::from_env(|k| std::env::var_os(k))?;
        let paths = if demo { Paths::sandboxed(&real.data_dir.join("demo")) } else { real };
        Ok(Self::with_paths(paths, demo))
    }

    /// State over explicit paths (tests).
    pub fn with_paths(paths: Paths, demo: bool) -> Self {
        AppState { paths, demo }
    }

    /// What the Settings view shows.
    pub fn info(&self) -> AppInfo {
        AppInfo::new(&self.paths, self.demo)
    }
}

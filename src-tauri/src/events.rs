//! Names of app-wide events the shell emits (payload types alongside). `ui/src/lib/api.ts`
//! listens to the same names.

/// Asks the UI to show a view; payload: `"sessions" | "accounts" | "repositories" | "settings"`.
pub const NAVIGATE: &str = "app://navigate";

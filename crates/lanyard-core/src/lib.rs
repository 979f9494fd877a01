//! Lanyard's product logic, free of any GUI dependency: where AWS and Lanyard files live, the
//! types the desktop UI and the CLI show, and (in later modules) IAM Identity Center sign-in,
//! `~/.aws/config` profiles and CodeCommit.
//!
//! Invariant: nothing here reads ambient state. Paths, environment, clock and endpoints are
//! passed in by the CLI or the desktop shell, so tests never touch the real `~/.aws`.

#![warn(missing_docs)]
// A panic in the core takes the app or the CLI down with the user's work: product code handles
// every error, and an `expect` names the invariant it relies on. Tests may unwrap.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod accounts;
pub mod aws_config;
pub mod codecommit;
pub mod console;
pub mod credentials;
pub mod error;
pub mod fsx;
pub mod logging;
pub mod logwriter;
pub mod loopback;
pub mod notices;
pub mod offboard;
pub mod paths;
pub mod profiles;
pub mod secret;
pub mod service;
pub mod settings;
pub mod sso;
pub mod switcher;
pub mod view;

pub use error::{Error, ErrorCode, Result};
pub use paths::Paths;
pub use service::Lanyard;

/// Lanyard's version, as shown by `lanyard --version` and the Settings view.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

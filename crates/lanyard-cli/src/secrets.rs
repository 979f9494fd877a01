//! Picks the OS keyring backend for this process and checks it works.

use std::sync::Arc;

use lanyard_core::secret::{Keyring, NoKeyring, SecretStore};

/// The keyring to use, or none (said once, on stderr, unless `quiet`).
///
/// `LANYARD_KEYRING=none` turns it off; on Linux the Secret Service is preferred when a session
/// bus is there, else the kernel keyutils session keyring.
pub fn store(quiet: bool) -> Arc<dyn SecretStore> {
    let choice = std::env::var("LANYARD_KEYRING").unwrap_or_default();
    let result = if choice == "none" { Err("LANYARD_KEYRING=none".to_owned()) } else { pick(&choice) };
    match result {
        Ok(k) => Arc::new(k),
        Err(reason) => {
            if !quiet {
                eprintln!("note: no OS keyring available ({reason}); Lanyard keeps its tokens in ~/.aws/sso/cache only");
            }
            Arc::new(NoKeyring { reason })
        }
    }
}

#[cfg(target_os = "linux")]
fn pick(choice: &str) -> Result<Keyring, String> {
    let mut errors = vec![];
    if choice != "keyutils" && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
        keyring::set_default_credential_builder(keyring::secret_service::default_credential_builder());
        let k = Keyring::new("Secret Service");
        match k.probe() {
            Ok(()) => return Ok(k),
            Err(e) => errors.push(format!("Secret Service: {e}")),
        }
    }
    keyring::set_default_credential_builder(keyring::keyutils::default_credential_builder());
    let k = Keyring::new("kernel keyutils");
    match k.probe() {
        Ok(()) => Ok(k),
        Err(e) => {
            errors.push(format!("keyutils: {e}"));
            Err(errors.join("; "))
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn pick(_: &str) -> Result<Keyring, String> {
    let k = Keyring::new(if cfg!(target_os = "macos") { "Keychain" } else { "Credential Manager" });
    k.probe().map(|()| k)
}

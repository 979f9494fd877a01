//! The keyring for this process (see `lanyard_core::secret::os_keyring`).

use std::sync::Arc;

use lanyard_core::secret::{NoKeyring, SecretStore, os_keyring_within};

/// The keyring to use, or none (said on stderr unless `quiet`).
pub fn store(quiet: bool) -> Arc<dyn SecretStore> {
    let choice = std::env::var("LANYARD_KEYRING").unwrap_or_default();
    match os_keyring_within(
        &choice,
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        std::time::Duration::from_secs(5),
    ) {
        Ok(k) => Arc::new(k),
        Err(reason) => {
            if !quiet {
                eprintln!(
                    "note: no OS keyring available ({reason}); Lanyard keeps its tokens in ~/.aws/sso/cache only"
                );
            }
            Arc::new(NoKeyring { reason })
        }
    }
}

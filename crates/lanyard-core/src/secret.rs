//! Secret values and where Lanyard keeps its own copies of them (the OS keyring).

use std::collections::HashMap;
use std::sync::Mutex;

/// A secret string: redacted in `Debug`, never `Serialize`, only readable through [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret itself, for the one place that must send or store it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("** redacted **")
    }
}

/// A place for Lanyard's own copies of secrets (refresh tokens, client secrets).
pub trait SecretStore: Send + Sync {
    /// Human name of the backend, e.g. "Secret Service".
    fn name(&self) -> &str;
    /// Stores a value.
    fn set(&self, key: &str, value: &str) -> Result<(), String>;
    /// Reads a value; `Ok(None)` when absent.
    fn get(&self, key: &str) -> Result<Option<String>, String>;
    /// Deletes a value; absent is fine.
    fn delete(&self, key: &str) -> Result<(), String>;
}

/// Windows Credential Manager rejects secrets over 2,560 bytes (synfinatic/aws-sso-cli#308).
pub const MAX_SECRET_BYTES: usize = 2560;

/// The OS keyring through the `keyring` crate (backend chosen by the process at start-up).
pub struct Keyring {
    backend: String,
}

impl Keyring {
    /// A keyring whose default credential builder the caller has already selected.
    pub fn new(backend: impl Into<String>) -> Self {
        Keyring {
            backend: backend.into(),
        }
    }

    /// Round-trips a probe value; `Err` says why this keyring can't be used.
    pub fn probe(&self) -> Result<(), String> {
        let key = "lanyard-probe";
        self.set(key, "probe")?;
        let got = self.get(key)?;
        self.delete(key)?;
        if got.as_deref() == Some("probe") {
            Ok(())
        } else {
            Err("the keyring did not return what was stored".into())
        }
    }
}

impl SecretStore for Keyring {
    fn name(&self) -> &str {
        &self.backend
    }
    fn set(&self, key: &str, value: &str) -> Result<(), String> {
        if value.len() > MAX_SECRET_BYTES {
            return Err(format!(
                "secret {key} is {} bytes, over the {MAX_SECRET_BYTES}-byte keyring limit",
                value.len()
            ));
        }
        let entry = keyring::Entry::new("lanyard", key).map_err(|e| e.to_string())?;
        entry.set_password(value).map_err(|e| e.to_string())
    }
    fn get(&self, key: &str) -> Result<Option<String>, String> {
        let entry = keyring::Entry::new("lanyard", key).map_err(|e| e.to_string())?;
        match entry.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }
    fn delete(&self, key: &str) -> Result<(), String> {
        let entry = keyring::Entry::new("lanyard", key).map_err(|e| e.to_string())?;
        match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// Chooses and checks the OS keyring for this process.
///
/// `choice`: "" (automatic), "keyutils", "secret-service" or "none". On Linux the Secret Service
/// is preferred when a session bus exists (`dbus_session`), else the kernel keyutils session
/// keyring. This sets the `keyring` crate's process-wide default backend, so front ends call it
/// once at start-up. `Err` says why no keyring can be used.
pub fn os_keyring(choice: &str, dbus_session: bool) -> Result<Keyring, String> {
    if choice == "none" {
        return Err("turned off with LANYARD_KEYRING=none".into());
    }
    #[cfg(target_os = "linux")]
    {
        let mut errors = vec![];
        if choice != "keyutils" && dbus_session {
            keyring::set_default_credential_builder(
                keyring::secret_service::default_credential_builder(),
            );
            let k = Keyring::new("Secret Service");
            match k.probe() {
                Ok(()) => return Ok(k),
                Err(e) => errors.push(format!("Secret Service: {e}")),
            }
        }
        if choice != "secret-service" {
            keyring::set_default_credential_builder(keyring::keyutils::default_credential_builder());
            let k = Keyring::new("kernel keyutils");
            match k.probe() {
                Ok(()) => return Ok(k),
                Err(e) => errors.push(format!("keyutils: {e}")),
            }
        }
        Err(errors.join("; "))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dbus_session;
        let k = Keyring::new(if cfg!(target_os = "macos") {
            "Keychain"
        } else {
            "Credential Manager"
        });
        k.probe().map(|()| k)
    }
}

/// [`os_keyring`] with a time limit: a keyring daemon that is D-Bus-activated but cannot unlock
/// (no prompter on a headless session) can block for tens of seconds, and start-up must not.
pub fn os_keyring_within(
    choice: &str,
    dbus_session: bool,
    limit: std::time::Duration,
) -> Result<Keyring, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let choice = choice.to_owned();
    std::thread::spawn(move || {
        let _ = tx.send(os_keyring(&choice, dbus_session));
    });
    rx.recv_timeout(limit).unwrap_or_else(|_| {
        Err(format!(
            "the keyring did not answer within {} s",
            limit.as_secs()
        ))
    })
}

/// No keyring: Lanyard works from the token cache file alone.
pub struct NoKeyring {
    /// Why there is none (shown once to the user).
    pub reason: String,
}

impl SecretStore for NoKeyring {
    fn name(&self) -> &str {
        "none"
    }
    fn set(&self, _: &str, _: &str) -> Result<(), String> {
        Ok(())
    }
    fn get(&self, _: &str) -> Result<Option<String>, String> {
        Ok(None)
    }
    fn delete(&self, _: &str) -> Result<(), String> {
        Ok(())
    }
}

/// An in-memory store for tests.
#[derive(Default)]
pub struct MemoryStore(Mutex<HashMap<String, String>>);

impl MemoryStore {
    /// The keys currently held (to check what a logout removed).
    pub fn keys(&self) -> Vec<String> {
        let mut k: Vec<String> = self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect();
        k.sort();
        k
    }
}

impl SecretStore for MemoryStore {
    fn name(&self) -> &str {
        "memory"
    }
    fn set(&self, key: &str, value: &str) -> Result<(), String> {
        if value.len() > MAX_SECRET_BYTES {
            return Err("too large".into());
        }
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.into(), value.into());
        Ok(())
    }
    fn get(&self, key: &str) -> Result<Option<String>, String> {
        Ok(self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned())
    }
    fn delete(&self, key: &str) -> Result<(), String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("aoa-super-secret");
        assert_eq!(format!("{s:?}"), "** redacted **");
        assert_eq!(s.expose(), "aoa-super-secret");
    }

    /// The OS keyring's own refusal (what a sign-in meets with a token over Windows' limit): it
    /// names the key and the limit, and says it before any backend is asked.
    #[test]
    fn the_os_keyring_refuses_a_secret_over_the_limit() {
        let k = Keyring::new("test");
        let e = k
            .set("acme/refresh", &"x".repeat(MAX_SECRET_BYTES + 1))
            .unwrap_err();
        assert_eq!(
            e,
            "secret acme/refresh is 2561 bytes, over the 2560-byte keyring limit"
        );
    }

    #[test]
    fn memory_store_round_trip_and_limit() {
        let m = MemoryStore::default();
        m.set("a", "1").unwrap();
        assert_eq!(m.get("a").unwrap().as_deref(), Some("1"));
        m.delete("a").unwrap();
        assert_eq!(m.get("a").unwrap(), None);
        assert!(m.set("big", &"x".repeat(MAX_SECRET_BYTES + 1)).is_err());
    }
}

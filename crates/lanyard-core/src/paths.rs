//! Where the AWS CLI/SDK files and Lanyard's own files live.
//!
//! Resolution follows the AWS CLI: `AWS_CONFIG_FILE` overrides `~/.aws/config`; the SSO token
//! cache is always `~/.aws/sso/cache` and the CLI's credential cache `~/.aws/cli/cache`.
//! Lanyard's own data follows the platform convention (`LANYARD_DATA_DIR` overrides it).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Every path Lanyard reads or writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// The AWS shared config file (`~/.aws/config` or `AWS_CONFIG_FILE`).
    pub aws_config_file: PathBuf,
    /// The shared credentials file (`~/.aws/credentials` or `AWS_SHARED_CREDENTIALS_FILE`).
    pub aws_credentials_file: PathBuf,
    /// `~/.aws/sso/cache`: token and client-registration caches shared with the AWS CLI and SDKs.
    pub sso_cache_dir: PathBuf,
    /// `~/.aws/cli/cache`: role credentials the AWS CLI caches.
    pub cli_cache_dir: PathBuf,
    /// Lanyard's own data (caches, settings, its ownership manifest).
    pub data_dir: PathBuf,
    /// The home directory (default clone root `~/codecommit`).
    pub home: PathBuf,
    /// A bin directory on the user's PATH where Lanyard links `git-remote-codecommit` so every git
    /// finds it (`~/.local/bin`, the XDG user bin dir that Debian/Ubuntu/Fedora put on PATH).
    pub bin_dir: PathBuf,
    /// The installed `lanyard` command, which `credential_process` profiles run (set by the
    /// fronts: the CLI is it, the app ships it next to itself); `None` when unknown.
    pub lanyard_cli: Option<PathBuf>,
}

impl Paths {
    /// Resolves paths from an environment lookup (the caller passes `std::env::var_os`, a test a map).
    pub fn from_env(env: impl Fn(&str) -> Option<OsString>) -> Result<Paths> {
        let var = |k: &str| env(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        let home = var("HOME")
            .or_else(|| var("USERPROFILE"))
            .ok_or(Error::NoHome)?;
        let aws = home.join(".aws");
        let data_dir = var("LANYARD_DATA_DIR").unwrap_or_else(|| default_data_dir(&home, &var));
        Ok(Paths {
            aws_config_file: var("AWS_CONFIG_FILE").unwrap_or_else(|| aws.join("config")),
            aws_credentials_file: var("AWS_SHARED_CREDENTIALS_FILE")
                .unwrap_or_else(|| aws.join("credentials")),
            sso_cache_dir: aws.join("sso").join("cache"),
            cli_cache_dir: aws.join("cli").join("cache"),
            data_dir,
            bin_dir: var("LANYARD_BIN_LINK_DIR").unwrap_or_else(|| default_bin_dir(&home, &var)),
            lanyard_cli: None,
            home,
        })
    }

    /// Paths under one root that stands in for a home directory (demo mode, tests): nothing
    /// outside `root` is read or written.
    pub fn sandboxed(root: &Path) -> Paths {
        let aws = root.join(".aws");
        Paths {
            aws_config_file: aws.join("config"),
            aws_credentials_file: aws.join("credentials"),
            sso_cache_dir: aws.join("sso").join("cache"),
            cli_cache_dir: aws.join("cli").join("cache"),
            data_dir: root.join("lanyard"),
            home: root.to_owned(),
            bin_dir: root.join(".local").join("bin"),
            lanyard_cli: None,
        }
    }
}

fn default_bin_dir(home: &Path, var: &impl Fn(&str) -> Option<PathBuf>) -> PathBuf {
    if cfg!(windows) {
        var("LOCALAPPDATA")
            .unwrap_or_else(|| home.join("AppData/Local"))
            .join("Lanyard")
            .join("bin")
    } else {
        home.join(".local").join("bin")
    }
}

fn default_data_dir(home: &Path, var: &impl Fn(&str) -> Option<PathBuf>) -> PathBuf {
    if cfg!(target_os = "macos") {
        home.join("Library/Application Support/dev.lanyard.app")
    } else if cfg!(windows) {
        var("APPDATA")
            .unwrap_or_else(|| home.join("AppData/Roaming"))
            .join("Lanyard")
    } else {
        var("XDG_DATA_HOME")
            .unwrap_or_else(|| home.join(".local/share"))
            .join("lanyard")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let m: HashMap<String, OsString> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn defaults_follow_the_aws_cli() {
        let p = Paths::from_env(env(&[("HOME", "/home/u")])).unwrap();
        assert_eq!(p.aws_config_file, PathBuf::from("/home/u/.aws/config"));
        assert_eq!(p.sso_cache_dir, PathBuf::from("/home/u/.aws/sso/cache"));
        assert_eq!(p.cli_cache_dir, PathBuf::from("/home/u/.aws/cli/cache"));
        if cfg!(target_os = "linux") {
            assert_eq!(p.data_dir, PathBuf::from("/home/u/.local/share/lanyard"));
        }
    }

    #[test]
    fn overrides_are_honoured() {
        let p = Paths::from_env(env(&[
            ("HOME", "/home/u"),
            ("AWS_CONFIG_FILE", "/etc/aws.cfg"),
            ("LANYARD_DATA_DIR", "/d"),
        ]))
        .unwrap();
        assert_eq!(p.aws_config_file, PathBuf::from("/etc/aws.cfg"));
        assert_eq!(
            p.sso_cache_dir,
            PathBuf::from("/home/u/.aws/sso/cache"),
            "AWS_CONFIG_FILE does not move the cache"
        );
        assert_eq!(p.data_dir, PathBuf::from("/d"));
    }

    #[test]
    fn no_home_is_a_clear_error() {
        let err = Paths::from_env(env(&[("HOME", "")])).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::NoHome);
        assert!(err.to_string().contains("set HOME"));
    }

    #[test]
    fn sandbox_keeps_everything_under_its_root() {
        let p = Paths::sandboxed(Path::new("/tmp/demo"));
        for path in [
            &p.aws_config_file,
            &p.aws_credentials_file,
            &p.sso_cache_dir,
            &p.cli_cache_dir,
            &p.data_dir,
            &p.home,
            &p.bin_dir,
        ] {
            assert!(path.starts_with("/tmp/demo"), "{}", path.display());
        }
    }
}

//! Making git find Lanyard's `git-remote-codecommit`.
//!
//! Git finds a remote helper only as an executable `git-remote-<scheme>` on PATH or in
//! `git --exec-path`; no `git config` setting maps a scheme to a path, and the exec path is
//! root-owned and replaced by package updates. So Lanyard links the helper into a user bin dir
//! that is on PATH by default (`~/.local/bin`), remembers that it did, and removes exactly that
//! link when offboarding. Packages (the .deb) install it into `/usr/bin` instead.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Error, Paths, Result};

/// The helper's file name on this platform.
pub const HELPER_NAME: &str = if cfg!(windows) {
    "git-remote-codecommit.exe"
} else {
    "git-remote-codecommit"
};

/// What git will run for `codecommit::` URLs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HelperStatus {
    /// The first `git-remote-codecommit` on PATH, if any.
    pub resolved: Option<String>,
    /// Whether that one is Lanyard's (the native helper).
    pub is_lanyard: bool,
    /// The link Lanyard made, if it made one.
    pub link: Option<String>,
    /// What to tell the user, if anything.
    pub note: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Record {
    link: PathBuf,
    target: PathBuf,
}

fn record_path(paths: &Paths) -> PathBuf {
    paths.data_dir.join("helper.json")
}

fn record(paths: &Paths) -> Option<Record> {
    serde_json::from_slice(&std::fs::read(record_path(paths)).ok()?).ok()
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// The first executable `git-remote-codecommit` in a PATH value.
pub fn on_path(path_env: Option<&OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path_env?)
        .map(|d| d.join(HELPER_NAME))
        .find(|p| p.is_file())
}

/// PATH for the git commands Lanyard runs itself (a pull request's checkout): the user's, with
/// the folder of Lanyard's helper link added at the end when git would find no helper on it — a
/// desktop session often starts apps without `~/.local/bin` on PATH.
pub fn git_path(paths: &Paths, path_env: Option<&OsStr>) -> Option<std::ffi::OsString> {
    if on_path(path_env).is_some() {
        return path_env.map(OsStr::to_owned);
    }
    let mut dirs: Vec<PathBuf> = path_env
        .map(|p| std::env::split_paths(p).collect())
        .unwrap_or_default();
    dirs.push(paths.bin_dir.clone());
    std::env::join_paths(dirs).ok()
}

/// Where git's lookup lands, given PATH and Lanyard's own helper binary.
pub fn status(paths: &Paths, path_env: Option<&OsStr>, ours: &Path) -> HelperStatus {
    let resolved = on_path(path_env);
    let is_lanyard = resolved.as_deref().is_some_and(|r| same_file(r, ours));
    let link = record(paths).map(|r| r.link).filter(|l| l.exists());
    let in_path = |dir: &Path| path_env.is_some_and(|p| std::env::split_paths(p).any(|d| d == dir));
    let note = match (&resolved, is_lanyard) {
        (Some(_), true) => None,
        (Some(other), false) => Some(format!(
            "git will run {} for codecommit:// URLs (earlier on PATH than Lanyard's); clones still work, but that helper may not support sso-session profiles",
            other.display()
        )),
        (None, _) if link.is_some() && !in_path(&paths.bin_dir) => Some(format!(
            "{} is not on your PATH: add it (e.g. in ~/.profile) so git finds git-remote-codecommit",
            paths.bin_dir.display()
        )),
        (None, _) => {
            Some("git-remote-codecommit is not installed: Lanyard links it when you clone".into())
        }
    };
    HelperStatus {
        resolved: resolved.map(|p| p.display().to_string()),
        is_lanyard,
        link: link.map(|p| p.display().to_string()),
        note,
    }
}

/// Links (or on Windows copies) `ours` into the user bin dir. An existing file that is not
/// Lanyard's is never replaced.
pub fn install(paths: &Paths, ours: &Path) -> Result<PathBuf> {
    if !ours.is_file() {
        return Err(Error::InvalidInput {
            field: "helper",
            reason: format!("{} is missing: reinstall Lanyard", ours.display()),
        });
    }
    let link = paths.bin_dir.join(HELPER_NAME);
    let io = |what, source| Error::Io {
        what,
        path: link.clone(),
        source,
    };
    if link.symlink_metadata().is_ok() {
        let ours_already = same_file(&link, ours) || record(paths).is_some_and(|r| r.link == link);
        if !ours_already {
            return Err(Error::Git {
                repository: String::new(),
                reason: format!(
                    "{} exists and is not Lanyard's; remove it or put {} earlier on PATH",
                    link.display(),
                    ours.display()
                ),
            });
        }
        std::fs::remove_file(&link).map_err(|e| io("replacing", e))?;
    }
    std::fs::create_dir_all(&paths.bin_dir).map_err(|e| io("creating the directory of", e))?;
    #[cfg(unix)]
    std::os::unix::fs::symlink(ours, &link).map_err(|e| io("linking", e))?;
    #[cfg(not(unix))]
    std::fs::copy(ours, &link)
        .map(|_| ())
        .map_err(|e| io("copying", e))?;
    let bytes = serde_json::to_vec(&Record {
        link: link.clone(),
        target: ours.to_owned(),
    })
    .expect("plain struct");
    crate::fsx::write_private(&record_path(paths), &bytes)?;
    Ok(link)
}

/// Makes sure git finds a helper: nothing to do when one is on PATH, else links Lanyard's.
pub fn ensure(paths: &Paths, path_env: Option<&OsStr>, ours: &Path) -> Result<HelperStatus> {
    if on_path(path_env).is_none() && ours.is_file() {
        install(paths, ours)?;
    }
    Ok(status(paths, path_env, ours))
}

/// Removes the link Lanyard made (offboarding); returns it when there was one.
pub fn uninstall(paths: &Paths, dry_run: bool) -> Result<Option<PathBuf>> {
    let Some(r) = record(paths) else {
        return Ok(None);
    };
    if !dry_run {
        crate::fsx::remove_if_exists(&r.link)?;
        crate::fsx::remove_if_exists(&record_path(paths))?;
    }
    Ok(Some(r.link))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn links_finds_and_removes_only_its_own() {
        let d = tempfile::tempdir().unwrap();
        let paths = Paths::sandboxed(d.path());
        let ours = d.path().join("app").join(HELPER_NAME);
        std::fs::create_dir_all(ours.parent().unwrap()).unwrap();
        std::fs::write(&ours, "#!/bin/sh\n").unwrap();
        let path_env = std::env::join_paths([paths.bin_dir.clone()]).unwrap();
        assert!(
            status(&paths, Some(&path_env), &ours)
                .note
                .unwrap()
                .contains("not installed")
        );
        let s = ensure(&paths, Some(&path_env), &ours).unwrap();
        assert!(s.is_lanyard && s.note.is_none(), "{s:?}");
        install(&paths, &ours).unwrap();
        assert_eq!(
            uninstall(&paths, true).unwrap(),
            Some(paths.bin_dir.join(HELPER_NAME))
        );
        assert!(
            paths.bin_dir.join(HELPER_NAME).exists(),
            "a dry run removes nothing"
        );
        uninstall(&paths, false).unwrap();
        assert!(!paths.bin_dir.join(HELPER_NAME).exists());

        // Someone else's helper is left alone and reported.
        std::fs::create_dir_all(&paths.bin_dir).unwrap();
        std::fs::write(paths.bin_dir.join(HELPER_NAME), "python").unwrap();
        assert!(install(&paths, &ours).is_err());
        let s = status(&paths, Some(&path_env), &ours);
        assert!(!s.is_lanyard && s.note.unwrap().contains("earlier on PATH"));
        assert_eq!(uninstall(&paths, false).unwrap(), None);
        assert!(paths.bin_dir.join(HELPER_NAME).exists());
    }

    #[test]
    fn git_finds_lanyards_helper_link_even_without_its_folder_on_path() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::sandboxed(dir.path());
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        let user = std::env::join_paths([&elsewhere]).unwrap();
        let with = git_path(&paths, Some(&user)).unwrap();
        assert_eq!(
            std::env::split_paths(&with).collect::<Vec<_>>(),
            [elsewhere.clone(), paths.bin_dir.clone()],
            "appended: the user's own folders come first"
        );
        assert_eq!(
            std::env::split_paths(&git_path(&paths, None).unwrap()).collect::<Vec<_>>(),
            std::slice::from_ref(&paths.bin_dir)
        );
        // A helper already on PATH: PATH stays as it is.
        std::fs::write(elsewhere.join(HELPER_NAME), b"").unwrap();
        assert_eq!(git_path(&paths, Some(&user)), Some(user.clone()));
    }
}

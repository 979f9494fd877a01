//! The desktop app's preferences (Settings view): where clones go, the default naming template,
//! extra CodeCommit regions, how often sessions are checked, start at login, notifications and
//! the quick switcher's shortcut. One JSON file in Lanyard's data directory.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Error, Paths, Result};

/// The app's preferences, every field filled (defaults included) so the UI shows real values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct AppSettings {
    /// Where clones go.
    pub clone_root: String,
    /// The naming template for identities without their own.
    pub template: String,
    /// CodeCommit regions scanned besides each identity's own (empty: just those).
    pub regions: Vec<String>,
    /// Minutes between background session checks (1–60).
    pub refresh_minutes: u32,
    /// Start Lanyard when you log in.
    pub start_at_login: bool,
    /// Desktop notifications (session ending, clone/sync finished).
    pub notifications: bool,
    /// Notifications about pull requests: one starts waiting for you; yours is approved, merged
    /// or commented on (each once). Only while `notifications` is on.
    pub pull_request_notifications: bool,
    /// The global shortcut that opens the quick switcher, e.g. "CommandOrControl+Shift+L"; "" = none.
    pub switcher_shortcut: String,
}

/// The quick switcher's shortcut unless the user picks another.
pub const DEFAULT_SHORTCUT: &str = "CommandOrControl+Shift+L";

impl Default for AppSettings {
    fn default() -> Self {
        AppSettings {
            clone_root: String::new(),
            template: crate::profiles::DEFAULT_TEMPLATE.into(),
            regions: Vec::new(),
            refresh_minutes: 1,
            start_at_login: false,
            notifications: true,
            pull_request_notifications: true,
            switcher_shortcut: DEFAULT_SHORTCUT.into(),
        }
    }
}

fn path(paths: &Paths) -> PathBuf {
    paths.data_dir.join("settings.json")
}

/// The saved settings with defaults filled in (`clone_root` defaults to `~/codecommit`). A
/// missing or unreadable file gives the defaults: preferences are never worth refusing to start.
pub fn load(paths: &Paths) -> AppSettings {
    let mut s: AppSettings = std::fs::read(path(paths))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    if s.clone_root.trim().is_empty() {
        s.clone_root = crate::codecommit::clone::default_clone_root(paths)
            .display()
            .to_string();
    }
    if s.template.trim().is_empty() {
        s.template = crate::profiles::DEFAULT_TEMPLATE.into();
    }
    s.refresh_minutes = s.refresh_minutes.clamp(1, 60);
    s
}

/// Checks and normalizes settings (regions lowercased and deduplicated, paths expanded), then
/// saves them; returns what was saved. Nothing is written when a field is invalid.
pub fn save(paths: &Paths, settings: &AppSettings) -> Result<AppSettings> {
    let s = normalize(paths, settings)?;
    let bytes = serde_json::to_vec_pretty(&s).map_err(|e| Error::Config {
        path: path(paths),
        reason: e.to_string(),
    })?;
    crate::fsx::write_private(&path(paths), &bytes)?;
    Ok(s)
}

fn invalid(field: &'static str, reason: String) -> Error {
    Error::InvalidInput { field, reason }
}

fn normalize(paths: &Paths, settings: &AppSettings) -> Result<AppSettings> {
    let mut s = settings.clone();
    let root = s.clone_root.trim();
    let root = match root.strip_prefix("~/") {
        Some(rest) => paths.home.join(rest),
        None if root == "~" => paths.home.clone(),
        None => PathBuf::from(root),
    };
    if root.as_os_str().is_empty() || !root.is_absolute() {
        return Err(invalid(
            "cloneRoot",
            format!(
                "the clone root must be an absolute folder (e.g. {}), not {:?}",
                crate::codecommit::clone::default_clone_root(paths).display(),
                s.clone_root
            ),
        ));
    }
    check_writable(&root)?;
    s.clone_root = root.display().to_string();
    s.template = s.template.trim().to_owned();
    crate::profiles::check_template(&s.template).map_err(|reason| invalid("template", reason))?;
    let mut regions: Vec<String> = Vec::new();
    for r in s
        .regions
        .iter()
        .flat_map(|r| r.split([',', ' ']))
        .map(|r| r.trim().to_ascii_lowercase())
        .filter(|r| !r.is_empty())
    {
        if !crate::codecommit::url::is_region(&r) {
            return Err(invalid(
                "regions",
                format!("{r} is not a region CodeCommit runs in (e.g. us-east-1, eu-west-1)"),
            ));
        }
        if !regions.contains(&r) {
            regions.push(r);
        }
    }
    s.regions = regions;
    if !(1..=60).contains(&s.refresh_minutes) {
        return Err(invalid(
            "refreshMinutes",
            format!(
                "the refresh cadence must be 1 to 60 minutes, not {}",
                s.refresh_minutes
            ),
        ));
    }
    s.switcher_shortcut = s.switcher_shortcut.trim().to_owned();
    Ok(s)
}

/// The nearest existing ancestor of `root` must be a folder we can create files in, so the first
/// clone does not fail later with a less helpful message.
pub fn check_writable(root: &Path) -> Result<()> {
    let mut dir = root;
    while !dir.exists() {
        dir = dir.parent().ok_or_else(|| {
            invalid(
                "cloneRoot",
                format!("{} has no existing parent folder", root.display()),
            )
        })?;
    }
    if !dir.is_dir() {
        return Err(invalid(
            "cloneRoot",
            format!("{} is a file, not a folder", dir.display()),
        ));
    }
    let probe = dir.join(format!(".lanyard-write-test-{}", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(invalid(
            "cloneRoot",
            format!(
                "the clone root {} is not writable ({e}): pick a folder you own",
                dir.display()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sandbox(name: &str) -> (PathBuf, Paths) {
        let dir =
            std::env::temp_dir().join(format!("lanyard-settings-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        (dir.clone(), Paths::sandboxed(&dir))
    }

    #[test]
    fn defaults_then_a_saved_round_trip() {
        let (dir, paths) = sandbox("round");
        let d = load(&paths);
        assert_eq!(
            d.clone_root,
            paths.home.join("codecommit").display().to_string()
        );
        assert_eq!(d.template, crate::profiles::DEFAULT_TEMPLATE);
        assert!(d.notifications && !d.start_at_login);
        let mut s = d.clone();
        s.clone_root = "~/src/aws".into();
        s.regions = vec!["EU-WEST-1, us-east-2".into(), "eu-west-1".into()];
        s.refresh_minutes = 5;
        let saved = save(&paths, &s).unwrap();
        assert_eq!(
            saved.clone_root,
            paths.home.join("src/aws").display().to_string()
        );
        assert_eq!(saved.regions, ["eu-west-1", "us-east-2"]);
        assert_eq!(load(&paths), saved);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn bad_values_are_refused_and_nothing_is_written() {
        let (dir, paths) = sandbox("bad");
        let ok = load(&paths);
        let bad = |f: &dyn Fn(&mut AppSettings)| {
            let mut s = ok.clone();
            f(&mut s);
            save(&paths, &s).unwrap_err().to_string()
        };
        assert!(bad(&|s| s.regions = vec!["mars-1".into()]).contains("mars-1 is not a region"));
        assert!(bad(&|s| s.refresh_minutes = 0).contains("1 to 60 minutes"));
        assert!(bad(&|s| s.clone_root = "relative/dir".into()).contains("absolute"));
        assert!(bad(&|s| s.template = "{nope}".into()).contains("nope"));
        let file = dir.join("a-file");
        std::fs::write(&file, "x").unwrap();
        assert!(
            bad(&|s| s.clone_root = file.join("sub").display().to_string()).contains("is a file")
        );
        assert!(!path(&paths).exists(), "nothing saved");
        // A corrupt file: defaults, not a refusal to start.
        std::fs::create_dir_all(&paths.data_dir).unwrap();
        std::fs::write(path(&paths), "{not json").unwrap();
        assert_eq!(load(&paths).template, crate::profiles::DEFAULT_TEMPLATE);
        let _ = std::fs::remove_dir_all(dir);
    }

    /// sysfs refuses new files to everyone, root included (this suite often runs as root, which
    /// ignores a 0555 folder), so the refusal is always exercised.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_read_only_clone_root_is_named() {
        let (dir, paths) = sandbox("ro");
        let mut s = load(&paths);
        s.clone_root = "/sys/lanyard-clones".into();
        let e = save(&paths, &s).unwrap_err().to_string();
        assert!(
            e.contains("the clone root /sys is not writable")
                && e.contains("pick a folder you own"),
            "{e}"
        );
        assert!(!path(&paths).exists(), "nothing saved");
        let _ = std::fs::remove_dir_all(dir);
    }
}

//! File writes that never leave a half-written file behind.

use std::io::Write;
use std::path::Path;

use crate::{Error, Result};

/// Writes `bytes` to `path` atomically (temp file in the same directory, fsync, rename), mode
/// 0600, creating the directory (0700) when missing.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |what, source| Error::Io {
        what,
        path: path.to_owned(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.exists() {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir)
            .map_err(|e| io("creating the directory of", e))?;
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".lanyard-")
        .tempfile_in(dir)
        .map_err(|e| io("creating a temporary file for", e))?;
    tmp.write_all(bytes).map_err(|e| io("writing", e))?;
    tmp.as_file().sync_all().map_err(|e| io("syncing", e))?;
    tmp.persist(path).map_err(|e| io("replacing", e.error))?;
    Ok(())
}

/// Makes `dir` (and missing parents) a folder only this user can enter: 0700, also when it
/// already existed with the default umask; files already in it lose group and other access. For Lanyard's data
/// and log folders, whose files (logs written by an appender) get the default umask.
pub fn make_private_dir(dir: &Path) -> Result<()> {
    let io = |what, source| Error::Io {
        what,
        path: dir.to_owned(),
        source,
    };
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir).map_err(|e| io("creating", e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| io("restricting", e))?;
        for entry in std::fs::read_dir(dir)
            .map_err(|e| io("listing", e))?
            .flatten()
        {
            if entry.file_type().is_ok_and(|t| t.is_file())
                && let Ok(m) = entry.metadata()
            {
                // Group and others lose access; the owner's bits stay as they were.
                let mode = m.permissions().mode() & !0o077;
                let _ =
                    std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(mode));
            }
        }
    }
    Ok(())
}

/// Removes a file; absent is fine.
pub fn remove_if_exists(path: &Path) -> Result<bool> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(Error::Io {
            what: "removing",
            path: path.to_owned(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(unix)]
    fn private_dirs_are_0700_with_0600_files_even_when_they_existed() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let logs = d.path().join("data/logs");
        std::fs::create_dir_all(&logs).unwrap();
        std::fs::set_permissions(&logs, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(logs.join("lanyard.2026-12-03.log"), "x").unwrap();
        std::fs::set_permissions(
            logs.join("lanyard.2026-12-03.log"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        super::make_private_dir(&logs).unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&logs), 0o700);
        assert_eq!(mode(&logs.join("lanyard.2026-12-03.log")), 0o600);
        let fresh = d.path().join("new/deeper");
        super::make_private_dir(&fresh).unwrap();
        assert_eq!(mode(&fresh), 0o700);
    }

    #[test]
    #[cfg(unix)]
    fn writes_0600_and_replaces() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sub/dir/file.json");
        super::write_private(&p, b"one").unwrap();
        super::write_private(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            std::fs::read_dir(p.parent().unwrap()).unwrap().count(),
            1,
            "no temp files left"
        );
    }
}

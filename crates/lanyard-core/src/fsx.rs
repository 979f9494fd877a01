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

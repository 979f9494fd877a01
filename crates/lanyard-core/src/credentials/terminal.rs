//! "Open a terminal as this profile": which terminal emulator, and how each one is told to run a
//! command. Linux desktops have no single way to open "the" terminal, so this looks, in order,
//! for `$TERMINAL`, Debian's `x-terminal-emulator` alternative, then the terminals of the common
//! desktops and a few popular others.

use std::path::{Path, PathBuf};

/// The terminals looked for after `$TERMINAL`, in order, with the arguments that come before the
/// command each one runs.
pub const TERMINALS: &[(&str, &[&str])] = &[
    ("x-terminal-emulator", &["-e"]),
    ("gnome-terminal", &["--"]),
    ("kgx", &["--"]),
    ("konsole", &["-e"]),
    ("xfce4-terminal", &["-x"]),
    ("mate-terminal", &["-x"]),
    ("tilix", &["-e"]),
    ("kitty", &[]),
    ("alacritty", &["-e"]),
    ("wezterm", &["start", "--"]),
    ("foot", &[]),
    ("xterm", &["-e"]),
];

/// The arguments that make a terminal run a command: known ones by name, any other the xterm way
/// (`-e`, which most follow).
fn prefix_for(program: &Path) -> Vec<String> {
    let name = program
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    TERMINALS.iter().find(|(n, _)| *n == name).map_or_else(
        || vec!["-e".to_owned()],
        |(_, a)| a.iter().map(|s| (*s).to_owned()).collect(),
    )
}

/// The program and arguments that open a terminal running `command`; `None` when no terminal is
/// found. `terminal` is `$TERMINAL`; `find` looks a program up on `PATH`.
pub fn command(
    terminal: Option<&str>,
    find: &dyn Fn(&str) -> Option<PathBuf>,
    command: &[String],
) -> Option<(PathBuf, Vec<String>)> {
    let program = terminal
        .filter(|t| !t.trim().is_empty())
        .and_then(|t| find(t.trim()))
        .or_else(|| TERMINALS.iter().find_map(|(name, _)| find(name)))?;
    let mut args = prefix_for(&program);
    args.extend(command.iter().cloned());
    Some((program, args))
}

/// Looks a program up on a `PATH` value (an absolute path is taken as it is, when executable).
pub fn which(path_var: Option<&std::ffi::OsStr>, program: &str) -> Option<PathBuf> {
    let executable = |p: &Path| {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        }
        #[cfg(not(unix))]
        {
            p.is_file()
        }
    };
    let p = Path::new(program);
    if p.is_absolute() {
        return executable(p).then(|| p.to_owned());
    }
    if program.contains('/') {
        return None;
    }
    std::env::split_paths(path_var?)
        .map(|dir| dir.join(program))
        .find(|c| executable(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on_path(names: &'static [&'static str]) -> impl Fn(&str) -> Option<PathBuf> {
        move |n: &str| {
            names
                .contains(&n)
                .then(|| PathBuf::from(format!("/usr/bin/{n}")))
        }
    }

    fn cmd() -> Vec<String> {
        ["/opt/lanyard", "exec", "--profile", "prod/Admin"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn terminal_env_wins_then_the_debian_alternative_then_known_ones() {
        let all = on_path(&["kitty", "gnome-terminal", "x-terminal-emulator", "xterm"]);
        let (p, a) = command(Some("kitty"), &all, &cmd()).unwrap();
        assert_eq!(p, PathBuf::from("/usr/bin/kitty"));
        assert_eq!(a, cmd(), "kitty runs its arguments");
        let (p, a) = command(None, &all, &cmd()).unwrap();
        assert_eq!(p, PathBuf::from("/usr/bin/x-terminal-emulator"));
        assert_eq!(a[0], "-e");
        // A $TERMINAL that is not installed falls back to the list.
        let (p, _) = command(Some("nope"), &all, &cmd()).unwrap();
        assert_eq!(p, PathBuf::from("/usr/bin/x-terminal-emulator"));
    }

    #[test]
    fn each_terminal_gets_its_own_way_of_running_a_command() {
        for (name, want) in [
            ("gnome-terminal", vec!["--"]),
            ("xfce4-terminal", vec!["-x"]),
            ("wezterm", vec!["start", "--"]),
            ("konsole", vec!["-e"]),
            ("foot", vec![]),
        ] {
            let (_, a) = command(Some(name), &|n: &str| Some(PathBuf::from(n)), &cmd()).unwrap();
            assert_eq!(&a[..want.len()], want.as_slice(), "{name}");
            assert_eq!(&a[want.len()..], cmd().as_slice(), "{name}");
        }
        // An unknown $TERMINAL is run the xterm way.
        let (_, a) = command(Some("myterm"), &|n: &str| Some(PathBuf::from(n)), &cmd()).unwrap();
        assert_eq!(a[0], "-e");
    }

    #[test]
    fn no_terminal_is_none_and_which_needs_an_executable() {
        assert!(command(None, &on_path(&[]), &cmd()).is_none());
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("xterm");
        std::fs::write(&t, "#!/bin/sh\n").unwrap();
        let path = std::env::join_paths([dir.path()]).unwrap();
        assert_eq!(which(Some(&path), "xterm"), None, "not executable");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&t, std::fs::Permissions::from_mode(0o755)).unwrap();
            assert_eq!(which(Some(&path), "xterm"), Some(t.clone()));
            assert_eq!(which(None, t.to_str().unwrap()), Some(t));
        }
        assert_eq!(which(Some(&path), "../xterm"), None);
    }
}

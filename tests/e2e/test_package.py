"""The .deb that `./dev package` made (the suite's `./dev test` builds it first): what it installs
where, and that the installed app, CLI and git helper run from there."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from app import alive, app_env, bin_dir, descendants, wait_until, windows


def the_deb() -> Path:
    debs = sorted((bin_dir() / "bundle" / "deb").glob("Lanyard_*.deb"))
    if not debs:
        pytest.fail(f"no .deb under {bin_dir() / 'bundle/deb'}: run ./dev package first")
    return debs[-1]


def test_the_deb_installs_the_app_the_cli_and_the_git_helper(tmp_path):
    deb = the_deb()
    fields = subprocess.run(
        ["dpkg-deb", "-f", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    assert "Package: lanyard" in fields and "Version: 0.1.0" in fields
    depends = [
        d.strip().split()[0]
        for d in next(l for l in fields.splitlines() if l.startswith("Depends:"))
        .split(":", 1)[1]
        .split(",")
    ]
    assert "libwebkit2gtk-4.1-0" in depends, "depends on the WebKit it links"
    assert "git" in depends, "git-remote-codecommit runs git remote-http"
    listing = subprocess.run(
        ["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    for path in [
        "usr/bin/lanyard-app",
        "usr/bin/lanyard-tray",
        "usr/bin/lanyard",
        "usr/bin/git-remote-codecommit",
        "usr/share/applications/Lanyard.desktop",
        "usr/share/icons/hicolor/128x128/apps/lanyard-app.png",
    ]:
        assert path in listing, f"{path} missing from the package:\n{listing}"

    root = tmp_path / "root"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    desktop = (root / "usr/share/applications/Lanyard.desktop").read_text()
    assert "Exec=lanyard-app" in desktop and "Categories=Development" in desktop
    env = app_env(tmp_path / "home")
    v = subprocess.run(
        [str(root / "usr/bin/lanyard"), "--version"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert v.returncode == 0 and v.stdout.startswith("lanyard 0.1.0")
    h = subprocess.run(
        [str(root / "usr/bin/git-remote-codecommit")],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert h.returncode != 0 and "Too few arguments" in h.stderr, "answers like the Python helper"

    # The installed app starts, finds its helper next to itself, and quits on SIGTERM.
    app = subprocess.Popen(
        [str(root / "usr/bin/lanyard-app")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: windows("^Lanyard$", pid=app.pid), 30, what="the installed app's window")
        helpers = descendants(app.pid)
    finally:
        app.terminate()
        app.wait(15)
    wait_until(lambda: not any(alive(p) for p in helpers), 15, what="WebKit processes to exit")

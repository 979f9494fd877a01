"""Repositories in the real window: every account's CodeCommit repositories against the emulator,
search, one-click clone with progress, and the clone's `git pull` from a shell through the native
git-remote-codecommit Lanyard linked where git finds it."""

import os
import subprocess
import time

from app import SHOTS, TauriDriver, app_env, bin_dir, wait_until
from conftest import start_emulator


def text(wd, css):
    found = wd.find_all(css)
    return wd.text(found[0]) if found else ""


def rows(wd):
    return [wd.text(r) for r in wd.find_all('[data-testid="repo-row"]')]


def test_browse_search_clone_and_pull_from_the_window(tmp_path):
    emu = start_emulator(tmp_path / "emu", args=["--auto-approve"])
    home = tmp_path / "home"
    env = app_env(home)
    env.update(emu.env)
    env.update(LANYARD_CLONE_ROOT=str(home / "src"))
    r = subprocess.run(
        [
            str(bin_dir() / "lanyard"),
            "login",
            "--session",
            "acme",
            "--start-url",
            "https://acme.awsapps.com/start",
            "--region",
            "us-east-1",
            "--device-code",
            "--no-browser",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    driver = TauriDriver(env, tmp_path / "tauri-driver.log")
    wd = driver.session()
    try:
        wd.wait_for('nav[aria-label="Main"]', timeout=30)
        wd.click(wd.find('[data-testid="nav-repositories"]'))
        try:
            wait_until(
                lambda: "Up to date" in text(wd, '[data-testid="scan-progress"]'),
                60,
                what="the repository scan",
            )
        except AssertionError:
            SHOTS.mkdir(parents=True, exist_ok=True)
            wd.screenshot(SHOTS / "repositories-failed.png")
            raise AssertionError(f"scan did not finish; the view says: {text(wd, 'main')[:600]}")
        names = " ".join(rows(wd))
        for repo in ["payments-api", "checkout-web", "prod-runbooks", "terraform-modules"]:
            assert repo in names, names
        time.sleep(0.3)
        SHOTS.mkdir(parents=True, exist_ok=True)
        wd.screenshot(SHOTS / "repositories.png")
        wd.send_keys(wd.find("#repo-search"), "payments")
        wait_until(lambda: len(rows(wd)) == 1, 5, what="search to filter")

        wd.click(wd.find('button[aria-label="Clone payments-api"]'))
        wait_until(
            lambda: (
                wd.find_all('[data-testid="clone-done"]')
                or wd.find_all('[data-testid="clone-error"]')
            ),
            60,
            what="the clone",
        )
        assert not wd.find_all('[data-testid="clone-error"]'), text(
            wd, '[data-testid="clone-error"]'
        )
        work = home / "src" / "acme-dev" / "payments-api"
        assert str(work) in text(wd, '[data-testid="clone-done"]')
        time.sleep(0.3)
        wd.screenshot(SHOTS / "repositories-cloned.png")

        shell = dict(
            env,
            PATH=os.pathsep.join([str(home / ".local" / "bin"), "/usr/bin", "/bin"]),
            GIT_CONFIG_NOSYSTEM="1",
            GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
            GIT_TERMINAL_PROMPT="0",
        )
        origin = subprocess.run(
            ["git", "remote", "get-url", "origin"],
            cwd=work,
            env=shell,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert origin.stdout.strip() == "codecommit::us-east-1://acme-dev/Developer@payments-api", (
            origin.stderr
        )
        pull = subprocess.run(
            ["git", "pull", "--ff-only"],
            cwd=work,
            env=shell,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert pull.returncode == 0, pull.stderr
        assert "Already up to date" in pull.stdout, pull.stdout
        assert "[profile acme-dev/Developer]" in (home / ".aws" / "config").read_text()
    finally:
        wd.delete()
        driver.stop()
        emu.stop()

"""A developer's whole journey in the real window, against the emulator: add an identity, sign in
(a headless Chromium clicks "Allow access" on the consent page), see the accounts, apply profiles
after reading the diff, find a repository by search, clone it with progress, `git pull` from a
shell, then offboard — and `~/.aws/config` is back to its original bytes."""

from __future__ import annotations

import os
import subprocess
import time

from app import SHOTS, TauriDriver, app_env, wait_until
from conftest import browser, start_emulator  # noqa: F401  (browser is a fixture)

ORIGINAL = b"# my own settings\r\n[default]\r\nregion = eu-west-1\r\n\r\n[profile work]\r\nregion=us-west-2\r\noutput = json"


def text(wd, css):
    found = wd.find_all(css)
    return wd.text(found[0]) if found else ""


def shot(wd, name: str) -> None:
    time.sleep(0.4)  # the compositor can lag the DOM by a frame
    SHOTS.mkdir(parents=True, exist_ok=True)
    wd.screenshot(SHOTS / name)


def test_the_whole_journey_from_first_sign_in_to_offboarding(tmp_path, browser):  # noqa: F811
    emu = start_emulator(tmp_path / "emu")  # no auto-approve: a person approves in a browser
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    cfg = home / ".aws/config"
    cfg.write_bytes(ORIGINAL)
    opened = tmp_path / "opened-urls"
    fake = tmp_path / "browser.sh"
    fake.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{opened}"\n'
    )  # hands the URL to the test's Chromium
    fake.chmod(0o755)
    env = app_env(home)
    env.update(emu.env)
    env.update(BROWSER=str(fake), LANYARD_CLONE_ROOT=str(home / "src"))
    driver = TauriDriver(env, tmp_path / "tauri-driver.log")
    wd = driver.session()
    try:
        wd.wait_for('nav[aria-label="Main"]', timeout=30)
        shot(wd, "journey-1-start.png")
        wd.click(wd.wait_for('[data-testid="add-identity"]'))
        wd.send_keys(wd.wait_for("#identity-session"), "acme")
        wd.send_keys(wd.find("#identity-start-url"), "https://acme.awsapps.com/start")
        wd.send_keys(wd.find("#identity-region"), "us-east-1")
        wd.click(wd.find('[data-testid="identity-save"]'))
        wd.click(wd.wait_for('[data-testid="sign-in-acme"]', timeout=10))

        url = wait_until(
            lambda: opened.exists() and opened.read_text().strip().splitlines()[-1],
            30,
            what="the app to open the consent page",
        )
        assert url.startswith(emu.env["LANYARD_EMULATOR_URL"] + "/authorize?"), url
        browser.get(url)
        browser.click(browser.wait_for("#approve", timeout=15))
        wait_until(
            lambda: "Signed in" in browser.source() or "signed in" in browser.source(),
            15,
            what="the browser to reach Lanyard's callback",
        )
        wait_until(
            lambda: text(wd, '[data-testid="state-acme"]') == "Signed in",
            30,
            what="the window to show the session",
        )
        shot(wd, "journey-2-signed-in.png")

        wd.click(wd.find('[data-testid="nav-accounts"]'))
        wait_until(
            lambda: "Up to date" in text(wd, '[data-testid="discovery-progress"]'),
            60,
            what="discovery",
        )
        assert wd.find_all('[data-testid="account-222222222222"]')
        wait_until(
            lambda: "+11 added" in text(wd, '[data-testid="profile-diff"]'),
            15,
            what="the diff preview",
        )
        shot(wd, "journey-3-accounts.png")
        wd.click(wd.find('[data-testid="apply-profiles"]'))
        wait_until(lambda: wd.find_all('[data-testid="apply-result"]'), 15, what="Apply")
        written = cfg.read_bytes()
        assert written.startswith(ORIGINAL) and b"[profile acme-dev/Developer]" in written

        wd.click(wd.find('[data-testid="nav-repositories"]'))
        wait_until(
            lambda: "Up to date" in text(wd, '[data-testid="scan-progress"]'),
            60,
            what="the repository scan",
        )
        wd.send_keys(wd.find("#repo-search"), "payments")
        wait_until(
            lambda: len(wd.find_all('[data-testid="repo-row"]')) == 1, 5, what="search to filter"
        )
        wd.click(wd.find('button[aria-label="Clone payments-api"]'))
        # (The progress bar itself is checked in RepositoryRow's tests: these repositories clone in well under a second.)
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
        work = home / "src/acme-dev/payments-api"
        assert str(work) in text(wd, '[data-testid="clone-done"]')
        shot(wd, "journey-4-cloned.png")

        shell = {k: v for k, v in env.items() if k not in ("LANYARD_CLONE_ROOT",)}
        shell.update(
            PATH=os.pathsep.join([str(home / ".local/bin"), "/usr/bin", "/bin"]),
            GIT_CONFIG_NOSYSTEM="1",
            GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
            GIT_TERMINAL_PROMPT="0",
        )
        pull = subprocess.run(
            ["git", "pull", "--ff-only"],
            cwd=work,
            env=shell,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert pull.returncode == 0 and "Already up to date" in pull.stdout, pull.stderr

        wd.click(wd.find('[data-testid="nav-accounts"]'))
        wd.wait_for('[data-testid="offboard-start"]', timeout=15)

        # The list below grows a frame after it first paints; like a person, click again if the
        # first click landed while the page was still moving.
        def start_offboard():
            if not wd.find_all('[data-testid="offboard-preview"]'):
                starts = wd.find_all('[data-testid="offboard-start"]')
                if starts:
                    wd.click(starts[0])
                time.sleep(0.5)
            return wd.find_all('[data-testid="offboard-preview"]')

        wait_until(start_offboard, 20, interval=0.1, what="the offboarding preview")
        shot(wd, "journey-5-offboard-preview.png")
        assert cfg.read_bytes() == written, "the preview changes nothing"
        wd.click(wd.find('[data-testid="confirm-offboard"]'))
        wd.wait_for('[data-testid="offboard-report"]', timeout=20)
        assert cfg.read_bytes() == ORIGINAL, (
            "offboarding restores the file byte for byte (CRLF, no final newline)"
        )
        assert not list((home / ".aws/sso/cache").glob("*.json")), (
            "no token or registration cache left"
        )
        assert not (home / ".local/bin/git-remote-codecommit").exists(), "the helper link is gone"
        assert work.is_dir(), "the clone itself is the user's and stays"
    finally:
        wd.delete()
        driver.stop()
        emu.stop()

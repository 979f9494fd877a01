"""Accounts & Profiles in the real window: discovery against the emulator, search, the diff
preview, Apply (what botocore then reads), and offboarding back to the original file."""

import subprocess
import time

from app import SHOTS, TauriDriver, app_env, bin_dir, wait_until
from conftest import start_emulator

ORIGINAL = "# my own config\n[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\n\n[profile mine]\nregion = eu-west-1\n"


def text(wd, css):
    """The element's text, or "" while the view has not rendered it yet."""
    found = wd.find_all(css)
    return wd.text(found[0]) if found else ""


def test_discover_apply_and_offboard_from_the_window(tmp_path):
    emu = start_emulator(tmp_path / "emu", args=["--auto-approve"])
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    cfg = home / ".aws/config"
    cfg.write_text(ORIGINAL)
    env = app_env(home)
    env.update(emu.env)
    r = subprocess.run(
        [str(bin_dir() / "lanyard"), "login", "--session", "acme", "--device-code", "--no-browser"],
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
        wd.click(wd.find('[data-testid="nav-accounts"]'))
        wait_until(
            lambda: "Up to date" in text(wd, '[data-testid="discovery-progress"]'),
            30,
            what="discovery to finish",
        )
        assert wd.find_all('[data-testid="account-222222222222"]')
        wd.send_keys(wd.find("#account-search"), "prod")
        wait_until(
            lambda: not wd.find_all('[data-testid="account-222222222222"]'),
            5,
            what="search to filter",
        )
        assert wd.find_all('[data-testid="account-444444444444"]')

        wait_until(
            lambda: "+11 added" in text(wd, '[data-testid="profile-diff"]'),
            10,
            what="the diff preview",
        )
        time.sleep(0.5)
        SHOTS.mkdir(parents=True, exist_ok=True)
        wd.screenshot(SHOTS / "accounts.png")
        wd.click(wd.find('[data-testid="apply-profiles"]'))
        wait_until(lambda: wd.find_all('[data-testid="apply-result"]'), 10, what="Apply to finish")
        written = cfg.read_text()
        assert written.startswith(ORIGINAL) and "[profile acme-dev/Developer]" in written
        code = "import botocore.session; print(len(botocore.session.Session().available_profiles))"
        py = (
            str(bin_dir().parents[1] / ".venv/bin/python")
            if (bin_dir().parents[1] / ".venv").exists()
            else str(__import__("pathlib").Path(__file__).parents[2] / ".venv/bin/python")
        )
        p = subprocess.run([py, "-c", code], env=env, capture_output=True, text=True, timeout=60)
        assert p.stdout.strip() == "12", p.stderr

        wd.click(wd.find('[data-testid="offboard-start"]'))
        wd.wait_for('[data-testid="offboard-preview"]', timeout=10)
        assert cfg.read_text() == written, "the preview changes nothing"
        wd.click(wd.find('[data-testid="confirm-offboard"]'))
        wd.wait_for('[data-testid="offboard-report"]', timeout=15)
        assert cfg.read_text() == ORIGINAL, "offboarding restores the file byte for byte"
    finally:
        wd.delete()
        driver.stop()
        emu.stop()


def test_a_profile_rows_credentials_go_to_the_clipboard_only_and_it_serves_them(tmp_path):
    """The profile row's credential actions in the real window: the credentials reach the
    clipboard (never the page, which shows only when they expire) and the endpoint serves boto3."""
    emu = start_emulator(tmp_path / "emu", args=["--auto-approve"])
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws/config").write_text(ORIGINAL)
    env = app_env(home)
    env.update(emu.env)
    for args in (["login", "--session", "acme", "--device-code", "--no-browser"], ["sync"]):
        r = subprocess.run(
            [str(bin_dir() / "lanyard"), *args], env=env, capture_output=True, text=True, timeout=60
        )
        assert r.returncode == 0, r.stderr
    profile = "acme-dev/Developer"
    driver = TauriDriver(env, tmp_path / "tauri-driver.log")
    wd = driver.session()
    try:
        wd.wait_for('nav[aria-label="Main"]', timeout=30)
        wd.click(wd.find('[data-testid="nav-accounts"]'))
        wd.click(wd.wait_for(f'[data-testid="credentials-{profile}"]', timeout=30))
        note = f'[data-testid="row-note-{profile}"]'
        wait_until(lambda: "Credentials copied" in text(wd, note), 20, what="the row's note")
        assert "valid until" in text(wd, note) and "cleared in 60 s" in text(wd, note)
        copied = subprocess.run(
            ["xclip", "-o", "-selection", "clipboard"],
            env=env,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout
        assert copied.startswith("export AWS_ACCESS_KEY_ID=ASIA"), copied[:40]
        key = copied.split("\n", 1)[0].split("=", 1)[1]
        assert key not in wd.source(), "the page never holds the credentials"

        serve = f'[data-testid="serve-{profile}"]'
        wd.click(wd.find(serve))
        wait_until(
            lambda: "Serving credentials on http://127.0.0.1:" in text(wd, note),
            20,
            what="the endpoint",
        )
        assert wd.attribute(wd.find(serve), "aria-pressed") == "true"
        SHOTS.mkdir(parents=True, exist_ok=True)
        wd.screenshot(SHOTS / "profile-credentials.png")
        wd.click(wd.find(serve))
        wait_until(lambda: "Stopped serving" in text(wd, note), 10, what="the endpoint to stop")
    finally:
        wd.delete()
        driver.stop()
        emu.stop()

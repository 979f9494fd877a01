"""Signing in from the real window: add an identity, sign in against the emulator, see the state,
and check that no token ever reaches the web view."""

import hashlib
import json

import pytest
from app import SHOTS, TauriDriver, app_env, wait_until
from conftest import start_emulator


@pytest.fixture
def emu(tmp_path):
    e = start_emulator(tmp_path / "emu", args=["--auto-approve"])
    yield e
    e.stop()


def text(wd, css):
    """The element's text, or "" while the view has not rendered it yet."""
    found = wd.find_all(css)
    return wd.text(found[0]) if found else ""


def test_add_identity_sign_in_and_out_from_the_window(emu, tmp_path):
    home = tmp_path / "home"
    env = app_env(home)
    env.update({k: v for k, v in emu.env.items()})
    env["LANYARD_KEYRING"] = "none"
    driver = TauriDriver(env, tmp_path / "tauri-driver.log")
    wd = driver.session()
    try:
        wd.wait_for('nav[aria-label="Main"]', timeout=30)
        wd.click(wd.wait_for('[data-testid="add-identity"]'))
        wd.send_keys(wd.wait_for("#identity-session"), "acme")
        wd.send_keys(wd.find("#identity-start-url"), "http://acme.awsapps.com/start")
        wd.send_keys(wd.find("#identity-region"), "us-east-1")
        wd.click(wd.find('[data-testid="identity-save"]'))
        # The field's own error, not the page: its placeholder shows an https:// URL too.
        error = wait_until(
            lambda: text(wd, '[data-testid="identity-start-url-error"]'),
            10,
            what="the start URL error",
        )
        assert "http://acme.awsapps.com/start must use https://" in error
        config = home / ".aws/config"
        assert not config.exists() or "acme" not in config.read_text(), "nothing was written"
        url_field = wd.find("#identity-start-url")
        wd.execute(
            "arguments[0].value = ''; arguments[0].dispatchEvent(new Event('input', {bubbles: true}))",
            {"element-6066-11e4-a52e-4f735466cecf": url_field},
        )
        wd.send_keys(url_field, "https://acme.awsapps.com/start")
        wd.click(wd.find('[data-testid="identity-save"]'))
        wd.wait_for('[data-testid="identity-acme"]', timeout=10)
        assert text(wd, '[data-testid="state-acme"]') == "Signed out"
        assert "[sso-session acme]" in (home / ".aws/config").read_text()

        wd.click(wd.find('[data-testid="sign-in-device-acme"]'))
        wait_until(
            lambda: text(wd, '[data-testid="state-acme"]') == "Signed in",
            30,
            what="the session to be signed in",
        )
        assert "Renews automatically" in text(wd, '[data-testid="identity-acme"]')
        SHOTS.mkdir(parents=True, exist_ok=True)
        import time

        time.sleep(0.5)  # the compositor can lag the DOM by a frame
        wd.screenshot(SHOTS / "sessions-signed-in.png")

        cache = home / ".aws/sso/cache" / (hashlib.sha1(b"acme").hexdigest() + ".json")
        token = json.loads(cache.read_text())
        secrets = [token["accessToken"], token["refreshToken"], token["clientSecret"]]
        ipc = wd.execute(
            "return window.__TAURI_INTERNALS__.invoke('list_identities').then(r => JSON.stringify(r))"
        )
        assert '"signedIn"' in ipc
        page = wd.source()
        for s in secrets:
            assert s not in ipc and s not in page

        wd.click(wd.find('[data-testid="sign-out-acme"]'))
        wait_until(
            lambda: text(wd, '[data-testid="state-acme"]') == "Signed out", 15, what="sign-out"
        )
        assert not cache.exists()
        notice = text(wd, '[data-testid="notice-acme"]')
        assert "Portal session ended" in notice and "the sign-in token" in notice, notice
    finally:
        wd.delete()
        driver.stop()


def test_a_company_sign_in_address_without_a_region_in_the_window(emu, tmp_path):
    """The form asks the vanity URL where it leads, shows the portal host, fills in the region;
    the sign-in then goes to that portal."""
    home = tmp_path / "home"
    env = app_env(home)
    env.update({k: v for k, v in emu.env.items()})
    env["LANYARD_KEYRING"] = "none"
    vanity = emu.env["LANYARD_DEMO_VANITY_URL"]
    portal = emu.control("GET", "/_emulator/world").json()["instance"][0]["portal_url"]
    driver = TauriDriver(env, tmp_path / "tauri-driver.log")
    wd = driver.session()
    try:
        wd.wait_for('nav[aria-label="Main"]', timeout=30)
        wd.click(wd.wait_for('[data-testid="add-identity"]'))
        wd.send_keys(wd.wait_for("#identity-session"), "corp")
        wd.send_keys(wd.find("#identity-start-url"), vanity)
        wd.click(wd.find("#identity-region"))  # leaving the field asks where it leads
        hint = wait_until(
            lambda: (
                "Leads to" in text(wd, '[data-testid="identity-portal"]')
                and text(wd, '[data-testid="identity-portal"]')
            ),
            15,
            what="the portal the address leads to",
        )
        assert hint == f"Leads to {portal.removeprefix('https://')} · region us-east-1", hint
        region = wd.execute("return document.querySelector('#identity-region').value")
        assert region == "us-east-1"
        wd.click(wd.find('[data-testid="identity-save"]'))
        wd.wait_for('[data-testid="identity-corp"]', timeout=10)
        config = (home / ".aws/config").read_text()
        assert f"sso_start_url = {vanity}\nsso_region = us-east-1" in config, config
        wd.click(wd.find('[data-testid="sign-in-device-corp"]'))
        wait_until(
            lambda: text(wd, '[data-testid="state-corp"]') == "Signed in",
            30,
            what="the vanity session to be signed in",
        )
    finally:
        wd.delete()
        driver.stop()

"""The real Lanyard window, driven through WebDriver (tauri-driver + WebKitWebDriver) under Xvfb."""

import time

import pytest
from app import (
    SHOTS,
    TauriDriver,
    alive,
    app_env,
    cargo_version,
    descendants,
    lanyard_processes,
    wait_until,
)

NAV = ["Sessions", "Accounts & Profiles", "Repositories", "Pull requests", "Settings"]


@pytest.fixture
def driver(tmp_path):
    d = TauriDriver(app_env(tmp_path / "home"), tmp_path / "tauri-driver.log")
    yield d
    d.stop()


def heading(wd) -> str:
    return wd.text(wd.find('[data-testid="view-title"]'))


def test_window_renders_navigation_and_views(driver, tmp_path):
    wd = driver.session(["--demo"])
    try:
        wd.wait_for('nav[aria-label="Main"]', timeout=30)
        labels = [
            wd.text(wd.find(f'[data-testid="nav-{v}"]'))
            for v in ("sessions", "accounts", "repositories", "pullRequests", "settings")
        ]
        assert labels == NAV
        assert heading(wd) == "Sessions"
        # Demo mode comes with the demo world's identity, signed out.
        wd.wait_for('[data-testid="identity-acme"]', timeout=10)
        assert wd.text(wd.find('[data-testid="state-acme"]')) == "Signed out"
        time.sleep(0.5)  # the compositor can lag the DOM by a frame
        SHOTS.mkdir(parents=True, exist_ok=True)
        wd.screenshot(SHOTS / "sessions.png")

        wd.click(wd.find('[data-testid="nav-settings"]'))
        wait_until(lambda: heading(wd) == "Settings", 5, what="the Settings view")
        assert wd.text(wd.find('[data-testid="app-version"]')) == cargo_version()
        assert wd.find_all('[data-testid="demo-badge"]'), "demo mode shows its badge"
        page = wd.text(wd.find("main"))
        assert str(tmp_path / "home") in page and ".aws/config" in page, (
            "demo paths are sandboxed under HOME"
        )
        wd.screenshot(SHOTS / "settings.png")
        assert wd.attribute(wd.find('[data-testid="nav-settings"]'), "aria-current") == "page"

        # Keyboard: Ctrl+3 goes to Repositories.
        wd.send_keys(wd.find("body"), "\ue0093")
        wait_until(lambda: heading(wd) == "Repositories", 5, what="Ctrl+3 to switch views")
    finally:
        wd.delete()


def test_no_processes_left_after_the_session_ends(driver):
    wd = driver.session()
    wd.wait_for('nav[aria-label="Main"]', timeout=30)
    apps = lanyard_processes(driver.proc.pid)
    # The tray process the driver started and the window process it started (issue #16).
    assert len(apps) == 2, "the app runs under the driver"
    pids = set(apps) | {d for a in apps for d in descendants(a)}
    wd.delete()
    wait_until(
        lambda: not any(alive(p) for p in pids), 15, what="the app and WebKit processes to exit"
    )

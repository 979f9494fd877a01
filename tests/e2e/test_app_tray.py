"""The tray keeps Lanyard alive: closing the window hides it, the tray brings it back, Quit exits."""

import subprocess
from pathlib import Path

import pytest
from app import (
    SHOTS,
    Tray,
    alive,
    app_binary,
    app_env,
    close_window,
    descendants,
    switcher_window,
    thread_wakeups,
    wait_until,
    windows,
    xdotool,
)


@pytest.fixture
def tray_and_app(tmp_path):
    env = app_env(tmp_path / "home")
    tray = Tray(env)
    # The child process writes to it for its whole life, past this block.
    log = open(tmp_path / "app.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([str(app_binary())], env=env, stdout=log, stderr=subprocess.STDOUT)
    tray.app_pid = proc.pid
    yield tray, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait(5)
    tray.stop()
    log.close()


def test_close_hides_tray_reopens_and_quit_exits(tray_and_app):
    tray, proc = tray_and_app
    win = wait_until(lambda: windows("^Lanyard$", pid=proc.pid), 30, what="the Lanyard window")[0]
    tray.icon()
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["import", "-window", "root", str(SHOTS / "desktop-with-tray.png")], check=True, timeout=20
    )

    def closed():
        # Like a person clicking the close button again if the first click came too early.
        if windows("^Lanyard$", pid=proc.pid):
            close_window(win)
            return False
        return True

    wait_until(closed, 20, interval=1.0, what="the window to hide on close")
    assert proc.poll() is None, "closing the window must not quit Lanyard"
    # Closed, no WebKit is left: the window process and its web and network processes end,
    # the tray process alone stays (issue #16).
    wait_until(lambda: not descendants(proc.pid), 20, what="the window and WebKit processes to end")
    assert tray.icon(), "the tray icon stays"
    # The tray process never loads WebKit (lanyard-app hands over to lanyard-tray).
    maps = Path(f"/proc/{proc.pid}/maps").read_text()
    assert "libwebkit2gtk" not in maps and "libjavascriptcoregtk" not in maps
    # Idle in the tray, no thread polls: the session checks run every 30 s, the shortcut and
    # config edits wake it only when they happen (a 50 ms poll was ~200 wake-ups here).
    busy = {t: n for t, n in thread_wakeups(proc.pid, 10).items() if n > 10}
    assert not busy, f"threads waking more than once a second while idle: {busy}"

    tray.choose(1)  # Open Lanyard (after Quick switch…)
    wait_until(
        lambda: windows("^Lanyard$", pid=proc.pid),
        10,
        what="Open Lanyard from the tray to show the window",
    )

    helpers = descendants(proc.pid)
    tray.choose(last=True)  # Quit Lanyard
    assert proc.wait(15) == 0
    wait_until(
        lambda: not any(alive(p) for p in helpers), 15, what="WebKit helper processes to exit"
    )


def test_the_quick_switcher_opens_without_a_window_process(tmp_path):
    """The switcher is the tray process's own (GTK): from the tray menu or the shortcut, with no
    window open, it shows without starting a window process or loading WebKit (issue #16)."""
    env = app_env(tmp_path / "home")
    env["LANYARD_LOG"] = "lanyard_app=debug"  # the switcher's focus decisions, if it fails
    tray = Tray(env)
    with open(tmp_path / "app.log", "wb") as log:
        proc = subprocess.Popen(
            [str(app_binary()), "--hidden"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    tray.app_pid = proc.pid
    try:
        tray.choose(0)  # Quick switch… (signed out: the first item)
        win = switcher_window(proc)
        assert not descendants(proc.pid), "no window process for the switcher"
        maps = Path(f"/proc/{proc.pid}/maps").read_text()
        assert "libwebkit2gtk" not in maps
        # No window manager: the keyboard goes to the switcher as a click would give it.
        xdotool("windowfocus", "--sync", str(win))
        xdotool("key", "Escape")
        wait_until(lambda: not windows("Quick switch", pid=proc.pid), 10, what="Escape to hide it")
        # The shortcut brings it back, still without a window process.
        xdotool("key", "ctrl+shift+l")
        try:
            switcher_window(proc)
        except AssertionError as e:
            # Say what the app saw (this failed twice in full runs, never alone).
            tail = (tmp_path / "app.log").read_text(errors="replace")[-4000:]
            raise AssertionError(f"{e}\napp log:\n{tail}") from None
        assert not descendants(proc.pid)
        assert not windows("^Lanyard$", pid=proc.pid)
    finally:
        proc.terminate()
        assert proc.wait(15) == 0
        tray.stop()


def test_sigterm_exits_cleanly(tray_and_app):
    _, proc = tray_and_app
    wait_until(lambda: windows("^Lanyard$", pid=proc.pid), 30, what="the Lanyard window")
    helpers = descendants(proc.pid)
    proc.terminate()
    assert proc.wait(15) == 0, "SIGTERM exits like Quit"
    wait_until(
        lambda: not any(alive(p) for p in helpers), 15, what="WebKit helper processes to exit"
    )


def test_sign_in_and_out_from_the_tray(tmp_path):
    import hashlib
    from pathlib import Path

    from conftest import start_emulator

    emu = start_emulator(tmp_path / "emu", args=["--auto-approve"])
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws/config").write_text(
        "[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\n"
    )
    env = app_env(home)
    env.update(emu.env)
    env.update(LANYARD_KEYRING="none", BROWSER=str(Path(__file__).with_name("fake_browser.sh")))
    tray = Tray(env)
    proc = subprocess.Popen(
        [str(app_binary())], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    tray.app_pid = proc.pid
    cache = home / ".aws/sso/cache" / (hashlib.sha1(b"acme").hexdigest() + ".json")
    try:
        wait_until(lambda: windows("^Lanyard$", pid=proc.pid), 30, what="the Lanyard window")
        tray.choose(0)  # the first enabled item: "Sign in to acme…"
        wait_until(cache.exists, 30, what="the tray's sign-in to write the token cache")
        tray.choose(0)  # now "Sign out of acme"
        wait_until(
            lambda: not cache.exists(), 30, what="the tray's sign-out to remove the token cache"
        )
    finally:
        proc.terminate()
        proc.wait(15)
        tray.stop()
        emu.stop()

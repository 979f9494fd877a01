"""The tray keeps Lanyard alive: closing the window hides it, the tray brings it back, Quit exits."""

import subprocess

import pytest

from app import SHOTS, Tray, alive, app_binary, app_env, close_window, descendants, wait_until, windows


@pytest.fixture
def tray_and_app(tmp_path):
    env = app_env(tmp_path / "home")
    tray = Tray(env)
    log = open(tmp_path / "app.log", "wb")
    proc = subprocess.Popen([str(app_binary())], env=env, stdout=log, stderr=subprocess.STDOUT)
    yield tray, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait(5)
    tray.stop()
    log.close()


def test_close_hides_tray_reopens_and_quit_exits(tray_and_app):
    tray, proc = tray_and_app
    win = wait_until(lambda: windows("^Lanyard$"), 30, what="the Lanyard window")[0]
    tray.icon()
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["import", "-window", "root", str(SHOTS / "desktop-with-tray.png")], check=True, timeout=20)

    close_window(win)
    wait_until(lambda: not windows("^Lanyard$"), 10, what="the window to hide on close")
    assert proc.poll() is None, "closing the window must not quit Lanyard"

    tray.choose(0)  # Open Lanyard
    wait_until(lambda: windows("^Lanyard$"), 10, what="Open Lanyard from the tray to show the window")

    helpers = descendants(proc.pid)
    tray.choose(last=True)  # Quit Lanyard
    assert proc.wait(15) == 0
    wait_until(lambda: not any(alive(p) for p in helpers), 15, what="WebKit helper processes to exit")


def test_sigterm_exits_cleanly(tray_and_app):
    _, proc = tray_and_app
    wait_until(lambda: windows("^Lanyard$"), 30, what="the Lanyard window")
    helpers = descendants(proc.pid)
    proc.terminate()
    proc.wait(15)
    wait_until(lambda: not any(alive(p) for p in helpers), 15, what="WebKit helper processes to exit")

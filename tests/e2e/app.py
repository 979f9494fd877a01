"""Helpers for driving the real desktop app under the test display (Xvfb + dbus, see ./dev test)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

from webdriver import WebDriver, free_port

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / ".artifacts" / "screenshots"


def bin_dir() -> Path:
    if os.environ.get("LANYARD_BIN_DIR"):
        return Path(os.environ["LANYARD_BIN_DIR"])
    target = os.environ.get("CARGO_TARGET_DIR") or str(ROOT / "target")
    return Path(target) / "debug"


def app_binary() -> Path:
    return bin_dir() / "lanyard-app"


def cargo_version() -> str:
    for line in (ROOT / "Cargo.toml").read_text().splitlines():
        if line.startswith("version = "):
            return line.split('"')[1]
    raise AssertionError("no workspace version")


def app_env(home: Path) -> dict:
    """The app's environment: a throwaway home, so nothing touches the real ~/.aws."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "XDG_DATA", "XDG_CONFIG", "XDG_CACHE"))
    }
    home.mkdir(parents=True, exist_ok=True)
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        NO_AT_BRIDGE="1",
        # Never the user's keyring from a test (test_keyring.py uses a private one).
        LANYARD_KEYRING="none",
        # Tests run many sandboxed apps in one D-Bus session; the single-instance test unsets it.
        LANYARD_MULTI_INSTANCE="1",
    )
    return env


def thread_wakeups(pid: int, seconds: float) -> dict[str, int]:
    """How often each thread of `pid` was switched in over `seconds` (voluntary and forced context
    switches from /proc), keyed "name/tid": a thread that polls shows up here, one that waits
    does not."""

    def sample() -> dict[str, int]:
        out = {}
        for t in Path(f"/proc/{pid}/task").iterdir():
            try:
                name = (t / "comm").read_text().strip()
                fields = dict(
                    line.split(":", 1) for line in (t / "status").read_text().splitlines()
                )
            except OSError:
                continue
            out[f"{name}/{t.name}"] = int(fields["voluntary_ctxt_switches"]) + int(
                fields["nonvoluntary_ctxt_switches"]
            )
        return out

    before = sample()
    time.sleep(seconds)
    after = sample()
    return {k: v - before.get(k, 0) for k, v in after.items()}


def descendants(pid: int) -> set[int]:
    """All live processes below `pid` (WebKit's web and network processes, for example)."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    out, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.add(c)
            todo.append(c)
    return out


def lanyard_processes(pid: int) -> list[int]:
    """Lanyard's processes below `pid`: the tray process (lanyard-tray, which lanyard-app becomes)
    and any window process (lanyard-app --window)."""
    ours = {app_binary().resolve(), app_binary().with_name("lanyard-tray").resolve()}
    return sorted(p for p in descendants(pid) if exe_of(p) in ours)


def exe_of(pid: int) -> Path | None:
    try:
        return Path(os.readlink(f"/proc/{pid}/exe")).resolve()
    except OSError:
        return None


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(pred, timeout: float = 15.0, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def switcher_window(proc) -> int:
    """The quick switcher's window once it is on screen."""
    return wait_until(
        lambda: (windows("Quick switch", pid=proc.pid) or [None])[0],
        20,
        what="the quick switcher window",
    )


class AppLog:
    """The log a child app writes (stdout and stderr); waits on what it says instead of sleeping."""

    def __init__(self, path: Path):
        self.path = path

    def text(self) -> str:
        if not self.path.exists():
            return ""
        return re.sub(r"\x1b\[[0-9;]*m", "", self.path.read_text(errors="replace"))

    def count(self, pattern: str) -> int:
        return len(re.findall(pattern, self.text()))

    def wait_count(self, pattern: str, at_least: int, timeout: float = 15, what: str = "") -> None:
        wait_until(lambda: self.count(pattern) >= at_least, timeout, what=what or pattern)


def xdotool(*args: str) -> str:
    return subprocess.run(
        ["xdotool", *args], capture_output=True, text=True, timeout=10
    ).stdout.strip()


def windows(name_regex: str, visible: bool = True, pid: int | None = None) -> list[int]:
    """X windows whose title matches; with `pid`, only those of that app: the tray process
    `pid` or the window process it started (issue #16: windows live in a child process)."""
    pids = [None] if pid is None else [pid, *sorted(descendants(pid))]
    found: list[int] = []
    for p in pids:
        # --all: xdotool otherwise matches windows meeting ANY of the conditions.
        args = (
            ["search", "--all"]
            + (["--onlyvisible"] if visible else [])
            + (["--pid", str(p)] if p else [])
            + ["--name", name_regex]
        )
        found += [int(w) for w in xdotool(*args).split()]
    return found


def geometry(win: int) -> tuple[int, int, int, int]:
    out = dict(
        line.split("=", 1)
        for line in xdotool("getwindowgeometry", "--shell", str(win)).splitlines()
        if "=" in line
    )
    return int(out["X"]), int(out["Y"]), int(out["WIDTH"]), int(out["HEIGHT"])


def close_window(win: int) -> None:
    """Asks the window to close the way a window manager does (WM_DELETE_WINDOW)."""
    from Xlib import X, display, protocol

    d = display.Display()
    w = d.create_resource_object("window", win)
    wm_protocols, wm_delete = d.intern_atom("WM_PROTOCOLS"), d.intern_atom("WM_DELETE_WINDOW")
    ev = protocol.event.ClientMessage(
        window=w, client_type=wm_protocols, data=(32, [wm_delete, X.CurrentTime, 0, 0, 0])
    )
    w.send_event(ev, event_mask=X.NoEventMask)
    d.flush()
    d.close()


def close_until_hidden(win: int, timeout: float = 20) -> None:
    """Closes a window as a person does: again if the first click came too early (the first
    WM_DELETE_WINDOW a fresh WebKitGTK window gets is sometimes not acted on)."""

    def gone():
        if win in windows("."):
            close_window(win)
            return False
        return True

    wait_until(gone, timeout, interval=1.0, what="the window to close")


class TauriDriver:
    """tauri-driver + WebKitWebDriver: W3C WebDriver sessions on the real app window."""

    def __init__(self, env: dict, log: Path):
        exe = ROOT / ".tools" / "bin" / "tauri-driver"
        if not exe.exists():
            exe = Path(shutil.which("tauri-driver") or exe)
        self.port, native = free_port(), free_port()
        self.native = native
        # The child process writes to it for its whole life, past this block.
        self.log = open(log, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                str(exe),
                "--port",
                str(self.port),
                "--native-port",
                str(native),
                "--native-driver",
                "/usr/bin/WebKitWebDriver",
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_until(self._ready, 20, what="tauri-driver")

    def _ready(self) -> bool:
        # tauri-driver answers /status before WebKitWebDriver (which it starts) listens.
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{self.port}/status", timeout=1).read()
            urllib.request.urlopen(f"http://127.0.0.1:{self.native}/status", timeout=1).read()
            return True
        except OSError:
            return False

    def session(self, args: list[str] | None = None) -> WebDriver:
        caps = {
            "browserName": "wry",
            "tauri:options": {"application": str(app_binary()), "args": args or []},
        }
        for attempt in range(3):
            wd = WebDriver(f"http://127.0.0.1:{self.port}", timeout=60)
            try:
                wd.new_session(caps)
                return wd
            except OSError:
                # tauri-driver drops the connection when WebKitWebDriver is slow to take a
                # session on a loaded machine; a second request succeeds.
                if attempt == 2:
                    raise
                time.sleep(1)
        raise AssertionError("unreachable")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class Tray:
    """trayer as the system tray host, so the AppIndicator icon docks and can be clicked."""

    def __init__(self, env: dict):
        self.app_pid: int | None = None  # set once the app runs: windows are matched by owner
        self.proc = subprocess.Popen(
            [
                "trayer",
                "--edge",
                "top",
                "--align",
                "right",
                "--widthtype",
                "pixel",
                "--width",
                "200",
                "--height",
                "32",
                "--transparent",
                "false",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # The app must start after trayer owns the system-tray selection, or its icon may never
        # be embedded (GtkStatusIcon looks for a tray manager when it is created).
        wait_until(
            lambda: self._tray_manager(env.get("DISPLAY")), 10, what="trayer to own the system tray"
        )

    @staticmethod
    def _tray_manager(display_name) -> bool:
        from Xlib import X, display

        d = display.Display(display_name)
        try:
            return (
                d.get_selection_owner(d.intern_atom(f"_NET_SYSTEM_TRAY_S{d.get_default_screen()}"))
                != X.NONE
            )
        finally:
            d.close()

    def icon(self) -> int:
        def find():
            for w in windows("^lanyard-app$", pid=self.app_pid):
                _x, y, width, height = geometry(w)
                if y < 32 and width <= 40 and height <= 40:
                    return w
            return None

        return wait_until(find, 20, what="the Lanyard tray icon to dock")

    def choose(
        self,
        label_index_from_top: int | None = None,
        last: bool = False,
        sub: int | None = None,
        from_bottom: int | None = None,
    ) -> None:
        """Opens the tray menu and activates an item (keyboard, as a person could); with `sub`,
        the item is a submenu and its `sub`-th item is activated."""
        before = set(windows("^lanyard-app$", pid=self.app_pid))
        x, y, w, h = geometry(self.icon())
        xdotool("mousemove", str(x + w // 2), str(y + h // 2), "click", "1")
        menu = wait_until(
            lambda: [
                m
                for m in windows("^lanyard-app$", pid=self.app_pid)
                if m not in before and geometry(m)[3] > 40
            ],
            10,
            what="the tray menu",
        )[0]
        _mx, _my, _mw, _mh = geometry(menu)
        time.sleep(0.3)
        if last:
            xdotool("key", "Up", "Return")
        elif from_bottom is not None:
            # Up from the top wraps to the last item (Quit); separators are skipped.
            xdotool("key", *(["Up"] * (from_bottom + 1)), "Return")
        elif sub is None:
            xdotool("key", *(["Down"] * (label_index_from_top + 1)), "Return")
        else:
            # Right opens the submenu with its first item selected.
            xdotool("key", *(["Down"] * (label_index_from_top + 1)), "Right")
            time.sleep(0.3)
            xdotool("key", *(["Down"] * sub), "Return")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(5)

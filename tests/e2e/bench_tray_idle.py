"""Benchmark (run by `./dev bench --only tray-idle`, not a test): what Lanyard costs while it sits
in the tray (issue #16). Release build, Xvfb, a tray host, signed in to 1,000 accounts x 3 roles.
After a session (discovery, a repository scan and a sync through the CLI, which the app then
shows; the Accounts and Repositories views and the quick switcher used in the window), the window
is closed and, from outside: the memory of every Lanyard process, the CPU it uses idle for
`IDLE_SECONDS`, tray "Open Lanyard" -> window painted and shortcut -> switcher painted (each
from a closed window: the window starts its window process, the switcher is the tray process's
own), and the open window's memory against the empty-window floor of the same run. The floor is
measured once Lanyard has quit: PSS splits the pages of a shared library among the processes
that map it, so a floor measured beside Lanyard's open window (as this bench did at first) came
out 135 MiB instead of 194. Prints one JSON line."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from app import (
    Tray,
    alive,
    app_binary,
    app_env,
    bin_dir,
    close_until_hidden,
    descendants,
    exe_of,
    wait_until,
    windows,
    xdotool,
)
from bench_startup import measure, memory_kib, pss_by_process
from conftest import start_emulator

IDLE_SECONDS = int(os.environ.get("LANYARD_BENCH_IDLE_SECONDS", "600"))
RUNS = 5
SHORTCUT = "ctrl+alt+k"
PAINT = re.compile(r'^(\S+Z) .*first paint \d+ ms after start window="(\w+)"')


def painted_at(log: Path, window: str, after: int) -> float | None:
    """Wall-clock time of the first "first paint" line for `window` past byte `after`."""
    text = log.read_bytes()[after:].decode(errors="replace")
    for line in text.splitlines():
        m = PAINT.match(line)
        if m and m.group(2) == window:
            return dt.datetime.fromisoformat(m.group(1)).timestamp()
    return None


def window_processes(agent: int) -> list[int]:
    return [p for p in descendants(agent) if exe_of(p) == app_binary().resolve()]


def cpu_seconds(pids) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            pass
    return total / ticks


def everything(agent: int) -> set[int]:
    return {agent} | descendants(agent)


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="lanyard-bench-tray-"))
    emu = start_emulator(
        tmp / "emu",
        args=[
            "--accounts",
            "1000",
            "--roles-per-account",
            "3",
            "--repos-per-account",
            "1",
            "--portal-tps",
            "0",
            "--auto-approve",
        ],
    )
    app = tray = None
    try:
        inst = emu.control("GET", "/_emulator/world").json()["instance"][0]
        home = tmp / "home"
        (home / ".aws").mkdir(parents=True)
        env = {**app_env(home), **emu.env, "LANYARD_LOG": "lanyard_app=debug"}
        env.update(
            {k: v for k, v in os.environ.items() if k.startswith(("WEBKIT_", "LANYARD_GPU"))}
        )
        settings = home / ".local/share/lanyard/settings.json"
        settings.parent.mkdir(parents=True)
        settings.write_text(json.dumps({"switcherShortcut": "CommandOrControl+Alt+K"}))
        lanyard = str(bin_dir() / "lanyard")
        for args in (
            ["login", "--session", "big", "--start-url", inst["start_url"], "--region",
             inst["region"], "--device-code", "--no-browser"],
            ["accounts", "--session", "big", "--refresh", "--json"],
            ["repos", "--session", "big", "--refresh", "--json"],
            ["sync", "--session", "big"],
        ):  # fmt: skip
            r = subprocess.run(
                [lanyard, *args], env=env, capture_output=True, text=True, timeout=900
            )
            assert r.returncode == 0, (args, r.stderr)

        tray = Tray(env)
        log = tmp / "app.log"
        with open(log, "wb") as out:
            app = subprocess.Popen(
                [str(app_binary())], env=env, stdout=out, stderr=subprocess.STDOUT
            )
        tray.app_pid = app.pid
        wait_until(lambda: painted_at(log, "main", 0), 60, what="the window")
        main_win = wait_until(lambda: windows("^Lanyard$", pid=app.pid), 10, what="the window")[0]

        # The session in the window: Accounts (3,000 roles), Repositories, the switcher.
        xdotool("windowactivate", "--sync", str(main_win))
        for key in ("ctrl+2", "ctrl+3", "ctrl+1"):
            xdotool("key", key)
            time.sleep(2)
        mark = log.stat().st_size
        xdotool("key", SHORTCUT)
        wait_until(lambda: painted_at(log, "switcher", mark), 30, what="the switcher")
        xdotool("type", "--delay", "50", "dev")
        time.sleep(1)
        xdotool("key", "Escape")
        time.sleep(1)

        def close_all() -> None:
            for w in windows("^Lanyard", pid=app.pid):
                close_until_hidden(w)
            wait_until(lambda: not window_processes(app.pid), 30, what="the window process to end")

        close_all()
        time.sleep(10)  # settle: the refresh loop's first round, freed memory returned
        closed = pss_by_process(everything(app.pid))
        closed_pss = round(memory_kib(everything(app.pid))[1] / 1024, 1)

        cpu0, t0 = cpu_seconds(everything(app.pid)), time.monotonic()
        time.sleep(IDLE_SECONDS)
        idle_cpu = (cpu_seconds(everything(app.pid)) - cpu0) / (time.monotonic() - t0) * 100
        threads = len(list(Path(f"/proc/{app.pid}/task").iterdir()))

        reopen, switcher = [], []
        for _ in range(RUNS):
            mark = log.stat().st_size
            tray.choose(from_bottom=2)  # Open Lanyard (then Settings…, Quit)
            clicked = time.time()
            at = wait_until(
                lambda m=mark: painted_at(log, "main", m), 30, what="the window to paint"
            )
            reopen.append((at - clicked) * 1000)
            close_all()
        for _ in range(RUNS):
            mark = log.stat().st_size
            pressed = time.time()
            xdotool("key", SHORTCUT)
            at = wait_until(lambda m=mark: painted_at(log, "switcher", m), 30, what="the switcher")
            switcher.append((at - pressed) * 1000)
            close_all()

        mark = log.stat().st_size
        tray.choose(from_bottom=2)
        wait_until(lambda: painted_at(log, "main", mark), 30, what="the window to paint")
        time.sleep(5)
        ours = everything(app.pid)
        open_pss = round(memory_kib(ours)[1] / 1024, 1)
        open_processes = pss_by_process(ours)
        # The floor alone: nothing of Lanyard left to share WebKit's and GTK's pages with.
        app.terminate()
        app.wait(15)
        wait_until(lambda: not any(alive(p) for p in ours), 15, what="Lanyard's processes to end")
        floor = measure([str(bin_dir() / "examples" / "floor")], env)

        def median(xs):
            return round(sorted(xs)[len(xs) // 2])

        print(
            json.dumps(
                {
                    "accounts": 1000,
                    "closed_pss_mib": closed_pss,
                    "closed_processes": closed,
                    "idle_seconds": IDLE_SECONDS,
                    "idle_cpu_percent": round(idle_cpu, 3),
                    "agent_threads": threads,
                    "reopen_ms": [round(x) for x in reopen],
                    "reopen_ms_median": median(reopen),
                    "switcher_ms": [round(x) for x in switcher],
                    "switcher_ms_median": median(switcher),
                    "open_pss_mib": open_pss,
                    "open_processes": open_processes,
                    "floor_pss_mib": floor["pss_mib"],
                    "floor_processes": floor["processes"],
                }
            )
        )
    finally:
        if app is not None:
            app.terminate()
            app.wait(15)
        if tray is not None:
            tray.stop()
        emu.stop()


if __name__ == "__main__":
    main()

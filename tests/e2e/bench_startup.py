"""Benchmark (run by `./dev bench`, not a test): cold start of the real app to its first painted
frame, and the resident memory of every Lanyard process (WebKit's included) once it shows a
signed-in identity of a 1,000-account world; then the same for the floor (an empty Tauri window on
the same WebView, src-tauri/examples/floor.rs). Prints one JSON line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from app import app_binary, app_env, bin_dir, descendants
from conftest import start_emulator

RUNS = 5


def memory_kib(pids) -> tuple[int, int]:
    """(sum of RSS, sum of PSS) in KiB: PSS splits shared pages, so it does not count WebKit's
    shared libraries once per process."""
    rss = pss = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            pass
    return rss, pss


def pss_by_process(pids) -> dict[str, float]:
    """MiB of PSS per live process, keyed "name pid" (the tray and the window process share a
    name)."""
    return {
        f"{Path(f'/proc/{p}/comm').read_text().strip()} {p}": round(memory_kib([p])[1] / 1024, 1)
        for p in pids
        if Path(f"/proc/{p}/comm").exists()
    }


def measure(cmd: list[str], env: dict) -> dict:
    """RUNS cold starts of `cmd` (which logs "first paint N ms after start"), timed from spawn to
    that line; memory of the last start after it settled."""
    env = {
        **env,
        **{k: v for k, v in os.environ.items() if k.startswith(("WEBKIT_", "LANYARD_GPU"))},
    }
    starts, rendering = [], "gpu"
    for i in range(RUNS):
        t0 = time.monotonic()
        proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        painted = None
        for line in proc.stderr:
            if "WebKit draws on the CPU" in line:
                rendering = "cpu"
            if re.search(r"first paint (\d+) ms after start", line):
                painted = (time.monotonic() - t0) * 1000
                break
        assert painted is not None, f"{cmd[0]} never reported its first paint"
        starts.append(painted)
        if i == RUNS - 1:
            time.sleep(5)  # settle: the session check, the tray, WebKit's lazy work
            pids = {proc.pid} | descendants(proc.pid)
            rss, pss = memory_kib(pids)
            names = pss_by_process(pids)
        proc.terminate()
        proc.wait(15)
    starts.sort()
    return {
        "start_ms_median": round(starts[len(starts) // 2]),
        "start_ms_max": round(starts[-1]),
        "starts": [round(s) for s in starts],
        "rss_mib": round(rss / 1024, 1),
        "pss_mib": round(pss / 1024, 1),
        "processes": names,
        "rendering": rendering,
    }


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="lanyard-bench-startup-"))
    emu = start_emulator(
        tmp / "emu",
        args=[
            "--accounts",
            "1000",
            "--roles-per-account",
            "3",
            "--repos-per-account",
            "0",
            "--portal-tps",
            "0",
            "--auto-approve",
        ],
    )
    try:
        world = emu.control("GET", "/_emulator/world").json()
        inst = world["instance"][0]
        home = tmp / "home"
        (home / ".aws").mkdir(parents=True)
        env = app_env(home)
        env.update(emu.env)
        lanyard = str(bin_dir() / "lanyard")
        r = subprocess.run(
            [
                lanyard,
                "login",
                "--session",
                "big",
                "--start-url",
                inst["start_url"],
                "--region",
                inst["region"],
                "--device-code",
                "--no-browser",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert r.returncode == 0, r.stderr
        r = subprocess.run(
            [lanyard, "accounts", "--session", "big", "--refresh", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert r.returncode == 0, r.stderr
        accounts = len(json.loads(r.stdout))
        app = measure([str(app_binary())], env)
        floor = measure([str(bin_dir() / "examples" / "floor")], env)
        print(json.dumps({"accounts": accounts, **app, "floor": floor}))
    finally:
        emu.stop()


if __name__ == "__main__":
    main()

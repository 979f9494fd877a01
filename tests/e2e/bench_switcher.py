"""Benchmark (run by `./dev bench`, not a test): the real quick switcher (native GTK in
lanyard-tray on Linux) over 5,000 entries — from the global shortcut to the painted list, and from
each keystroke to the painted filtered rows (the switcher logs both as "timing: switcher: …").
Prints one JSON line."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from app import AppLog, app_binary, app_env, switcher_window, wait_until, windows, xdotool

N = 5000
QUERY = "acct-4321 dev"


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="lanyard-bench-switcher-"))
    home = tmp / "home"
    (home / ".aws").mkdir(parents=True)
    lines = [
        "[sso-session big]",
        "sso_start_url = https://big.awsapps.com/start",
        "sso_region = us-east-1",
        "",
    ]
    for i in range(N):
        lines += [
            f"[profile acct-{i:04}/{'Developer' if i % 2 else 'ReadOnly'}]",
            "sso_session = big",
            f"sso_account_id = {100000000000 + i}",
            f"sso_role_name = {'Developer' if i % 2 else 'ReadOnly'}",
            "region = us-east-1",
            "",
        ]
    (home / ".aws/config").write_text("\n".join(lines))
    env = {**app_env(home), "LANYARD_LOG": "lanyard_app=debug"}
    log = AppLog(tmp / "app.log")
    with open(log.path, "wb") as out:
        proc = subprocess.Popen([str(app_binary())], env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            log.wait_count("tray and preferences", 1, 60, "the app to start (shortcut registered)")
            # No window manager under Xvfb: give Lanyard the keyboard first, as a click would (the
            # switcher hides when it loses the focus, and without a WM nothing hands it over).
            main = wait_until(
                lambda: (windows("^Lanyard$", pid=proc.pid) or [None])[0],
                20,
                what="the main window",
            )
            xdotool("windowfocus", "--sync", str(main))
            t0 = time.monotonic()
            xdotool("key", "ctrl+shift+l")
            win = switcher_window(proc)
            shown_ms = (time.monotonic() - t0) * 1000
            log.wait_count(r"timing: switcher: loaded", 1, 20, "its entries loaded and painted")
            xdotool("windowfocus", "--sync", str(win))
            xdotool("type", "--delay", "250", QUERY)
            log.wait_count(r"timing: switcher: filtered", len(QUERY), 20, "a timing per keystroke")
            found = re.findall(
                r"timing: switcher: filtered (\d+) entries in ([\d.]+) ms", log.text()
            )
            times = [float(t) for _, t in found]
            counts = {int(c) for c, _ in found}
        finally:
            proc.terminate()
            proc.wait(15)
    times.sort()
    print(
        json.dumps(
            {
                "entries": max(counts),
                "keystrokes": len(times),
                "median_ms": times[len(times) // 2],
                "max_ms": times[-1],
                "shortcut_to_window_ms": round(shown_ms),
                "runs": times,
            }
        )
    )


if __name__ == "__main__":
    main()

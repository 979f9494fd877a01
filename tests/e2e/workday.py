"""A workday, compressed (issue #16): the real tray app against the emulator with short
lifetimes, through background refreshes, the network gone (the emulator stopped, then restarted
on the same ports with its sessions kept), the machine asleep (SIGSTOP longer than a token's
life, then SIGCONT: the clock jumped), a session that ends and a sign-in again from the tray.

Everything is checked from outside: what the tray shows (its debug log line "tray shows: …",
written each time the menu or tooltip changes), the notifications (a stand-in notification
server), the files (bytes and modification times), the logs (no secret), memory (PSS) and
threads (context switches). `test_app_workday.py` runs the short day in `./dev test`;
`bench_workday.py` a longer one in `./dev bench --only workday`."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from app import AppLog, Tray, app_binary, app_env, bin_dir, thread_wakeups, wait_until
from bench_startup import memory_kib
from conftest import client_env, sha1, start_emulator

START = "https://acme.awsapps.com/start"
# The tray process checks sessions every 30 s and renews them every `refreshMinutes` (1 here).
CHECK = 30
REFRESH_TURN = 60
SLACK = 15  # a debug build on a loaded 2-core machine


@dataclass
class Day:
    """Lifetimes and durations, in seconds."""

    access_token: int  # access tokens
    role_credentials: int
    portal_session: int  # the sign-in session: refresh tokens stop working after it
    offline: int  # how long the network is gone
    asleep: int  # how long the app is stopped

    @staticmethod
    def short() -> Day:
        # ~5.5 minutes: the token runs out while offline and while asleep, the session ends after.
        return Day(access_token=60, role_credentials=90, portal_session=240, offline=70, asleep=70)

    @staticmethod
    def long() -> Day:
        # The example: tokens of 2 minutes, credentials of 3, a portal session of 15.
        return Day(
            access_token=120, role_credentials=180, portal_session=900, offline=300, asleep=180
        )


class Shown:
    """The tray's "tray shows: <tooltip> | <label> | …" lines in the app's debug log."""

    def __init__(self, log: AppLog):
        self.log = log

    def last(self) -> str:
        lines = re.findall(r"tray shows: (.*)", self.log.text())
        return lines[-1] if lines else ""

    def wait(self, text: str, timeout: float, what: str) -> float:
        """Seconds until the tray shows `text`."""
        t0 = time.monotonic()
        wait_until(lambda: text in self.last(), timeout, interval=0.5, what=what)
        return round(time.monotonic() - t0, 1)


def notifications(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [json.loads(line)["summary"] for line in path.read_text().splitlines()]


def stamp(p: Path) -> tuple[bytes, int]:
    return p.read_bytes(), p.stat().st_mtime_ns


def run(tmp_path: Path, day: Day) -> dict:
    """Runs the day; asserts as it goes; returns what it measured."""
    lifetimes = [
        "--auto-approve",
        "--keep-sessions",
        "--access-token-ttl",
        str(day.access_token),
        "--role-credentials-ttl",
        str(day.role_credentials),
        "--refresh-token-ttl",
        str(day.portal_session),
    ]
    emu = start_emulator(tmp_path / "emu", args=lifetimes)
    ports = [
        "--addr",
        emu.env["LANYARD_EMULATOR_URL"].removeprefix("http://"),
        "--https-addr",
        emu.env["LANYARD_EMULATOR_HTTPS_URL"].removeprefix("https://"),
    ]
    shown_path = tmp_path / "notifications.jsonl"
    server = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("fake_notifications.py")),
            str(shown_path),
            "-",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out: dict = {}
    app = tray = None
    try:
        assert server.stdout.readline().strip() == "READY"
        home = tmp_path / "home"
        (home / ".aws").mkdir(parents=True)
        env = {**client_env(emu, home), **app_env(home), **emu.env}
        env.update(
            LANYARD_LOG="lanyard_app=debug,lanyard_core=info",
            BROWSER=str(Path(__file__).with_name("fake_browser.sh")),
        )
        login = ["login", "--session", "acme", "--start-url", START, "--region", "us-east-1"]
        r = subprocess.run(
            [str(bin_dir() / "lanyard"), *login, "--device-code", "--no-browser"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert r.returncode == 0, r.stderr
        session_ends = time.monotonic() + day.portal_session  # the emulator's clock, near enough
        settings = home / ".local/share/lanyard/settings.json"
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(json.dumps({"refreshMinutes": 1}))
        config = home / ".aws/config"
        cache = home / ".aws/sso/cache" / f"{sha1('acme')}.json"
        config_before = stamp(config)
        secrets: set[str] = set()

        def token() -> dict:
            t = json.loads(cache.read_text())
            secrets.update(
                v for k in ("accessToken", "refreshToken", "clientSecret") if (v := t.get(k))
            )
            return t

        first = token()["accessToken"]

        tray = Tray(env)
        log = AppLog(tmp_path / "app.log")
        with open(log.path, "wb") as sink:  # the child keeps its own descriptor
            app = subprocess.Popen(
                [str(app_binary()), "--hidden"], env=env, stdout=sink, stderr=subprocess.STDOUT
            )
        tray.app_pid = app.pid
        tray.icon()
        shown = Shown(log)

        # 1. Background refreshes: the check at start renews the short token, and so on.
        shown.wait("acme — signed in · renews automatically", 30, "the tray to show the session")
        wait_until(lambda: token()["accessToken"] != first, CHECK + SLACK, what="a refresh")

        # 2. The network goes: noticed at the next refresh turn, shown as offline (not signed
        # out, not expired) even once the access token has run out.
        def network_gone_and_back(offline: float) -> None:
            nonlocal emu
            emu.stop()
            gone = time.monotonic()
            cache_offline = stamp(cache)
            out.setdefault("offline_shown_after_s", []).append(
                shown.wait(
                    "Lanyard — offline: 1 of 1 waiting for the network",
                    REFRESH_TURN + SLACK,
                    "the tray to say offline",
                )
            )
            assert "acme — offline · renews when the network is back" in shown.last()
            time.sleep(max(0.0, offline - (time.monotonic() - gone)))
            expires = json.loads(cache.read_text())["expiresAt"]
            assert "offline" in shown.last(), f"token until {expires}: {shown.last()}"
            assert stamp(cache) == cache_offline, "nothing renewed, nothing rewritten offline"

            # Back on the same ports, sessions kept: recovers by itself within one check.
            emu = start_emulator(tmp_path / "emu", args=[*lifetimes, *ports])
            out.setdefault("back_after_s", []).append(
                shown.wait(
                    "acme — signed in · renews automatically", CHECK + SLACK, "the tray to recover"
                )
            )
            assert token()["expiresAt"] != expires, "renewed once back"

        network_gone_and_back(day.offline)

        # 3. Asleep longer than a token lives; on waking the clock has jumped: renewed at once.
        before_sleep = token()["accessToken"]
        app.send_signal(signal.SIGSTOP)
        cache_asleep = stamp(cache)
        time.sleep(day.asleep)
        assert stamp(cache) == cache_asleep
        app.send_signal(signal.SIGCONT)
        woke = time.monotonic()
        wait_until(
            lambda: token()["accessToken"] != before_sleep,
            CHECK + SLACK,
            what="a refresh on waking",
        )
        out["renewed_after_wake_s"] = round(time.monotonic() - woke, 1)
        assert log.count(r"the clock jumped \d+ s since the last check") >= 1
        assert "acme — signed in · renews automatically" in shown.last()

        # 4. The portal session ends: the next refresh is refused; the tray counts down to the
        # end of the last access token, then says expired; each notification once.
        shown.wait(
            "acme — expired — sign in",
            day.portal_session + REFRESH_TURN + day.access_token + CHECK + SLACK,
            "the tray to say the session ended",
        )
        # At most: the next refresh turn, then the last access token's life, then a check.
        out["expired_shown_after_session_end_s"] = round(time.monotonic() - session_ends, 1)
        wait_until(
            lambda: "acme: session ended" in notifications(shown_path),
            CHECK + SLACK,
            what="the 'session ended' notification",
        )

        # 5. Sign in again from the tray (the first enabled item is "Sign in to acme").
        tray.choose(0)
        out["signed_in_again_s"] = shown.wait(
            "acme — signed in · renews automatically", 60, "the sign-in from the tray"
        )
        token()
        # Every kind of work has now run once (what "after the first hour" means here):
        # the memory from here on must stay flat through more of the same.
        _, out["pss_after_first_round_kib"] = memory_kib([app.pid])
        network_gone_and_back(0)
        said = notifications(shown_path)
        out["notifications"] = said
        assert len(said) == len(set(said)), f"a notification fired twice: {said}"
        assert said[-1] == "acme: session ended" and all(
            s.startswith("acme: session end") for s in said
        ), said

        # Throughout: the config was never rewritten; no secret reached a log; memory is flat;
        # no thread spins.
        assert stamp(config) == config_before, "the AWS config was rewritten"
        logs = [log.path, *(home / ".local/share/lanyard/logs").glob("*")]
        for path in logs:
            text = path.read_text(errors="replace")
            leaked = [s[:6] + "…" for s in secrets if s in text]
            assert not leaked, f"{path.name} holds secrets: {leaked}"
        _, out["pss_end_kib"] = memory_kib([app.pid])
        out["pss_growth"] = round(out["pss_end_kib"] / out["pss_after_first_round_kib"], 3)
        assert out["pss_growth"] <= 1.05, out
        busy = {t: n for t, n in thread_wakeups(app.pid, 10).items() if n > 10}
        assert not busy, f"threads waking more than once a second: {busy}"
        out["secrets_checked"] = len(secrets)
        return out
    finally:
        if app is not None:
            app.send_signal(signal.SIGCONT)
            app.terminate()
            try:
                app.wait(15)
            except subprocess.TimeoutExpired:
                app.kill()
        if tray is not None:
            tray.stop()
        server.terminate()
        emu.stop()

"""Pull requests in the real app: the tray process checks the inbox at start, counts in the tray
what waits for the user and tells each new one once (the stand-in notification server); the
window's Pull requests view lists them by tab, searches, and Approve takes one out of "awaiting"
on the emulator and in the tray."""

import json
import subprocess
import sys
import time
from pathlib import Path

from app import SHOTS, TauriDriver, app_env, bin_dir, wait_until, windows, xdotool
from conftest import (
    START_URL,
    client_env,
    device_login,
    role_credentials,
    start_emulator,
    write_token_cache,
)

DEV = "111122223333"

WORLD = f"""
[[instance]]
name = "acme"
start_url = "{START_URL}"
region = "us-east-1"

[[instance.permission_set]]
name = "Developer"
codecommit = ["*"]

[[instance.account]]
id = "{DEV}"
name = "acme-dev"
email = "dev@acme.example"

[[instance.user]]
name = "alice"
assignments = [{{ account = "{DEV}", permission_sets = ["Developer"] }}]

[[instance.user]]
name = "bob"
assignments = [{{ account = "{DEV}", permission_sets = ["Developer"] }}]

[[instance.repository]]
account = "{DEV}"
region = "us-east-1"
name = "payments-api"
branches = ["main", "feature/refunds", "feature/docs"]

[[instance.repository]]
account = "{DEV}"
region = "eu-west-1"
name = "ledger-eu"
branches = ["main", "alice/fix", "bob/report"]

[[instance.pull_request]]
account = "{DEV}"
region = "us-east-1"
repository = "payments-api"
title = "Refund idempotency <b>now</b>"
source = "feature/refunds"
author = {{ user = "bob", role = "Developer" }}
age_hours = 20
rules = [{{ name = "Two developers", needed = 2, pool = ["arn:aws:sts::{DEV}:assumed-role/AWSReservedSSO_Developer_*/*"] }}]
approvals = [{{ user = "carol", role = "Developer" }}]

[[instance.pull_request]]
account = "{DEV}"
region = "us-east-1"
repository = "payments-api"
title = "Docs for the refunds API"
source = "feature/docs"
author = {{ user = "dave", role = "Developer" }}
age_hours = 2
rules = [{{ name = "Anyone", needed = 1 }}]

[[instance.pull_request]]
account = "{DEV}"
region = "eu-west-1"
repository = "ledger-eu"
title = "Alice's own fix"
source = "alice/fix"
author = {{ user = "alice", role = "Developer" }}
age_hours = 30
rules = [{{ name = "Anyone", needed = 1 }}]

[[instance.pull_request]]
account = "{DEV}"
region = "eu-west-1"
repository = "ledger-eu"
title = "Report already approved"
source = "bob/report"
author = {{ user = "bob", role = "Developer" }}
age_hours = 40
rules = [{{ name = "Anyone", needed = 1 }}]
approvals = [{{ user = "alice", role = "Developer" }}]
"""


def lanyard(env, *args, timeout=120):
    r = subprocess.run(
        [str(bin_dir() / "lanyard"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert r.returncode == 0, r.stderr
    return r.stdout


def notices(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def logs(home: Path, driver_log: Path) -> str:
    text = "".join(
        f.read_text(errors="replace") for f in (home / ".local/share/lanyard/logs").glob("*.log")
    )
    return text + (driver_log.read_text(errors="replace") if driver_log.exists() else "")


def tray_says(home: Path, driver_log: Path, text: str) -> bool:
    lines = [line for line in logs(home, driver_log).splitlines() if "tray shows: " in line]
    return bool(lines) and text in lines[-1]


def rows(wd) -> list[str]:
    return [wd.text(r) for r in wd.find_all('[data-testid="pr-row"]')]


def test_the_inbox_in_the_tray_the_notifications_and_the_view(tmp_path, aws):
    emu = start_emulator(tmp_path / "emu", WORLD)
    shown = tmp_path / "notifications.jsonl"
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("fake_notifications.py")), str(shown), "-"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    home = tmp_path / "home"
    driver_log = tmp_path / "tauri-driver.log"
    driver = wd = None
    try:
        assert server.stdout.readline().strip() == "READY"
        env = {**client_env(emu, home), **app_env(home), **emu.env}
        env.update(
            LANYARD_LOG="lanyard_app=debug",
            LANYARD_CLONE_ROOT=str(home / "src"),
            BROWSER=str(Path(__file__).with_name("fake_browser.sh")),
        )
        # Alice signed in as `aws sso login` leaves it; bob, to act on her pull request later.
        (home / ".aws").mkdir(parents=True, exist_ok=True)
        (home / ".aws/config").write_text(
            f"[sso-session acme]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n"
        )
        write_token_cache(home, device_login(emu, user="alice"), session="acme")
        bob = role_credentials(emu, device_login(emu, user="bob")["accessToken"], DEV, "Developer")
        lanyard(env, "repos", "--region", "us-east-1,eu-west-1", "--json")
        assert not (home / ".local/share/lanyard/codecommit/acme.prs.json").exists()

        driver = TauriDriver(env, driver_log)
        wd = driver.session()
        wd.wait_for('nav[aria-label="Main"]', timeout=30)

        # The tray process checks the inbox at start: two wait for alice, each told once.
        wait_until(
            lambda: tray_says(home, driver_log, "· 2 pull requests wait for you"),
            60,
            what="the tray to count the pull requests waiting",
        )
        told = wait_until(lambda: len(notices(shown)) >= 2 and notices(shown), 30, what="notices")
        assert sorted(n["summary"] for n in told) == [
            "bob waits for your approval",
            "dave waits for your approval",
        ], told
        bodies = " ".join(n["body"] for n in told)
        assert "Refund idempotency <b>now</b>" in bodies or "Refund idempotency" in bodies
        assert "payments-api #" in bodies and "acme-dev (us-east-1)" in bodies

        wd.click(wd.find('[data-testid="nav-pullRequests"]'))
        wait_until(lambda: len(rows(wd)) == 2, 30, what="the two awaiting rows")
        listed = " ".join(rows(wd))
        # A title is text, never markup.
        assert "Refund idempotency <b>now</b>" in listed, listed
        assert "Docs for the refunds API" in listed and "Alice's own fix" not in listed
        time.sleep(0.3)
        SHOTS.mkdir(parents=True, exist_ok=True)
        wd.screenshot(SHOTS / "pull-requests.png")

        wd.click(wd.find('[data-testid="pr-tab-mine"]'))
        wait_until(lambda: len(rows(wd)) == 1, 10, what="the Mine tab")
        assert "Alice's own fix" in rows(wd)[0]
        wd.click(wd.find('[data-testid="pr-tab-all"]'))
        wait_until(lambda: len(rows(wd)) == 4, 10, what="the All tab")

        wd.click(wd.find('[data-testid="pr-tab-awaiting"]'))
        wd.send_keys(wd.find('[data-testid="pr-search"]'), "idempotency")
        wait_until(lambda: len(rows(wd)) == 1, 10, what="search to filter")
        wd.click(wd.find('[data-testid="pr-approve"]'))
        wait_until(
            lambda: "Approved" in wd.text(wd.find('[data-testid="pr-status"]')),
            60,
            what="the approval",
        )
        wait_until(lambda: not rows(wd), 10, what="the approved one to leave Awaiting")

        # The emulator has alice's approval: a fresh look from the CLI says so.
        pulls = json.loads(lanyard(env, "prs", "--all", "--json"))
        refund = next(p for p in pulls if p["title"].startswith("Refund idempotency"))
        assert refund["concern"] == "approvedByMe" and refund["approvals"] == 2, refund
        # The tray follows at once; nothing is told twice.
        wait_until(
            lambda: tray_says(home, driver_log, "· 1 pull request waits for you"),
            30,
            what="the tray count to go down",
        )
        assert len(notices(shown)) == 2, notices(shown)

        # Open in console, from the view and from the native quick switcher (found by author):
        # the console as the role that reads it, on the pull request's page.
        docs = next(p for p in pulls if p["title"] == "Docs for the refunds API")
        page = f"/codesuite/codecommit/repositories/payments-api/pull-requests/{docs['id']}/details"

        def console_logins() -> list[dict]:
            return emu.control("GET", "/_emulator/console-logins").json()

        wd.send_keys(wd.find('[data-testid="pr-search"]'), "\ue00c")  # Escape clears the filter
        wait_until(lambda: len(rows(wd)) == 1, 10, what="the filter cleared")
        wd.click(wd.find('[data-testid="pr-open"]'))
        login = wait_until(lambda: console_logins(), 30, what="the console sign-in")[-1]
        assert page in login["destination"] and login["role"] == "Developer", login

        # Check out: cloned through Lanyard's helper, on a branch tracking the source.
        wd.click(wd.find('[data-testid="pr-checkout"]'))
        try:
            wait_until(
                lambda: "Checked out" in wd.text(wd.find('[data-testid="pr-status"]')),
                90,
                what="the checkout",
            )
        except AssertionError as e:
            raise AssertionError(f"{e}; the view says: {wd.text(wd.find('main'))[:800]}") from e
        work = home / "src" / "acme-dev" / "payments-api"
        assert str(work) in wd.text(wd.find('[data-testid="pr-status"]'))
        head = subprocess.run(
            ["git", "-C", str(work), "rev-parse", "--abbrev-ref", "HEAD@{upstream}"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert head.stdout.strip() == "origin/feature/docs", head.stderr
        commit = subprocess.run(
            ["git", "-C", str(work), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.strip()
        assert commit == docs["sourceCommit"]

        loaded = logs(home, driver_log).count("timing: switcher: loaded")
        xdotool("key", "ctrl+shift+l")
        win = wait_until(lambda: (windows("Quick switch") or [None])[0], 20, what="the switcher")
        xdotool("windowfocus", "--sync", str(win))
        wait_until(
            lambda: logs(home, driver_log).count("timing: switcher: loaded") > loaded,
            20,
            what="the switcher's entries",
        )
        filtered = logs(home, driver_log).count("timing: switcher: filtered")
        xdotool("type", "--delay", "30", "dave")
        wait_until(
            lambda: logs(home, driver_log).count("timing: switcher: filtered") >= filtered + 4,
            20,
            what="the rows for 'dave'",
        )
        xdotool("key", "Return")
        wait_until(lambda: len(console_logins()) == 2, 30, what="the switcher's console sign-in")
        assert page in console_logins()[-1]["destination"]

        # Bob comments on alice's own pull request and approves it, then merges it: after a
        # refresh in the window, each is told once.
        cc = aws.use(emu).client("codecommit", region="eu-west-1", creds=bob, validate=False)
        own = next(p for p in pulls if p["title"] == "Alice's own fix")
        pr = cc.get_pull_request(pullRequestId=own["id"])["pullRequest"]
        target = pr["pullRequestTargets"][0]
        cc.post_comment_for_pull_request(
            pullRequestId=own["id"],
            repositoryName="ledger-eu",
            beforeCommitId=target["destinationCommit"],
            afterCommitId=target["sourceCommit"],
            content="Looks good; one nit on the rounding.",
        )
        cc.update_pull_request_approval_state(
            pullRequestId=own["id"], revisionId=pr["revisionId"], approvalState="APPROVE"
        )

        def refreshed(count: int) -> list[dict]:
            wd.click(wd.find('[data-testid="pr-refresh"]'))
            return wait_until(
                lambda: len(notices(shown)) >= count and notices(shown), 60, what="the notices"
            )

        told = refreshed(4)[2:]
        assert sorted(n["summary"] for n in told) == [
            "A new comment on your pull request",
            "Your pull request is approved",
        ], told
        assert all("Alice's own fix" in n["body"] for n in told), told
        cc.merge_pull_request_by_squash(
            pullRequestId=own["id"],
            repositoryName="ledger-eu",
            sourceCommitId=target["sourceCommit"],
        )
        told = refreshed(5)[4:]
        assert [n["summary"] for n in told] == ["Your pull request was merged"], told
        # Another refresh, nothing new: nothing told.
        refreshed(5)
        time.sleep(2)
        assert len(notices(shown)) == 5, notices(shown)
        issued = emu.control("GET", "/_emulator/issued-secrets").json()
    finally:
        if wd:
            wd.delete()
        if driver:
            driver.stop()
        server.terminate()
        emu.stop()
    text = logs(home, driver_log)
    leaks = sorted({kind for kind, values in issued.items() for s in values if s in text})
    assert not leaks, f"secrets in the log, of these kinds: {leaks}"

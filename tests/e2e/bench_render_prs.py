"""Benchmark (run by `./dev bench --only prs-vs-awscli`, not a test): how long the real window
takes to show a cached pull-request inbox of 300 open pull requests (100 awaiting the user) —
from clicking Pull requests to the tab counts and first rows on screen and painted, measured
inside the page with performance.now(). The identity is not signed in, so nothing is revalidated:
this is the cache on screen, what a person sees before any network answer."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from app import TauriDriver, app_env, wait_until

N, AWAITING = 300, 100
MEASURE = """
const done = arguments[arguments.length - 1];
const t0 = performance.now();
document.querySelector('[data-testid="nav-pullRequests"]').click();
const shown = (el) => el && el.getClientRects().length > 0;
(function poll() {
  const tab = document.querySelector('[data-testid="pr-tab-awaiting"]');
  const row = document.querySelector('[data-testid="pr-row"]');
  if (shown(tab) && /100/.test(tab.textContent) && shown(row)) setTimeout(() => done(performance.now() - t0), 0);
  else requestAnimationFrame(poll);
})();
"""


def pull_request(i: int) -> dict:
    concern = "awaiting" if i < AWAITING else ("mine" if i < AWAITING + 20 else "other")
    account = f"{100000000000 + i % 50}"
    return {
        "session": "large",
        "accountId": account,
        "accountName": f"account-{i % 50:04}",
        "roleName": "Developer",
        "region": ["us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2"][i % 4],
        "repository": f"svc-{i % 4}",
        "id": str(i + 1),
        "title": f"Change {i + 1}: make the thing do what it says",
        "description": None,
        "authorArn": f"arn:aws:sts::{account}:assumed-role/AWSReservedSSO_Developer_ab/user{i % 7}",
        "author": f"user{i % 7}",
        "created": "2026-12-01T10:00:00Z",
        "lastActivity": "2026-12-02T10:00:00Z",
        "lastActivityMicros": 1_796_000_000_000_000 - i,
        "open": True,
        "merged": False,
        "sourceRef": f"refs/heads/feature/{i}",
        "destinationRef": "refs/heads/main",
        "sourceCommit": f"{i:040x}",
        "revisionId": f"rev-{i}",
        "approvals": 0,
        "approvalsNeeded": 1,
        "approved": False,
        "rulesNotSatisfied": ["One approval"],
        "approvedByMe": False,
        "concern": concern,
        "canMerge": False if concern == "mine" else None,
    }


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="lanyard-bench-render-prs-"))
    home = tmp / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws/config").write_text(
        "[sso-session large]\nsso_start_url = https://large.awsapps.com/start\nsso_region = us-east-1\n"
    )
    data = home / ".local/share/lanyard/codecommit"
    data.mkdir(parents=True)
    inbox = {
        "session": "large",
        "checkedAt": "2026-12-02T10:00:00Z",
        "pullRequests": [pull_request(i) for i in range(N)],
        "notes": [],
    }
    (data / "large.prs.json").write_text(json.dumps(inbox))
    env = app_env(home)
    driver = TauriDriver(env, tmp / "tauri-driver.log")
    wd = driver.session()
    try:
        wd.wait_for('nav[aria-label="Main"]', timeout=60)
        times = []
        for _ in range(7):
            time.sleep(1.0)  # a person's pace between visits
            wd.click(wd.find('[data-testid="nav-sessions"]'))
            wait_until(
                lambda: wd.text(wd.find('[data-testid="view-title"]')) == "Sessions",
                10,
                what="leaving the view",
            )
            time.sleep(1.0)
            times.append(wd._call("POST", wd._s("/execute/async"), {"script": MEASURE, "args": []}))
        first = times[0]
        times.sort()
        print(
            json.dumps(
                {
                    "pull_requests": N,
                    "first_ms": first,
                    "median_ms": times[len(times) // 2],
                    "max_ms": times[-1],
                }
            )
        )
    finally:
        wd.delete()
        driver.stop()


if __name__ == "__main__":
    main()

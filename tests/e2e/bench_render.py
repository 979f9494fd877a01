"""Benchmark (run by `./dev bench`, not a test): how long the real window takes to show the
cached account list of 3,000 accounts on a second start — from clicking Accounts & Profiles
to the count and first rows on screen and painted, measured inside the page with performance.now()."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from app import TauriDriver, app_env, wait_until

N = 3000
MEASURE = """
const done = arguments[arguments.length - 1];
const t0 = performance.now();
document.querySelector('[data-testid="nav-accounts"]').click();
// On screen = laid out (a view kept hidden has no boxes). The time is taken by a task queued from
// that frame's callback: it runs once the frame has been painted.
const shown = (el) => el && el.getClientRects().length > 0;
(function poll() {
  const c = document.querySelector('[data-testid="account-count"]');
  const row = document.querySelector('[data-testid="account-100000003000"], [data-testid="account-100000000001"]');
  if (shown(c) && /3,?000/.test(c.textContent) && shown(row)) setTimeout(() => done(performance.now() - t0), 0);
  else requestAnimationFrame(poll);
})();
"""


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="lanyard-bench-render-"))
    home = tmp / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws/config").write_text(
        "[sso-session large]\nsso_start_url = https://large.awsapps.com/start\nsso_region = us-east-1\n"
    )
    accounts = [
        {
            "accountId": f"{100000000000 + i}",
            "accountName": f"account-{i:04}",
            "email": f"a{i}@large.example",
            "roles": ["AdministratorAccess", "Developer", "ReadOnly"],
        }
        for i in range(1, N + 1)
    ]
    data = home / ".local/share/lanyard/accounts"
    data.mkdir(parents=True)
    (data / "large.json").write_text(json.dumps(accounts))
    env = app_env(home)
    driver = TauriDriver(env, tmp / "tauri-driver.log")
    wd = driver.session()
    try:
        wd.wait_for('nav[aria-label="Main"]', timeout=60)
        times = []
        for i in range(7):
            # A person's pace between visits, so the previous visit's profile preview is done.
            time.sleep(1.0)
            wd.click(wd.find('[data-testid="nav-sessions"]'))
            wait_until(
                lambda: wd.text(wd.find('[data-testid="view-title"]')) == "Sessions",
                10,
                what="leaving the view",
            )
            time.sleep(
                1.0
            )  # and the Sessions view has settled, as it would have before a person's next click
            times.append(wd._call("POST", wd._s("/execute/async"), {"script": MEASURE, "args": []}))
        first = times[0]
        times.sort()
        print(
            json.dumps(
                {
                    "accounts": N,
                    "first_ms": first,
                    "median_ms": times[len(times) // 2],
                    "max_ms": times[-1],
                    "runs": times,
                }
            )
        )
    finally:
        wd.delete()
        driver.stop()


if __name__ == "__main__":
    main()

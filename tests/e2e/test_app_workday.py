"""A compressed workday for the tray app (issue #16): refreshes, the network gone and back, a
sleep, a session that ends and a sign-in again from the tray, checked from outside. The scenario
is in workday.py; `./dev bench --only workday` runs a longer day."""

import json

from workday import Day, run


def test_a_workday_in_the_tray_offline_asleep_and_a_session_that_ends(tmp_path):
    measured = run(tmp_path, Day.short())
    print(json.dumps(measured))

"""Benchmark (run by `./dev bench --only workday`, not a test): the compressed workday of
issue #16 at the issue's own lifetimes (access tokens of 2 minutes, role credentials of 3, a
portal session of 15), the network gone for 5 minutes and the machine asleep for 3, against the
release build. Asserts as the short test does (workday.py) and prints one JSON line."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from workday import Day, run


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="lanyard-workday-") as tmp:
        day = Day.long()
        measured = run(Path(tmp), day)
        print(json.dumps({**measured, "day": day.__dict__}))


if __name__ == "__main__":
    main()

"""How much the collections worklist (R16) adds to close of business's worst nights.

Not a test: it prints figures. Runs bench/cob.py's nights (N loans falling due on one day,
20% unpaid when grace ends) with the time spent in the nightly collections call
(``collections.worklist.nightly``: promises checked, the next day's worklist made,
overdue notices passed to bureau reporting) measured apart, so that each night shows
with and without it:

    .venv/bin/python bench/cob_collections.py --loans 200000 [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cob  # noqa: E402 - bench/cob.py, beside this file

from loanbook.service import close_of_business  # noqa: E402

spent: list[float] = []
_nightly = close_of_business.collections_nightly


def _timed_nightly(*args, **kwargs):
    started = time.perf_counter()
    try:
        return _nightly(*args, **kwargs)
    finally:
        spent.append(time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loans", type=int, default=200_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=cob.POSTGRES_URL)
    args = parser.parse_args()
    close_of_business.collections_nightly = _timed_nightly
    for database in args.databases.split(","):
        url = "sqlite" if database == "sqlite" else args.postgres_url
        spent.clear()
        marks: list[int] = []
        original_close = cob._close

        def close(*a, **k):
            marks.append(len(spent))
            return original_close(*a, **k)

        cob._close = close
        run = cob.run_on(url, args.loans, verify=False, profile=None, limit_seconds=float("inf"))
        cob._close = original_close
        print(f"\n{run.database}, {args.loans:,} loans: each night with the collections worklist, and without it")
        print(f"  {'night':<44} {'with':>8} {'worklist':>9} {'without':>8} {'added':>7}")
        for night, index in zip(run.nights, marks):
            collections = spent[index] if index < len(spent) else 0.0
            without = night.seconds - collections
            print(f"  {night.label.strip() + ' ' + str(night.closed)[5:]:<44} {night.seconds:8.2f} {collections:9.2f} "
                  f"{without:8.2f} {100 * collections / without:6.1f}%")


if __name__ == "__main__":
    main()

"""Benchmark: an export's peak memory stays flat as the book grows (issue 11 item 4).

    .venv/bin/python bench/exports.py                         # 20,000 and 200,000 loans, CSV
    .venv/bin/python bench/exports.py --loans 20000,200000 --as csv,parquet --json

For each size, a temporary SQLite book of N one-loan borrowers is seeded as bench/cob.py
seeds it (one template through the services, copied with set-based SQL), then
``loanbook export loans`` and ``export journal`` run in a child process each; the
child's peak resident memory (ru_maxrss) and time are printed. Constant memory shows as
the same peak for 20,000 and 200,000 loans.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
try:
    import loanbook  # noqa: F401
except ImportError:
    sys.path.insert(0, str(HERE.parent / "src"))

from cob import seed_loans  # noqa: E402  - bench/cob.py's set-based seeding

from loanbook.store.database import make_engine  # noqa: E402

CHILD = """
import resource, sys, time
from pathlib import Path
from loanbook.service.exports import export
from loanbook.store.database import open_database
started = time.perf_counter()
done = export(open_database(sys.argv[1]), sys.argv[2], sys.argv[3], Path(sys.argv[4]))
print(done.rows, time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loans", default="20000,200000", help="Book sizes, comma-separated (default 20000,200000).")
    parser.add_argument("--as", dest="formats", default="csv", help="csv, parquet or both (default csv).")
    parser.add_argument("--json", action="store_true", help="Print one JSON object as the last line.")
    args = parser.parse_args()
    results = []
    print(f"{'loans':>9} {'export':<8} {'format':<8} {'rows':>10} {'seconds':>8} {'peak MiB':>9} {'file MiB':>9}")
    for loans in (int(n) for n in args.loans.split(",")):
        with tempfile.TemporaryDirectory() as scratch:
            url = f"sqlite:///{Path(scratch) / 'book.sqlite3'}"
            engine = make_engine(url)
            started = time.perf_counter()
            seed_loans(engine, loans)
            engine.dispose()
            print(f"  seeded {loans:,} loans in {time.perf_counter() - started:.0f} s", flush=True)
            for what in ("loans", "journal"):
                for fmt in args.formats.split(","):
                    out = Path(scratch) / f"{what}.{fmt}"
                    child = subprocess.run([sys.executable, "-c", CHILD, url, what, fmt, str(out)], capture_output=True,
                                           text=True, check=True, env={**os.environ, "PYTHONPATH": str(HERE.parent / "src")})
                    rows, seconds, peak_kib = child.stdout.split()
                    figures = {"loans": loans, "export": what, "format": fmt, "rows": int(rows),
                               "seconds": round(float(seconds), 2), "peak_mib": round(int(peak_kib) / 1024, 1),
                               "file_mib": round(out.stat().st_size / 2**20, 1)}
                    results.append(figures)
                    print(f"{loans:>9,} {what:<8} {fmt:<8} {figures['rows']:>10,} {figures['seconds']:>8.1f} "
                          f"{figures['peak_mib']:>9.1f} {figures['file_mib']:>9.1f}", flush=True)
    if args.json:
        print(json.dumps({"exports": results, "peak_rss_of": "the exporting process (ru_maxrss)"}))
    return 0


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.exit(main())

"""What the in-process latency benchmarks share (bench/lists.py, bench/admin_pages.py):
their command line, the demo portfolio they build or the database they are given, the
timing loop over one kind of request, p50/p95, and the table and JSON they print. Each
figure is printed beside the load average of the machine (2 cores shared with others),
so that a slow figure on a busy machine is read as such."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

try:
    import loanbook  # noqa: F401
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import Engine  # noqa: E402

from loanbook.demo.portfolio import run_portfolio  # noqa: E402
from loanbook.store.database import make_engine, open_database  # noqa: E402

Request = Callable[[], tuple[str, dict]]  # the next request: its path and its query parameters


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def load_average() -> float:
    """The machine's load over the last minute."""
    return round(os.getloadavg()[0], 2)


def timed(get: Callable[..., object], next_request: Request, requests: int, *, what: str) -> dict[str, float]:
    """Ask ``requests`` requests made by ``next_request`` through ``get`` (a TestClient's
    ``get``), after one to warm up (templates compiled, caches filled): their p50 and p95
    in milliseconds, and the load average when done. Stops at the first answer not 200."""
    path, params = next_request()
    get(path, params=params)
    timings = []
    for _ in range(requests):
        path, params = next_request()
        started = time.perf_counter()
        answer = get(path, params=params)
        timings.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"{what}: {path} {params} answered {answer.status_code}: {answer.text[:300]}")
    return {"p50_ms": round(percentile(timings, 0.50), 2), "p95_ms": round(percentile(timings, 0.95), 2),
            "requests": requests, "load_average": load_average()}


def run(doc: str, *, measure: Callable[[Engine, int], dict[str, object]], what: str, default_requests: int,
        target_p95_ms: float) -> int:
    """A benchmark's command line: on ``--database``, or on the demo's portfolio built in a
    temporary file; ``measure(engine, requests)`` gives the figures (``what``: per name,
    p50 and p95), printed as a table and, with ``--json``, one JSON object last."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="An existing loanbook database (default: build the demo's portfolio).")
    parser.add_argument("--borrowers", type=int, default=1000, help="Borrowers of the portfolio built (default 1000).")
    parser.add_argument("--requests", type=int, default=default_requests,
                        help=f"Requests per {what.rstrip('s')} (default {default_requests}).")
    parser.add_argument("--json", action="store_true", help="Print one JSON object as the last line.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        if args.database:
            engine = open_database(args.database)
        else:
            engine = make_engine(f"sqlite:///{Path(scratch) / f'bench-{what}-{os.getpid()}.sqlite3'}")
            started = time.perf_counter()
            print(f"building the demo's portfolio of {args.borrowers:,} borrowers...", flush=True)
            run_portfolio(engine, borrowers=args.borrowers)
            print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
        results = measure(engine, args.requests)
        engine.dispose()
    figures: dict[str, dict[str, float]] = results[what]  # type: ignore[assignment]
    results.update(target_p95_ms=target_p95_ms, all_met=all(f["p95_ms"] <= target_p95_ms for f in figures.values()))
    width = max(len(name) for name in figures) + 2
    print(f"{what[:-1]:<{width}} {'p50 ms':>8} {'p95 ms':>8}  {'load':>5}  target p95 <= {target_p95_ms:.0f} ms")
    for name, f in figures.items():
        verdict = "met" if f["p95_ms"] <= target_p95_ms else "MISSED"
        print(f"{name:<{width}} {f['p50_ms']:>8.1f} {f['p95_ms']:>8.1f}  {f['load_average']:>5.2f}  {verdict}")
    print(f"(load average over the last minute, on {os.cpu_count()} cores, beside each figure)")
    if args.json:
        print(json.dumps(results))
    return 0

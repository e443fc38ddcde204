"""What the latency benchmarks share (bench/lists.py, bench/admin_pages.py in-process,
bench/pages.py against a server of its own): their command line, the demo portfolio they
build or the database they are given, the timing loop over one kind of request, p50/p95,
and the table and JSON they print. Each
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
# The next call, prepared untimed: what it asks (for a message) and the call to time,
# which returns the answer (anything with ``status_code`` and ``text``).
Call = Callable[[], tuple[str, Callable[[], object]]]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def load_average() -> float:
    """The machine's load over the last minute."""
    return round(os.getloadavg()[0], 2)


def timed(get: Callable[..., object], next_request: Request, requests: int, *, what: str,
          ok: tuple[int, ...] = (200,), cpu_ms: Callable[[], float] | None = None) -> dict[str, float]:
    """Ask ``requests`` requests made by ``next_request`` through ``get`` (a client's
    ``get``): :func:`timed_calls` of GETs."""
    def next_call() -> tuple[str, Callable[[], object]]:
        path, params = next_request()
        return f"{path} {params}", lambda: get(path, params=params)
    return timed_calls(next_call, requests, what=what, ok=ok, cpu_ms=cpu_ms)


def timed_calls(next_call: Call, requests: int, *, what: str, ok: tuple[int, ...] = (200,),
                cpu_ms: Callable[[], float] | None = None) -> dict[str, float]:
    """Time ``requests`` calls made by ``next_call``, after one to warm up (templates
    compiled, caches filled): their p50, p95 and max in milliseconds, and the load average
    when done. Stops at the first answer whose status is not in ``ok``. ``cpu_ms``: the
    CPU time a server process has spent so far, read around each call, so that the
    figures add ``server_cpu_ms`` per request (what a request costs whatever else a shared
    machine runs)."""
    _, call = next_call()
    call()
    timings, cpu_spent = [], 0.0
    for _ in range(requests):
        asked, call = next_call()
        cpu_before = cpu_ms() if cpu_ms is not None else 0.0
        started = time.perf_counter()
        answer = call()
        timings.append((time.perf_counter() - started) * 1000)
        if cpu_ms is not None:
            cpu_spent += cpu_ms() - cpu_before
        if answer.status_code not in ok:  # type: ignore[attr-defined]
            raise SystemExit(f"{what}: {asked} answered {answer.status_code}: {answer.text[:300]}")  # type: ignore[attr-defined]
    figures = {"p50_ms": round(percentile(timings, 0.50), 2), "p95_ms": round(percentile(timings, 0.95), 2),
               "max_ms": round(max(timings), 2), "requests": requests, "load_average": load_average()}
    if cpu_ms is not None:
        figures["server_cpu_ms"] = round(cpu_spent / requests, 2)
    return figures


def run(doc: str, *, measure: Callable[..., dict[str, object]], what: str, default_requests: int,
        target_p95_ms: float, options: Callable[[argparse.ArgumentParser], None] | None = None) -> int:
    """A benchmark's command line: on ``--database``, or on the demo's portfolio built in a
    temporary file; ``measure(engine, requests)`` gives the figures (``what``: per name,
    p50 and p95), printed as a table and, with ``--json``, one JSON object last.
    ``options`` adds a benchmark's own arguments; their values are then passed to
    ``measure`` by name."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="An existing loanbook database (default: build the demo's portfolio).")
    parser.add_argument("--borrowers", type=int, default=1000, help="Borrowers of the portfolio built (default 1000).")
    parser.add_argument("--requests", type=int, default=default_requests,
                        help=f"Requests per {what.rstrip('s')} (default {default_requests}).")
    parser.add_argument("--json", action="store_true", help="Print one JSON object as the last line.")
    common = {action.dest for action in parser._actions}
    if options is not None:
        options(parser)
    args = parser.parse_args()
    own = {name: value for name, value in vars(args).items() if name not in common}

    with tempfile.TemporaryDirectory() as scratch:
        if args.database:
            engine = open_database(args.database)
        else:
            engine = make_engine(f"sqlite:///{Path(scratch) / f'bench-{what}-{os.getpid()}.sqlite3'}")
            started = time.perf_counter()
            print(f"building the demo's portfolio of {args.borrowers:,} borrowers...", flush=True)
            run_portfolio(engine, borrowers=args.borrowers)
            print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
        results = measure(engine, args.requests, **own)
        engine.dispose()
    figures: dict[str, dict[str, float]] = results[what]  # type: ignore[assignment]
    results.update(target_p95_ms=target_p95_ms, all_met=all(f["p95_ms"] <= target_p95_ms for f in figures.values()))
    width = max(len(name) for name in figures) + 2
    cpu = all("server_cpu_ms" in f for f in figures.values())
    print(f"{what[:-1]:<{width}} {'p50 ms':>8} {'p95 ms':>8}{' cpu ms' if cpu else ''}  {'load':>5}  "
          f"target p95 <= {target_p95_ms:.0f} ms")
    for name, f in figures.items():
        verdict = "met" if f["p95_ms"] <= target_p95_ms else "MISSED"
        cpu_column = f" {f['server_cpu_ms']:>6.1f}" if cpu else ""
        print(f"{name:<{width}} {f['p50_ms']:>8.1f} {f['p95_ms']:>8.1f}{cpu_column}  {f['load_average']:>5.2f}  {verdict}")
    print(f"(load average over the last minute, on {os.cpu_count()} cores, beside each figure"
          f"{'; cpu ms: the server process CPU time per request' if cpu else ''})")
    if args.json:
        print(json.dumps(results))
    return 0

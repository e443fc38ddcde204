"""Benchmark: the lists, search, history and statement answer in 50 ms or less at p95
over the demo's data (issue 11 item 3).

    .venv/bin/python bench/lists.py                      # build the demo's portfolio (1,000 borrowers) in a temp file
    .venv/bin/python bench/lists.py --borrowers 200      # a smaller one
    .venv/bin/python bench/lists.py --database sqlite:///loanbook-demo.sqlite3   # an existing demo database
    .venv/bin/python bench/lists.py --json               # and one JSON object as the last line

Every request goes through the whole HTTP API in-process (FastAPI's TestClient: routing,
the bearer token, access checks, validation, the queries, JSON), as an admin; each list
is asked ``--requests`` times with varied pages and search words. Prints p50/p95 per list
in milliseconds, and whether each p95 is within the target.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

try:
    import loanbook  # noqa: F401
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import text  # noqa: E402

from loanbook.api.app import create_app  # noqa: E402
from loanbook.demo.portfolio import run_portfolio  # noqa: E402
from loanbook.service.users import add_user  # noqa: E402
from loanbook.store.database import make_engine, open_database  # noqa: E402
from loanbook.store.unit_of_work import UnitOfWork  # noqa: E402

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
from fastapi.testclient import TestClient  # noqa: E402

TARGET_P95_MS = 50.0


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="An existing loanbook database (default: build the demo's portfolio).")
    parser.add_argument("--borrowers", type=int, default=1000, help="Borrowers of the portfolio built (default 1000).")
    parser.add_argument("--requests", type=int, default=200, help="Requests per list (default 200).")
    parser.add_argument("--json", action="store_true", help="Print one JSON object as the last line.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        if args.database:
            engine = open_database(args.database)
        else:
            engine = make_engine(f"sqlite:///{Path(scratch) / 'lists.sqlite3'}")
            started = time.perf_counter()
            print(f"building the demo's portfolio of {args.borrowers:,} borrowers...", flush=True)
            run_portfolio(engine, borrowers=args.borrowers)
            print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
        results = measure(engine, args.requests)
        engine.dispose()
    print(f"{'list':<34} {'p50 ms':>8} {'p95 ms':>8}  target p95 <= {TARGET_P95_MS:.0f} ms")
    for name, figures in results["lists"].items():
        verdict = "met" if figures["p95_ms"] <= TARGET_P95_MS else "MISSED"
        print(f"{name:<34} {figures['p50_ms']:>8.1f} {figures['p95_ms']:>8.1f}  {verdict}")
    if args.json:
        print(json.dumps(results))
    return 0


def measure(engine, requests: int) -> dict[str, object]:  # noqa: ANN001 - an Engine
    with UnitOfWork(engine) as uow:
        _, token = add_user(uow, name=f"bench lists {time.time_ns()}", role="admin")
    with engine.connect() as connection:
        borrower_ids = [r[0] for r in connection.execute(text("SELECT id FROM borrowers ORDER BY id"))]
        loans = connection.execute(text("SELECT COUNT(*) FROM loans")).scalar_one()
        names = [r[0] for r in connection.execute(text("SELECT name FROM borrowers ORDER BY id LIMIT 200"))]
        phones = [r[0] for r in connection.execute(text("SELECT phone_key FROM borrowers ORDER BY id LIMIT 200"))]
        today = connection.execute(text("SELECT business_date FROM business_date")).scalar_one()
        due_days = [r[0] for r in connection.execute(text("SELECT DISTINCT due_date FROM plan_instalments"))]
    client = TestClient(create_app(engine))
    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random(11)
    cursors: dict[str, list[str]] = {}

    def page_of(path: str) -> Callable[[], tuple[str, dict]]:
        """Walk the list's pages in turn, starting again after the last."""
        def next_request() -> tuple[str, dict]:
            cursor = rng.choice(cursors.get(path) or [""])
            return path, ({"cursor": cursor} if cursor else {})
        return next_request

    lists: dict[str, Callable[[], tuple[str, dict]]] = {
        "borrowers (a page of 50)": page_of("/v1/borrowers"),
        "borrowers search by name": lambda: ("/v1/borrowers", {"q": rng.choice(names)[:2]}),
        "borrowers search by phone": lambda: ("/v1/borrowers", {"phone": rng.choice(phones)[-6:]}),
        "borrowers search by id": lambda: ("/v1/borrowers", {"q": str(rng.choice(borrower_ids))}),
        "loans (a page of 50)": page_of("/v1/loans"),
        "loans status=OVERDUE dpd 30-90": lambda: ("/v1/loans", {"status": "OVERDUE", "dpd_min": 30, "dpd_max": 90}),
        "loans due_on a day": lambda: ("/v1/loans", {"due_on": str(rng.choice(due_days))}),
        "loans by product and disbursed": lambda: ("/v1/loans", {"product": "TERM6", "disbursed_from": "2026-01-15",
                                                                 "disbursed_to": "2026-02-15"}),
        "a borrower's transactions": lambda: (f"/v1/borrowers/{rng.choice(borrower_ids)}/transactions", {}),
        "a borrower's statement (a month)": lambda: (f"/v1/borrowers/{rng.choice(borrower_ids)}/statement",
                                                     {"from": "2026-03-01", "to": "2026-03-31"}),
    }
    for path in ("/v1/borrowers", "/v1/loans"):  # collect every page's cursor once
        cursor, found = None, [""]
        while True:
            body = client.get(path, headers=headers, params={"cursor": cursor} if cursor else {}).json()
            cursor = body["next_cursor"]
            if cursor is None:
                break
            found.append(cursor)
        cursors[path] = found
    figures: dict[str, dict[str, float]] = {}
    for name, make in lists.items():
        timings = []
        for _ in range(requests):
            path, params = make()
            started = time.perf_counter()
            reply = client.get(path, headers=headers, params=params)
            timings.append((time.perf_counter() - started) * 1000)
            if reply.status_code != 200:
                raise SystemExit(f"{name}: {path} {params} answered {reply.status_code}: {reply.text[:200]}")
        figures[name] = {"p50_ms": round(statistics.median(timings), 2), "p95_ms": round(_percentile(timings, 0.95), 2)}
    return {"database": engine.dialect.name, "borrowers": len(borrower_ids), "loans": loans,
            "business_date": str(today), "requests_per_list": requests, "target_p95_ms": TARGET_P95_MS,
            "lists": figures, "all_met": all(f["p95_ms"] <= TARGET_P95_MS for f in figures.values())}


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the back office's pages (/admin) answer in 100 ms or less at p95 over the
demo's data (issue 12).

    .venv/bin/python bench/admin_pages.py                      # build the demo's portfolio (1,000 borrowers)
    .venv/bin/python bench/admin_pages.py --borrowers 200      # a smaller one
    .venv/bin/python bench/admin_pages.py --database sqlite:///loanbook-demo.sqlite3   # an existing demo database
    .venv/bin/python bench/admin_pages.py --json               # and one JSON object as the last line

Every request goes through the whole application in-process (FastAPI's TestClient:
routing, the session cookie, the role check, the services, the template), signed in as an
admin through the /login form; each page is asked ``--requests`` times, with varied loans,
borrowers and search words. Prints p50/p95 per page in milliseconds, and whether each p95
is within the target.
"""

from __future__ import annotations

import argparse
import json
import random
import re
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

TARGET_P95_MS = 100.0
PASSWORD = "bench back office 1"


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="An existing loanbook database (default: build the demo's portfolio).")
    parser.add_argument("--borrowers", type=int, default=1000, help="Borrowers of the portfolio built (default 1000).")
    parser.add_argument("--requests", type=int, default=100, help="Requests per page (default 100).")
    parser.add_argument("--json", action="store_true", help="Print one JSON object as the last line.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        if args.database:
            engine = open_database(args.database)
        else:
            engine = make_engine(f"sqlite:///{Path(scratch) / 'admin_pages.sqlite3'}")
            started = time.perf_counter()
            print(f"building the demo's portfolio of {args.borrowers:,} borrowers...", flush=True)
            run_portfolio(engine, borrowers=args.borrowers)
            print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
        results = measure(engine, args.requests)
        engine.dispose()
    print(f"{'page':<36} {'p50 ms':>8} {'p95 ms':>8}  target p95 <= {TARGET_P95_MS:.0f} ms")
    for name, figures in results["pages"].items():
        verdict = "met" if figures["p95_ms"] <= TARGET_P95_MS else "MISSED"
        print(f"{name:<36} {figures['p50_ms']:>8.1f} {figures['p95_ms']:>8.1f}  {verdict}")
    if args.json:
        print(json.dumps(results))
    return 0


def _signed_in(client: TestClient, name: str) -> None:
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    if token is None:
        raise SystemExit("the /login page has no CSRF token field: is the web foundation installed?")
    answer = client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token.group(1)},
                         follow_redirects=False)
    if answer.status_code not in (302, 303):
        raise SystemExit(f"signing in as {name} failed: {answer.status_code}")


def measure(engine, requests: int) -> dict[str, object]:  # noqa: ANN001 - an Engine
    name = f"bench-admin-{time.time_ns()}"
    with UnitOfWork(engine) as uow:
        add_user(uow, name=name, role="admin", password=PASSWORD)
    with engine.connect() as connection:
        borrower_ids = [r[0] for r in connection.execute(text("SELECT id FROM borrowers ORDER BY id"))]
        loan_ids = [r[0] for r in connection.execute(text("SELECT id FROM loans ORDER BY id"))]
        names = [r[0] for r in connection.execute(text("SELECT name FROM borrowers ORDER BY id LIMIT 200"))]
        phones = [r[0] for r in connection.execute(text("SELECT phone_key FROM borrowers ORDER BY id LIMIT 200"))]
        snapshot_days = connection.execute(text("SELECT COUNT(DISTINCT on_date) FROM portfolio_snapshots")).scalar_one()
    client = TestClient(create_app(engine))
    _signed_in(client, name)
    rng = random.Random(12)
    pages: dict[str, Callable[[], str]] = {
        "portfolio /admin": lambda: "/admin",
        "search by name": lambda: f"/admin/search?q={rng.choice(names)[:2]}",
        "search by phone": lambda: f"/admin/search?q={rng.choice(phones)[-6:]}",
        "loans by status (OVERDUE)": lambda: "/admin/search?status=OVERDUE",
        "a loan": lambda: f"/admin/loans/{rng.choice(loan_ids)}",
        "a borrower": lambda: f"/admin/borrowers/{rng.choice(borrower_ids)}",
        "review queue": lambda: "/admin/requests",
        "collections worklist": lambda: "/admin/collections",
        "partners": lambda: "/admin/partners",
        "bureau": lambda: "/admin/bureau",
        "business date": lambda: "/admin/business-date",
    }
    results: dict[str, dict[str, float]] = {}
    for label, next_path in pages.items():
        client.get(next_path())  # warm: templates compiled, caches filled
        timings = []
        for _ in range(requests):
            path = next_path()
            started = time.perf_counter()
            answer = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                raise SystemExit(f"{path} answered {answer.status_code}: {answer.text[:300]}")
        results[label] = {"p50_ms": round(_percentile(timings, 0.50), 1),
                          "p95_ms": round(_percentile(timings, 0.95), 1), "requests": requests}
    return {"borrowers": len(borrower_ids), "loans": len(loan_ids), "snapshot_days": snapshot_days,
            "target_p95_ms": TARGET_P95_MS, "pages": results,
            "all_met": all(r["p95_ms"] <= TARGET_P95_MS for r in results.values())}


if __name__ == "__main__":
    raise SystemExit(main())

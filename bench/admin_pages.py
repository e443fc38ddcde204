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

import random
import re
import time
import warnings
from collections.abc import Callable

from timing import run, timed  # bench/timing.py: the command line, the timing loop, the table

from sqlalchemy import text  # noqa: E402

from loanbook.api.app import create_app  # noqa: E402
from loanbook.service.users import add_user  # noqa: E402
from loanbook.store.unit_of_work import UnitOfWork  # noqa: E402

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
from fastapi.testclient import TestClient  # noqa: E402

TARGET_P95_MS = 100.0
PASSWORD = "bench back office 1"


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
    results = {label: timed(client.get, lambda: (next_path(), {}), requests, what=label)
               for label, next_path in pages.items()}
    return {"borrowers": len(borrower_ids), "loans": len(loan_ids), "snapshot_days": snapshot_days, "pages": results}


if __name__ == "__main__":
    raise SystemExit(run(__doc__, measure=measure, what="pages", default_requests=100, target_p95_ms=TARGET_P95_MS))

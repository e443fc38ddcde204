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

import random
import time
import warnings

from timing import Request, run, timed  # bench/timing.py: the command line, the timing loop, the table

from sqlalchemy import text  # noqa: E402

from loanbook.api.app import create_app  # noqa: E402
from loanbook.service.users import add_user  # noqa: E402
from loanbook.store.unit_of_work import UnitOfWork  # noqa: E402

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
from fastapi.testclient import TestClient  # noqa: E402

TARGET_P95_MS = 50.0


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

    def page_of(path: str) -> Request:
        """Walk the list's pages in turn, starting again after the last."""
        def next_request() -> tuple[str, dict]:
            cursor = rng.choice(cursors.get(path) or [""])
            return path, ({"cursor": cursor} if cursor else {})
        return next_request

    lists: dict[str, Request] = {
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
    def get(path: str, params: dict) -> object:
        return client.get(path, headers=headers, params=params)

    figures = {name: timed(get, make, requests, what=name) for name, make in lists.items()}
    return {"database": engine.dialect.name, "borrowers": len(borrower_ids), "loans": loans,
            "business_date": str(today), "requests_per_list": requests, "lists": figures}


if __name__ == "__main__":
    raise SystemExit(run(__doc__, measure=measure, what="lists", default_requests=200, target_p95_ms=TARGET_P95_MS))

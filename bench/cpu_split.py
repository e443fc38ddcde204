"""The CPU of one API repayment and one GET, split by part, measured part by part without
a profiler. Not a test: it prints figures.

    .venv/bin/python bench/cpu_split.py [--requests 300] [--json]

In one process, on a scratch PostgreSQL database seeded as ``bench/api.py`` does (same
server, a name of its own, dropped at the end): the whole request through the ASGI app
(no socket, no uvicorn: its share is measured by ``bench/api.py``'s server CPU), then
each part alone, as many times, on the process's CPU clock: the token lookup, the
idempotency claim, the repayment use case, and inside it the book read under the lock,
the core replay, the posting (pure), the position's JSON. What the whole request costs
beyond its parts is HTTP, FastAPI, the middleware and the response. A profiler would
slow Python code more than C code; timing parts alone does not, but each part then runs
with warm caches (so the parts may add up to a little less than the whole).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
import uuid
from datetime import datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import api as bench_api  # noqa: E402 - bench/ on the path

from loanbook.api.app import create_app  # noqa: E402
from loanbook.api.observability import configure_logging  # noqa: E402
from loanbook.ledger.revaluation import revalue  # noqa: E402
from loanbook.rules import operations  # noqa: E402
from loanbook.rules.replay import position  # noqa: E402
from loanbook.service import servicing  # noqa: E402
from loanbook.service.users import _digest, authenticate  # noqa: E402
from loanbook.store import codec  # noqa: E402
from loanbook.store.database import make_engine  # noqa: E402
from loanbook.store.unit_of_work import UnitOfWork  # noqa: E402


def cpu_ms(action, times: int) -> float:
    for _ in range(min(20, times)):
        action()
    started = time.process_time()
    for _ in range(times):
        action()
    return (time.process_time() - started) * 1000 / times


class Asgi:
    """Requests straight into the ASGI app, one at a time."""

    def __init__(self, app, token: str) -> None:
        self.app, self.token = app, token
        self.loop = asyncio.new_event_loop()

    def call(self, method: str, path: str, body: bytes = b"", key: str | None = None) -> int:
        headers = [(b"host", b"bench"), (b"authorization", f"Bearer {self.token}".encode()),
                   (b"content-length", str(len(body)).encode())]
        if body:
            headers.append((b"content-type", b"application/json"))
        if key:
            headers.append((b"idempotency-key", key.encode()))
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
                 "headers": headers, "client": (bench_api.HOST, 1), "server": (bench_api.HOST, 80)}
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        answer = {}

        async def receive():
            if messages:
                return messages.pop()
            await asyncio.sleep(3600)

        async def send(message):
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]

        self.loop.run_until_complete(self.app(scope, receive, send))
        return answer["status"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--borrowers", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    admin_url, url, name = bench_api.scratch_url(
        bench_api.psycopg_url(os.environ.get("LOANBOOK_DATABASE_URL", bench_api.DEFAULT_URL)))
    print(f"load average {os.getloadavg()[0]:.2f} before the run; scratch database {name}")
    bench_api.recreate(admin_url, name)
    try:
        token, borrower_ids, loan_ids = bench_api.seed(url, args.borrowers)
        engine = make_engine(url)
        real_stderr, sys.stderr = sys.stderr, open(os.devnull, "w")  # the server's JSON access log, written nowhere
        configure_logging()
        sys.stderr = real_stderr
        asgi = Asgi(create_app(engine), token)
        chosen = random.Random(5)
        n = args.requests

        def http_repayment():
            body = f'{{"amount": "{chosen.randint(1, 20000) / 100:.2f}", "channel": "bank_transfer"}}'.encode()
            status = asgi.call("POST", f"/v1/borrowers/{chosen.choice(borrower_ids)}/repayments", body, str(uuid.uuid4()))
            if status != 201:
                raise SystemExit(f"repayment answered {status}")

        def http_get():
            if asgi.call("GET", f"/v1/loans/{chosen.choice(loan_ids)}") != 200:
                raise SystemExit("GET failed")

        def service_repayment():
            with UnitOfWork(engine) as uow:
                servicing.repay(uow, borrower_id=chosen.choice(borrower_ids), amount=Decimal("1.23"), channel="bench")

        def auth():
            with UnitOfWork(engine, read_only=True) as uow:
                authenticate(uow, token)

        digest = _digest(token)
        user_id = None
        with UnitOfWork(engine, read_only=True) as uow:
            user_id = uow.users.by_token(digest).id

        def claim():
            with UnitOfWork(engine, autocommit=True) as uow:
                uow.idempotency.claim(user_id, uuid.uuid4().hex, "0" * 64, datetime(2026, 2, 10), owner=None,
                                      expires_at=datetime(2026, 2, 11))
                uow.commit()

        def locked_read():
            with UnitOfWork(engine) as uow:
                uow.business_dates.open_for_booking()
                uow.borrowers.locked_book(chosen.choice(borrower_ids))

        with UnitOfWork(engine) as uow:
            today = uow.business_dates.get()
            borrower_id = borrower_ids[0]
            book, marks, credit, _ = uow.borrowers.locked_book(borrower_id)
        book = operations.with_repayment(book, amount=Decimal("1.23"), value_date=today, business_date=today,
                                         tx_id="bench", received_at=datetime(2026, 2, 10, 12))  # as a repayment posts it
        current = position(book, today, include_day=True)
        loan = current.loans[0]

        def get_state():
            with UnitOfWork(engine, read_only=True) as uow:
                servicing.loan_state(uow, chosen.choice(loan_ids))

        parts = {
            "HTTP repayment, whole (ASGI app, no socket)": cpu_ms(http_repayment, n),
            "  auth: token lookup in its unit of work": cpu_ms(auth, n),
            "  idempotency claim (autocommit INSERT)": cpu_ms(claim, n),
            "  use case servicing.repay, whole": cpu_ms(service_repayment, n),
            "    business date + locked book read (4 statements)": cpu_ms(locked_read, n),
            "    core replay (position)": cpu_ms(lambda: position(book, today, include_day=True), n),
            "    posting (revalue, pure, its replay included)": cpu_ms(
                lambda: revalue(borrower_id, book, today, marks, credit, kind="repayment", cash_fen=123), n),
            "    position JSON encode": cpu_ms(lambda: codec.position_to_json(loan), n),
            "HTTP GET loan, whole (ASGI app, no socket)": cpu_ms(http_get, n),
            "  loan_state (stored position read + decode)": cpu_ms(get_state, n),
            "  position JSON decode": cpu_ms(lambda: codec.position_from_json(codec.position_to_json(loan)), n),
        }
        print(f"CPU per call, ms ({n} calls each; load average {os.getloadavg()[0]:.2f}):")
        for part, ms in parts.items():
            print(f"  {part:<56} {ms:7.3f}")
        rest = (parts["HTTP repayment, whole (ASGI app, no socket)"] - parts["  auth: token lookup in its unit of work"]
                - parts["  idempotency claim (autocommit INSERT)"] - parts["  use case servicing.repay, whole"])
        print(f"  {'repayment beyond auth, claim and use case (HTTP, FastAPI, middleware, response, stored reply)':<56} "
              f"{rest:7.3f}")
        engine.dispose()
        if args.json:
            print(json.dumps({"load_average": round(os.getloadavg()[0], 2),
                              "cpu_ms": {k.strip(): round(v, 3) for k, v in parts.items()},
                              "repayment_http_rest_ms": round(rest, 3)}))
    finally:
        bench_api.recreate(admin_url, name, drop_only=True)


if __name__ == "__main__":
    main()

"""Issue 11 item 6: no personal data (names, phones) and no token in any log line.

The API is served by uvicorn as ``loanbook serve`` serves it (JSON logs, no access log
with paths), every loanbook and uvicorn logger is captured at DEBUG, and the demo's
borrowers (names and phones from the demo's generator) go through every kind of
request: creation, refusals that name the input, searches by name and phone in the
query string, reads, money, statements, reports, bad tokens. Then the captured log is
grepped for every name, phone (as written and as digits) and token: none may appear.
"""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from api_helpers import live_server
from loanbook.api.observability import SQLALCHEMY_LEVEL, JsonFormatter
from loanbook.demo.portfolio import SEED, plan_portfolio
from loanbook.service.users import add_user
from loanbook.store.unit_of_work import UnitOfWork

LOGGERS = ("loanbook", "uvicorn", "uvicorn.error", "uvicorn.access", "sqlalchemy", "")


@contextmanager
def captured_logs() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    handler.setLevel(logging.DEBUG)
    saved = []
    for name in LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level))
        logger.addHandler(handler)
        # loanbook's and uvicorn's at DEBUG; SQLAlchemy's as configure_logging sets it
        # (WARNING: at INFO it would echo every statement's parameters); the rest at INFO.
        level = SQLALCHEMY_LEVEL if name == "sqlalchemy" else logging.INFO if name == "" else logging.DEBUG
        logger.setLevel(level)
    client_side = [logging.getLogger(name) for name in ("httpx", "httpcore")]  # the test's own client, not the server
    for logger in client_side:
        saved.append((logger, logger.level))
        logger.setLevel(logging.WARNING)
    try:
        yield buffer
    finally:
        for logger, level in saved:
            logger.removeHandler(handler)  # a no-op on the client's loggers
            logger.setLevel(level)


def test_a_full_run_logs_no_name_phone_or_token(engine):
    planned = plan_portfolio(12, SEED)
    secrets: list[str] = []
    with UnitOfWork(engine) as uow:
        _, admin = add_user(uow, name="log test admin", role="admin")
        _, reviewer = add_user(uow, name="log test reviewer", role="reviewer")
    secrets += [admin, reviewer]
    staff = {"Authorization": f"Bearer {admin}"}
    with captured_logs() as logs, live_server(engine) as base, httpx.Client(base_url=base, timeout=30) as client:
        def post(path: str, body: object, headers: dict | None = None) -> httpx.Response:
            return client.post(path, json=body, headers={**(headers or staff), "Idempotency-Key": str(uuid.uuid4())})

        ids = []
        for borrower in planned:
            reply = post("/v1/borrowers", {"name": borrower.name, "phone": borrower.phone, "credit_limit": "20000.00"})
            assert reply.status_code == 201, reply.text
            ids.append(reply.json()["id"])
            duplicate = post("/v1/borrowers", {"name": borrower.name, "phone": borrower.phone, "credit_limit": "1.00"})
            assert duplicate.status_code == 409 and borrower.phone in duplicate.text  # told to staff, not logged
            bad = post("/v1/borrowers", {"name": borrower.name + "\x07", "phone": borrower.phone + "x",
                                         "credit_limit": "1,000"})
            assert bad.status_code == 422
        for borrower, borrower_id in zip(planned, ids):
            with UnitOfWork(engine) as uow:
                _, token = add_user(uow, name=f"log test borrower {borrower_id}", role="borrower", borrower_id=borrower_id)
            secrets.append(token)
            mine = {"Authorization": f"Bearer {token}"}
            loan = post(f"/v1/borrowers/{borrower_id}/loans", {"product": "FLEX6", "principal": "1000.00", "terms": 3})
            assert loan.status_code == 201, loan.text
            assert post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "10.00"}, mine).status_code == 201
            assert client.get(f"/v1/borrowers/{borrower_id}", headers=mine).status_code == 200
            assert client.get(f"/v1/borrowers/{ids[0] if borrower_id != ids[0] else ids[1]}", headers=mine).status_code == 404
            assert client.get(f"/v1/borrowers/{borrower_id}/statement", headers=mine,
                              params={"from": "2026-01-01", "to": "2026-01-15"}).status_code == 200
            assert client.get(f"/v1/borrowers/{borrower_id}/transactions", headers=staff).status_code == 200
            for params in ({"q": borrower.name}, {"q": borrower.phone}, {"phone": borrower.phone}, {"name": borrower.name}):
                assert client.get("/v1/borrowers", headers=staff, params=params).json()["items"], params
            assert client.get("/v1/loans", headers={"Authorization": f"Bearer {reviewer}"},
                              params={"q": borrower.name}).status_code == 200
            assert client.get("/v1/borrowers", headers={"Authorization": f"Bearer {token}x"}).status_code == 401
        for path in ("/v1/reports/portfolio", "/v1/reports/dpd", "/v1/reports/events", "/v1/reports/roll-rates",
                     "/v1/ledger/check", "/healthz", "/readyz", "/metrics", "/docs"):
            assert client.get(path, headers=staff).status_code == 200, path
        assert client.get("/v1/borrowers", headers={"Authorization": "Bearer " + planned[0].phone}).status_code == 401
    text = logs.getvalue()
    assert text.count('"logger": "loanbook.access"') >= 12 * 14, text[:2000]  # every request made a line
    for borrower in planned:
        digits = "".join(c for c in borrower.phone if c.isdigit())
        for secret in (borrower.name, borrower.phone, digits, digits[-8:]):
            assert secret not in text, f"{secret!r} is in the log"
    for token in secrets:
        assert token not in text and token[:16] not in text, "a token is in the log"

"""Schemathesis against the API (issue 6): requests generated from the OpenAPI document,
valid and invalid, sent with an admin token and with a borrower's token to the app on a
book with borrowers and loans, on SQLite and PostgreSQL. No response may be a 500, and every response must fit
the document (status code documented, content type, body schema).

Bounded and repeatable: a fixed number of examples per operation, derandomized (the
same requests on every run), no deadline (the machine is shared). A deeper, random run:
``LOANBOOK_SCHEMATHESIS_EXAMPLES=500 pytest tests/test_schemathesis.py``."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from databases import POSTGRES_URL, postgres_missing
from loanbook.api.app import create_app
from loanbook.service import servicing
from loanbook.service.close_of_business import close_until
from loanbook.service.setup import init_database
from loanbook.service.users import add_user
from loanbook.store.database import make_engine
from loanbook.store.scratch import scratch_engine
from loanbook.store.unit_of_work import UnitOfWork

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")

DEEPER = os.environ.get("LOANBOOK_SCHEMATHESIS_EXAMPLES", "")
EXAMPLES_PER_OPERATION = int(DEEPER) if DEEPER.isdigit() else 30
FIRST_DAY = date(2026, 1, 15)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _book(engine) -> dict[str, str]:  # noqa: ANN001
    """Borrowers 1-3 with a loan each, a repayment, a day past the first due date; returns
    a token per caller: admin, and borrower 1 (whose token reaches only its own records)."""
    init_database(engine, business_date=FIRST_DAY)
    with UnitOfWork(engine) as uow:
        _, admin = add_user(uow, name="schemathesis", role="admin")
    for n in range(3):
        with UnitOfWork(engine) as uow:
            borrower_id = servicing.create_borrower(uow, name=f"borrower {n}", phone=f"1380000{n:04d}",
                                                    credit_limit=Decimal("50000.00")).borrower.id
        with UnitOfWork(engine) as uow:
            servicing.disburse_loan(uow, borrower_id=borrower_id, product_code="FLEX6", principal=Decimal("10000.00"),
                                    terms=6)
    close_until(engine, FIRST_DAY + timedelta(days=32))
    with UnitOfWork(engine) as uow:
        servicing.repay(uow, borrower_id=1, amount=Decimal("50.00"))
    with UnitOfWork(engine) as uow:
        _, borrower = add_user(uow, name="borrower 1", role="borrower", borrower_id=1)
    return {"admin": admin, "borrower": borrower}


class _ServedApp:
    """The ASGI app schemathesis calls: the app of the database under test, set by the
    ``served`` fixture (schemathesis reads the OpenAPI document once, at import)."""

    def __init__(self) -> None:
        self.app = create_app(make_engine("sqlite://"))  # serves the document only; no database is touched

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        await self.app(scope, receive, send)


SERVED = _ServedApp()
schema = schemathesis.openapi.from_asgi("/openapi.json", SERVED)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request) -> Iterator[dict[str, str]]:
    """The API on a fresh book on each database, for the module; yields a token per caller."""
    url = "sqlite" if request.param == "sqlite" else POSTGRES_URL
    context = scratch_engine(url)
    try:
        engine = context.__enter__()
    except Exception as exc:  # noqa: BLE001 - any failure means: not reachable
        postgres_missing(f"{type(exc).__name__}: {str(exc).splitlines()[0]}", what="schemathesis")
    try:
        tokens = _book(engine)
        previous, SERVED.app = SERVED.app, create_app(engine)
        yield tokens
        SERVED.app = previous
    finally:
        context.__exit__(None, None, None)


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=not DEEPER, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck), database=None)
@pytest.mark.parametrize("caller", ["admin", "borrower"])
def test_no_500_and_every_response_fits_the_document(case, served, caller):
    case.call_and_validate(headers={"Authorization": f"Bearer {served[caller]}"}, checks=CHECKS)

"""The application factory: ``create_app(engine)``. No engine is made at import time.

    uvicorn --factory loanbook.api.app:create_app_from_environment   # LOANBOOK_DATABASE_URL
    loanbook serve                                                   # the same, one process
"""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from loanbook import __version__
from loanbook.api.errors import install_error_handlers
from loanbook.api.routes import borrowers, business_date, coupons, ledger, loans, payments, requests
from loanbook.store.database import make_engine

DESCRIPTION = """\
Loan servicing, exact to the fen. Amounts are strings with 2 decimals, dates ISO.
Authenticate with `Authorization: Bearer <token>` (`loanbook user add`). Every POST that
moves money needs an `Idempotency-Key` header: the same key and body replays the first
response (`Idempotent-Replayed: true`). Errors are `{"error": {"code", "message"}}`.
"""


def create_app(engine: Engine) -> FastAPI:
    app = FastAPI(title="loanbook", version=__version__, description=DESCRIPTION, docs_url="/docs")
    app.state.engine = engine
    install_error_handlers(app)
    for module in (borrowers, loans, payments, business_date, ledger, requests, coupons):
        app.include_router(module.routes)
    return app


def create_app_from_environment() -> FastAPI:
    """For ``uvicorn --factory`` with several workers: each worker makes its own engine."""
    return create_app(make_engine())

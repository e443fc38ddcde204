"""The application factory: ``create_app(engine)``. No engine is made at import time.

    uvicorn --factory loanbook.api.app:create_app_from_environment   # LOANBOOK_DATABASE_URL
    loanbook serve                                                   # the same, one process
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from sqlalchemy import Engine

from loanbook import __version__
from loanbook.api.errors import install_error_handlers
from loanbook.api.guards import BODY_BYTES_MAX, BODY_SECONDS, REQUEST_SECONDS, RequestGuard
from loanbook.api.idempotency import HEADER, required_key
from loanbook.api.observability import Metrics, Observability, configure_logging
from loanbook.api.routes import (
    borrowers,
    bureau,
    business_date,
    collections,
    coupons,
    ledger,
    lists,
    loans,
    operations,
    partners,
    payments,
    reports,
    requests,
)

ROUTE_MODULES = (
    borrowers,
    loans,
    payments,
    business_date,
    ledger,
    requests,
    coupons,
    lists,
    reports,
    bureau,
    partners,
    collections,
)
from loanbook.store.database import database_url, make_engine, sqlite_path
from loanbook.web.app import install_web

DESCRIPTION = """\
Loan servicing, exact to the fen. Amounts are strings of ASCII digits with at most 2
decimals ("130.00"; no commas, spaces or exponent), dates ISO strings (YYYY-MM-DD), whole
numbers JSON integers. Authenticate with `Authorization: Bearer <token>` (`loanbook user
add`). Every POST that moves money needs an `Idempotency-Key` header: the same key and
body replays the first response (`Idempotent-Replayed: true`). Errors are
`{"error": {"code", "message"}}`; a body above 64 KiB is 413; a database that cannot
serve is 503 (with `Retry-After` where it may recover).
"""


def create_app(engine: Engine, *, body_bytes_max: int = BODY_BYTES_MAX, body_seconds: float = BODY_SECONDS,
               request_seconds: float = REQUEST_SECONDS) -> FastAPI:
    # /docs and /redoc are served by routes/operations.py from files in the package: no CDN.
    app = FastAPI(title="loanbook", version=__version__, description=DESCRIPTION, docs_url=None, redoc_url=None)
    app.state.engine = engine
    app.state.metrics = Metrics(engine)
    install_error_handlers(app)
    for module in ROUTE_MODULES:
        app.include_router(module.routes)
    app.include_router(operations.routes)
    app.mount(operations.STATIC_PREFIX, operations.static_files(), name="static")
    install_web(app)  # the web pages (/login, /app, /admin), over the same services
    app.add_middleware(RequestGuard, body_bytes_max=body_bytes_max, body_seconds=body_seconds,  # type: ignore[arg-type]
                       request_seconds=request_seconds)
    app.add_middleware(Observability, metrics=app.state.metrics)  # type: ignore[arg-type] - outermost: sees every answer
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated document, with Idempotency-Key marked required where the server
    requires it (the dependency takes it as optional so that its absence is answered
    with a message saying what to send, 400 ``idempotency_key_missing``)."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        for route in (r for module in ROUTE_MODULES for r in module.routes.routes):
            if isinstance(route, APIRoute) and _needs_key(route):
                for method in route.methods:
                    for parameter in schema["paths"][route.path_format][method.lower()].get("parameters", []):
                        if parameter["in"] == "header" and parameter["name"] == HEADER:
                            parameter["required"] = True
                            parameter["schema"] = {"type": "string", "minLength": 1, "maxLength": 200,
                                                   "title": HEADER}
        app.openapi_schema = schema
    return app.openapi_schema


def _needs_key(route: APIRoute) -> bool:
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        if dependency.call is required_key:
            return True
        pending.extend(dependency.dependencies)
    return False


def create_app_from_environment() -> FastAPI:
    """For ``uvicorn --factory`` with several workers: each worker makes its own engine."""
    configure_logging()
    return create_app(make_engine(existing_database_url(database_url())))


def existing_database_url(url: str) -> str:
    """A SQLite file that does not exist is opened so that it stays so (``mode=rw``):
    requests then get 503 ``database_missing``, rather than SQLite making an empty file
    at a mistyped path (issue 11: no file created as a side effect)."""
    path = sqlite_path(url)
    if path is None or path.exists() or str(path) in ("", ":memory:") or "?" in url:
        return url
    return f"sqlite:///file:{quote(str(path))}?mode=rw&uri=true"

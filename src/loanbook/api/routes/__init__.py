"""The routes, one module per resource. Each route's dependencies check who may call it
(deps.py) before anything else; the route parses, calls one service function and
renders its result."""

from __future__ import annotations

from fastapi import APIRouter

from loanbook.api.exact_json import ExactJsonRoute
from loanbook.api.schemas import ErrorEnvelope

ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorEnvelope, "description": "No bearer token, or one that is not valid."},
    403: {"model": ErrorEnvelope, "description": "The token's role may not do this."},
    404: {"model": ErrorEnvelope, "description": "No such borrower or loan; to a borrower token, a record of another "
                                               "borrower gets the very same answer."},
    413: {"model": ErrorEnvelope, "description": "The body is larger than the API takes (64 KiB)."},
    422: {"model": ErrorEnvelope, "description": "Bad input (bad_input) or a rule refuses it (refused)."},
    503: {"model": ErrorEnvelope, "description": "The database is read-only, full, unreachable or not initialised, "
                                               "or the request took too long; Retry-After says when to ask again "
                                               "where it may recover."},
}
MONEY_RESPONSES: dict[int | str, dict[str, object]] = {
    **ERROR_RESPONSES,
    400: {"model": ErrorEnvelope, "description": "No Idempotency-Key header, or a malformed one."},
    409: {"model": ErrorEnvelope, "description": "The books moved on (ask again), or the same key is still running."},
}


def router(prefix: str, tag: str) -> APIRouter:
    return APIRouter(prefix=prefix, tags=[tag], route_class=ExactJsonRoute, responses=ERROR_RESPONSES)

"""The routes, one module per resource. Each route checks who may call it, parses,
calls one service function and renders its result."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from loanbook.api.exact_json import ExactJsonRoute
from loanbook.api.schemas import ID_MAX, ErrorEnvelope

ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorEnvelope, "description": "No bearer token, or one that is not valid."},
    403: {"model": ErrorEnvelope, "description": "The token's role may not do this."},
    404: {"model": ErrorEnvelope, "description": "No such borrower or loan."},
    422: {"model": ErrorEnvelope, "description": "Bad input (bad_input) or a rule refuses it (refused)."},
}
MONEY_RESPONSES: dict[int | str, dict[str, object]] = {
    **ERROR_RESPONSES,
    400: {"model": ErrorEnvelope, "description": "No Idempotency-Key header, or a malformed one."},
    409: {"model": ErrorEnvelope, "description": "The books moved on (ask again), or the same key is still running."},
}

BorrowerId = Annotated[int, Path(ge=1, le=ID_MAX, description="A borrower's id.")]
LoanId = Annotated[int, Path(ge=1, le=ID_MAX, description="A loan's id.")]


def router(prefix: str, tag: str) -> APIRouter:
    return APIRouter(prefix=prefix, tags=[tag], route_class=ExactJsonRoute, responses=ERROR_RESPONSES)

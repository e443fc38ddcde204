"""Domain errors to HTTP, in one place.

Every error the API sends is ``{"error": {"code": ..., "message": ...}}`` with a message
a person can act on; a request that failed validation adds ``fields``, one entry per
field at fault. Never a stack trace.

    LoanbookError (errors.py)          status  code
    ├── BadInput                        422     bad_input
    │   └── NotFound                    404     not_found
    ├── RuleRefusal                     422     refused
    │   └── Conflict                    409     conflict
    ├── AccessDenied                    401     unauthenticated  (no or unknown token)
    │                                   403     forbidden        (a token that may not)
    └── InvariantBroken                 500     internal_error
    ApiError (here: HTTP-level)         400/409/422, its own code (idempotency keys)
    RequestValidationError (Pydantic)   422     bad_input, naming each field
    anything else                       500     internal_error
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from loanbook.errors import AccessDenied, BadInput, Conflict, InvariantBroken, LoanbookError, NotFound, RuleRefusal

log = logging.getLogger("loanbook.api")

JSON = "application/json"
FIELD_ERRORS_MAX = 20  # a body with more faults than this gets the first ones listed

# Most specific first: NotFound is a BadInput, Conflict a RuleRefusal.
STATUS_BY_ERROR: tuple[tuple[type[LoanbookError], int, str], ...] = (
    (NotFound, 404, "not_found"),
    (BadInput, 422, "bad_input"),
    (Conflict, 409, "conflict"),
    (RuleRefusal, 422, "refused"),
)


class ApiError(Exception):
    """An HTTP-level refusal that is no rule of the books (a missing Idempotency-Key)."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True, slots=True)
class ErrorReply:
    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)
    fields: tuple[dict[str, str], ...] = ()

    @property
    def final(self) -> bool:
        """Whether asking again with the same request gets the same answer: a refusal of
        the input is final; a conflict ("ask again") or a server fault is not, so an
        idempotency key is released for them rather than replaying them."""
        return self.status < 500 and self.status != 409

    def text(self) -> str:
        error: dict[str, object] = {"code": self.code, "message": self.message}
        if self.fields:
            error["fields"] = list(self.fields)
        return json.dumps({"error": error}, ensure_ascii=False)

    def response(self) -> Response:
        return Response(self.text(), status_code=self.status, media_type=JSON, headers=self.headers)


def reply_for(exc: Exception) -> ErrorReply:
    """The one mapping from an exception to what the client is told."""
    if isinstance(exc, ApiError):
        return ErrorReply(exc.status, exc.code, exc.message, exc.headers)
    if isinstance(exc, AccessDenied):
        if exc.unauthenticated:
            return ErrorReply(401, "unauthenticated", str(exc), {"WWW-Authenticate": "Bearer"})
        return ErrorReply(403, "forbidden", str(exc))
    if isinstance(exc, InvariantBroken):
        log.error("invariant broken: %s", exc)
        return ErrorReply(500, "internal_error", f"loanbook caught itself in an impossible state and changed nothing "
                                                 f"(a defect, please report it): {exc}")
    for error_type, status, code in STATUS_BY_ERROR:
        if isinstance(exc, error_type):
            return ErrorReply(status, code, str(exc))
    if isinstance(exc, LoanbookError):
        return ErrorReply(422, "bad_input", str(exc))
    log.exception("unexpected error", exc_info=exc)
    return ErrorReply(500, "internal_error", "the request failed on an unexpected error; it has been logged, please report it")


def _field_name(loc: tuple[object, ...]) -> tuple[str, str]:
    """(where, name): ("body", "amount"), ("path", "borrower_id"), ("body", "loan_ids.0")."""
    where = str(loc[0]) if loc else "body"
    rest = [str(part) for part in loc[1:]]
    return where, ".".join(rest) if rest else where


def validation_reply(exc: RequestValidationError) -> ErrorReply:
    fields = []
    for error in exc.errors()[:FIELD_ERRORS_MAX]:
        where, name = _field_name(tuple(error.get("loc", ())))
        if error.get("type") == "json_invalid":
            detail = (error.get("ctx") or {}).get("error", "not valid JSON")
            fields.append({"field": "body", "in": "body", "message": f"the body is not valid JSON: {detail}"})
            continue
        message = str(error.get("msg", "is not valid"))
        fields.append({"field": name, "in": where, "message": message})
    summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields) or "the request is not valid"
    return ErrorReply(422, "bad_input", summary, fields=tuple(fields))


def http_reply(request: Request, exc: StarletteHTTPException) -> ErrorReply:
    if exc.status_code == 404:
        return ErrorReply(404, "not_found", f"no such endpoint: {request.method} {request.url.path} (see /docs)")
    if exc.status_code == 405:
        return ErrorReply(405, "method_not_allowed", f"{request.method} is not allowed on {request.url.path} (see /docs)",
                          dict(exc.headers or {}))
    return ErrorReply(exc.status_code, "http_error", str(exc.detail), dict(exc.headers or {}))


def install_error_handlers(app: FastAPI) -> None:
    async def on_loanbook(_request: Request, exc: Exception) -> Response:
        return reply_for(exc).response()

    async def on_validation(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return validation_reply(exc).response()

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return http_reply(request, exc).response()

    app.add_exception_handler(LoanbookError, on_loanbook)
    app.add_exception_handler(ApiError, on_loanbook)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_loanbook)  # the last resort: 500, no trace to the client

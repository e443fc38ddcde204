"""Domain errors to HTTP, in one place.

Every error the API sends is ``{"error": {"code": ..., "message": ...}}`` with a message
a person can act on; a request that failed validation adds ``fields``, one entry per
field at fault. Never a stack trace.

    LoanbookError (errors.py)          status  code
    ├── BadInput                        422     bad_input
    │   └── NotFound                    404     not_found
    ├── RuleRefusal                     422     refused
    │   ├── Conflict                    409     conflict
    │   └── ContactRefused              422     contact_refused (R16 guards)
    ├── AccessDenied                    401     unauthenticated  (no or unknown token)
    │                                   403     forbidden        (a token that may not)
    └── InvariantBroken                 500     internal_error
    ApiError (here: HTTP-level)         400/408/409/413/422/503, its own code
    RequestValidationError (Pydantic)   422     bad_input, naming each field in plain words
    a database that cannot serve        503     database_* (see database_reply), with
                                                Retry-After where it may recover
    anything else                       500     internal_error

One log line per error the server is at fault for (500, 503); none for a refusal of the
client's input.
"""

from __future__ import annotations

import json
import logging
import traceback
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from loanbook.errors import AccessDenied, BadInput, Conflict, ContactRefused, InvariantBroken, LoanbookError, NotFound, RuleRefusal, Unavailable

log = logging.getLogger("loanbook.api")

JSON = "application/json"
FIELD_ERRORS_MAX = 20  # a body with more faults than this gets the first ones listed

# Most specific first: NotFound is a BadInput, Conflict a RuleRefusal.
STATUS_BY_ERROR: tuple[tuple[type[LoanbookError], int, str], ...] = (
    (NotFound, 404, "not_found"),
    (BadInput, 422, "bad_input"),
    (Conflict, 409, "conflict"),
    (ContactRefused, 422, "contact_refused"),
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
        text = json.dumps({"error": error}, ensure_ascii=False)
        try:
            text.encode()
        except UnicodeEncodeError:  # a lone surrogate echoed from the input: escape it
            text = json.dumps({"error": error}, ensure_ascii=True)
        return text

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
        _log_fault("invariant broken", exc)
        return ErrorReply(500, "internal_error", f"loanbook caught itself in an impossible state and changed nothing "
                                                 f"(a defect, please report it): {exc}")
    for error_type, status, code in STATUS_BY_ERROR:
        if isinstance(exc, error_type):
            return ErrorReply(status, code, str(exc))
    if isinstance(exc, Unavailable):  # the database cannot be reached now: waiting may mend it
        return ErrorReply(503, "database_unavailable", "the database cannot be reached now; nothing was changed, "
                                                       "try again in a moment", {"Retry-After": "5"})
    if isinstance(exc, LoanbookError):
        return ErrorReply(422, "bad_input", str(exc))
    database = database_reply(exc)
    if database is not None:
        return database
    _log_fault("unexpected error", exc)
    return ErrorReply(500, "internal_error", "the request failed on an unexpected error; it has been logged, please report it")


def _log_fault(what: str, exc: BaseException) -> None:
    """One line per fault: what, the exception, and where it was raised. The whole trace
    goes to DEBUG, for whoever turns it on."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    first_line = (str(exc).splitlines() or [""])[0]
    log.error("%s: %s: %s%s", what, type(exc).__name__, first_line, where)
    log.debug("%s: trace", what, exc_info=exc)


# What the database says, recognised by PostgreSQL's SQLSTATE or words of SQLite's
# message, to what the client is told (always 503): (SQLSTATEs, message words, code,
# message, Retry-After seconds or None where waiting does not mend it).
RETRY_SOON, RETRY_LATER = 5, 60
_DATABASE_FAULTS: tuple[tuple[tuple[str, ...], tuple[str, ...], str, str, int | None], ...] = (
    (("42P01",), ("no such table",), "database_not_initialised",
     "the database has no loanbook tables: it was never initialised; run `loanbook init` on it first", None),
    (("42703",), ("no such column", "has no column named"), "database_outdated",
     "the database's schema is older than this loanbook: run `loanbook init` on it to upgrade it", None),
    (("3D000",), ("unable to open database file",), "database_missing",
     "the database does not exist or cannot be opened; check LOANBOOK_DATABASE_URL, then run `loanbook init`", None),
    (("25006",), ("readonly database", "read-only"), "database_read_only",
     "the database is read-only just now, so nothing was changed; try again later", RETRY_LATER),
    (("53100", "53200"), ("database or disk is full", "disk is full"), "database_full",
     "the database's disk is full, so nothing was changed; try again later", RETRY_LATER),
    (("55P03", "40P01", "40001", "57014"), ("database is locked",), "database_busy",
     "the database is busy; nothing was changed, try again in a moment", RETRY_SOON),
    ((), ("disk i/o error",), "database_unavailable",
     "the database cannot be read or written just now; nothing was changed, try again in a moment", RETRY_SOON),
)


def database_reply(exc: BaseException) -> ErrorReply | None:
    """503 for a database that cannot serve: read-only, full, unreachable, missing or
    never initialised; None for anything else (a defect: 500). The client's message names
    no host, path or password; the log line says what the driver said."""
    if isinstance(exc, PoolTimeout):
        log.warning("database busy: no connection free in the pool")
        return ErrorReply(503, "database_busy", "the database is busy; nothing was changed, try again in a moment",
                          {"Retry-After": str(RETRY_SOON)})
    if not isinstance(exc, DBAPIError):
        return None
    cause = exc.orig if exc.orig is not None else exc
    sqlstate = getattr(cause, "sqlstate", None) or ""
    said = (str(cause).splitlines() or [""])[0]
    for states, phrases, code, message, retry in _DATABASE_FAULTS:
        if sqlstate in states or any(phrase in said.lower() for phrase in phrases):
            log.warning("%s: %s", code, said)
            return ErrorReply(503, code, message, {"Retry-After": str(retry)} if retry else {})
    driver = type(cause).__module__.split(".")[0]
    lost = exc.connection_invalidated or sqlstate[:2] in ("08", "57")
    if lost or (driver == "psycopg" and type(cause).__name__ == "OperationalError" and not sqlstate):
        log.warning("database_unavailable: %s", said)
        return ErrorReply(503, "database_unavailable",
                          "the database cannot be reached just now; nothing was changed, try again in a moment",
                          {"Retry-After": str(RETRY_SOON)})
    return None


def _field_name(loc: tuple[object, ...]) -> tuple[str, str]:
    """(where, name): ("body", "amount"), ("path", "borrower_id"), ("body", "loan_ids.0")."""
    where = str(loc[0]) if loc else "body"
    rest = [str(part) for part in loc[1:]]
    return where, ".".join(rest) if rest else where


# Pydantic's error types in plain words: no library jargon ("at least 1 item", "Input
# should be"). ``{...}`` are filled from the error's context.
PLAIN_WORDS: dict[str, str] = {
    "missing": "is required",
    "extra_forbidden": "is not a field of this request",
    "int_type": "must be a whole number written as a JSON integer, like 6 (not \"6\", not 6.0)",
    "int_from_float": "must be a whole number written as a JSON integer, like 6 (not 6.0)",
    "int_parsing": "must be a whole number, like 6",
    "int_parsing_size": "is too large a number",
    "greater_than_equal": "must be {ge} or more",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be {le} or less",
    "less_than": "must be less than {lt}",
    "string_type": "must be text in double quotes",
    "string_too_short": "must not be empty",
    "string_too_long": "must be at most {max_length} characters long",
    "list_type": "must be a list, like [1, 2]",
    "too_short": "must not be empty",
    "too_long": "must have at most {max_length} entries",
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
    "date_type": "must be a date written as a string YYYY-MM-DD, like 2026-02-10",
    "date_parsing": "must be a date written as a string YYYY-MM-DD, like 2026-02-10",
    "date_from_datetime_parsing": "must be a date written as a string YYYY-MM-DD, like 2026-02-10",
    "model_type": "must be a JSON object, like {{\"amount\": \"130.00\"}}",
    "model_attributes_type": "must be a JSON object, like {{\"amount\": \"130.00\"}}",
    "dict_type": "must be a JSON object",
    "bool_type": "must be true or false",
    "string_unicode": "must be valid Unicode text",
}


def plain_words(error: dict[str, object]) -> str:
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    if kind == "value_error":  # our own validators' words (schemas.py), without the prefix
        return str(context.get("error", error.get("msg", "is not valid")))  # type: ignore[union-attr]
    template = PLAIN_WORDS.get(kind)
    if template is None:
        return "is not valid"
    try:
        return template.format(**context)  # type: ignore[arg-type]
    except (KeyError, IndexError, ValueError):
        return template


def validation_reply(exc: RequestValidationError) -> ErrorReply:
    fields = []
    for error in exc.errors()[:FIELD_ERRORS_MAX]:
        where, name = _field_name(tuple(error.get("loc", ())))
        if error.get("type") == "json_invalid":
            detail = (error.get("ctx") or {}).get("error", "not valid JSON")
            fields.append({"field": "body", "in": "body", "message": f"the body is not valid JSON: {detail}"})
            continue
        if where == "body" and name == "body":
            fields.append({"field": "body", "in": "body", "message": "the body " + plain_words(error)})
            continue
        fields.append({"field": name, "in": where, "message": plain_words(error)})
    summary = "; ".join(f"{f['field']} {f['message']}" if f["field"] != "body" else f["message"] for f in fields)
    return ErrorReply(422, "bad_input", summary or "the request is not valid", fields=tuple(fields))


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
    # Anything else is answered by guards.RequestGuard (500 or 503), not by a handler for
    # Exception: Starlette's ServerErrorMiddleware, which runs such a handler, raises the
    # exception again, and uvicorn then logs it a second time and closes the kept-alive
    # connection.

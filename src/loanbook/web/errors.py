"""Error pages: the same status and message as the API's errors (api/errors.reply_for),
as a page in the visitor's language, for the paths of the web pages only; the API keeps
its JSON errors. No sign-in: a redirect to /login that comes back after."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from loanbook.api.errors import ApiError, ErrorReply, http_reply, reply_for, validation_reply
from loanbook.errors import LoanbookError
from loanbook.web.render import render
from loanbook.web.session import SignInRequired, login_url

# The paths served as pages; the back office adds its own prefix with add_web_prefix.
WEB_PREFIXES: list[str] = ["/app", "/admin", "/login", "/logout", "/lang"]


def add_web_prefix(prefix: str) -> None:
    if prefix not in WEB_PREFIXES:
        WEB_PREFIXES.append(prefix)


def is_web_path(path: str) -> bool:
    return path == "/" or any(path == p or path.startswith(p + "/") for p in WEB_PREFIXES)


def error_page(request: Request, reply: ErrorReply) -> Response:
    headers = {k: v for k, v in reply.headers.items() if k != "WWW-Authenticate"}
    return render(request, "error.html", {"status": reply.status, "message": reply.message,
                                          "fields": reply.fields}, status_code=reply.status, headers=headers)


def _http_page_reply(request: Request, exc: StarletteHTTPException) -> ErrorReply:
    if exc.status_code == 404:
        return ErrorReply(404, "not_found", f"there is no page at {request.url.path}")
    return http_reply(request, exc)


def install_error_pages(app: FastAPI) -> None:
    """Wraps the API's handlers (installed first by api/errors.install_error_handlers):
    a page for a web path, the API's answer for any other."""
    api_handlers = dict(app.exception_handlers)

    def wrap(kind: type[Exception], reply_of):  # type: ignore[no-untyped-def]
        api_handler = api_handlers[kind]

        async def handle(request: Request, exc: Exception) -> Response:
            if is_web_path(request.url.path):
                return error_page(request, reply_of(request, exc))
            return await api_handler(request, exc)

        app.add_exception_handler(kind, handle)

    wrap(LoanbookError, lambda _request, exc: reply_for(exc))
    wrap(ApiError, lambda _request, exc: reply_for(exc))
    wrap(RequestValidationError, lambda _request, exc: validation_reply(exc))
    wrap(StarletteHTTPException, _http_page_reply)

    async def on_sign_in_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        return RedirectResponse(login_url(exc.back_to), status_code=303)

    app.add_exception_handler(SignInRequired, on_sign_in_required)

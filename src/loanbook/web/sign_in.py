"""/login, /logout, /lang/{code} and /: signing in and out, choosing the language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from loanbook.errors import AccessDenied
from loanbook.service.sign_in import sign_in, sign_out
from loanbook.store.unit_of_work import UnitOfWork
from loanbook.web import i18n
from loanbook.web.csrf import CheckedForm, checked_login_form, new_login_token, set_login_cookie
from loanbook.web.render import render
from loanbook.web.session import (
    COOKIE,
    clear_session_cookie,
    current_session,
    home_of,
    now,
    safe_next,
    safe_path,
    set_session_cookie,
)

routes = APIRouter(include_in_schema=False)
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


def _login_page(request: Request, *, back_to: str, username: str = "", refused: bool = False) -> Response:
    token = new_login_token()
    response = render(request, "login.html", {"login_token": token, "next": back_to, "username": username,
                                              "refused": refused}, status_code=401 if refused else 200)
    set_login_cookie(response, token)
    return response


@routes.get("/")
def start(request: Request) -> Response:
    session = current_session(request)
    return RedirectResponse(home_of(session.user.role) if session else "/login", status_code=303)


@routes.get("/login")
def login_form(request: Request, next: str = "") -> Response:  # noqa: A002 - the query parameter's name
    session = current_session(request)
    if session is not None:
        return RedirectResponse(safe_next(next, session.user.role), status_code=303)
    return _login_page(request, back_to=next)


@routes.post("/login")
def login(request: Request, form: Annotated[FormData, Depends(checked_login_form)]) -> Response:
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    back_to = str(form.get("next") or "")
    try:
        with UnitOfWork(request.app.state.engine) as uow:
            signed = sign_in(uow, username, password, now=now())
    except AccessDenied:
        return _login_page(request, back_to=back_to, username=username, refused=True)
    response = RedirectResponse(safe_next(back_to, signed.user.role), status_code=303)
    set_session_cookie(response, signed)
    return response


@routes.post("/logout")
def logout(request: Request, _form: CheckedForm) -> Response:
    with UnitOfWork(request.app.state.engine) as uow:
        sign_out(uow, request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response)
    return response


@routes.get("/lang/{language}")
def choose_language(language: str, next: str = "/") -> Response:  # noqa: A002
    """A GET that changes only the visitor's own cookie (no data): safe without CSRF."""
    chosen = language if language in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE
    response = RedirectResponse(safe_path(next) or "/", status_code=303)
    response.set_cookie(i18n.COOKIE, chosen, max_age=LANGUAGE_COOKIE_SECONDS, samesite="lax", path="/")
    return response

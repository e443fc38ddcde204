"""CSRF protection of every POST form of the web pages.

A signed-in user's forms carry the session's own CSRF token (service/sign_in.py), in a
hidden field ``csrf_token`` that another site cannot read; a POST whose field is missing
or differs is refused (the 403 page) before anything is done. The sign-in form, made
before there is a session, uses a double-submit token instead: a random value both in an
HttpOnly, SameSite=Strict cookie and in the form, which must agree.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from loanbook.errors import AccessDenied
from loanbook.web.session import SignedInDep, secure_cookies

FIELD = "csrf_token"
LOGIN_COOKIE = "loanbook_login_csrf"


class CsrfRefused(AccessDenied):
    """A POST form without the right CSRF token: nothing was done."""

    def __init__(self) -> None:
        super().__init__("the form was stale or not from this site, so nothing was changed; reload the page and try again")


def _same(given: object, expected: str) -> bool:
    return isinstance(given, str) and bool(expected) and secrets.compare_digest(given.encode(), expected.encode())


async def checked_form(request: Request, session: SignedInDep) -> FormData:
    """The POSTed form of a signed-in user, once its CSRF token is the session's."""
    form = await request.form()
    if not _same(form.get(FIELD), session.csrf_token):
        raise CsrfRefused()
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]


def new_login_token() -> str:
    return secrets.token_urlsafe(32)


def set_login_cookie(response: Response, token: str) -> None:
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", secure=secure_cookies(), path="/login")


async def checked_login_form(request: Request) -> FormData:
    """The sign-in form, once its token agrees with the cookie set when it was shown."""
    form = await request.form()
    if not _same(form.get(FIELD), request.cookies.get(LOGIN_COOKIE, "")):
        raise CsrfRefused()
    return form


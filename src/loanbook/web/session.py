"""Sign-in sessions of the web pages: the cookie, the signed-in user, the role check.

The cookie holds the session's token (service/sign_in.py keeps only its SHA-256): HttpOnly
(no script reads it), SameSite=Lax (another site's form posts arrive without it) and
Secure when ``LOANBOOK_WEB_SECURE_COOKIE=1`` (set it wherever the pages are served over
HTTPS). Bearer tokens keep working for the API: nothing here reads them.

For the routes of the pages:

    SignedInDep                 the signed-in user's session; else a redirect to /login
    Depends(role_in(ROLES))     the same, and the 403 page for any other role
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import Response

from loanbook.api.deps import ADMIN, BORROWER, OPERATOR, REVIEWER
from loanbook.errors import AccessDenied
from loanbook.service.sign_in import Session, SignedIn, session_of
from loanbook.store.unit_of_work import UnitOfWork

COOKIE = "loanbook_session"
SECURE_SETTING = "LOANBOOK_WEB_SECURE_COOKIE"
STAFF = frozenset({ADMIN, OPERATOR, REVIEWER})
BORROWERS = frozenset({BORROWER})


class SignInRequired(Exception):
    """No valid session: answered by a redirect to /login that comes back here after."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


def now() -> datetime:
    """The edge reads the clock (UTC, naive as stored); the services never do."""
    return datetime.now(UTC).replace(tzinfo=None)


def secure_cookies() -> bool:
    return os.environ.get(SECURE_SETTING, "") == "1"


def current_session(request: Request) -> Session | None:
    """The session of the request's cookie, looked up once per request (a unit of work
    of its own that ends here), or None."""
    if not hasattr(request.state, "web_session"):
        token = request.cookies.get(COOKIE)
        session = None
        if token:
            with UnitOfWork(request.app.state.engine) as uow:
                session = session_of(uow, token, now=now())
        request.state.web_session = session
    return request.state.web_session


def signed_in(request: Request) -> Session:
    session = current_session(request)
    if session is None:
        back_to = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(back_to)
    return session


SignedInDep = Annotated[Session, Depends(signed_in)]


def role_in(roles: frozenset[str]) -> Callable[[Session], Session]:
    """A dependency: the signed-in session once its user's role is one of ``roles``;
    another role gets the 403 page (web/errors.py) with a message naming what it needs."""

    def check(session: SignedInDep) -> Session:
        if session.user.role not in roles:
            needed = " or ".join(sorted(roles))
            raise AccessDenied(f"these pages are for {needed}; you are signed in as a {session.user.role}")
        return session

    check.__name__ = f"role_in_{'_'.join(sorted(roles))}"
    return check


def home_of(role: str) -> str:
    """Where a user lands after signing in."""
    return "/app" if role == BORROWER else "/admin"


def login_url(back_to: str) -> str:
    return f"/login?next={quote(back_to, safe='/')}"


def safe_path(back_to: str | None) -> str | None:
    """``back_to`` if it is a path on this site, else None: never ``//host``, ``/\\host``,
    ``https://host``, nor anything with a control character or a space, which browsers
    drop from a URL (``/<tab>/host`` is ``//host`` to them): no open redirect."""
    if (back_to and back_to.startswith("/") and not back_to.startswith("//") and "\\" not in back_to
            and back_to.isprintable() and not any(ch.isspace() for ch in back_to)):
        return back_to
    return None


def safe_next(back_to: str | None, role: str) -> str:
    return safe_path(back_to) or home_of(role)


def set_session_cookie(response: Response, signed: SignedIn) -> None:
    response.set_cookie(COOKIE, signed.session_token, max_age=int((signed.expires_at - now()).total_seconds()),
                        httponly=True, samesite="lax", secure=secure_cookies(), path="/")


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, httponly=True, samesite="lax", secure=secure_cookies(), path="/")

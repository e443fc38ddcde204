"""Web sign-in: passwords and sessions (the pages of ``loanbook.web``).

A password is kept only as an argon2id hash (argon2-cffi, its PHC string with salt and
parameters) in ``users.password_hash``; a user without one signs in with a bearer token
only. A sign-in makes a server-side session: 32 random bytes for the cookie, of which only
the SHA-256 is stored (as bearer tokens are), a CSRF token of its own, and an expiry. A
session of a revoked user, an expired session, or one ended by sign-out or a new password
opens nothing. The clock is read by the caller (``now``), never here.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from loanbook.errors import AccessDenied, Conflict
from loanbook.service.passwords import hash_password, needs_rehash, password_matches
from loanbook.service.users import User, find_user
from loanbook.store.unit_of_work import UnitOfWork

SESSION_BYTES = 32
SESSION_LIFETIME = timedelta(hours=12)
SIGN_IN_REFUSED = "that user name and password do not match a user who may sign in"


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A session just made: the cookie's token and the CSRF token, shown only now."""

    user: User
    session_token: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    csrf_token: str
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def set_password(uow: UnitOfWork, name: str, password: str) -> User:
    """Set or reset a user's web password; the user's open sessions end at once."""
    password_hash = hash_password(password)
    row = find_user(uow, name)
    if row.revoked_at is not None:
        raise Conflict(f"user {row.name!r} is revoked; add a new user instead")
    uow.users.set_password_hash(row.id, password_hash)
    uow.web_sessions.end_all_of(row.id)
    uow.commit()
    return User(row.id, row.name, row.role, row.borrower_id)


def sign_in(uow: UnitOfWork, name: str, password: str, *, now: datetime,
            lifetime: timedelta = SESSION_LIFETIME) -> SignedIn:
    """A new session for the user whose name and password match; one message for every
    refusal (unknown name, wrong password, no password set, revoked), naming none."""
    row = uow.users.by_name(name.strip()) if name.strip() else None
    matched = password_matches(row.password_hash if row is not None else None, password)
    if not matched or row is None or row.password_hash is None or row.revoked_at is not None:
        raise AccessDenied(SIGN_IN_REFUSED, unauthenticated=True)
    if needs_rehash(row.password_hash):  # the parameters were raised since it was set
        uow.users.set_password_hash(row.id, hash_password(password))
    uow.web_sessions.end_expired(now)
    session_token, csrf_token = secrets.token_urlsafe(SESSION_BYTES), secrets.token_urlsafe(SESSION_BYTES)
    expires_at = now + lifetime
    uow.web_sessions.add(token_sha256=_digest(session_token), user_id=row.id, csrf_token=csrf_token,
                         created_at=now, expires_at=expires_at)
    uow.commit()
    return SignedIn(User(row.id, row.name, row.role, row.borrower_id), session_token, csrf_token, expires_at)


def session_of(uow: UnitOfWork, session_token: str | None, *, now: datetime) -> Session | None:
    """The session of a cookie's token, or None: no such session, expired, or its user revoked."""
    if not session_token:
        return None
    found = uow.web_sessions.with_user(_digest(session_token))
    if found is None:
        return None
    session, user = found
    if session.expires_at <= now or user.revoked_at is not None:
        return None
    return Session(User(user.id, user.name, user.role, user.borrower_id), session.csrf_token, session.expires_at)


def sign_out(uow: UnitOfWork, session_token: str) -> None:
    uow.web_sessions.end(_digest(session_token))
    uow.commit()

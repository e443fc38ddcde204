"""Users and bearer tokens.

A token is 32 random bytes from ``secrets`` (256 bits, URL-safe base64), shown once;
only its SHA-256 (hex) is stored, in ``users.token_sha256``. A plain hash is enough for
a random token of that size: nothing can be guessed from it, and a database that leaks
gives no token that works. User names are unique (``loanbook user add`` refuses a name
in use). A revoked user keeps its row, so its bookings still say who made them, but its
token opens nothing; a rotated token replaces the old one at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError

from loanbook.errors import AccessDenied, BadInput, Conflict, NotFound
from loanbook.service.passwords import hash_password
from loanbook.store.values import StoredUser
from loanbook.store.unit_of_work import UnitOfWork

class Role(StrEnum):
    """Who a user is (``users.role``): staff who book, staff who check, or a borrower."""

    ADMIN = "admin"
    OPERATOR = "operator"
    REVIEWER = "reviewer"  # audit, finance: reads, and decides what others asked (maker-checker)
    BORROWER = "borrower"


ROLES = tuple(Role)
TOKEN_BYTES = 32
USER_NAME_MAX = 100  # characters: the users.name column (store/tables.py)


@dataclass(frozen=True, slots=True)
class User:
    user_id: int
    name: str
    role: str
    borrower_id: int | None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(uow: UnitOfWork, *, name: str, role: str, borrower_id: int | None = None,
             password: str | None = None) -> tuple[User, str]:
    """Create a user; returns it and its bearer token (shown only now). With a password,
    the user may also sign in to the web pages (service/sign_in.py)."""
    if role not in ROLES:
        raise BadInput(f"role {role!r} must be one of {', '.join(ROLES)}")
    if not name.strip():
        raise BadInput("a user needs a name")
    if len(name.strip()) > USER_NAME_MAX:
        raise BadInput(f"a user's name is at most {USER_NAME_MAX} characters; this one has {len(name.strip())}")
    if role == Role.BORROWER:
        if borrower_id is None:
            raise BadInput("a borrower user needs --borrower ID")
        if uow.borrowers.get(borrower_id) is None:
            raise NotFound(f"no borrower {borrower_id}")
    elif borrower_id is not None:
        raise BadInput("only a borrower user names a borrower")
    _refuse_name_in_use(uow, name.strip())
    password_hash = hash_password(password) if password is not None else None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    try:
        row = uow.users.add(name=name.strip(), role=role, borrower_id=borrower_id, token_sha256=_digest(token),
                            password_hash=password_hash)
        uow.commit()
    except IntegrityError:  # the same name, added at the same moment by another command
        uow.rollback()
        _refuse_name_in_use(uow, name.strip())
        raise
    return User(row.id, row.name, row.role, row.borrower_id), token


def _refuse_name_in_use(uow: UnitOfWork, name: str) -> None:
    other = uow.users.by_name(name)
    if other is not None:
        raise Conflict(f"a user named {name!r} exists already (user {other.id}); choose another name, or "
                       f"`loanbook user rotate {name}` for a new token")


@dataclass(frozen=True, slots=True)
class UserListed:
    user_id: int
    name: str
    role: str
    borrower_id: int | None
    revoked_at: datetime | None


def list_users(uow: UnitOfWork) -> list[UserListed]:
    return [UserListed(r.id, r.name, r.role, r.borrower_id, r.revoked_at) for r in uow.users.all()]


def find_user(uow: UnitOfWork, name: str) -> StoredUser:
    row = uow.users.by_name(name.strip())
    if row is None:
        raise NotFound(f"no user named {name!r} (`loanbook user list` shows them)")
    return row


def revoke_user(uow: UnitOfWork, name: str, *, now: datetime) -> User:
    """The user's token and web sessions stop working at once; the user stays, for the history."""
    row = find_user(uow, name)
    if row.revoked_at is not None:
        raise Conflict(f"user {row.name!r} was revoked already, at {row.revoked_at:%Y-%m-%d %H:%M}")
    uow.users.revoke(row.id, at=now)
    uow.web_sessions.end_all_of(row.id)
    uow.commit()
    return User(row.id, row.name, row.role, row.borrower_id)


def rotate_token(uow: UnitOfWork, name: str) -> tuple[User, str]:
    """A new token for the user, shown once; the old one stops working at once."""
    row = find_user(uow, name)
    if row.revoked_at is not None:
        raise Conflict(f"user {row.name!r} is revoked; add a new user instead")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    uow.users.set_token(row.id, _digest(token))
    uow.commit()
    return User(row.id, row.name, row.role, row.borrower_id), token


def authenticate(uow: UnitOfWork, token: str | None) -> User:
    if not token:
        raise AccessDenied("send a bearer token: Authorization: Bearer <token>", unauthenticated=True)
    row = uow.users.by_token(_digest(token))
    if row is None or row.revoked_at is not None:
        raise AccessDenied("that token is not valid", unauthenticated=True)
    return User(row.id, row.name, row.role, row.borrower_id)

"""Users and bearer tokens. A token is shown once; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from loanbook.errors import AccessDenied, BadInput, NotFound
from loanbook.store.unit_of_work import UnitOfWork

ROLES = ("admin", "operator", "reviewer", "borrower")
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


def add_user(uow: UnitOfWork, *, name: str, role: str, borrower_id: int | None = None) -> tuple[User, str]:
    """Create a user; returns it and its bearer token (shown only now)."""
    if role not in ROLES:
        raise BadInput(f"role {role!r} must be one of {', '.join(ROLES)}")
    if not name.strip():
        raise BadInput("a user needs a name")
    if len(name.strip()) > USER_NAME_MAX:
        raise BadInput(f"a user's name is at most {USER_NAME_MAX} characters; this one has {len(name.strip())}")
    if role == "borrower":
        if borrower_id is None:
            raise BadInput("a borrower user needs --borrower ID")
        if uow.borrowers.get(borrower_id) is None:
            raise NotFound(f"no borrower {borrower_id}")
    elif borrower_id is not None:
        raise BadInput("only a borrower user names a borrower")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = uow.users.add(name=name.strip(), role=role, borrower_id=borrower_id, token_sha256=_digest(token))
    uow.commit()
    return User(row.id, row.name, row.role, row.borrower_id), token


def authenticate(uow: UnitOfWork, token: str | None) -> User:
    if not token:
        raise AccessDenied("send a bearer token: Authorization: Bearer <token>", unauthenticated=True)
    row = uow.users.by_token(_digest(token))
    if row is None:
        raise AccessDenied("that token is not valid", unauthenticated=True)
    return User(row.id, row.name, row.role, row.borrower_id)

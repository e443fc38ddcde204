"""Typed dependencies of the routes, and who may do what.

Roles (service.users.ROLES):
- admin: everything;
- operator: borrowers, loans, repayments, payoffs, refunds, and every read;
- reviewer: reads only;
- borrower: its own borrower and that borrower's loans: the reads, repayments and
  payoffs; 403 for anything else.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from loanbook.errors import AccessDenied
from loanbook.service.users import User, authenticate
from loanbook.store.unit_of_work import UnitOfWork

ADMIN, OPERATOR, REVIEWER, BORROWER = "admin", "operator", "reviewer", "borrower"

# Who may call an endpoint. BORROWER in a policy means "a borrower token, on its own
# borrower only".
ADMIN_ONLY = frozenset({ADMIN})
STAFF_WRITE = frozenset({ADMIN, OPERATOR})
STAFF_READ = frozenset({ADMIN, OPERATOR, REVIEWER})
OWN_READ = STAFF_READ | {BORROWER}
OWN_PAYMENT = STAFF_WRITE | {BORROWER}

_bearer = HTTPBearer(auto_error=False, description="A token from `loanbook user add NAME --role ROLE`.")


async def get_engine(request: Request) -> Engine:
    """``async`` only because it does no I/O: a sync dependency costs a threadpool hop."""
    return request.app.state.engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def current_user(
    engine: EngineDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> User:
    """The user of the bearer token, in a unit of work of its own that ends here."""
    with UnitOfWork(engine) as uow:
        return authenticate(uow, credentials.credentials if credentials is not None else None)


CurrentUser = Annotated[User, Depends(current_user)]


def unit_of_work(engine: EngineDep) -> Iterator[UnitOfWork]:
    """A unit of work for one request's read; rolled back when the request ends."""
    with UnitOfWork(engine) as uow:
        yield uow


UowDep = Annotated[UnitOfWork, Depends(unit_of_work)]


def allow(user: User, roles: frozenset[str], *, borrower_id: int | None = None) -> None:
    """Refuse (403) unless ``user``'s role is in ``roles``; a borrower token passes only
    for its own ``borrower_id``."""
    if user.role in roles and user.role != BORROWER:
        return
    if user.role == BORROWER and BORROWER in roles:
        if borrower_id is not None and borrower_id == user.borrower_id:
            return
        raise AccessDenied(f"this token is borrower {user.borrower_id}'s and reaches only that borrower and its loans")
    if user.role == BORROWER:
        raise AccessDenied("a borrower token reaches only its own borrower's reads, repayments and payoffs")
    if user.role == REVIEWER:
        raise AccessDenied("a reviewer token may only read")
    needed = " or ".join(sorted(roles - {BORROWER}))
    raise AccessDenied(f"a {user.role} token may not do this; it needs {needed}")

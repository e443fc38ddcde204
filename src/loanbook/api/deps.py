"""Typed dependencies of the routes, and who may do what.

Roles (service.users.ROLES):
- admin: everything;
- operator: borrowers, loans, repayments, payoffs, refunds, and every read;
- reviewer: reads only;
- borrower: its own borrower and that borrower's loans: the reads, repayments and
  payoffs; 403 for anything else.

Access is checked here, in dependencies that run before the body is validated and before
any figure is computed: :func:`allowed` (the role), :func:`borrower_in_reach` and
:func:`loan_in_reach` (the role, then the record: a borrower gets the same 404 for
another borrower's record as for a missing one).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from loanbook.errors import AccessDenied, NotFound
from loanbook.service.users import Role, User, authenticate
from loanbook.store.unit_of_work import UnitOfWork

ADMIN, OPERATOR, REVIEWER, BORROWER = Role
ID_MAX = 2**63 - 1  # a BIGINT id
BorrowerId = Annotated[int, Path(ge=1, le=ID_MAX, description="A borrower's id.")]
LoanId = Annotated[int, Path(ge=1, le=ID_MAX, description="A loan's id.")]

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


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def current_user(engine: EngineDep, credentials: Credentials) -> User:
    """The user of the bearer token, in a unit of work of its own that ends here."""
    with UnitOfWork(engine, read_only=True) as uow:
        return authenticate(uow, _token(credentials))


def _token(credentials: HTTPAuthorizationCredentials | None) -> str | None:
    return credentials.credentials if credentials is not None else None


CurrentUser = Annotated[User, Depends(current_user)]


def unit_of_work(engine: EngineDep) -> Iterator[UnitOfWork]:
    """A unit of work for one request's read; rolled back when the request ends."""
    with UnitOfWork(engine) as uow:
        yield uow


UowDep = Annotated[UnitOfWork, Depends(unit_of_work)]


def _check_role(user: User, roles: frozenset[str]) -> None:
    """403 unless ``user``'s role is in ``roles``. Says nothing of any record: it depends
    on the role alone."""
    if user.role in roles:
        return
    if user.role == BORROWER:
        raise AccessDenied("a borrower token reaches only its own borrower's reads, repayments and payoffs")
    if user.role == REVIEWER:
        raise AccessDenied("a reviewer token may only read")
    needed = " or ".join(sorted(roles - {BORROWER}))
    raise AccessDenied(f"a {user.role} token may not do this; it needs {needed}")


def allowed(roles: frozenset[str]) -> Callable[[User], User]:
    """A dependency: the caller, once its role may call the endpoint (else 403)."""

    async def check(user: CurrentUser) -> User:  # no I/O: no threadpool hop
        _check_role(user, roles)
        return user

    check.__name__ = f"allowed_{'_'.join(sorted(roles))}"
    return check


@dataclass(frozen=True, slots=True)
class BorrowerInReach:
    """A borrower id the caller may act on: any for staff, its own for a borrower."""

    user: User
    borrower_id: int


@dataclass(frozen=True, slots=True)
class LoanInReach:
    user: User
    loan_id: int
    borrower_id: int


def borrower_in_reach(roles: frozenset[str]) -> Callable[..., BorrowerInReach]:
    """A dependency resolving ``{borrower_id}`` for the caller before any work: 403 for a
    role that may never call the endpoint, then, for a borrower token, the same 404 for
    another borrower's id as for an id that does not exist ("no borrower N"), so that
    ids cannot be probed. A staff token on a missing borrower gets that 404 from the
    service, in the same words."""

    async def resolve(borrower_id: BorrowerId, user: CurrentUser) -> BorrowerInReach:
        # ``async`` only because it does no I/O: a sync dependency costs a threadpool hop
        _check_role(user, roles)
        if user.role == BORROWER and borrower_id != user.borrower_id:
            raise NotFound(f"no borrower {borrower_id}")
        return BorrowerInReach(user, borrower_id)

    resolve.__name__ = f"borrower_in_reach_{'_'.join(sorted(roles))}"
    return resolve


def loan_in_reach(roles: frozenset[str]) -> Callable[..., LoanInReach]:
    """As :func:`borrower_in_reach`, for ``{loan_id}``: its borrower is looked up first,
    and a loan of another borrower is "no loan N", as a missing one is, before anything
    about it is computed."""

    def resolve(loan_id: LoanId, user: CurrentUser, engine: EngineDep) -> LoanInReach:
        _check_role(user, roles)
        # A unit of work of its own that ends here: a route that then writes opens its own,
        # and on SQLite a read kept open by a dependency would make that write wait.
        with UnitOfWork(engine, read_only=True) as uow:
            borrower_id = uow.borrowers.borrower_of_loan(loan_id)
        if borrower_id is None or (user.role == BORROWER and borrower_id != user.borrower_id):
            raise NotFound(f"no loan {loan_id}")
        return LoanInReach(user, loan_id, borrower_id)

    resolve.__name__ = f"loan_in_reach_{'_'.join(sorted(roles))}"
    return resolve


@dataclass(frozen=True, slots=True)
class LoanReading:
    """A loan the caller may read, with the read-only unit of work that found it, for a
    route that only reads: it reads in that unit, so a GET on a loan takes one connection
    and one thread hop fewer than with a unit of work of its own (issue 10)."""

    user: User
    loan_id: int
    borrower_id: int
    uow: UnitOfWork


@dataclass(frozen=True, slots=True)
class LoanReader:
    """What :func:`loan_reading` resolves: the request's loan id and token, not yet
    looked up. The route opens it (:meth:`open`) in its own thread, so that a read on a
    loan runs the token, the access checks and the read in one thread hop; as a sync
    generator dependency it took three (its start, its end and the route; issue 10: a hop
    costs ~0.3-0.5 ms of CPU here, and the wait for a free thread under load)."""

    engine: Engine
    token: str | None
    loan_id: int
    roles: frozenset[str]

    @contextmanager
    def open(self) -> Iterator[LoanReading]:
        """The same checks in the same order as :func:`loan_in_reach`: 401, then the role
        (403), then the record (another borrower's loan is "no loan N", as a missing one
        is, 404), all before any figure is computed. The token is looked up in the read's
        own unit of work (one connection, as :func:`current_user`'s would be a second)."""
        with UnitOfWork(self.engine, read_only=True) as uow:
            user = authenticate(uow, self.token)
            _check_role(user, self.roles)
            borrower_id = uow.borrowers.borrower_of_loan(self.loan_id)
            if borrower_id is None or (user.role == BORROWER and borrower_id != user.borrower_id):
                raise NotFound(f"no loan {self.loan_id}")
            yield LoanReading(user, self.loan_id, borrower_id, uow)


def loan_reading(roles: frozenset[str]) -> Callable[..., Awaitable[LoanReader]]:
    """:func:`loan_in_reach` for a route that only reads: the route runs ``with
    reader.open() as caller:`` first thing, before any work. The path's loan id is still
    validated by FastAPI first (422 for a bad id), as before."""

    async def resolve(loan_id: LoanId, credentials: Credentials, engine: EngineDep) -> LoanReader:
        # ``async`` because it does no I/O: the token is looked up when the route opens it
        return LoanReader(engine, _token(credentials), loan_id, roles)

    resolve.__name__ = f"loan_reading_{'_'.join(sorted(roles))}"
    return resolve


def allow(user: User, roles: frozenset[str], *, borrower_id: int | None = None) -> None:
    """The same checks for a route that cannot take the dependencies above: 403 unless
    the role may call it; to a borrower token, another borrower's ``borrower_id`` is
    "no borrower N", as a missing one (call it before any work)."""
    _check_role(user, roles)
    if user.role == BORROWER and borrower_id is None:
        raise AccessDenied("a borrower token reaches only its own borrower and that borrower's loans")
    if user.role == BORROWER and borrower_id != user.borrower_id:
        raise NotFound(f"no borrower {borrower_id}")


def check_value_date_allowed(user: User, value_date: date | None) -> None:
    """Issue 6 item 2: a value date other than the day the money arrives changes figures
    already reported (a back-dated repayment can cure an overdue loan and its penalty), so
    only staff set it, and the booking keeps who did. A borrower's payment is value-dated
    by loanbook on the business date."""
    if value_date is not None and user.role not in STAFF_WRITE:
        raise AccessDenied("value_date may be set only by staff (admin or operator): a borrower's repayment is "
                           "value-dated on the day loanbook receives it; leave value_date out")


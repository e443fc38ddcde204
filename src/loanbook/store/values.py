"""What a repository hands out of ``store/`` (issue 10, item 4: no ORM row leaves the
store), and the one conversion from a row to such a value.

The values of ``store/repositories.py`` are defined here: a borrower, a loan and a
transaction as stored, a loan's events, users, coupons (R13) and plan requests (R11).
The values of the other store modules sit beside the reads that make them
(``store/collections.py``, ``store/partners.py``, ``store/queries.py`` ...). The store
builds them and the services and edges import them; the store may not import from
``service/`` (the layers point one way). Field names are the columns' names, so the
API, the CLI and the pages read them as they read the rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple, TypeVar

V = TypeVar("V")


def value_of(kind: type[V], row: Any) -> V:  # noqa: ANN401 - an ORM row or a SQLAlchemy Row
    """The frozen dataclass ``kind`` made from the attributes of ``row`` of the same names."""
    return kind(*(getattr(row, name) for name in kind.__match_args__))  # type: ignore[attr-defined]


def values_of(kind: type[V], rows: Any) -> list[V]:  # noqa: ANN401 - an iterable of rows
    return [value_of(kind, row) for row in rows]


@dataclass(frozen=True, slots=True)
class Borrower:
    """A borrower as stored (its figures are the book's: ``Borrowers.book``)."""

    id: int
    name: str
    phone: str  # as given; one phone, one borrower by its digits (migration 0009)
    credit_limit_fen: int  # R9
    created_on: date


@dataclass(frozen=True, slots=True)
class StoredLoan:
    """A loan as disbursed (its plan and figures are the book's and the marks')."""

    id: int
    borrower_id: int
    product_code: str
    principal_fen: int
    terms: int
    disbursed_on: date
    partner_share: str  # an exact ratio as written, not money (R17)
    external_ref: str | None


class StoredTransaction(NamedTuple):
    """A booked transaction as stored (R6), in its columns' order (it is also a line of
    the transactions export). A NamedTuple, immutable like the frozen dataclasses, because
    an export makes one per row of the book: a NamedTuple costs a tuple's making, a
    frozen dataclass a guarded attribute set per field (about 7x the time per line,
    measured)."""

    transaction_id: int
    borrower_id: int
    kind: str
    loan_id: int | None
    value_date: date
    booked_on: date
    amount_fen: int
    credit_used_fen: int
    channel: str
    booked_by_user_id: int | None
    coupon_id: int | None
    request_id: int | None


class LoanEvent(NamedTuple):
    """What happened to a loan on a day (R15, R16); a NamedTuple, since the roll rates
    stream every event of the book (``StoredTransaction`` says why)."""

    id: int
    loan_id: int
    borrower_id: int
    on_date: date
    kind: str
    detail: str


@dataclass(frozen=True, slots=True)
class StoredUser:
    """A user as stored. The token's hash stays in the store: it is only ever compared
    (``Users.by_token``); the password's hash is what signing in checks."""

    id: int
    name: str
    role: str
    borrower_id: int | None
    revoked_at: datetime | None  # None: the token works
    password_hash: str | None  # None: no web sign-in


@dataclass(frozen=True, slots=True)
class Coupon:
    """A coupon granted to a borrower (R13): face value, grant day, expiry day, who granted it."""

    id: int
    borrower_id: int
    amount_fen: int
    granted_on: date
    expires_on: date
    granted_by: int | None  # users.id
    reason: str
    external_ref: str | None


@dataclass(frozen=True, slots=True)
class CouponUse:
    """The transaction that redeemed a coupon (R13: once)."""

    transaction_id: int
    value_date: date


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """A request for an extension or a negotiated plan (R11) and its decision: who made
    it, who decided, when (business dates), why."""

    id: int
    loan_id: int
    borrower_id: int
    kind: str  # extension, negotiation
    months: int
    method: str | None  # negotiation only
    waive_penalty: str | None  # "all" or an amount, negotiation only
    reason: str
    status: str  # pending, approved, rejected, lapsed
    made_by: int  # users.id
    made_on: date
    decided_by: int | None  # None for a lapse (close of business)
    decided_on: date | None
    decision_reason: str

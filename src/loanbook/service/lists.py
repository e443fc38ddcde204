"""Lists, search, transaction history and statements (issue 11 item 3).

Lists read the cached figures (``loan_marks``, as of the last posting: close of
business keeps them current every night) through keyset pages; a borrower's
transaction history and statement replay that one borrower's book, so that every
allocation shown is the one the rules core gives today (R6), late-booked repayments
included.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Generic, Protocol, TypeVar

from loanbook.errors import BadInput, NotFound
from loanbook.rules.position import Allocation, LoanStatus, Position
from loanbook.rules.replay import position
from loanbook.store.queries import ListedLoan, ListedTransaction, LoanFilter, Search
from loanbook.store.unit_of_work import UnitOfWork

PAGE_DEFAULT = 50
PAGE_MAX = 200
CURSOR_PREFIX = "after:"
STATUSES = tuple(status.value for status in LoanStatus)

T = TypeVar("T")


class _Keyed(Protocol):
    id: int


K = TypeVar("K", bound=_Keyed)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    next_cursor: str | None  # None: this is the last page


def encode_cursor(after_id: int) -> str:
    """An opaque cursor: the last id of a page. Opaque so that its form may change."""
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{after_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith(CURSOR_PREFIX) or not text[len(CURSOR_PREFIX):].isdigit() or len(text) > 40:
        raise BadInput("cursor is not one this API gave: pass the next_cursor of the previous page unchanged")
    return int(text[len(CURSOR_PREFIX):])


def _page(rows: list[K], limit: int) -> tuple[list[K], str | None]:
    """``rows`` were fetched with ``limit + 1``: one more says a next page exists."""
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(rows[-1].id)
    return rows, None


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= PAGE_MAX:
        raise BadInput(f"limit must be from 1 to {PAGE_MAX}, got {limit}")


@dataclass(frozen=True, slots=True)
class BorrowerItem:
    id: int
    name: str
    phone: str
    created_on: date
    credit_limit_fen: int
    credit_balance_fen: int
    loans: int
    open_loans: int
    principal_outstanding_fen: int


def borrower_page(uow: UnitOfWork, *, cursor: str | None, limit: int, search: Search,
                  only_borrower_id: int | None = None) -> Page[BorrowerItem]:
    _check_limit(limit)
    lists = uow.lists
    rows, next_cursor = _page(lists.borrowers(after_id=decode_cursor(cursor), limit=limit + 1, search=search,
                                              only_borrower_id=only_borrower_id), limit)
    totals = lists.loan_totals([row.id for row in rows])
    items = tuple(
        BorrowerItem(row.id, row.name, row.phone, row.created_on, row.credit_limit_fen, row.credit_balance_fen or 0,
                     *totals.get(row.id, (0, 0, 0)))
        for row in rows
    )
    return Page(items, next_cursor)


def check_loan_filter(where: LoanFilter) -> None:
    if where.status is not None and where.status not in STATUSES:
        raise BadInput(f"status {where.status!r} must be one of {', '.join(STATUSES)}")
    if where.dpd_min is not None and where.dpd_max is not None and where.dpd_min > where.dpd_max:
        raise BadInput(f"dpd_min {where.dpd_min} is above dpd_max {where.dpd_max}")
    if where.disbursed_from and where.disbursed_to and where.disbursed_from > where.disbursed_to:
        raise BadInput(f"disbursed_from {where.disbursed_from} is after disbursed_to {where.disbursed_to}")


def loan_page(uow: UnitOfWork, *, cursor: str | None, limit: int, search: Search, where: LoanFilter,
              only_borrower_id: int | None = None) -> Page[ListedLoan]:
    """Loans with their cached figures (status, DPD, amount due as of ``as_of``) and
    their borrower's name and phone."""
    _check_limit(limit)
    check_loan_filter(where)
    rows = uow.lists.loans(after_id=decode_cursor(cursor), limit=limit + 1, search=search, where=where,
                                    only_borrower_id=only_borrower_id)
    items, next_cursor = _page(rows, limit)
    return Page(tuple(items), next_cursor)


@dataclass(frozen=True, slots=True)
class TransactionItem:
    """A booked transaction, who booked it, and where its money went today (R6)."""

    row: ListedTransaction
    allocation: Allocation | None


def _replayed(uow: UnitOfWork, borrower_id: int) -> tuple[date, Position]:
    if uow.borrowers.get(borrower_id) is None:
        raise NotFound(f"no borrower {borrower_id}")
    today = uow.business_dates.get()
    return today, position(uow.borrowers.book(borrower_id), today, include_day=True)


def transaction_page(uow: UnitOfWork, borrower_id: int, *, cursor: str | None, limit: int) -> Page[TransactionItem]:
    _check_limit(limit)
    _, current = _replayed(uow, borrower_id)
    rows, next_cursor = _page(
        uow.lists.transactions(borrower_id, after_id=decode_cursor(cursor), limit=limit + 1), limit)
    return Page(tuple(TransactionItem(row, current.allocation(str(row.id))) for row in rows), next_cursor)


@dataclass(frozen=True, slots=True)
class Balances:
    """A borrower's figures at the end of a day."""

    on: date
    principal_outstanding: Decimal
    amount_due: Decimal  # principal, interest and penalty due and unpaid
    credit_balance: Decimal


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One movement: a booked transaction (``row`` set) or the credit balance applied on
    a due date (R6, ``row`` None)."""

    allocation: Allocation
    row: ListedTransaction | None


@dataclass(frozen=True, slots=True)
class Statement:
    borrower_id: int
    value_from: date
    value_to: date
    business_date: date
    opening: Balances
    closing: Balances
    lines: tuple[StatementLine, ...]


def _balances(book_position: Position) -> Balances:
    return Balances(
        book_position.on,
        book_position.principal_outstanding(),
        sum((loan.amount_due for loan in book_position.loans), Decimal("0.00")),
        book_position.credit_balance,
    )


def statement(uow: UnitOfWork, borrower_id: int, value_from: date, value_to: date) -> Statement:
    """What moved between two days (by value date, R6), the figures the day before the
    first and at the end of the last, and who booked each transaction."""
    if value_from > value_to:
        raise BadInput(f"from {value_from} is after to {value_to}")
    if uow.borrowers.get(borrower_id) is None:
        raise NotFound(f"no borrower {borrower_id}")
    today = uow.business_dates.get()
    if value_to > today:
        raise BadInput(f"to {value_to} is after the business date {today}: a statement covers days that have begun")
    book = uow.borrowers.book(borrower_id)
    current = position(book, today, include_day=True)
    opening = position(book, value_from - timedelta(days=1), include_day=True)
    closing = position(book, value_to, include_day=True)
    rows = {str(row.id): row for row in uow.lists.transactions(borrower_id, after_id=0, limit=None,
                                                                         value_from=value_from, value_to=value_to)}
    lines = tuple(
        StatementLine(a, rows.get(a.tx_id)) for a in current.allocations if value_from <= a.value_date <= value_to
    )
    return Statement(borrower_id, value_from, value_to, today, _balances(opening), _balances(closing), lines)

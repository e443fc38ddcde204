"""Read-only queries for the lists, statements and portfolio reports (issue 11 item 3).

They read the facts' rows and the cached figures (``loan_marks``, ``borrower_marks``,
``loan_events``), never replaying a loan: a list or a report costs a few indexed
queries whatever the size of the book. Pages are keyset pages (``id > after``, ordered
by id), so page N costs what page 1 costs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple, TypeVar

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from loanbook.store.repositories import TRANSACTION_COLUMNS as _TRANSACTION_COLUMNS, phone_key
from loanbook.store.tables import (
    BorrowerMarkRow,
    BorrowerRow,
    JournalEntryRow,
    JournalLineRow,
    LoanEventRow,
    LoanMarkRow,
    LoanRow,
    PlanInstalmentRow,
    TransactionRow,
    UserRow,
)
from loanbook.store.values import LoanEvent, StoredTransaction, values_of


V = TypeVar("V")
PHONE_DIGITS_MIN = 5  # api.schemas.PHONE_DIGITS: no phone has fewer


@dataclass(frozen=True, slots=True)
class Search:
    """What a list searches for: ``text`` is a name (part of it, any case), or digits: an
    id (whole) or, from 5 digits, part of a phone (by its digits alone)."""

    text: str | None = None
    name: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class LoanFilter:
    status: str | None = None
    dpd_min: int | None = None
    dpd_max: int | None = None
    product: str | None = None
    disbursed_from: date | None = None
    disbursed_to: date | None = None
    due_on: date | None = None
    borrower_id: int | None = None


@dataclass(frozen=True, slots=True)
class ListedBorrower:
    """A borrower as the borrower list shows it (no ORM row leaves store/, issue 10 item 4)."""

    id: int
    name: str
    phone: str
    created_on: date
    credit_limit_fen: int
    credit_balance_fen: int | None  # None: no borrower mark yet


@dataclass(frozen=True, slots=True)
class ListedLoan:
    """A loan with its cached figures (``loan_marks`` as of ``as_of``) and its borrower's
    name and phone, as the loan list shows it."""

    id: int
    borrower_id: int
    product_code: str
    principal_fen: int
    terms: int
    disbursed_on: date
    status: str
    dpd: int
    as_of: date
    amount_due_fen: int
    settled_on: date | None
    grace_ends_on: date | None
    principal_outstanding_fen: int
    name: str  # the borrower's
    phone: str  # the borrower's, in full: the edge masks it by role (privacy.py)


class ListedTransaction(NamedTuple("ListedTransaction", [*StoredTransaction.__annotations__.items(),
                                                         ("booked_by_name", "str | None")])):
    """A booked transaction and the name of the user who booked it (None: loanbook itself,
    or a user no longer there), as a borrower's history shows it."""

    __slots__ = ()

    @property
    def id(self) -> int:  # a page's key (service/lists.py)
        return self.transaction_id


def _digits_only(text: str) -> str | None:
    """The digits of ``text`` if it is a number or a phone ("+86 138-0013"), else None."""
    stripped = text.strip()
    if stripped and all(c.isdigit() or c in "+- " for c in stripped) and any(c.isdigit() for c in stripped):
        return phone_key(stripped)
    return None


def _borrower_matches(search: Search, *, id_column) -> list:  # noqa: ANN001 - a column of ids
    conditions = []
    if search.name:
        conditions.append(func.lower(BorrowerRow.name).contains(search.name.strip().lower(), autoescape=True))
    if search.phone:
        conditions.append(BorrowerRow.phone_key.contains(phone_key(search.phone), autoescape=True))
    if search.text:
        digits = _digits_only(search.text)
        if digits is None:
            conditions.append(func.lower(BorrowerRow.name).contains(search.text.strip().lower(), autoescape=True))
        else:
            # Fewer digits than any phone has are an id only: "42" is borrower 42, not
            # every phone with 42 in it.
            either = [BorrowerRow.phone_key.contains(digits, autoescape=True)] if len(digits) >= PHONE_DIGITS_MIN else []
            if len(digits) <= 18:  # fits a BIGINT id
                either.append(id_column == int(digits))
            conditions.append(or_(*either))
    return conditions




class Lists:
    def __init__(self, session: Session) -> None:
        self.session = session

    def borrowers(self, *, after_id: int, limit: int, search: Search,
                  only_borrower_id: int | None) -> list[ListedBorrower]:
        query = (
            select(BorrowerRow.id, BorrowerRow.name, BorrowerRow.phone, BorrowerRow.created_on,
                   BorrowerRow.credit_limit_fen, BorrowerMarkRow.credit_balance_fen)
            .outerjoin(BorrowerMarkRow, BorrowerMarkRow.borrower_id == BorrowerRow.id)
            .where(BorrowerRow.id > after_id, *_borrower_matches(search, id_column=BorrowerRow.id))
            .order_by(BorrowerRow.id)
            .limit(limit)
        )
        if only_borrower_id is not None:
            query = query.where(BorrowerRow.id == only_borrower_id)
        return values_of(ListedBorrower, self.session.execute(query))

    def loan_totals(self, borrower_ids: Sequence[int]) -> dict[int, tuple[int, int, int]]:
        """Per borrower: (loans, open loans, principal outstanding in fen), from the marks."""
        if not borrower_ids:
            return {}
        rows = self.session.execute(
            select(LoanMarkRow.borrower_id, func.count(),
                   func.sum(case((LoanMarkRow.status != "SETTLED", 1), else_=0)),
                   func.sum(LoanMarkRow.principal_disbursed_fen - LoanMarkRow.principal_paid_fen))
            .where(LoanMarkRow.borrower_id.in_(borrower_ids))
            .group_by(LoanMarkRow.borrower_id)
        )
        return {int(b): (int(n), int(open_ or 0), int(out or 0)) for b, n, open_, out in rows}

    def loans(self, *, after_id: int, limit: int, search: Search, where: LoanFilter,
              only_borrower_id: int | None) -> list[ListedLoan]:
        query = (
            select(LoanRow.id, LoanRow.borrower_id, LoanRow.product_code, LoanRow.principal_fen, LoanRow.terms,
                   LoanRow.disbursed_on, LoanMarkRow.status, LoanMarkRow.dpd, LoanMarkRow.as_of,
                   LoanMarkRow.amount_due_fen, LoanMarkRow.settled_on, LoanMarkRow.grace_ends_on,
                   (LoanMarkRow.principal_disbursed_fen - LoanMarkRow.principal_paid_fen).label("principal_outstanding_fen"),
                   BorrowerRow.name, BorrowerRow.phone)
            .join(LoanMarkRow, LoanMarkRow.loan_id == LoanRow.id)
            .join(BorrowerRow, BorrowerRow.id == LoanRow.borrower_id)
            .where(LoanRow.id > after_id, *_loan_conditions(where), *_borrower_matches(search, id_column=LoanRow.id))
            .order_by(LoanRow.id)
            .limit(limit)
        )
        if only_borrower_id is not None:
            query = query.where(LoanRow.borrower_id == only_borrower_id)
        return values_of(ListedLoan, self.session.execute(query))

    def transactions(self, borrower_id: int, *, after_id: int, limit: int | None,
                     value_from: date | None = None, value_to: date | None = None) -> list[ListedTransaction]:
        query = (
            select(*_TRANSACTION_COLUMNS, UserRow.name.label("booked_by_name"))
            .outerjoin(UserRow, UserRow.id == TransactionRow.booked_by_user_id)
            .where(TransactionRow.borrower_id == borrower_id, TransactionRow.id > after_id)
            .order_by(TransactionRow.id)
        )
        if value_from is not None:
            query = query.where(TransactionRow.value_date >= value_from)
        if value_to is not None:
            query = query.where(TransactionRow.value_date <= value_to)
        if limit is not None:
            query = query.limit(limit)
        return values_of(ListedTransaction, self.session.execute(query))


def _loan_conditions(where: LoanFilter) -> list:
    conditions = []
    if where.status is not None:
        conditions.append(LoanMarkRow.status == where.status)
    if where.dpd_min is not None:
        conditions.append(LoanMarkRow.dpd >= where.dpd_min)
    if where.dpd_max is not None:
        conditions.append(LoanMarkRow.dpd <= where.dpd_max)
    if where.product is not None:
        conditions.append(LoanRow.product_code == where.product)
    if where.disbursed_from is not None:
        conditions.append(LoanRow.disbursed_on >= where.disbursed_from)
    if where.disbursed_to is not None:
        conditions.append(LoanRow.disbursed_on <= where.disbursed_to)
    if where.borrower_id is not None:
        conditions.append(LoanRow.borrower_id == where.borrower_id)
    if where.due_on is not None:
        conditions.append(exists().where(and_(PlanInstalmentRow.loan_id == LoanRow.id,
                                              PlanInstalmentRow.due_date == where.due_on)))
    return conditions


def dpd_bucket_sql(dpd_column, bounds: Sequence[int]):  # noqa: ANN001, ANN201 - a SQL expression
    """R15's bucket (1: 1-30 days .. 7: over 180 with ``bounds`` 30, 60 .. 180) in SQL, as
    ledger.revaluation.dpd_bucket computes it in Python."""
    whens = [(dpd_column <= bound, index + 1) for index, bound in enumerate(bounds)]
    return case(*whens, else_=len(bounds) + 1)


@dataclass(frozen=True, slots=True)
class StatusTotals:
    """Loans of one status and their cached balances, in fen (R5, R14)."""

    status: str
    loans: int
    principal_disbursed_fen: int
    principal_outstanding_fen: int
    interest_outstanding_fen: int  # recognised - paid - waived (ledger/figures.py)
    penalty_outstanding_fen: int
    fee_outstanding_fen: int
    amount_due_fen: int


@dataclass(frozen=True, slots=True)
class BucketTotals:
    """Open loans of one R15 DPD bucket (0: not overdue) and their balances, in fen."""

    bucket: int
    loans: int
    principal_outstanding_fen: int
    amount_due_fen: int


def _whole(value: object) -> int:
    """A SUM or COUNT as an int (PostgreSQL sums BIGINTs as NUMERIC; no row: NULL)."""
    return int(value or 0)  # type: ignore[call-overload]


class Reports:
    """Aggregates of the cached figures and events."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_status(self) -> list[StatusTotals]:
        m = LoanMarkRow
        rows = self.session.execute(
            select(m.status, func.count(), func.sum(m.principal_disbursed_fen),
                   func.sum(m.principal_disbursed_fen - m.principal_paid_fen),
                   # receivable = recognised - paid - waived (ledger/figures.py): a coupon's
                   # waiver (R13) or a negotiation's (R11) is not owed
                   func.sum(m.interest_recognized_fen - m.interest_paid_fen - m.interest_waived_fen),
                   func.sum(m.penalty_recognized_fen - m.penalty_paid_fen - m.penalty_waived_fen),
                   func.sum(m.fee_recognized_fen - m.fee_paid_fen), func.sum(m.amount_due_fen))
            .group_by(m.status).order_by(m.status)
        )
        return [StatusTotals(status, *(_whole(v) for v in sums)) for status, *sums in rows]

    def credit_balances_fen(self) -> int:
        return int(self.session.scalar(select(func.coalesce(func.sum(BorrowerMarkRow.credit_balance_fen), 0))) or 0)

    def overdue_by_bucket(self, bounds: Sequence[int]) -> list[BucketTotals]:
        m = LoanMarkRow
        bucket = dpd_bucket_sql(m.dpd, bounds).label("bucket")
        rows = self.session.execute(
            select(bucket, func.count(), func.sum(m.principal_disbursed_fen - m.principal_paid_fen),
                   func.sum(m.amount_due_fen))
            .where(m.status == "OVERDUE", m.dpd > 0)
            .group_by(bucket).order_by(bucket)
        )
        return [BucketTotals(*(_whole(v) for v in row)) for row in rows]

    def not_overdue(self) -> BucketTotals:
        """Loans active or in grace, as bucket 0."""
        m = LoanMarkRow
        row = self.session.execute(
            select(func.count(), func.sum(m.principal_disbursed_fen - m.principal_paid_fen), func.sum(m.amount_due_fen))
            .where(m.status.in_(("ACTIVE", "GRACE")))
        ).one()
        return BucketTotals(0, *(_whole(v) for v in row))

    def events_on(self, day: date) -> list[LoanEvent]:
        return values_of(LoanEvent, self.session.scalars(
            select(LoanEventRow).where(LoanEventRow.on_date == day).order_by(LoanEventRow.id)))

    def first_event_day(self) -> date | None:
        return self.session.scalar(select(func.min(LoanEventRow.on_date)))

    def status_events(self, until: date) -> Iterator[LoanEvent]:
        """Every loan's events to ``until``, loan by loan in order, streamed: the history
        the roll rates are read from."""
        e = LoanEventRow
        rows = self.session.execute(
            select(e.id, e.loan_id, e.borrower_id, e.on_date, e.kind, e.detail)
            .where(e.on_date <= until)
            .order_by(e.loan_id, e.on_date, e.id)
            .execution_options(yield_per=5000)
        )
        return (LoanEvent._make(row) for row in rows)


class ExportedLoan(NamedTuple):
    """A line of the loans export: the loan and its cached figures (None: no mark yet);
    a NamedTuple, as ``StoredTransaction`` says why."""

    loan_id: int
    borrower_id: int
    product_code: str
    principal_fen: int
    terms: int
    disbursed_on: date
    partner_share: str  # an exact ratio (R17), not money
    as_of: date | None
    status: str | None
    dpd: int | None
    amount_due_fen: int | None
    settled_on: date | None
    principal_paid_fen: int | None
    interest_recognized_fen: int | None
    interest_paid_fen: int | None
    penalty_recognized_fen: int | None
    penalty_paid_fen: int | None
    fee_recognized_fen: int | None
    fee_paid_fen: int | None


class ExportedJournalLine(NamedTuple):
    """A line of the journal export: a journal line with its entry (R14)."""

    line_id: int
    entry_id: int
    booked_on: date
    kind: str
    product_code: str | None
    transaction_id: int | None
    account: str
    loan_id: int | None
    borrower_id: int | None
    debit_fen: int
    credit_fen: int


class Exports:
    """Lines for the exports, streamed in batches (``yield_per``): constant memory. Each
    query selects its line's fields in their order, so a line is made from its row by
    position (a tuple's making per row: a million lines stay cheap)."""

    BATCH = 5000
    TABLES: dict[str, type] = {"loans": LoanRow, "transactions": TransactionRow, "journal": JournalLineRow}

    def __init__(self, session: Session) -> None:
        self.session = session

    def _stream(self, kind: type[V], query) -> Iterator[V]:  # noqa: ANN001 - a Select
        rows = self.session.execute(query.execution_options(yield_per=self.BATCH, stream_results=True))
        make = kind._make  # type: ignore[attr-defined] - a NamedTuple
        return (make(row) for row in rows)

    def count(self, what: str) -> int:
        """How many lines the export ``what`` (one of ``TABLES``) has."""
        return int(self.session.scalar(select(func.count()).select_from(self.TABLES[what])) or 0)

    def loans(self) -> Iterator[ExportedLoan]:
        m = LoanMarkRow
        return self._stream(ExportedLoan,
            select(LoanRow.id.label("loan_id"), LoanRow.borrower_id, LoanRow.product_code, LoanRow.principal_fen,
                   LoanRow.terms, LoanRow.disbursed_on, LoanRow.partner_share, m.as_of, m.status, m.dpd,
                   m.amount_due_fen, m.settled_on, m.principal_paid_fen, m.interest_recognized_fen, m.interest_paid_fen,
                   m.penalty_recognized_fen, m.penalty_paid_fen, m.fee_recognized_fen, m.fee_paid_fen)
            .outerjoin(m, m.loan_id == LoanRow.id).order_by(LoanRow.id)
        )

    def transactions(self) -> Iterator[StoredTransaction]:
        return self._stream(StoredTransaction, select(*_TRANSACTION_COLUMNS).order_by(TransactionRow.id))

    def journal(self) -> Iterator[ExportedJournalLine]:
        e, line = JournalEntryRow, JournalLineRow
        return self._stream(ExportedJournalLine,
            select(line.id.label("line_id"), e.id.label("entry_id"), e.booked_on, e.kind, e.product_code,
                   e.transaction_id, line.account, line.loan_id, line.borrower_id, line.debit_fen, line.credit_fen)
            .join(e, e.id == line.entry_id).order_by(line.id)
        )

"""Reads only the back office's pages need (issue 12): a loan's ledger lines, recent
closes of business, bureau batches and corrections, refused contact attempts. Bounded:
every list has a limit. Each is handed out as a frozen value (no ORM row leaves store/,
issue 10 item 4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loanbook.store.collections import ContactAttempt
from loanbook.store.tables import (
    BureauBatchLineRow, BureauBatchRow, BureauRecordRow, CobDayRow, ContactAttemptRow, JournalEntryRow, JournalLineRow,
)
from loanbook.store.values import values_of


@dataclass(frozen=True, slots=True)
class LoanJournalLine:
    """A journal line naming a loan, with its entry (R14)."""

    id: int
    entry_id: int
    booked_on: date
    kind: str
    memo: str
    account: str
    debit_fen: int
    credit_fen: int


@dataclass(frozen=True, slots=True)
class CobDay:
    """Close of business of one day: how far it got, and whether it is done."""

    business_date: date
    status: str  # running, done
    last_borrower_id: int  # progress marker for a restart
    borrowers_closed: int
    loans_in_bulk: int | None  # None: the bulk step is not done yet


@dataclass(frozen=True, slots=True)
class BureauBatchSummary:
    """A daily bureau batch (R15) and how many of its lines are corrections."""

    batch_date: date
    line_count: int
    corrections: int


@dataclass(frozen=True, slots=True)
class BureauCorrection:
    """A bureau correction (R15) and when it went out (None: not yet submitted)."""

    id: int
    loan_id: int
    corrects_id: int | None
    moment: int
    as_of: date
    produced_on: date
    reason: str
    month_status: str
    dpd: int
    submitted_on: date | None


class BackOffice:
    def __init__(self, session: Session) -> None:
        self.session = session

    def loan_journal(self, loan_id: int, limit: int) -> list[LoanJournalLine]:
        """The journal lines naming a loan, with their entry, in posting order. The nightly
        accrual entries are per product (their per-loan part is in accrual_details)."""
        e, line = JournalEntryRow, JournalLineRow
        return values_of(LoanJournalLine, self.session.execute(
            select(line.id, e.id.label("entry_id"), e.booked_on, e.kind, e.memo, line.account, line.debit_fen,
                   line.credit_fen)
            .join(e, e.id == line.entry_id).where(line.loan_id == loan_id).order_by(line.id).limit(limit)
        ))

    def cob_days(self, limit: int) -> list[CobDay]:
        """The latest closes of business, the newest first."""
        return values_of(CobDay, self.session.scalars(
            select(CobDayRow).order_by(CobDayRow.business_date.desc()).limit(limit)))

    def bureau_batches(self, limit: int) -> list[BureauBatchSummary]:
        """The latest daily bureau batches with how many of their lines are corrections."""
        b, line, r = BureauBatchRow, BureauBatchLineRow, BureauRecordRow
        corrections = (select(func.count()).select_from(line).join(r, r.id == line.record_id)
                       .where(line.batch_date == b.batch_date, r.kind == "correction").scalar_subquery())
        return values_of(BureauBatchSummary, self.session.execute(
            select(b.batch_date, b.line_count, corrections.label("corrections"))
            .order_by(b.batch_date.desc()).limit(limit)
        ))

    def bureau_corrections(self, limit: int) -> list[BureauCorrection]:
        """The latest corrections, with when they went out (None: not yet submitted)."""
        r, line = BureauRecordRow, BureauBatchLineRow
        return values_of(BureauCorrection, self.session.execute(
            select(r.id, r.loan_id, r.corrects_id, r.moment, r.as_of, r.produced_on, r.reason, r.month_status,
                   r.dpd, line.batch_date.label("submitted_on"))
            .outerjoin(line, line.record_id == r.id).where(r.kind == "correction")
            .order_by(r.id.desc()).limit(limit)
        ))

    def refused_attempts(self, limit: int) -> list[ContactAttempt]:
        """The latest contact attempts the R16 guards refused, the newest first."""
        return values_of(ContactAttempt, self.session.scalars(
            select(ContactAttemptRow).where(ContactAttemptRow.refused_reason.is_not(None))
            .order_by(ContactAttemptRow.id.desc()).limit(limit)
        ))

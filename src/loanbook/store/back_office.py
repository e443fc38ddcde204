"""Reads only the back office's pages need (issue 12): a loan's ledger lines, recent
closes of business, bureau batches and corrections. Bounded: every list has a limit."""

from __future__ import annotations

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from loanbook.store.tables import (
    BureauBatchLineRow, BureauBatchRow, BureauRecordRow, CobDayRow, ContactAttemptRow, JournalEntryRow, JournalLineRow,
)


class BackOffice:
    def __init__(self, session: Session) -> None:
        self.session = session

    def loan_journal(self, loan_id: int, limit: int) -> list[Row]:
        """The journal lines naming a loan, with their entry, in posting order. The nightly
        accrual entries are per product (their per-loan part is in accrual_details)."""
        e, line = JournalEntryRow, JournalLineRow
        return list(self.session.execute(
            select(line.id, e.id.label("entry_id"), e.booked_on, e.kind, e.memo, line.account, line.debit_fen,
                   line.credit_fen)
            .join(e, e.id == line.entry_id).where(line.loan_id == loan_id).order_by(line.id).limit(limit)
        ))

    def cob_days(self, limit: int) -> list[CobDayRow]:
        """The latest closes of business, the newest first."""
        return list(self.session.scalars(select(CobDayRow).order_by(CobDayRow.business_date.desc()).limit(limit)))

    def bureau_batches(self, limit: int) -> list[Row]:
        """The latest daily bureau batches with how many of their lines are corrections."""
        b, line, r = BureauBatchRow, BureauBatchLineRow, BureauRecordRow
        corrections = (select(func.count()).select_from(line).join(r, r.id == line.record_id)
                       .where(line.batch_date == b.batch_date, r.kind == "correction").scalar_subquery())
        return list(self.session.execute(
            select(b.batch_date, b.line_count, corrections.label("corrections"))
            .order_by(b.batch_date.desc()).limit(limit)
        ))

    def bureau_corrections(self, limit: int) -> list[Row]:
        """The latest corrections, with when they went out (None: not yet submitted)."""
        r, line = BureauRecordRow, BureauBatchLineRow
        return list(self.session.execute(
            select(r.id, r.loan_id, r.corrects_id, r.moment, r.as_of, r.produced_on, r.reason, r.month_status,
                   r.dpd, line.batch_date.label("submitted_on"))
            .outerjoin(line, line.record_id == r.id).where(r.kind == "correction")
            .order_by(r.id.desc()).limit(limit)
        ))

    def refused_attempts(self, limit: int) -> list[ContactAttemptRow]:
        """The latest contact attempts the R16 guards refused, the newest first."""
        return list(self.session.scalars(
            select(ContactAttemptRow).where(ContactAttemptRow.refused_reason.is_not(None))
            .order_by(ContactAttemptRow.id.desc()).limit(limit)
        ))

"""The portfolio's snapshot per business date (migration 0012): loans by status and R15
DPD bucket, written by close of business from the cached figures, read by the back
office's trend charts. Set-based: one INSERT .. SELECT a night, whatever the book's size."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Row, case, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from loanbook.store.queries import dpd_bucket_sql
from loanbook.store.tables import LoanMarkRow, PortfolioSnapshotRow


class PortfolioSnapshots:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, on: date, bounds: Sequence[int]) -> None:
        """Count the loans as ``loan_marks`` has them now, under business date ``on``;
        replaces a snapshot of ``on`` already there (a day closes once, but an operator
        may take one by hand). The bucket is R15's as the DPD
        report computes it: 0 unless OVERDUE with days past due."""
        m = LoanMarkRow
        bucket = case((m.status == "OVERDUE", case((m.dpd > 0, dpd_bucket_sql(m.dpd, bounds)), else_=0)),
                      else_=0).label("dpd_bucket")
        grouped = (
            select(literal(on).label("on_date"), m.status, bucket, func.count().label("loans"),
                   func.coalesce(func.sum(m.principal_disbursed_fen - m.principal_paid_fen), 0),
                   func.coalesce(func.sum(m.amount_due_fen), 0))
            .group_by(m.status, bucket)
        )
        self.session.execute(delete(PortfolioSnapshotRow).where(PortfolioSnapshotRow.on_date == on))
        s = PortfolioSnapshotRow
        self.session.execute(insert(s).from_select(
            [s.on_date, s.status, s.dpd_bucket, s.loans, s.principal_outstanding_fen, s.amount_due_fen], grouped))

    def open_loans_by_bucket(self, last: date) -> list[Row]:
        """Open loans (not SETTLED) per business date and bucket up to ``last``, by date:
        the DPD trend, summed here rather than row by row in Python."""
        s = PortfolioSnapshotRow
        return list(self.session.execute(
            select(s.on_date, s.dpd_bucket, func.sum(s.loans).label("loans"))
            .where(s.on_date <= last, s.status != "SETTLED")
            .group_by(s.on_date, s.dpd_bucket).order_by(s.on_date, s.dpd_bucket)
        ))

    def series(self, first: date | None = None, last: date | None = None) -> list[Row]:
        """Every snapshot row between two business dates (inclusive), by date."""
        s = PortfolioSnapshotRow
        query = select(s.on_date, s.status, s.dpd_bucket, s.loans, s.principal_outstanding_fen, s.amount_due_fen)
        if first is not None:
            query = query.where(s.on_date >= first)
        if last is not None:
            query = query.where(s.on_date <= last)
        return list(self.session.execute(query.order_by(s.on_date, s.status, s.dpd_bucket)))

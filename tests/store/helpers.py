"""Reading a whole store back for comparisons, without surrogate ids."""

from __future__ import annotations

from sqlalchemy import Engine, select

from loanbook.store.tables import (
    AccrualDetailRow,
    BorrowerMarkRow,
    BusinessDateRow,
    CobDayRow,
    JournalEntryRow,
    JournalLineRow,
    LoanEventRow,
    LoanMarkRow,
    PortfolioSnapshotRow,
)
from loanbook.store.unit_of_work import UnitOfWork


def _rows(session, table, exclude=("id",)):
    columns = [c for c in table.__table__.columns if c.name not in exclude]
    return sorted(tuple(row) for row in session.execute(select(*columns)).all())


def store_contents(engine: Engine) -> dict[str, list[tuple]]:
    """Everything close of business writes, as sorted tuples: equal contents, equal books."""
    with UnitOfWork(engine) as uow:
        session = uow.session
        journal = sorted(
            tuple(row)
            for row in session.execute(
                select(
                    JournalEntryRow.booked_on, JournalEntryRow.kind, JournalEntryRow.borrower_id,
                    JournalEntryRow.transaction_id, JournalEntryRow.product_code, JournalEntryRow.memo,
                    JournalLineRow.account, JournalLineRow.loan_id, JournalLineRow.borrower_id,
                    JournalLineRow.debit_fen, JournalLineRow.credit_fen,
                ).join(JournalLineRow, JournalLineRow.entry_id == JournalEntryRow.id)
            ).all()
        )
        return {
            "journal": journal,
            "accrual_details": _rows(session, AccrualDetailRow),
            "loan_marks": _rows(session, LoanMarkRow, exclude=()),
            "borrower_marks": _rows(session, BorrowerMarkRow, exclude=()),
            "loan_events": _rows(session, LoanEventRow),
            "business_date": _rows(session, BusinessDateRow, exclude=()),
            "cob_days": _rows(session, CobDayRow, exclude=()),
            "portfolio_snapshots": _rows(session, PortfolioSnapshotRow, exclude=()),  # the back office's trend
        }

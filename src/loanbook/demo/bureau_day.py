"""The bureau's day in the demo (R15): after each close of business the day's batch is
exported; a borrower whose loan went overdue that night is pre-notified (art. 15) if
collections has not done it already; a few overdue loans are held for a partner-bank
disagreement (R17) and released ten days later, which corrects what was reported."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Engine, select

from loanbook.bureau import holds, record_pre_notice
from loanbook.service import bureau as service
from loanbook.store.bureau import BureauStore
from loanbook.store.tables import LoanEventRow
from loanbook.store.unit_of_work import UnitOfWork

HOLD_EVERY = 40  # one loan in this many of those going overdue is held
HOLD_DAYS = 10
DEMO_SOURCE = "demo:partner-reconciliation"


@dataclass(slots=True)
class BureauDemo:
    batches: int = 0
    lines: int = 0
    notices: int = 0
    holds_placed: int = 0
    holds_released: int = 0
    to_release: dict[date, list[int]] = field(default_factory=dict)
    overdue_seen: int = 0
    lines_by_type: Counter = field(default_factory=Counter)


def after_close(engine: Engine, closed: date, state: BureauDemo) -> None:
    """The day ``closed`` was just closed: notices and holds for tomorrow, then its batch."""
    tomorrow = closed + timedelta(days=1)
    with UnitOfWork(engine) as uow:
        store = BureauStore(uow.session)
        went_overdue = list(uow.session.scalars(
            select(LoanEventRow.loan_id).where(LoanEventRow.on_date == tomorrow, LoanEventRow.kind == "went_overdue")
        ))
        noticed = store.noticed_loans(went_overdue, tomorrow)
        for loan_id in went_overdue:
            if loan_id not in noticed:
                record_pre_notice(uow, loan_id=loan_id, on=tomorrow, channel="sms")
                state.notices += 1
            state.overdue_seen += 1
            if state.overdue_seen % HOLD_EVERY == 0 and not holds.is_held(uow, loan_id):
                holds.place_hold(uow, loan_id=loan_id, reason="the partner bank's repayment file disagrees",
                                 source=DEMO_SOURCE)
                state.to_release.setdefault(tomorrow + timedelta(days=HOLD_DAYS), []).append(loan_id)
                state.holds_placed += 1
        for loan_id in state.to_release.pop(tomorrow, []):
            holds.release_hold(uow, loan_id=loan_id, source=DEMO_SOURCE)
            state.holds_released += 1
        uow.commit()
    batch = service.export_batch(engine, closed)
    state.batches += 1
    state.lines += batch.count
    for line in batch.text.splitlines()[1:]:
        state.lines_by_type["correction" if '"type":"correction"' in line else "record"] += 1

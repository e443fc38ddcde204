"""Disputes (异议, 征信业管理条例 art. 25): a borrower objects to what was reported; the
lender checks and answers within 20 days.

A dispute is recorded on the business date with its deadline (filed + 20 days), listed
with its age, and resolved: upheld, a correction of the disputed records is produced
from the books as they now are (the fix - a repayment booked late, a reconciliation -
is booked first; a dispute the books do not bear out cannot be upheld); rejected, the
reason is kept. Either way the resolution is kept with the dispute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from loanbook.bureau.corrections import recheck_loans
from loanbook.errors import BadInput, Conflict, NotFound, RuleRefusal
from loanbook.store.bureau import BureauStore
from loanbook.store.tables import BureauDisputeRow
from loanbook.store.unit_of_work import UnitOfWork

ANSWER_WITHIN_DAYS = 20  # art. 25


@dataclass(frozen=True, slots=True)
class DisputeView:
    id: int
    loan_id: int
    record_id: int | None
    filed_on: date
    deadline_on: date
    age_days: int
    days_left: int
    claim: str
    status: str
    resolved_on: date | None
    resolution: str | None
    correction_id: int | None

    @property
    def late(self) -> bool:
        return self.status == "open" and self.days_left < 0


def _view(row: BureauDisputeRow, today: date) -> DisputeView:
    return DisputeView(
        row.id, row.loan_id, row.record_id, row.filed_on, row.deadline_on, (today - row.filed_on).days,
        (row.deadline_on - today).days, row.claim, row.status, row.resolved_on, row.resolution, row.correction_id,
    )


def _text(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"a dispute needs a {what}")
    if len(value) > 500:
        raise BadInput(f"a dispute's {what} is at most 500 characters")
    return value.strip()


def file_dispute(uow: UnitOfWork, *, loan_id: int, claim: str, record_id: int | None = None) -> DisputeView:
    store = BureauStore(uow.session)
    if store.loan(loan_id) is None:
        raise NotFound(f"loan {loan_id} does not exist")
    if record_id is not None:
        record = store.record(record_id)
        if record is None or record.loan_id != loan_id:
            raise NotFound(f"loan {loan_id} has no bureau record {record_id}")
    today = uow.business_dates.get()
    row = store.add_dispute(
        loan_id=loan_id, record_id=record_id, filed_on=today,
        deadline_on=today + timedelta(days=ANSWER_WITHIN_DAYS), claim=_text(claim, "claim"), status="open",
    )
    return _view(row, today)


def list_disputes(uow: UnitOfWork, *, open_only: bool = False) -> list[DisputeView]:
    today = uow.business_dates.get()
    return [_view(row, today) for row in BureauStore(uow.session).disputes(open_only=open_only)]


def resolve_dispute(uow: UnitOfWork, *, dispute_id: int, upheld: bool, reason: str) -> DisputeView:
    """Upheld: the disputed records are corrected from the books as they now are (R15);
    refused if that changes nothing. Rejected: the reason is kept."""
    store = BureauStore(uow.session)
    row = store.dispute(dispute_id, for_update=True)
    if row is None:
        raise NotFound(f"dispute {dispute_id} does not exist")
    if row.status != "open":
        raise Conflict(f"dispute {dispute_id} was already {row.status} on {row.resolved_on}")
    reason = _text(reason, "reason")
    today = uow.business_dates.get()
    if upheld:
        only = None
        if row.record_id is not None:
            record = store.record(row.record_id)
            only = {record.corrects_id if record.corrects_id is not None else record.id} if record else set()
        made = recheck_loans(uow, [row.loan_id], today=today, reason=f"dispute {dispute_id} upheld", only=only)
        if not made:
            raise RuleRefusal(
                f"dispute {dispute_id}: the books give the same records as were reported; book the fix "
                "(a repayment, a reconciliation) first, or reject the dispute with its reason"
            )
        row.correction_id = made[0]
    row.status = "upheld" if upheld else "rejected"
    row.resolved_on = today
    row.resolution = reason
    uow.session.flush()
    return _view(row, today)

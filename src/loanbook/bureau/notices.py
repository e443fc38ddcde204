"""The pre-notice (征信业管理条例 art. 15): before an account's first negative record is
submitted, the borrower is told. The notice is recorded here; a negative record waits in
the export until the loan has one (R15). Collections (R16) sends it with the overdue
notice of the first overdue day and calls :func:`record_pre_notice`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from loanbook.errors import BadInput, NotFound
from loanbook.store.bureau import BureauStore
from loanbook.store.unit_of_work import UnitOfWork

CHANNELS = ("sms", "app", "call", "letter", "email")


def record_pre_notice(uow: UnitOfWork, *, loan_id: int, on: date, channel: str) -> int:
    """Record that the borrower of ``loan_id`` was told on ``on``, by ``channel``, that a
    negative record will be reported. Returns the notice's id; does not commit."""
    store = BureauStore(uow.session)
    if store.loan(loan_id) is None:
        raise NotFound(f"loan {loan_id} does not exist")
    if channel not in CHANNELS:
        raise BadInput(f"channel must be one of {', '.join(CHANNELS)}, not {channel!r}")
    today = uow.business_dates.get()
    if on > today:
        raise BadInput(f"a pre-notice on {on} is after the business date {today}")
    return store.add_pre_notice(loan_id=loan_id, on_date=on, channel=channel)


def record_pre_notices(uow: UnitOfWork, *, on: date, notices: Sequence[tuple[int, str]]) -> int:
    """:func:`record_pre_notice` for many loans at once, as close of business needs it
    (R16's overdue notices of a day, R15 art. 15): the same checks, made once for the
    batch, and one statement for all the rows. All or none: a bad one refuses the batch.
    Returns how many were recorded; does not commit."""
    if not notices:
        return 0
    store = BureauStore(uow.session)
    bad_channels = sorted({channel for _, channel in notices if channel not in CHANNELS})
    if bad_channels:
        raise BadInput(f"channel must be one of {', '.join(CHANNELS)}, not {bad_channels[0]!r}")
    today = uow.business_dates.get()
    if on > today:
        raise BadInput(f"a pre-notice on {on} is after the business date {today}")
    loan_ids = sorted({loan_id for loan_id, _ in notices})
    missing = sorted(set(loan_ids) - store.existing_loans(loan_ids))
    if missing:
        raise NotFound(f"loan {missing[0]} does not exist")
    return store.add_pre_notices([(loan_id, on, channel) for loan_id, channel in notices])


def has_pre_notice(uow: UnitOfWork, loan_id: int, by: date) -> bool:
    return bool(BureauStore(uow.session).noticed_loans([loan_id], by))

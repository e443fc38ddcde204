"""Close of business's collections work (R16), called once a night from
service/close_of_business.py, in the transaction that closes the day:

1. promises to pay due by the closed day are marked kept or broken;
2. the next business day's worklist is made from the ladder, set-based;
3. each overdue notice that carries the bureau pre-notice (R15 art. 15) is passed to
   bureau reporting at one call site, :func:`_tell_bureau_of_pre_notices`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from loanbook.bureau.notices import record_pre_notices
from loanbook.collections.config import CollectionsConfig, active_config
from loanbook.store.collections import Collections
from loanbook.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class NightlyCollections:
    day: date  # the business day the worklist is for
    actions: int
    promises_checked: int
    pre_notices: int


def nightly(uow: UnitOfWork, closed: date, config: CollectionsConfig | None = None) -> NightlyCollections:
    """Collections for the close of ``closed``: the worklist is for ``closed`` + 1, from the
    loans' figures at its start (the marks close of business has just brought forward)."""
    config = config or active_config()
    store = Collections(uow.session)
    day = closed + timedelta(days=1)
    checked = store.check_promises(closed)
    grace_days = {code: uow.products.get(code).grace_days for code in uow.products.codes()}
    actions = store.make_worklist(day, config.ladder, grace_days)
    notices = store.pre_notices(day)
    _tell_bureau_of_pre_notices(uow, day, notices)
    return NightlyCollections(day, actions, checked, len(notices))


def _tell_bureau_of_pre_notices(uow: UnitOfWork, day: date, notices: list[tuple[int, str]]) -> None:
    """THE BUREAU CALL SITE (R15 art. 15, R16): every overdue notice of the day is the
    borrower's pre-notice before a first negative bureau record. The notice is kept in
    ``collection_actions`` (``bureau_pre_notice`` true) and recorded by bureau reporting
    here, which lets the loan's negative records go out from this day on. One batch: on
    the night grace ends that is every loan going overdue."""
    record_pre_notices(uow, on=day, notices=notices)

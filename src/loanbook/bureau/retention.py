"""Retention of negative information (征信业管理条例 art. 16): kept for 5 years from the
day the delinquency ended; after that it is excluded from every export and purged by
close of business.

A negative record's delinquency ends on the day of the loan's first later record with
no DPD (the repayment or settlement that cured it, R15). A delinquency that never ended
is kept.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from loanbook.store.bureau import BureauStore
from loanbook.store.tables import BureauRecordRow
from loanbook.store.unit_of_work import UnitOfWork

YEARS_KEPT = 5


def years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: the 28th of a common year
        return day.replace(year=day.year + years, day=28)


def expired_negative_ids(store: BureauStore, today: date) -> list[int]:
    """Ids of negative records whose delinquency ended more than 5 years before ``today``."""
    # a record can only be past its 5 years if its own day is
    negative = store.negative_records(as_of_before=years_after(today, -YEARS_KEPT))
    if not negative:
        return []
    by_loan: dict[int, list[BureauRecordRow]] = defaultdict(list)
    for row in store.records_of_loans(sorted({r.loan_id for r in negative})):
        by_loan[row.loan_id].append(row)
    expired = []
    for row in negative:
        cured = [r.as_of for r in by_loan[row.loan_id] if r.dpd == 0 and (r.as_of > row.as_of or r.id == row.id)]
        if cured and years_after(min(cured), YEARS_KEPT) < today:
            expired.append(row.id)
    return expired


def purge(uow: UnitOfWork, today: date) -> int:
    """Art. 16: delete negative information past its 5 years. Returns how many records."""
    store = BureauStore(uow.session)
    return store.purge(expired_negative_ids(store, today))

"""Corrections (R15): when a late-booked repayment, a released hold or an upheld dispute
changes what a record said, a correction record is produced at once and goes in the next
batch. Records are never edited: the correction names the record it corrects and carries
the figures of the record's day as the books now know them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from loanbook.bureau.records import account_figures, day_view, differs
from loanbook.store.bureau import BureauStore
from loanbook.store.tables import BureauRecordRow
from loanbook.store.unit_of_work import UnitOfWork


def latest_versions(rows: Iterable[BureauRecordRow]) -> dict[int, BureauRecordRow]:
    """Each original record's id -> its latest version (itself or its last correction)."""
    latest: dict[int, BureauRecordRow] = {}
    for row in sorted(rows, key=lambda r: r.id):
        latest[row.corrects_id if row.corrects_id is not None else row.id] = row
    return latest


def recheck_loans(uow: UnitOfWork, loan_ids: Iterable[int], *, today: date, reason: str,
                  only: set[int] | None = None) -> list[int]:
    """Check every record of ``loan_ids`` (or only the originals in ``only``) against the
    books as known now; produce a correction where one differs. Returns their ids."""
    store = BureauStore(uow.session)
    rows = store.records_of_loans(sorted(set(loan_ids)))
    if not rows:
        return []
    held = store.held_loans(sorted({r.loan_id for r in rows}))
    by_borrower: dict[int, list[BureauRecordRow]] = defaultdict(list)
    for original_id, row in latest_versions(rows).items():
        if only is None or original_id in only:
            by_borrower[row.borrower_id].append(row)
    corrections = []
    for borrower_id, versions in sorted(by_borrower.items()):
        book = uow.borrowers.book(borrower_id)
        views: dict[date, tuple] = {}
        for row in versions:
            if row.as_of not in views:
                views[row.as_of] = day_view(book, row.as_of)
            current, statuses = views[row.as_of]
            loan = current.loan(str(row.loan_id))
            if loan is None:
                continue
            figures = account_figures(loan, statuses[str(row.loan_id)], row.as_of, held=row.loan_id in held)
            if differs(row, figures):
                corrections.append({
                    **figures,
                    "loan_id": row.loan_id, "borrower_id": row.borrower_id, "kind": "correction",
                    "moment": row.moment, "as_of": row.as_of, "produced_on": today,
                    "corrects_id": row.corrects_id if row.corrects_id is not None else row.id,
                    "reason": reason[:200], "name": row.name, "phone": row.phone,
                })
    return store.add_records(corrections)

"""Most of a night's records without a replay (R15): the loans that only opened or only
fell due, with nothing past due since their last record.

Close of business brings most loans forward in bulk; replaying each of them for its
bureau record would cost more than the whole night. Two kinds of record are derived from
what is stored instead - the same figures the replay gives (tests compare both paths):

- opened (10), on the disbursement day, for a borrower with nothing booked that day:
  balance the principal, every period remaining, nothing overdue, month ``*``;
- due-date settlement (32), for a loan whose mark after the night is ACTIVE or GRACE (so
  it is not past due tonight), of a borrower with nothing booked late that day (a
  repayment of the day is in the loan's mark, and 32 outweighs 33), whose last
  record had DPD 0 and which has not gone overdue since (no ``went_overdue`` event): its
  status string is the last record's, extended month by month - ``N`` for a month with a
  due date, ``*`` for one without - and the month of the due date is ``N`` unless it
  already showed a bucket.

Both are made set-based by ``store.bureau`` (``insert_opened_records``,
``insert_clean_due_records``: a last record of this month or the last, no hold), on
SQLite and PostgreSQL; this module builds, loan by loan, the due-date records SQL leaves
(a last record older than that, or a loan under a hold) - the same rule, which the tests
compare with the SQL's output. Anything else (a payment booked late, a loan overdue since
its last record, a plan changed by R11, a settlement) goes through the replay in
:mod:`loanbook.bureau.nightly`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from loanbook.bureau.records import DUE_DATE, _masked
from loanbook.rules.bureau_status import MONTHS_KEPT, is_negative
from loanbook.store.bureau import BureauStore

CHUNK = 1000


def _months_between(after: date, upto: date) -> list[tuple[int, int]]:
    """Calendar months after ``after``'s month up to ``upto``'s month, both as (year, month)."""
    months = []
    year, month = after.year, after.month
    while (year, month) < (upto.year, upto.month):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        months.append((year, month))
    return months


def due_date_records(store: BureauStore, day: date, late_borrowers: set[int]) -> list[dict[str, object]]:
    """32 records of the clean loans SQL left (``BureauStore.insert_clean_due_records``
    takes those whose last record is of this month or the last): a repayment booked today
    for today is in the marks already (and the due date outweighs it, 32 over 33); one
    booked late sends the borrower to the replay."""
    candidates = store.loans_due_clean(day, sorted(late_borrowers))
    rows = []
    for start in range(0, len(candidates), CHUNK):
        chunk = candidates[start:start + CHUNK]
        loan_ids = [c.loan_id for c in chunk]
        last = store.last_records(loan_ids)
        overdue_days = store.went_overdue_days(loan_ids)
        due_dates = store.due_dates(loan_ids)
        held = store.held_loans(loan_ids)
        for c in chunk:
            previous = last.get(c.loan_id)
            if previous is None or previous.dpd != 0 or previous.held or previous.as_of >= day:
                continue
            if any(previous.as_of < d <= day + _ONE_DAY for d in overdue_days.get(c.loan_id, ())):
                continue  # it went past due since: the replay knows by how much
            rows.append(_row(c.loan_id, c.borrower_id, DUE_DATE, day, c,
                             clean_due_figures(previous, day, c.principal_fen, due_dates[c.loan_id], c.loan_id in held)))
    return rows


def clean_due_figures(previous, day: date, principal_fen: int, due_dates, held: bool) -> dict[str, object]:  # noqa: ANN001
    """The figures of a clean loan's due-date record (32), from its last record ``previous``
    and its plan's due dates: what ``insert_clean_due_records`` computes in SQL."""
    status = _extended(previous.status_24, previous.month_status, previous.as_of, day, due_dates)
    figures = {
        "balance_fen": principal_fen, "remaining_periods": sum(1 for d in due_dates if d > day),
        "overdue_periods": 0, "overdue_amount_fen": 0, "overdue_principal_fen": 0, "dpd": 0,
        "month_status": status[-1], "status_24": status, "held": held,
    }
    if held:
        figures.update(month_status=_masked(status[-1]), status_24=_masked(status))
    figures["negative"] = is_negative(str(figures["status_24"]))
    return figures


def _extended(string: str, month_status: str, since: date, day: date, due_dates) -> str:
    """R15: the status string of ``since`` carried to ``day`` with no DPD in between."""
    due_months = defaultdict(bool)
    for due in due_dates:
        if since < due <= day:
            due_months[(due.year, due.month)] = True
    months = _months_between(since, day)
    if not months:  # the same month: N now that something fell due, unless a bucket shows
        current = month_status if month_status not in ("*", "N") else "N"
        return (string[:-1] + current)[-MONTHS_KEPT:]
    tail = "".join("N" if due_months[m] else "*" for m in months)
    return (string + tail)[-MONTHS_KEPT:]


_ONE_DAY = date(2000, 1, 2) - date(2000, 1, 1)


def _row(loan_id: int, borrower_id: int, moment: int, day: date, person, figures: dict) -> dict[str, object]:
    return {**figures, "loan_id": loan_id, "borrower_id": borrower_id, "kind": "record", "moment": moment,
            "as_of": day, "produced_on": day, "corrects_id": None, "reason": "", "name": person.name,
            "phone": person.phone}

"""The bureau's part of close of business (R15): the day's records at the reporting
moments (报送时点), the corrections late bookings call for, and the purge of negative
information past its 5 years (art. 16).

Called by close of business with the day being closed, in the transaction that closes
it: the records of a day are made exactly once, even when a close is interrupted and
run again.

Moments, one record per loan and day, the weightiest naming it (records.PRECEDENCE):
opened (10) on the disbursement day; settled (20) on the day a loan is settled, or on
the day a late-booked payment shows it was; extension (42) and negotiated plan (49) on
the approval day; due-date settlement (32) on each due date of the current plan; actual
repayment (33) on the day a repayment is booked that paid the loan.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from loanbook.bureau import fast_path, retention
from loanbook.bureau.corrections import recheck_loans
from loanbook.bureau.records import (
    DUE_DATE,
    EXTENSION,
    OPENED,
    PRECEDENCE,
    REPAYMENT,
    SETTLED,
    SPECIAL,
    account_figures,
    day_view,
)
from loanbook.errors import InvariantBroken
from loanbook.rules.book import Book, Extension, Payoff
from loanbook.rules.bureau_status import BureauStatus, closing_view
from loanbook.rules.position import Position
from loanbook.rules.replay import position
from loanbook.store.bureau import BureauStore
from loanbook.store.unit_of_work import UnitOfWork

CHUNK_BORROWERS = 1000
# The views close of business keeps for the night's records, at most (a view is a book
# and two values per loan): past it, the bureau replays the others itself, as before.
VIEWS_KEPT = 20_000


@dataclass(frozen=True, slots=True)
class DayView:
    """A borrower's book as close of business read it, its position at the end of the
    day closed and its loans' month statuses (R15): what the day's records are made of."""

    book: Book
    closed: Position
    statuses: dict[str, BureauStatus]


class ClosingViews:
    """What close of business of ``day`` replayed, kept for the bureau's records of the
    same night (issue 10): a borrower replayed at night is replayed once, and its book is
    not read again. Only the borrowers closed in this process before the records are
    made are in it; the others (a night resumed after a crash, partitions closed by
    workers) are read and replayed by the records, to the same figures. The books cannot
    change in between: money movements and plan changes are refused while the day closes
    (service/servicing.py), and nothing the closing transaction does first (lapsed
    requests, holds, corrections) is a fact of a book."""

    __slots__ = ("day", "seen", "kept")

    def __init__(self, day: date) -> None:
        self.day = day
        # borrower id -> its view, or None: closed tonight with no reporting moment
        self.seen: dict[int, DayView | None] = {}
        self.kept = 0

    def nothing_to_report(self, borrower_ids: Iterable[int]) -> None:
        """Borrowers close of business found with nothing of today (rules/moved.py
        ``unchanged_overnight``): no moment, so their books are not read for it."""
        for borrower_id in borrower_ids:
            self.seen[borrower_id] = None

    def next_morning(self, borrower_id: int, book: Book) -> Position:
        """``position(book, day + 1, include_day=True)``, what close of business posts;
        for a borrower with a reporting moment today, from the pass that also gives its
        view of the day closed, kept for the records."""
        if not _may_report(book, self.day):
            self.seen[borrower_id] = None
        elif self.kept < VIEWS_KEPT:
            ends, statuses = closing_view(book, self.day)
            self.seen[borrower_id] = DayView(book, ends.closed, statuses)
            self.kept += 1
            return ends.next_day
        return position(book, self.day + timedelta(days=1), include_day=True)


@dataclass(slots=True)
class NightlyResult:
    records: dict[int, int] = field(default_factory=dict)  # moment -> count
    corrections: int = 0
    purged: int = 0


def nightly(uow: UnitOfWork, day: date, *, views: ClosingViews | None = None) -> NightlyResult:
    """Close of business of ``day``: records, corrections, retention (R15). ``views``:
    what close of business replayed tonight, made into records without a replay."""
    if views is not None and views.day != day:
        raise InvariantBroken(f"close of business views of {views.day} cannot make the records of {day}")
    store = BureauStore(uow.session)
    result = NightlyResult()
    late = set(store.borrowers_with_late_bookings(day))
    if late:  # first: today's records are then made from the same, corrected, books
        loan_ids = store.loans_of_borrowers(sorted(late))
        result.corrections = len(recheck_loans(uow, loan_ids, today=day, reason="late-booked repayment"))
    # Set-based first: most due dates and openings, INSERT ... SELECT (bureau.fast_path
    # says which); then the few clean due dates SQL leaves (a last record older than
    # last month) in Python; whatever is left is replayed. No step reads back the loans
    # an earlier one recorded: each asks SQL for the loans with no record of the day yet.
    for moment, made in ((DUE_DATE, store.insert_clean_due_records(day, sorted(late))),
                         (OPENED, store.insert_opened_records(day))):
        if made:
            result.records[moment] = result.records.get(moment, 0) + made
    _add(store, fast_path.due_date_records(store, day, late), result)
    borrower_ids = store.borrowers_to_replay(day)
    for start in range(0, len(borrower_ids), CHUNK_BORROWERS):
        chunk = borrower_ids[start:start + CHUNK_BORROWERS]
        _add(store, _records_of_chunk(uow, store, chunk, day, views.seen if views is not None else {}), result)
    result.purged = retention.purge(uow, day)
    return result


def _add(store: BureauStore, rows: list[dict], result: NightlyResult) -> None:
    store.insert_records(rows)
    for row in rows:
        result.records[row["moment"]] = result.records.get(row["moment"], 0) + 1


def _records_of_chunk(uow: UnitOfWork, store: BureauStore, borrower_ids: list[int], day: date,
                      seen: dict[int, DayView | None]) -> list[dict]:
    """The replayed records of ``borrower_ids``' loans with no record of ``day`` yet (the
    fast paths' have one); ``seen``: those close of business replayed tonight (None: no
    moment today), whose books are not read nor replayed again."""
    books = uow.borrowers.books([b for b in borrower_ids if b not in seen])
    views = {b: view for b in borrower_ids if (view := seen.get(b)) is not None}
    books.update((b, view.book) for b, view in views.items())
    reporting = [b for b in borrower_ids if b not in seen or b in views]
    people = store.borrowers(reporting)
    loan_ids = [int(loan.loan_id) for book in books.values() for loan in book.loans]
    held = store.held_loans(loan_ids)
    settled_reported = store.loans_with_moment([
        int(loan.loan_id) for book in books.values() for loan in book.loans if loan.disbursed_on < day
    ], SETTLED)
    done = store.loans_recorded_on(loan_ids, day)
    rows = []
    for borrower_id in reporting:
        book = books[borrower_id]
        person = people[borrower_id]
        for loan_id, moment, figures in _moments(book, day, settled_reported, held, views.get(borrower_id)):
            if loan_id in done:
                continue
            rows.append({
                **figures, "loan_id": loan_id, "borrower_id": borrower_id, "kind": "record", "moment": moment,
                "as_of": day, "produced_on": day, "corrects_id": None, "reason": "",
                "name": person.name, "phone": person.phone,
            })
    return rows


def _may_report(book: Book, day: date) -> bool:
    """Whether any of the borrower's loans may have a moment on ``day``: something booked
    or a loan disbursed or due that day, or a plan ever changed by R11 (the candidates
    are chosen in SQL from the disbursed plans; a changed plan may have other due dates)."""
    return (any(tx.booked_on == day for tx in book.transactions) or bool(book.plan_changes) or any(
        loan.disbursed_on == day or any(i.due_date == day for i in loan.schedule) for loan in book.loans))


def _moments(book: Book, day: date, settled_reported: set[int], held: set[int], view: DayView | None = None):
    """(loan id, moment, figures) for each of the borrower's loans with a moment today;
    ``view``: close of business's view of the day (else replayed here)."""
    if not _may_report(book, day):  # a borrower with nothing today is not replayed
        return
    today_tx = {tx.tx_id: tx for tx in book.transactions if tx.booked_on == day}
    changes = {change.loan_id: change for change in book.plan_changes if change.value_date == day}
    current, statuses = (view.closed, view.statuses) if view is not None else day_view(book, day)
    paid = {line.loan_id for a in current.allocations if a.tx_id in today_tx for line in a.lines}
    paid |= {tx.loan_id for tx in today_tx.values() if isinstance(tx, Payoff)}
    for loan in current.loans:
        stored_id = int(loan.loan_id)
        found = set()
        if loan.settled_on is not None:
            if stored_id not in settled_reported and (loan.settled_on == day or loan.loan_id in paid):
                found.add(SETTLED)
            if loan.settled_on < day and SETTLED not in found:
                continue  # settled before: nothing more to report
        change = changes.get(loan.loan_id)
        if change is not None and current.plan_change(change.fact_id) is not None:
            found.add(EXTENSION if isinstance(change, Extension) else SPECIAL)
        if any(i.due_date == day for i in loan.schedule):
            found.add(DUE_DATE)
        if loan.loan_id in paid:
            found.add(REPAYMENT)
        if loan.disbursed_on == day:
            found.add(OPENED)
        if found:
            moment = next(m for m in PRECEDENCE if m in found)
            yield stored_id, moment, account_figures(loan, statuses[loan.loan_id], day, held=stored_id in held)

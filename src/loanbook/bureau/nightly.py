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

from dataclasses import dataclass, field
from datetime import date

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
from loanbook.rules.book import Book, Extension, Payoff
from loanbook.store.bureau import BureauStore
from loanbook.store.unit_of_work import UnitOfWork

CHUNK_BORROWERS = 1000


@dataclass(slots=True)
class NightlyResult:
    records: dict[int, int] = field(default_factory=dict)  # moment -> count
    corrections: int = 0
    purged: int = 0


def nightly(uow: UnitOfWork, day: date) -> NightlyResult:
    """Close of business of ``day``: records, corrections, retention (R15)."""
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
        _add(store, _records_of_chunk(uow, store, chunk, day), result)
    result.purged = retention.purge(uow, day)
    return result


def _add(store: BureauStore, rows: list[dict], result: NightlyResult) -> None:
    store.insert_records(rows)
    for row in rows:
        result.records[row["moment"]] = result.records.get(row["moment"], 0) + 1


def _records_of_chunk(uow: UnitOfWork, store: BureauStore, borrower_ids: list[int], day: date) -> list[dict]:
    """The replayed records of ``borrower_ids``' loans with no record of ``day`` yet (the
    fast paths' have one)."""
    books = uow.borrowers.books(borrower_ids)
    people = store.borrowers(borrower_ids)
    loan_ids = [int(loan.loan_id) for book in books.values() for loan in book.loans]
    held = store.held_loans(loan_ids)
    settled_reported = store.loans_with_moment([
        int(loan.loan_id) for book in books.values() for loan in book.loans if loan.disbursed_on < day
    ], SETTLED)
    done = store.loans_recorded_on(loan_ids, day)
    rows = []
    for borrower_id in borrower_ids:
        book = books[borrower_id]
        person = people[borrower_id]
        for loan_id, moment, figures in _moments(book, day, settled_reported, held):
            if loan_id in done:
                continue
            rows.append({
                **figures, "loan_id": loan_id, "borrower_id": borrower_id, "kind": "record", "moment": moment,
                "as_of": day, "produced_on": day, "corrects_id": None, "reason": "",
                "name": person.name, "phone": person.phone,
            })
    return rows


def _moments(book: Book, day: date, settled_reported: set[int], held: set[int]):
    """(loan id, moment, figures) for each of the borrower's loans with a moment today."""
    today_tx = {tx.tx_id: tx for tx in book.transactions if tx.booked_on == day}
    changes = {change.loan_id: change for change in book.plan_changes if change.value_date == day}
    # A borrower with nothing today is not replayed (the candidates are chosen in SQL from
    # the disbursed plans; a plan changed by R11 may have other due dates: replayed).
    if not today_tx and not book.plan_changes and not any(
        loan.disbursed_on == day or any(i.due_date == day for i in loan.schedule) for loan in book.loans
    ):
        return
    current, statuses = day_view(book, day)
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

"""Close of business (COB): closing the business date, one day at a time.

Closing day D brings every borrower whose figures change overnight to the state of the
start of D + 1: instalments falling due (interest recognised), credit balances applied
on due dates (R6), grace turning into overdue (R5, R7), penalty accrued for the day
(R7). Income recognised overnight is posted once per product and day, with its
per-loan detail in ``accrual_details``; status changes become loan events.

Most nights most loans only fall due: an ACTIVE loan with nothing unpaid, of a borrower
with no credit balance and nothing in arrears, just gains the instalment due tomorrow.
The night after a due date, the unpaid ones only enter grace: a status, no figure. The
night grace ends, a wholly unpaid instalment goes overdue with its penalty from the due
date (R7); every night after, an overdue loan whose penalty runs on one instalment
gains a day of it, from the penalty state its mark carries (rules/forward.py). All of
these are brought forward in bulk by set-based statements (the same figures the core
would give; ``loanbook ledger check`` proves it). Every other borrower, whatever
changes its past or is not mechanical, is replayed through the rules core.

Restartable: the bulk step is one transaction; borrowers are then closed in chunks, each chunk in one transaction together with
the progress marker, and the day's last transaction posts the product entries, marks the
day done and moves the business date. Across workers (``--workers``, PostgreSQL), the
borrowers are closed in partitions instead of chunks, each with its done mark in one
transaction (service/cob_partitions.py, service/cob_workers.py). A run killed at any point and started again ends
exactly where an uninterrupted run would: a day closes exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine

from loanbook import bureau
from loanbook.bureau.nightly import ClosingViews
from loanbook.collections.worklist import nightly as collections_nightly
from loanbook.errors import BadInput, Conflict
from loanbook.ledger.accounts import Account
from loanbook.ledger.entries import JournalEntry, Line, signed
from loanbook.partners.posting import post_partner_split
from loanbook.service import partner_reconcile
from loanbook.service.requests import lapse_extensions
from loanbook.ledger.revaluation import DPD_BUCKET_BOUNDS, revalue
from loanbook.rules.moved import unchanged_overnight
from loanbook.store.unit_of_work import UnitOfWork

CHUNK_BORROWERS = 1000
ProgressCallback = Callable[[date, int], None]
# Closes the night's replayed borrowers in partitions instead of this process's chunks:
# (engine, day, chunk); see service/cob_partitions.py and service/cob_workers.py.
AcrossWorkers = Callable[[Engine, date, int], None]


@dataclass(frozen=True, slots=True)
class DayClosed:
    closed: date
    business_date: date
    borrowers_closed: int  # replayed through the rules core
    loans_in_bulk: int


def _close_chunk(uow: UnitOfWork, day: date, borrower_ids: list[int], views: ClosingViews | None = None) -> None:
    """``views``: the night's records are made in this process, from the same pass of the
    core as the position posted here (bureau/nightly.py); else each is replayed there."""
    tomorrow = day + timedelta(days=1)
    books = uow.borrowers.books(borrower_ids)
    marks = uow.marks.of_borrowers(borrower_ids)
    credits = uow.marks.credit_balances(borrower_ids)
    mark_rows, events, accruals, entries = [], [], [], []
    for borrower_id in borrower_ids:
        book = books[borrower_id]
        revaluation = revalue(
            borrower_id, book, tomorrow, marks, credits.get(borrower_id, 0),
            kind="credit_applied", aggregate_recognition=True, memo=f"close of business {day}",
            current=views.next_morning(borrower_id, book) if views is not None else None,
        )
        mark_rows.extend(revaluation.marks)
        events.extend(revaluation.events)
        accruals.extend(revaluation.accruals)
        entries.extend(revaluation.entries)
        if revaluation.credit_balance_fen != credits.get(borrower_id, 0):
            uow.marks.set_credit_balance(borrower_id, revaluation.credit_balance_fen)
    post_partner_split(uow, marks, mark_rows, on=tomorrow, kind="credit_applied")  # partner: R17 split + outbox
    uow.marks.put(mark_rows, marks)
    uow.events.add(events)
    uow.journal.add_accrual_details(accruals)
    uow.journal.post(entries)


def _move_in_bulk(uow: UnitOfWork, day: date) -> int:
    """The night's mechanical changes, set-based (store/nights.py): instalments falling
    due (R4), loans entering grace (R5), grace ending with the retroactive penalty (R7),
    a day of penalty (R7, R3). Each step takes only loans with nothing else happening
    tonight and marks them brought forward; every other borrower is replayed after."""
    products = {code: uow.products.get(code) for code in uow.products.codes()}
    grace_days = {code: product.grace_days for code, product in products.items()}
    tomorrow = day + timedelta(days=1)
    return (uow.nights.fall_due_in_bulk(tomorrow)
            + uow.nights.enter_grace_in_bulk(day, grace_days)
            + uow.nights.overdue_in_bulk(day, products)
            + uow.nights.penalty_day_in_bulk(day, products, DPD_BUCKET_BOUNDS))


def _quiet_replanned(uow: UnitOfWork, day: date, after_id: int) -> set[int]:
    """Borrowers whose plan R11 changed that are not replayed tonight: the set-based steps
    read the disbursed plans, so such a borrower is a candidate every night until its
    loan is settled, and on most nights nothing of it moves. Told from their stored
    positions (rules/moved.py ``unchanged_overnight``) where nothing is booked today and
    no credit balance is held (R6); their marks and positions stay of the day they were
    written, as a loan moved by no step does, and reads replay them (R11, rules/moved.py)."""
    candidates = uow.nights.quiet_candidates(day, after_id)
    stored = uow.marks.positions_of_borrowers(candidates)
    return {borrower_id for borrower_id in candidates
            if None not in stored[borrower_id] and unchanged_overnight(stored[borrower_id], day)}


def close_borrowers(uow: UnitOfWork, day: date, borrower_ids: list[int]) -> None:
    """Close these borrowers' night in ``uow``, uncommitted: a partition closed by a worker
    (service/cob_partitions.py) is closed exactly as an in-process chunk."""
    _close_chunk(uow, day, borrower_ids)


def _product_entries(uow: UnitOfWork, tomorrow: date) -> list[JournalEntry]:
    """One accrual entry per product: the sum of the night's per-loan details."""
    rows = uow.nights.accrual_totals(tomorrow)
    entries = []
    for product_code, interest, penalty, fee in rows:
        lines: list[Line] = []
        for receivable, income, amount in (
            (Account.INTEREST_RECEIVABLE, Account.INTEREST_INCOME, interest),
            (Account.PENALTY_RECEIVABLE, Account.PENALTY_INCOME, penalty),
            (Account.FEE_RECEIVABLE, Account.FEE_INCOME, fee),
        ):
            for line in (signed(receivable, amount, debit=True), signed(income, amount, debit=False)):
                if line is not None:
                    lines.append(line)
        if lines:
            entries.append(JournalEntry(tomorrow, "accrual", tuple(lines), product_code=product_code,
                                        memo=f"accruals of product {product_code} overnight into {tomorrow}"))
    return entries


def close_day(engine: Engine, *, chunk: int = CHUNK_BORROWERS, on_chunk: ProgressCallback | None = None,
              now: datetime | None = None, across: AcrossWorkers | None = None) -> DayClosed:
    """Close the current business date; resumes a close that was interrupted. ``now``
    (UTC, read by the caller: services never read the clock): Idempotency-Keys expired
    by then are deleted with the day's last transaction. ``across``: the replayed
    borrowers are closed in partitions by workers; a night once planned in partitions is
    finished in partitions, with or without workers."""
    with UnitOfWork(engine) as uow:
        day = uow.business_dates.get(lock="update")  # waits for the day's bookings in flight
        cob = uow.cob_days.get(day) or uow.cob_days.start(day)
        if cob.loans_in_bulk is None:  # one transaction: every bulk step, or none
            cob.loans_in_bulk = _move_in_bulk(uow, day)
        uow.commit()
    with UnitOfWork(engine) as uow:  # the night's list, once: the query is costly on a big book
        cob = uow.cob_days.get(day)
        in_partitions = across is not None or uow.partitions.planned(day)
        remaining, quiet = [], set()
        if not in_partitions:
            remaining = uow.nights.borrowers_changing(day, cob.last_borrower_id)
            quiet = _quiet_replanned(uow, day, cob.last_borrower_id)
            remaining = [borrower_id for borrower_id in remaining if borrower_id not in quiet]
    if in_partitions:
        if across is None:
            from loanbook.service.cob_partitions import close_here as across  # noqa: PLC0415 - it builds on this module
        across(engine, day, chunk)
    views = ClosingViews(day)  # one replay per borrower tonight: its records are made from it
    views.nothing_to_report(quiet)
    for start in range(0, len(remaining), chunk):
        borrower_ids = remaining[start : start + chunk]
        with UnitOfWork(engine) as uow:
            cob = uow.cob_days.get(day)
            _close_chunk(uow, day, borrower_ids, views)
            cob.last_borrower_id = borrower_ids[-1]
            cob.borrowers_closed += len(borrower_ids)
            uow.commit()
            if on_chunk is not None:
                on_chunk(day, cob.borrowers_closed)
    tomorrow = day + timedelta(days=1)
    with UnitOfWork(engine) as uow:
        if uow.business_dates.get() != day:
            raise Conflict(f"business day {day} was closed by another run")
        if uow.partitions.pending(day):  # across workers: the day ends only after its every partition
            raise Conflict(f"close of business of {day} still has partitions to close: run it again")
        uow.journal.post(_product_entries(uow, tomorrow))
        lapse_extensions(uow, day)  # R11: undecided at maturity, an extension request lapses
        partner_reconcile.nightly(uow, day)  # partner: R17 holds for loans in doubt, the daily file overdue
        bureau.nightly(uow, day, views=views)  # R15: the day's bureau records, in the transaction that closes the day
        cob = uow.cob_days.get(day)
        cob.status = "done"
        uow.business_dates.set(tomorrow)
        collections_nightly(uow, day)  # collections (R16): promises checked, the new business date's worklist
        uow.snapshots.record(tomorrow, DPD_BUCKET_BOUNDS)  # the back office's trends: the book as tomorrow opens
        if now is not None:
            uow.idempotency.delete_expired(now)
        closed, bulk = cob.borrowers_closed, cob.loans_in_bulk or 0
        uow.commit()
    return DayClosed(day, tomorrow, closed, bulk)


def close_until(engine: Engine, until: date, *, on_day: Callable[[DayClosed], None] | None = None,
                on_chunk: ProgressCallback | None = None, chunk: int = CHUNK_BORROWERS,
                now: datetime | None = None, across: AcrossWorkers | None = None) -> list[DayClosed]:
    """Close every day until the business date is ``until`` (``now``: see :func:`close_day`)."""
    with UnitOfWork(engine) as uow:
        today = uow.business_dates.get()
    if until < today:
        raise BadInput(f"the business date is already {today}; it cannot go back to {until}")
    closed = []
    while today < until:
        result = close_day(engine, on_chunk=on_chunk, chunk=chunk, now=now, across=across)
        closed.append(result)
        today = result.business_date
        if on_day is not None:
            on_day(result)
    return closed

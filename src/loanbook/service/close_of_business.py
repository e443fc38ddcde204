"""Close of business (COB): closing the business date, one day at a time.

Closing day D brings every borrower whose figures change overnight to the state of the
start of D + 1: instalments falling due (interest recognised), credit balances applied
on due dates (R6), grace turning into overdue (R5, R7), penalty accrued for the day
(R7). Income recognised overnight is posted once per product and day, with its
per-loan detail in ``accrual_details``; status changes become loan events.

Most nights most loans only fall due: an ACTIVE loan with nothing unpaid, of a borrower
with no credit balance and nothing in arrears, just gains the instalment due tomorrow.
The night after a due date, the unpaid ones only enter grace: a status, no figure.
Both are brought forward in bulk by set-based statements (the same figures the core
would give; ``loanbook ledger check`` proves it). Every other borrower is replayed
through the rules core.

Restartable: the bulk step is one transaction; borrowers are then closed in chunks, each chunk in one transaction together with
the progress marker, and the day's last transaction posts the product entries, marks the
day done and moves the business date. A run killed at any point and started again ends
exactly where an uninterrupted run would: a day closes exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Date, Engine, and_, func, insert, literal, or_, select, union, update

from loanbook.errors import BadInput, Conflict
from loanbook.ledger.accounts import Account
from loanbook.ledger.entries import JournalEntry, Line, signed
from loanbook.service.revaluation import revalue
from loanbook.service.requests import lapse_extensions
from loanbook.store.tables import AccrualDetailRow, BorrowerMarkRow, LoanEventRow, LoanMarkRow, PlanInstalmentRow, TransactionRow
from loanbook.store.unit_of_work import UnitOfWork

CHUNK_BORROWERS = 1000
ProgressCallback = Callable[[date, int], None]


@dataclass(frozen=True, slots=True)
class DayClosed:
    closed: date
    business_date: date
    borrowers_closed: int  # replayed through the rules core
    loans_in_bulk: int


def _replanned():  # noqa: ANN202 - a SELECT of loan ids
    """Loans whose plan an approved request changed (R11): ``plan_instalments`` holds the
    plan they were disbursed with, not their current one, so they are never moved in bulk
    and are replayed through the core every night until settled (few: hardship cases)."""
    return select(TransactionRow.loan_id).where(TransactionRow.request_id.is_not(None))


def _borrowers_to_close(uow: UnitOfWork, day: date, after_id: int) -> list[int]:
    """Borrowers whose figures change overnight and were not brought forward yet: a loan
    overdue (its penalty grows, R7), a loan whose grace ends tonight (R5), an unpaid
    instalment due on ``day`` (it enters grace), or an instalment due on ``day`` + 1 (it
    falls due, and a credit balance may pay it). A loan in grace with days of grace left
    does not change overnight."""
    tomorrow = day + timedelta(days=1)
    not_yet = LoanMarkRow.as_of < tomorrow
    arrears = select(LoanMarkRow.borrower_id.label("borrower_id")).where(
        or_(LoanMarkRow.status == "OVERDUE", and_(LoanMarkRow.status == "GRACE", LoanMarkRow.grace_ends_on <= day)),
        not_yet,
        LoanMarkRow.borrower_id > after_id,
    )
    falling_due = (
        select(LoanMarkRow.borrower_id.label("borrower_id"))
        .join(PlanInstalmentRow, PlanInstalmentRow.loan_id == LoanMarkRow.loan_id)
        .where(
            or_(
                PlanInstalmentRow.due_date == tomorrow,
                and_(PlanInstalmentRow.due_date == day, LoanMarkRow.amount_due_fen != 0),
            ),
            LoanMarkRow.status != "SETTLED",
            not_yet,
            LoanMarkRow.borrower_id > after_id,
        )
    )
    replanned = select(LoanMarkRow.borrower_id.label("borrower_id")).where(
        LoanMarkRow.loan_id.in_(_replanned()), LoanMarkRow.status != "SETTLED", not_yet, LoanMarkRow.borrower_id > after_id
    )
    both = union(arrears, falling_due, replanned).subquery()
    return list(uow.session.scalars(select(both.c.borrower_id).order_by(both.c.borrower_id)))


def _fall_due_in_bulk(uow: UnitOfWork, tomorrow: date) -> int:
    """Instalments due ``tomorrow`` of loans that only fall due overnight (R4, R5): the
    loan is ACTIVE with nothing unpaid, and its borrower has no credit balance (R6 would
    apply it) and no loan with anything unpaid. Returns how many loans moved."""
    unsettled_arrears = select(LoanMarkRow.borrower_id).where(
        LoanMarkRow.status != "SETTLED",
        or_(LoanMarkRow.status.in_(("GRACE", "OVERDUE")), LoanMarkRow.amount_due_fen != 0),
    )
    with_credit = select(BorrowerMarkRow.borrower_id).where(BorrowerMarkRow.credit_balance_fen != 0)
    eligible = and_(
        PlanInstalmentRow.loan_id == LoanMarkRow.loan_id,
        PlanInstalmentRow.due_date == tomorrow,
        LoanMarkRow.status == "ACTIVE",
        LoanMarkRow.as_of < tomorrow,
        LoanMarkRow.borrower_id.not_in(unsettled_arrears),
        LoanMarkRow.borrower_id.not_in(with_credit),
        LoanMarkRow.loan_id.not_in(_replanned()),
    )
    details = select(
        literal(tomorrow, Date).label("booked_on"), LoanMarkRow.loan_id, LoanMarkRow.product_code,
        PlanInstalmentRow.interest_fen, literal(0).label("penalty_fen"), literal(0).label("fee_fen"),
    ).where(eligible, PlanInstalmentRow.interest_fen != 0)
    uow.session.execute(
        insert(AccrualDetailRow).from_select(
            ["booked_on", "loan_id", "product_code", "interest_fen", "penalty_fen", "fee_fen"], details
        )
    )
    moved = uow.session.execute(
        update(LoanMarkRow)
        .where(eligible)
        .values(
            interest_recognized_fen=LoanMarkRow.interest_recognized_fen + PlanInstalmentRow.interest_fen,
            amount_due_fen=LoanMarkRow.amount_due_fen + PlanInstalmentRow.interest_fen + PlanInstalmentRow.principal_fen,
            as_of=tomorrow,
        )
        .execution_options(synchronize_session=False)
    )
    return moved.rowcount


def _enter_grace_in_bulk(uow: UnitOfWork, day: date) -> int:
    """Loans whose only change overnight is entering grace (R5): ACTIVE, something unpaid
    (an instalment due on ``day``: anything older would have them in grace already), no
    instalment due tomorrow, a product with grace days, and a borrower with no credit
    balance (R6 would apply it). Nothing is payable in grace, so their figures stay;
    the status, the end of grace and the event change. Returns how many loans moved."""
    tomorrow = day + timedelta(days=1)
    falling_due = select(PlanInstalmentRow.loan_id).where(PlanInstalmentRow.due_date == tomorrow)
    with_credit = select(BorrowerMarkRow.borrower_id).where(BorrowerMarkRow.credit_balance_fen != 0)
    moved = 0
    for code in uow.products.codes():
        grace_days = uow.products.get(code).grace_days
        if grace_days == 0:
            continue  # no grace: unpaid tonight is overdue tomorrow, with penalty (replayed)
        eligible = and_(
            LoanMarkRow.product_code == code,
            LoanMarkRow.status == "ACTIVE",
            LoanMarkRow.as_of < tomorrow,
            LoanMarkRow.amount_due_fen != 0,
            LoanMarkRow.loan_id.not_in(falling_due),
            LoanMarkRow.borrower_id.not_in(with_credit),
            LoanMarkRow.loan_id.not_in(_replanned()),
        )
        events = select(
            LoanMarkRow.loan_id, LoanMarkRow.borrower_id, literal(tomorrow, Date).label("on_date"),
            literal("entered_grace").label("kind"), literal("").label("detail"),
        ).where(eligible)
        uow.session.execute(insert(LoanEventRow).from_select(["loan_id", "borrower_id", "on_date", "kind", "detail"], events))
        moved += uow.session.execute(
            update(LoanMarkRow)
            .where(eligible)
            .values(status="GRACE", grace_ends_on=day + timedelta(days=grace_days), as_of=tomorrow)
            .execution_options(synchronize_session=False)
        ).rowcount
    return moved


def _close_chunk(uow: UnitOfWork, day: date, borrower_ids: list[int]) -> None:
    tomorrow = day + timedelta(days=1)
    books = uow.borrowers.books(borrower_ids)
    marks = uow.marks.of_borrowers(borrower_ids)
    credits = uow.marks.credit_balances(borrower_ids)
    mark_rows, events, accruals, entries = [], [], [], []
    for borrower_id in borrower_ids:
        revaluation = revalue(
            borrower_id, books[borrower_id], tomorrow, marks, credits.get(borrower_id, 0),
            kind="credit_applied", aggregate_recognition=True, memo=f"close of business {day}",
        )
        mark_rows.extend(revaluation.marks)
        events.extend(revaluation.events)
        accruals.extend(revaluation.accruals)
        entries.extend(revaluation.entries)
        if revaluation.credit_balance_fen != credits.get(borrower_id, 0):
            uow.marks.set_credit_balance(borrower_id, revaluation.credit_balance_fen)
    uow.marks.put(mark_rows, marks)
    uow.events.add(events)
    uow.journal.add_accrual_details(accruals)
    uow.journal.post(entries)


def _product_entries(uow: UnitOfWork, tomorrow: date) -> list[JournalEntry]:
    """One accrual entry per product: the sum of the night's per-loan details."""
    rows = uow.session.execute(
        select(
            AccrualDetailRow.product_code,
            func.sum(AccrualDetailRow.interest_fen),
            func.sum(AccrualDetailRow.penalty_fen),
            func.sum(AccrualDetailRow.fee_fen),
        )
        .where(AccrualDetailRow.booked_on == tomorrow)
        .group_by(AccrualDetailRow.product_code)
        .order_by(AccrualDetailRow.product_code)
    )
    entries = []
    for product_code, interest, penalty, fee in rows:
        lines: list[Line] = []
        for receivable, income, amount in (
            (Account.INTEREST_RECEIVABLE, Account.INTEREST_INCOME, int(interest)),
            (Account.PENALTY_RECEIVABLE, Account.PENALTY_INCOME, int(penalty)),
            (Account.FEE_RECEIVABLE, Account.FEE_INCOME, int(fee)),
        ):
            for line in (signed(receivable, amount, debit=True), signed(income, amount, debit=False)):
                if line is not None:
                    lines.append(line)
        if lines:
            entries.append(JournalEntry(tomorrow, "accrual", tuple(lines), product_code=product_code,
                                        memo=f"accruals of product {product_code} overnight into {tomorrow}"))
    return entries


def close_day(engine: Engine, *, chunk: int = CHUNK_BORROWERS, on_chunk: ProgressCallback | None = None,
              now: datetime | None = None) -> DayClosed:
    """Close the current business date; resumes a close that was interrupted. ``now``
    (UTC, read by the caller: services never read the clock): Idempotency-Keys expired
    by then are deleted with the day's last transaction."""
    with UnitOfWork(engine) as uow:
        day = uow.business_dates.get(lock="update")  # waits for the day's bookings in flight
        cob = uow.cob_days.get(day) or uow.cob_days.start(day)
        if cob.loans_in_bulk is None:  # one transaction: both bulk steps, or neither
            cob.loans_in_bulk = _fall_due_in_bulk(uow, day + timedelta(days=1)) + _enter_grace_in_bulk(uow, day)
        uow.commit()
    with UnitOfWork(engine) as uow:  # the night's list, once: the query is costly on a big book
        cob = uow.cob_days.get(day)
        remaining = _borrowers_to_close(uow, day, cob.last_borrower_id)
    for start in range(0, len(remaining), chunk):
        borrower_ids = remaining[start : start + chunk]
        with UnitOfWork(engine) as uow:
            cob = uow.cob_days.get(day)
            _close_chunk(uow, day, borrower_ids)
            cob.last_borrower_id = borrower_ids[-1]
            cob.borrowers_closed += len(borrower_ids)
            uow.commit()
            if on_chunk is not None:
                on_chunk(day, cob.borrowers_closed)
    tomorrow = day + timedelta(days=1)
    with UnitOfWork(engine) as uow:
        if uow.business_dates.get() != day:
            raise Conflict(f"business day {day} was closed by another run")
        uow.journal.post(_product_entries(uow, tomorrow))
        lapse_extensions(uow, day)  # R11: undecided at maturity, an extension request lapses
        cob = uow.cob_days.get(day)
        cob.status = "done"
        uow.business_dates.set(tomorrow)
        if now is not None:
            uow.idempotency.delete_expired(now)
        closed, bulk = cob.borrowers_closed, cob.loans_in_bulk or 0
        uow.commit()
    return DayClosed(day, tomorrow, closed, bulk)


def close_until(engine: Engine, until: date, *, on_day: Callable[[DayClosed], None] | None = None,
                on_chunk: ProgressCallback | None = None, chunk: int = CHUNK_BORROWERS,
                now: datetime | None = None) -> list[DayClosed]:
    """Close every day until the business date is ``until`` (``now``: see :func:`close_day`)."""
    with UnitOfWork(engine) as uow:
        today = uow.business_dates.get()
    if until < today:
        raise BadInput(f"the business date is already {today}; it cannot go back to {until}")
    closed = []
    while today < until:
        result = close_day(engine, on_chunk=on_chunk, chunk=chunk, now=now)
        closed.append(result)
        today = result.business_date
        if on_day is not None:
            on_day(result)
    return closed

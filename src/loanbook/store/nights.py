"""The set-based statements of close of business (R4-R7, R14): which borrowers change
overnight, the loans brought forward in bulk, the night's accrual totals. SQL stays in
``store/``; :mod:`loanbook.service.close_of_business` decides what runs when.

A night costs what moves (issue 10): every statement starts from the rows that can
change tonight, found through an index, never from a scan of every loan mark: the
instalments due on a day (``plan_instalments (due_date, loan_id)``), the marks in grace
or overdue (``loan_marks (status, dpd)``), the re-planned loans (a partial index on
``transactions``, migration 0017). Each is written as ``loan_id IN (SELECT loan_id ...)``
over an index that holds the loan id, so SQLite walks that index and finds each mark by
its key whatever its statistics say: it keeps only averages, and on a book where every
loan falls due on the same day (bench/cob.py) they told it to scan every mark on a night
when nothing is due. What is checked of each candidate (the borrower's other loans, its
credit balance, instalments near the date) is a correlated NOT EXISTS through an index:
a probe per candidate, not a list built from the whole table."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import Date, and_, bindparam, case, exists, func, insert, literal, or_, select, union, update
from sqlalchemy.orm import Session, aliased

from loanbook.rules.forward import rate_fraction
from loanbook.rules.products import Product

from loanbook.store.prepared import INSTALMENT_DUE_ON, run
from loanbook.store.tables import (
    AccrualDetailRow, BorrowerMarkRow, LoanEventRow, LoanMarkRow, PlanInstalmentRow, TransactionRow,
)

_ACCRUAL_COLUMNS = ["booked_on", "loan_id", "product_code", "interest_fen", "penalty_fen", "fee_fen"]
_EVENT_COLUMNS = ["loan_id", "borrower_id", "on_date", "kind", "detail"]
# Each night runs the same statements with other dates: they are built once (per product
# where a product's figures are in them) with the dates as parameters and run as Core
# statements on the tables (store/prepared.py), so a night pays for running them, not
# for building them and making SQLAlchemy's cache key anew (in the demo, 3 s of every 4
# these steps took). The parameters' names are no column's (Core reserves those for SET
# and VALUES). A step whose day has nothing of its kind (no instalment due, no loan
# overdue) is not run at all: one probe of an index tells (issue 10).
_STATEMENTS_KEPT = 256  # products x statements: a lender has a handful of products
_ACCRUAL_DETAILS, _EVENTS, _MARKS = AccrualDetailRow.__table__, LoanEventRow.__table__, LoanMarkRow.__table__


def _on(name: str):  # noqa: ANN202 - a bound parameter
    """A date given when the statement runs (``Session.execute(statement, {name: day})``)."""
    return bindparam(name, type_=Date)


def _rounded_penalty(fen_days, rate: tuple[int, int]):  # noqa: ANN001, ANN202 - SQL expressions
    """R3 in integers: fen x days x rate (= n / d), rounded half-up to the fen, as
    ``rules.forward.penalty_recognised_fen`` does with decimals. Every operand is whole
    and not negative, so integer division is floor division on both databases."""
    numerator, denominator = rate
    return (fen_days * (2 * numerator) + denominator) // (2 * denominator)


def _replanned():  # noqa: ANN202 - a SELECT of loan ids
    """Loans whose plan an approved request changed (R11): ``plan_instalments`` holds the
    plan they were disbursed with, not their current one, so they are never moved in bulk
    and are replayed through the core every night until settled (few: hardship cases).
    Read from the partial index of migration 0017 (its WHERE is this one)."""
    return select(TransactionRow.loan_id).where(TransactionRow.request_id.is_not(None))


def _due_on(name: str):  # noqa: ANN202 - a SELECT of loan ids
    """Loans with an instalment due on the date ``name``, from the index (due_date,
    loan_id) alone (an alias: some statements using it join ``plan_instalments`` too)."""
    plan = aliased(PlanInstalmentRow)
    return select(plan.loan_id).where(plan.due_date == _on(name))


def _marked(*statuses: str):  # noqa: ANN202 - a SELECT of loan ids
    """Loans whose mark has one of ``statuses``, from the index (status, dpd) alone (an
    alias: the statements using it are over ``loan_marks`` too, and must not correlate)."""
    mark = aliased(LoanMarkRow)
    return select(mark.loan_id).where(mark.status.in_(statuses))


def _no_credit():  # noqa: ANN202 - a condition on LoanMarkRow
    """The loan's borrower has no credit balance (R6 would apply it): one key lookup."""
    return ~exists().where(BorrowerMarkRow.borrower_id == LoanMarkRow.borrower_id,
                           BorrowerMarkRow.credit_balance_fen != 0)


def _nothing_due_between(first: str, last: str):  # noqa: ANN202 - a condition on LoanMarkRow
    """No instalment of the loan due from the date ``first`` to the date ``last``: a
    range of the index (loan_id, due_date), per candidate."""
    plan = aliased(PlanInstalmentRow)
    return ~exists().where(plan.loan_id == LoanMarkRow.loan_id, plan.due_date >= _on(first),
                           plan.due_date <= _on(last))


def _penalty_details(penalty, eligible):  # noqa: ANN001, ANN202 - SQL expressions; the INSERT
    """The night's accrual detail of ``penalty`` (R7) for each ``eligible`` loan, booked tomorrow."""
    return insert(_ACCRUAL_DETAILS).from_select(
        _ACCRUAL_COLUMNS,
        select(_on("tomorrow"), LoanMarkRow.loan_id, LoanMarkRow.product_code, literal(0),
               penalty, literal(0)).where(eligible, penalty != 0),
    )


@lru_cache(maxsize=1)
def _anything_overdue():  # noqa: ANN202 - a SELECT
    """One loan overdue with its mark of ``day``, if any: a probe of the index (status, dpd)."""
    return select(LoanMarkRow.loan_id).where(LoanMarkRow.status == "OVERDUE", LoanMarkRow.as_of == _on("day")).limit(1)


@lru_cache(maxsize=1)
def _borrowers_changing():  # noqa: ANN202 - a SELECT of borrower ids
    """Parameters: ``day``, ``tomorrow``, ``after_id`` (Nights.borrowers_changing)."""
    waiting = and_(LoanMarkRow.as_of < _on("tomorrow"), LoanMarkRow.borrower_id > bindparam("after_id"))
    open_ = and_(waiting, LoanMarkRow.status != "SETTLED")
    borrower = LoanMarkRow.borrower_id.label("borrower_id")
    arrears = select(borrower).where(
        LoanMarkRow.loan_id.in_(_marked("OVERDUE", "GRACE")),
        or_(LoanMarkRow.status == "OVERDUE",
            and_(LoanMarkRow.status == "GRACE", LoanMarkRow.grace_ends_on <= _on("day"))),
        waiting,
    )
    falling_due = select(borrower).where(LoanMarkRow.loan_id.in_(_due_on("tomorrow")), open_)
    unpaid_today = select(borrower).where(LoanMarkRow.loan_id.in_(_due_on("day")), LoanMarkRow.amount_due_fen != 0,
                                          open_)
    every = union(arrears, falling_due, unpaid_today, _replanned_open(borrower, open_)).subquery()
    return select(every.c.borrower_id).order_by(every.c.borrower_id)


def _replanned_open(borrower, open_):  # noqa: ANN001, ANN202 - the borrower column, a condition; a SELECT
    """Borrowers with an open loan whose plan R11 changed: candidates every night."""
    return select(borrower).where(LoanMarkRow.loan_id.in_(_replanned()), open_)


@lru_cache(maxsize=1)
def _quiet_candidates():  # noqa: ANN202 - a SELECT of borrower ids
    """Parameters: ``day``, ``tomorrow``, ``after_id`` (Nights.quiet_candidates)."""
    waiting = and_(LoanMarkRow.as_of < _on("tomorrow"), LoanMarkRow.borrower_id > bindparam("after_id"))
    other = aliased(LoanMarkRow)
    busy = select(other.loan_id).where(  # a loan of the borrower in grace, overdue or with something payable
        other.borrower_id == LoanMarkRow.borrower_id, other.status != "SETTLED",
        or_(other.status != "ACTIVE", other.amount_due_fen != 0),
    ).exists()
    booked = select(TransactionRow.id).where(
        TransactionRow.borrower_id == LoanMarkRow.borrower_id, TransactionRow.booked_on == _on("day")).exists()
    open_ = and_(waiting, LoanMarkRow.status != "SETTLED", ~busy, ~booked, _no_credit())
    return _replanned_open(LoanMarkRow.borrower_id, open_).distinct().order_by(LoanMarkRow.borrower_id)


@lru_cache(maxsize=1)
def _fall_due():  # noqa: ANN202 - the INSERT of the details and the UPDATE of the marks
    """Parameter: ``tomorrow`` (Nights.fall_due_in_bulk)."""
    # The borrowers in arrears and those with credit as two lists, each made once per
    # statement and only when a loan falls due: on a due date most of the book does,
    # and one read of the marks beats a probe per loan (at 200,000 loans the probes
    # took 2.6 s of CPU, the lists 1.7 s); a night with nothing due makes neither.
    other = aliased(LoanMarkRow)
    in_arrears = select(other.borrower_id).where(
        other.status != "SETTLED", or_(other.status.in_(("GRACE", "OVERDUE")), other.amount_due_fen != 0),
    )
    with_credit = select(BorrowerMarkRow.borrower_id).where(BorrowerMarkRow.credit_balance_fen != 0)
    eligible = and_(
        LoanMarkRow.loan_id.in_(_due_on("tomorrow")),
        PlanInstalmentRow.loan_id == LoanMarkRow.loan_id,
        PlanInstalmentRow.due_date == _on("tomorrow"),
        LoanMarkRow.status == "ACTIVE",
        LoanMarkRow.as_of < _on("tomorrow"),
        LoanMarkRow.borrower_id.not_in(in_arrears),
        LoanMarkRow.borrower_id.not_in(with_credit),
        LoanMarkRow.loan_id.not_in(_replanned()),
    )
    details = select(
        _on("tomorrow").label("booked_on"), LoanMarkRow.loan_id, LoanMarkRow.product_code,
        PlanInstalmentRow.interest_fen, literal(0).label("penalty_fen"), literal(0).label("fee_fen"),
    ).where(eligible, PlanInstalmentRow.interest_fen != 0)
    marks = (
        update(_MARKS)
        .where(eligible)
        .values(
            interest_recognized_fen=LoanMarkRow.interest_recognized_fen + PlanInstalmentRow.interest_fen,
            amount_due_fen=LoanMarkRow.amount_due_fen + PlanInstalmentRow.interest_fen + PlanInstalmentRow.principal_fen,
            as_of=_on("tomorrow"),
        )
    )
    return insert(_ACCRUAL_DETAILS).from_select(_ACCRUAL_COLUMNS, details), marks


@lru_cache(maxsize=_STATEMENTS_KEPT)
def _enter_grace(code: str, grace_days: int):  # noqa: ANN202 - the INSERT of the events and the UPDATE of the marks
    """Parameters: ``day``, ``tomorrow``, ``grace_end`` (Nights.enter_grace_in_bulk)."""
    eligible = and_(
        LoanMarkRow.loan_id.in_(_due_on("day")),
        LoanMarkRow.product_code == code,
        LoanMarkRow.status == "ACTIVE",
        LoanMarkRow.as_of < _on("tomorrow"),
        LoanMarkRow.amount_due_fen != 0,
        _nothing_due_between("tomorrow", "tomorrow"),
        _no_credit(),
        LoanMarkRow.loan_id.not_in(_replanned()),
    )
    events = select(
        LoanMarkRow.loan_id, LoanMarkRow.borrower_id, _on("tomorrow").label("on_date"),
        literal("entered_grace").label("kind"), literal("").label("detail"),
    ).where(eligible)
    marks = (
        update(_MARKS)
        .where(eligible)
        .values(status="GRACE", grace_ends_on=_on("grace_end"), as_of=_on("tomorrow"))
    )
    return insert(_EVENTS).from_select(_EVENT_COLUMNS, events), marks


@lru_cache(maxsize=_STATEMENTS_KEPT)
def _overdue(code: str, days: int, rate: tuple[int, int]):  # noqa: ANN202 - INSERTs and the UPDATE
    """Parameters: ``day``, ``tomorrow``, ``due``, ``after_due`` (Nights.overdue_in_bulk);
    ``days`` from the due date to tomorrow (grace days + 1)."""
    base = PlanInstalmentRow.principal_fen + PlanInstalmentRow.interest_fen
    fen_days = base * days
    penalty = _rounded_penalty(fen_days, rate)
    eligible = and_(
        LoanMarkRow.loan_id.in_(_due_on("due")),
        LoanMarkRow.product_code == code,
        LoanMarkRow.status == "GRACE",
        LoanMarkRow.grace_ends_on == _on("day"),
        LoanMarkRow.as_of < _on("tomorrow"),
        LoanMarkRow.interest_waived_fen == 0,
        LoanMarkRow.penalty_waived_fen == 0,
        PlanInstalmentRow.loan_id == LoanMarkRow.loan_id,
        PlanInstalmentRow.due_date == _on("due"),
        LoanMarkRow.amount_due_fen == base,
        _nothing_due_between("after_due", "tomorrow"),
        _no_credit(),
        LoanMarkRow.loan_id.not_in(_replanned()),
    )
    details = _penalty_details(penalty, eligible)
    events = insert(_EVENTS).from_select(
        _EVENT_COLUMNS,
        select(LoanMarkRow.loan_id, LoanMarkRow.borrower_id, _on("tomorrow"), literal("went_overdue"),
               literal(f"dpd {days}")).where(eligible),
    )
    marks = (
        update(_MARKS)
        .where(eligible)
        .values(
            status="OVERDUE", dpd=days, grace_ends_on=None, as_of=_on("tomorrow"),
            penalty_recognized_fen=LoanMarkRow.penalty_recognized_fen + penalty,
            amount_due_fen=LoanMarkRow.amount_due_fen + penalty,
            penalty_base_fen=base, penalty_fen_days=fen_days,
        )
    )
    return details, events, marks


@lru_cache(maxsize=_STATEMENTS_KEPT)
def _penalty_day(code: str, rate: tuple[int, int], bucket_bounds: tuple[int, ...]):  # noqa: ANN202 - statements
    """Parameters: ``day``, ``tomorrow``, ``grace_start`` (Nights.penalty_day_in_bulk);
    the event INSERT is None without bounds."""
    fen_days = LoanMarkRow.penalty_fen_days + LoanMarkRow.penalty_base_fen
    change = _rounded_penalty(fen_days, rate) - _rounded_penalty(LoanMarkRow.penalty_fen_days, rate)
    eligible = and_(
        LoanMarkRow.loan_id.in_(_marked("OVERDUE")),
        LoanMarkRow.product_code == code,
        LoanMarkRow.status == "OVERDUE",
        LoanMarkRow.as_of == _on("day"),
        LoanMarkRow.penalty_fen_days.is_not(None),
        LoanMarkRow.penalty_base_fen.is_not(None),
        _nothing_due_between("grace_start", "tomorrow"),
        _no_credit(),
        LoanMarkRow.loan_id.not_in(_replanned()),
    )
    details = _penalty_details(change, eligible)
    events = None
    # R15: DPD goes from a bound to bound + 1, the loan into bucket 2, 3, ...: one
    # statement for every bound, the detail chosen by the DPD.
    if bucket_bounds:
        crossing = case(*((LoanMarkRow.dpd == bound, literal(f"bucket {bucket} at dpd {bound + 1}"))
                          for bucket, bound in enumerate(bucket_bounds, start=2)))
        events = insert(_EVENTS).from_select(
            _EVENT_COLUMNS,
            select(LoanMarkRow.loan_id, LoanMarkRow.borrower_id, _on("tomorrow"), literal("dpd_bucket"),
                   crossing).where(eligible, LoanMarkRow.dpd.in_(bucket_bounds)),
        )
    marks = (
        update(_MARKS)
        .where(eligible)
        .values(
            dpd=LoanMarkRow.dpd + 1, as_of=_on("tomorrow"), penalty_fen_days=fen_days,
            penalty_recognized_fen=LoanMarkRow.penalty_recognized_fen + change,
            amount_due_fen=LoanMarkRow.amount_due_fen + change,
        )
    )
    return details, events, marks


class Nights:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _anything_due_on(self, day: date) -> bool:
        return run(self.session, INSTALMENT_DUE_ON, {"day": day}).first() is not None

    def borrowers_changing(self, day: date, after_id: int) -> list[int]:
        """Borrowers whose figures change overnight and were not brought forward yet: a
        loan overdue (its penalty grows, R7), a loan whose grace ends tonight (R5), an
        unpaid instalment due on ``day`` (it enters grace), or an instalment due on
        ``day`` + 1 (it falls due, and a credit balance may pay it). A loan in grace with
        days of grace left does not change overnight."""
        parameters = {"day": day, "tomorrow": day + timedelta(days=1), "after_id": after_id}
        return list(run(self.session, _borrowers_changing(), parameters).scalars())

    def quiet_candidates(self, day: date, after_id: int) -> list[int]:
        """Those of :meth:`borrowers_changing` there because a loan of theirs is open with a
        plan R11 changed, with no loan in grace, overdue or with anything payable, nothing
        booked on ``day`` and no credit balance: the ones whose night may change nothing
        (rules/moved.py ``unchanged_overnight`` tells, from their stored positions)."""
        parameters = {"day": day, "tomorrow": day + timedelta(days=1), "after_id": after_id}
        return list(run(self.session, _quiet_candidates(), parameters).scalars())

    def fall_due_in_bulk(self, tomorrow: date) -> int:
        """Instalments due ``tomorrow`` of loans that only fall due overnight (R4, R5): the
        loan is ACTIVE with nothing unpaid, and its borrower has no credit balance (R6
        would apply it) and no loan with anything unpaid. Returns how many loans moved."""
        if not self._anything_due_on(tomorrow):
            return 0
        details, marks = _fall_due()
        parameters = {"tomorrow": tomorrow}
        run(self.session, details, parameters)
        return run(self.session, marks, parameters).rowcount

    def enter_grace_in_bulk(self, day: date, grace_days_by_product: dict[str, int]) -> int:
        """Loans whose only change overnight is entering grace (R5): ACTIVE, something
        unpaid (an instalment due on ``day``: anything older would have them in grace
        already, so the day's due instalments are where to look), no instalment due
        tomorrow, a product with grace days, and a borrower with no credit balance (R6
        would apply it). Nothing is payable in grace, so their figures stay; the status,
        the end of grace and the event change. Returns how many loans moved."""
        if not self._anything_due_on(day):
            return 0
        moved = 0
        for code, grace_days in grace_days_by_product.items():
            if grace_days == 0:
                continue  # no grace: unpaid tonight is overdue tomorrow, with penalty (replayed)
            events, marks = _enter_grace(code, grace_days)
            parameters = {"day": day, "tomorrow": day + timedelta(days=1),
                          "grace_end": day + timedelta(days=grace_days)}
            run(self.session, events, parameters)
            moved += run(self.session, marks, parameters).rowcount
        return moved

    def overdue_in_bulk(self, day: date, products: dict[str, Product]) -> int:
        """Loans whose grace ends tonight with their instalment wholly unpaid go overdue
        with the retroactive penalty (R5, R7): the instalment due ``day`` - grace days
        bears penalty from its due date, on its whole principal + interest, for every day
        through ``day``: tomorrow - due date days, accrued exactly and recognised rounded
        (R3). Only where that is all that happens: no other instalment due from the day
        after it to tomorrow, no credit balance (R6 would apply it), no coupon (R13), no
        plan change (R11). "Wholly unpaid" is the loan's amount due being that
        instalment's principal + interest: earlier ones are paid (else the loan would be
        overdue already) and nothing is payable in grace. A partly paid one is replayed:
        when it was paid sets its penalty. Returns how many loans moved."""
        tomorrow = day + timedelta(days=1)
        moved = 0
        for code, product in products.items():
            grace_days, rate = product.grace_days, product.penalty_daily_rate
            if grace_days == 0 or rate <= 0:
                continue  # no grace: no GRACE status to leave; no rate: replayed (rules/forward.py)
            due = day - timedelta(days=grace_days)
            if not self._anything_due_on(due):
                continue
            details, events, marks = _overdue(code, (tomorrow - due).days, rate_fraction(rate))
            parameters = {"day": day, "tomorrow": tomorrow, "due": due, "after_due": due + timedelta(days=1)}
            run(self.session, details, parameters)
            run(self.session, events, parameters)
            moved += run(self.session, marks, parameters).rowcount
        return moved

    def penalty_day_in_bulk(self, day: date, products: dict[str, Product], bucket_bounds: tuple[int, ...]) -> int:
        """A day of penalty for overdue loans whose penalty runs on one instalment
        (``penalty_fen_days`` stored, rules/forward.py): the integral gains the day's
        base (R7), the recognised penalty its change of rounding (R3), DPD a day, and a
        DPD bucket event where it crosses a bound (R15). Only where nothing else happens
        tonight: no instalment due from ``day`` - grace days to tomorrow (one may be in
        grace, fall due, or go overdue), no credit balance, no plan change. The mark must
        be of ``day`` (overdue loans are moved every night). Returns how many loans moved."""
        if run(self.session, _anything_overdue(), {"day": day}).first() is None:
            return 0
        tomorrow = day + timedelta(days=1)
        moved = 0
        for code, product in products.items():
            rate = product.penalty_daily_rate
            if rate <= 0:
                continue
            details, events, marks = _penalty_day(code, rate_fraction(rate), tuple(bucket_bounds))
            parameters = {"day": day, "tomorrow": tomorrow, "grace_start": day - timedelta(days=product.grace_days)}
            run(self.session, details, parameters)
            if events is not None:
                run(self.session, events, parameters)
            moved += run(self.session, marks, parameters).rowcount
        return moved

    def accrual_totals(self, booked_on: date) -> list[tuple[str, int, int, int]]:
        """(product, interest, penalty, fee) of the night's per-loan accrual details, in fen."""
        rows = self.session.execute(
            select(
                AccrualDetailRow.product_code,
                func.sum(AccrualDetailRow.interest_fen),
                func.sum(AccrualDetailRow.penalty_fen),
                func.sum(AccrualDetailRow.fee_fen),
            )
            .where(AccrualDetailRow.booked_on == booked_on)
            .group_by(AccrualDetailRow.product_code)
            .order_by(AccrualDetailRow.product_code)
        )
        return [(code, int(interest), int(penalty), int(fee)) for code, interest, penalty, fee in rows]

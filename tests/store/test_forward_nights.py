"""Forward nights (R5, R7, R3): close of business moves loans going overdue, and overdue
loans gaining a day of penalty, by set-based SQL; the result must be exactly what the
rules core gives when every changing borrower is replayed instead."""

from __future__ import annotations

import os
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, literal, select, update

from helpers import store_contents
from loanbook.rules.forward import penalty_recognised_fen, rate_fraction
from loanbook.service import close_of_business, servicing
from loanbook.service.close_of_business import close_day, close_until
from loanbook.service.ledger_check import check_ledger
from loanbook.service.setup import init_database
from loanbook.store.nights import _rounded_penalty
from loanbook.store.scratch import scratch_engine
from loanbook.store.tables import LoanMarkRow
from loanbook.store.unit_of_work import UnitOfWork
from words import A, D

START = D("2026-01-15")
HORIZON_DAYS = 62  # first due dates 02-10 (FLEX6) or 02-15 (TERM6), grace, overdue past DPD 30 (a bucket)
EXAMPLES = int(os.environ.get("LOANBOOK_FORWARD_EXAMPLES", "5"))


def _book_loans(engine, loans: list[tuple[str, int, int]]) -> list[int]:  # noqa: ANN001
    ids = []
    with UnitOfWork(engine) as uow:
        for n, _ in enumerate(loans):
            ids.append(servicing.create_borrower(uow, name=f"borrower {n}", phone=f"1390000{n:04d}",
                                                 credit_limit=A("30000.00")).borrower.id)
    for borrower_id, (product, principal, terms) in zip(ids, loans):
        with UnitOfWork(engine) as uow:
            servicing.disburse_loan(uow, borrower_id=borrower_id, product_code=product, principal=Decimal(principal),
                                    terms=terms)
    return ids


def _pay(engine, borrower_id: int, kind: str, late_by: int) -> None:  # noqa: ANN001
    """A repayment booked today, value-dated ``late_by`` days earlier (R6: booked late)."""
    with UnitOfWork(engine) as uow:
        today = uow.business_dates.get()
        due = servicing.borrower_bill(uow, borrower_id, today).total
    amount = {"bill": due, "half": (due / 2).quantize(A("0.01")), "over": due + A("25.00"), "small": A("7.31")}[kind]
    if amount <= 0:
        return
    with UnitOfWork(engine) as uow:
        servicing.repay(uow, borrower_id=borrower_id, amount=amount, value_date=max(START, today - timedelta(days=late_by)))


def _run_story(engine, loans, payments) -> None:  # noqa: ANN001
    init_database(engine, business_date=START)
    ids = _book_loans(engine, loans)
    by_day: dict[int, list[tuple[int, str, int]]] = {}
    for day, who, kind, late_by in payments:
        by_day.setdefault(day, []).append((ids[who % len(ids)], kind, late_by))
    for day in range(HORIZON_DAYS):
        for borrower_id, kind, late_by in by_day.get(day, ()):
            _pay(engine, borrower_id, kind, late_by)
        close_day(engine)


def _comparable(engine) -> dict[str, list[tuple]]:  # noqa: ANN001
    """What close of business writes, less what only says how it got there: the stored
    position JSON (set-based nights leave it of an earlier day; reads then replay) and
    the per-day counts of loans in bulk and borrowers replayed."""
    contents = store_contents(engine)
    contents["loan_marks"] = [row[:-4] + row[-2:] for row in contents["loan_marks"]]  # without position_on/_json
    contents["cob_days"] = [row[:2] for row in contents["cob_days"]]
    return contents


stories = st.tuples(
    st.lists(st.tuples(st.sampled_from(["FLEX6", "TERM6"]), st.integers(1000, 20000), st.integers(1, 6)),
             min_size=1, max_size=3),
    st.lists(st.tuples(st.integers(0, HORIZON_DAYS - 1), st.integers(0, 2),
                       st.sampled_from(["bill", "half", "over", "small"]), st.integers(0, 5)), max_size=6),
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(story=stories)
def test_forward_nights_equal_replaying_every_changing_borrower(backend, story):
    loans, payments = story
    with scratch_engine(backend) as forward, scratch_engine(backend) as replayed:
        _run_story(forward, loans, payments)
        with mock.patch.object(close_of_business, "_move_in_bulk", lambda uow, day: 0):
            _run_story(replayed, loans, payments)
        assert _comparable(forward) == _comparable(replayed)
        report = check_ledger(forward)
        assert report.ok, report.problems


def test_an_unpaid_instalment_goes_overdue_and_gains_penalty_in_bulk(engine):
    """W: 130.00 unpaid from 02-10 (FLEX6, grace 3 days): overdue at the start of 02-14
    with 4 days of penalty, 130.00 x 4 x 0.075% = 0.39; then a day more each night
    (0.4875 -> 0.49 on 02-15), all without a replay."""
    (borrower_id,) = _book_loans(engine, [("FLEX6", 10000, 6)])
    close_until(engine, D("2026-02-13"))
    grace_ends = close_day(engine)
    assert (grace_ends.borrowers_closed, grace_ends.loans_in_bulk) == (0, 1)
    with UnitOfWork(engine) as uow:
        (mark,) = uow.marks.of_borrowers([borrower_id]).values()
        assert (mark.status, mark.dpd, mark.figures.penalty_recognized_fen, mark.amount_due_fen) == ("OVERDUE", 4, 39, 13039)
        assert (mark.penalty_base_fen, mark.penalty_fen_days) == (13000, 52000)
    penalty_day = close_day(engine)
    assert (penalty_day.borrowers_closed, penalty_day.loans_in_bulk) == (0, 1)
    with UnitOfWork(engine) as uow:
        (mark,) = uow.marks.of_borrowers([borrower_id]).values()
        assert (mark.dpd, mark.figures.penalty_recognized_fen, mark.penalty_fen_days) == (5, 49, 65000)
    close_until(engine, D("2026-03-09"))  # the next due date is near: replayed again from here
    report = check_ledger(engine)
    assert report.ok, report.problems


def test_a_partly_paid_instalment_is_replayed_when_grace_ends(engine):
    """Paid in part during grace: when it was paid sets the penalty (R7), so the core
    replays it; the stored state it writes then moves forward in bulk."""
    (borrower_id,) = _book_loans(engine, [("FLEX6", 10000, 6)])
    close_until(engine, D("2026-02-11"))
    with UnitOfWork(engine) as uow:
        servicing.repay(uow, borrower_id=borrower_id, amount=A("50.00"))
    close_until(engine, D("2026-02-13"))
    grace_ends = close_day(engine)
    assert (grace_ends.borrowers_closed, grace_ends.loans_in_bulk) == (1, 0)
    penalty_day = close_day(engine)
    assert (penalty_day.borrowers_closed, penalty_day.loans_in_bulk) == (0, 1)
    report = check_ledger(engine)
    assert report.ok, report.problems


def test_ledger_check_catches_a_wrong_penalty_state(engine):
    (borrower_id,) = _book_loans(engine, [("FLEX6", 10000, 6)])
    close_until(engine, D("2026-02-15"))
    with UnitOfWork(engine) as uow:
        (mark,) = uow.marks.of_borrowers([borrower_id]).values()  # a value: the row is changed by SQL
        uow.session.execute(update(LoanMarkRow).where(LoanMarkRow.loan_id == mark.loan_id)
                            .values(penalty_fen_days=mark.penalty_fen_days + 1))
        uow.commit()
    report = check_ledger(engine)
    assert not report.ok and "stored penalty state" in " ".join(report.problems)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fen_days=st.integers(0, 10**11),
       rate=st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("0.01"), places=7))
def test_the_sql_rounding_of_penalty_is_r3s(engine, fen_days, rate):
    """R3 half-up rounding of fen x days x rate, in integer SQL on the database, equals
    the decimal rounding of the core."""
    expected = int((Decimal(fen_days) * rate / 100).quantize(A("0.01"), rounding=ROUND_HALF_UP) * 100)
    assert penalty_recognised_fen(fen_days, rate) == expected
    with UnitOfWork(engine) as uow:
        in_sql = uow.session.scalar(select(_rounded_penalty(literal(fen_days, BigInteger), rate_fraction(rate))))
    assert in_sql == expected


def test_pre_notices_of_a_night_are_recorded_in_one_batch(engine):
    from loanbook.bureau.notices import record_pre_notices
    from loanbook.errors import BadInput, NotFound
    from loanbook.store.bureau import BureauStore

    ids = _book_loans(engine, [("FLEX6", 10000, 6), ("TERM6", 5000, 3)])
    with UnitOfWork(engine) as uow:
        loan_ids = sorted(uow.marks.of_borrowers(ids))
        today = uow.business_dates.get()
        for bad, error in (([(loan_ids[0], "pigeon")], BadInput), ([(999_999, "sms")], NotFound)):
            try:
                record_pre_notices(uow, on=today, notices=bad)
            except error:
                pass
            else:  # pragma: no cover - the assertion below names it
                raise AssertionError(f"{bad} was recorded")
        assert record_pre_notices(uow, on=today, notices=[(loan_ids[0], "sms"), (loan_ids[1], "app")]) == 2
        assert BureauStore(uow.session).noticed_loans(loan_ids, today) == set(loan_ids)
        try:
            record_pre_notices(uow, on=today + timedelta(days=1), notices=[(loan_ids[0], "sms")])
        except BadInput:
            pass
        else:  # pragma: no cover
            raise AssertionError("a pre-notice after the business date was recorded")

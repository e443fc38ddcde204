"""Issue 6's three engine defects (10, 11, 12), each with its minimal scenario, played in
memory (tests/store/test_engine_defects_through_store.py plays them through the store),
and the core rules behind them: R5 (a loan exists from its disbursement day), R6 (all
rules use the value date; a value day's facts in the order they happened), R8."""

from __future__ import annotations

from datetime import datetime

import pytest

from builders import loan_on, new_book, with_loan
from paths import ROOT
from words import A, D
from loanbook.errors import RuleRefusal
from loanbook.rules import operations
from loanbook.rules.position import LoanStatus
from loanbook.rules.replay import position
from loanbook.scenario.model import load_scenario
from loanbook.scenario.runner import play

DEFECTS = sorted((ROOT / "tests" / "scenarios" / "engine-defects").glob("*.yaml"))


@pytest.mark.parametrize("path", DEFECTS, ids=[p.stem for p in DEFECTS])
def test_issue_6_defect_scenario_passes_in_memory(path):
    result = play(load_scenario(path))
    assert result.failures == [], result.failures
    assert len(result.checkpoints) == len(result.scenario.checkpoints)


def test_defect_10_the_checkpoint_on_the_disbursement_day_shows_the_loan():
    result = play(load_scenario(DEFECTS[0]))
    first = result.checkpoints[0]
    loan = first.loan("A")
    assert loan is not None and loan.status is LoanStatus.ACTIVE
    assert loan.principal_outstanding == A("10000.00") and loan.payoff is None  # R8: no payoff that day


def one_term_loan():
    return with_loan(new_book(), "A", "1000.00", 1, D("2026-01-15"))


def test_defect_11_a_late_booked_payoff_before_the_settling_repayment_is_accepted():
    book, _ = operations.repay(one_term_loan(), amount=A("1013.00"), value_date=D("2026-02-10"), business_date=D("2026-02-10"))
    book, allocation = operations.pay_off(book, loan_id="A", value_date=D("2026-02-01"), business_date=D("2026-02-20"))
    assert allocation.amount == A("1008.50")  # 1000.00 + 1000.00 x 0.0005 x 17 days (R8)
    after = position(book, D("2026-02-21"))
    assert after.loan("A").settled_on == D("2026-02-01")
    assert after.credit_balance == A("1013.00")  # the later repayment found nothing to pay (R6)


def test_defect_11_a_payoff_value_dated_after_the_settlement_is_still_refused():
    book, _ = operations.repay(one_term_loan(), amount=A("1013.00"), value_date=D("2026-02-10"), business_date=D("2026-02-10"))
    with pytest.raises(RuleRefusal, match="settled on 2026-02-10"):
        operations.pay_off(book, loan_id="A", value_date=D("2026-02-11"), business_date=D("2026-02-20"))


def at(day: str, hour: int) -> datetime:
    return datetime.combine(D(day), datetime.min.time()).replace(hour=hour)


def test_defect_12_a_payoff_received_earlier_that_day_is_applied_first():
    book, _ = operations.repay(one_term_loan(), amount=A("5.00"), value_date=D("2026-02-20"),
                               business_date=D("2026-02-20"), received_at=at("2026-02-20", 15))
    # R8: the quote of a payoff at 09:00 does not see the 5.00 paid at 15:00
    assert operations.quote(book, "A", D("2026-02-20"), received_at=at("2026-02-20", 9)).total == A("1020.60")
    assert operations.quote(book, "A", D("2026-02-20")).total == A("1015.60")  # no time: after the day's facts
    book, allocation = operations.pay_off(book, loan_id="A", value_date=D("2026-02-20"),
                                          business_date=D("2026-02-22"), received_at=at("2026-02-20", 9))
    assert allocation.amount == A("1020.60")
    after = position(book, D("2026-02-23"))
    assert after.credit_balance == A("5.00")
    assert after.loan("A").penalty_paid == A("7.60")


def test_defect_12_a_late_item_without_a_time_comes_after_the_days_timed_items():
    book, _ = operations.repay(one_term_loan(), amount=A("5.00"), value_date=D("2026-02-20"),
                               business_date=D("2026-02-20"), received_at=at("2026-02-20", 23))
    book, allocation = operations.pay_off(book, loan_id="A", value_date=D("2026-02-20"), business_date=D("2026-02-22"))
    assert allocation.amount == A("1015.60")  # what the day's quote showed once the 5.00 was known
    assert position(book, D("2026-02-23")).credit_balance == A("0.00")


def test_defect_12_times_with_a_zone_are_compared_in_utc():
    book, _ = operations.repay(one_term_loan(), amount=A("5.00"), value_date=D("2026-02-20"),
                               business_date=D("2026-02-20"), received_at=datetime.fromisoformat("2026-02-20T09:00+08:00"))
    assert book.transactions[-1].received_at == at("2026-02-20", 1)
    quote = operations.quote(book, "A", D("2026-02-20"), received_at=datetime.fromisoformat("2026-02-20T08:30+08:00"))
    assert quote.total == A("1020.60")  # 00:30 UTC, before the 5.00
    assert loan_on(book, "A", D("2026-02-21")).penalty_paid == A("5.00")


# --- defect 12 as a property: with times of receipt, booking order does not matter ------

from datetime import timedelta  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from decimal import Decimal  # noqa: E402

from loanbook.rules.book import Book  # noqa: E402

payments = st.lists(
    st.tuples(st.integers(min_value=20, max_value=60), st.integers(min_value=0, max_value=86_399),
              st.integers(min_value=1, max_value=120_000), st.integers(min_value=0, max_value=15)),
    min_size=1, max_size=10, unique_by=lambda item: (item[0], item[1]),  # a tie keeps booking order
)


def booked(delays_of, items) -> Book:
    """Two loans and the repayments ``items`` (day, second of the day, fen, delay), each
    booked ``delays_of(item)`` days after its value date, in booking order."""
    book = with_loan(with_loan(new_book(), "A", "5000.00", 3, D("2026-01-15")), "B", "2000.00", 2, D("2026-01-15"))
    start = D("2026-01-15")
    bookings = sorted(
        ((start + timedelta(days=day + delays_of(n, delay)), n, (day, second, fen)) for n, (day, second, fen, delay)
         in enumerate(items)), key=lambda b: (b[0], b[1]))
    for booking_day, _, (day, second, fen) in bookings:
        value_date = start + timedelta(days=day)
        book, _ = operations.repay(book, amount=(Decimal(fen) / 100).quantize(Decimal("0.01")), value_date=value_date, business_date=booking_day,
                                   received_at=datetime.combine(value_date, datetime.min.time()) + timedelta(seconds=second))
    return book


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payments)
def test_defect_12_with_times_of_receipt_the_booking_order_does_not_change_the_books(items):
    on_time = booked(lambda n, delay: 0, items)
    late = booked(lambda n, delay: delay, items)
    after = D("2026-01-15") + timedelta(days=60 + 16)
    assert position(late, after).loans == position(on_time, after).loans
    assert position(late, after).credit_balance == position(on_time, after).credit_balance

    def what_each_paid(book):  # in the order applied: the order they happened, not booked
        return [(a.value_date, a.amount, a.lines, a.to_credit) for a in position(book, after).allocations]

    assert what_each_paid(late) == what_each_paid(on_time)


def test_defect_12_the_service_never_times_a_new_fact_before_one_already_booked_that_day():
    """Read under the borrower's lock: what is booked later is received later, so what
    was already allocated stays as it was (even if the clock steps back)."""
    from loanbook.service.servicing import _received_at

    book, _ = operations.repay(one_term_loan(), amount=A("5.00"), value_date=D("2026-02-20"),
                               business_date=D("2026-02-20"), received_at=datetime(2999, 1, 1))
    assert _received_at(None, D("2026-02-20"), D("2026-02-20"), book) == datetime(2999, 1, 1, 0, 0, 0, 1)
    assert _received_at(None, D("2026-02-19"), D("2026-02-20"), book) is None  # late, no reported time
    assert _received_at(at("2026-02-19", 9), D("2026-02-19"), D("2026-02-20"), book) == at("2026-02-19", 9)

"""R7, R3: the penalty state close of business moves forward (rules/forward.py) is the
core's own: a night adds the base to the fen-days integral, and the rounding of that
times the rate is what the replay recognises."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from builders import new_book, paid, with_loan
from loanbook.money import to_fen
from loanbook.rules.forward import PenaltyState, penalty_recognised_fen, penalty_state
from loanbook.rules.products import FLEX6
from loanbook.rules.replay import position
from words import D

RATE = FLEX6.penalty_daily_rate


def _state(book, on):  # noqa: ANN001, ANN202
    loan = position(book, on, include_day=True).loan("L1")
    return loan, penalty_state(loan, on, RATE)


def test_w_unpaid_first_instalment_overdue_on_02_14():
    """130.00 unpaid from 02-10: on 02-14, 4 days of penalty on 13,000 fen (0.39, R7)."""
    book = with_loan(new_book(), "L1", "10000.00", 6, D("2026-01-15"))
    loan, state = _state(book, D("2026-02-14"))
    assert state == PenaltyState(13000, 52000)
    assert penalty_recognised_fen(state.fen_days, RATE) == 39 == to_fen(loan.penalty_due)


def test_no_state_in_grace_nor_when_active():
    book = with_loan(new_book(), "L1", "10000.00", 6, D("2026-01-15"))
    assert _state(book, D("2026-02-12"))[1] is None  # in grace: replayed when it ends
    assert _state(book, D("2026-02-01"))[1] is None  # nothing due


def test_paid_in_full_after_grace_leaves_no_state():
    """130.59 on 02-16: 6 days of penalty (58.5 fen -> 0.59, R3) paid first, then the
    interest (R6): the loan is ACTIVE again and nothing moves forward."""
    book = with_loan(new_book(), "L1", "10000.00", 6, D("2026-01-15"))
    loan, state = _state(paid(book, "130.59", D("2026-02-16")), D("2026-02-20"))
    assert (loan.status.value, state) == ("ACTIVE", None)
    loan, state = _state(paid(book, "130.00", D("2026-02-16")), D("2026-02-20"))
    assert state == PenaltyState(59, 13000 * 6 + 59 * 4)  # 0.59 of interest left unpaid, on 02-16..02-19


@settings(max_examples=40, deadline=None)
@given(unpaid_days=st.integers(4, 60), part=st.integers(0, 12999))
def test_a_night_adds_the_base_once(unpaid_days, part):
    """Forward one day = replay one day later: fen-days grow by the base, and the rounding
    of the new integral is what the core recognises the next day (R3)."""
    book = with_loan(new_book(), "L1", "10000.00", 6, D("2026-01-15"))
    if part:
        book = paid(book, f"{part // 100}.{part % 100:02d}", D("2026-02-14"))
    on = D("2026-02-14") + timedelta(days=unpaid_days % 20)  # before the next due date (03-10) nears
    _, today = _state(book, on)
    tomorrow_loan, tomorrow = _state(book, on + timedelta(days=1))
    assert today is not None and tomorrow is not None
    assert tomorrow == PenaltyState(today.base_fen, today.fen_days + today.base_fen)
    assert penalty_recognised_fen(tomorrow.fen_days, RATE) == to_fen(tomorrow_loan.penalty_due + tomorrow_loan.penalty_paid)

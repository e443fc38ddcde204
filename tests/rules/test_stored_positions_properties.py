"""Properties of the performance paths: a stored position is the position, exactly, and
settling several loans at once settles them as one by one would (R5, R8)."""

from __future__ import annotations

from datetime import timedelta

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from test_properties import SETTINGS, START, as_of_offsets, build, days, loan_specs, repayments
import test_r11_r13_properties as hardship
from loanbook.errors import Conflict, LoanbookError
from loanbook.money import ZERO
from loanbook.rules import operations
from loanbook.rules.position import BookState, LoanPosition, LoanState
from loanbook.rules.replay import loan_states, position
from loanbook.store.codec import position_from_json, position_to_json


@SETTINGS
@given(loan_specs, repayments, as_of_offsets)
def test_a_stored_position_reads_back_as_the_replayed_one(loans, payments, offset):
    book = build(loans, payments)
    on = START + timedelta(days=offset)
    for loan in position(book, on, include_day=True).loans:
        assert position_from_json(position_to_json(loan)) == loan


@SETTINGS
@given(loan_specs, repayments, days, st.booleans())
def test_settling_loans_together_equals_settling_them_one_by_one(loans, payments, day, all_loans):
    book = build(loans, payments)
    on = book.loans[0].disbursed_on + timedelta(days=day)
    chosen = [loan.loan_id for loan in (book.loans if all_loans else book.loans[:1])]
    tx_ids = [f"P{n}" for n in range(len(chosen))]
    one_by_one = book
    try:
        for loan_id, tx_id in zip(chosen, tx_ids):
            one_by_one, _ = operations.pay_off(one_by_one, loan_id=loan_id, value_date=on, business_date=on, tx_id=tx_id)
    except LoanbookError:
        # refused one by one (not yet disbursed, too early, settled): refused together, by
        # the same rule, before the total is even compared
        with pytest.raises(LoanbookError) as refusal:
            operations.with_payoffs(book, loan_ids=chosen, value_date=on, business_date=on, tx_ids=tx_ids,
                                    total=Decimal("0.01"))
        assert type(refusal.value) is not Conflict
        return
    total = sum((tx.amount for tx in one_by_one.transactions[len(book.transactions):]), ZERO)
    together, quotes = operations.with_payoffs(book, loan_ids=chosen, value_date=on, business_date=on,
                                               tx_ids=tx_ids, total=total)
    assert together.transactions == one_by_one.transactions
    assert sum((quote.to_pay for quote in quotes), ZERO) == total
    assert position(together, on, include_day=True) == position(one_by_one, on, include_day=True)
    with pytest.raises(Conflict, match="is not the payoff amount"):
        operations.with_payoffs(book, loan_ids=chosen, value_date=on, business_date=on, tx_ids=tx_ids,
                                total=total + Decimal("0.01"))


LEAN_FIELDS = tuple(name for name in LoanState.__dataclass_fields__)


def _lean_equals_full(lean: BookState, full) -> None:
    """Every field of the lean state is the full position's field of the same name, with
    the same value and the same digits (Decimal equality ignores trailing zeros)."""
    assert lean.on == full.on
    assert (lean.credit_balance, str(lean.credit_balance)) == (full.credit_balance, str(full.credit_balance))
    assert [loan.loan_id for loan in lean.loans] == [loan.loan_id for loan in full.loans]
    for state, loan in zip(lean.loans, full.loans, strict=True):
        for name in LEAN_FIELDS:
            assert getattr(state, name) == getattr(loan, name), name
            assert str(getattr(state, name)) == str(getattr(loan, name)), name
        assert state.amount_due == loan.amount_due


def test_the_lean_state_names_fields_of_the_position():
    assert set(LEAN_FIELDS) <= set(LoanPosition.__dataclass_fields__)


@SETTINGS
@given(loan_specs, repayments, as_of_offsets, st.booleans())
def test_the_lean_path_equals_the_full_replay(loans, payments, offset, include_day):
    """Issue 10: loan_states() is position() without the output objects (R5-R8)."""
    book = build(loans, payments)
    on = START + timedelta(days=offset)
    _lean_equals_full(loan_states(book, on, include_day=include_day), position(book, on, include_day=include_day))


@hardship.SETTINGS
@given(hardship.stories, st.integers(min_value=1, max_value=420), st.booleans())
def test_the_lean_path_equals_the_full_replay_with_coupons_plan_changes_and_payoffs(story, offset, include_day):
    """The same over stories with R11 plan changes, R13 coupons and R8 payoffs."""
    loans, actions = story
    book = hardship.build(loans, actions)
    on = hardship.START + timedelta(days=offset)
    _lean_equals_full(loan_states(book, on, include_day=include_day), position(book, on, include_day=include_day))

"""Issue 10: close of business replays a borrower once a night. The pass that gives the
next morning's position (what close of business stores) also gives the position at the
end of the day closed and the month statuses (what the bureau reports, R15): each is,
value for value and digit for digit, what its own replay gives."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given

from test_properties import SETTINGS, START, as_of_offsets, build, loan_specs, repayments
import test_r11_r13_properties as hardship
from loanbook.rules.bureau_status import bureau_statuses, closing_view, day_view
from loanbook.rules.replay import both_ends, position


def _same(one: object, other: object) -> None:
    """Equal, and with the same digits (Decimal equality ignores trailing zeros; repr does not)."""
    assert one == other
    assert repr(one) == repr(other)


def _check_one_pass(book, day) -> None:
    closed = position(book, day, include_day=True)
    next_day = position(book, day + timedelta(days=1), include_day=True)
    statuses = bureau_statuses(book, day, include_day=True)
    ends = both_ends(book, day)
    _same(ends.closed, closed)
    _same(ends.next_day, next_day)
    ends, seen = closing_view(book, day)
    _same((ends.closed, ends.next_day, seen), (closed, next_day, statuses))
    _same(day_view(book, day), (closed, statuses))


@SETTINGS
@given(loan_specs, repayments, as_of_offsets)
def test_both_ends_of_a_day_and_its_statuses_from_one_pass_are_those_of_their_own_replays(loans, payments, offset):
    """Loans disbursed and repayments value-dated on either side of midnight (R5, R6, R7, R15)."""
    book = build(loans, payments)
    _check_one_pass(book, START + timedelta(days=offset))


@hardship.SETTINGS
@given(hardship.stories, hardship.day)
def test_both_ends_from_one_pass_with_coupons_plan_changes_and_payoffs(story, offset):
    """The same over stories with R11 plan changes, R13 coupons and R8 payoffs."""
    loans, actions = story
    book = hardship.build(loans, actions)
    _check_one_pass(book, hardship.START + timedelta(days=offset))


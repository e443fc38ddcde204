"""A stored position moved forward is the replayed position (issue 10, rules/moved.py).

For random stories, the book as it stood at the end of day P (its facts value-dated on or
before P, loans disbursed by then) is replayed to P (the stored position a posting on P
writes) and to a later day T; ``moved`` from the first must give the second, equal field
for field and in every digit (``repr`` shows each Decimal's exponent), or None where the
module says it replays (a credit balance meeting a due date, R6; a negotiated plan or a
coupon, R11, R13).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import event, given
from hypothesis import strategies as st

import test_r11_r13_properties as hardship
from test_properties import SETTINGS, START, build, loan_specs, repayments
from loanbook.money import ZERO
from loanbook.rules.book import Book, Repayment
from loanbook.rules import operations
from loanbook.rules.moved import moved, unchanged_overnight
from loanbook.rules.position import LoanStatus
from loanbook.rules.products import FLEX6, TERM6, RepaymentMethod
from loanbook.rules.replay import position

since_offsets = st.integers(min_value=0, max_value=420)
forward_days = st.integers(min_value=1, max_value=120)


def as_of_end_of(book: Book, day: date) -> Book:
    """The book as it stood after ``day``: nothing value-dated later (a posting on a later
    day would have stored a newer position)."""
    return replace(
        book,
        loans=tuple(loan for loan in book.loans if loan.disbursed_on <= day),
        transactions=tuple(tx for tx in book.transactions if tx.value_date <= day),
        plan_changes=tuple(change for change in book.plan_changes if change.value_date <= day),
    )


def moves(book: Book, since: date, on: date):
    """(stored, moved, replayed, credit meets a due date) for each loan of ``book``."""
    book = as_of_end_of(book, since)
    stored = position(book, since, include_day=True)
    replayed = position(book, on)
    results = []
    for loan, expected in zip(stored.loans, replayed.loans, strict=True):
        product = book.loan(loan.loan_id).product
        got = moved(loan, product, since, on, credit_balance=stored.credit_balance,
                    other_loans=len(stored.loans) - 1)
        # R6: the credit would meet a due date of this loan, with other loans to share it
        credit_meets_due_date = bool(stored.credit_balance) and len(stored.loans) > 1 and any(
            since < i.due_date <= on for i in loan.schedule)
        credit = " with credit" if stored.credit_balance and any(since < i.due_date <= on for i in loan.schedule) else ""
        event("replayed" if got is None else f"moved {loan.status.value} to {expected.status.value}{credit}")
        results.append((loan, got, expected, credit_meets_due_date))
    return results


def assert_exact(got, expected) -> None:
    assert got == expected
    assert repr(got) == repr(expected)  # the same digits: Decimal's repr shows the exponent


def assert_plain_moves_are_replays(book, since, on) -> None:
    """Each loan of a plain book (no R11 plan, no R13 coupon) moved from ``since`` to
    ``on`` is its replay, digit for digit, or refused for R6's one reason."""
    for stored, got, expected, credit_meets_due_date in moves(book, since, on):
        if got is None:
            # R6: the only reason a plain loan is replayed
            assert credit_meets_due_date and stored.status is not LoanStatus.SETTLED
        else:
            assert_exact(got, expected)


@SETTINGS
@given(loan_specs, repayments, since_offsets, forward_days)
def test_a_plain_position_moved_forward_is_the_replayed_one_and_is_refused_only_for_credit(
    loans, payments, since_offset, days
):
    since = START + timedelta(days=since_offset)
    assert_plain_moves_are_replays(build(loans, payments), since, since + timedelta(days=days))


@SETTINGS
@given(loan_specs, repayments, st.integers(min_value=1, max_value=6), st.integers(min_value=-4, max_value=5),
       st.integers(min_value=1, max_value=9))
def test_a_plain_position_moved_across_a_due_date_and_its_grace_is_the_replayed_one(
    loans, payments, period, before_due, days
):
    """R4, R5, R7 where they change: ``since`` a few days around a due date (partial
    payments in grace leave an integral the position must carry), ``on`` through grace."""
    book = build(loans, payments)
    schedule = book.loans[0].schedule
    since = schedule[min(period, len(schedule)) - 1].due_date + timedelta(days=before_due)
    on = since + timedelta(days=days)
    for stored, got, expected, credit_meets_due_date in moves(book, since, on):
        if got is None:
            assert credit_meets_due_date and stored.status is not LoanStatus.SETTLED
        else:
            assert_exact(got, expected)


@SETTINGS
@given(loan_specs.map(lambda specs: specs[:1]), repayments, st.integers(min_value=0, max_value=200),
       st.integers(min_value=1, max_value=2_000_000), st.integers(min_value=1, max_value=200))
def test_a_credit_balance_applied_on_the_due_dates_moved_over_is_the_replayed_one(
    loans, payments, since_offset, extra_fen, days
):
    """R6: one loan, a repayment on ``since`` that leaves a credit balance (before the
    first due date or beyond what is due): moved over due dates, the credit pays what
    falls due at the start of each, through the core's allocation."""
    book = build(loans, payments)
    since = book.loans[0].disbursed_on + timedelta(days=since_offset)
    book = book.with_transaction(Repayment(book.next_tx_id(), since, Decimal(extra_fen) / 100, since))
    on = since + timedelta(days=days)
    for stored, got, expected, _ in moves(book, since, on):
        assert got is not None  # one plain loan: never replayed
        assert_exact(got, expected)


@SETTINGS
@given(loan_specs.map(lambda specs: specs[:1]), repayments, st.integers(min_value=41, max_value=170),
       st.integers(min_value=1, max_value=2_000_000), st.integers(min_value=1, max_value=200))
def test_a_credit_balance_left_after_paying_all_that_is_due_moved_over_due_dates_is_the_replayed_one(
    loans, payments, since_offset, extra_fen, days
):
    """R6, R7: one loan with its history (late payments leave penalty paid, partial ones
    unpaid amounts), then on ``since`` a repayment of all that is due and more, in fen:
    nothing due is left unpaid, the credit balance meets the due dates moved over. The
    move leaves the paid-up instalments out of the credit's walk (rules/moved.py)."""
    book = build(loans, payments)
    since = book.loans[0].disbursed_on + timedelta(days=since_offset)
    book = as_of_end_of(book, since)
    due = position(book, since, include_day=True).loans[0].amount_due
    book = book.with_transaction(Repayment(book.next_tx_id(), since, due + Decimal(extra_fen).scaleb(-2), since))
    on = since + timedelta(days=days)
    stored = position(book, since, include_day=True)
    assert stored.credit_balance and not stored.loans[0].amount_due  # the case this property is about
    for _, got, expected, _ in moves(book, since, on):
        assert got is not None  # one plain loan: never replayed
        assert_exact(got, expected)


# R1: products other than the presets: grace from none to ten days (where a move's window
# of instalments that can change starts), other daily rates (digits beyond the fen in the
# penalty integral) and multipliers, every repayment method, up to 12 terms
products = st.builds(
    lambda preset, grace_days, multiplier, method, daily_rate: replace(
        preset, grace_days=grace_days, penalty_multiplier=Decimal(multiplier), repayment_method=method,
        daily_rate=Decimal(daily_rate), max_terms=12),
    st.sampled_from([FLEX6, TERM6]), st.integers(min_value=0, max_value=10), st.sampled_from(["1", "1.5", "2.37"]),
    st.sampled_from(list(RepaymentMethod)), st.sampled_from(["0.0005", "0.000547945205479452", "0.0001"]),
)
product_loan_specs = st.lists(
    st.tuples(st.integers(min_value=100_00, max_value=50_000_00).map(lambda n: Decimal(n) / 100),
              st.integers(min_value=1, max_value=12), st.integers(min_value=0, max_value=60), products),
    min_size=1, max_size=3,
)


@SETTINGS
@given(product_loan_specs, repayments, since_offsets, forward_days)
def test_a_position_of_any_product_moved_forward_is_the_replayed_one(loans, payments, since_offset, days):
    since = START + timedelta(days=since_offset)
    assert_plain_moves_are_replays(build(loans, payments), since, since + timedelta(days=days))


@SETTINGS
@given(hardship.stories, st.integers(min_value=0, max_value=330), forward_days)
def test_a_position_after_plan_changes_and_coupons_moved_forward_is_the_replayed_one(story, since_offset, days):
    loans, actions = story
    since = hardship.START + timedelta(days=since_offset)
    on = since + timedelta(days=days)
    for stored, got, expected, credit_meets_due_date in moves(hardship.build(loans, actions), since, on):
        if got is None:
            assert stored.status is not LoanStatus.SETTLED
            assert credit_meets_due_date or stored.negotiated or stored.coupon_waived or stored.penalty_waived
        else:
            assert_exact(got, expected)


def test_w2_moved_through_grace_into_overdue_gives_the_retroactive_penalty():
    """R7, W2: W1's loan, nothing paid in February, moved from 12 to 14 February."""
    book, _ = operations.disburse(Book(Decimal("50000.00")), loan_id="L0", product=FLEX6,
                                  principal=Decimal("10000.00"), terms=6, on=date(2026, 1, 15),
                                  business_date=date(2026, 1, 15))
    stored = position(book, date(2026, 2, 12), include_day=True).loans[0]
    in_grace = moved(stored, FLEX6, date(2026, 2, 12), date(2026, 2, 13))
    assert (in_grace.status, in_grace.dpd, in_grace.penalty_due) == (LoanStatus.GRACE, 0, ZERO)
    overdue = moved(stored, FLEX6, date(2026, 2, 12), date(2026, 2, 14))
    assert (overdue.status, overdue.dpd, overdue.penalty_due) == (LoanStatus.OVERDUE, 4, Decimal("0.39"))
    assert_exact(overdue, position(book, date(2026, 2, 14)).loans[0])


@SETTINGS
@given(hardship.stories, st.integers(min_value=0, max_value=330), st.integers(min_value=0, max_value=45))
def test_a_borrower_unchanged_overnight_is_its_replay_of_the_next_morning(story, since_offset, days):
    """``unchanged_overnight`` (close of business leaves such a borrower as it is, R11):
    where it says so of the positions of day P (nothing value-dated later, no credit
    balance) for the night of D = P + ``days``, the replay of the next morning has every
    loan as the positions say, all but the day's payoff quote (R8), and nothing of D is
    reported (R15: no due date, disbursement or settlement on D)."""
    loans, actions = story
    since = hardship.START + timedelta(days=since_offset)
    day = since + timedelta(days=days)
    book = as_of_end_of(hardship.build(loans, actions), since)
    stored = position(book, since, include_day=True)
    if stored.credit_balance or not unchanged_overnight([(since, loan) for loan in stored.loans], day):
        event("changes overnight, or holds credit: replayed")
        return
    event("unchanged overnight" + (" after R11" if book.plan_changes else ""))
    morning = position(book, day + timedelta(days=1), include_day=True)
    assert morning.credit_balance == stored.credit_balance
    for before, after in zip(stored.loans, morning.loans, strict=True):
        assert_exact(replace(after, payoff=None), replace(before, payoff=None))
        assert before.disbursed_on < day and (before.settled_on is None or before.settled_on < day)
        assert not any(i.due_date == day for i in after.schedule)


def test_after_r11_plan_changes_the_quiet_nights_told_are_the_replay():
    """R11, the case close of business asks ``unchanged_overnight`` for (the property
    above rarely draws it): an extended loan and a negotiated one whose borrower then pays
    every bill on its day. Each day P, for the nights of P and P + 3: where it says the
    borrower is unchanged, the next morning's replay is the positions of P."""
    book = hardship.build([(10000, 6, FLEX6), (8000, 3, TERM6)], [])
    quiet_after_changes = 0
    for offset in range(1, 240):
        today = hardship.START + timedelta(days=offset)
        if offset == 20:
            book = hardship.apply(book, 1, ("extend", offset, 0, 3), today, today)
        if offset == 70:  # both overdue since their February due dates
            book = hardship.apply(book, 2, ("negotiate", offset, 1, 3, RepaymentMethod.EQUAL_INSTALLMENT, None), today,
                                  today)
        owed = sum((loan.amount_due for loan in position(book, today).loans), ZERO)
        if owed and offset >= 70:
            book, _ = operations.repay(book, amount=owed, value_date=today, business_date=today,
                                       received_at=hardship.at(today, offset))
        stored = position(book, today, include_day=True)
        for night in (today, today + timedelta(days=3)):
            if stored.credit_balance or not unchanged_overnight([(today, loan) for loan in stored.loans], night):
                continue
            morning = position(book, night + timedelta(days=1), include_day=True)
            for before, after in zip(stored.loans, morning.loans, strict=True):
                assert_exact(replace(after, payoff=None), replace(before, payoff=None))
            quiet_after_changes += len(book.plan_changes) == 2
    assert [type(change).__name__ for change in book.plan_changes] == ["Extension", "NegotiatedPlan"]
    assert quiet_after_changes > 100

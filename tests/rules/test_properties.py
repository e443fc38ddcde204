"""Hypothesis tries to break the invariants of the books (R3, R5-R8) over random loans and
random repayment streams."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loanbook.money import ZERO
from loanbook.rules import operations
from loanbook.rules.book import Book, Payoff, Refund, Repayment
from loanbook.rules.products import FLEX6, TERM6
from loanbook.rules.replay import position

START = date(2026, 1, 1)
LIMIT = Decimal("10000000.00")

fen = st.integers(min_value=1, max_value=600_000).map(lambda n: Decimal(n) / 100)
days = st.integers(min_value=0, max_value=330)
loan_specs = st.lists(
    st.tuples(
        st.integers(min_value=100_00, max_value=50_000_00).map(lambda n: Decimal(n) / 100),
        st.integers(min_value=1, max_value=6),
        st.integers(min_value=0, max_value=60),
        st.sampled_from([FLEX6, TERM6]),
    ),
    min_size=1,
    max_size=3,
)
repayments = st.lists(st.tuples(days, fen, st.integers(min_value=0, max_value=20)), max_size=12)
as_of_offsets = st.integers(min_value=1, max_value=420)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def build(loans, payments, *, late_by=lambda delay: 0) -> Book:
    """Loans disbursed in order, then repayments value-dated after the first loan."""
    book = Book(LIMIT)
    for n, (principal, terms, offset, product) in enumerate(sorted(loans, key=lambda spec: spec[2])):
        on = START + timedelta(days=offset)
        book, _ = operations.disburse(
            book, loan_id=f"L{n}", product=product, principal=principal, terms=terms, on=on, business_date=on
        )
    first = book.loans[0].disbursed_on
    for offset, amount, delay in sorted(payments, key=lambda p: p[0]):
        value_date = first + timedelta(days=offset)
        book = book.with_transaction(
            Repayment(book.next_tx_id(), value_date, amount, value_date + timedelta(days=late_by(delay)))
        )
    return book


def received(book: Book, before: date) -> Decimal:
    return sum(
        (tx.amount for tx in book.transactions if isinstance(tx, (Repayment, Payoff)) and tx.value_date < before), ZERO
    )


@SETTINGS
@given(loan_specs, repayments, as_of_offsets)
def test_every_fen_received_is_paid_on_a_loan_or_held_as_credit(loans, payments, offset):
    book = build(loans, payments)
    on = START + timedelta(days=offset)
    state = position(book, on)
    paid = sum((loan.total_paid for loan in state.loans), ZERO)
    refunded = sum((tx.amount for tx in book.transactions if isinstance(tx, Refund)), ZERO)
    assert paid + state.credit_balance + refunded == received(book, on)
    for loan in state.loans:
        assert loan.total_paid == loan.principal_paid + loan.interest_paid + loan.penalty_paid + loan.fee_paid


@SETTINGS
@given(loan_specs, repayments, as_of_offsets)
def test_nothing_is_paid_beyond_what_was_due_and_nothing_is_negative(loans, payments, offset):
    state = position(build(loans, payments), START + timedelta(days=offset))
    assert state.credit_balance >= 0
    for loan in state.loans:
        for figure in (loan.principal_outstanding, loan.principal_due, loan.interest_due, loan.penalty_due, loan.dpd):
            assert figure >= 0
        if loan.payoff is not None:
            assert min(loan.payoff.principal, loan.payoff.interest, loan.payoff.penalty, loan.payoff.fee) >= 0
        for instalment in loan.schedule:
            assert ZERO <= instalment.paid_principal <= instalment.principal
            assert ZERO <= instalment.paid_interest <= instalment.interest
            assert ZERO <= instalment.paid_fee <= instalment.fee
            assert instalment.paid_penalty + instalment.penalty_due >= instalment.paid_penalty >= 0
            if instalment.due_date > state.on:  # not yet due: untouched (credit pays what falls due on state.on, R5)
                assert instalment.paid_principal == instalment.paid_interest == instalment.paid_penalty == 0


@SETTINGS
@given(loan_specs, repayments, as_of_offsets, st.data())
def test_two_repayments_on_one_day_give_the_state_of_their_sum(loans, payments, offset, data):
    split_at = data.draw(st.integers(min_value=0, max_value=max(0, len(payments) - 1)))
    whole = build(loans, payments)
    if payments:
        day, amount, delay = payments[split_at]
        part = data.draw(st.integers(min_value=1, max_value=int(amount * 100))) / Decimal(100)
        if part < amount:
            payments = payments[:split_at] + [(day, part, delay), (day, amount - part, delay)] + payments[split_at + 1 :]
    split = build(loans, payments)
    on = START + timedelta(days=offset)
    assert position(split, on).loans == position(whole, on).loans
    assert position(split, on).credit_balance == position(whole, on).credit_balance


@SETTINGS
@given(loan_specs, repayments, as_of_offsets)
def test_a_late_booked_repayment_gives_the_on_time_state_once_known(loans, payments, offset):
    on_time = build(loans, payments)
    late = build(loans, payments, late_by=lambda delay: delay)
    on = START + timedelta(days=offset + 25)  # every delay (<= 20 days) has been booked by then
    known = late.known_before(on)
    if all(tx.booked_on < on for tx in late.transactions):
        assert position(known, on) == position(on_time, on)


@SETTINGS
@given(loan_specs, st.lists(st.tuples(days, fen), max_size=10, unique_by=lambda p: p[0]), as_of_offsets)
def test_allocation_follows_r6_order(loans, payments, offset):
    book = build(loans, [(day, amount, 0) for day, amount in payments])
    state = position(book, START + timedelta(days=offset))
    order = {loan.loan_id: n for n, loan in enumerate(book.loans)}
    for allocation in state.allocations:
        due_dates = []
        for line in allocation.lines:
            loan = book.loan(line.loan_id)
            instalment = next(i for i in loan.schedule if i.period == line.period)
            assert instalment.due_date <= allocation.value_date  # only what is due takes money
            due_dates.append((instalment.due_date, order[line.loan_id]))
        assert due_dates == sorted(due_dates)  # oldest due date first, earlier loan first
        after = position(book, allocation.value_date, include_day=True)
        for line in allocation.lines[:-1]:  # money moved on only once an instalment was paid in full
            instalment = next(i for i in after.loan(line.loan_id).schedule if i.period == line.period)
            assert instalment.principal_unpaid == instalment.interest_unpaid == instalment.penalty_due == 0
        if allocation.to_credit > 0:  # credit only when nothing due was left unpaid
            assert all(loan.amount_due == 0 for loan in after.loans)


@SETTINGS
@given(loan_specs, repayments, st.lists(st.tuples(days, st.integers(min_value=0, max_value=2)), max_size=3), as_of_offsets)
def test_payoffs_settle_exactly_and_keep_every_fen_accounted_for(loans, payments, payoffs, offset):
    from loanbook.errors import LoanbookError

    book = build(loans, payments)
    first = book.loans[0].disbursed_on
    for day, which in sorted(payoffs):
        loan = book.loans[which % len(book.loans)]
        on = first + timedelta(days=day)
        try:
            book, allocation = operations.pay_off(book, loan_id=loan.loan_id, value_date=on, business_date=on)
        except LoanbookError:
            continue  # disbursement day, not yet disbursed, already settled: refused, nothing changed
        settled = position(book, on + timedelta(days=1)).loan(loan.loan_id)
        assert settled.settled_on == on and settled.principal_outstanding == 0
        assert settled.amount_due == 0
    on = START + timedelta(days=offset)
    state = position(book, on)
    paid = sum((loan.total_paid for loan in state.loans), ZERO)
    assert paid + state.credit_balance == received(book, on)

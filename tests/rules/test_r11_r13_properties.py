"""Hypothesis against R11 and R13: random repayments, coupons, extensions, negotiated
plans and payoffs, each booked through the core's operations (refusals skipped), and the
invariants of the books checked on random days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loanbook.errors import LoanbookError
from loanbook.money import ZERO, round_fen
from loanbook.rules import operations
from loanbook.rules.book import Book, Payoff, Repayment
from loanbook.rules.calendar import days_between
from loanbook.rules.products import FLEX6, TERM6, RepaymentMethod
from loanbook.rules.replay import position

START = date(2026, 1, 15)
LIMIT = Decimal("10000000.00")

amounts = st.integers(min_value=1, max_value=300_000).map(lambda n: Decimal(n) / 100)
day = st.integers(min_value=1, max_value=300)
loan = st.integers(min_value=0, max_value=1)
coupon_ref = st.integers(min_value=0, max_value=1)
actions = st.one_of(
    st.tuples(st.just("repay"), day, amounts, st.one_of(st.none(), coupon_ref)),
    st.tuples(st.just("coupon"), st.integers(min_value=1, max_value=60), st.integers(min_value=1, max_value=30_000).map(lambda n: Decimal(n) / 100),
              st.integers(min_value=0, max_value=200)),
    st.tuples(st.just("extend"), day, loan, st.integers(min_value=1, max_value=7)),
    st.tuples(
        st.just("negotiate"), day, loan, st.integers(min_value=1, max_value=6),
        st.sampled_from(list(RepaymentMethod)), st.one_of(st.none(), st.just("all"), amounts.map(lambda a: a / 100)),
    ),
    st.tuples(st.just("payoff"), day, loan, st.one_of(st.none(), coupon_ref)),
)
stories = st.tuples(
    st.lists(st.tuples(st.integers(min_value=1000, max_value=20000), st.integers(min_value=1, max_value=6),
                       st.sampled_from([FLEX6, TERM6])), min_size=1, max_size=2),
    st.lists(actions, max_size=16),
)
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def at(value_date: date, n: int) -> datetime:
    return datetime.combine(value_date, time()) + timedelta(microseconds=n)


def apply(book: Book, n: int, action: tuple, business_date: date, value_date: date) -> Book:
    """One action through the core; a refusal leaves the book as it was."""
    kind = action[0]
    loan_id = f"L{action[2]}" if kind in ("extend", "negotiate", "payoff") else None
    try:
        if kind == "repay":
            coupon = None if action[3] is None else f"C{action[3]}"
            book, _ = operations.repay(book, amount=action[2], value_date=value_date, business_date=business_date,
                                       received_at=at(value_date, n), coupon_id=coupon)
        elif kind == "coupon":
            book, _ = operations.grant_coupon(book, coupon_id=f"C{sum(1 for _ in book.coupons)}", amount=action[2],
                                              expires_on=business_date + timedelta(days=action[3]),
                                              business_date=business_date)
        elif kind == "extend":
            book, _ = operations.extend(book, loan_id=loan_id, months=action[3], business_date=business_date,
                                        received_at=at(value_date, n))
        elif kind == "negotiate":
            book, _ = operations.negotiate(book, loan_id=loan_id, method=action[4], months=action[3],
                                           waive_penalty=action[5], business_date=business_date,
                                           received_at=at(value_date, n))
        else:
            coupon = None if action[3] is None else f"C{action[3]}"
            book, _ = operations.pay_off(book, loan_id=loan_id, value_date=value_date, business_date=business_date,
                                         received_at=at(value_date, n), coupon_id=coupon)
    except LoanbookError:
        pass
    return book


def build(loans, story) -> Book:
    book = Book(LIMIT)
    for n, (principal, terms, product) in enumerate(loans):
        book, _ = operations.disburse(book, loan_id=f"L{n}", product=product, principal=Decimal(principal),
                                      terms=terms, on=START, business_date=START)
    for n, action in sorted(enumerate(story, 1), key=lambda item: (item[1][1], item[0])):
        on = START + timedelta(days=action[1])
        book = apply(book, n, action, on, on)
    return book


@SETTINGS
@given(stories, st.integers(min_value=1, max_value=420))
def test_r11_r13_every_fen_received_is_paid_or_held_as_credit_and_nothing_beyond_what_was_due(story, offset):
    loans, actions_ = story
    book = build(loans, actions_)
    on = START + timedelta(days=offset)
    state = position(book, on)
    received = sum((tx.amount for tx in book.transactions
                    if isinstance(tx, (Repayment, Payoff)) and tx.value_date < on), ZERO)
    assert sum((loan.total_paid for loan in state.loans), ZERO) + state.credit_balance == received
    assert state.credit_balance >= 0
    for loan_position, spec in zip(state.loans, book.loans):
        assert loan_position.principal_paid + loan_position.principal_outstanding == spec.principal
        for figure in (loan_position.principal_due, loan_position.interest_due, loan_position.penalty_due,
                       loan_position.interest_paid, loan_position.penalty_paid, loan_position.coupon_waived):
            assert figure >= 0
        for instalment in loan_position.schedule:
            assert ZERO <= instalment.paid_principal <= instalment.principal
            assert ZERO <= instalment.paid_interest + instalment.coupon_waived <= (
                instalment.interest + (instalment.carried_interest or ZERO))
            assert instalment.penalty_due >= 0 and instalment.paid_penalty >= 0


@SETTINGS
@given(stories, st.integers(min_value=1, max_value=420))
def test_r13_coupons_never_waive_more_than_the_face_values_granted(story, offset):
    loans, actions_ = story
    book = build(loans, actions_)
    state = position(book, START + timedelta(days=offset))
    granted = sum((coupon.amount for coupon in book.coupons), ZERO)
    assert sum((loan.coupon_waived for loan in state.loans), ZERO) <= granted
    faces = {coupon.coupon_id: coupon.amount for coupon in book.coupons}
    for allocation in state.allocations:
        if allocation.coupon_id is not None:
            assert allocation.coupon_waived + allocation.coupon_forfeited == faces[allocation.coupon_id]
            assert all(line.penalty == line.principal == line.fee == 0 for line in allocation.coupon_lines)


@SETTINGS
@given(stories)
def test_r11_plan_changes_never_lower_the_rate_nor_pass_the_cumulative_limit(story):
    loans, actions_ = story
    book = build(loans, actions_)
    state = position(book, START + timedelta(days=800), include_day=True)
    methods = {spec.loan_id: spec.product.repayment_method for spec in book.loans}
    negotiated_methods = {change.fact_id: change.method for change in book.plan_changes if hasattr(change, "method")}
    for effect in state.plan_changes:
        assert 0 <= effect.extension_months <= effect.extension_limit_months
        if effect.kind == "negotiation":
            methods[effect.loan_id] = negotiated_methods[effect.fact_id]
        rate = next(spec.product.daily_rate for spec in book.loans if spec.loan_id == effect.loan_id)
        new = [i for i in effect.schedule if i.due_date > effect.value_date]
        remaining = sum((i.principal for i in new), ZERO)
        for instalment in new:
            if methods[effect.loan_id] is not RepaymentMethod.EQUAL_INSTALLMENT:
                # R11: the loan's own rate, by days (R4, R12): never lower
                days = days_between(instalment.start_date, instalment.due_date)
                assert instalment.interest == round_fen(remaining * rate * days)
            remaining -= instalment.principal
    for loan_position in state.loans:
        assert loan_position.extension_months <= 6  # presets: at most 6 terms, so at most 6 months


@SETTINGS
@given(stories, st.integers(min_value=0, max_value=13), st.integers(min_value=1, max_value=40))
def test_r6_r11_r13_a_late_booked_repayment_gives_the_on_time_result_once_known(story, pick, delay):
    """Without payoffs (a payoff is taken at its day's quote, R8), a repayment learnt of
    late gives exactly the on-time books once known, across coupons and plan changes."""
    loans, actions_ = story
    actions_ = [a for a in actions_ if a[0] != "payoff"]
    repayments = [n for n, a in enumerate(actions_) if a[0] == "repay"]
    if not repayments:
        return
    late_index = repayments[pick % len(repayments)]
    on_time = build(loans, actions_)
    late = Book(LIMIT)
    for n, (principal, terms, product) in enumerate(loans):
        late, _ = operations.disburse(late, loan_id=f"L{n}", product=product, principal=Decimal(principal),
                                      terms=terms, on=START, business_date=START)
    ordered = sorted(enumerate(actions_, 1), key=lambda item: (item[1][1], item[0]))
    last_day = START + timedelta(days=max(a[1] for a in actions_) + delay)
    for n, action in ordered:
        if n - 1 != late_index:
            on = START + timedelta(days=action[1])
            late = apply(late, n, action, on, on)
    late_action = actions_[late_index]
    late = apply(late, late_index + 1, late_action, last_day, START + timedelta(days=late_action[1]))
    same_facts = (
        {(tx.tx_id.startswith("T"), tx.value_date, tx.amount, tx.coupon_id) for tx in late.transactions}
        == {(True, tx.value_date, tx.amount, tx.coupon_id) for tx in on_time.transactions}
        and {(c.loan_id, c.value_date) for c in late.plan_changes} == {(c.loan_id, c.value_date) for c in on_time.plan_changes}
        and len(late.coupons) == len(on_time.coupons)
    )
    if not same_facts:  # a refusal depended on the order of booking (a coupon, a waiver): not comparable
        return
    after = last_day + timedelta(days=1)
    assert position(late, after).loans == position(on_time, after).loans
    assert position(late, after).credit_balance == position(on_time, after).credit_balance

"""R11 extension and negotiated repayment, R13 coupons: the worked figures.

Figures are worked by hand from RULES.md (0.05%/day, penalty 0.075%/day, due on the
10th, 3 days of grace); the comments show the arithmetic.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from builders import new_book, paid, with_loan
from words import A, D
from loanbook.errors import BadInput, RuleRefusal
from loanbook.rules import operations
from loanbook.rules.plan_change import extension_limit_months, whole_months
from loanbook.rules.position import LoanStatus
from loanbook.rules.products import FLEX6, TERM6, RepaymentMethod
from loanbook.rules.replay import position


def schedule_of(loan):
    return [(i.period, i.due_date.isoformat(), str(i.principal), str(i.interest)) for i in loan.schedule]


# --- R11: the cumulative extension and its limit -------------------------------------


def test_r11_whole_months_count_once_the_day_is_reached():
    assert whole_months(D("2026-06-10"), D("2026-08-10")) == 2
    assert whole_months(D("2026-06-10"), D("2026-08-09")) == 1
    assert whole_months(D("2026-06-10"), D("2026-06-10")) == 0
    assert whole_months(D("2026-06-10"), D("2026-05-10")) == 0  # not later: 0


@pytest.mark.parametrize(("terms", "limit"), [(1, 1), (6, 6), (12, 12), (13, 6), (24, 12), (60, 30), (61, 36), (120, 36)])
def test_r11_limit_by_original_term(terms, limit):
    assert extension_limit_months(terms) == limit


# --- R11: extension ---------------------------------------------------------------------


def three_month_loan():
    """6,000.00 on 2026-03-20, 3 terms: 04-10 (21 days, 63.00), 05-10 (30, 90.00), 06-10 (31, 93.00)."""
    book = with_loan(new_book(), "A", "6000.00", 3, D("2026-03-20"))
    return paid(book, "63.00", D("2026-04-10"))


def test_r11_extension_replans_the_principal_not_yet_due_keeping_the_interest_and_adding_months():
    book, effect = operations.extend(three_month_loan(), loan_id="A", months=2, business_date=D("2026-05-02"))
    # period 1 (due 04-10, before a) unchanged; 6,000.00 re-planned from 04-10 over 2 + 2 periods
    assert schedule_of(effect) == [
        (1, "2026-04-10", "0.00", "63.00"),
        (2, "2026-05-10", "0.00", "90.00"),  # 6000 x 0.0005 x 30
        (3, "2026-06-10", "0.00", "93.00"),  # x 31
        (4, "2026-07-10", "0.00", "90.00"),  # x 30
        (5, "2026-08-10", "6000.00", "93.00"),  # x 31, principal at the new maturity
    ]
    assert effect.maturity_date == D("2026-08-10")
    assert (effect.extension_months, effect.extension_limit_months) == (2, 3)
    # a checkpoint on the approval day does not see it; the next day does
    assert position(book.known_before(D("2026-05-02")), D("2026-05-02")).loan("A").maturity_date == D("2026-06-10")
    after = position(book, D("2026-05-03")).loan("A")
    assert after.payoff.total == A("6069.00")  # 6000 + 6000 x 0.0005 x 23 (from 04-10)
    assert after.extension_months == 2


def test_r11_extension_on_or_after_the_maturity_date_is_refused():
    book = three_month_loan()
    with pytest.raises(RuleRefusal, match="maturity date 2026-06-10"):
        operations.extend(book, loan_id="A", months=1, business_date=D("2026-06-10"))


def test_r11_extension_past_the_cumulative_limit_is_refused_also_in_steps():
    book = three_month_loan()
    with pytest.raises(RuleRefusal, match="limit of 3 months"):
        operations.extend(book, loan_id="A", months=4, business_date=D("2026-05-02"))
    book, first = operations.extend(book, loan_id="A", months=2, business_date=D("2026-05-02"))
    book, second = operations.extend(book, loan_id="A", months=1, business_date=D("2026-05-03"))
    assert (first.extension_months, second.extension_months) == (2, 3)
    with pytest.raises(RuleRefusal, match="limit"):
        operations.extend(book, loan_id="A", months=1, business_date=D("2026-05-04"))


def test_r11_extension_of_a_settled_loan_is_refused():
    book, _ = operations.pay_off(three_month_loan(), loan_id="A", value_date=D("2026-04-20"), business_date=D("2026-04-20"))
    with pytest.raises(RuleRefusal, match="settled on 2026-04-20"):
        operations.extend(book, loan_id="A", months=1, business_date=D("2026-05-02"))


def test_r11_extension_with_equal_principal_keeps_the_method_and_the_rate():
    product = replace(FLEX6, code="EP6", repayment_method=RepaymentMethod.EQUAL_PRINCIPAL)
    book = with_loan(new_book(), "A", "3000.00", 3, D("2026-01-15"), product)
    book = paid(book, "1013.00", D("2026-02-10"))  # 1,000.00 + 3000 x 0.0005 x 26
    _, effect = operations.extend(book, loan_id="A", months=1, business_date=D("2026-02-20"))
    assert schedule_of(effect)[1:] == [
        (2, "2026-03-10", "666.67", "28.00"),  # 2000.00 / 3; 2000 x 0.0005 x 28
        (3, "2026-04-10", "666.67", "20.67"),  # 1333.33 x 0.0005 x 31 = 20.666...
        (4, "2026-05-10", "666.66", "10.00"),  # the remainder; 666.66 x 0.0005 x 30 = 9.9999
    ]


def test_r11_extension_request_checks_months_and_the_loan():
    with pytest.raises(BadInput, match="months must be a whole number"):
        operations.extend(three_month_loan(), loan_id="A", months=0, business_date=D("2026-05-02"))
    with pytest.raises(BadInput, match="unknown loan 'Z'"):
        operations.extend(three_month_loan(), loan_id="Z", months=1, business_date=D("2026-05-02"))


def test_r11_r6_a_late_booked_repayment_before_an_extension_gives_the_on_time_result():
    on_time = paid(three_month_loan(), "90.00", D("2026-04-30"))
    on_time, _ = operations.extend(on_time, loan_id="A", months=2, business_date=D("2026-05-02"))
    late, _ = operations.extend(three_month_loan(), loan_id="A", months=2, business_date=D("2026-05-02"))
    late = paid(late, "90.00", D("2026-04-30"), booked_on=D("2026-05-20"))
    for day in ("2026-05-21", "2026-06-14", "2026-08-20"):
        assert position(late, D(day)).loans == position(on_time, D(day)).loans
        assert position(late, D(day)).credit_balance == position(on_time, D(day)).credit_balance


# --- R11: negotiated repayment -------------------------------------------------------------


def two_missed_instalments():
    """W1's loan (10,000.00 on 2026-01-15, 6 terms), nothing paid: on 2026-03-20 it owes
    130.00 (due 02-10) and 140.00 (due 03-10), and penalty 130 x 0.00075 x 38 = 3.705
    plus 140 x 0.00075 x 10 = 1.05: 4.755, payable 4.76."""
    return with_loan(new_book(), "A", "10000.00", 6, D("2026-01-15"))


def test_r11_negotiated_plan_carries_interest_and_penalty_to_its_first_instalment():
    book, effect = operations.negotiate(
        two_missed_instalments(), loan_id="A", method="interest_first", months=6, waive_penalty=A("2.00"),
        business_date=D("2026-03-20"),
    )
    # carried interest: 130 + 140 unpaid, and 10000 x 0.0005 x 10 days from 03-10 to 03-20
    assert effect.carried_interest == A("320.00")
    assert (effect.penalty_payable, effect.penalty_waived, effect.carried_penalty) == (A("4.76"), A("2.00"), A("2.76"))
    assert schedule_of(effect) == [
        (1, "2026-04-10", "0.00", "105.00"),  # 21 days from 03-20
        (2, "2026-05-10", "0.00", "150.00"),
        (3, "2026-06-10", "0.00", "155.00"),
        (4, "2026-07-10", "0.00", "150.00"),
        (5, "2026-08-10", "0.00", "155.00"),
        (6, "2026-09-10", "10000.00", "155.00"),
    ]
    assert (effect.schedule[0].carried_interest, effect.schedule[0].carried_penalty) == (A("320.00"), A("2.76"))
    assert effect.extension_months == 2  # 2026-07-10 to 2026-09-10
    next_day = position(book, D("2026-03-21")).loan("A")
    assert (next_day.status, next_day.dpd) == (LoanStatus.ACTIVE, 0)
    assert (next_day.interest_due, next_day.penalty_due) == (A("0.00"), A("0.00"))
    assert next_day.payoff.total == A("10327.76")  # 10000 + 320 + 5.00 (one day) + 2.76
    assert next_day.penalty_waived == A("2.00")
    due_day = position(book, D("2026-04-10")).loan("A")
    assert (due_day.interest_due, due_day.penalty_due) == (A("425.00"), A("2.76"))


def test_r11_negotiated_first_instalment_pays_carried_penalty_then_penalty_then_interest():
    book, _ = operations.negotiate(
        two_missed_instalments(), loan_id="A", method="interest_first", months=6, waive_penalty=A("2.00"),
        business_date=D("2026-03-20"),
    )
    # 2026-04-20, 10 days late: penalty 425 x 0.00075 x 10 = 3.1875 (carried interest bears
    # penalty, carried penalty none). 5.00 pays 2.76 of carried penalty, then 2.24 of it.
    book, allocation = operations.repay(book, amount=A("5.00"), value_date=D("2026-04-20"), business_date=D("2026-04-20"))
    assert [(line.penalty, line.interest) for line in allocation.lines] == [(A("5.00"), A("0.00"))]
    loan = position(book, D("2026-04-21")).loan("A")
    assert loan.penalty_paid == A("5.00")
    # through 04-20: 425 x 0.00075 x 11 = 3.50625, payable 3.51 - 2.24
    assert loan.penalty_due == A("1.27")
    assert (loan.status, loan.dpd) == (LoanStatus.OVERDUE, 11)
    book, allocation = operations.repay(book, amount=A("426.27"), value_date=D("2026-04-21"), business_date=D("2026-04-21"))
    assert [(line.penalty, line.interest) for line in allocation.lines] == [(A("1.27"), A("425.00"))]


def test_r11_waiver_all_and_a_waiver_above_the_penalty():
    _, effect = operations.negotiate(two_missed_instalments(), loan_id="A", method="interest_first", months=6,
                                     waive_penalty="all", business_date=D("2026-03-20"))
    assert (effect.penalty_waived, effect.carried_penalty) == (A("4.76"), A("0.00"))
    with pytest.raises(RuleRefusal, match="larger than the penalty payable on 2026-03-20, 4.76"):
        operations.negotiate(two_missed_instalments(), loan_id="A", method="interest_first", months=6,
                             waive_penalty=A("4.77"), business_date=D("2026-03-20"))


def test_r11_negotiated_plan_past_the_cumulative_limit_is_refused():
    # 12 months from 03-20 end on 2027-03-10: 8 months after 2026-07-10, limit 6
    with pytest.raises(RuleRefusal, match="limit of 6 months"):
        operations.negotiate(two_missed_instalments(), loan_id="A", method="interest_first", months=12,
                             waive_penalty=None, business_date=D("2026-03-20"))


def test_r11_r12_negotiated_equal_principal_and_equal_installment_plans():
    _, principal_plan = operations.negotiate(two_missed_instalments(), loan_id="A", method="equal_principal", months=3,
                                             waive_penalty=None, business_date=D("2026-03-20"))
    assert schedule_of(principal_plan) == [
        (1, "2026-04-10", "3333.33", "105.00"),  # 10000 x 0.0005 x 21
        (2, "2026-05-10", "3333.33", "100.00"),  # 6666.67 x 0.0005 x 30 = 100.00005
        (3, "2026-06-10", "3333.34", "51.67"),  # 3333.34 x 0.0005 x 31 = 51.66677
    ]
    _, level = operations.negotiate(two_missed_instalments(), loan_id="A", method="equal_installment", months=3,
                                    waive_penalty=None, business_date=D("2026-03-20"))
    # i = 0.0005 x 365 / 12; payment round(10000 i (1+i)^3 / ((1+i)^3 - 1)) = 3435.23
    assert schedule_of(level) == [
        (1, "2026-04-10", "3283.15", "152.08"),
        (2, "2026-05-10", "3333.08", "102.15"),
        (3, "2026-06-10", "3383.77", "51.46"),
    ]


def test_r11_preview_changes_nothing_and_matches_the_approval():
    book = two_missed_instalments()
    preview = operations.preview_negotiation(book, loan_id="A", method="interest_first", months=6,
                                             waive_penalty=A("2.00"), on=D("2026-03-20"))
    _, approved = operations.negotiate(book, loan_id="A", method="interest_first", months=6, waive_penalty=A("2.00"),
                                       business_date=D("2026-03-20"))
    assert book.plan_changes == ()
    assert replace(preview, fact_id=approved.fact_id) == approved


def test_r11_r8_payoff_after_a_negotiated_plan_settles_with_the_carried_amounts():
    book, _ = operations.negotiate(two_missed_instalments(), loan_id="A", method="interest_first", months=6,
                                   waive_penalty=A("2.00"), business_date=D("2026-03-20"))
    book, allocation = operations.pay_off(book, loan_id="A", value_date=D("2026-03-25"), business_date=D("2026-03-25"))
    assert allocation.amount == A("10347.76")  # 10000 + 320 + 10000 x 0.0005 x 5 + 2.76
    loan = position(book, D("2026-03-26")).loan("A")
    assert loan.status is LoanStatus.SETTLED
    assert (loan.interest_paid, loan.penalty_paid, loan.principal_paid) == (A("345.00"), A("2.76"), A("10000.00"))


def test_r11_a_plan_change_the_replay_finds_settled_does_nothing_and_says_why():
    book = three_month_loan()
    book, _ = operations.extend(book, loan_id="A", months=1, business_date=D("2026-05-02"))
    # a payoff learnt of late, value-dated before the approval, settled the loan first (R6)
    book, _ = operations.pay_off(book, loan_id="A", value_date=D("2026-04-20"), business_date=D("2026-05-03"))
    after = position(book, D("2026-05-04"))
    assert after.loan("A").settled_on == D("2026-04-20")
    assert after.plan_change("P1") is None
    assert "settled on 2026-04-20" in after.plan_change_refusal("P1")


# --- R13: coupons -------------------------------------------------------------------------


def w1_loan():
    return with_loan(new_book(), "A", "10000.00", 6, D("2026-01-15"))


def with_coupon(book, coupon_id="C1", amount="100.00", on="2026-02-01", expires="2026-03-31"):
    book, _ = operations.grant_coupon(book, coupon_id=coupon_id, amount=A(amount), expires_on=D(expires),
                                      business_date=D(on))
    return book


def test_r13_coupon_waives_interest_first_then_the_cash_pays_the_rest():
    book = with_coupon(w1_loan())
    book, allocation = operations.repay(book, amount=A("30.00"), value_date=D("2026-02-10"),
                                        business_date=D("2026-02-10"), coupon_id="C1")
    assert allocation.coupon_waived == A("100.00") and allocation.coupon_forfeited == A("0.00")
    assert [(line.interest) for line in allocation.lines] == [A("30.00")]
    loan = position(book, D("2026-02-11")).loan("A")
    assert (loan.interest_paid, loan.coupon_waived, loan.total_paid, loan.interest_due) == (
        A("30.00"), A("100.00"), A("30.00"), A("0.00"))


def test_r13_coupon_covers_interest_only_and_the_unused_part_is_forfeited():
    book = with_coupon(w1_loan(), amount="200.00")
    # W2: on 02-14 the loan owes 130.00 interest and 0.39 penalty; the coupon takes the
    # interest only, the cash the penalty
    book, allocation = operations.repay(book, amount=A("0.39"), value_date=D("2026-02-14"),
                                        business_date=D("2026-02-14"), coupon_id="C1")
    assert (allocation.coupon_waived, allocation.coupon_forfeited) == (A("130.00"), A("70.00"))
    assert [(line.penalty, line.interest) for line in allocation.lines] == [(A("0.39"), A("0.00"))]
    loan = position(book, D("2026-02-15")).loan("A")
    assert (loan.status, loan.penalty_due, loan.interest_due, loan.coupon_waived) == (
        LoanStatus.ACTIVE, A("0.00"), A("0.00"), A("130.00"))


def test_r13_coupon_without_the_cash_for_the_penalty_leaves_the_instalment_overdue():
    book = with_coupon(w1_loan())
    book, _ = operations.repay(book, amount=A("0.10"), value_date=D("2026-02-14"), business_date=D("2026-02-14"),
                               coupon_id="C1")
    loan = position(book, D("2026-02-20")).loan("A")
    # 30.00 of interest left bears penalty from 02-14 on: 0.39 + 30 x 0.00075 x 6 = 0.525
    assert (loan.status, loan.interest_due, loan.penalty_due) == (LoanStatus.OVERDUE, A("30.00"), A("0.43"))


def test_r13_r6_coupon_waives_the_oldest_due_interest_first_and_the_earlier_loan_first():
    book = with_loan(w1_loan(), "B", "2000.00", 3, D("2026-01-20"))  # B: 2000 x 0.0005 x 21 = 21.00 on 02-10
    book = with_coupon(book, amount="140.00")
    book, allocation = operations.repay(book, amount=A("11.00"), value_date=D("2026-02-10"),
                                        business_date=D("2026-02-10"), coupon_id="C1")
    assert [(line.loan_id, line.interest) for line in allocation.coupon_lines] == [("A", A("130.00")), ("B", A("10.00"))]
    assert [(line.loan_id, line.interest) for line in allocation.lines] == [("B", A("11.00"))]


def test_r13_r8_coupon_with_a_payoff_waives_the_quotes_interest_never_the_fee():
    for product, total, to_pay in ((FLEX6, "10095.00", "10000.00"), (TERM6, "10395.00", "10300.00")):
        book = with_loan(new_book(), "A", "10000.00", 6, D("2026-01-15"), product)
        book = paid(with_coupon(book), "130.00", D("2026-02-10"))
        quote = operations.quote(book, "A", D("2026-03-01"), coupon_id="C1")
        assert (quote.total, quote.coupon_waived, quote.to_pay) == (A(total), A("95.00"), A(to_pay))  # W3: 95.00 interest
        book, allocation = operations.pay_off(book, loan_id="A", value_date=D("2026-03-01"),
                                              business_date=D("2026-03-01"), coupon_id="C1")
        assert (allocation.amount, allocation.coupon_waived, allocation.coupon_forfeited) == (
            A(to_pay), A("95.00"), A("5.00"))
        loan = position(book, D("2026-03-02")).loan("A")
        assert (loan.status, loan.coupon_waived, loan.interest_paid) == (LoanStatus.SETTLED, A("95.00"), A("130.00"))
        assert position(book, D("2026-03-02")).credit_balance == A("0.00")


@pytest.mark.parametrize(
    ("value_date", "booked_on", "fragment"),
    [
        ("2026-04-01", "2026-04-01", "expired on 2026-03-31"),
        ("2026-01-31", "2026-02-03", "not yet granted on 2026-01-31"),
    ],
)
def test_r13_expired_and_not_yet_granted_coupons_are_refused_and_the_repayment_not_taken(value_date, booked_on, fragment):
    book = with_coupon(w1_loan())
    with pytest.raises(RuleRefusal, match=fragment):
        operations.repay(book, amount=A("130.00"), value_date=D(value_date), business_date=D(booked_on), coupon_id="C1")
    with pytest.raises(RuleRefusal, match=fragment):
        operations.pay_off(book, loan_id="A", value_date=D(value_date), business_date=D(booked_on), coupon_id="C1")


def test_r13_a_coupon_is_redeemed_once_on_any_day_from_its_grant_to_its_expiry():
    book = with_coupon(w1_loan(), on="2026-02-10", expires="2026-02-10")  # grant day = expiry day, both included
    book, _ = operations.repay(book, amount=A("30.00"), value_date=D("2026-02-10"), business_date=D("2026-02-10"),
                               coupon_id="C1")
    before = book
    with pytest.raises(RuleRefusal, match="already used on 2026-02-10"):
        operations.repay(book, amount=A("30.00"), value_date=D("2026-02-10"), business_date=D("2026-02-10"),
                         coupon_id="C1")
    assert book.transactions == before.transactions


def test_r13_unknown_coupon_is_refused():
    with pytest.raises(RuleRefusal, match="unknown coupon 'C9'"):
        operations.repay(w1_loan(), amount=A("30.00"), value_date=D("2026-02-10"), business_date=D("2026-02-10"),
                         coupon_id="C9")


def test_r13_grant_checks_its_input():
    with pytest.raises(BadInput, match="coupon amount"):
        with_coupon(w1_loan(), amount="0.00")
    with pytest.raises(BadInput, match="before it is granted"):
        with_coupon(w1_loan(), on="2026-02-01", expires="2026-01-31")
    with pytest.raises(BadInput, match="exists already"):
        with_coupon(with_coupon(w1_loan()))


def test_r11_a_plan_change_takes_effect_after_what_is_already_booked_for_its_day():
    from datetime import datetime

    book, _ = operations.repay(three_month_loan(), amount=A("10.00"), value_date=D("2026-05-02"),
                               business_date=D("2026-05-02"), received_at=datetime(2026, 5, 2, 15, 0))
    with pytest.raises(BadInput, match="after what is known of its day"):
        operations.extend(book, loan_id="A", months=1, business_date=D("2026-05-02"),
                          received_at=datetime(2026, 5, 2, 9, 0))
    book, effect = operations.extend(book, loan_id="A", months=1, business_date=D("2026-05-02"),
                                     received_at=datetime(2026, 5, 2, 16, 0))
    assert effect.maturity_date == D("2026-07-10")

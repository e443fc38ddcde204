"""R8 early settlement, R9 credit line, R10 annual rate disclosure."""

from __future__ import annotations

import dataclasses

import pytest

from builders import loan_on, new_book, paid, with_loan
from words import A, D
from loanbook.errors import RuleRefusal
from loanbook.rules import operations
from loanbook.rules.disclosure import check_rate_cap, irr_annual_rate, simple_annual_rate
from loanbook.rules.position import LoanStatus
from loanbook.rules.products import FLEX6, TERM6
from loanbook.rules.replay import position
from loanbook.rules.schedule import build_schedule


@pytest.mark.parametrize(("product", "fee", "total"), [(FLEX6, "0.00", "10095.00"), (TERM6, "300.00", "10395.00")])
def test_r8_w3_quote_and_payoff(product, fee, total):
    book = paid(with_loan(new_book(), "A", "10000.00", 6, D("2026-01-15"), product), "130.00", D("2026-02-10"))
    quote = operations.quote(book, "A", D("2026-03-01"))
    assert (quote.interest, quote.fee, quote.total) == (A("95.00"), A(fee), A(total))
    book, allocation = operations.pay_off(book, loan_id="A", value_date=D("2026-03-01"), business_date=D("2026-03-01"), amount=A(total))
    assert allocation.amount == A(total) and allocation.to_credit == 0
    loan = loan_on(book, "A", D("2026-03-02"))
    assert (loan.status, loan.settled_on, loan.fee_paid) == (LoanStatus.SETTLED, D("2026-03-01"), A(fee))
    assert loan.schedule[-1].due_date == D("2026-03-01")  # future instalments replaced by the settlement
    assert len(loan.schedule) == 2


def test_r8_no_payoff_on_the_disbursement_day():
    book = with_loan(new_book(), "A", "6250.00", 6, D("2026-05-05"))
    with pytest.raises(RuleRefusal, match="day after disbursement"):
        operations.quote(book, "A", D("2026-05-05"))
    assert operations.quote(book, "A", D("2026-05-06")).total == A("6253.13")


def test_r8_payoff_includes_arrears_with_penalty_and_no_fee_after_maturity():
    book = with_loan(new_book(), "A", "1000.00", 1, D("2026-01-15"), TERM6)
    quote = operations.quote(book, "A", D("2026-02-24"))
    assert (quote.principal, quote.interest, quote.penalty, quote.fee) == (A("1000.00"), A("13.00"), A("10.64"), A("0.00"))


def test_r8_the_payoff_must_be_the_confirmed_quote():
    book = with_loan(new_book(), "A", "10000.00", 6, D("2026-01-15"))
    with pytest.raises(RuleRefusal, match="not the quote"):
        operations.pay_off(book, loan_id="A", value_date=D("2026-02-01"), business_date=D("2026-02-01"), amount=A("10000.00"))


def test_r8_late_booked_repayment_before_a_payoff_leaves_the_surplus_as_credit():
    book = with_loan(new_book(), "A", "10000.00", 6, D("2026-01-15"))
    book, _ = operations.pay_off(book, loan_id="A", value_date=D("2026-03-01"), business_date=D("2026-03-01"))
    book = paid(book, "130.00", D("2026-02-10"), booked_on=D("2026-03-02"))
    after = position(book, D("2026-03-03"))
    # known on time, February's 130.00 would have spared 130 x 0.00075 x 19 = 1.85 of penalty too
    assert after.credit_balance == A("131.85")
    assert after.loan("A").status is LoanStatus.SETTLED


def test_r9_credit_line_available_and_restored_by_repaid_principal():
    book = with_loan(new_book("12000.00"), "A", "10000.00", 1, D("2026-01-15"))
    assert operations.available_credit(book, D("2026-01-16")) == A("2000.00")
    with pytest.raises(RuleRefusal, match="above the available credit 2000.00"):
        with_loan(book, "B", "3000.00", 1, D("2026-01-16"))
    book = paid(book, "10130.00", D("2026-02-10"))
    assert operations.available_credit(book, D("2026-02-11")) == A("12000.00")
    assert with_loan(book, "B", "3000.00", 1, D("2026-02-11")).loan("B") is not None


def test_r10_w1_annual_rates():
    plan = build_schedule(FLEX6, A("10000.00"), 6, D("2026-01-15"))
    assert simple_annual_rate(FLEX6.daily_rate) == A("0.1825")
    assert irr_annual_rate(A("10000.00"), D("2026-01-15"), plan) == A("0.1986")


def test_r10_cap_flags_a_product_whose_irr_can_pass_it():
    assert not check_rate_cap(FLEX6).above_cap
    expensive = dataclasses.replace(FLEX6, code="DEAR", daily_rate=A("0.001"))
    check = check_rate_cap(expensive)
    assert check.above_cap and check.worst_irr > A("0.36")


def test_r6_r8_late_repayment_that_had_settled_the_loan_turns_the_payoff_into_credit():
    book = with_loan(new_book(), "A", "1000.00", 1, D("2026-01-15"))
    book, allocation = operations.pay_off(book, loan_id="A", value_date=D("2026-02-20"), business_date=D("2026-02-20"))
    payoff_total = allocation.amount
    book = paid(book, "2000.00", D("2026-02-15"), booked_on=D("2026-02-25"))
    after = position(book, D("2026-02-26"))
    loan = after.loan("A")
    assert (loan.status, loan.settled_on) == (LoanStatus.SETTLED, D("2026-02-15"))
    # 2000.00 paid the loan on the 15th (its amount due then) and the rest, plus the whole
    # payoff of the 20th, is the borrower's refundable credit
    assert after.credit_balance == A("2000.00") + payoff_total - loan.total_paid

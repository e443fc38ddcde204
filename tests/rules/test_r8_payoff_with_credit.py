"""R8 with the credit balance in the core (issue 11 item 7): a payoff may use the credit
balance when the borrower asks; the confirmed total is then the net amount."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from builders import new_book, paid, with_loan
from loanbook.errors import BadInput, Conflict, RuleRefusal
from loanbook.rules import operations
from loanbook.rules.replay import position

DISBURSED, NEXT_DAY = date(2026, 1, 15), date(2026, 1, 16)


def _book_with_credit():
    """10,000.00 FLEX6 and 50.00 paid on the disbursement day: nothing is due, so it
    waits as credit (R6); the next day's quote is 10,005.00."""
    return paid(with_loan(new_book(), "A", "10000.00", 6, DISBURSED), "50.00", DISBURSED)


def test_the_offer_shows_the_credit_and_the_net():
    offer = operations.payoff_offer(_book_with_credit(), "A", NEXT_DAY)
    assert offer.quote.total == Decimal("10005.00") and offer.credit_balance == Decimal("50.00")
    assert offer.total_after_credit == Decimal("9955.00")


def test_a_payoff_using_the_credit_pays_the_net_and_leaves_nothing_to_refund():
    book, allocation = operations.pay_off(_book_with_credit(), loan_id="A", value_date=NEXT_DAY,
                                          business_date=NEXT_DAY, amount=Decimal("9955.00"),
                                          credit_used=Decimal("50.00"))
    assert allocation.amount == Decimal("10005.00") and allocation.to_credit == Decimal("-50.00")
    after = position(book, NEXT_DAY, include_day=True)
    assert after.credit_balance == Decimal("0.00") and after.loan("A").settled_on == NEXT_DAY


def test_the_confirmed_total_must_be_the_net_and_the_credit_must_exist():
    book = _book_with_credit()
    with pytest.raises(Conflict, match="less the credit used 50.00: 9955.00"):
        operations.pay_off(book, loan_id="A", value_date=NEXT_DAY, business_date=NEXT_DAY,
                           amount=Decimal("10005.00"), credit_used=Decimal("50.00"))
    with pytest.raises(RuleRefusal, match="more than the credit balance 50.00"):
        operations.pay_off(book, loan_id="A", value_date=NEXT_DAY, business_date=NEXT_DAY,
                           amount=Decimal("9945.00"), credit_used=Decimal("60.00"))


def _with_coupon(book, face: str):
    book, _ = operations.grant_coupon(book, coupon_id="C1", amount=Decimal(face), expires_on=date(2026, 3, 31),
                                      business_date=DISBURSED)
    return book


def test_r8_r13_a_coupon_waives_first_and_the_credit_pays_part_of_what_is_left():
    """The quote 10,005.00 has 5.00 interest; a 3.00 coupon waives 3.00 of it, so 10,002.00
    is to pay; the 50.00 credit pays part of that and the cash is 9,952.00."""
    book = _with_coupon(_book_with_credit(), "3.00")
    book, allocation = operations.pay_off(book, loan_id="A", value_date=NEXT_DAY, business_date=NEXT_DAY,
                                          amount=Decimal("9952.00"), credit_used=Decimal("50.00"), coupon_id="C1")
    assert (allocation.amount, allocation.to_credit, allocation.coupon_waived, allocation.coupon_forfeited) == (
        Decimal("10002.00"), Decimal("-50.00"), Decimal("3.00"), Decimal("0.00"))
    after = position(book, NEXT_DAY, include_day=True)
    loan = after.loan("A")
    assert after.credit_balance == Decimal("0.00") and loan.settled_on == NEXT_DAY
    assert (loan.coupon_waived, loan.interest_paid) == (Decimal("3.00"), Decimal("2.00"))


def test_r8_r13_the_credit_may_cover_all_that_the_coupon_leaves_and_never_the_waived_part():
    book = _with_coupon(paid(_book_with_credit(), "10000.00", DISBURSED), "5.00")  # credit 10,050.00
    with pytest.raises(BadInput, match="more than the quote to pay 10000.00"):
        operations.pay_off(book, loan_id="A", value_date=NEXT_DAY, business_date=NEXT_DAY,
                           amount=Decimal("0.00"), credit_used=Decimal("10005.00"), coupon_id="C1")
    book, allocation = operations.pay_off(book, loan_id="A", value_date=NEXT_DAY, business_date=NEXT_DAY,
                                          amount=Decimal("0.00"), credit_used=Decimal("10000.00"), coupon_id="C1")
    assert (allocation.amount, allocation.coupon_waived) == (Decimal("10000.00"), Decimal("5.00"))
    assert position(book, NEXT_DAY, include_day=True).credit_balance == Decimal("50.00")

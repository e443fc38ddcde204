"""R6 repayments: value dates, allocation order, credit balance, late booking, the bill."""

from __future__ import annotations

from decimal import Decimal

from builders import loan_on, new_book, paid, with_loan
from words import A, D
from loanbook.rules import operations
from loanbook.rules.bill import bill
from loanbook.rules.position import LoanStatus
from loanbook.rules.replay import position


def two_loans():
    book = with_loan(new_book(), "A", "10000.00", 6, D("2026-01-15"))
    return with_loan(book, "B", "2000.00", 3, D("2026-01-20"))


def test_r6_same_due_date_the_earlier_disbursed_loan_first():
    book, allocation = operations.repay(two_loans(), amount=A("150.00"), value_date=D("2026-02-10"), business_date=D("2026-02-10"))
    assert [(line.loan_id, line.interest) for line in allocation.lines] == [("A", A("130.00")), ("B", A("20.00"))]
    assert allocation.to_credit == 0


def test_r6_oldest_due_date_first_across_loans():
    book = two_loans()
    # nothing paid in February; in March both Feb instalments are older than A's March one
    book, allocation = operations.repay(book, amount=A("400.00"), value_date=D("2026-03-10"), business_date=D("2026-03-10"))
    assert [(line.loan_id, line.period) for line in allocation.lines] == [("A", 1), ("B", 1), ("A", 2), ("B", 2)]
    first = allocation.lines[0]
    assert first.penalty > 0 and first.interest == A("130.00")


def test_r6_within_an_instalment_penalty_then_interest_then_principal():
    book = with_loan(new_book(), "A", "1000.00", 1, D("2026-01-15"))
    book, allocation = operations.repay(book, amount=A("20.00"), value_date=D("2026-02-20"), business_date=D("2026-02-20"))
    (line,) = allocation.lines
    assert line.penalty == A("7.60")  # 1013 x 0.00075 x 10 = 7.5975
    assert line.interest == A("12.40") and line.principal == A("0.00")


def test_r6_money_before_anything_is_due_waits_as_credit_and_pays_on_due_dates():
    book = paid(with_loan(new_book(), "A", "10000.00", 6, D("2026-01-15")), "500.00", D("2026-02-05"))
    assert position(book, D("2026-02-06")).credit_balance == A("500.00")
    on_due = position(book, D("2026-02-10"))
    assert on_due.credit_balance == A("370.00")
    assert on_due.allocations[-1].kind == "credit"
    assert on_due.loan("A").interest_paid == A("130.00")


def test_r6_late_booked_repayment_gives_the_on_time_result():
    on_time = paid(with_loan(new_book(), "A", "10000.00", 6, D("2026-01-15")), "130.00", D("2026-02-10"))
    late = paid(with_loan(new_book(), "A", "10000.00", 6, D("2026-01-15")), "130.00", D("2026-02-10"), booked_on=D("2026-02-16"))
    before_known = loan_on(late.known_before(D("2026-02-15")), "A", D("2026-02-15"))
    assert (before_known.status, before_known.dpd, before_known.penalty_due) == (LoanStatus.OVERDUE, 5, A("0.49"))
    for day in ("2026-02-17", "2026-03-10", "2026-04-20"):
        assert position(late.known_before(D(day)), D(day)) == position(on_time, D(day))


def test_r6_statement_sums_every_loan_due_that_day_with_arrears():
    book = two_loans()
    statement = bill(book, D("2026-03-10"))
    lines = {line.loan_id: line for line in statement.lines}
    assert lines["A"].interest == A("270.00") and lines["A"].penalty > 0
    assert lines["B"].interest == A("21.00") + A("28.00")
    assert statement.total == sum((line.total for line in statement.lines), Decimal(0))


def test_r6_refund_of_credit_balance():
    book = paid(with_loan(new_book(), "A", "10000.00", 6, D("2026-01-15")), "500.00", D("2026-02-05"))
    book, allocation = operations.refund(book, amount=A("200.00"), value_date=D("2026-02-06"), business_date=D("2026-02-06"))
    assert allocation.to_credit == A("-200.00")
    assert position(book, D("2026-02-07")).credit_balance == A("300.00")

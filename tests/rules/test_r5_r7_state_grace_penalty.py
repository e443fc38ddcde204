"""R5 state as of a day, R7 grace and penalty interest."""

from __future__ import annotations

from builders import loan_on, new_book, paid, with_loan
from words import A, D
from loanbook.rules.position import LoanStatus
from loanbook.rules.replay import position


def w1():
    return with_loan(new_book(), "A", "10000.00", 6, D("2026-01-15"))


def test_r5_a_loan_is_due_on_its_due_date_and_active_that_day():
    loan = loan_on(w1(), "A", D("2026-02-10"))
    assert (loan.status, loan.dpd, loan.interest_due) == (LoanStatus.ACTIVE, 0, A("130.00"))


def test_r5_r7_w2_grace_then_overdue_retroactively_from_the_due_date():
    book = w1()
    grace = loan_on(book, "A", D("2026-02-13"))
    assert (grace.status, grace.dpd, grace.penalty_due) == (LoanStatus.GRACE, 0, A("0.00"))
    overdue = loan_on(book, "A", D("2026-02-14"))
    assert (overdue.status, overdue.dpd, overdue.penalty_due) == (LoanStatus.OVERDUE, 4, A("0.39"))


def test_r7_w2_payment_on_day_4_pays_penalty_first_and_leaves_interest_overdue():
    book = paid(w1(), "130.00", D("2026-02-14"))
    allocation = position(book, D("2026-02-14"), include_day=True).allocations[0]
    line = allocation.lines[0]
    assert (line.penalty, line.interest, line.principal) == (A("0.39"), A("129.61"), A("0.00"))
    after = loan_on(book, "A", D("2026-02-15"))
    assert (after.status, after.dpd, after.interest_due, after.penalty_due) == (LoanStatus.OVERDUE, 5, A("0.39"), A("0.00"))
    # 0.39 of interest keeps bearing penalty: 0.39 + 0.39 x 0.00075 x 24 = 0.39702 accrued -> 0.40, 0.39 paid
    march = loan_on(book, "A", D("2026-03-10"))
    assert (march.dpd, march.penalty_due, march.interest_due) == (28, A("0.01"), A("140.39"))


def test_r7_paid_in_full_on_the_last_day_of_grace_is_on_time():
    book = paid(w1(), "130.00", D("2026-02-13"))
    loan = loan_on(book, "A", D("2026-03-01"))
    assert (loan.status, loan.dpd, loan.penalty_due, loan.penalty_paid) == (LoanStatus.ACTIVE, 0, A("0.00"), A("0.00"))


def test_r7_part_paid_in_grace_bears_penalty_on_the_rest_from_the_due_date():
    book = paid(w1(), "100.00", D("2026-02-11"))
    loan = loan_on(book, "A", D("2026-02-20"))
    # 130 unpaid on the 10th, 30 unpaid from the 11th: 130 x 1 + 30 x 9 = 400 yuan-days x 0.00075 = 0.30
    assert (loan.status, loan.dpd, loan.penalty_due) == (LoanStatus.OVERDUE, 10, A("0.30"))


def test_r7_fully_unpaid_instalment_paid_on_day_t_bears_t_minus_d_days():
    book = paid(w1(), "200.00", D("2026-02-20"))
    line = position(book, D("2026-02-20"), include_day=True).allocations[0].lines[0]
    assert line.penalty == A("0.98")  # 130 x 0.00075 x 10 = 0.975 -> 0.98


def test_r7_overdue_principal_bears_penalty_after_maturity_and_no_new_interest():
    book = with_loan(new_book(), "A", "1000.00", 1, D("2026-01-15"))
    loan = loan_on(book, "A", D("2026-02-24"))  # due 2026-02-10, 14 days unpaid
    assert loan.interest_due == A("13.00")
    assert loan.principal_due == A("1000.00")
    assert loan.penalty_due == A("10.64")  # 1013 x 0.00075 x 14 = 10.6365
    assert loan.payoff.total == A("1023.64")  # nothing prepaid, no fee, no further interest


def test_r5_settled_when_everything_is_paid():
    book = with_loan(new_book(), "A", "1000.00", 1, D("2026-01-15"))
    book = paid(book, "1013.00", D("2026-02-10"))
    loan = loan_on(book, "A", D("2026-02-11"))
    assert (loan.status, loan.settled_on, loan.principal_outstanding) == (LoanStatus.SETTLED, D("2026-02-10"), A("0.00"))
    assert loan.payoff is None


def test_r5_status_precedence_overdue_over_grace():
    book = w1()
    loan = loan_on(book, "A", D("2026-03-12"))  # Feb overdue, March in grace
    assert (loan.status, loan.dpd) == (LoanStatus.OVERDUE, 30)

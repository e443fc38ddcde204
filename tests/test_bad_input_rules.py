"""Bad input to the core operations is refused clearly and changes nothing (R6, R8, R9, R1, R17).

Every refusal here is checked three ways:
- it raises :class:`BadInput` (malformed or out of range) or :class:`RuleRefusal` (a rule
  forbids it), never a bare Python error;
- its message names what is wrong (the field, the value, the loan, the rule);
- it changes nothing: the :class:`Book` is immutable, so the book passed in still holds
  the same loans and transactions, and the positions computed from it before and after
  the refused call are equal.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from words import A, D
from loanbook.errors import BadInput, LoanbookError, RuleRefusal
from loanbook.rules import operations
from loanbook.rules.book import Book
from loanbook.rules.products import FLEX6, TERM6
from loanbook.rules.replay import position

DISBURSED = D("2026-01-15")  # W1: 10,000.00 over 6 months, first due date 2026-02-10
LOOK_DAYS = (D("2026-01-15"), D("2026-02-06"), D("2026-02-14"), D("2026-03-01"), D("2026-07-11"))


def new_book(limit: str = "200000.00", product=FLEX6) -> Book:
    """W1's loan A on a fresh credit line."""
    book, _ = operations.disburse(
        Book(A(limit)),
        loan_id="A",
        product=product,
        principal=A("10000.00"),
        terms=6,
        on=DISBURSED,
        business_date=DISBURSED,
    )
    return book


def with_credit(book: Book) -> Book:
    """500.00 paid on 2026-02-05, before anything is due: a credit balance of 500.00 (R6)."""
    book, _ = operations.repay(book, amount=A("500.00"), value_date=D("2026-02-05"), business_date=D("2026-02-05"))
    return book


def snapshot(book: Book) -> tuple:
    return (
        book.credit_limit,
        book.loans,
        book.transactions,
        tuple(position(book, day) for day in LOOK_DAYS),
        tuple(position(book, day, include_day=True) for day in LOOK_DAYS),
    )


def assert_refused(book: Book, call, error: type[LoanbookError], *fragments: str) -> str:
    """``call(book)`` must raise ``error`` whose message holds every fragment, and leave
    the book and every position computed from it exactly as they were."""
    before = snapshot(book)
    transactions = book.transactions
    with pytest.raises(error) as refused:
        call(book)
    message = str(refused.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in the message {message!r}"
    assert book.transactions is transactions
    assert snapshot(book) == before
    return message


# --- R6: amounts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "fragment"),
    [
        ("0", "repayment amount must be more than zero, got 0"),
        ("0.00", "repayment amount must be more than zero"),
        ("-130.00", "repayment amount must be more than zero, got -130.00"),
        ("130.001", "repayment amount 130.001 has more than 2 decimal places"),
        ("0.001", "repayment amount 0.001 has more than 2 decimal places"),
    ],
)
def test_r6_repayment_amount_must_be_positive_with_at_most_two_decimals(amount, fragment):
    book = new_book()
    assert_refused(
        book,
        lambda b: operations.repay(b, amount=A(amount), value_date=D("2026-02-10"), business_date=D("2026-02-10")),
        BadInput,
        fragment,
    )


@pytest.mark.parametrize(
    ("principal", "fragment"),
    [
        ("0", "principal must be more than zero"),
        ("-1000.00", "principal must be more than zero"),
        ("1000.005", "principal 1000.005 has more than 2 decimal places"),
        ("99.99", "principal 99.99 is outside product FLEX6's range 100.00 to 200000.00"),
    ],
)
def test_r6_r1_disbursed_principal_must_be_a_valid_amount_in_the_product_range(principal, fragment):
    book = new_book()
    assert_refused(
        book,
        lambda b: operations.disburse(
            b, loan_id="B", product=FLEX6, principal=A(principal), terms=3,
            on=D("2026-02-01"), business_date=D("2026-02-01"),
        ),
        BadInput,
        fragment,
    )


@pytest.mark.parametrize(
    ("amount", "fragment"),
    [
        ("0", "payoff total must be more than zero"),
        ("-10085.00", "payoff total must be more than zero"),
        ("10085.001", "payoff total 10085.001 has more than 2 decimal places"),
    ],
)
def test_r6_r8_payoff_total_must_be_a_valid_amount(amount, fragment):
    book = new_book()
    assert_refused(
        book,
        lambda b: operations.pay_off(
            b, loan_id="A", value_date=D("2026-02-01"), business_date=D("2026-02-01"), amount=A(amount)
        ),
        BadInput,
        fragment,
    )


@pytest.mark.parametrize(
    ("amount", "fragment"),
    [
        ("0", "refund amount must be more than zero"),
        ("-10.00", "refund amount must be more than zero"),
        ("10.005", "refund amount 10.005 has more than 2 decimal places"),
    ],
)
def test_r6_refund_amount_must_be_positive_with_at_most_two_decimals(amount, fragment):
    book = with_credit(new_book())
    assert_refused(
        book,
        lambda b: operations.refund(b, amount=A(amount), value_date=D("2026-02-06"), business_date=D("2026-02-06")),
        BadInput,
        fragment,
    )


# --- R6: unknown loan, value dates -------------------------------------------------------


def test_r6_r8_quote_of_an_unknown_loan_names_it_and_the_known_loans():
    book = new_book()
    assert_refused(
        book, lambda b: operations.quote(b, "Z", D("2026-03-01")), BadInput, "unknown loan 'Z'", "the borrower's loans: A"
    )


def test_r6_r8_payoff_of_an_unknown_loan_names_it_and_the_known_loans():
    book = new_book()
    assert_refused(
        book,
        lambda b: operations.pay_off(b, loan_id="Z", value_date=D("2026-03-01"), business_date=D("2026-03-01")),
        BadInput,
        "unknown loan 'Z'",
        "the borrower's loans: A",
    )


def test_r6_repayment_to_a_borrower_without_any_loan_is_refused():
    book = Book(A("200000.00"))
    assert_refused(
        book,
        lambda b: operations.repay(b, amount=A("100.00"), value_date=D("2026-02-10"), business_date=D("2026-02-10")),
        BadInput,
        "the borrower has no loan to repay",
    )


def test_r6_repayment_value_dated_before_the_first_loan_exists_is_refused():
    book = new_book()
    assert_refused(
        book,
        lambda b: operations.repay(b, amount=A("130.00"), value_date=D("2026-01-14"), business_date=D("2026-02-10")),
        BadInput,
        "repayment value date 2026-01-14 is before the borrower's first loan exists (2026-01-15)",
    )


def test_r6_payoff_value_dated_before_the_loan_exists_is_refused():
    book = new_book()
    assert_refused(
        book,
        lambda b: operations.pay_off(b, loan_id="A", value_date=D("2026-01-10"), business_date=D("2026-02-10")),
        BadInput,
        "loan A does not exist yet on 2026-01-10 (disbursed 2026-01-15)",
    )


def test_r6_r8_quote_before_the_loan_exists_is_refused():
    book = new_book()
    assert_refused(
        book,
        lambda b: operations.quote(b, "A", D("2026-01-14")),
        BadInput,
        "loan A does not exist yet on 2026-01-14",
    )


@pytest.mark.parametrize(
    ("what", "call"),
    [
        (
            "repayment",
            lambda b: operations.repay(b, amount=A("130.00"), value_date=D("2026-02-11"), business_date=D("2026-02-10")),
        ),
        (
            "payoff",
            lambda b: operations.pay_off(b, loan_id="A", value_date=D("2026-02-11"), business_date=D("2026-02-10")),
        ),
        (
            "refund",
            lambda b: operations.refund(b, amount=A("10.00"), value_date=D("2026-02-11"), business_date=D("2026-02-10")),
        ),
    ],
)
def test_r6_value_date_after_the_business_date_is_refused(what, call):
    book = with_credit(new_book())
    assert_refused(
        book,
        call,
        BadInput,
        f"{what} value date 2026-02-11 is after the business date 2026-02-10",
        "money cannot be received in the future",
    )


# --- R8: payoff --------------------------------------------------------------------------


def settled_book() -> Book:
    """Loan A paid off on 2026-03-01 at its quote (W3 without the February instalment)."""
    book, _ = operations.pay_off(new_book(), loan_id="A", value_date=D("2026-03-01"), business_date=D("2026-03-01"))
    return book


@pytest.mark.parametrize(
    ("value_date", "business_date"),
    [
        ("2026-03-01", "2026-03-01"),  # the same day again
        ("2026-03-05", "2026-03-05"),  # later
        ("2026-03-02", "2026-03-05"),  # value-dated after the settlement, learnt of later still
    ],
)
def test_r6_r8_payoff_of_a_settled_loan_is_refused(value_date, business_date):
    book = settled_book()
    assert_refused(
        book,
        lambda b: operations.pay_off(b, loan_id="A", value_date=D(value_date), business_date=D(business_date)),
        RuleRefusal,
        "loan A was settled on 2026-03-01",
        "nothing left to pay off",
    )


def test_r6_r8_payoff_value_dated_before_the_settlement_is_judged_by_its_value_date():
    """Issue 6 defect 11: learnt of after the settlement, but value-dated before it, the
    loan was not settled yet on its value date (R6): it settles the loan on that day, and
    the later payoff becomes the borrower's credit balance, refundable."""
    book, allocation = operations.pay_off(settled_book(), loan_id="A", value_date=D("2026-02-20"), business_date=D("2026-03-05"))
    after = position(book, D("2026-03-06"))
    assert after.loan("A").settled_on == D("2026-02-20")
    assert after.credit_balance == after.allocation("T1").amount  # the 2026-03-01 payoff, whole


def test_r8_quote_of_a_settled_loan_is_refused():
    book = settled_book()
    assert_refused(
        book, lambda b: operations.quote(b, "A", D("2026-03-02")), RuleRefusal, "loan A was settled on 2026-03-01"
    )


def test_r8_quote_on_the_disbursement_day_is_refused():
    book = new_book()
    assert_refused(
        book,
        lambda b: operations.quote(b, "A", DISBURSED),
        RuleRefusal,
        "loan A cannot be settled on 2026-01-15",
        "the day after disbursement",
        "(2026-01-16)",
        "R8",
    )


@pytest.mark.parametrize("product", [FLEX6, TERM6], ids=lambda p: p.code)
def test_r8_payoff_on_the_disbursement_day_is_refused_and_allowed_the_day_after(product):
    book = new_book(product=product)
    assert_refused(
        book,
        lambda b: operations.pay_off(b, loan_id="A", value_date=DISBURSED, business_date=DISBURSED),
        RuleRefusal,
        "the day after disbursement",
    )
    settled, allocation = operations.pay_off(
        book, loan_id="A", value_date=D("2026-01-16"), business_date=D("2026-01-16")
    )
    assert allocation.kind == "payoff"
    assert position(settled, D("2026-01-17")).loan("A").settled_on == D("2026-01-16")


def test_r8_payoff_total_that_is_not_the_quote_is_refused_naming_the_quote():
    """W3: FLEX6, February paid, payoff on 2026-03-01 is 10,095.00; a penny less or more is refused."""
    book, _ = operations.repay(new_book(), amount=A("130.00"), value_date=D("2026-02-10"), business_date=D("2026-02-10"))
    assert operations.quote(book, "A", D("2026-03-01")).total == A("10095.00")
    for wrong in ("10094.99", "10095.01", "10000.00"):
        assert_refused(
            book,
            lambda b: operations.pay_off(
                b, loan_id="A", value_date=D("2026-03-01"), business_date=D("2026-03-01"), amount=A(wrong)
            ),
            RuleRefusal,
            f"payoff total {wrong} is not the quote for loan A on 2026-03-01, which is 10095.00",
            "R8",
        )
    settled, allocation = operations.pay_off(
        book, loan_id="A", value_date=D("2026-03-01"), business_date=D("2026-03-01"), amount=A("10095.00")
    )
    assert allocation.amount == A("10095.00")


# --- R9: credit line ---------------------------------------------------------------------


def test_r9_drawdown_above_the_available_credit_is_refused():
    book = new_book(limit="15000.00")
    assert_refused(
        book,
        lambda b: operations.disburse(
            b, loan_id="B", product=FLEX6, principal=A("5000.01"), terms=3,
            on=D("2026-02-01"), business_date=D("2026-02-01"),
        ),
        RuleRefusal,
        "loan B of 5000.01 is above the available credit 5000.00",
        "limit 15000.00",
        "R9",
    )
    # exactly what is available is fine
    bigger, loan = operations.disburse(
        book, loan_id="B", product=FLEX6, principal=A("5000.00"), terms=3,
        on=D("2026-02-01"), business_date=D("2026-02-01"),
    )
    assert loan.loan_id == "B"
    assert operations.available_credit(bigger, D("2026-02-01")) == A("0.00")


def test_r9_principal_repaid_becomes_available_again():
    book = new_book(limit="10000.00")
    assert_refused(
        book,
        lambda b: operations.disburse(
            b, loan_id="B", product=FLEX6, principal=A("100.00"), terms=1,
            on=D("2026-03-01"), business_date=D("2026-03-01"),
        ),
        RuleRefusal,
        "above the available credit 0.00",
    )
    settled, _ = operations.pay_off(book, loan_id="A", value_date=D("2026-03-01"), business_date=D("2026-03-01"))
    _, loan = operations.disburse(
        settled, loan_id="B", product=FLEX6, principal=A("10000.00"), terms=1,
        on=D("2026-03-01"), business_date=D("2026-03-01"),
    )
    assert loan.principal == A("10000.00")


# --- R1: terms, loan ids, other disbursement checks --------------------------------------


@pytest.mark.parametrize(
    ("terms", "fragment"),
    [
        (0, "terms 0 is outside product FLEX6's range 1 to 6 monthly periods"),
        (7, "terms 7 is outside product FLEX6's range 1 to 6 monthly periods"),
        (-1, "terms -1 is outside product FLEX6's range"),
        (True, "terms must be a whole number of months, got True"),
        ("6", "terms must be a whole number of months, got '6'"),
        (6.0, "terms must be a whole number of months, got 6.0"),
    ],
)
def test_r1_terms_out_of_the_products_range_are_refused(terms, fragment):
    book = new_book()
    assert_refused(
        book,
        lambda b: operations.disburse(
            b, loan_id="B", product=FLEX6, principal=A("1000.00"), terms=terms,
            on=D("2026-02-01"), business_date=D("2026-02-01"),
        ),
        BadInput,
        fragment,
    )


def test_r1_duplicate_loan_id_is_refused():
    book = new_book()
    assert_refused(
        book,
        lambda b: operations.disburse(
            b, loan_id="A", product=FLEX6, principal=A("1000.00"), terms=3,
            on=D("2026-02-01"), business_date=D("2026-02-01"),
        ),
        BadInput,
        "loan A exists already",
    )


def test_r6_loan_without_an_id_is_refused():
    book = new_book()
    assert_refused(
        book,
        lambda b: operations.disburse(
            b, loan_id="", product=FLEX6, principal=A("1000.00"), terms=3,
            on=D("2026-02-01"), business_date=D("2026-02-01"),
        ),
        BadInput,
        "a loan needs an id",
    )


def test_r9_disbursement_is_on_the_business_date_only():
    book = new_book()
    assert_refused(
        book,
        lambda b: operations.disburse(
            b, loan_id="B", product=FLEX6, principal=A("1000.00"), terms=3,
            on=D("2026-02-02"), business_date=D("2026-02-01"),
        ),
        BadInput,
        "a loan is disbursed on the business date 2026-02-01, not on 2026-02-02",
    )


def test_r6_disbursement_before_the_previous_loan_is_refused():
    book = new_book()
    assert_refused(
        book,
        lambda b: operations.disburse(
            b, loan_id="B", product=FLEX6, principal=A("1000.00"), terms=3,
            on=D("2026-01-10"), business_date=D("2026-01-10"),
        ),
        BadInput,
        "business date 2026-01-10 is before 2026-01-15, when the book last changed",
    )


@pytest.mark.parametrize("share", ["0.71", "0.80", "1", "-0.01"])
def test_r17_partner_share_above_070_or_negative_is_refused(share):
    book = new_book()
    assert_refused(
        book,
        lambda b: operations.disburse(
            b, loan_id="B", product=FLEX6, principal=A("1000.00"), terms=3,
            on=D("2026-02-01"), business_date=D("2026-02-01"), partner_share=A(share),
        ),
        BadInput,
        f"partner_share {share} must be from 0 to 0.70",
        "the platform keeps at least 30%",
    )


def test_r17_partner_share_of_exactly_070_is_accepted():
    _, loan = operations.disburse(
        new_book(), loan_id="B", product=FLEX6, principal=A("1000.00"), terms=3,
        on=D("2026-02-01"), business_date=D("2026-02-01"), partner_share=A("0.70"),
    )
    assert loan.partner_share == A("0.70")


# --- R6: refunds of the credit balance ----------------------------------------------------


def test_r6_refund_above_the_credit_balance_is_refused():
    book = with_credit(new_book())
    assert position(book, D("2026-02-06")).credit_balance == A("500.00")
    assert_refused(
        book,
        lambda b: operations.refund(b, amount=A("500.01"), value_date=D("2026-02-06"), business_date=D("2026-02-06")),
        RuleRefusal,
        "refund of 500.01 is more than the credit balance 500.00",
    )
    refunded, allocation = operations.refund(
        book, amount=A("500.00"), value_date=D("2026-02-06"), business_date=D("2026-02-06")
    )
    assert allocation.to_credit == A("-500.00")
    assert position(refunded, D("2026-02-07")).credit_balance == A("0.00")


def test_r6_refund_after_the_credit_paid_a_due_date_sees_what_is_left():
    """On 2026-02-10 the credit balance pays the 130.00 due (R6); 370.00 is left."""
    book = with_credit(new_book())
    assert_refused(
        book,
        lambda b: operations.refund(b, amount=A("370.01"), value_date=D("2026-02-11"), business_date=D("2026-02-11")),
        RuleRefusal,
        "more than the credit balance 370.00",
    )


def test_r6_refund_without_any_credit_balance_is_refused():
    book = new_book()
    assert_refused(
        book,
        lambda b: operations.refund(b, amount=A("0.01"), value_date=D("2026-02-06"), business_date=D("2026-02-06")),
        RuleRefusal,
        "refund of 0.01 is more than the credit balance 0.00",
    )


# --- A quote is free (R8) -------------------------------------------------------------------


def test_r8_a_quote_changes_nothing():
    book = new_book()
    before = snapshot(book)
    quote = operations.quote(book, "A", D("2026-02-01"))
    assert quote.total == A("10085.00")  # 10,000.00 + 17 days x 5.00 (R8)
    assert operations.quote(book, "A", D("2026-02-01")) == quote
    assert snapshot(book) == before


# --- Edges found by testing, fixed in the core -------------------------------------------


@pytest.mark.parametrize("value_date", ["2026-02-01", "2026-01-10"])
def test_r6_refund_value_dated_before_the_credit_existed_is_a_refusal(value_date):
    """A refund is the lender's own act: it is paid on the business date, never back-dated
    (docs/decisions.md), so it can never dip into credit that did not exist yet."""
    book = with_credit(new_book())  # the 500.00 credit exists from 2026-02-05
    assert_refused(
        book,
        lambda b: operations.refund(b, amount=A("100.00"), value_date=D(value_date), business_date=D("2026-02-06")),
        BadInput,
        "a refund is paid on the business date 2026-02-06",
    )


@pytest.mark.parametrize("amount", ["NaN", "1E+30"])
def test_r6_non_finite_or_huge_repayment_amount_is_bad_input(amount):
    book = new_book()
    assert_refused(
        book,
        lambda b: operations.repay(b, amount=Decimal(amount), value_date=D("2026-02-10"), business_date=D("2026-02-10")),
        BadInput,
        "repayment amount",
    )


def test_helpers_really_detect_a_change():
    """The snapshot the refusal tests rely on does see a new transaction."""
    book = new_book()
    changed, _ = operations.repay(book, amount=A("1.00"), value_date=D("2026-02-10"), business_date=date(2026, 2, 10))
    assert snapshot(changed) != snapshot(book)

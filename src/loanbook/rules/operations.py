"""The core's use cases: validate, then return a new book (R6, R8, R9).

Each function takes an immutable :class:`Book` and the business date, checks its input
against the rules, and returns a new book with the fact appended, plus what the fact
did. A refusal raises and returns nothing, so a refused operation changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loanbook.errors import BadInput, Conflict, NotFound, RuleRefusal
from loanbook.money import FEN, ZERO, check_amount_shape
from loanbook.rules.book import Book, Loan, Payoff, Refund, Repayment
from loanbook.rules.payoff import check_payoff_allowed
from loanbook.rules.position import Allocation, PayoffQuote, Position
from loanbook.rules.products import Product
from loanbook.rules.replay import position
from loanbook.rules.schedule import build_schedule

PARTNER_SHARE_MAX = Decimal("0.70")  # R17: the platform keeps at least 30% of each loan


def _check_amount(amount: Decimal, what: str) -> None:
    check_amount_shape(amount, what=what)
    if amount <= 0:
        raise BadInput(f"{what} must be more than zero, got {amount}")
    if amount != amount.quantize(FEN):
        raise BadInput(f"{what} {amount} has more than 2 decimal places (fen is the smallest unit)")


def _check_business_date(book: Book, business_date: date) -> None:
    """The business date never goes back: nothing is booked before what is already booked."""
    latest = max((tx.booked_on for tx in book.transactions), default=None)
    if book.loans:
        latest = max(latest or book.loans[-1].disbursed_on, book.loans[-1].disbursed_on)
    if latest is not None and business_date < latest:
        raise BadInput(f"business date {business_date} is before {latest}, when the book last changed")


def _check_value_date(value_date: date, business_date: date, what: str) -> None:
    if value_date > business_date:
        raise BadInput(
            f"{what} value date {value_date} is after the business date {business_date}: "
            "money cannot be received in the future"
        )


def available_credit(book: Book, on: date) -> Decimal:
    """R9: the limit less the principal outstanding on open loans, during ``on``."""
    return book.credit_limit - position(book, on, include_day=True).principal_outstanding()


def disburse(
    book: Book,
    *,
    loan_id: str,
    product: Product,
    principal: Decimal,
    terms: int,
    on: date,
    business_date: date,
    partner_share: Decimal = ZERO,
) -> tuple[Book, Loan]:
    """A drawdown on the credit line (R9), disbursed on ``on`` with its plan (R4)."""
    if not loan_id or not isinstance(loan_id, str):
        raise BadInput("a loan needs an id")
    if book.loan(loan_id) is not None:
        raise BadInput(f"loan {loan_id} exists already")
    _check_amount(principal, "principal")
    product.check_principal(principal)
    product.check_terms(terms)
    if on != business_date:
        raise BadInput(f"a loan is disbursed on the business date {business_date}, not on {on}")
    _check_business_date(book, business_date)
    if not ZERO <= partner_share <= PARTNER_SHARE_MAX:
        raise BadInput(f"partner_share {partner_share} must be from 0 to {PARTNER_SHARE_MAX} (the platform keeps at least 30%, R17)")
    available = available_credit(book, on)
    if principal > available:
        raise RuleRefusal(
            f"loan {loan_id} of {principal} is above the available credit {available} "
            f"(limit {book.credit_limit}, R9)"
        )
    loan = Loan(
        loan_id=loan_id,
        product=product,
        principal=principal,
        terms=terms,
        disbursed_on=on,
        schedule=build_schedule(product, principal, terms, on),
        partner_share=partner_share,
    )
    return book.with_loan(loan), loan


def repay(
    book: Book, *, amount: Decimal, value_date: date, business_date: date, tx_id: str | None = None
) -> tuple[Book, Allocation]:
    """A borrower-level repayment with its value date, booked on ``business_date`` (R6)."""
    _check_amount(amount, "repayment amount")
    _check_value_date(value_date, business_date, "repayment")
    _check_business_date(book, business_date)
    if not book.loans:
        raise BadInput("the borrower has no loan to repay")
    first_day = book.loans[0].disbursed_on
    if value_date < first_day:
        raise BadInput(f"repayment value date {value_date} is before the borrower's first loan exists ({first_day})")
    repayment = Repayment(tx_id or book.next_tx_id(), value_date, amount, business_date)
    new_book = book.with_transaction(repayment)
    return new_book, _allocation_of(new_book, repayment.tx_id, value_date)


def quote(book: Book, loan_id: str, on: date) -> PayoffQuote:
    """R8: what settling ``loan_id`` costs during ``on``; a quote changes nothing."""
    loan = _known_loan(book, loan_id)
    if on < loan.disbursed_on:
        raise BadInput(f"loan {loan_id} does not exist yet on {on} (disbursed {loan.disbursed_on})")
    current = position(book, on, include_day=True).loan(loan_id)
    check_payoff_allowed(loan, on, current.settled_on)
    return current.payoff


@dataclass(frozen=True, slots=True)
class PayoffOffer:
    """R8: the quote, with the borrower's credit balance and what is left to pay in cash
    if the borrower chooses to use it (issue 11 item 7)."""

    quote: PayoffQuote
    credit_balance: Decimal

    @property
    def credit_usable(self) -> Decimal:
        return min(self.credit_balance, self.quote.total)

    @property
    def total_after_credit(self) -> Decimal:
        return self.quote.total - self.credit_usable


def payoff_offer(book: Book, loan_id: str, on: date) -> PayoffOffer:
    return PayoffOffer(quote(book, loan_id, on), position(book, on, include_day=True).credit_balance)


def pay_off(
    book: Book,
    *,
    loan_id: str,
    value_date: date,
    business_date: date,
    amount: Decimal | None = None,
    tx_id: str | None = None,
    credit_used: Decimal = ZERO,
) -> tuple[Book, Allocation]:
    """Settle one loan at the day's quote; ``amount`` is the cash the borrower confirmed,
    and ``credit_used`` the part of the credit balance the borrower asked to use (R8):
    the two together are the quote."""
    _check_value_date(value_date, business_date, "payoff")
    _check_business_date(book, business_date)
    _known_loan(book, loan_id)
    settled_later = position(book, business_date, include_day=True).loan(loan_id)
    if settled_later is not None and settled_later.settled_on is not None:
        raise RuleRefusal(f"loan {loan_id} was settled on {settled_later.settled_on}: there is nothing left to pay off")
    today = quote(book, loan_id, value_date)
    _check_credit_used(book, credit_used, today.total, value_date, business_date)
    cash = today.total - credit_used
    if amount is not None:
        if cash:
            _check_amount(amount, "payoff total")
        if amount != cash:
            with_credit = f" less the credit used {credit_used}" if credit_used else ""
            raise Conflict(
                f"payoff total {amount} is not the quote for loan {loan_id} on {value_date}, "
                f"which is {today.total}{with_credit}: {cash}; ask for a new quote (R8)"
            )
    payoff = Payoff(tx_id or book.next_tx_id(), value_date, loan_id, cash, business_date, credit_used)
    new_book = book.with_transaction(payoff)
    return new_book, _allocation_of(new_book, payoff.tx_id, value_date)


def _check_credit_used(book: Book, credit_used: Decimal, total: Decimal, value_date: date, business_date: date) -> None:
    """Credit used by a payoff: at most the quote, and at most the balance both on the
    payoff's day and today (a refund since must not be spent twice)."""
    check_amount_shape(credit_used, what="credit used")
    if credit_used < 0 or credit_used != credit_used.quantize(FEN):
        raise BadInput(f"credit used {credit_used} must be zero or more, in whole fen")
    if credit_used > total:
        raise BadInput(f"credit used {credit_used} is more than the quote {total}")
    balance = min(position(book, value_date, include_day=True).credit_balance,
                  position(book, business_date, include_day=True).credit_balance)
    if credit_used > balance:
        raise RuleRefusal(f"credit used {credit_used} is more than the credit balance {balance}")


def refund(
    book: Book, *, amount: Decimal, value_date: date, business_date: date, tx_id: str | None = None
) -> tuple[Book, Allocation]:
    """Pay back part or all of the credit balance on request (R6). A refund is the
    lender's own act, so it is value-dated on the day it is made."""
    _check_amount(amount, "refund amount")
    _check_value_date(value_date, business_date, "refund")
    if value_date != business_date:
        raise BadInput(f"a refund is paid on the business date {business_date}, not value-dated {value_date}")
    _check_business_date(book, business_date)
    balance = position(book, business_date, include_day=True).credit_balance
    if amount > balance:
        raise RuleRefusal(f"refund of {amount} is more than the credit balance {balance}")
    item = Refund(tx_id or book.next_tx_id(), value_date, amount, business_date)
    new_book = book.with_transaction(item)
    return new_book, _allocation_of(new_book, item.tx_id, value_date)


def _known_loan(book: Book, loan_id: str) -> Loan:
    loan = book.loan(loan_id)
    if loan is None:
        known = ", ".join(loan.loan_id for loan in book.loans) or "none"
        raise NotFound(f"unknown loan {loan_id!r} (the borrower's loans: {known})")
    return loan


def _allocation_of(book: Book, tx_id: str, value_date: date) -> Allocation:
    after: Position = position(book, value_date, include_day=True)
    allocation = after.allocation(tx_id)
    if allocation is None:  # pragma: no cover - the replay applies every transaction
        raise RuntimeError(f"transaction {tx_id} was not replayed")
    return allocation

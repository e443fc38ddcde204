"""The core's use cases: validate, then return a new book (R6, R8, R9, R11, R13).

Each function takes an immutable :class:`Book` and the business date, checks its input
against the rules, and returns a new book with the fact appended, plus what the fact
did. A refusal raises and returns nothing, so a refused operation changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from decimal import Decimal

from loanbook.errors import BadInput, Conflict, InvariantBroken, NotFound, RuleRefusal
from loanbook.money import FEN, ZERO, check_amount_shape
from loanbook.rules.book import (
    PENALTY_WAIVER_ALL,
    Book,
    Coupon,
    Extension,
    Loan,
    NegotiatedPlan,
    Payoff,
    PlanChange,
    Refund,
    Repayment,
)
from loanbook.rules.payoff import check_payoff_allowed
from loanbook.rules.position import Allocation, PayoffQuote, PlanChangeEffect, Position
from loanbook.rules.products import Product, RepaymentMethod
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
    latest = book.last_booked_on()
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


def _check_received_at(received_at: datetime | None) -> datetime | None:
    """The intra-day order key (R6, :mod:`loanbook.rules.book`): a time with a zone is
    compared in UTC, so keys from different channels stay comparable."""
    if received_at is None:
        return None
    if not isinstance(received_at, datetime):
        raise BadInput(f"received_at {received_at!r} is not a date and time")
    if received_at.tzinfo is not None:
        return received_at.astimezone(timezone.utc).replace(tzinfo=None)
    return received_at


def repay(
    book: Book,
    *,
    amount: Decimal,
    value_date: date,
    business_date: date,
    tx_id: str | None = None,
    received_at: datetime | None = None,
    coupon_id: str | None = None,
) -> tuple[Book, Allocation]:
    """:func:`with_repayment`, and what the repayment paid (one replay of the new book)."""
    new_book = with_repayment(book, amount=amount, value_date=value_date, business_date=business_date, tx_id=tx_id,
                              received_at=received_at, coupon_id=coupon_id)
    return new_book, _allocation_of(new_book, new_book.transactions[-1].tx_id, value_date)


def with_repayment(
    book: Book,
    *,
    amount: Decimal,
    value_date: date,
    business_date: date,
    tx_id: str | None = None,
    received_at: datetime | None = None,
    coupon_id: str | None = None,
) -> Book:
    """A borrower-level repayment with its value date, booked on ``business_date`` (R6).
    ``received_at`` places it among the other facts of its value date (the time it was
    received or the channel reports; None: after those with a time).

    With ``coupon_id`` the coupon first waives unpaid interest of the instalments due on
    or before the value date, in R6 order, up to its face value; then the cash is
    allocated as usual (R13). A coupon that is unknown, not yet granted, expired or
    already used is refused, and the repayment is not taken either."""
    _check_amount(amount, "repayment amount")
    _check_value_date(value_date, business_date, "repayment")
    _check_business_date(book, business_date)
    if not book.loans:
        raise BadInput("the borrower has no loan to repay")
    first_day = book.loans[0].disbursed_on
    if value_date < first_day:
        raise BadInput(f"repayment value date {value_date} is before the borrower's first loan exists ({first_day})")
    if coupon_id is not None:
        _redeemable_coupon(book, coupon_id, value_date)
    repayment = Repayment(
        tx_id or book.next_tx_id(), value_date, amount, business_date, _check_received_at(received_at), coupon_id
    )
    # No replay here: a repayment is refused only for its own fields (R6), and whoever
    # posts it replays the new book once anyway (what it paid is in that position).
    return book.with_transaction(repayment)


QUOTE_TX = "quote"  # the id of the payoff a quote imagines, never booked


def quote(
    book: Book, loan_id: str, on: date, *, received_at: datetime | None = None, coupon_id: str | None = None
) -> PayoffQuote:
    """R8: what settling ``loan_id`` costs during ``on`` for a payoff at ``received_at``
    (None: after everything known of that day); a quote changes nothing. With
    ``coupon_id`` the quote shows what the coupon would waive of its interest and
    ``to_pay``, the quote less that (R13); a coupon that cannot be redeemed is refused."""
    received_at = _check_received_at(received_at)
    today = _quote_at(book, loan_id, on, QUOTE_TX, received_at)
    if coupon_id is None:
        return today
    return _with_coupon(today, _redeemable_coupon(book, coupon_id, on))


def _with_coupon(today: PayoffQuote, coupon: Coupon) -> PayoffQuote:
    """R13: a coupon waives interest of the quote (never principal, penalty or fee), up
    to its face value."""
    waived = coupon.amount if coupon.amount < today.interest else today.interest
    return replace(today, coupon_waived=waived)


def _quote_at(book: Book, loan_id: str, on: date, tx_id: str, received_at: datetime | None) -> PayoffQuote:
    """The quote a payoff ``tx_id`` at ``received_at`` on ``on`` sees (``_position_at``)."""
    return _position_at(book, [loan_id], on, tx_id, received_at).loan(loan_id).payoff


def _position_at(
    book: Book, loan_ids: Sequence[str], on: date, tx_id: str, received_at: datetime | None
) -> Position:
    """The position a payoff ``tx_id`` at ``received_at`` on ``on`` of ``loan_ids`` sees:
    the loans after exactly the facts that happened before it, by value date and within
    ``on`` by the order they happened (R6, R8), in one replay. Whether each loan is
    settled is judged there too, so a late-booked payoff is refused only if the loan was
    settled as of its own value date."""
    loans = [_known_loan(book, loan_id) for loan_id in loan_ids]
    for loan in loans:
        if on < loan.disbursed_on:
            raise BadInput(f"loan {loan.loan_id} does not exist yet on {on} (disbursed {loan.disbursed_on})")
    imagined = Payoff(tx_id, on, loans[0].loan_id, ZERO, on, received_at)
    moment = position(book.with_transaction(imagined), on, include_day=True, before_tx=tx_id)
    for loan in loans:
        check_payoff_allowed(loan, on, moment.loan(loan.loan_id).settled_on)
    return moment


def credit_balance_at(book: Book, on: date, received_at: datetime | None) -> Decimal:
    """R6/R8: the credit balance a payoff at ``received_at`` on ``on`` would find (None:
    after everything known of that day)."""
    imagined = Payoff(QUOTE_TX, on, "", ZERO, on, _check_received_at(received_at))
    return position(book.with_transaction(imagined), on, include_day=True, before_tx=QUOTE_TX).credit_balance


@dataclass(frozen=True, slots=True)
class PayoffOffer:
    """R8: the quote, with the borrower's credit balance and what is left to pay in cash
    if the borrower chooses to use it (issue 11 item 7)."""

    quote: PayoffQuote
    credit_balance: Decimal

    @property
    def credit_usable(self) -> Decimal:
        return min(self.credit_balance, self.quote.to_pay)

    @property
    def total_after_credit(self) -> Decimal:
        return self.quote.to_pay - self.credit_usable


def payoff_offer(book: Book, loan_id: str, on: date) -> PayoffOffer:
    return PayoffOffer(quote(book, loan_id, on), position(book, on, include_day=True).credit_balance)


def _quotes_at(
    book: Book, loan_ids: Sequence[str], on: date, tx_id: str, received_at: datetime | None
) -> tuple[PayoffQuote, ...]:
    """:func:`_quote_at` of several loans of the book at one moment, in one replay. A
    payoff at that moment changes no other loan (it pays its own loan exactly), so the
    loans' quotes do not depend on the order they are settled in."""
    moment = _position_at(book, loan_ids, on, tx_id, received_at)
    return tuple(moment.loan(loan_id).payoff for loan_id in loan_ids)


def with_payoffs(
    book: Book,
    *,
    loan_ids: Sequence[str],
    value_date: date,
    business_date: date,
    total: Decimal,
    tx_ids: Sequence[str],
    received_at: datetime | None = None,
    known_quotes: Sequence[PayoffQuote] | None = None,
) -> tuple[Book, tuple[PayoffQuote, ...]]:
    """Settle several loans of the book at once, at the quotes of their moment (R8), in
    one replay: ``total`` is what the borrower confirmed and must be the sum of those
    quotes, else nothing is settled. Returns the new book (one payoff per loan, ids
    ``tx_ids``) and the quotes paid. Judged by the value date as :func:`pay_off` is.

    ``known_quotes``: the loans' quotes for a payoff received after everything known of
    the business date, as this core gave them in the position of that whole day (the
    one a posting stored): the same moment, so the same quotes, and no replay here."""
    if not loan_ids:
        raise BadInput("name at least one loan to pay off")
    if len(set(loan_ids)) != len(loan_ids):
        raise BadInput("a loan is named twice")
    if len(tx_ids) != len(loan_ids):
        raise InvariantBroken(f"{len(tx_ids)} transaction ids for {len(loan_ids)} payoffs")
    _check_value_date(value_date, business_date, "payoff")
    _check_business_date(book, business_date)
    received_at = _check_received_at(received_at)
    if known_quotes is not None and len(known_quotes) != len(loan_ids):
        raise InvariantBroken(f"{len(known_quotes)} known quotes for {len(loan_ids)} payoffs")
    quotes = (tuple(known_quotes) if known_quotes is not None
              else _quotes_at(book, loan_ids, value_date, tx_ids[0], received_at))
    expected = sum((quote.to_pay for quote in quotes), ZERO)
    if total != expected:
        raise Conflict(
            f"total {total} is not the payoff amount {expected} on {value_date} for loan(s) "
            f"{', '.join(loan_ids)}: get a new quote and confirm again (R8)"
        )
    for loan_id, quote, tx_id in zip(loan_ids, quotes, tx_ids):
        book = book.with_transaction(Payoff(tx_id, value_date, loan_id, quote.to_pay, business_date, received_at))
    return book, quotes


def pay_off(
    book: Book,
    *,
    loan_id: str,
    value_date: date,
    business_date: date,
    amount: Decimal | None = None,
    tx_id: str | None = None,
    received_at: datetime | None = None,
    coupon_id: str | None = None,
    credit_used: Decimal = ZERO,
) -> tuple[Book, Allocation]:
    """Settle one loan at the quote of its moment; ``amount`` is the cash the borrower
    confirmed: the quote's ``to_pay`` (the quote less a coupon's waiver, R13) less
    ``credit_used``, the part of the credit balance the borrower asked to use (R8). A
    payoff learnt of late is judged by its value date (R6): refused only if the loan was
    settled before it by value-date order; a repayment value-dated later then finds
    nothing to pay and becomes credit balance."""
    _check_value_date(value_date, business_date, "payoff")
    _check_business_date(book, business_date)
    _known_loan(book, loan_id)
    received_at = _check_received_at(received_at)
    tx_id = tx_id or book.next_tx_id()
    moment = _position_at(book, [loan_id], value_date, tx_id, received_at)
    today = moment.loan(loan_id).payoff
    if coupon_id is not None:
        today = _with_coupon(today, _redeemable_coupon(book, coupon_id, value_date))
    _check_credit_used(book, credit_used, today.to_pay, moment.credit_balance, business_date)
    cash = today.to_pay - credit_used
    if amount is not None:
        if cash:
            _check_amount(amount, "payoff total")
        if amount != cash:
            with_credit = f" less the credit used {credit_used}" if credit_used else ""
            raise Conflict(
                f"payoff total {amount} is not the quote for loan {loan_id} on {value_date}, "
                f"which is {today.to_pay}{with_credit}: {cash}; ask for a new quote (R8)"
            )
    payoff = Payoff(tx_id, value_date, loan_id, cash, business_date, received_at, coupon_id, credit_used)
    new_book = book.with_transaction(payoff)
    return new_book, _allocation_of(new_book, payoff.tx_id, value_date)


def _check_credit_used(
    book: Book, credit_used: Decimal, to_pay: Decimal, balance_then: Decimal, business_date: date
) -> None:
    """Credit used by a payoff (R8): at most what is to pay after a coupon's waiver (R13),
    and at most the balance both at the payoff's moment (R6 order of its day) and today
    (a refund since must not be spent twice)."""
    check_amount_shape(credit_used, what="credit used")
    if credit_used < 0 or credit_used != credit_used.quantize(FEN):
        raise BadInput(f"credit used {credit_used} must be zero or more, in whole fen")
    if credit_used > to_pay:
        raise BadInput(f"credit used {credit_used} is more than the quote to pay {to_pay}")
    balance = min(balance_then, position(book, business_date, include_day=True).credit_balance)
    if credit_used > balance:
        raise RuleRefusal(f"credit used {credit_used} is more than the credit balance {balance}")


def refund(
    book: Book,
    *,
    amount: Decimal,
    value_date: date,
    business_date: date,
    tx_id: str | None = None,
    received_at: datetime | None = None,
) -> tuple[Book, Allocation]:
    """:func:`with_refund`, and the refund's allocation (one more replay)."""
    new_book = with_refund(book, amount=amount, value_date=value_date, business_date=business_date, tx_id=tx_id,
                           received_at=received_at)
    return new_book, _allocation_of(new_book, new_book.transactions[-1].tx_id, value_date)


def with_refund(
    book: Book,
    *,
    amount: Decimal,
    value_date: date,
    business_date: date,
    tx_id: str | None = None,
    received_at: datetime | None = None,
) -> Book:
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
    item = Refund(tx_id or book.next_tx_id(), value_date, amount, business_date, _check_received_at(received_at))
    return book.with_transaction(item)


# --- R13 coupons ------------------------------------------------------------------------


def grant_coupon(
    book: Book, *, coupon_id: str, amount: Decimal, expires_on: date, business_date: date
) -> tuple[Book, Coupon]:
    """R13: grant the borrower a coupon of face value ``amount``, redeemable once from
    today (the business date) to ``expires_on``, both included."""
    if not coupon_id or not isinstance(coupon_id, str):
        raise BadInput("a coupon needs an id")
    if book.coupon(coupon_id) is not None:
        raise BadInput(f"coupon {coupon_id} exists already")
    _check_amount(amount, "coupon amount")
    if not isinstance(expires_on, date):
        raise BadInput(f"coupon expiry {expires_on!r} is not a date")
    if expires_on < business_date:
        raise BadInput(f"coupon {coupon_id} would expire on {expires_on}, before it is granted on {business_date}")
    _check_business_date(book, business_date)
    coupon = Coupon(coupon_id, amount, business_date, expires_on, business_date)
    return book.with_coupon(coupon), coupon


def _redeemable_coupon(book: Book, coupon_id: str, value_date: date) -> Coupon:
    """R13: the coupon, if it can be redeemed on ``value_date``; else a refusal that
    leaves nothing done (the repayment or payoff is not taken either)."""
    coupon = book.coupon(coupon_id)
    if coupon is None:
        raise RuleRefusal(
            f"unknown coupon {coupon_id!r}: no coupon of that id was granted to this borrower "
            "(another borrower's, or not yet granted) (R13)"
        )
    if value_date < coupon.granted_on:
        raise RuleRefusal(
            f"coupon {coupon_id} is not yet granted on {value_date}: it was granted on {coupon.granted_on} (R13)"
        )
    if value_date > coupon.expires_on:
        raise RuleRefusal(
            f"coupon {coupon_id} expired on {coupon.expires_on}: it cannot be redeemed on {value_date} (R13)"
        )
    used = book.redemption_of(coupon_id)
    if used is not None:
        raise RuleRefusal(f"coupon {coupon_id} was already used on {used.value_date}: a coupon is redeemed once (R13)")
    return coupon


# --- R11 extension and negotiated repayment ---------------------------------------------


def _check_months(months: int) -> None:
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise BadInput(f"months must be a whole number of at least 1, got {months!r}")


def _check_waiver(waive_penalty: Decimal | str | None) -> Decimal | str:
    if waive_penalty is None:
        return ZERO
    if waive_penalty == PENALTY_WAIVER_ALL:
        return PENALTY_WAIVER_ALL
    if not isinstance(waive_penalty, Decimal):
        raise BadInput(f'waive_penalty must be "all" or an amount, got {waive_penalty!r}')
    check_amount_shape(waive_penalty, what="penalty waiver")
    if waive_penalty < 0:
        raise BadInput(f"penalty waiver must not be negative, got {waive_penalty}")
    if waive_penalty != waive_penalty.quantize(FEN):
        raise BadInput(f"penalty waiver {waive_penalty} has more than 2 decimal places (fen is the smallest unit)")
    return waive_penalty


def _check_method(method: RepaymentMethod | str) -> RepaymentMethod:
    try:
        return RepaymentMethod(method)
    except ValueError:
        known = ", ".join(m.value for m in RepaymentMethod)
        raise BadInput(f"method {method!r} is not one of {known}") from None


def _effect_of(book: Book, change: PlanChange) -> PlanChangeEffect:
    """Replay ``book`` with ``change`` in it, through its approval day: what it did, or
    the rule that refuses it (R11), judged at its moment in that day's order."""
    loan = _known_loan(book, change.loan_id)
    if change.value_date < loan.disbursed_on:
        raise BadInput(f"loan {loan.loan_id} does not exist yet on {change.value_date} (disbursed {loan.disbursed_on})")
    after = position(book.with_plan_change(change), change.value_date, include_day=True)
    effect = after.plan_change(change.fact_id)
    if effect is None:
        raise RuleRefusal(after.plan_change_refusal(change.fact_id))
    waiver = getattr(change, "waive_penalty", PENALTY_WAIVER_ALL)
    if waiver != PENALTY_WAIVER_ALL and waiver > effect.penalty_payable:
        raise RuleRefusal(
            f"penalty waiver {waiver} for loan {loan.loan_id} is larger than the penalty payable on "
            f"{change.value_date}, {effect.penalty_payable} (R11)"
        )
    return effect


def _check_change_time(book: Book, change: PlanChange) -> None:
    """R11: a change takes effect when it is approved, after everything already booked
    for its day: its time may not put it before a fact of that day the book holds (the
    payments before it were taken at the quotes of the old plan)."""
    if change.received_at is None:
        return
    times = [
        fact.received_at
        for fact in (*book.transactions, *book.plan_changes)
        if fact.value_date == change.value_date and fact.received_at is not None
    ]
    latest = max(times, default=None)
    if latest is not None and change.received_at < latest:
        raise BadInput(
            f"the approval time {change.received_at} is before {latest}, when something was already booked for "
            f"{change.value_date}: a plan change takes effect after what is known of its day (R11)"
        )


def preview_extension(
    book: Book, *, loan_id: str, months: int, on: date, received_at: datetime | None = None
) -> PlanChangeEffect:
    """R11: what extending ``loan_id`` by ``months`` would do if approved during ``on``
    (the new plan, maturity, cumulative extension and its limit), or the refusal
    (``maturity``: not before the current maturity; ``limit``: past the cumulative
    limit; a settled loan). Changes nothing."""
    _check_months(months)
    change = Extension("preview", loan_id, on, months, on, _check_received_at(received_at))
    return _effect_of(book, change)


def extend(
    book: Book,
    *,
    loan_id: str,
    months: int,
    business_date: date,
    fact_id: str | None = None,
    received_at: datetime | None = None,
) -> tuple[Book, PlanChangeEffect]:
    """R11: an extension approved on ``business_date`` (the approval day a): the
    instalments due after a are re-planned over their count + ``months`` periods with
    the loan's method and rate, from the start of the current period. Refused unless
    the loan is open and a is before its current maturity, and the cumulative extension
    stays within the limit by the original term. Only approvals reach the core: a
    rejected request changes nothing here."""
    _check_months(months)
    _check_business_date(book, business_date)
    change = Extension(fact_id or book.next_fact_id(), loan_id, business_date, months, business_date,
                       _check_received_at(received_at))
    _check_change_time(book, change)
    effect = _effect_of(book, change)
    return book.with_plan_change(change), effect


def preview_negotiation(
    book: Book,
    *,
    loan_id: str,
    method: RepaymentMethod | str,
    months: int,
    waive_penalty: Decimal | str | None,
    on: date,
    received_at: datetime | None = None,
) -> PlanChangeEffect:
    """R11: what a negotiated plan would be if approved during ``on``: the new plan
    (numbered from 1), the carried interest, the penalty payable, the waiver and the
    carried penalty; or the refusal (``larger than the penalty``, ``limit``, a settled
    loan). Changes nothing."""
    _check_months(months)
    change = NegotiatedPlan("preview", loan_id, on, _check_method(method), months, _check_waiver(waive_penalty), on,
                            _check_received_at(received_at))
    return _effect_of(book, change)


def negotiate(
    book: Book,
    *,
    loan_id: str,
    method: RepaymentMethod | str,
    months: int,
    waive_penalty: Decimal | str | None,
    business_date: date,
    fact_id: str | None = None,
    received_at: datetime | None = None,
) -> tuple[Book, PlanChangeEffect]:
    """R11: a negotiated plan approved on ``business_date`` (a): the old plan closes; a
    plan of ``months`` periods with ``method`` starts on a over the whole principal
    outstanding, its first instalment also carrying the unpaid interest (with the
    current period's to a) and the penalty payable less the waiver (``"all"`` or an
    amount no larger than that penalty). The loan is ACTIVE with DPD 0 from a. Refused
    for a settled loan or past the cumulative extension limit. Only approvals reach the
    core: a rejected request changes nothing here."""
    _check_months(months)
    _check_business_date(book, business_date)
    change = NegotiatedPlan(fact_id or book.next_fact_id(), loan_id, business_date, _check_method(method), months,
                            _check_waiver(waive_penalty), business_date, _check_received_at(received_at))
    _check_change_time(book, change)
    effect = _effect_of(book, change)
    return book.with_plan_change(change), effect


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
        raise InvariantBroken(f"transaction {tx_id} was not replayed")
    return allocation

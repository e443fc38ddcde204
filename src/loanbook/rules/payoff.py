"""Early settlement (提前还款 / 结清), R8.

The payoff on day t settles one loan: everything due and unpaid with its penalty, the
principal not yet due, interest on that principal from the start of the current period
to t (t not counted), and the fee: the product's rate on the principal not yet due,
which is nothing on or after maturity. Future instalments are replaced by one
settlement instalment due on t.

R11: before the first due date of a negotiated plan, the quote also holds the carried
interest and penalty. R13: a coupon redeemed with the payoff waives interest of the
quote (due instalments oldest first, then the current period's), up to its face value.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from loanbook.errors import RuleRefusal
from loanbook.money import ZERO, round_fen
from loanbook.rules.accrual import OpenInstalment
from loanbook.rules.book import Loan
from loanbook.rules.calendar import days_between
from loanbook.rules.position import AllocationLine, PayoffQuote
from loanbook.rules.products import Product
from loanbook.rules.schedule import Instalment

NO_GRACE = timedelta(0)  # the settlement instalment is paid the day it falls due


def earliest_payoff_date(loan: Loan) -> date:
    """R8: early settlement is allowed from the day after disbursement (by default)."""
    return earliest_payoff_day(loan.disbursed_on, loan.product)


def earliest_payoff_day(disbursed_on: date, product: Product) -> date:
    """R8: :func:`earliest_payoff_date` of a loan disbursed on ``disbursed_on``."""
    return disbursed_on + timedelta(days=product.settlement_after_days)


def check_payoff_allowed(loan: Loan, on: date, settled_on: date | None) -> None:
    if settled_on is not None:
        raise RuleRefusal(f"loan {loan.loan_id} was settled on {settled_on}: there is nothing left to pay off")
    earliest = earliest_payoff_date(loan)
    if on < earliest:
        after = (
            "the day after disbursement"
            if loan.product.settlement_after_days == 1
            else f"{loan.product.settlement_after_days} days after disbursement"
        )
        raise RuleRefusal(
            f"loan {loan.loan_id} cannot be settled on {on}: it was disbursed on {loan.disbursed_on} "
            f"and early settlement is allowed from {after} ({earliest}) (R8)"
        )


class Owed:
    """What a loan owes on a day (R5, R8), summed in one pass over its plan: the unpaid
    principal, interest and penalty of the instalments due, and the principal not yet due
    with the start of the current period (the first instalment not yet due)."""

    __slots__ = (
        "principal_due", "interest_due", "penalty_due", "principal_not_due", "period_start",
        "carried_interest", "carried_penalty",
    )

    def __init__(self) -> None:
        self.principal_due = ZERO
        self.interest_due = ZERO
        self.penalty_due = ZERO
        self.principal_not_due = ZERO
        self.period_start: date | None = None
        self.carried_interest = ZERO  # R11: carried by an instalment not yet due
        self.carried_penalty = ZERO

    def add_due(self, instalment: OpenInstalment, penalty_payable: Decimal) -> None:
        self.principal_due += instalment.principal - instalment.paid_principal
        self.interest_due += instalment.interest - instalment.paid_interest
        self.penalty_due += penalty_payable

    def add_not_due(self, instalment: OpenInstalment) -> None:
        if self.period_start is None:
            self.period_start = instalment.start_date
        self.principal_not_due += instalment.principal - instalment.paid_principal
        if not instalment.plain and (instalment.carried_interest or instalment.carried_penalty_left):
            self.carried_interest += instalment.carried_interest
            self.carried_penalty += instalment.carried_penalty_left


def payoff_quote(loan_id: str, product: Product, on: date, owed: Owed) -> PayoffQuote:
    """R8: everything due with its penalty, the principal not yet due, its interest from
    the start of the current period to ``on`` (not counted), and the fee on it."""
    interest_accrued = ZERO
    if owed.period_start is not None:
        days = days_between(owed.period_start, on)
        interest_accrued = round_fen(owed.principal_not_due * product.daily_rate * days)
    interest = owed.interest_due + interest_accrued
    penalty = owed.penalty_due
    if owed.carried_interest or owed.carried_penalty:  # R11: payable with the first new instalment
        interest += owed.carried_interest
        penalty += owed.carried_penalty
    return PayoffQuote(
        loan_id=loan_id,
        on=on,
        principal=owed.principal_due + owed.principal_not_due,
        interest=interest,
        penalty=penalty,
        fee=round_fen(owed.principal_not_due * product.early_settlement_fee_rate),
        principal_not_due=owed.principal_not_due,
        interest_accrued=interest_accrued,
    )


def settle(
    loan: Loan, instalments: list[OpenInstalment], on: date, coupon_amount: Decimal = ZERO
) -> tuple[PayoffQuote, list[OpenInstalment], list[AllocationLine], list[AllocationLine]]:
    """Pay everything of the quote on ``on``; return the quote, the new plan, the lines
    paid in cash and the lines a coupon of ``coupon_amount`` waived (R13).

    The new plan keeps the instalments already due and replaces the rest by one
    settlement instalment due on ``on`` (R8: future instalments are cancelled).
    """
    penalty_rate = loan.product.penalty_daily_rate
    owed = Owed()
    due: list[tuple[OpenInstalment, Decimal]] = []
    first_not_due = None
    for instalment in instalments:
        if instalment.due_date <= on:
            _, penalty = instalment.penalty(on, penalty_rate)
            owed.add_due(instalment, penalty)
            due.append((instalment, penalty))
        else:
            owed.add_not_due(instalment)
            if first_not_due is None:
                first_not_due = instalment
    quote = payoff_quote(loan.loan_id, loan.product, on, owed)
    waive_left = ZERO
    if coupon_amount:
        waive_left = coupon_amount if coupon_amount < quote.interest else quote.interest
        quote = replace(quote, coupon_waived=waive_left)
    lines: list[AllocationLine] = []
    coupon_lines: list[AllocationLine] = []
    for instalment, penalty in due:
        interest = instalment.interest - instalment.paid_interest
        principal = instalment.principal - instalment.paid_principal
        if waive_left and interest:
            waived = interest if interest < waive_left else waive_left
            waive_left -= waived
            interest -= waived
            instalment.waive_interest(on, waived)
            coupon_lines.append(AllocationLine(loan.loan_id, instalment.period, interest=waived))
        if penalty or interest or principal:
            instalment.pay(on, penalty=penalty, interest=interest, principal=principal)
            lines.append(AllocationLine(loan.loan_id, instalment.period, penalty, interest, principal))
    plan = [instalment for instalment, _ in due]
    if first_not_due is not None:
        settlement = _settlement(first_not_due, on, quote, owed, waive_left)
        plan.append(settlement)
        if settlement.coupon_waived:
            coupon_lines.append(AllocationLine(loan.loan_id, first_not_due.period, interest=settlement.coupon_waived))
        lines.append(
            AllocationLine(
                loan.loan_id,
                first_not_due.period,
                penalty=owed.carried_penalty,
                interest=quote.interest_accrued + owed.carried_interest - settlement.coupon_waived,
                principal=quote.principal_not_due,
                fee=quote.fee,
            )
        )
    return quote, plan, lines, coupon_lines


def _settlement(first: OpenInstalment, on: date, quote: PayoffQuote, owed: Owed, waive: Decimal) -> OpenInstalment:
    """The one instalment that replaces the cancelled ones, paid in full on ``on`` (R8),
    with what a negotiated plan carried (R11) and less what a coupon waived (R13)."""
    settlement = OpenInstalment(
        Instalment(
            period=first.period,
            start_date=first.start_date,
            due_date=on,
            principal=quote.principal_not_due,
            interest=quote.interest_accrued,
            fee=quote.fee,
            carried_interest=owed.carried_interest,
            carried_penalty=owed.carried_penalty,
        ),
        grace=NO_GRACE,
    )
    interest = quote.interest_accrued + owed.carried_interest
    if waive:
        waived = interest if interest < waive else waive
        settlement.waive_interest(on, waived)
        interest -= waived
    settlement.pay(
        on, penalty=owed.carried_penalty, interest=interest, principal=quote.principal_not_due, fee=quote.fee
    )
    return settlement

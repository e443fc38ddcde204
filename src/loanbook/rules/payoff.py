"""Early settlement (提前还款 / 结清), R8.

The payoff on day t settles one loan: everything due and unpaid with its penalty, the
principal not yet due, interest on that principal from the start of the current period
to t (t not counted), and the fee: the product's rate on the principal not yet due,
which is nothing on or after maturity. Future instalments are replaced by one
settlement instalment due on t.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from loanbook.errors import RuleRefusal
from loanbook.money import ZERO, round_fen
from loanbook.rules.accrual import OpenInstalment
from loanbook.rules.book import Loan
from loanbook.rules.calendar import days_between
from loanbook.rules.position import AllocationLine, PayoffQuote
from loanbook.rules.schedule import Instalment


def earliest_payoff_date(loan: Loan) -> date:
    """R8: early settlement is allowed from the day after disbursement (by default)."""
    return loan.disbursed_on + timedelta(days=loan.product.settlement_after_days)


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


@dataclass(frozen=True, slots=True)
class _SettlementParts:
    quote: PayoffQuote
    due: list[OpenInstalment]
    not_due: list[OpenInstalment]


def _parts(loan: Loan, instalments: list[OpenInstalment], on: date) -> _SettlementParts:
    penalty_rate = loan.product.penalty_daily_rate
    due = [i for i in instalments if i.due_date <= on]
    not_due = [i for i in instalments if i.due_date > on]
    principal_not_due = sum((i.principal - i.paid_principal for i in not_due), ZERO)
    interest_accrued = ZERO
    if not_due:
        days = days_between(not_due[0].start_date, on)
        interest_accrued = round_fen(principal_not_due * loan.product.daily_rate * days)
    quote = PayoffQuote(
        loan_id=loan.loan_id,
        on=on,
        principal=sum((i.principal - i.paid_principal for i in due), ZERO) + principal_not_due,
        interest=sum((i.interest - i.paid_interest for i in due), ZERO) + interest_accrued,
        penalty=sum((i.penalty_payable(on, penalty_rate) for i in due), ZERO),
        fee=round_fen(principal_not_due * loan.product.early_settlement_fee_rate),
        principal_not_due=principal_not_due,
        interest_accrued=interest_accrued,
    )
    return _SettlementParts(quote, due, not_due)


def quote_payoff(loan: Loan, instalments: list[OpenInstalment], on: date) -> PayoffQuote:
    return _parts(loan, instalments, on).quote


def settle(
    loan: Loan, instalments: list[OpenInstalment], on: date
) -> tuple[PayoffQuote, list[OpenInstalment], list[AllocationLine]]:
    """Pay everything of the quote on ``on``; return the quote, the new plan, the lines.

    The new plan keeps the instalments already due and replaces the rest by one
    settlement instalment due on ``on`` (R8: future instalments are cancelled).
    """
    parts = _parts(loan, instalments, on)
    penalty_rate = loan.product.penalty_daily_rate
    lines = []
    for instalment in parts.due:
        penalty = instalment.penalty_payable(on, penalty_rate)
        interest = instalment.interest - instalment.paid_interest
        principal = instalment.principal - instalment.paid_principal
        if penalty or interest or principal:
            instalment.pay(on, penalty=penalty, interest=interest, principal=principal, fee=ZERO)
            lines.append(AllocationLine(loan.loan_id, instalment.period, penalty, interest, principal))
    plan = list(parts.due)
    quote = parts.quote
    if parts.not_due:
        first = parts.not_due[0]
        settlement = OpenInstalment(
            Instalment(
                period=first.period,
                start_date=first.start_date,
                due_date=on,
                principal=quote.principal_not_due,
                interest=quote.interest_accrued,
                fee=quote.fee,
            ),
            grace_days=0,
        )
        settlement.pay(on, penalty=ZERO, interest=quote.interest_accrued, principal=quote.principal_not_due, fee=quote.fee)
        plan.append(settlement)
        lines.append(
            AllocationLine(
                loan.loan_id,
                first.period,
                interest=quote.interest_accrued,
                principal=quote.principal_not_due,
                fee=quote.fee,
            )
        )
    return quote, plan, lines

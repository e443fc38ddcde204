"""Repayment plans (R4 interest monthly / principal at maturity; R12 other methods).

A plan is a tuple of :class:`Instalment`, fixed when the loan is disbursed (or when an
approved negotiation or extension replaces it, R11). Each amount is rounded to the fen
once, here, when it becomes a scheduled payable (R3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext

from loanbook.errors import InvariantBroken
from loanbook.money import ZERO, round_fen
from loanbook.rules.calendar import days_between, due_date
from loanbook.rules.products import Product, RepaymentMethod
from loanbook.rules.values import quick_init

MONTHS_PER_YEAR = 12
DAYS_PER_YEAR = 365


@quick_init
@dataclass(frozen=True, slots=True)
class Instalment:
    """One period of a plan: what falls due on ``due_date``."""

    period: int
    start_date: date  # the previous due date, or the disbursement day for period 1
    due_date: date
    principal: Decimal
    interest: Decimal
    fee: Decimal = ZERO  # only a payoff's settlement instalment carries a fee (R8)
    # R11: period 1 of a negotiated plan carries the old plan's unpaid interest and penalty
    carried_interest: Decimal = ZERO
    carried_penalty: Decimal = ZERO

    @property
    def days(self) -> int:
        return days_between(self.start_date, self.due_date)

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fee + self.carried_interest + self.carried_penalty


def build_schedule(product: Product, principal: Decimal, terms: int, disbursed_on: date) -> tuple[Instalment, ...]:
    """The plan of a loan of ``principal`` over ``terms`` monthly periods (R4, R12)."""
    product.check_terms(terms)
    dates = [disbursed_on] + [due_date(disbursed_on, k, due_day=product.due_day) for k in range(1, terms + 1)]
    return plan_from_dates(product.repayment_method, product.daily_rate, principal, dates, first_period=1)


def plan_from_dates(
    method: RepaymentMethod,
    daily_rate: Decimal,
    principal: Decimal,
    dates: list[date],
    *,
    first_period: int,
) -> tuple[Instalment, ...]:
    """A plan over the periods between consecutive ``dates`` (``dates[0]`` is the start).

    Shared by new loans and, later, by plans that replace a remaining plan (R11).
    """
    terms = len(dates) - 1
    if method is RepaymentMethod.INTEREST_FIRST:
        principals = [ZERO] * (terms - 1) + [principal]
        interests = _interest_by_days(principal, principals, daily_rate, dates)
    elif method is RepaymentMethod.EQUAL_PRINCIPAL:
        share = round_fen(principal / terms)
        principals = [share] * (terms - 1) + [principal - share * (terms - 1)]
        interests = _interest_by_days(principal, principals, daily_rate, dates)
    else:
        principals, interests = _equal_installment(principal, terms, daily_rate)
    instalments = tuple(
        Instalment(
            period=first_period + k,
            start_date=dates[k],
            due_date=dates[k + 1],
            principal=principals[k],
            interest=interests[k],
        )
        for k in range(terms)
    )
    _check_plan(principal, instalments)
    return instalments


def _interest_by_days(
    principal: Decimal, principals: list[Decimal], daily_rate: Decimal, dates: list[date]
) -> list[Decimal]:
    """R4/R12: interest_k = round(principal remaining in period k x daily_rate x days_k)."""
    interests = []
    remaining = principal
    for k, principal_k in enumerate(principals):
        interests.append(round_fen(remaining * daily_rate * days_between(dates[k], dates[k + 1])))
        remaining -= principal_k
    return interests


def _equal_installment(principal: Decimal, terms: int, daily_rate: Decimal) -> tuple[list[Decimal], list[Decimal]]:
    """R12 等额本息: a level payment at the monthly rate daily_rate x 365 / 12."""
    monthly_rate = daily_rate * DAYS_PER_YEAR / MONTHS_PER_YEAR
    if monthly_rate == 0:
        payment = round_fen(principal / terms)
    else:
        with localcontext() as ctx:
            ctx.prec = 50  # (1+i)^m is irrational in general: carry ample digits, round once
            growth = (1 + monthly_rate) ** terms
            payment = round_fen(principal * monthly_rate * growth / (growth - 1))
    principals, interests = [], []
    remaining = principal
    for k in range(terms):
        interest_k = round_fen(remaining * monthly_rate)
        principal_k = remaining if k == terms - 1 else min(payment - interest_k, remaining)
        principals.append(principal_k)
        interests.append(interest_k)
        remaining -= principal_k
    return principals, interests


def _check_plan(principal: Decimal, instalments: tuple[Instalment, ...]) -> None:
    if sum((i.principal for i in instalments), ZERO) != principal:
        raise InvariantBroken(f"plan principal does not add up to {principal}")
    for instalment in instalments:
        if instalment.principal < 0 or instalment.interest < 0:
            raise InvariantBroken(f"plan period {instalment.period} has a negative amount")
        if instalment.days <= 0:
            raise InvariantBroken(f"plan period {instalment.period} has no days")

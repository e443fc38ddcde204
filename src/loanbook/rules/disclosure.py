"""Disclosure of the annual rate (R10, PBOC announcement 2021 No. 3).

Two figures, both in percent with 2 decimals: the simple annual rate (daily rate x 365,
labelled simple) and the IRR-based annual rate of the loan's actual cash flows (XIRR,
actual/365). The IRR is a ratio for disclosure, found by pyxirr's solver in binary
floating point; it is turned into a Decimal from its printed digits and rounded once,
and never touches an amount of money.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pyxirr

from loanbook.errors import BadInput, InvariantBroken
from loanbook.rules.calendar import add_months
from loanbook.rules.products import Product
from loanbook.rules.schedule import Instalment, build_schedule

DAYS_PER_YEAR = 365
RATE_PLACES = Decimal("0.0001")  # 2 decimals of a percent
REFERENCE_PRINCIPAL = Decimal("10000.00")
REFERENCE_MONTH = date(2026, 1, 1)  # disbursement days used to probe a product's worst IRR


@dataclass(frozen=True, slots=True)
class AnnualRates:
    simple: Decimal  # a fraction: 0.1825 is 18.25%
    irr: Decimal


def simple_annual_rate(daily_rate: Decimal) -> Decimal:
    return (daily_rate * DAYS_PER_YEAR).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def irr_annual_rate(principal: Decimal, disbursed_on: date, schedule: tuple[Instalment, ...]) -> Decimal:
    """XIRR (actual/365) of -principal on disbursement and each instalment on its due date."""
    dates = [disbursed_on] + [i.due_date for i in schedule]
    amounts = [-principal] + [i.total for i in schedule]
    rate = pyxirr.xirr(dates, amounts)
    if rate is None:
        raise InvariantBroken("the cash flows have no IRR")  # a plan always has one: a defect
    return Decimal(format(rate, ".12f")).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def annual_rates(product: Product, principal: Decimal, disbursed_on: date, schedule: tuple[Instalment, ...]) -> AnnualRates:
    return AnnualRates(simple_annual_rate(product.daily_rate), irr_annual_rate(principal, disbursed_on, schedule))


@dataclass(frozen=True, slots=True)
class RateCheck:
    """The highest IRR-based rate a product can give, and whether it breaks the cap."""

    product_code: str
    worst_irr: Decimal
    worst_terms: int
    worst_disbursed_on: date
    cap: Decimal

    @property
    def above_cap(self) -> bool:
        return self.worst_irr > self.cap


def _probe_days(due_day: int) -> list[date]:
    """Disbursement days giving the shortest and longest first periods (R2: 10 to 40 days)
    in short and long months: the 1st, around the due day, and the month's end."""
    days = set()
    for months in (0, 1, 6):  # January, February, July
        first = add_months(REFERENCE_MONTH, months, day_of_month=1)
        last = date.fromordinal(add_months(first, 1, day_of_month=1).toordinal() - 1)
        days.add(first)
        days.add(last)
        for day_of_month in (due_day - 1, due_day, due_day + 1):
            if 1 <= day_of_month <= last.day:
                days.add(first.replace(day=day_of_month))
    return sorted(days)


def check_rate_cap(product: Product) -> RateCheck:
    """R10: the worst IRR over every allowed term and the probe disbursement days."""
    worst: tuple[Decimal, int, date] | None = None
    for terms in range(product.min_terms, product.max_terms + 1):
        for disbursed_on in _probe_days(product.due_day):
            schedule = build_schedule(product, REFERENCE_PRINCIPAL, terms, disbursed_on)
            irr = irr_annual_rate(REFERENCE_PRINCIPAL, disbursed_on, schedule)
            if worst is None or irr > worst[0]:
                worst = (irr, terms, disbursed_on)
    if worst is None:
        raise BadInput(f"product {product.code} allows no term")
    return RateCheck(product.code, worst[0], worst[1], worst[2], product.annual_rate_cap)

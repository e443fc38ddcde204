"""Extension (展期) and negotiated repayment (协商还款), R11: the new plans.

Both take effect during their approval day ``a``, in the order of that day's facts, on
the loan's plan as replayed to that moment (:mod:`loanbook.rules.replay`), so a
repayment learnt of late and value-dated before ``a`` is taken into account. The
functions here compute the new plan from the old one and say what the change did; a
change the rules forbid raises :class:`RuleRefusal` with the rule's reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from loanbook.errors import RuleRefusal
from loanbook.money import ZERO, round_fen
from loanbook.rules.accrual import OpenInstalment
from loanbook.rules.book import PENALTY_WAIVER_ALL, Loan
from loanbook.rules.calendar import add_months, days_between
from loanbook.rules.products import RepaymentMethod
from loanbook.rules.schedule import Instalment, plan_from_dates

SHORT_TERM_MONTHS = 12  # 贷款通则 art. 12: short-term loans, extended at most by their term
MEDIUM_TERM_MONTHS = 60  # medium-term: at most half the original term
LONG_TERM_LIMIT_MONTHS = 36  # long-term: at most 36 months


def whole_months(start: date, end: date) -> int:
    """Complete calendar months from ``start`` to ``end`` (0 if ``end`` is not later): a
    month counts once its day of the month is reached (10 Jun to 10 Aug is 2, to 9 Aug 1)."""
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return months


def extension_limit_months(original_terms: int) -> int:
    """R11: the cumulative extension allowed by the original term (贷款通则 art. 12): the
    term itself up to 12 months, half of it (whole months) up to 60, else 36."""
    if original_terms <= SHORT_TERM_MONTHS:
        return original_terms
    if original_terms <= MEDIUM_TERM_MONTHS:
        return original_terms // 2
    return LONG_TERM_LIMIT_MONTHS


def check_extension_limit(loan: Loan, new_maturity: date, what: str) -> int:
    """R11: the cumulative extension after the change, refused past the limit."""
    months = whole_months(loan.maturity_date, new_maturity)
    limit = extension_limit_months(loan.terms)
    if months > limit:
        raise RuleRefusal(
            f"{what} of loan {loan.loan_id} would end it on {new_maturity}, {months} months after its original "
            f"maturity {loan.maturity_date}: past the cumulative extension limit of {limit} months for a "
            f"{loan.terms}-month loan (R11)"
        )
    return months


@dataclass(frozen=True, slots=True)
class NewPlan:
    """A plan change worked out on day ``a``: the instalments to open and the figures."""

    instalments: tuple[Instalment, ...]  # the new part of the plan
    extension_months: int
    carried_interest: Decimal = ZERO
    carried_penalty: Decimal = ZERO
    penalty_payable: Decimal = ZERO
    penalty_waived: Decimal = ZERO


def _check_open(loan: Loan, settled_on: date | None, what: str) -> None:
    if settled_on is not None:
        raise RuleRefusal(f"loan {loan.loan_id} was settled on {settled_on}: there is nothing left for {what} (R11)")


def extension(
    loan: Loan, method: RepaymentMethod, plan: list[OpenInstalment], settled_on: date | None, a: date, months: int
) -> NewPlan:
    """R11 extension by ``months`` approved on ``a``: the instalments due after ``a`` are
    replaced by a plan for the principal not yet due over their count + ``months``
    periods, with ``method`` and the loan's rate, from the start of the current period
    with the same due day. Refused for a settled loan, on or after the current maturity
    (a request not decided by then lapses), or past the cumulative limit."""
    _check_open(loan, settled_on, "an extension")
    maturity = plan[-1].due_date
    if a >= maturity:
        raise RuleRefusal(
            f"loan {loan.loan_id} cannot be extended on {a}: an extension must be approved before the "
            f"maturity date {maturity} (R11, 贷款通则 art. 12)"
        )
    rest = [i for i in plan if i.due_date > a]
    first = rest[0]
    start = first.start_date
    count = len(rest) + months
    due_day = loan.product.due_day
    dates = [start] + [add_months(start, k, day_of_month=due_day) for k in range(1, count + 1)]
    principal = sum((i.principal - i.paid_principal for i in rest), ZERO)
    extension_months = check_extension_limit(loan, dates[-1], "an extension")
    # The rate stays the loan's (展期不得低于原贷款条件): the plan is built with it.
    instalments = plan_from_dates(method, loan.product.daily_rate, principal, dates, first_period=first.period)
    if first.carried_interest or first.carried_penalty:  # a negotiated period 1 keeps what it carries
        head = instalments[0]
        instalments = (
            Instalment(head.period, head.start_date, head.due_date, head.principal, head.interest, head.fee,
                       first.carried_interest, first.carried_penalty),
        ) + instalments[1:]
    return NewPlan(instalments, extension_months)


def negotiated(
    loan: Loan,
    plan: list[OpenInstalment],
    settled_on: date | None,
    a: date,
    method: RepaymentMethod,
    months: int,
    waive_penalty: Decimal | str,
) -> NewPlan:
    """R11 negotiated plan approved on ``a``: ``months`` periods with ``method`` over the
    whole principal outstanding, the first due on the due day of the month after ``a``,
    period 1 from ``a``; period 1 carries the unpaid interest (of the instalments due,
    and of the current period to ``a``) and the penalty payable less the waiver."""
    _check_open(loan, settled_on, "a negotiated plan")
    daily_rate = loan.product.daily_rate
    principal = ZERO
    principal_not_due = ZERO
    unpaid_interest = ZERO
    penalty_payable = ZERO
    period_start = None
    for instalment in plan:
        principal += instalment.principal - instalment.paid_principal
        _, penalty = instalment.penalty(a, instalment.penalty_rate)  # through a - 1 (R7), carried too
        penalty_payable += penalty
        if instalment.due_date <= a:
            unpaid_interest += instalment.interest - instalment.paid_interest
        else:
            principal_not_due += instalment.principal - instalment.paid_principal
            unpaid_interest += instalment.carried_interest  # a period 1 not yet due: nothing paid on it
            if period_start is None:
                period_start = instalment.start_date
    current = ZERO
    if period_start is not None:
        current = round_fen(principal_not_due * daily_rate * days_between(period_start, a))
    carried_interest = unpaid_interest + current
    if waive_penalty == PENALTY_WAIVER_ALL:
        waived = penalty_payable
    else:
        waived = waive_penalty if waive_penalty < penalty_payable else penalty_payable
    dates = [a] + [add_months(a, k, day_of_month=loan.product.due_day) for k in range(1, months + 1)]
    extension_months = check_extension_limit(loan, dates[-1], "a negotiated plan")
    instalments = plan_from_dates(method, daily_rate, principal, dates, first_period=1)
    head = instalments[0]
    instalments = (
        Instalment(head.period, head.start_date, head.due_date, head.principal, head.interest, head.fee,
                   carried_interest, penalty_payable - waived),
    ) + instalments[1:]
    return NewPlan(instalments, extension_months, carried_interest, penalty_payable - waived, penalty_payable, waived)


def open_plan(loan: Loan, instalments: tuple[Instalment, ...]) -> list[OpenInstalment]:
    grace = timedelta(days=loan.product.grace_days)
    rate = loan.product.penalty_daily_rate
    return [OpenInstalment(i, grace, rate) for i in instalments]

"""What the rules compute: a borrower's position as of a day (R5), immutable.

Figures are what is payable on that day: the state at the start of the day, after the
close of the day before and after a credit balance was applied on a due date (R5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from loanbook.money import ZERO
from loanbook.rules.values import quick_init


class LoanStatus(StrEnum):
    """R5; precedence SETTLED, OVERDUE, GRACE, ACTIVE."""

    ACTIVE = "ACTIVE"
    GRACE = "GRACE"
    OVERDUE = "OVERDUE"
    SETTLED = "SETTLED"


def status_and_dpd(settled: bool, first_overdue: date | None, in_grace: bool, on: date) -> tuple[LoanStatus, int]:
    """R5: a loan's status by precedence (SETTLED, OVERDUE, GRACE, ACTIVE) and its days
    past due, counted from the due date of its earliest overdue instalment."""
    if settled:
        return LoanStatus.SETTLED, 0
    if first_overdue is not None:
        return LoanStatus.OVERDUE, (on - first_overdue).days
    return (LoanStatus.GRACE if in_grace else LoanStatus.ACTIVE), 0


@quick_init
@dataclass(frozen=True, slots=True)
class InstalmentPosition:
    period: int
    due_date: date
    principal: Decimal
    interest: Decimal
    fee: Decimal
    paid_principal: Decimal
    paid_interest: Decimal
    paid_penalty: Decimal
    paid_fee: Decimal
    penalty_accrued: Decimal  # exact, unrounded (R3)
    penalty_due: Decimal  # round(accrued) - paid (R3), with any carried penalty unpaid (R11)
    overdue: bool
    coupon_waived: Decimal = ZERO  # R13: interest waived by coupons (not in paid_interest: cash only)
    # R11: only on period 1 of a negotiated plan (else None): the unpaid interest and the
    # penalty (less the waiver) of the old plan, payable with this instalment. ``interest``
    # is the period's own; carried interest is paid in ``paid_interest``, carried penalty
    # in ``paid_penalty``.
    carried_interest: Decimal | None = None
    carried_penalty: Decimal | None = None
    start_date: date | None = None  # the period's first day (R2: counted for interest)
    # R7: the exact integral, from the due date through the day before the position's
    # day, of the unpaid principal + interest after each day's repayments (yuan x days),
    # kept whether or not the instalment bears penalty (grace decides that when it ends):
    # what moves a stored position forward without a replay (rules/moved.py). ZERO for
    # an instalment not yet due.
    unpaid_yuan_days: Decimal = ZERO

    @property
    def principal_unpaid(self) -> Decimal:
        return self.principal - self.paid_principal

    @property
    def interest_unpaid(self) -> Decimal:
        """The period's interest and any carried interest, less what was paid or waived."""
        return self.interest + (self.carried_interest or ZERO) - self.paid_interest - self.coupon_waived


@quick_init
@dataclass(frozen=True, slots=True)
class PayoffQuote:
    """R8: what settling one loan costs on ``on``, with its parts."""

    loan_id: str
    on: date
    principal: Decimal  # due and not yet due
    interest: Decimal  # due and unpaid, plus the current period's interest to ``on``
    penalty: Decimal
    fee: Decimal  # R8: only on principal not yet due, only before maturity
    principal_not_due: Decimal
    interest_accrued: Decimal  # the current period's part of ``interest``
    coupon_waived: Decimal = ZERO  # R13: interest a redeemed coupon waives of this quote

    @property
    def total(self) -> Decimal:
        """What settling costs, before any coupon (R8)."""
        return self.principal + self.interest + self.penalty + self.fee

    @property
    def to_pay(self) -> Decimal:
        """What the borrower pays: the quote less the coupon's waiver (R13)."""
        return self.total - self.coupon_waived


@quick_init
@dataclass(frozen=True, slots=True)
class LoanPosition:
    loan_id: str
    product_code: str
    disbursed_on: date
    status: LoanStatus
    dpd: int
    principal_outstanding: Decimal
    principal_due: Decimal
    interest_due: Decimal
    penalty_due: Decimal
    payoff: PayoffQuote | None  # None where no payoff is possible that day (R8)
    principal_paid: Decimal
    interest_paid: Decimal
    penalty_paid: Decimal
    fee_paid: Decimal
    coupon_waived: Decimal  # R13: interest waived by coupons on this loan (not cash)
    settled_on: date | None
    schedule: tuple[InstalmentPosition, ...]  # the current plan (after R11 changes, the new one)
    maturity_date: date | None = None  # the current plan's last due date (R11)
    extension_months: int = 0  # R11: whole months from the original maturity to the current one
    penalty_waived: Decimal = ZERO  # R11: penalty waived by negotiated plans
    negotiated: bool = False  # R11: the plan is a negotiated one, numbered from 1
    bureau_status: str | None = None  # R15: the status string, where asked for (scenario checkpoints)

    @property
    def total_paid(self) -> Decimal:
        """Cash only: a coupon's waiver is not money received (R13)."""
        return self.principal_paid + self.interest_paid + self.penalty_paid + self.fee_paid

    @property
    def amount_due(self) -> Decimal:
        return self.principal_due + self.interest_due + self.penalty_due


@quick_init
@dataclass(frozen=True, slots=True)
class LoanState:
    """The lean path's view of a loan on a day (issue 10): the figures close of business
    and reads need, the very values of :class:`LoanPosition`'s fields of the same names,
    without the plan, the payoff quote or the totals paid."""

    loan_id: str
    status: LoanStatus
    dpd: int
    principal_outstanding: Decimal
    principal_due: Decimal
    interest_due: Decimal
    penalty_due: Decimal
    settled_on: date | None
    maturity_date: date | None

    @property
    def amount_due(self) -> Decimal:
        return self.principal_due + self.interest_due + self.penalty_due


@quick_init
@dataclass(frozen=True, slots=True)
class BookState:
    """A borrower's lean state on a day: its credit balance and each loan's state."""

    on: date
    credit_balance: Decimal
    loans: tuple[LoanState, ...]


@quick_init
@dataclass(frozen=True, slots=True)
class AllocationLine:
    """What one transaction paid on one instalment (R6: penalty, interest, principal)."""

    loan_id: str
    period: int
    penalty: Decimal = ZERO  # with any carried penalty (R11)
    interest: Decimal = ZERO  # with any carried interest (R11); for a coupon line, interest waived (R13)
    principal: Decimal = ZERO
    fee: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.penalty + self.interest + self.principal + self.fee


@quick_init
@dataclass(frozen=True, slots=True)
class Allocation:
    """Where one transaction's money went. ``tx_id`` is ``credit:DATE`` for a credit
    balance applied on a due date (R6)."""

    tx_id: str
    kind: str  # repayment, payoff, refund, credit
    value_date: date
    amount: Decimal  # cash
    lines: tuple[AllocationLine, ...]  # what the cash paid
    to_credit: Decimal  # change of the credit balance (negative: credit used or refunded)
    coupon_id: str | None = None  # R13: the coupon redeemed with it
    coupon_lines: tuple[AllocationLine, ...] = ()  # R13: interest the coupon waived, not cash
    coupon_forfeited: Decimal = ZERO  # R13: the face value it did not use, lost

    @property
    def coupon_waived(self) -> Decimal:
        return sum((line.interest for line in self.coupon_lines), ZERO)


@quick_init
@dataclass(frozen=True, slots=True)
class PlanChangeEffect:
    """What an approved extension or negotiated plan did to a loan (R11), as replayed on
    its approval day; also the preview of a request (the same figures, not applied).

    ``schedule`` is the loan's plan after the change: for an extension the instalments
    due on or before the approval day, unchanged, then the new ones; for a negotiated
    plan only the new one, numbered from 1, period 1 with the carried amounts.
    """

    fact_id: str
    loan_id: str
    kind: str  # extension, negotiation
    value_date: date
    schedule: tuple[InstalmentPosition, ...]
    maturity_date: date
    extension_months: int  # the cumulative extension after it
    extension_limit_months: int
    carried_interest: Decimal = ZERO
    carried_penalty: Decimal = ZERO
    penalty_payable: Decimal = ZERO  # the penalty payable at the change, before the waiver
    penalty_waived: Decimal = ZERO


@quick_init
@dataclass(frozen=True, slots=True)
class Position:
    on: date
    credit_balance: Decimal
    loans: tuple[LoanPosition, ...]
    allocations: tuple[Allocation, ...]
    plan_changes: tuple[PlanChangeEffect, ...] = ()  # R11, in the order applied
    # R11: approved changes that had no effect when replayed, with the rule why (a
    # late-booked payoff settled the loan before the approval, say): (fact_id, reason)
    plan_changes_refused: tuple[tuple[str, str], ...] = ()

    def plan_change(self, fact_id: str) -> PlanChangeEffect | None:
        for change in self.plan_changes:
            if change.fact_id == fact_id:
                return change
        return None

    def plan_change_refusal(self, fact_id: str) -> str:
        for refused_id, reason in self.plan_changes_refused:
            if refused_id == fact_id:
                return reason
        return f"plan change {fact_id} was not applied"

    def loan(self, loan_id: str) -> LoanPosition | None:
        for loan in self.loans:
            if loan.loan_id == loan_id:
                return loan
        return None

    def allocation(self, tx_id: str) -> Allocation | None:
        for allocation in self.allocations:
            if allocation.tx_id == tx_id:
                return allocation
        return None

    def principal_outstanding(self) -> Decimal:
        return sum((loan.principal_outstanding for loan in self.loans), ZERO)

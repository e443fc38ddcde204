"""What the rules compute: a borrower's position as of a day (R5), immutable.

Figures are what is payable on that day: the state at the start of the day, after the
close of the day before and after a credit balance was applied on a due date (R5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from loanbook.money import ZERO


class LoanStatus(str, Enum):
    """R5; precedence SETTLED, OVERDUE, GRACE, ACTIVE."""

    ACTIVE = "ACTIVE"
    GRACE = "GRACE"
    OVERDUE = "OVERDUE"
    SETTLED = "SETTLED"


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
    penalty_due: Decimal  # round(accrued) - paid (R3)
    overdue: bool

    @property
    def principal_unpaid(self) -> Decimal:
        return self.principal - self.paid_principal

    @property
    def interest_unpaid(self) -> Decimal:
        return self.interest - self.paid_interest


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

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.penalty + self.fee


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
    coupon_waived: Decimal
    settled_on: date | None
    schedule: tuple[InstalmentPosition, ...]

    @property
    def total_paid(self) -> Decimal:
        """Cash only: a coupon's waiver is not money received (R13)."""
        return self.principal_paid + self.interest_paid + self.penalty_paid + self.fee_paid

    @property
    def amount_due(self) -> Decimal:
        return self.principal_due + self.interest_due + self.penalty_due


@dataclass(frozen=True, slots=True)
class AllocationLine:
    """What one transaction paid on one instalment (R6: penalty, interest, principal)."""

    loan_id: str
    period: int
    penalty: Decimal = ZERO
    interest: Decimal = ZERO
    principal: Decimal = ZERO
    fee: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.penalty + self.interest + self.principal + self.fee


@dataclass(frozen=True, slots=True)
class Allocation:
    """Where one transaction's money went. ``tx_id`` is ``credit:DATE`` for a credit
    balance applied on a due date (R6)."""

    tx_id: str
    kind: str  # repayment, payoff, refund, credit
    value_date: date
    amount: Decimal
    lines: tuple[AllocationLine, ...]
    to_credit: Decimal  # change of the credit balance (negative: credit used or refunded)


@dataclass(frozen=True, slots=True)
class Position:
    on: date
    credit_balance: Decimal
    loans: tuple[LoanPosition, ...]
    allocations: tuple[Allocation, ...]

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

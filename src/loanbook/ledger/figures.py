"""The figures of a loan that the ledger carries, read off the rules core (R14).

Income is recognised when it becomes payable: an instalment's interest on its due date,
penalty as it accrues (its rounded total, R3), a payoff's interest and fee on the payoff
day. Receivables are recognised less paid.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal

from loanbook.money import to_fen
from loanbook.rules.position import LoanPosition


@dataclass(frozen=True, slots=True)
class LoanFigures:
    principal_disbursed_fen: int = 0
    principal_paid_fen: int = 0
    interest_recognized_fen: int = 0
    interest_paid_fen: int = 0
    penalty_recognized_fen: int = 0
    penalty_paid_fen: int = 0
    fee_recognized_fen: int = 0
    fee_paid_fen: int = 0
    interest_waived_fen: int = 0  # by coupons (R13): marketing expense
    penalty_waived_fen: int = 0  # by a negotiated plan (R11): its own account

    @property
    def principal_receivable_fen(self) -> int:
        return self.principal_disbursed_fen - self.principal_paid_fen

    @property
    def interest_receivable_fen(self) -> int:
        return self.interest_recognized_fen - self.interest_paid_fen - self.interest_waived_fen

    @property
    def penalty_receivable_fen(self) -> int:
        return self.penalty_recognized_fen - self.penalty_paid_fen - self.penalty_waived_fen

    @property
    def fee_receivable_fen(self) -> int:
        return self.fee_recognized_fen - self.fee_paid_fen

    def differences(self, other: LoanFigures) -> dict[str, tuple[int, int]]:
        """Fields that differ: name -> (self, other)."""
        return {
            f.name: (getattr(self, f.name), getattr(other, f.name))
            for f in fields(self)
            if getattr(self, f.name) != getattr(other, f.name)
        }


def figures_of(loan: LoanPosition, principal_fen: int, on: date) -> LoanFigures:
    """The ledger figures of ``loan`` as the core computes them on ``on``."""
    due = [i for i in loan.schedule if i.due_date <= on]
    if loan.negotiated:
        interest_fen, penalty_fen = _negotiated_recognition(loan, on)
    else:
        interest_fen = sum(to_fen(i.interest) for i in due)
        penalty_fen = sum(to_fen(i.paid_penalty + i.penalty_due) for i in loan.schedule)
    return LoanFigures(
        principal_disbursed_fen=principal_fen,
        principal_paid_fen=to_fen(loan.principal_paid),
        interest_recognized_fen=interest_fen,
        interest_paid_fen=to_fen(loan.interest_paid),
        penalty_recognized_fen=penalty_fen,
        penalty_paid_fen=to_fen(loan.penalty_paid),
        fee_recognized_fen=sum(to_fen(i.fee) for i in due),
        fee_paid_fen=to_fen(loan.fee_paid),
        interest_waived_fen=to_fen(loan.coupon_waived),
        penalty_waived_fen=to_fen(loan.penalty_waived),
    )


def _negotiated_recognition(loan: LoanPosition, on: date) -> tuple[int, int]:
    """R11: after a negotiated plan the old plan's instalments are gone from the schedule,
    so income recognised is what was paid or waived over the loan's life plus what is
    receivable now: the unpaid interest of the new plan's due instalments, and the
    carried interest and penalty, receivable from the approval day although payable only
    with the first new instalment (the current period's interest to the approval day is
    recognised that day)."""
    interest_unpaid = penalty_unpaid = Decimal("0.00")
    for i in loan.schedule:
        if i.due_date <= on:
            interest_unpaid += i.interest_unpaid
            penalty_unpaid += i.penalty_due
        else:
            interest_unpaid += max(Decimal("0.00"), (i.carried_interest or Decimal("0.00")) - i.paid_interest - i.coupon_waived)
            carried_penalty = max(Decimal("0.00"), (i.carried_penalty or Decimal("0.00")) - i.paid_penalty)
            penalty_unpaid += max(carried_penalty, i.penalty_due)
    interest = to_fen(loan.interest_paid + loan.coupon_waived + interest_unpaid)
    penalty = to_fen(loan.penalty_paid + loan.penalty_waived + penalty_unpaid)
    return interest, penalty

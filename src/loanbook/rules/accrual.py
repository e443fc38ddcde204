"""An instalment as the replay works on it: payments, grace and penalty (R5, R7).

This is the replay's private working state: mutable so that a borrower's history is
replayed in one pass, but it never leaves :func:`loanbook.rules.replay.position`, which
returns immutable values.

Penalty (R7) is kept as an exact running integral: ``yuan_days`` is the sum, over the
days since the due date, of the unpaid principal + interest left after each day's
repayments. The penalty accrued through day s - 1 is that integral times the penalty
rate, and what is payable is its rounding minus what was paid (R3). Whether the
instalment bears penalty at all is decided by grace: it does only if something was still
unpaid at the end of its last grace day, and then retroactively from its due date.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from loanbook.errors import InvariantBroken
from loanbook.money import ZERO, round_fen
from loanbook.rules.schedule import Instalment


class OpenInstalment:
    __slots__ = (
        "period",
        "start_date",
        "due_date",
        "grace_end",
        "principal",
        "interest",
        "fee",
        "paid_principal",
        "paid_interest",
        "paid_penalty",
        "paid_fee",
        "penalty_base",
        "yuan_days",
        "level_since",
        "paid_off_on",
        "paid_in_grace",
        "closed",
    )

    def __init__(self, instalment: Instalment, grace: timedelta) -> None:
        self.period = instalment.period
        self.start_date = instalment.start_date
        self.due_date = instalment.due_date
        self.grace_end = instalment.due_date + grace  # last day of grace
        self.principal = instalment.principal
        self.interest = instalment.interest
        self.fee = instalment.fee
        self.paid_principal = ZERO
        self.paid_interest = ZERO
        self.paid_penalty = ZERO
        self.paid_fee = ZERO
        # R7: unpaid principal + unpaid interest; penalty is never charged on penalty.
        # Kept as a running figure: exact, so it is the very same value (and exponent)
        # as principal - paid_principal + interest - paid_interest.
        self.penalty_base = self.principal - self.paid_principal + self.interest - self.paid_interest
        self.yuan_days = ZERO
        self.level_since = instalment.due_date
        self.paid_off_on: date | None = None  # the day principal + interest were paid in full
        self.paid_in_grace = False  # paid_off_on is on or before grace_end: never any penalty
        # Nothing left to pay, now or ever: principal, interest and fee paid, and with them
        # every fen of penalty, which is paid first (R6) and stops accruing (R7).
        self.closed = self.penalty_base == 0 and self.fee == 0

    def penalty(self, on: date, penalty_rate: Decimal) -> tuple[Decimal, Decimal]:
        """R7, R3: the exact penalty accrued from the due date to ``on`` - 1, and what is
        payable of it on ``on``: round(total accrued) minus what has been paid.

        The instalment bears penalty only if, as of the start of ``on``, something was
        still unpaid at the end of grace (R7)."""
        if on > self.grace_end and not self.paid_in_grace:
            accrued = (self.yuan_days + self.penalty_base * (on - self.level_since).days) * penalty_rate
            payable = round_fen(accrued) - self.paid_penalty
        else:
            accrued = ZERO
            payable = ZERO - self.paid_penalty  # round_fen(ZERO) is ZERO
        if payable < ZERO:
            raise InvariantBroken(f"period {self.period}: penalty paid beyond what accrued")
        return accrued, payable

    def in_grace(self, on: date) -> bool:
        return self.due_date < on <= self.grace_end and self.penalty_base > 0

    def pay(self, on: date, *, penalty: Decimal, interest: Decimal, principal: Decimal, fee: Decimal = ZERO) -> None:
        """Record money paid on ``on``; penalty for ``on`` then runs on what is left (R7).
        Only the settlement instalment of a payoff has a fee (R8)."""
        if on < self.due_date:
            raise InvariantBroken(f"period {self.period}: paid on {on}, before its due date {self.due_date}")
        if penalty < ZERO or interest < ZERO or principal < ZERO or fee < ZERO:
            raise InvariantBroken(f"period {self.period}: a negative payment")
        if on > self.level_since:
            self.yuan_days += self.penalty_base * (on - self.level_since).days
            self.level_since = on
        self.paid_penalty += penalty
        self.paid_interest += interest
        self.paid_principal += principal
        if fee:  # a fee is rounded to the fen (R3): a zero one is 0.00, and adding it changes nothing
            self.paid_fee += fee
        if self.paid_interest > self.interest or self.paid_principal > self.principal or self.paid_fee > self.fee:
            raise InvariantBroken(f"period {self.period}: paid more than was due")
        self.penalty_base = self.penalty_base - interest - principal
        if self.penalty_base == 0:
            if self.paid_off_on is None:
                self.paid_off_on = on
                self.paid_in_grace = on <= self.grace_end
            self.closed = self.paid_fee == self.fee

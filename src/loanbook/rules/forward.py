"""A loan's penalty as a state that moves forward a day at a time (R7, R3).

The replay keeps each instalment's penalty as an exact running integral (rules/accrual.py).
For an overdue loan whose penalty runs on one instalment only, that integral and what it
runs on are all close of business needs to move the loan a day without replaying it:

- ``base_fen``: the instalment's unpaid principal + interest (R7: no penalty on penalty);
- ``fen_days``: the integral from its due date through the day before the position's
  day, in fen x days (an integer: amounts are whole fen, days whole days);
- the exact penalty accrued is ``fen_days`` x the daily penalty rate, in fen, unrounded,
  and what is recognised is its rounding half-up to the fen (R3, per instalment).

A night without a fact adds ``base_fen`` once to ``fen_days``. Anything else (a second
instalment in arrears, a coupon, a negotiated plan, a zero rate) has no such state and
is replayed through the core, which stays the single definition of the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

from loanbook.money import to_fen
from loanbook.rules.position import LoanPosition, LoanStatus
from loanbook.rules.values import quick_init

EXACT_DIGITS = 60  # as the replay's: fen x days x rate never needs more


@quick_init
@dataclass(frozen=True, slots=True)
class PenaltyState:
    base_fen: int  # unpaid principal + interest of the instalment bearing penalty
    fen_days: int  # exact penalty integral through the day before, fen x days


def penalty_state(loan: LoanPosition, on: date, penalty_daily_rate: Decimal) -> PenaltyState | None:
    """The forward state of ``loan``'s penalty as of ``on`` (after ``on``'s facts), or
    None where the loan must be replayed: it is not OVERDUE, its plan was negotiated or a
    coupon waived interest (R11, R13), the rate is zero, a due instalment is unpaid in
    its grace, or penalty runs on more than one instalment. An instalment whose principal
    and interest are paid accrues no more (R7), whatever penalty of it is unpaid."""
    if loan.status is not LoanStatus.OVERDUE or loan.negotiated or loan.coupon_waived or loan.penalty_waived:
        return None
    if penalty_daily_rate <= 0:
        return None
    bearing = None
    for instalment in loan.schedule:
        if instalment.due_date > on:
            continue
        if not instalment.principal_unpaid + instalment.interest_unpaid:
            continue  # its penalty accrues no more (R7): what is unpaid of it stays as it is
        if not instalment.overdue:
            return None  # due and unpaid, still in grace: replayed until its grace ends
        if bearing is not None:
            return None  # penalty runs on two instalments: each is rounded apart (R3)
        bearing = instalment
    if bearing is None:
        return PenaltyState(0, 0)  # overdue for unpaid penalty only: nothing accrues (R7)
    with localcontext() as ctx:
        ctx.prec = EXACT_DIGITS
        fen_days = bearing.penalty_accrued * 100 / penalty_daily_rate
    if fen_days != fen_days.to_integral_value():
        return None  # a rate whose product lost digits (not one of whole fen x days): replayed, never guessed
    return PenaltyState(to_fen(bearing.principal_unpaid + bearing.interest_unpaid), int(fen_days))


def penalty_recognised_fen(fen_days: int, penalty_daily_rate: Decimal) -> int:
    """R3: the accrued penalty of ``fen_days``, rounded half-up to the fen (what the
    ledger recognises of one instalment). The SQL of close of business computes the same
    in integers (store/nights.py); tests compare the two."""
    with localcontext() as ctx:
        ctx.prec = EXACT_DIGITS
        return int((Decimal(fen_days) * penalty_daily_rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def rate_fraction(penalty_daily_rate: Decimal) -> tuple[int, int]:
    """The rate as an exact fraction (numerator, denominator) for integer SQL."""
    numerator, denominator = penalty_daily_rate.as_integer_ratio()
    return numerator, denominator

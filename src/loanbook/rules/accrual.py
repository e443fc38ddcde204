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

R11: period 1 of a negotiated plan also carries the old plan's unpaid interest (part of
``interest`` here, so it bears penalty if paid late) and penalty (``carried_penalty``,
payable first and bearing none). R13: a coupon's waiver of interest counts as paid for
what is owed (``paid_interest``) and is kept apart in ``coupon_waived``: it is not cash.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from loanbook.errors import InvariantBroken
from loanbook.money import ZERO, round_fen
from loanbook.rules.position import InstalmentPosition
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
        "penalty_rate",
        "carried_interest",
        "carried_penalty",
        "carried_penalty_left",
        "coupon_waived",
        "plain",
    )

    def __init__(self, instalment: Instalment, grace: timedelta, penalty_rate: Decimal = ZERO) -> None:
        self.period = instalment.period
        self.start_date = instalment.start_date
        self.due_date = instalment.due_date
        self.grace_end = instalment.due_date + grace  # last day of grace
        self.penalty_rate = penalty_rate
        self.principal = instalment.principal
        self.coupon_waived = ZERO
        if instalment.carried_interest is not ZERO or instalment.carried_penalty is not ZERO:  # R11: negotiated
            self.plain = False
            self.carried_interest = instalment.carried_interest
            self.interest = instalment.interest + instalment.carried_interest
            self.carried_penalty = instalment.carried_penalty
            self.carried_penalty_left = instalment.carried_penalty  # paid first, bears no penalty
        else:
            self.plain = True  # nothing carried, nothing waived: the replay's fast path
            self.interest = instalment.interest
            self.carried_interest = self.carried_penalty = self.carried_penalty_left = ZERO
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
        self.closed = self.penalty_base == 0 and self.fee == 0 and not self.carried_penalty_left

    @classmethod
    def resumed(cls, position: InstalmentPosition, since: date, grace: timedelta, penalty_rate: Decimal) -> OpenInstalment:
        """The replay's state of a plain instalment (no R11 carried amounts, no R13 waiver)
        taken up from its position as of ``since`` (rules/moved.py), to carry forward
        with nothing value-dated after ``since`` but what the caller applies.

        The penalty integral is ``unpaid_yuan_days`` through ``since`` - 1, levelled at
        ``since`` (or nothing, levelled at the due date, for one not yet due): penalty()
        gives from it what the replay gives. An instalment paid off by ``since`` was paid
        within grace (R7) if no penalty accrued on it: one paid later accrued some, having
        been unpaid from its due date to the end of its grace (a positive rate: the
        caller's to check)."""
        self = cls.__new__(cls)
        self.period, self.start_date, self.due_date = position.period, position.start_date, position.due_date
        self.grace_end = position.due_date + grace
        self.penalty_rate = penalty_rate
        self.principal, self.interest, self.fee = position.principal, position.interest, position.fee
        self.paid_principal, self.paid_interest = position.paid_principal, position.paid_interest
        self.paid_penalty, self.paid_fee = position.paid_penalty, position.paid_fee
        self.coupon_waived = ZERO
        self.plain = True
        self.carried_interest = self.carried_penalty = self.carried_penalty_left = ZERO
        self.penalty_base = self.principal - self.paid_principal + self.interest - self.paid_interest
        if position.due_date <= since:
            self.yuan_days, self.level_since = position.unpaid_yuan_days, since
        else:
            self.yuan_days, self.level_since = ZERO, position.due_date
        paid_off = self.penalty_base == 0 and bool(self.principal or self.interest)
        self.paid_off_on = since if paid_off else None  # by ``since``; the day itself is not needed again
        self.paid_in_grace = paid_off and position.penalty_accrued == 0
        self.closed = self.penalty_base == 0 and self.paid_fee == self.fee
        return self

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
        if not self.plain and self.carried_penalty_left:
            payable += self.carried_penalty_left
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
        if not self.plain and self.carried_penalty_left and penalty:  # R11: the carried penalty first
            carried = penalty if penalty < self.carried_penalty_left else self.carried_penalty_left
            self.carried_penalty_left -= carried
            penalty -= carried
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
            # Cash pays penalty first (R6), so with principal and interest paid the penalty
            # is too, except where a coupon waived the interest first (R13): check it then.
            self.closed = self.paid_fee == self.fee and (
                self.plain or (not self.carried_penalty_left and (not self.coupon_waived or self._no_penalty_left()))
            )

    def _no_penalty_left(self) -> bool:
        """Nothing of the accrued penalty left to pay (principal and interest are paid)."""
        if self.paid_in_grace:
            return True
        return round_fen(self.yuan_days * self.penalty_rate) == self.paid_penalty

    def waive_interest(self, on: date, amount: Decimal) -> None:
        """R13: a coupon waives ``amount`` of this instalment's unpaid interest on ``on``."""
        self.coupon_waived += amount  # first: closing checks the penalty once a coupon waived (pay)
        self.plain = False
        self.pay(on, penalty=ZERO, interest=amount, principal=ZERO)

    @property
    def paid_carried_penalty(self) -> Decimal:
        return self.carried_penalty - self.carried_penalty_left

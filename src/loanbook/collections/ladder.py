"""The collections ladder (R16): which action a loan needs on a business day.

Pure: immutable values in, a step out; no I/O, no clock (the business date is an
argument). A ladder is an ordered list of steps; each step has one trigger:

- ``days_before_due = N``: an instalment of the loan falls due N days after the day
  (N = 0: today, and something is still unpaid at the start of the day, R5/R6);
- ``in_grace``: the loan is in grace (R5, R7: daily reminders, never reported);
- ``first_overdue_day``: the first day the loan is OVERDUE (DPD = grace days + 1, R5);
  the overdue notice carries the bureau pre-notice (R15);
- ``dpd_from`` (and optionally ``dpd_to``, ``owed_over``): the loan is OVERDUE with a DPD
  in the range, and owes more than ``owed_over`` when it is given.

A loan gets at most one action a day: the LAST step of the ladder that matches (steps
run from gentlest to strongest, so a loan already escalated is not also "reminded").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from loanbook.errors import BadInput

CHANNELS = ("call", "sms", "app")
TRIGGERS = ("days_before_due", "in_grace", "first_overdue_day", "dpd_from")


@dataclass(frozen=True, slots=True)
class Step:
    action: str
    channel: str
    template: str
    days_before_due: int | None = None
    in_grace: bool = False
    first_overdue_day: bool = False
    dpd_from: int | None = None
    dpd_to: int | None = None
    owed_over: Decimal | None = None
    bureau_pre_notice: bool = False  # R15 art. 15: the notice before a first negative record

    def __post_init__(self) -> None:
        where = f"ladder step {self.action!r}"
        triggers = [t for t, on in (("days_before_due", self.days_before_due is not None),
                                    ("in_grace", self.in_grace), ("first_overdue_day", self.first_overdue_day),
                                    ("dpd_from", self.dpd_from is not None)) if on]
        if len(triggers) != 1:
            raise BadInput(f"{where}: needs exactly one trigger of {', '.join(TRIGGERS)}; "
                           f"it has {', '.join(triggers) or 'none'}")
        if self.channel not in CHANNELS:
            raise BadInput(f"{where}: channel {self.channel!r} must be one of {', '.join(CHANNELS)}")
        if self.days_before_due is not None and not 0 <= self.days_before_due <= 60:
            raise BadInput(f"{where}: days_before_due {self.days_before_due} must be 0 to 60")
        if self.dpd_from is not None and self.dpd_from < 1:
            raise BadInput(f"{where}: dpd_from {self.dpd_from} must be 1 or more (DPD is 0 until overdue, R5)")
        if self.dpd_to is not None and (self.dpd_from is None or self.dpd_to < self.dpd_from):
            raise BadInput(f"{where}: dpd_to {self.dpd_to} needs a dpd_from at or below it")
        if self.owed_over is not None and (self.dpd_from is None or self.owed_over < 0):
            raise BadInput(f"{where}: owed_over goes with dpd_from and must not be negative")

    def matches(self, loan: LoanSituation, day: date) -> bool:
        if loan.status == "SETTLED":
            return False
        if self.days_before_due is not None:
            due = day + timedelta(days=self.days_before_due)
            if self.days_before_due == 0:  # due today: only while something is unpaid (R6 credit applied)
                return due in loan.due_dates and loan.amount_due > 0
            return due in loan.due_dates
        if self.in_grace:
            return loan.status == "GRACE"
        if self.first_overdue_day:
            return loan.status == "OVERDUE" and loan.dpd == loan.grace_days + 1
        if loan.status != "OVERDUE" or self.dpd_from is None or loan.dpd < self.dpd_from:
            return False
        if self.dpd_to is not None and loan.dpd > self.dpd_to:
            return False
        return self.owed_over is None or loan.owed > self.owed_over


@dataclass(frozen=True, slots=True)
class LoanSituation:
    """A loan's figures at the start of a business day, as the ladder needs them (R5)."""

    loan_id: int
    status: str  # ACTIVE, GRACE, OVERDUE, SETTLED
    dpd: int
    grace_days: int
    amount_due: Decimal  # payable now: principal, interest, penalty and fee due
    owed: Decimal  # principal outstanding plus interest, penalty and fee due (R16 legal review)
    due_dates: frozenset[date]  # the due dates of the loan's current plan


@dataclass(frozen=True, slots=True)
class Ladder:
    steps: tuple[Step, ...]

    def __post_init__(self) -> None:
        if not self.steps:
            raise BadInput("the collections ladder needs at least one step")
        seen: set[str] = set()
        for step in self.steps:
            if step.action in seen:
                raise BadInput(f"ladder step {step.action!r} appears twice; each action is named once")
            seen.add(step.action)

    def action_for(self, loan: LoanSituation, day: date) -> Step | None:
        """The day's action for the loan: the strongest (last) matching step, or None."""
        for step in reversed(self.steps):
            if step.matches(loan, day):
                return step
        return None

    def worklist(self, loans: Sequence[LoanSituation], day: date) -> dict[int, Step]:
        """The day's actions per loan id (loans with no action are left out)."""
        actions = {}
        for loan in loans:
            step = self.action_for(loan, day)
            if step is not None:
                actions[loan.loan_id] = step
        return actions

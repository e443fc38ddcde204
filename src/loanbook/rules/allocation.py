"""Allocation of a borrower-level repayment (R6).

Oldest due date first; between loans with the same due date, the earlier-disbursed loan
first; within an instalment penalty, then interest, then principal (民法典 art. 561:
costs, interest, principal). Only instalments already due take money; the rest is the
borrower's credit balance.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from operator import itemgetter

from loanbook.rules.accrual import OpenInstalment
from loanbook.rules.position import AllocationLine

OrderEntry = tuple[date, str, Decimal, OpenInstalment]  # (due_date, loan_id, penalty_rate, instalment)
_DUE_DATE = itemgetter(0)  # the sort key: the due date alone, never the loan id


class AllocationOrder:
    """The open loans' instalments in R6 order, built once per replay and again when a
    loan is settled (a settled loan takes no money).

    ``loans`` come in disbursement order, each as (loan_id, penalty_rate, instalments);
    the sort by due date is stable, so same-day instalments keep the earlier-disbursed
    loan first. Whether an instalment is due depends on the day, so the whole plan is
    kept and :func:`allocate` stops at the first one not yet due.

    ``start`` moves past the closed instalments at the front: they take nothing, ever.
    The R6 walk still passes over them, though, and subtracting their zeros can give the
    amount more decimal places (3 - 0.00 is 3.00, which shows in the credit balance):
    ``passed`` keeps the sum of those zeros, so that every result has exactly the digits
    the full walk gives it.
    """

    __slots__ = ("entries", "start", "passed")

    def __init__(
        self, loans: Iterable[tuple[str, Decimal, list[OpenInstalment]]], passed: Decimal | None = None
    ) -> None:
        self.entries: list[OrderEntry] = [
            (instalment.due_date, loan_id, penalty_rate, instalment)
            for loan_id, penalty_rate, instalments in loans
            for instalment in instalments
        ]
        self.entries.sort(key=_DUE_DATE)
        self.start = 0
        # None: nothing passed over yet; else the zeros of those passed over, with the
        # closed instalments at the front a caller left out (rules/moved.py)
        self.passed: Decimal | None = passed

    def skip_closed(self, on: date) -> None:
        """Move ``start`` past the closed instalments due on ``on`` at the front."""
        entries, start, passed = self.entries, self.start, self.passed
        while start < len(entries):
            due_date, _, _, instalment = entries[start]
            if not instalment.closed or due_date > on:
                break
            # The walk takes 0 penalty (round(accrued) - paid_penalty: the digits of
            # paid_penalty, never fewer than 2), 0 interest and 0 principal (together the
            # digits of penalty_base, which is 0): the same zeros, summed.
            zeros = instalment.penalty_base + (instalment.paid_penalty - instalment.paid_penalty)
            passed = zeros if passed is None else passed + zeros
            start += 1
        self.start, self.passed = start, passed


def allocate(amount: Decimal, order: AllocationOrder, on: date) -> tuple[list[AllocationLine], Decimal]:
    """Pay ``amount`` down ``order`` on ``on``; return the lines and what is left."""
    order.skip_closed(on)
    remaining = amount
    if remaining and order.passed is not None:
        remaining -= order.passed  # the same value, with the digits of the walk over them
    lines = []
    entries = order.entries
    for index in range(order.start, len(entries)):
        due_date, loan_id, penalty_rate, instalment = entries[index]
        if due_date > on or not remaining:
            break
        # min(remaining, x), spelt out: on a tie it keeps ``remaining``, as min() does
        _, penalty = instalment.penalty(on, penalty_rate)
        penalty = penalty if penalty < remaining else remaining
        remaining -= penalty
        interest = instalment.interest - instalment.paid_interest
        interest = interest if interest < remaining else remaining
        remaining -= interest
        principal = instalment.principal - instalment.paid_principal
        principal = principal if principal < remaining else remaining
        remaining -= principal
        if penalty or interest or principal:
            instalment.pay(on, penalty=penalty, interest=interest, principal=principal)
            lines.append(AllocationLine(loan_id, instalment.period, penalty, interest, principal))
    return lines, remaining

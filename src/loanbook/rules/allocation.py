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

from loanbook.money import ZERO
from loanbook.rules.accrual import OpenInstalment
from loanbook.rules.position import AllocationLine

OrderEntry = tuple[str, Decimal, OpenInstalment]  # (loan_id, penalty_rate, instalment)


def _due_date(entry: OrderEntry) -> date:
    return entry[2].due_date


class AllocationOrder:
    """A borrower's instalments in R6 order, built once per replay.

    ``loans`` come in disbursement order, each as (loan_id, penalty_rate, instalments);
    the sort by due date is stable, so same-day instalments keep the earlier-disbursed
    loan first. Whether an instalment is due depends on the day, so the whole plan is
    kept and :func:`allocate` stops at the first one not yet due. ``start`` moves past
    the closed instalments at the front: they can never take money again.
    """

    __slots__ = ("entries", "start")

    def __init__(self, loans: Iterable[tuple[str, Decimal, list[OpenInstalment]]]) -> None:
        self.entries = [
            (loan_id, penalty_rate, instalment)
            for loan_id, penalty_rate, instalments in loans
            for instalment in instalments
        ]
        self.entries.sort(key=_due_date)
        self.start = 0
        self.skip_closed()

    def skip_closed(self) -> None:
        entries, start = self.entries, self.start
        while start < len(entries) and entries[start][2].closed:
            start += 1
        self.start = start


def allocate(amount: Decimal, order: AllocationOrder, on: date) -> tuple[list[AllocationLine], Decimal]:
    """Pay ``amount`` down ``order`` on ``on``; return the lines and what is left."""
    remaining = amount
    lines = []
    entries = order.entries
    for index in range(order.start, len(entries)):
        loan_id, penalty_rate, instalment = entries[index]
        if instalment.due_date > on or remaining == 0:
            break
        if instalment.closed:  # nothing to take: it would pay 0 of each part
            continue
        # min(remaining, x), spelt out: on a tie it keeps ``remaining``, as min() does
        penalty = instalment.penalty_payable(on, penalty_rate)
        penalty = penalty if penalty < remaining else remaining
        remaining -= penalty
        interest = instalment.interest - instalment.paid_interest
        interest = interest if interest < remaining else remaining
        remaining -= interest
        principal = instalment.principal - instalment.paid_principal
        principal = principal if principal < remaining else remaining
        remaining -= principal
        if penalty or interest or principal:
            instalment.pay(on, penalty=penalty, interest=interest, principal=principal, fee=ZERO)
            lines.append(AllocationLine(loan_id, instalment.period, penalty, interest, principal))
    order.skip_closed()
    return lines, remaining

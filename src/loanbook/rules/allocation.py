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


def allocation_order(
    loans: Iterable[tuple[str, Decimal, list[OpenInstalment]]], on: date
) -> list[tuple[str, Decimal, OpenInstalment]]:
    """Due instalments in R6 order. ``loans`` come in disbursement order, each as
    (loan_id, penalty_rate, instalments); the sort is stable, so same-day instalments
    keep the earlier-disbursed loan first."""
    due = [
        (loan_id, penalty_rate, instalment)
        for loan_id, penalty_rate, instalments in loans
        for instalment in instalments
        if instalment.due_date <= on
    ]
    due.sort(key=lambda entry: entry[2].due_date)
    return due


def allocate(
    amount: Decimal, order: list[tuple[str, Decimal, OpenInstalment]], on: date
) -> tuple[list[AllocationLine], Decimal]:
    """Pay ``amount`` down ``order`` on ``on``; return the lines and what is left."""
    remaining = amount
    lines = []
    for loan_id, penalty_rate, instalment in order:
        if remaining == 0:
            break
        penalty = min(remaining, instalment.penalty_payable(on, penalty_rate))
        remaining -= penalty
        interest = min(remaining, instalment.interest - instalment.paid_interest)
        remaining -= interest
        principal = min(remaining, instalment.principal - instalment.paid_principal)
        remaining -= principal
        if penalty or interest or principal:
            instalment.pay(on, penalty=penalty, interest=interest, principal=principal, fee=ZERO)
            lines.append(
                AllocationLine(loan_id, instalment.period, penalty=penalty, interest=interest, principal=principal)
            )
    return lines, remaining

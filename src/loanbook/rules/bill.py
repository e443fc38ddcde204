"""The statement (账单) of a borrower for a due date (R6).

The sum over all the borrower's loans of what is payable that day: instalments due that
day plus anything still unpaid from earlier, with its penalty (article:
还款日当天会计算所有当天应还的金额), after any credit balance was applied.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loanbook.money import ZERO
from loanbook.rules.book import Book
from loanbook.rules.position import LoanPosition
from loanbook.rules.replay import position
from loanbook.rules.values import quick_init


@quick_init
@dataclass(frozen=True, slots=True)
class BillLine:
    loan_id: str
    principal: Decimal
    interest: Decimal
    penalty: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.penalty


@quick_init
@dataclass(frozen=True, slots=True)
class Bill:
    due_date: date
    lines: tuple[BillLine, ...]
    credit_balance: Decimal  # what is left of the credit after it paid this bill

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), ZERO)


def bill(book: Book, due_date: date) -> Bill:
    """The statement of ``due_date``, from the position at the start of that day."""
    current = position(book, due_date)
    return bill_of(due_date, current.loans, current.credit_balance)


def bill_of(due_date: date, loans: Iterable[LoanPosition], credit_balance: Decimal) -> Bill:
    """The statement of ``due_date`` from the loans' positions at the start of that day
    and the credit balance left then (R6): a line per loan with something payable."""
    lines = tuple(
        BillLine(loan.loan_id, loan.principal_due, loan.interest_due, loan.penalty_due)
        for loan in loans
        if loan.amount_due > 0
    )
    return Bill(due_date, lines, credit_balance)

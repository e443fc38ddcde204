"""Journal entries as immutable values; an unbalanced one cannot be made (R14)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from loanbook.errors import InvariantBroken
from loanbook.ledger.accounts import Account


@dataclass(frozen=True, slots=True)
class Line:
    account: Account
    debit_fen: int = 0
    credit_fen: int = 0
    loan_id: int | None = None
    borrower_id: int | None = None


@dataclass(frozen=True, slots=True)
class JournalEntry:
    booked_on: date
    kind: str
    lines: tuple[Line, ...]
    borrower_id: int | None = None
    transaction_id: int | None = None
    product_code: str | None = None
    memo: str = ""

    def __post_init__(self) -> None:
        debits = sum(line.debit_fen for line in self.lines)
        credits = sum(line.credit_fen for line in self.lines)
        if debits != credits:
            raise InvariantBroken(f"journal entry {self.kind} on {self.booked_on} does not balance: {debits} != {credits}")
        for line in self.lines:
            if line.debit_fen < 0 or line.credit_fen < 0 or (line.debit_fen and line.credit_fen):
                raise InvariantBroken(f"journal line {line} must be a debit or a credit, not negative")

    def is_empty(self) -> bool:
        return not self.lines


def signed(account: Account, amount_fen: int, *, debit: bool, loan_id: int | None = None, borrower_id: int | None = None) -> Line | None:
    """A line moving ``amount_fen`` in the given direction; a negative amount is the
    reversing line in the other direction, zero is no line."""
    if amount_fen == 0:
        return None
    if amount_fen < 0:
        amount_fen, debit = -amount_fen, not debit
    if debit:
        return Line(account, debit_fen=amount_fen, loan_id=loan_id, borrower_id=borrower_id)
    return Line(account, credit_fen=amount_fen, loan_id=loan_id, borrower_id=borrower_id)

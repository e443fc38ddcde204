"""Journal lines from the change of a loan's figures (R14).

Two kinds of change, each balanced on its own:
- recognition: receivable against income (negative when a late-booked repayment shows
  that penalty was never owed: the reversing line);
- settlement: what was paid, credited to the receivables; the debit side is cash (a
  transaction) or the borrower's credit balance (credit applied on a due date).
"""

from __future__ import annotations

from loanbook.ledger.accounts import Account
from loanbook.ledger.entries import Line, signed
from loanbook.ledger.figures import LoanFigures


def recognition_lines(loan_id: int | None, before: LoanFigures, after: LoanFigures) -> list[Line]:
    pairs = (
        (Account.INTEREST_RECEIVABLE, Account.INTEREST_INCOME, after.interest_recognized_fen - before.interest_recognized_fen),
        (Account.PENALTY_RECEIVABLE, Account.PENALTY_INCOME, after.penalty_recognized_fen - before.penalty_recognized_fen),
        (Account.FEE_RECEIVABLE, Account.FEE_INCOME, after.fee_recognized_fen - before.fee_recognized_fen),
    )
    lines = []
    for receivable, income, change in pairs:
        for line in (signed(receivable, change, debit=True, loan_id=loan_id), signed(income, change, debit=False, loan_id=loan_id)):
            if line is not None:
                lines.append(line)
    return lines


def settlement_lines(loan_id: int, before: LoanFigures, after: LoanFigures) -> tuple[list[Line], int]:
    """Credits to the receivables for what was paid; returns the lines and the total."""
    changes = (
        (Account.PRINCIPAL_RECEIVABLE, after.principal_paid_fen - before.principal_paid_fen),
        (Account.INTEREST_RECEIVABLE, after.interest_paid_fen - before.interest_paid_fen),
        (Account.PENALTY_RECEIVABLE, after.penalty_paid_fen - before.penalty_paid_fen),
        (Account.FEE_RECEIVABLE, after.fee_paid_fen - before.fee_paid_fen),
    )
    lines = [line for account, change in changes if (line := signed(account, change, debit=False, loan_id=loan_id))]
    return lines, sum(change for _, change in changes)


def disbursement_lines(loan_id: int, principal_fen: int) -> list[Line]:
    return [
        Line(Account.PRINCIPAL_RECEIVABLE, debit_fen=principal_fen, loan_id=loan_id),
        Line(Account.CASH, credit_fen=principal_fen, loan_id=loan_id),
    ]


def waiver_lines(loan_id: int, before: LoanFigures, after: LoanFigures) -> list[Line]:
    """What was forgiven, balanced on its own: interest a coupon waived is the lender's
    marketing expense (R13), penalty waived by a negotiated plan goes to its own account
    (R11), never netted against income; each credits its receivable. A replay that
    changes a waiver (a repayment learnt of late) reverses the difference."""
    lines = []
    for expense, receivable, change in (
        (Account.COUPON_EXPENSE, Account.INTEREST_RECEIVABLE, after.interest_waived_fen - before.interest_waived_fen),
        (Account.PENALTY_WAIVER, Account.PENALTY_RECEIVABLE, after.penalty_waived_fen - before.penalty_waived_fen),
    ):
        for line in (signed(expense, change, debit=True, loan_id=loan_id), signed(receivable, change, debit=False, loan_id=loan_id)):
            if line is not None:
                lines.append(line)
    return lines

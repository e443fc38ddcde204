"""The chart of accounts (R14)."""

from __future__ import annotations

from enum import Enum


class Account(str, Enum):
    CASH = "cash"  # cash / clearing with the payment channels
    PRINCIPAL_RECEIVABLE = "principal_receivable"
    INTEREST_RECEIVABLE = "interest_receivable"
    PENALTY_RECEIVABLE = "penalty_receivable"
    FEE_RECEIVABLE = "fee_receivable"
    INTEREST_INCOME = "interest_income"
    PENALTY_INCOME = "penalty_income"
    FEE_INCOME = "fee_income"
    CREDIT_BALANCE = "borrower_credit_balance"  # 溢缴款, a liability to the borrower
    COUPON_EXPENSE = "coupon_marketing_expense"  # R13: interest a coupon waived, never cash
    PENALTY_WAIVER = "penalty_waiver"  # R11: penalty waived by a negotiated plan, not netted against income
    # R17, per partner bank (the partner is the loan's, table loan_partners):
    PARTNER_PRINCIPAL = "partner_principal"  # the partner's share of principal receivable (funded by it)
    PARTNER_INCOME = "partner_income"  # the partner's share of interest and penalty received
    PARTNER_CASH_DUE = "partner_cash_due"  # cash received that is due to the partner
    PARTNER_SUSPENSE = "partner_reconciliation_suspense"  # differences adjusted to a bank's file, until cleared


DEBIT_NORMAL = {
    Account.CASH,
    Account.PRINCIPAL_RECEIVABLE,
    Account.INTEREST_RECEIVABLE,
    Account.PENALTY_RECEIVABLE,
    Account.FEE_RECEIVABLE,
    Account.COUPON_EXPENSE,
    Account.PENALTY_WAIVER,
    Account.PARTNER_INCOME,  # income passed on to the partner: a contra-income
}


def normal_balance(account: Account, debit_fen: int, credit_fen: int) -> int:
    """The balance in the account's own direction: debits less credits for assets and
    expenses, credits less debits for liabilities and income."""
    return debit_fen - credit_fen if account in DEBIT_NORMAL else credit_fen - debit_fen

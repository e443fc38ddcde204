"""A borrower's book: the immutable facts the rules replay (R6).

The book holds the loans (with the plan each was disbursed with) and every money
transaction with its value date and booking date. Nothing in it is a running total: a
loan's state on any day is computed from these facts in value-date order
(:func:`loanbook.rules.replay.position`), so a repayment learnt of late gives exactly
the result it would have given on time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from loanbook.money import ZERO
from loanbook.rules.products import Product
from loanbook.rules.schedule import Instalment


@dataclass(frozen=True, slots=True)
class Loan:
    loan_id: str
    product: Product
    principal: Decimal
    terms: int
    disbursed_on: date
    schedule: tuple[Instalment, ...]
    partner_share: Decimal = ZERO  # R17: the partner bank's share of principal

    @property
    def maturity_date(self) -> date:
        return self.schedule[-1].due_date


@dataclass(frozen=True, slots=True)
class Repayment:
    """Money received from the borrower, for whatever is due (R6)."""

    tx_id: str
    value_date: date
    amount: Decimal
    booked_on: date


@dataclass(frozen=True, slots=True)
class Payoff:
    """Early settlement of one loan at the day's quoted amount (R8): ``amount`` in cash
    and, when the borrower asked for it, ``credit_used`` from the credit balance."""

    tx_id: str
    value_date: date
    loan_id: str
    amount: Decimal
    booked_on: date
    credit_used: Decimal = Decimal("0.00")

    @property
    def applied(self) -> Decimal:
        """What settles the loan: the cash and the credit used."""
        return self.amount + self.credit_used


@dataclass(frozen=True, slots=True)
class Refund:
    """Credit balance paid back to the borrower on request (R6)."""

    tx_id: str
    value_date: date
    amount: Decimal
    booked_on: date


Transaction = Repayment | Payoff | Refund


@dataclass(frozen=True, slots=True)
class Book:
    """Everything the rules know of one borrower: credit line, loans, transactions.

    Loans are in disbursement order and transactions in the order they were booked;
    that order breaks ties between transactions of the same value date.
    """

    credit_limit: Decimal
    loans: tuple[Loan, ...] = ()
    transactions: tuple[Transaction, ...] = ()

    def loan(self, loan_id: str) -> Loan | None:
        for loan in self.loans:
            if loan.loan_id == loan_id:
                return loan
        return None

    def with_loan(self, loan: Loan) -> Book:
        return replace(self, loans=self.loans + (loan,))

    def with_transaction(self, transaction: Transaction) -> Book:
        return replace(self, transactions=self.transactions + (transaction,))

    def renamed(self, old_id: str, new_id: str) -> Book:
        """The same book with a loan or transaction under its stored id: the core names a
        new fact before the database has given it one."""
        return replace(
            self,
            loans=tuple(replace(loan, loan_id=new_id) if loan.loan_id == old_id else loan for loan in self.loans),
            transactions=tuple(
                replace(tx, **{"tx_id": new_id} if tx.tx_id == old_id else {},
                        **{"loan_id": new_id} if isinstance(tx, Payoff) and tx.loan_id == old_id else {})
                for tx in self.transactions
            ),
        )

    def known_before(self, day: date) -> Book:
        """The book as the system knew it at the start of ``day`` (booked before it)."""
        return replace(
            self,
            loans=tuple(loan for loan in self.loans if loan.disbursed_on <= day),
            transactions=tuple(tx for tx in self.transactions if tx.booked_on < day),
        )

    def next_tx_id(self) -> str:
        return f"T{len(self.transactions) + 1}"

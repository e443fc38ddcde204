"""A borrower's book: the immutable facts the rules replay (R6).

The book holds the loans (with the plan each was disbursed with) and every money
transaction with its value date and booking date. Nothing in it is a running total: a
loan's state on any day is computed from these facts in value-date order
(:func:`loanbook.rules.replay.position`), so a repayment learnt of late gives exactly
the result it would have given on time.

Within one value date, facts are applied in the order they happened (R6, R11:
"during day a, in the order of that day's events"): by ``received_at``, the time the
money was received or the channel reports (in a scenario: the event's place in the
file). A fact without one (a late-booked item whose channel reported no time) comes
after every fact of its value date that has one; ties keep booking order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
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
    received_at: datetime | None = None  # intra-day order (module docstring)


@dataclass(frozen=True, slots=True)
class Payoff:
    """Early settlement of one loan at the day's quoted amount (R8)."""

    tx_id: str
    value_date: date
    loan_id: str
    amount: Decimal
    booked_on: date
    received_at: datetime | None = None  # intra-day order (module docstring)


@dataclass(frozen=True, slots=True)
class Refund:
    """Credit balance paid back to the borrower on request (R6)."""

    tx_id: str
    value_date: date
    amount: Decimal
    booked_on: date
    received_at: datetime | None = None  # intra-day order (module docstring)


Transaction = Repayment | Payoff | Refund

_NO_TIME = datetime.max  # a fact without a time of receipt: after those with one


def intraday_key(fact: Transaction, booking_index: int) -> tuple[datetime, int]:
    """How facts of one value date are ordered: by the time they happened, then by
    booking order (module docstring)."""
    return (fact.received_at or _NO_TIME, booking_index)


@dataclass(frozen=True, slots=True)
class Book:
    """Everything the rules know of one borrower: credit line, loans, transactions.

    Loans are in disbursement order and transactions in the order they were booked;
    within a value date the replay orders them by ``received_at``, and booking order
    breaks the ties that are left (module docstring).
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

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
from enum import StrEnum

from loanbook.money import ZERO
from loanbook.rules.products import Product, RepaymentMethod
from loanbook.rules.schedule import Instalment
from loanbook.rules.values import quick_init


class TransactionKind(StrEnum):
    """A stored transaction's kind (``transactions.kind``): the money facts of R6, R8 and
    the plan changes of R11 (each the fact of an approved request)."""

    REPAYMENT = "repayment"
    PAYOFF = "payoff"
    REFUND = "refund"
    EXTENSION = "extension"
    NEGOTIATION = "negotiation"


class RequestStatus(StrEnum):
    """A plan-change request's status (R11): pending until decided, or lapsed at maturity."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    LAPSED = "lapsed"


@quick_init
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


@quick_init
@dataclass(frozen=True, slots=True)
class Repayment:
    """Money received from the borrower, for whatever is due (R6). With ``coupon_id`` the
    coupon first waives unpaid interest of the instalments due, in R6 order (R13)."""

    tx_id: str
    value_date: date
    amount: Decimal
    booked_on: date
    received_at: datetime | None = None  # intra-day order (module docstring)
    coupon_id: str | None = None  # R13: a coupon redeemed with this repayment


@quick_init
@dataclass(frozen=True, slots=True)
class Payoff:
    """Early settlement of one loan at the quoted amount of its moment (R8). ``amount`` is
    the cash paid and ``credit_used`` what the borrower asked to pay from the credit
    balance: together they are the quote less what ``coupon_id``'s coupon waived of its
    interest (R13), the quote's ``to_pay``."""

    tx_id: str
    value_date: date
    loan_id: str
    amount: Decimal
    booked_on: date
    received_at: datetime | None = None  # intra-day order (module docstring)
    coupon_id: str | None = None  # R13: a coupon redeemed with this payoff
    credit_used: Decimal = Decimal("0.00")  # R8: paid from the credit balance (use_credit)

    @property
    def applied(self) -> Decimal:
        """What settles the loan besides a coupon's waiver: the cash and the credit used."""
        return self.amount + self.credit_used


@quick_init
@dataclass(frozen=True, slots=True)
class Refund:
    """Credit balance paid back to the borrower on request (R6)."""

    tx_id: str
    value_date: date
    amount: Decimal
    booked_on: date
    received_at: datetime | None = None  # intra-day order (module docstring)


Transaction = Repayment | Payoff | Refund


@quick_init
@dataclass(frozen=True, slots=True)
class Coupon:
    """An interest-free coupon (还款免息券) granted to the borrower (R13): it waives
    interest up to ``amount`` (its face value), once, on a day from ``granted_on`` to
    ``expires_on``, both included; never principal, penalty or fees."""

    coupon_id: str
    amount: Decimal
    granted_on: date
    expires_on: date
    booked_on: date


@quick_init
@dataclass(frozen=True, slots=True)
class Extension:
    """An approved extension (展期) of ``loan_id`` by ``months`` (R11), effective during its
    approval day ``value_date``, in the order of that day's facts: the instalments due
    after that day are re-planned over their count + ``months`` periods."""

    fact_id: str
    loan_id: str
    value_date: date  # the approval day a
    months: int
    booked_on: date
    received_at: datetime | None = None  # intra-day order (module docstring)


PENALTY_WAIVER_ALL = "all"


@quick_init
@dataclass(frozen=True, slots=True)
class NegotiatedPlan:
    """An approved negotiated repayment (协商还款) of ``loan_id`` (R11), effective during its
    approval day ``value_date``: the old plan closes and a plan of ``months`` periods
    with ``method`` starts over the whole principal outstanding; the unpaid interest and
    the penalty (less the waiver) are carried to its first instalment.

    ``waive_penalty`` is :data:`PENALTY_WAIVER_ALL` or an amount (ZERO: none). The
    carried figures are not stored: the replay computes them on the approval day, so a
    repayment learnt of late and value-dated before it is taken into account; an amount
    waived is then at most the penalty payable on that day.
    """

    fact_id: str
    loan_id: str
    value_date: date  # the approval day a
    method: RepaymentMethod
    months: int
    waive_penalty: Decimal | str
    booked_on: date
    received_at: datetime | None = None  # intra-day order (module docstring)


PlanChange = Extension | NegotiatedPlan
Fact = Transaction | PlanChange

_NO_TIME = datetime.max  # a fact without a time of receipt: after those with one


def intraday_key(fact: Fact, booking_index: int, group: int = 0) -> tuple[datetime, int, int]:
    """How facts of one value date are ordered: by the time they happened, then in
    booking order (module docstring). ``group`` 1 puts plan changes without a time after
    the money without one (a plan change is decided in the service, which always knows
    when; only a late-booked payment can lack a time)."""
    return (fact.received_at or _NO_TIME, group, booking_index)


@quick_init
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
    coupons: tuple[Coupon, ...] = ()  # R13, in the order granted
    plan_changes: tuple[PlanChange, ...] = ()  # R11, approved ones only, in booking order

    def loan(self, loan_id: str) -> Loan | None:
        for loan in self.loans:
            if loan.loan_id == loan_id:
                return loan
        return None

    def with_loan(self, loan: Loan) -> Book:
        return replace(self, loans=self.loans + (loan,))

    def with_transaction(self, transaction: Transaction) -> Book:
        return replace(self, transactions=self.transactions + (transaction,))

    def with_coupon(self, coupon: Coupon) -> Book:
        return replace(self, coupons=self.coupons + (coupon,))

    def with_plan_change(self, change: PlanChange) -> Book:
        return replace(self, plan_changes=self.plan_changes + (change,))

    def coupon(self, coupon_id: str) -> Coupon | None:
        for coupon in self.coupons:
            if coupon.coupon_id == coupon_id:
                return coupon
        return None

    def redemption_of(self, coupon_id: str) -> Repayment | Payoff | None:
        """The transaction that redeemed ``coupon_id``, if any (R13: once)."""
        for tx in self.transactions:
            if isinstance(tx, (Repayment, Payoff)) and tx.coupon_id == coupon_id:
                return tx
        return None

    def renamed(self, old_id: str, new_id: str) -> Book:
        """The same book with a loan, transaction, coupon or plan change under its stored
        id: the core names a new fact before the database has given it one."""

        def renamed_fact(fact):
            changes = {}
            for name in ("tx_id", "fact_id", "loan_id", "coupon_id"):
                if getattr(fact, name, None) == old_id:
                    changes[name] = new_id
            return replace(fact, **changes) if changes else fact

        return replace(
            self,
            loans=tuple(replace(loan, loan_id=new_id) if loan.loan_id == old_id else loan for loan in self.loans),
            transactions=tuple(renamed_fact(tx) for tx in self.transactions),
            coupons=tuple(renamed_fact(coupon) for coupon in self.coupons),
            plan_changes=tuple(renamed_fact(change) for change in self.plan_changes),
        )

    def known_before(self, day: date) -> Book:
        """The book as the system knew it at the start of ``day`` (booked before it)."""
        return replace(
            self,
            loans=tuple(loan for loan in self.loans if loan.disbursed_on <= day),
            transactions=tuple(tx for tx in self.transactions if tx.booked_on < day),
            coupons=tuple(coupon for coupon in self.coupons if coupon.booked_on < day),
            plan_changes=tuple(change for change in self.plan_changes if change.booked_on < day),
        )

    def last_booked_on(self) -> date | None:
        """The latest day the book changed (the business date never goes back)."""
        days = [fact.booked_on for group in (self.transactions, self.coupons, self.plan_changes) for fact in group]
        if self.loans:
            days.append(self.loans[-1].disbursed_on)
        return max(days, default=None)

    def next_tx_id(self) -> str:
        return f"T{len(self.transactions) + 1}"

    def next_fact_id(self) -> str:
        return f"P{len(self.plan_changes) + 1}"

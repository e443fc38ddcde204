"""A borrower's position on a day, replayed from the book in value-date order (R5-R8).

Everything is recomputed from the facts each time: the plans the loans were disbursed
with and the transactions with their value dates. The booking date plays no part here,
which is what makes a repayment learnt of late give exactly the on-time result (R6);
what the system *knew* on a day is a filter on the book (:meth:`Book.known_before`).

Within a day: first a credit balance is applied if the day is a due date (R6, at the
start of the day), then the day's transactions in booking order. Penalty for a day runs
on what is unpaid after that day's repayments (R7).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal, localcontext

from loanbook.errors import InvariantBroken
from loanbook.money import ZERO
from loanbook.rules.accrual import OpenInstalment
from loanbook.rules.allocation import AllocationOrder, allocate
from loanbook.rules.book import Book, Loan, Payoff, Refund, Repayment, Transaction
from loanbook.rules.payoff import Owed, earliest_payoff_date, payoff_quote, settle
from loanbook.rules.position import (
    Allocation,
    InstalmentPosition,
    LoanPosition,
    LoanStatus,
    Position,
)

EXACT_DIGITS = 60  # penalty integrals stay exact: amounts x days x rate never need more


class _OpenLoan:
    __slots__ = ("loan", "instalments", "settled_on", "penalty_rate", "first_open")

    def __init__(self, loan: Loan) -> None:
        self.loan = loan
        self.penalty_rate = loan.product.penalty_daily_rate
        grace = timedelta(days=loan.product.grace_days)
        self.instalments = [OpenInstalment(i, grace) for i in loan.schedule]
        self.settled_on: date | None = None
        self.first_open = 0  # every instalment before it is closed

    def mark_settled_if_paid(self, on: date) -> bool:
        """R5: SETTLED once every instalment is closed (a closed one stays closed).
        True if the loan was settled just now."""
        instalments, first_open = self.instalments, self.first_open
        while first_open < len(instalments) and instalments[first_open].closed:
            first_open += 1
        self.first_open = first_open
        if self.settled_on is None and first_open == len(instalments):
            self.settled_on = on
            return True
        return False


class _Replay:
    """One pass over a borrower's transactions; private to :func:`position`."""

    __slots__ = ("loans", "by_id", "order", "credit_balance", "allocations")

    def __init__(self, book: Book, on: date) -> None:
        self.loans = [_OpenLoan(loan) for loan in book.loans if loan.disbursed_on <= on]
        self.by_id = {open_loan.loan.loan_id: open_loan for open_loan in self.loans}
        self.order = self._allocation_order()
        self.credit_balance = ZERO
        self.allocations: list[Allocation] = []

    def _allocation_order(self) -> AllocationOrder:
        """R6 order of the open loans' instalments; built again when a loan is settled."""
        open_loans = [o for o in self.loans if o.settled_on is None]
        return AllocationOrder((o.loan.loan_id, o.penalty_rate, o.instalments) for o in open_loans)

    def _pay_due(self, amount: Decimal, on: date):
        lines, left = allocate(amount, self.order, on)
        settled_now = False
        for loan_id in {line.loan_id for line in lines}:
            settled_now = self.by_id[loan_id].mark_settled_if_paid(on) or settled_now
        if settled_now:
            self.order = self._allocation_order()
        return lines, left

    def apply_credit(self, on: date) -> None:
        """R6: a credit balance pays what falls due, at the start of the due date."""
        if not self.credit_balance:
            return
        lines, left = self._pay_due(self.credit_balance, on)
        if lines:
            used = self.credit_balance - left
            self.credit_balance = left
            self.allocations.append(Allocation(f"credit:{on.isoformat()}", "credit", on, used, tuple(lines), -used))

    def apply(self, tx: Transaction) -> None:
        on = tx.value_date
        if isinstance(tx, Repayment):
            lines, left = self._pay_due(tx.amount, on)
            self.credit_balance += left
            self.allocations.append(Allocation(tx.tx_id, "repayment", on, tx.amount, tuple(lines), left))
        elif isinstance(tx, Payoff):
            self._apply_payoff(tx)
        elif isinstance(tx, Refund):
            if tx.amount > self.credit_balance:
                raise InvariantBroken(f"refund {tx.tx_id} of {tx.amount} exceeds the credit balance {self.credit_balance}")
            self.credit_balance -= tx.amount
            self.allocations.append(Allocation(tx.tx_id, "refund", on, tx.amount, (), -tx.amount))
        else:  # pragma: no cover - the Transaction union is closed
            raise InvariantBroken(f"unknown transaction {tx!r}")

    def _apply_payoff(self, tx: Payoff) -> None:
        open_loan = self.by_id.get(tx.loan_id)
        if open_loan is None:
            raise InvariantBroken(f"payoff {tx.tx_id}: loan {tx.loan_id} does not exist on {tx.value_date}")
        if tx.credit_used > self.credit_balance:
            raise InvariantBroken(f"payoff {tx.tx_id} uses {tx.credit_used} of credit; the balance is {self.credit_balance}")
        # R8: the credit the borrower chose to use pays the quote with the cash.
        self.credit_balance -= tx.credit_used
        if open_loan.settled_on is not None:
            # A repayment booked late, value-dated before this payoff, had already paid the
            # loan in full: the whole payoff is the borrower's credit, refundable (R6, R8).
            self.credit_balance += tx.applied
            self.allocations.append(Allocation(tx.tx_id, "payoff", tx.value_date, tx.applied, (), tx.amount))
            return
        quote, plan, lines = settle(open_loan.loan, open_loan.instalments, tx.value_date)
        # A repayment booked late, value-dated before this payoff, lowers what the payoff
        # had to cover: the borrower's surplus becomes credit, refundable (R6, R8).
        surplus = tx.applied - quote.total
        if surplus < 0:
            raise InvariantBroken(f"payoff {tx.tx_id} of {tx.applied} is short of the quote {quote.total}")
        open_loan.instalments = plan
        open_loan.settled_on = tx.value_date
        self.order = self._allocation_order()
        self.credit_balance += surplus
        self.allocations.append(Allocation(tx.tx_id, "payoff", tx.value_date, tx.applied, tuple(lines),
                                           surplus - tx.credit_used))


def position(book: Book, on: date, *, include_day: bool = False) -> Position:
    """The borrower's position as of the start of ``on`` (R5).

    With ``include_day`` the transactions value-dated ``on`` are applied too: the
    position during the day, after them, which is what a quote or a new transaction
    on ``on`` must see.
    """
    with localcontext() as ctx:
        ctx.prec = EXACT_DIGITS
        replay = _Replay(book, on)
        transactions_by_day: dict[date, list[Transaction]] = defaultdict(list)
        for tx in book.transactions:  # booking order breaks same-day ties
            if tx.value_date < on or (include_day and tx.value_date == on):
                transactions_by_day[tx.value_date].append(tx)
        due_days = {i.due_date for o in replay.loans for i in o.instalments if i.due_date <= on}
        for day in sorted(due_days | transactions_by_day.keys()):
            if day in due_days:
                replay.apply_credit(day)
            for tx in transactions_by_day.get(day, ()):
                replay.apply(tx)
        if replay.credit_balance < 0:
            raise InvariantBroken("negative credit balance")
        loans = tuple(_loan_position(open_loan, on) for open_loan in replay.loans)
        return Position(on, replay.credit_balance, loans, tuple(replay.allocations))


def _loan_position(open_loan: _OpenLoan, on: date) -> LoanPosition:
    loan = open_loan.loan
    schedule, owed, paid, first_overdue = _plan_on(open_loan, on)
    settled = open_loan.settled_on is not None and open_loan.settled_on <= on
    if settled:
        status, dpd = LoanStatus.SETTLED, 0
    elif first_overdue is not None:
        status, dpd = LoanStatus.OVERDUE, (on - first_overdue).days
    elif any(i.in_grace(on) for i in open_loan.instalments):
        status, dpd = LoanStatus.GRACE, 0
    else:
        status, dpd = LoanStatus.ACTIVE, 0
    payoff = None
    if not settled and on >= earliest_payoff_date(loan):
        payoff = payoff_quote(loan, on, owed)
    principal_paid, interest_paid, penalty_paid, fee_paid = paid
    return LoanPosition(
        loan_id=loan.loan_id,
        product_code=loan.product.code,
        disbursed_on=loan.disbursed_on,
        status=status,
        dpd=dpd,
        principal_outstanding=owed.principal_due + owed.principal_not_due,  # the whole plan's, exactly
        principal_due=owed.principal_due,
        interest_due=owed.interest_due,
        penalty_due=owed.penalty_due,
        payoff=payoff,
        principal_paid=principal_paid,
        interest_paid=interest_paid,
        penalty_paid=penalty_paid,
        fee_paid=fee_paid,
        coupon_waived=ZERO,
        settled_on=open_loan.settled_on if settled else None,
        schedule=schedule,
    )


def _plan_on(
    open_loan: _OpenLoan, on: date
) -> tuple[tuple[InstalmentPosition, ...], Owed, tuple[Decimal, Decimal, Decimal, Decimal], date | None]:
    """One pass over the plan: each instalment's position (its penalty computed once,
    R7), what is owed (R5, R8), what was paid (principal, interest, penalty, fee) and the
    due date of the earliest overdue instalment (R5: it sets the DPD)."""
    owed = Owed()
    principal_paid = interest_paid = penalty_paid = fee_paid = ZERO
    first_overdue = None
    schedule = []
    for instalment in open_loan.instalments:
        state = _instalment_position(instalment, on, open_loan.penalty_rate)
        schedule.append(state)
        if instalment.due_date <= on:
            owed.add_due(instalment, state.penalty_due)
        else:
            owed.add_not_due(instalment)
        if state.overdue and (first_overdue is None or instalment.due_date < first_overdue):
            first_overdue = instalment.due_date
        principal_paid += instalment.paid_principal
        interest_paid += instalment.paid_interest
        penalty_paid += instalment.paid_penalty
        fee_paid += instalment.paid_fee
    return tuple(schedule), owed, (principal_paid, interest_paid, penalty_paid, fee_paid), first_overdue


def _instalment_position(instalment: OpenInstalment, on: date, penalty_rate: Decimal) -> InstalmentPosition:
    accrued, penalty_due = instalment.penalty(on, penalty_rate)
    return InstalmentPosition(
        period=instalment.period,
        due_date=instalment.due_date,
        principal=instalment.principal,
        interest=instalment.interest,
        fee=instalment.fee,
        paid_principal=instalment.paid_principal,
        paid_interest=instalment.paid_interest,
        paid_penalty=instalment.paid_penalty,
        paid_fee=instalment.paid_fee,
        penalty_accrued=accrued,
        penalty_due=penalty_due,
        overdue=on > instalment.grace_end and (instalment.penalty_base + penalty_due) > 0,
    )

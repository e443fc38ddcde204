"""A borrower's position on a day, replayed from the book in value-date order (R5-R8).

Everything is recomputed from the facts each time: the plans the loans were disbursed
with and the transactions with their value dates. The booking date plays no part here,
which is what makes a repayment learnt of late give exactly the on-time result (R6);
what the system *knew* on a day is a filter on the book (:meth:`Book.known_before`).

Within a day: first a credit balance is applied if the day is a due date (R6, at the
start of the day), then the day's transactions in the order they happened
(:func:`loanbook.rules.book.intraday_key`: time received, then booking order). Penalty
for a day runs on what is unpaid after that day's repayments (R7).
"""

from __future__ import annotations

from bisect import insort
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext
from typing import Protocol

from loanbook.errors import InvariantBroken, RuleRefusal
from loanbook.money import ZERO
from loanbook.rules.accrual import OpenInstalment
from loanbook.rules.allocation import AllocationOrder, allocate
from loanbook.rules.book import (
    Book,
    Coupon,
    Extension,
    Fact,
    Loan,
    NegotiatedPlan,
    Payoff,
    Refund,
    Repayment,
    Transaction,
    intraday_key,
)
from loanbook.rules import plan_change
from loanbook.rules.payoff import Owed, earliest_payoff_day, payoff_quote, settle
from loanbook.rules.position import (
    Allocation,
    AllocationLine,
    InstalmentPosition,
    LoanPosition,
    BookState,
    LoanState,
    PlanChangeEffect,
    Position,
    status_and_dpd,
)
from loanbook.rules.values import quick_init

EXACT_DIGITS = 60  # penalty integrals stay exact: amounts x days x rate never need more


class _OpenLoan:
    __slots__ = (
        "loan", "loan_id", "product", "disbursed_on", "instalments", "settled_on", "penalty_rate", "first_open",
        "method", "maturity", "extension_months", "negotiated", "penalty_waived", "closed_plan_paid",
    )

    def __init__(self, loan: Loan) -> None:
        self.loan = loan
        self.loan_id, self.product, self.disbursed_on = loan.loan_id, loan.product, loan.disbursed_on
        self.penalty_rate = loan.product.penalty_daily_rate
        grace = timedelta(days=loan.product.grace_days)
        rate = self.penalty_rate
        self.instalments = [OpenInstalment(i, grace, rate) for i in loan.schedule]
        self.settled_on: date | None = None
        self.first_open = 0  # every instalment before it is closed
        # R11: what plan changes did; the defaults are a loan's own plan
        self.method = loan.product.repayment_method
        self.maturity = loan.maturity_date
        self.extension_months = 0
        self.negotiated = False
        self.penalty_waived = ZERO
        # R11: what was paid on a plan a negotiated plan closed (principal, interest in
        # cash, penalty, fee, coupon waiver): the loan's totals keep it
        self.closed_plan_paid: tuple[Decimal, Decimal, Decimal, Decimal, Decimal] | None = None

    def close_plan(self) -> None:
        """R11: a negotiated plan closes the old one; keep what was paid on it."""
        principal, interest, penalty, fee, waived = self.closed_plan_paid or (ZERO, ZERO, ZERO, ZERO, ZERO)
        for i in self.instalments:
            principal += i.paid_principal
            interest += i.paid_interest - i.coupon_waived
            penalty += i.paid_penalty + i.paid_carried_penalty
            fee += i.paid_fee
            waived += i.coupon_waived
        self.closed_plan_paid = (principal, interest, penalty, fee, waived)

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

    __slots__ = ("record", "loans", "by_id", "order", "credit_balance", "allocations", "coupons", "changes", "refused")

    def __init__(self, book: Book, on: date, record: bool = True) -> None:
        self.record = record  # False: the lean path, which keeps no allocations
        self.loans = [_OpenLoan(loan) for loan in book.loans if loan.disbursed_on <= on]
        self.by_id = {open_loan.loan.loan_id: open_loan for open_loan in self.loans}
        self.order = self._allocation_order()
        self.credit_balance = ZERO
        self.allocations: list[Allocation] = []
        self.coupons: dict[str, Coupon] = {coupon.coupon_id: coupon for coupon in book.coupons}
        self.changes: list[PlanChangeEffect] = []
        self.refused: list[tuple[str, str]] = []

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
            if self.record:
                self.allocations.append(Allocation(f"credit:{on.isoformat()}", "credit", on, used, tuple(lines), -used))

    def _coupon(self, coupon_id: str, tx_id: str) -> Coupon:
        coupon = self.coupons.get(coupon_id)
        if coupon is None:
            raise InvariantBroken(f"transaction {tx_id} redeems coupon {coupon_id}, which is not in the book")
        return coupon

    def _waive_due_interest(self, amount: Decimal, on: date) -> list[AllocationLine]:
        """R13: a coupon waives unpaid interest of the instalments due on or before ``on``,
        in R6 order, up to ``amount``."""
        lines = []
        left = amount
        for due_date, loan_id, _, instalment in self.order.entries[self.order.start:]:
            if due_date > on or not left:
                break
            unpaid = instalment.interest - instalment.paid_interest
            if unpaid:
                waived = unpaid if unpaid < left else left
                left -= waived
                instalment.waive_interest(on, waived)
                lines.append(AllocationLine(loan_id, instalment.period, interest=waived))
        settled_now = False
        for loan_id in {line.loan_id for line in lines}:
            settled_now = self.by_id[loan_id].mark_settled_if_paid(on) or settled_now
        if settled_now:
            self.order = self._allocation_order()
        return lines

    def apply(self, tx: Transaction) -> None:
        on = tx.value_date
        if isinstance(tx, Repayment):
            if tx.coupon_id is not None:
                face = self._coupon(tx.coupon_id, tx.tx_id).amount
                waived = self._waive_due_interest(face, on)
                lines, left = self._pay_due(tx.amount, on)
                self.credit_balance += left
                forfeited = face - sum((line.interest for line in waived), ZERO)
                self.allocations.append(
                    Allocation(tx.tx_id, "repayment", on, tx.amount, tuple(lines), left, tx.coupon_id, tuple(waived),
                               forfeited)
                )
                return
            lines, left = self._pay_due(tx.amount, on)
            self.credit_balance += left
            if self.record:
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
        face = self._coupon(tx.coupon_id, tx.tx_id).amount if tx.coupon_id is not None else ZERO
        if open_loan.settled_on is not None:
            # A repayment booked late, value-dated before this payoff, had already paid the
            # loan in full: the whole payoff (cash and credit used) is the borrower's credit,
            # refundable (R6, R8), and its coupon waived nothing (R13: forfeited).
            self.credit_balance += tx.applied
            self.allocations.append(
                Allocation(tx.tx_id, "payoff", tx.value_date, tx.applied, (), tx.amount, tx.coupon_id, (), face)
            )
            return
        quote, plan, lines, coupon_lines = settle(open_loan.loan, open_loan.instalments, tx.value_date, face)
        # A repayment booked late, value-dated before this payoff, lowers what the payoff
        # had to cover: the borrower's surplus becomes credit, refundable (R6, R8).
        # R8/R13: cash and credit used together pay the quote less the coupon's waiver.
        surplus = tx.applied - quote.to_pay
        if surplus < 0:
            raise InvariantBroken(f"payoff {tx.tx_id} of {tx.applied} is short of the quote {quote.to_pay}")
        open_loan.instalments = plan
        open_loan.settled_on = tx.value_date
        self.order = self._allocation_order()
        self.credit_balance += surplus
        self.allocations.append(
            Allocation(tx.tx_id, "payoff", tx.value_date, tx.applied, tuple(lines), surplus - tx.credit_used,
                       tx.coupon_id, tuple(coupon_lines), face - quote.coupon_waived)
        )

    def apply_change(self, change: Extension | NegotiatedPlan) -> bool:
        """R11: an approved plan change, at its moment of its approval day. One the
        rules forbid at that moment (a late-booked payoff settled the loan before it,
        say) does nothing and is listed with the reason. True if the plan changed."""
        open_loan = self.by_id.get(change.loan_id)
        if open_loan is None:
            raise InvariantBroken(
                f"plan change {change.fact_id}: loan {change.loan_id} does not exist on {change.value_date}"
            )
        loan, a = open_loan.loan, change.value_date
        try:
            if isinstance(change, Extension):
                new = plan_change.extension(
                    loan, open_loan.method, open_loan.instalments, open_loan.settled_on, a, change.months
                )
                kept = [i for i in open_loan.instalments if i.due_date <= a]
                open_loan.instalments = kept + plan_change.open_plan(loan, new.instalments)
            else:
                new = plan_change.negotiated(
                    loan, open_loan.instalments, open_loan.settled_on, a, change.method, change.months,
                    change.waive_penalty,
                )
                open_loan.close_plan()
                open_loan.instalments = plan_change.open_plan(loan, new.instalments)
                open_loan.method = change.method
                open_loan.negotiated = True
                open_loan.penalty_waived += new.penalty_waived
        except RuleRefusal as refusal:
            self.refused.append((change.fact_id, str(refusal)))
            return False
        open_loan.first_open = 0
        open_loan.maturity = open_loan.instalments[-1].due_date
        open_loan.extension_months = new.extension_months
        self.order = self._allocation_order()
        kind = "extension" if isinstance(change, Extension) else "negotiation"
        self.changes.append(
            PlanChangeEffect(
                fact_id=change.fact_id,
                loan_id=loan.loan_id,
                kind=kind,
                value_date=a,
                schedule=tuple(instalment_position(i, a, open_loan.penalty_rate, open_loan.negotiated)
                               for i in open_loan.instalments),
                maturity_date=open_loan.maturity,
                extension_months=new.extension_months,
                extension_limit_months=plan_change.extension_limit_months(loan.terms),
                carried_interest=new.carried_interest,
                carried_penalty=new.carried_penalty,
                penalty_payable=new.penalty_payable,
                penalty_waived=new.penalty_waived,
            )
        )
        return True

    def due_days(self, on: date, changed: set[str]) -> set[date]:
        """R6: the days a credit balance is applied: every due date of any of the
        borrower's loans up to ``on``, of the current plan where R11 changed it."""
        return {
            i.due_date
            for o in self.loans
            for i in (o.instalments if o.loan.loan_id in changed else o.loan.schedule)
            if i.due_date <= on
        }


def facts_by_value_date(book: Book, on: date, *, include_day: bool) -> dict[date, list[tuple[int, int, Fact]]]:
    """Each day's facts before ``on`` (and of ``on`` with ``include_day``) as (booking
    index, group, fact), group 0 a transaction and 1 a plan change; whoever replays them
    sorts by the time they happened only where a day has several (intraday_key), the
    rest keep booking order (R6)."""
    facts_by_day: dict[date, list[tuple[int, int, Fact]]] = defaultdict(list)
    for index, tx in enumerate(book.transactions):
        if tx.value_date < on or (include_day and tx.value_date == on):
            facts_by_day[tx.value_date].append((index, 0, tx))
    for index, change in enumerate(book.plan_changes):
        if change.value_date < on or (include_day and change.value_date == on):
            facts_by_day[change.value_date].append((index, 1, change))
    return facts_by_day


class Watch(Protocol):
    """What a caller looks at while the replay passes the days (R15's month statuses,
    rules/bureau_status.py), without a pass of its own. Each method is called with the
    replay's state as it is at that moment, and must not change it."""

    def passed(self, replay: _Replay, start: date, end: date) -> None:
        """The days [start, end) went by with nothing applied (the state is the one at
        the end of ``start`` - 1)."""

    def falls_due(self, replay: _Replay, day: date) -> None:
        """``day`` is a due date: called at its start, before a credit balance is applied (R6)."""

    def opens(self, replay: _Replay, day: date) -> None:
        """The start of ``day``, before its facts (a due date's credit balance applied)."""


def position(
    book: Book, on: date, *, include_day: bool = False, before_tx: str | None = None, watch: Watch | None = None
) -> Position:
    """The borrower's position as of the start of ``on`` (R5).

    With ``include_day`` the facts value-dated ``on`` are applied too: the position
    during the day, after them, which is what a new transaction on ``on`` must see.
    With ``before_tx`` as well, only those that happened before that transaction of
    ``on`` are applied: what a payoff's quote sees (R8, R6). ``watch`` looks at the
    replay on its way (see :class:`Watch`).
    """
    with localcontext() as ctx:
        ctx.prec = EXACT_DIGITS
        replay = _replayed(book, on, include_day, before_tx, record=True, watch=watch)
        return _position_of(replay, on)


def _position_of(replay: _Replay, on: date) -> Position:
    """The position as of ``on`` from the replay's state (facts up to ``on`` applied),
    of the loans disbursed by then."""
    loans = tuple(_loan_position(open_loan, on) for open_loan in replay.loans if open_loan.disbursed_on <= on)
    return Position(
        on, replay.credit_balance, loans, tuple(replay.allocations), tuple(replay.changes), tuple(replay.refused)
    )


@quick_init
@dataclass(frozen=True, slots=True)
class DayEnds:
    """A borrower's position at the end of a day being closed and at the start of the
    next, from one pass (issue 10): the bureau reports the first (R15), close of
    business stores the second (R5, R6: a due date's credit balance applied)."""

    closed: Position  # position(book, day, include_day=True)
    next_day: Position  # position(book, day + 1, include_day=True)


class _AtClose:
    """A watch that takes the position at the end of ``day`` as the replay goes past it
    (the first call about a later day, or the last call), and hands the calls about days
    up to ``day`` to ``inner``."""

    __slots__ = ("day", "inner", "closed")

    def __init__(self, day: date, inner: Watch | None) -> None:
        self.day, self.inner = day, inner
        self.closed: Position | None = None

    def passed(self, replay: _Replay, start: date, end: date) -> None:
        if self.inner is not None:  # cut at the end of ``day``: the inner watch ends there too
            self.inner.passed(replay, start, min(end, self.day + timedelta(days=1)))
        if end > self.day and self.closed is None:  # nothing of a later day applied yet
            self.closed = _position_of(replay, self.day)

    def falls_due(self, replay: _Replay, day: date) -> None:
        if self.inner is not None and day <= self.day:
            self.inner.falls_due(replay, day)

    def opens(self, replay: _Replay, day: date) -> None:
        if self.inner is not None and day <= self.day:
            self.inner.opens(replay, day)


def both_ends(book: Book, day: date, *, watch: Watch | None = None) -> DayEnds:
    """The positions of ``day``'s close and of the next morning, in one pass: the same
    values as ``position(book, day, include_day=True)`` and ``position(book, day + 1,
    include_day=True)`` (a Hypothesis property holds them equal). ``watch`` sees the
    replay up to the end of ``day`` only."""
    next_day = day + timedelta(days=1)
    at_close = _AtClose(day, watch)
    with localcontext() as ctx:
        ctx.prec = EXACT_DIGITS
        replay = _replayed(book, next_day, True, None, record=True, watch=at_close)
        if at_close.closed is None:  # pragma: no cover - _replayed's last call is always past ``day``
            raise InvariantBroken(f"the replay never passed the end of {day}")
        return DayEnds(at_close.closed, _position_of(replay, next_day))


def loan_states(book: Book, on: date, *, include_day: bool = False) -> BookState:
    """The lean path (issue 10): the same replay as :func:`position`, which stays the one
    definition of the rules, but only the figures close of business and reads need:
    no allocation lines are kept and no plan, payoff quote or totals paid are built.
    ``loan_states(book, on)`` has, field for field, the values of ``position(book, on)``
    (a Hypothesis property holds them equal over random stories)."""
    with localcontext() as ctx:
        ctx.prec = EXACT_DIGITS
        replay = _replayed(book, on, include_day, None, record=False)
        return BookState(on, replay.credit_balance, tuple(_loan_state(open_loan, on) for open_loan in replay.loans))


def _replayed(
    book: Book, on: date, include_day: bool, before_tx: str | None, *, record: bool, watch: Watch | None = None
) -> _Replay:
    """The book's facts replayed in value-date order up to ``on`` (see :func:`position`)."""
    replay = _Replay(book, on, record)
    facts_by_day = facts_by_value_date(book, on, include_day=include_day)
    due_days = {i.due_date for o in replay.loans for i in o.instalments if i.due_date <= on}
    days = sorted(due_days | facts_by_day.keys())
    changed: set[str] = set()
    previous = min((o.disbursed_on for o in replay.loans), default=on)  # the first day a watch is told of
    for day in days:  # a plan change inserts its new due dates ahead (below)
        if watch is not None:
            watch.passed(replay, previous, day)
            if day in due_days:
                watch.falls_due(replay, day)
        if day in due_days:
            replay.apply_credit(day)
        if watch is not None:
            watch.opens(replay, day)
            previous = day + timedelta(days=1)
        day_facts = facts_by_day.get(day, ())
        if len(day_facts) > 1:
            day_facts.sort(key=_in_day_order)
        for _, group, fact in day_facts:
            if before_tx is not None and day == on and group == 0 and fact.tx_id == before_tx:
                break
            if group == 0:
                replay.apply(fact)
            elif replay.apply_change(fact):
                # R6: the credit balance now meets the new plan's due dates
                changed.add(fact.loan_id)
                due_days = replay.due_days(on, changed)
                known = set(days)
                for later in sorted(d for d in due_days if d > day and d not in known):
                    insort(days, later)  # after ``day``: the loop reaches it
    if watch is not None:
        watch.passed(replay, previous, on + timedelta(days=1))
    if replay.credit_balance < 0:
        raise InvariantBroken("negative credit balance")
    return replay


def _in_day_order(item: tuple[int, int, Fact]) -> tuple:
    return intraday_key(item[2], item[0], item[1])


def _loan_position(open_loan: _OpenLoan, on: date) -> LoanPosition:
    product = open_loan.product
    schedule, owed, paid, first_overdue = _plan_on(open_loan, on)
    settled = open_loan.settled_on is not None and open_loan.settled_on <= on
    in_grace = not settled and first_overdue is None and any(i.in_grace(on) for i in open_loan.instalments)
    status, dpd = status_and_dpd(settled, first_overdue, in_grace, on)
    payoff = None
    if not settled and on >= earliest_payoff_day(open_loan.disbursed_on, product):
        payoff = payoff_quote(open_loan.loan_id, product, on, owed)
    principal_paid, interest_paid, penalty_paid, fee_paid, coupon_waived = paid
    if open_loan.closed_plan_paid is not None:  # R11: what was paid on the plan a negotiation closed
        old = open_loan.closed_plan_paid
        principal_paid, interest_paid, penalty_paid = principal_paid + old[0], interest_paid + old[1], penalty_paid + old[2]
        fee_paid, coupon_waived = fee_paid + old[3], coupon_waived + old[4]
    return LoanPosition(
        loan_id=open_loan.loan_id,
        product_code=product.code,
        disbursed_on=open_loan.disbursed_on,
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
        coupon_waived=coupon_waived,
        settled_on=open_loan.settled_on if settled else None,
        schedule=schedule,
        maturity_date=open_loan.maturity,
        extension_months=open_loan.extension_months,
        penalty_waived=open_loan.penalty_waived,
        negotiated=open_loan.negotiated,
    )


def _loan_state(open_loan: _OpenLoan, on: date) -> LoanState:
    """:func:`_loan_position`'s status, DPD and amounts owed, without the plan: one pass,
    the penalty computed only for the instalments due (R5, R7)."""
    owed = Owed()
    first_overdue = None
    in_grace = False
    rate = open_loan.penalty_rate
    for instalment in open_loan.instalments:
        if instalment.due_date <= on:
            _, penalty_due = instalment.penalty(on, rate)
            owed.add_due(instalment, penalty_due)
            if on > instalment.grace_end:
                if (instalment.penalty_base + penalty_due) > 0 and (
                        first_overdue is None or instalment.due_date < first_overdue):
                    first_overdue = instalment.due_date
            elif not in_grace and instalment.in_grace(on):
                in_grace = True
        else:
            owed.add_not_due(instalment)
    settled = open_loan.settled_on is not None and open_loan.settled_on <= on
    status, dpd = status_and_dpd(settled, first_overdue, in_grace, on)
    return LoanState(
        loan_id=open_loan.loan.loan_id,
        status=status,
        dpd=dpd,
        principal_outstanding=owed.principal_due + owed.principal_not_due,
        principal_due=owed.principal_due,
        interest_due=owed.interest_due,
        penalty_due=owed.penalty_due,
        settled_on=open_loan.settled_on if settled else None,
        maturity_date=open_loan.maturity,
    )


def _plan_on(
    open_loan: _OpenLoan, on: date
) -> tuple[tuple[InstalmentPosition, ...], Owed, tuple[Decimal, Decimal, Decimal, Decimal, Decimal], date | None]:
    """One pass over the plan: each instalment's position (its penalty computed once,
    R7), what is owed (R5, R8), what was paid (principal, interest in cash, penalty, fee,
    and the interest coupons waived, R13) and the due date of the earliest overdue
    instalment (R5: it sets the DPD)."""
    owed = Owed()
    principal_paid = interest_paid = penalty_paid = fee_paid = coupon_waived = ZERO
    first_overdue = None
    schedule = []
    negotiated = open_loan.negotiated
    for instalment in open_loan.instalments:
        state = instalment_position(instalment, on, open_loan.penalty_rate, negotiated)
        schedule.append(state)
        if instalment.due_date <= on:
            owed.add_due(instalment, state.penalty_due)
        else:
            owed.add_not_due(instalment)
        if state.overdue and (first_overdue is None or instalment.due_date < first_overdue):
            first_overdue = instalment.due_date
        principal_paid += instalment.paid_principal
        interest_paid += state.paid_interest
        penalty_paid += state.paid_penalty
        fee_paid += instalment.paid_fee
        if not instalment.plain and instalment.coupon_waived:
            coupon_waived += instalment.coupon_waived
    return tuple(schedule), owed, (principal_paid, interest_paid, penalty_paid, fee_paid, coupon_waived), first_overdue


def instalment_position(
    instalment: OpenInstalment, on: date, penalty_rate: Decimal, negotiated: bool = False
) -> InstalmentPosition:
    """An instalment's position as of ``on`` from the replay's state of it (also what
    rules/moved.py builds an instalment a credit balance paid with)."""
    accrued, penalty_due = instalment.penalty(on, penalty_rate)
    unpaid_yuan_days = ZERO
    if instalment.due_date <= on:  # R7: the integral penalty() runs on, whether grace ended unpaid or not
        unpaid_yuan_days = instalment.yuan_days + instalment.penalty_base * (on - instalment.level_since).days
    if instalment.plain and not negotiated:
        return InstalmentPosition(
            instalment.period, instalment.due_date, instalment.principal, instalment.interest, instalment.fee,
            instalment.paid_principal, instalment.paid_interest, instalment.paid_penalty, instalment.paid_fee,
            accrued, penalty_due, on > instalment.grace_end and (instalment.penalty_base + penalty_due) > 0,
            ZERO, None, None, instalment.start_date, unpaid_yuan_days,
        )
    interest, paid_interest, paid_penalty = instalment.interest, instalment.paid_interest, instalment.paid_penalty
    carried_interest = carried_penalty = None
    if negotiated and instalment.period == 1:  # R11: period 1 of a negotiated plan shows what it carries
        carried_interest, carried_penalty = instalment.carried_interest, instalment.carried_penalty
    if instalment.carried_interest:
        interest -= instalment.carried_interest  # the period's own interest
    if instalment.carried_penalty:
        paid_penalty += instalment.paid_carried_penalty
    if instalment.coupon_waived:
        paid_interest -= instalment.coupon_waived  # cash only (R13)
    return InstalmentPosition(
        period=instalment.period,
        due_date=instalment.due_date,
        principal=instalment.principal,
        interest=interest,
        fee=instalment.fee,
        paid_principal=instalment.paid_principal,
        paid_interest=paid_interest,
        paid_penalty=paid_penalty,
        paid_fee=instalment.paid_fee,
        penalty_accrued=accrued,
        penalty_due=penalty_due,
        overdue=on > instalment.grace_end and (instalment.penalty_base + penalty_due) > 0,
        coupon_waived=instalment.coupon_waived,
        carried_interest=carried_interest,
        carried_penalty=carried_penalty,
        start_date=instalment.start_date,
        unpaid_yuan_days=unpaid_yuan_days,
    )

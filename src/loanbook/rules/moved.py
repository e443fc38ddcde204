"""A stored position moved forward to a later day without replaying the book (issue 10).

Every posting stores each loan's whole position as of the business date P (the position
after P's facts). Until the next posting, nothing is value-dated in (P, T], and what
changes from P to a later day T is mechanical: instalments fall due (R4), grace begins
and ends (R5), an instalment still unpaid when its grace ends bears penalty from its due
date (R7, retroactively), a day of penalty runs on what is unpaid, and with them the
status, the DPD and the payoff quote (R8). :func:`moved` computes those from the stored
position alone, with the very expressions the replay uses (rules/replay.py,
rules/accrual.py), so the result is equal to ``position(book, T)``, field for field and
digit for digit. Hypothesis properties hold the two equal (tests/rules).

What the position keeps for it: each due instalment's ``unpaid_yuan_days``, the exact
integral (from the due date through the day before P) of its unpaid principal + interest.
With nothing paid in (P, T], the integral through T - 1 is it plus the unpaid amount
times the days from P (or from the due date, for one that falls due after P): the
replay's ``yuan_days + penalty_base x days`` (OpenInstalment.penalty), in value and in
its digits. Whether the instalment bears penalty is R7's test at the end of grace: it
bears if something is unpaid then, and what is unpaid at P is unpaid until T.

A credit balance meeting a due date in (P, T] is applied at the start of that day (R6)
by the core's own allocation (rules/allocation.py), on the replay's state of each
instalment taken up from the position (``OpenInstalment.resumed``); the instalments it
reached are then built by the replay's own ``replay.instalment_position``.

Returned as None (the caller replays) where the position alone cannot be exact:
- a credit balance meeting one of the loan's due dates in (P, T] when the borrower has
  other loans (R6 allocates across them), or with a zero penalty rate (paid within grace
  or not, R7, is then not in the position). A credit balance means that nothing due was
  left unpaid (R6), so until the loan's own next due date it takes none of it;
- a negotiated plan or a coupon (R11, R13): carried interest and penalty, waived
  interest and the closing test of a waived instalment are not in the plain fields;
- a bureau status string (R15), which needs the history.
A settled loan does not change (R5): nothing is due, no penalty runs (R7).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, localcontext

from loanbook.errors import InvariantBroken
from loanbook.money import ZERO, round_fen
from loanbook.rules.accrual import OpenInstalment
from loanbook.rules.allocation import AllocationOrder, allocate
from loanbook.rules.payoff import Owed, earliest_payoff_day, payoff_quote
from loanbook.rules.position import InstalmentPosition, LoanPosition, LoanStatus, status_and_dpd
from loanbook.rules.products import Product
from loanbook.rules.replay import instalment_position

EXACT_DIGITS = 60  # as the replay's (rules/replay.py): the penalty integral never loses a digit


def moved(
    loan: LoanPosition,
    product: Product,
    since: date,
    on: date,
    *,
    credit_balance: Decimal = ZERO,
    other_loans: int = 0,
) -> LoanPosition | None:
    """``loan``'s position as of ``on``, from its position as of ``since`` (after that
    day's facts), when nothing of the borrower is value-dated in (``since``, ``on``].

    ``credit_balance`` is the borrower's as of ``since`` (R6) and ``other_loans`` how
    many other loans the borrower has (settled or not). None where the move cannot be
    exact (see the module); the caller replays the book then."""
    if on < since:
        raise InvariantBroken(f"a position of {since} cannot be moved back to {on}")
    if on == since or loan.status is LoanStatus.SETTLED:
        return loan  # R5: a settled loan stays as it was; nothing is due or accrues (R7)
    if loan.negotiated or loan.coupon_waived or loan.penalty_waived or loan.bureau_status is not None:
        return None  # R11, R13, R15: not in the plain fields; replayed
    rate = product.penalty_daily_rate
    credited: dict[int, OpenInstalment] = {}
    settled_on = None
    with localcontext() as ctx:
        ctx.prec = EXACT_DIGITS
        if credit_balance:
            credit_days = sorted({i.due_date for i in loan.schedule if since < i.due_date <= on})
            if credit_days:
                if other_loans or rate <= 0:
                    return None  # R6 across loans, or R7's grace test not in the position: replayed
                credited, settled_on = _credit_applied(loan, product, since, credit_balance, credit_days)
        return _moved(loan, product, since, on, credited, settled_on)


def _credit_applied(
    loan: LoanPosition, product: Product, since: date, credit: Decimal, credit_days: list[date]
) -> tuple[dict[int, OpenInstalment], date | None]:
    """R6: the credit balance applied at the start of each due date in (since, on], as
    the replay applies it (replay._Replay.apply_credit, through the core's allocation),
    on the replay's state of the instalments due by the last of those days (the only
    ones that can take money). Returns those states by their place in the plan, and the
    day the loan was settled, if the credit paid it all."""
    grace = timedelta(days=product.grace_days)
    rate = product.penalty_daily_rate
    last = credit_days[-1]
    # The closed instalments at the front take nothing: the walk passes over them, which
    # only gives its amounts the digits of their zeros (AllocationOrder.skip_closed).
    first = 0
    passed = None
    for instalment in loan.schedule:
        base = instalment.principal - instalment.paid_principal + instalment.interest - instalment.paid_interest
        if base or instalment.paid_fee != instalment.fee or instalment.due_date > last:
            break  # not closed (OpenInstalment.closed), or beyond the credit's reach
        zeros = base + (instalment.paid_penalty - instalment.paid_penalty)
        passed = zeros if passed is None else passed + zeros
        first += 1
    instalments = [OpenInstalment.resumed(i, since, grace, rate)
                   for i in loan.schedule[first:] if i.due_date <= last]
    settled_on = None
    for day in credit_days:
        if not credit:
            break
        lines, left = allocate(credit, AllocationOrder([(loan.loan_id, rate, instalments)], passed), day)
        if lines:
            credit = left
            if first + len(instalments) == len(loan.schedule) and all(i.closed for i in instalments):
                settled_on = day  # R5: paid in full; a settled loan takes no more money
                break
    return {first + n: instalment for n, instalment in enumerate(instalments)}, settled_on


def _moved(
    loan: LoanPosition, product: Product, since: date, on: date, credited: dict[int, OpenInstalment],
    settled_on: date | None,
) -> LoanPosition:
    """The move itself: each instalment due by ``on`` moved (or built from its state
    after the credit, as the replay builds it), then what is owed, status and DPD (R5),
    the payoff quote (R8) and the totals paid, summed as the replay sums them."""
    grace = timedelta(days=product.grace_days)
    rate = product.penalty_daily_rate
    owed = Owed()
    principal_due = interest_due = penalty_due = principal_not_due = ZERO
    first_overdue: date | None = None
    in_grace = False
    schedule = []
    plan = loan.schedule
    place = 0
    for place, instalment in enumerate(plan):
        due_date = instalment.due_date
        if due_date > on:
            break  # the plan is in due-date order: this one and the rest are not due yet
        grace_end = due_date + grace
        state = credited.get(place) if credited else None
        if state is not None:
            instalment = instalment_position(state, on, rate)
        principal_unpaid = instalment.principal - instalment.paid_principal
        interest_unpaid = instalment.interest - instalment.paid_interest
        # Unpaid: it moves (R5, R7). Paid off by ``since``: its penalty accrues no more,
        # and paid within grace it never bears any (R7). Only an instalment of nothing at
        # all was never "paid off" (OpenInstalment.paid_off_on stays None): not exempt.
        if state is None and (principal_unpaid or interest_unpaid or (
                since <= grace_end < on and not instalment.principal and not instalment.interest)):
            # OpenInstalment.penalty_base, with the same digits (R7: no penalty on penalty)
            instalment = _instalment_moved(instalment, since, on, grace_end, rate, principal_unpaid + interest_unpaid)
        schedule.append(instalment)
        principal_due += principal_unpaid
        interest_due += interest_unpaid
        penalty_due += instalment.penalty_due
        if instalment.overdue:
            if first_overdue is None:  # the plan is in due-date order
                first_overdue = due_date
        elif not in_grace and due_date < on <= grace_end and (principal_unpaid or interest_unpaid):
            in_grace = True  # R5: due, unpaid, within its grace (OpenInstalment.in_grace)
    else:
        place = len(plan)
    for instalment in plan[place:]:  # not due at ``on``, nor at ``since``: unchanged (R4)
        schedule.append(instalment)
        if owed.period_start is None:
            owed.period_start = instalment.start_date
        principal_not_due += instalment.principal - instalment.paid_principal
    principal_paid, interest_paid, penalty_paid, fee_paid = (
        loan.principal_paid, loan.interest_paid, loan.penalty_paid, loan.fee_paid)
    if credited:  # the credit may have paid some: the totals are summed again, in the replay's order
        principal_paid = interest_paid = penalty_paid = fee_paid = ZERO
        for instalment in schedule:
            principal_paid += instalment.paid_principal
            interest_paid += instalment.paid_interest
            penalty_paid += instalment.paid_penalty
            fee_paid += instalment.paid_fee
    payoff = None
    status, dpd = status_and_dpd(settled_on is not None, first_overdue, in_grace, on)
    if settled_on is None and on >= earliest_payoff_day(loan.disbursed_on, product):
        owed.principal_due, owed.interest_due, owed.penalty_due = principal_due, interest_due, penalty_due
        owed.principal_not_due = principal_not_due
        payoff = payoff_quote(loan.loan_id, product, on, owed)  # R8
    return LoanPosition(
        loan.loan_id, loan.product_code, loan.disbursed_on, status, dpd,
        principal_due + principal_not_due, principal_due, interest_due, penalty_due,
        payoff, principal_paid, interest_paid, penalty_paid, fee_paid, loan.coupon_waived,
        settled_on, tuple(schedule), loan.maturity_date, loan.extension_months, loan.penalty_waived, False, None,
    )


def _instalment_moved(
    instalment: InstalmentPosition, since: date, on: date, grace_end: date, rate: Decimal, base: Decimal
) -> InstalmentPosition:
    """One due instalment of a plain plan, unpaid by ``base`` (principal + interest),
    moved from ``since`` to ``on`` (R5, R7, R3), as OpenInstalment.penalty and
    replay.instalment_position compute it."""
    due_date = instalment.due_date
    # the integral through ``on`` - 1: from ``since`` on, or from the due date if later
    level_since = since if due_date <= since else due_date
    unpaid_yuan_days = instalment.unpaid_yuan_days + base * (on - level_since).days
    if on > grace_end:  # R7: unpaid at the end of grace, penalty runs from the due date
        accrued = unpaid_yuan_days * rate
        penalty_due = round_fen(accrued) - instalment.paid_penalty  # R3: rounded when payable
    else:
        accrued = ZERO
        penalty_due = ZERO - instalment.paid_penalty
    return InstalmentPosition(
        instalment.period, due_date, instalment.principal, instalment.interest, instalment.fee,
        instalment.paid_principal, instalment.paid_interest, instalment.paid_penalty, instalment.paid_fee,
        accrued, penalty_due, on > grace_end and (base + penalty_due) > 0,
        instalment.coupon_waived, instalment.carried_interest, instalment.carried_penalty, instalment.start_date,
        unpaid_yuan_days,
    )

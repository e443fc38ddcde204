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

Only what can change is visited (the cost of a move is what moves, not the plan's
length): the instalments that fall due in (P, T], and of those due by P the ones from the
earliest overdue one, or from those still in grace at P (R5). Every earlier one is past
its grace and not overdue, so nothing of it is unpaid (R5, R7): it stays as stored, and
its zeros are in the stored sums already. The loan's sums (what is due, what was paid) are the
stored ones plus what changed: the sums are exact, so their value and their digits (a
sum has the exponent of its most precise term) are the replay's, added in any order;
an instalment's new figure never has fewer decimals than its old one (its paid amounts
only grow by amounts added), so taking the old one out leaves the replay's digits.

A credit balance meeting a due date in (P, T] is applied at the start of that day (R6)
by the core's own allocation (rules/allocation.py), on the replay's state of each
instalment taken up from the position (``OpenInstalment.resumed``); the instalments it
reached are then built by the replay's own ``replay.instalment_position``. With nothing
due unpaid at P (a credit balance means that, R6), the credit's walk over the
instalments due by P takes nothing from them: they are left out of it, and only the
digits their zeros give the credit are kept (``_walk_start``).

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

from bisect import bisect_right
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal, localcontext
from operator import attrgetter

from loanbook.errors import InvariantBroken
from loanbook.money import FEN, ZERO, round_fen
from loanbook.rules.accrual import OpenInstalment
from loanbook.rules.allocation import AllocationOrder, allocate
from loanbook.rules.payoff import Owed, earliest_payoff_day, payoff_quote
from loanbook.rules.position import InstalmentPosition, LoanPosition, LoanStatus, status_and_dpd
from loanbook.rules.products import Product
from loanbook.rules.replay import instalment_position

EXACT_DIGITS = 60  # as the replay's (rules/replay.py): the penalty integral never loses a digit
_DUE_DATE = attrgetter("due_date")  # the plan is in due-date order: found by bisection


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
    plan = loan.schedule
    due_by_since = bisect_right(plan, since, key=_DUE_DATE)
    due_by_on = bisect_right(plan, on, due_by_since, key=_DUE_DATE)
    rate = product.penalty_daily_rate
    credited: tuple[int, list[OpenInstalment]] | None = None
    settled_on = None
    with localcontext() as ctx:
        ctx.prec = EXACT_DIGITS
        if credit_balance and due_by_on > due_by_since:  # the credit meets the loan's own due dates (R6)
            if other_loans or rate <= 0:
                return None  # R6 across loans, or R7's grace test not in the position: replayed
            credited, settled_on = _credit_applied(loan, product.grace_days, rate, since, credit_balance,
                                                   due_by_since, due_by_on)
        return _moved(loan, product, rate, since, on, due_by_since, due_by_on, credited, settled_on)


def _credit_applied(
    loan: LoanPosition, grace_days: int, rate: Decimal, since: date, credit: Decimal, due_by_since: int,
    due_by_on: int,
) -> tuple[tuple[int, list[OpenInstalment]], date | None]:
    """R6: the credit balance applied at the start of each due date in (since, on], as
    the replay applies it (replay._Replay.apply_credit, through the core's allocation),
    on the replay's state of the instalments due by the last of those days (the only
    ones that can take money). Returns those states with the place in the plan of the
    first, and the day the loan was settled, if the credit paid it all."""
    grace = timedelta(grace_days)
    plan = loan.schedule
    credit_days = sorted({instalment.due_date for instalment in plan[due_by_since:due_by_on]})
    first, passed = _walk_start(loan, credit, credit_days[-1], due_by_since)
    instalments = [OpenInstalment.resumed(i, since, grace, rate) for i in plan[first:due_by_on]]
    order = AllocationOrder([(loan.loan_id, rate, instalments)], passed)
    settled_on = None
    for day in credit_days:
        if not credit:
            break
        lines, left = allocate(credit, order, day)
        if lines:
            credit = left
            if due_by_on == len(plan) and all(i.closed for i in instalments) and all(
                    i.paid_fee == i.fee for i in plan[:first]):  # the ones left out: paid (_walk_start), fee too
                settled_on = day  # R5: paid in full; a settled loan takes no more money
                break
    return (first, instalments), settled_on


def _walk_start(loan: LoanPosition, credit: Decimal, last: date, due_by_since: int) -> tuple[int, Decimal | None]:
    """Where the credit's R6 walk over the plan needs to start, and the zeros of the
    instalments it passes over before that (AllocationOrder's ``passed``): they take
    nothing, but subtracting their zeros can give the credit more decimal places.

    With nothing due unpaid at ``since`` (the stored sums are zero: each term is), every
    instalment due by then takes nothing: its penalty is paid and accrues no more (R7),
    principal and interest are paid. Its zeros have at most the decimals of the stored
    sums it is in (principal and interest due, penalty due, each with at least the two
    places of fen); for a credit in fen, one zero with the finest of those gives the
    credit the replay's digits. Otherwise (something unpaid, a credit with other places)
    the walk is taken from the closed instalments at the front, one by one."""
    if due_by_since and credit.same_quantum(FEN) and not (loan.principal_due or loan.interest_due or loan.penalty_due):
        return due_by_since, (loan.principal_due + loan.interest_due) + loan.penalty_due  # zero, their finest digits
    first = 0
    passed = None
    for instalment in loan.schedule:
        base = (instalment.principal - instalment.paid_principal) + (instalment.interest - instalment.paid_interest)
        if base or instalment.paid_fee != instalment.fee or instalment.due_date > last:
            break  # not closed (OpenInstalment.closed), or beyond the credit's reach
        zeros = base + (instalment.paid_penalty - instalment.paid_penalty)  # as AllocationOrder.skip_closed
        passed = zeros if passed is None else passed + zeros
        first += 1
    return first, passed


def _moved(
    loan: LoanPosition, product: Product, rate: Decimal, since: date, on: date, due_by_since: int, due_by_on: int,
    credited: tuple[int, list[OpenInstalment]] | None, settled_on: date | None,
) -> LoanPosition:
    """The move itself: each instalment that can change moved (or built from its state
    after the credit, as the replay builds it), the stored sums brought up to date with
    what changed, then status and DPD (R5), the payoff quote (R8)."""
    grace_days = product.grace_days
    plan = loan.schedule
    # R5: before the earliest overdue instalment (DPD days back) and before the ones still
    # in grace at ``since``, every due instalment is paid (not overdue) and stays as it is
    reach = max(loan.dpd, grace_days)
    first = due_by_since
    while first and (since - plan[first - 1].due_date).days <= reach:
        first -= 1
    credit_first, credit_states = credited or (due_by_on, ())
    first = min(first, credit_first)
    principal_due, interest_due, penalty_due = loan.principal_due, loan.interest_due, loan.penalty_due
    principal_paid, interest_paid, penalty_paid = loan.principal_paid, loan.interest_paid, loan.penalty_paid
    first_overdue: date | None = None
    in_grace = False
    changed = []
    for place in range(first, due_by_on):
        stored = plan[place]
        due_date = stored.due_date
        days_due = (on - due_date).days
        grace_over = days_due > grace_days  # R7: its grace ended before ``on``
        state = credit_states[place - credit_first] if place >= credit_first else None
        new_to_sums = place >= due_by_since  # falls due in (since, on]: all of it is new to the sums
        if state is not None:  # the credit may have paid some (R6): every figure of it anew
            instalment = instalment_position(state, on, rate)
            principal_paid += instalment.paid_principal - stored.paid_principal
            interest_paid += instalment.paid_interest - stored.paid_interest
            penalty_paid += instalment.paid_penalty - stored.paid_penalty
            if not new_to_sums:  # it was due: its stored figures out of the sums
                principal_due -= stored.principal - stored.paid_principal
                interest_due -= stored.interest - stored.paid_interest
                penalty_due -= stored.penalty_due
                new_to_sums = True
        elif stored.paid_principal != stored.principal or stored.paid_interest != stored.interest or (
                grace_over and (since - due_date).days <= grace_days and not stored.principal and not stored.interest):
            # Unpaid: it moves (R5, R7). Paid off by ``since``: its penalty accrues no more,
            # and paid within grace it never bears any (R7). Only an instalment of nothing at
            # all was never "paid off" (OpenInstalment.paid_off_on stays None): not exempt.
            instalment = _instalment_moved(stored, since, on, rate, grace_over)
            if not new_to_sums:  # what is unpaid of it is as stored: only its penalty changed
                penalty_due += instalment.penalty_due - stored.penalty_due
        else:
            instalment = stored
        if new_to_sums:
            principal_due += instalment.principal - instalment.paid_principal
            interest_due += instalment.interest - instalment.paid_interest
            penalty_due += instalment.penalty_due
        changed.append(instalment)
        if instalment.overdue:
            if first_overdue is None:  # the plan is in due-date order
                first_overdue = due_date
        elif not in_grace and days_due and not grace_over and (
                instalment.paid_principal != instalment.principal or instalment.paid_interest != instalment.interest):
            in_grace = True  # R5: due, unpaid, within its grace (OpenInstalment.in_grace)
    owed = Owed()
    principal_not_due = ZERO
    for instalment in plan[due_by_on:]:  # not due at ``on``, nor at ``since``: unchanged (R4)
        principal_not_due += instalment.principal - instalment.paid_principal
    if due_by_on < len(plan):
        owed.period_start = plan[due_by_on].start_date
    payoff = None
    status, dpd = status_and_dpd(settled_on is not None, first_overdue, in_grace, on)
    # R8: a payoff possible at ``since`` (the stored quote) is possible on any later day
    if settled_on is None and (loan.payoff is not None or on >= earliest_payoff_day(loan.disbursed_on, product)):
        owed.principal_due, owed.interest_due, owed.penalty_due = principal_due, interest_due, penalty_due
        owed.principal_not_due = principal_not_due
        payoff = payoff_quote(loan.loan_id, product, on, owed)  # R8
    schedule = plan[:first] + tuple(changed) + plan[due_by_on:]
    return LoanPosition(
        loan.loan_id, loan.product_code, loan.disbursed_on, status, dpd,
        principal_due + principal_not_due, principal_due, interest_due, penalty_due,
        payoff, principal_paid, interest_paid, penalty_paid, loan.fee_paid, loan.coupon_waived,
        settled_on, schedule, loan.maturity_date, loan.extension_months, loan.penalty_waived, False, None,
    )


def _instalment_moved(
    instalment: InstalmentPosition, since: date, on: date, rate: Decimal, grace_over: bool
) -> InstalmentPosition:
    """One due instalment of a plain plan moved from ``since`` to ``on`` (R5, R7, R3), as
    OpenInstalment.penalty and replay.instalment_position compute it; ``grace_over``: its
    grace ended before ``on``."""
    due_date = instalment.due_date
    # OpenInstalment.penalty_base, with the same digits (R7: no penalty on penalty)
    base = (instalment.principal - instalment.paid_principal) + (instalment.interest - instalment.paid_interest)
    # the integral through ``on`` - 1: from ``since`` on, or from the due date if later
    level_since = since if due_date <= since else due_date
    unpaid_yuan_days = instalment.unpaid_yuan_days + base * (on - level_since).days
    if grace_over:  # R7: unpaid at the end of grace, penalty runs from the due date
        accrued = unpaid_yuan_days * rate
        penalty_due = round_fen(accrued) - instalment.paid_penalty  # R3: rounded when payable
    else:
        accrued = ZERO
        penalty_due = ZERO - instalment.paid_penalty
    return InstalmentPosition(
        instalment.period, due_date, instalment.principal, instalment.interest, instalment.fee,
        instalment.paid_principal, instalment.paid_interest, instalment.paid_penalty, instalment.paid_fee,
        accrued, penalty_due, grace_over and (base + penalty_due) > 0,
        instalment.coupon_waived, instalment.carried_interest, instalment.carried_penalty, instalment.start_date,
        unpaid_yuan_days,
    )


def unchanged_overnight(stored: Sequence[tuple[date, LoanPosition]], day: date) -> bool:
    """Whether a borrower with no credit balance and nothing booked on ``day`` is, at the
    start of ``day`` + 1, what its loans' stored positions say (each given with its day,
    ``day`` or before), with nothing of ``day`` to report (R15). True only where every
    loan is settled before ``day`` (R5: it stays as it was), or is ACTIVE with nothing
    payable, disbursed before ``day``, and no instalment of its plan (the current one,
    after any R11 change: the position's) due from the day after its position's day
    through ``day`` + 1, nor on ``day``: then nothing falls due (R4), enters grace or goes
    overdue (R5), no penalty runs on what is not unpaid (R7) and no due date is reported.

    Close of business asks it of borrowers whose plan R11 changed: the set-based steps
    read the disbursed plans (store/nights.py), so those borrowers are candidates every
    night; this tells the quiet nights, when replaying them would change nothing."""
    after = day + timedelta(days=1)
    for position_on, loan in stored:
        if position_on > day:
            return False  # a night's next morning, written before the date moved: replayed
        if loan.status is LoanStatus.SETTLED:
            if loan.settled_on is None or loan.settled_on >= day:
                return False  # settled today (or at tonight's due date): reported, replayed
            continue
        if loan.status is not LoanStatus.ACTIVE or loan.amount_due or loan.disbursed_on >= day:
            return False
        since = min(position_on, day - timedelta(days=1))
        if any(since < instalment.due_date <= after for instalment in loan.schedule):
            return False
    return True

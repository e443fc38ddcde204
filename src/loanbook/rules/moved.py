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

Returned as None (the caller replays) where the position alone cannot be exact:
- the borrower has a credit balance and a due date falls in (P, T] (R6 applies the
  credit at the start of that day, in the order of all the borrower's loans);
- a negotiated plan or a coupon (R11, R13): carried interest and penalty, waived
  interest and the closing test of a waived instalment are not in the plain fields;
- a bureau status string (R15), which needs the history.
A settled loan does not change (R5): nothing is due, no penalty runs (R7).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from decimal import Decimal, localcontext

from loanbook.money import ZERO, round_fen
from loanbook.rules.payoff import Owed, earliest_payoff_day, payoff_quote
from loanbook.rules.position import InstalmentPosition, LoanPosition, LoanStatus
from loanbook.rules.products import Product

EXACT_DIGITS = 60  # as the replay's (rules/replay.py): the penalty integral never loses a digit


def moved(
    loan: LoanPosition,
    product: Product,
    since: date,
    on: date,
    *,
    credit_balance: Decimal = ZERO,
    other_due_dates: Collection[date] = (),
) -> LoanPosition | None:
    """``loan``'s position as of ``on``, from its position as of ``since`` (after that
    day's facts), when nothing of the borrower is value-dated in (``since``, ``on``].

    ``credit_balance`` is the borrower's as of ``since`` and ``other_due_dates`` the due
    dates of the borrower's other loans: a credit balance is applied on each of them too
    (R6), and then the move is refused. None where the move cannot be exact (see the
    module); the caller replays the book then."""
    if on < since:
        raise ValueError(f"a position of {since} cannot be moved back to {on}")
    if on == since or loan.status is LoanStatus.SETTLED:
        return loan  # R5: a settled loan stays as it was; nothing is due or accrues (R7)
    if loan.negotiated or loan.coupon_waived or loan.penalty_waived or loan.bureau_status is not None:
        return None  # R11, R13, R15: not in the plain fields; replayed
    if credit_balance and (
        any(since < i.due_date <= on for i in loan.schedule) or any(since < d <= on for d in other_due_dates)
    ):
        return None  # R6: the credit pays what falls due, across the borrower's loans; replayed
    with localcontext() as ctx:
        ctx.prec = EXACT_DIGITS
        return _moved(loan, product, since, on)


def _moved(loan: LoanPosition, product: Product, since: date, on: date) -> LoanPosition:
    grace = timedelta(days=product.grace_days)
    rate = product.penalty_daily_rate
    owed = Owed()
    first_overdue: date | None = None
    in_grace = False
    schedule = []
    for instalment in loan.schedule:
        due_date = instalment.due_date
        if due_date > on:  # not due at ``on``, nor at ``since``: unchanged (R4)
            schedule.append(instalment)
            if owed.period_start is None:
                owed.period_start = instalment.start_date
            owed.principal_not_due += instalment.principal - instalment.paid_principal
            continue
        instalment = _instalment_moved(instalment, since, on, due_date + grace, rate)
        schedule.append(instalment)
        owed.principal_due += instalment.principal - instalment.paid_principal
        owed.interest_due += instalment.interest - instalment.paid_interest
        owed.penalty_due += instalment.penalty_due
        if instalment.overdue and first_overdue is None:  # the plan is in due-date order
            first_overdue = due_date
        elif (not in_grace and due_date < on <= due_date + grace
              and instalment.principal - instalment.paid_principal + instalment.interest - instalment.paid_interest > 0):
            in_grace = True  # R5: due, unpaid, within its grace (OpenInstalment.in_grace)
    if first_overdue is not None:
        status, dpd = LoanStatus.OVERDUE, (on - first_overdue).days
    elif in_grace:
        status, dpd = LoanStatus.GRACE, 0
    else:
        status, dpd = LoanStatus.ACTIVE, 0
    payoff = None
    if on >= earliest_payoff_day(loan.disbursed_on, product):
        payoff = payoff_quote(loan.loan_id, product, on, owed)  # R8
    return LoanPosition(
        loan.loan_id, loan.product_code, loan.disbursed_on, status, dpd,
        owed.principal_due + owed.principal_not_due, owed.principal_due, owed.interest_due, owed.penalty_due,
        payoff, loan.principal_paid, loan.interest_paid, loan.penalty_paid, loan.fee_paid, loan.coupon_waived,
        None, tuple(schedule), loan.maturity_date, loan.extension_months, loan.penalty_waived, loan.negotiated, None,
    )


def _instalment_moved(
    instalment: InstalmentPosition, since: date, on: date, grace_end: date, rate: Decimal
) -> InstalmentPosition:
    """One due instalment of a plain plan moved from ``since`` to ``on`` (R5, R7, R3),
    as OpenInstalment.penalty and replay._instalment_position compute it."""
    due_date = instalment.due_date
    # OpenInstalment.penalty_base: unpaid principal + interest (R7: no penalty on penalty)
    base = instalment.principal - instalment.paid_principal + instalment.interest - instalment.paid_interest
    if base == 0:
        # Paid off by ``since``: its penalty accrues no more (R7); paid within grace, it
        # never bears any. Only an instalment of nothing at all was never "paid off"
        # (OpenInstalment.paid_off_on stays None) and so is not exempt once grace ends.
        if since > grace_end or on <= grace_end or instalment.principal or instalment.interest:
            return instalment
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

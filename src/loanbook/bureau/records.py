"""The account record of one loan on one day (R15), computed from a book.

A record carries the account's figures at the end of its day (after that day's facts):
balance (principal outstanding), remaining periods, overdue periods, overdue amount,
overdue principal and DPD, with the month's status and the 24-month string (R15, as in
:mod:`loanbook.rules.bureau_status`), and the borrower's identity fields.

A loan under a hold (R15, R17) is never reported negative: its record shows every past-due
month as ``N`` and no DPD or overdue figures, and says ``held``; when the hold is released
the records are checked again and corrected where the truth differs
(:mod:`loanbook.bureau.corrections`).
"""

from __future__ import annotations

from datetime import date

from loanbook.money import ZERO
from loanbook.rules.book import Book
from loanbook.rules.bureau_status import NEGATIVE, BureauStatus, day_view, is_negative
from loanbook.rules.position import LoanPosition, LoanStatus

OPENED, SETTLED, DUE_DATE, REPAYMENT, EXTENSION, SPECIAL = 10, 20, 32, 33, 42, 49
MOMENTS = (OPENED, SETTLED, DUE_DATE, REPAYMENT, EXTENSION, SPECIAL)
# One record per loan and day: the weightiest moment of the day names it.
PRECEDENCE = (SETTLED, SPECIAL, EXTENSION, DUE_DATE, REPAYMENT, OPENED)

# The fields that make a record what it is: a correction is due when one of them changes.
FIGURE_FIELDS = (
    "balance_fen", "remaining_periods", "overdue_periods", "overdue_amount_fen", "overdue_principal_fen",
    "dpd", "month_status", "status_24", "negative",
)


def _fen(amount) -> int:
    return int(amount * 100)


def account_figures(loan: LoanPosition, status: BureauStatus, day: date, *, held: bool) -> dict[str, object]:
    """The figures a record of ``loan`` carries for ``day`` (R15)."""
    overdue = [i for i in loan.schedule if i.overdue] if loan.status is not LoanStatus.SETTLED else []
    remaining = 0 if loan.status is LoanStatus.SETTLED else sum(1 for i in loan.schedule if i.due_date > day)
    figures: dict[str, object] = {
        "balance_fen": _fen(loan.principal_outstanding),
        "remaining_periods": remaining,
        "overdue_periods": len(overdue),
        "overdue_amount_fen": _fen(sum((i.principal_unpaid + i.interest_unpaid + i.penalty_due for i in overdue), ZERO)),
        "overdue_principal_fen": _fen(sum((i.principal_unpaid for i in overdue), ZERO)),
        "dpd": loan.dpd,
        "month_status": status.month_status,
        "status_24": status.string,
        "held": held,
    }
    if held:  # R15: never negative while held
        figures.update(
            overdue_periods=0, overdue_amount_fen=0, overdue_principal_fen=0, dpd=0,
            month_status=_masked(status.month_status), status_24=_masked(status.string),
        )
    figures["negative"] = is_negative(str(figures["status_24"])) or int(figures["dpd"]) > 0
    return figures


def _masked(status: str) -> str:
    return "".join("N" if ch in NEGATIVE else ch for ch in status)


def loan_figures(book: Book, loan_id: int, day: date, *, held: bool) -> dict[str, object] | None:
    """The figures of one stored loan for ``day``, from ``book`` (None: not disbursed)."""
    current, statuses = day_view(book, day)
    loan = current.loan(str(loan_id))
    if loan is None:
        return None
    return account_figures(loan, statuses[str(loan_id)], day, held=held)


def differs(row: object, figures: dict[str, object]) -> bool:
    """Whether ``figures`` tell the bureau something else than ``row`` did (whether it
    was held is not news: a held record that was right stays)."""
    return any(getattr(row, name) != figures[name] for name in FIGURE_FIELDS)

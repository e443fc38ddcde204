"""Bringing a borrower's stored figures, ledger and events up to what the core computes.

Every service that changes a borrower's book, and close of business, ends here: the
core replays the book as of the business date, the ledger is posted with the difference
from the figures last posted (``loan_marks``), and status changes become loan events
(for bureau reporting and collections, R15, R16).

Pure: :func:`revalue` reads frozen values (the book, the marks as
:class:`LoanMark`) and returns a frozen :class:`Revaluation`; the service writes it
through the store in its unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from loanbook.errors import InvariantBroken
from loanbook.ledger.accounts import Account
from loanbook.ledger.entries import JournalEntry, Line, signed
from loanbook.ledger.figures import LoanFigures, figures_of
from loanbook.ledger.postings import recognition_lines, settlement_lines, waiver_lines
from loanbook.money import to_fen
from loanbook.rules.book import Book
from loanbook.rules.forward import penalty_state
from loanbook.rules.position import LoanPosition, LoanStatus, Position
from loanbook.rules.products import Product
from loanbook.rules.replay import position

DPD_BUCKET_BOUNDS = (30, 60, 90, 120, 150, 180)  # R15 repayment status 1..7


def dpd_bucket(dpd: int) -> int:
    """R15: 0 when not overdue, else 1 (1-30 days) .. 7 (over 180)."""
    if dpd <= 0:
        return 0
    return 1 + sum(1 for bound in DPD_BUCKET_BOUNDS if dpd > bound)


class LoanEventKind(StrEnum):
    """The loan events (``loan_events.kind``) bureau reporting and collections read (R15, R16)."""

    DISBURSED = "disbursed"
    ENTERED_GRACE = "entered_grace"
    WENT_OVERDUE = "went_overdue"
    SETTLED = "settled"
    CURED = "cured"
    DPD_BUCKET = "dpd_bucket"


@dataclass(frozen=True, slots=True)
class LoanMark:
    """What the ledger was last posted to for one loan (a ``loan_marks`` row, as a value)."""

    loan_id: int
    borrower_id: int
    status: LoanStatus
    dpd: int
    amount_due_fen: int  # principal + interest + penalty due
    grace_ends_on: date | None  # in GRACE: the last day of grace (R5)
    figures: LoanFigures
    position_on: date | None = None  # the day the stored position is of (the store keeps it)
    penalty_base_fen: int | None = None  # R7: the penalty state close of business moves forward
    penalty_fen_days: int | None = None  # (rules/forward.py); None: the loan is replayed at night


@dataclass(frozen=True, slots=True)
class Revaluation:
    """What posting a borrower's change writes; nothing is written until the caller does.
    A mark's ``position`` is the loan's whole position as of ``as_of`` (the store encodes it)."""

    position: Position
    entries: tuple[JournalEntry, ...]
    marks: tuple[dict[str, object], ...]
    events: tuple[dict[str, object], ...]
    accruals: tuple[dict[str, object], ...]  # per loan, close of business only
    credit_balance_fen: int


def revalue(
    borrower_id: int,
    book: Book,
    on: date,
    marks: Mapping[int, LoanMark],
    credit_before_fen: int,
    *,
    kind: str,
    cash_fen: int = 0,
    transaction_id: int | None = None,
    aggregate_recognition: bool = False,
    memo: str = "",
    current: Position | None = None,
) -> Revaluation:
    """Post ``book`` as of ``on`` against what was posted before.

    ``cash_fen`` is the money that came in (negative: went out) with this change. With
    ``aggregate_recognition`` (close of business) income recognised is returned as
    per-loan accrual rows, to be posted once per product and day; otherwise it is posted
    here, line by line per loan. ``current``: ``position(book, on, include_day=True)``
    where the caller replayed it already (close of business, in the pass that also gives
    the bureau its view of the day closed); else replayed here.
    """
    if current is None:
        current = position(book, on, include_day=True)
    elif current.on != on:
        raise InvariantBroken(f"a position of {current.on} cannot be posted as of {on}")
    credit_balance_fen = to_fen(current.credit_balance)
    entries: list[JournalEntry] = []
    mark_values: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    accruals: list[dict[str, object]] = []
    lines: list[Line] = []
    if cash_fen:
        lines.append(signed(Account.CASH, cash_fen, debit=True, borrower_id=borrower_id))
    principal_by_loan = {loan.loan_id: to_fen(loan.principal) for loan in book.loans}
    product_by_loan = {loan.loan_id: loan.product for loan in book.loans}
    for loan in current.loans:
        loan_id = int(loan.loan_id)
        mark = marks.get(loan_id)
        before = mark.figures if mark is not None else LoanFigures()
        after = figures_of(loan, principal_by_loan[loan.loan_id], on)
        if after.principal_disbursed_fen != before.principal_disbursed_fen:
            change = after.principal_disbursed_fen - before.principal_disbursed_fen
            lines.append(signed(Account.PRINCIPAL_RECEIVABLE, change, debit=True, loan_id=loan_id))
        paid_lines, _ = settlement_lines(loan_id, before, after)
        lines.extend(paid_lines)
        lines.extend(waiver_lines(loan_id, before, after))  # R11, R13: forgiven, not paid
        if aggregate_recognition:
            accruals.extend(_accrual_rows(loan_id, product_by_loan[loan.loan_id].code, on, before, after))
        else:
            lines.extend(recognition_lines(loan_id, before, after))
        mark_values.append(_mark_values(borrower_id, loan, product_by_loan[loan.loan_id], on, after))
        events.extend(_events(borrower_id, loan, mark, on))
    credit_change = credit_balance_fen - credit_before_fen
    if credit_change:
        lines.append(signed(Account.CREDIT_BALANCE, credit_change, debit=False, borrower_id=borrower_id))
    if lines:
        entries.append(
            JournalEntry(on, kind, tuple(lines), borrower_id=borrower_id, transaction_id=transaction_id, memo=memo)
        )
    return Revaluation(current, tuple(entries), tuple(mark_values), tuple(events), tuple(accruals), credit_balance_fen)


def marks_after(mark_values: Iterable[Mapping[str, object]]) -> dict[int, LoanMark]:
    """The marks a revaluation leaves (its ``marks``), as the next one reads them (a
    store reads the same back from ``loan_marks``)."""
    return {
        int(values["loan_id"]): LoanMark(  # type: ignore[call-overload]
            int(values["loan_id"]), int(values["borrower_id"]), LoanStatus(values["status"]),  # type: ignore[call-overload]
            int(values["dpd"]), int(values["amount_due_fen"]), values["grace_ends_on"],  # type: ignore[call-overload, arg-type]
            LoanFigures(**{name: int(values[name]) for name in LoanFigures.__dataclass_fields__}),  # type: ignore[call-overload]
            values["position_on"],  # type: ignore[arg-type]
        )
        for values in mark_values
    }


def _accrual_rows(
    loan_id: int, product_code: str, on: date, before: LoanFigures, after: LoanFigures
) -> list[dict[str, object]]:
    interest = after.interest_recognized_fen - before.interest_recognized_fen
    penalty = after.penalty_recognized_fen - before.penalty_recognized_fen
    fee = after.fee_recognized_fen - before.fee_recognized_fen
    if not (interest or penalty or fee):
        return []
    return [{"booked_on": on, "loan_id": loan_id, "product_code": product_code,
             "interest_fen": interest, "penalty_fen": penalty, "fee_fen": fee}]


def grace_ends_on(loan: LoanPosition, grace_days: int, on: date) -> date | None:
    """While a loan is in GRACE, the last day of grace of its earliest unpaid instalment:
    the night that day closes, the loan goes overdue unless paid (R5, R7)."""
    if loan.status != LoanStatus.GRACE:
        return None
    unpaid = [i.due_date for i in loan.schedule if i.due_date < on and i.principal_unpaid + i.interest_unpaid > 0]
    return min(unpaid) + timedelta(days=grace_days) if unpaid else None


def _mark_values(borrower_id: int, loan: LoanPosition, product: Product, on: date, figures: LoanFigures) -> dict[str, object]:
    penalty = penalty_state(loan, on, product.penalty_daily_rate)  # R7: what close of business moves forward
    return {
        "loan_id": int(loan.loan_id),
        "borrower_id": borrower_id,
        "product_code": product.code,
        "grace_ends_on": grace_ends_on(loan, product.grace_days, on),
        "as_of": on,
        "status": loan.status.value,
        "dpd": loan.dpd,
        "amount_due_fen": to_fen(loan.amount_due),
        "settled_on": loan.settled_on,
        **{name: getattr(figures, name) for name in LoanFigures.__dataclass_fields__},
        # the whole position as of ``on``: reads of that day use it instead of a replay
        "position_on": on,
        "position": loan,
        "penalty_base_fen": penalty.base_fen if penalty is not None else None,
        "penalty_fen_days": penalty.fen_days if penalty is not None else None,
    }


def _events(borrower_id: int, loan: LoanPosition, mark: LoanMark | None, on: date) -> list[dict[str, object]]:
    """Status changes worth telling the bureau and collections about."""
    before_status = mark.status if mark is not None else None
    before_dpd = mark.dpd if mark is not None else 0
    status = loan.status
    kinds: list[tuple[LoanEventKind, str]] = []
    if before_status is None:
        kinds.append((LoanEventKind.DISBURSED, ""))
    elif before_status != status:
        kinds.append(
            {
                LoanStatus.GRACE: (LoanEventKind.ENTERED_GRACE, ""),
                LoanStatus.OVERDUE: (LoanEventKind.WENT_OVERDUE, f"dpd {loan.dpd}"),
                LoanStatus.SETTLED: (LoanEventKind.SETTLED, f"settled on {loan.settled_on}"),
                LoanStatus.ACTIVE: (LoanEventKind.CURED, f"was {before_status}"),
            }[status]
        )
    overdue_on = status == LoanStatus.OVERDUE and before_status == LoanStatus.OVERDUE
    if overdue_on and dpd_bucket(loan.dpd) > dpd_bucket(before_dpd):
        kinds.append((LoanEventKind.DPD_BUCKET, f"bucket {dpd_bucket(loan.dpd)} at dpd {loan.dpd}"))
    return [
        {"loan_id": int(loan.loan_id), "borrower_id": borrower_id, "on_date": on, "kind": kind, "detail": detail}
        for kind, detail in kinds
    ]

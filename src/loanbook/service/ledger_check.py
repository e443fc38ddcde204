"""``loanbook ledger check``: the ledger proves itself against the rules core (R14).

1. Trial balance: debits equal credits over the whole journal.
2. Control accounts: each close-of-business accrual entry equals the sum of its per-loan
   details.
3. Per loan: the ledger's receivables and income (lines naming the loan, plus its
   accrual details) equal the figures the core computes from the loan's transactions as
   of the business date; the cached marks agree too, and so does the stored position
   where it is of the business date (reads use it instead of a replay). Per borrower,
   the credit balance.

It reads the books only through the unit of work's repositories (values, no SQL), so a
fake unit of work (tests/fakes.py) tests it without a database.

While a close of business is unfinished (running, or killed and not yet run again) the
loans it has brought forward and those it has not are a day apart, so comparing them
means nothing: the report then says which day's close is unfinished and how to finish
it (``unfinished_close``), checks the trial balance only, and is not ok.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from collections.abc import Mapping
from typing import Protocol

from sqlalchemy import Engine

from loanbook.ledger.accounts import Account, normal_balance
from loanbook.ledger.figures import LoanFigures, figures_of
from loanbook.ledger.revaluation import LoanMark, grace_ends_on
from loanbook.money import to_fen
from loanbook.partners.split_check import split_problems
from loanbook.rules.book import Book
from loanbook.rules.forward import penalty_state
from loanbook.rules.position import LoanPosition
from loanbook.rules.replay import position
from loanbook.store.unit_of_work import UnitOfWork

CHUNK_BORROWERS = 2000


@dataclass(slots=True)
class LedgerReport:
    business_date: date
    debits_fen: int = 0
    credits_fen: int = 0
    balances: dict[str, int] = field(default_factory=dict)  # normal balance per account
    loans_checked: int = 0
    borrowers_checked: int = 0
    problems: list[str] = field(default_factory=list)
    loans_disagreeing: list[int] = field(default_factory=list)
    cofunded_loans_checked: int = 0  # R17: loans whose split was proven
    unfinished_close: date | None = None  # the business date whose close of business is not finished

    @property
    def ok(self) -> bool:
        return not self.problems


class LedgerReads(Protocol):
    """What the check reads: the repositories of :class:`UnitOfWork` it uses (a fake
    unit of work provides the same)."""

    business_dates: object
    journal: object
    cob_days: object
    borrowers: object
    marks: object
    partners: object


def trial_balance(uow: UnitOfWork | LedgerReads) -> tuple[int, int, dict[str, int]]:
    balances = uow.journal.balances()
    debits = sum(d for d, _ in balances.values())
    credits = sum(c for _, c in balances.values())
    normal = {account: normal_balance(Account(account), d, c) for account, (d, c) in sorted(balances.items())}
    return debits, credits, normal


def _ledger_figures(lines: dict[tuple[int, str], int], accruals: tuple[int, int, int], loan_id: int, principal_fen: int) -> dict[str, int]:
    def net(account: Account) -> int:  # debits less credits of the lines naming this loan
        return lines.get((loan_id, account.value), 0)

    interest, penalty, fee = accruals
    return {
        "principal_receivable": net(Account.PRINCIPAL_RECEIVABLE),
        "interest_receivable": net(Account.INTEREST_RECEIVABLE) + interest,
        "penalty_receivable": net(Account.PENALTY_RECEIVABLE) + penalty,
        "fee_receivable": net(Account.FEE_RECEIVABLE) + fee,
        "interest_income": -net(Account.INTEREST_INCOME) + interest,
        "penalty_income": -net(Account.PENALTY_INCOME) + penalty,
        "fee_income": -net(Account.FEE_INCOME) + fee,
        "coupon_expense": net(Account.COUPON_EXPENSE),  # R13
        "penalty_waiver": net(Account.PENALTY_WAIVER),  # R11
    }


def _core_figures(figures: LoanFigures) -> dict[str, int]:
    return {
        "principal_receivable": figures.principal_receivable_fen,
        "interest_receivable": figures.interest_receivable_fen,
        "penalty_receivable": figures.penalty_receivable_fen,
        "fee_receivable": figures.fee_receivable_fen,
        "interest_income": figures.interest_recognized_fen,
        "penalty_income": figures.penalty_recognized_fen,
        "fee_income": figures.fee_recognized_fen,
        "coupon_expense": figures.interest_waived_fen,
        "penalty_waiver": figures.penalty_waived_fen,
    }


def unfinished_close_message(day: date, borrowers_closed: int) -> str:
    return (f"close of business of {day} is unfinished (still running, or stopped after {borrowers_closed} "
            f"borrower(s)): loans are not compared until it is finished; finish it with "
            f"`loanbook cob run --until {day + timedelta(days=1)}`, then check again")


def check_ledger(engine: Engine, *, limit_problems: int = 50) -> LedgerReport:
    with UnitOfWork(engine) as uow:
        return check_books(uow, limit_problems=limit_problems)


def check_books(uow: UnitOfWork | LedgerReads, *, limit_problems: int = 50) -> LedgerReport:
    """The check over an open unit of work (read only)."""
    today = uow.business_dates.get()
    report = LedgerReport(today)
    report.debits_fen, report.credits_fen, report.balances = trial_balance(uow)
    if report.debits_fen != report.credits_fen:
        report.problems.append(f"trial balance: debits {report.debits_fen} fen != credits {report.credits_fen} fen")
    cob = uow.cob_days.progress(today)
    if cob is not None and not cob.done:
        report.unfinished_close = today
        report.problems.append(unfinished_close_message(today, cob.borrowers_closed))
        return report
    entries, details = uow.journal.accrual_entry_totals()
    for key in sorted(set(entries) | set(details), key=str):
        if entries.get(key, (0, 0, 0)) != details.get(key, (0, 0, 0)):
            report.problems.append(f"accrual entry {key[0]} {key[1]}: posted {entries.get(key)} != per-loan detail {details.get(key)}")
    lines = uow.journal.per_loan_lines()
    accruals = uow.journal.per_loan_accruals()
    credit_lines = uow.journal.credit_balances_by_borrower()
    after = 0
    while True:
        borrower_ids = uow.borrowers.ids_after(after, CHUNK_BORROWERS)
        if not borrower_ids:
            break
        after = borrower_ids[-1]
        books = uow.borrowers.books(borrower_ids)
        marks = uow.marks.of_borrowers(borrower_ids)
        stored = uow.marks.stored_positions(borrower_ids, today)
        credit_marks = uow.marks.credit_balances(borrower_ids)
        for borrower_id in borrower_ids:
            _check_borrower(report, borrower_id, books[borrower_id], today, _Ledger(lines, accruals), marks, stored,
                            (int(credit_lines.get(borrower_id) or 0), credit_marks.get(borrower_id, 0)))
    shares = uow.partners.loan_shares()
    cofunded_marks = uow.marks.of_loans([share.loan_id for share in shares])
    report.cofunded_loans_checked, split_wrong = split_problems(shares, cofunded_marks, lines)  # R17: the partner split
    report.problems.extend(split_wrong)
    if len(report.problems) > limit_problems:
        hidden = len(report.problems) - limit_problems
        report.problems = report.problems[:limit_problems] + [f"... and {hidden} more"]
    return report


@dataclass(frozen=True, slots=True)
class _Ledger:
    lines: Mapping[tuple[int, str], int]  # net debits less credits per (loan, account)
    accruals: Mapping[int, tuple[int, int, int]]  # close-of-business accrual details per loan


def _check_borrower(
    report: LedgerReport,
    borrower_id: int,
    book: Book,
    today: date,
    ledger_of: _Ledger,
    marks: Mapping[int, LoanMark],
    stored_positions: Mapping[int, LoanPosition],
    credit_ledger_and_mark: tuple[int, int],
) -> None:
    lines, accruals = ledger_of.lines, ledger_of.accruals
    credit_ledger, credit_mark = credit_ledger_and_mark
    report.borrowers_checked += 1
    current = position(book, today, include_day=True)
    credit = to_fen(current.credit_balance)
    if credit_ledger != credit or credit_mark != credit:
        report.problems.append(f"borrower {borrower_id}: credit balance core {credit}, ledger {credit_ledger}, cached {credit_mark} (fen)")
    principal_by_loan = {loan.loan_id: to_fen(loan.principal) for loan in book.loans}
    product_of = {loan.loan_id: loan.product for loan in book.loans}
    for loan in current.loans:
        report.loans_checked += 1
        loan_id = int(loan.loan_id)
        figures = figures_of(loan, principal_by_loan[loan.loan_id], today)
        core = _core_figures(figures)
        ledger = _ledger_figures(lines, accruals.get(loan_id, (0, 0, 0)), loan_id, principal_by_loan[loan.loan_id])
        mark = marks.get(loan_id)
        cached = mark.figures if mark is not None else LoanFigures()
        wrong = {k: (core[k], ledger[k]) for k in core if core[k] != ledger[k]}
        product = product_of[loan.loan_id]
        cached_state = None if mark is None else (mark.status, mark.dpd, mark.amount_due_fen, mark.grace_ends_on)
        core_state = (loan.status.value, loan.dpd, to_fen(loan.amount_due), grace_ends_on(loan, product.grace_days, today))
        # R7: the penalty state close of business moves forward. None stored is always
        # safe (the loan is replayed at night); a stored one must be the core's exactly.
        penalty = penalty_state(loan, today, product.penalty_daily_rate)
        stored_penalty = None if mark is None or mark.penalty_fen_days is None else (mark.penalty_base_fen, mark.penalty_fen_days)
        penalty_wrong = stored_penalty is not None and (penalty is None or stored_penalty != (penalty.base_fen, penalty.fen_days))
        stored = stored_positions.get(loan_id)
        if wrong or cached != figures or cached_state != core_state or stored not in (None, loan) or penalty_wrong:
            report.loans_disagreeing.append(loan_id)
            detail = ", ".join(f"{k} core {c} ledger {l}" for k, (c, l) in wrong.items())
            if cached != figures:
                detail += f"; cached figures differ: {cached.differences(figures)}"
            if cached_state is not None and cached_state != core_state:
                detail += f"; cached status/dpd/due/grace end {cached_state}, core {core_state}"
            if stored not in (None, loan):
                detail += "; the stored position of today differs from the replay"
            if penalty_wrong:
                detail += f"; stored penalty state (base, fen-days) {stored_penalty}, core {penalty}"
            report.problems.append(f"loan {loan_id}: {detail or 'no cached figures'} (fen)")

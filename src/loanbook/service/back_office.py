"""The back office's page data (issue 12) where no other service gives it: the portfolio
page's figures and trends, a loan's page, the business date with close-of-business
progress, the bureau desk. Every figure comes from the services and reports the API and
the command line use (service/reports.py, service/history.py, service/bureau.py ...);
this module only gathers them for one page in one unit of work. Pure reads: nothing is
committed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loanbook.errors import NotFound
from loanbook.money import from_fen
from loanbook.rules.position import LoanPosition
from loanbook.rules.replay import position
from loanbook.service import bureau, collections, history, reports, requests
from loanbook.service.ledger_check import trial_balance
from loanbook.service.users import User
from loanbook.store.back_office import BackOffice, BureauBatchSummary, BureauCorrection, CobDay
from loanbook.store.collections import ContactAttempt, PromiseToPay
from loanbook.store.unit_of_work import UnitOfWork

TREND_DAYS_MAX = 400  # a trend of more business dates than this shows the latest ones
LEDGER_LINES_MAX = 500
COB_DAYS_SHOWN = 14
BUREAU_ROWS_SHOWN = 30
REFUSALS_SHOWN = 30


@dataclass(frozen=True, slots=True)
class Trend:
    """Loans per R15 DPD bucket over business dates (portfolio snapshots, migration 0012)."""

    dates: tuple[date, ...]
    buckets: tuple[str, ...]  # reports.BUCKETS, current first
    loans: tuple[tuple[int, ...], ...]  # per bucket, one count per date


@dataclass(frozen=True, slots=True)
class PortfolioPage:
    business_date: date
    by_status: reports.Report
    dpd: reports.Report
    trend: Trend
    ledger_balances_fen: dict[str, int]  # per account, in its normal direction (R14)
    debits_fen: int
    credits_fen: int


def dpd_trend(uow: UnitOfWork, last: date) -> Trend:
    """Open loans per bucket (settled ones left out, as in the DPD report) on every
    business date a close of business opened, up to ``last``."""
    counts: dict[date, dict[int, int]] = {}
    for row in uow.snapshots.open_loans_by_bucket(last):
        counts.setdefault(row.on_date, {})[row.dpd_bucket] = int(row.loans)
    dates = tuple(sorted(counts))[-TREND_DAYS_MAX:]
    buckets = range(len(reports.BUCKETS))
    return Trend(dates, reports.BUCKETS, tuple(tuple(counts[d].get(b, 0) for d in dates) for b in buckets))


def portfolio_page(uow: UnitOfWork) -> PortfolioPage:
    today = uow.business_dates.get()
    debits_fen, credits_fen, balances = trial_balance(uow)
    return PortfolioPage(today, reports.portfolio(uow), reports.dpd(uow), dpd_trend(uow, today), balances,
                         debits_fen, credits_fen)


@dataclass(frozen=True, slots=True)
class LedgerLine:
    entry_id: int
    booked_on: date
    kind: str
    memo: str
    account: str
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True, slots=True)
class LoanPage:
    borrower_id: int
    borrower_name: str
    business_date: date
    loan: LoanPosition
    history: history.LoanHistory
    ledger: tuple[LedgerLine, ...]
    ledger_truncated: bool
    bureau_records: tuple[bureau.HistoryLine, ...]
    requests: tuple[requests.RequestView, ...]
    contact_attempts: tuple[ContactAttempt, ...]  # refused ones with the guard's reason (R16)
    promises: tuple[PromiseToPay, ...]


def loan_page(uow: UnitOfWork, *, actor: User, loan_id: int) -> LoanPage:
    """A loan as staff see it: its schedule and figures (R5), its history with the money
    that went to it (R6, R11), its ledger lines (R14), bureau records (R15), requests and
    collections (R16). Raises NotFound ("no loan N") as the API does."""
    borrower_id = uow.borrowers.borrower_of_loan(loan_id)
    if borrower_id is None:
        raise NotFound(f"no loan {loan_id}")
    today = uow.business_dates.get()
    current = position(uow.borrowers.book(borrower_id), today, include_day=True)  # once for the whole page
    loan = current.loan(str(loan_id))
    borrower = uow.borrowers.get(borrower_id)
    rows = BackOffice(uow.session).loan_journal(loan_id, LEDGER_LINES_MAX + 1)
    contacts = uow.collections
    ledger = tuple(LedgerLine(r.entry_id, r.booked_on, r.kind, r.memo, r.account, from_fen(r.debit_fen),
                              from_fen(r.credit_fen)) for r in rows[:LEDGER_LINES_MAX])
    return LoanPage(
        borrower_id, borrower.name if borrower is not None else "", today, loan,
        history.loan_history(uow, actor=actor, loan_id=loan_id, current=current), ledger, len(rows) > LEDGER_LINES_MAX,
        tuple(bureau.loan_history(uow, loan_id)),
        tuple(requests.list_requests(uow, actor=actor, loan_id=loan_id)),
        # The attempts and promises of collections.loan_collections, without the loan's
        # every-day worklist actions, which the page does not show (a hundred rows a loan in arrears).
        tuple(contacts.attempts_of_loan(loan_id)), tuple(contacts.promises_of_loan(loan_id)),
    )


@dataclass(frozen=True, slots=True)
class BusinessDatePage:
    business_date: date
    closing: CobDay | None  # a close of business of the business date started and not done
    recent: tuple[CobDay, ...]  # the latest closes, newest first


def business_date_page(uow: UnitOfWork) -> BusinessDatePage:
    today = uow.business_dates.get()
    recent = tuple(BackOffice(uow.session).cob_days(COB_DAYS_SHOWN))
    closing = next((day for day in recent if day.business_date == today and day.status != "done"), None)
    return BusinessDatePage(today, closing, recent)


@dataclass(frozen=True, slots=True)
class BureauPage:
    business_date: date
    summary: bureau.BureauSummary
    batches: tuple[BureauBatchSummary, ...]
    corrections: tuple[BureauCorrection, ...]
    disputes: tuple


def bureau_page(uow: UnitOfWork) -> BureauPage:
    store = BackOffice(uow.session)
    return BureauPage(uow.business_dates.get(), bureau.summary(uow), tuple(store.bureau_batches(BUREAU_ROWS_SHOWN)),
                      tuple(store.bureau_corrections(BUREAU_ROWS_SHOWN)),
                      tuple(bureau.list_disputes(uow, open_only=True)))


@dataclass(frozen=True, slots=True)
class CollectionsPage:
    worklist: collections.Worklist
    attempts_logged: int
    refusals: dict[str, int]  # refused attempts by the guard's reason (R16)
    promises: dict[str, int]  # by status: open, kept, broken
    refused: tuple[ContactAttempt, ...]  # the newest first


def collections_page(uow: UnitOfWork, *, action: str | None, limit: int) -> CollectionsPage:
    """The day's worklist and the desk's figures; the same counts as collections.summary
    without its every-day totals, which the page does not show (a scan of every worklist)."""
    store = uow.collections
    counts = (store.attempt_count(), store.refusal_counts(), store.promise_counts())
    refused = tuple(BackOffice(uow.session).refused_attempts(REFUSALS_SHOWN))
    return CollectionsPage(collections.worklist(uow, action=action, limit=limit), *counts, refused)

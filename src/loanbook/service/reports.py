"""Portfolio reports (issue 11 item 3): loans and balances by status, DPD buckets, roll
rates month over month, the events of a day.

They read the cached figures (``loan_marks``, posted by every booking and every close of
business) and the loan events recorded by close of business (R15, R16), never a replay
of the loans, so a report over a million loans is a few aggregate queries. Each report
is a :class:`Report`: a title, its columns and its rows (amounts as 2-decimal strings,
counts as integers), rendered as a Rich table, CSV or JSON by the command line and as
JSON by the API.
"""

from __future__ import annotations

import calendar
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from loanbook.errors import BadInput
from loanbook.money import format_amount, format_percent, from_fen
from loanbook.ledger.revaluation import DPD_BUCKET_BOUNDS, LoanEventKind, dpd_bucket
from loanbook.rules.position import LoanStatus
from loanbook.store.unit_of_work import UnitOfWork

REPORTS = ("portfolio", "dpd", "roll-rates", "events")
CURRENT, SETTLED = "current", "settled"
STATUS_ORDER = tuple(LoanStatus)  # R5, as listed


def bucket_label(bucket: int) -> str:
    """R15's buckets: 0 current, 1 "1-30" .. 6 "151-180", 7 "180+"."""
    if bucket == 0:
        return CURRENT
    bounds = (0, *DPD_BUCKET_BOUNDS)
    if bucket > len(DPD_BUCKET_BOUNDS):
        return f"{DPD_BUCKET_BOUNDS[-1]}+"
    return f"{bounds[bucket - 1] + 1}-{bounds[bucket]}"


BUCKETS = tuple(bucket_label(b) for b in range(len(DPD_BUCKET_BOUNDS) + 2))


@dataclass(frozen=True, slots=True)
class Report:
    name: str
    title: str
    as_of: date
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    notes: dict[str, object] = field(default_factory=dict)

    def records(self) -> list[dict[str, object]]:
        return [dict(zip(self.columns, row)) for row in self.rows]


def _yuan(fen: int | None) -> str:
    return format_amount(from_fen(int(fen or 0)))


def _business_date(uow: UnitOfWork, on: date | None, what: str) -> date:
    today = uow.business_dates.get()
    if on is not None and on != today:
        raise BadInput(f"the {what} report is kept for the business date {today} only (the cached figures are "
                       f"today's), not {on}; the events and roll-rates reports look back")
    return today


def portfolio(uow: UnitOfWork, on: date | None = None) -> Report:
    """Loans and balances by status, from the cached figures (R5, R14)."""
    today = _business_date(uow, on, "portfolio")
    reports = uow.reports
    found = {row.status: row for row in reports.by_status()}
    columns = ("status", "loans", "principal_disbursed", "principal_outstanding", "interest_outstanding",
               "penalty_outstanding", "fee_outstanding", "amount_due")
    rows, totals = [], [0] * (len(columns) - 1)
    for status in [*STATUS_ORDER, *sorted(set(found) - set(STATUS_ORDER))]:
        row = found.get(status)
        values = [0] * (len(columns) - 1) if row is None else [getattr(row, c if c == "loans" else f"{c}_fen")
                                                                 for c in columns[1:]]
        totals = [a + b for a, b in zip(totals, values)]
        rows.append((status, values[0], *(_yuan(v) for v in values[1:])))
    rows.append(("total", totals[0], *(_yuan(v) for v in totals[1:])))
    return Report("portfolio", f"Loans and balances by status on {today}", today, columns, tuple(rows),
                  {"credit_balances": _yuan(reports.credit_balances_fen())})


def dpd(uow: UnitOfWork, on: date | None = None) -> Report:
    """Open loans by days past due, in R15's buckets."""
    today = _business_date(uow, on, "dpd")
    reports = uow.reports
    current = reports.not_overdue()
    overdue = {row.bucket: row for row in reports.overdue_by_bucket(DPD_BUCKET_BOUNDS)}
    open_loans = current.loans + sum(row.loans for row in overdue.values())
    rows = [(CURRENT, current.loans, _share(current.loans, open_loans), _yuan(current.principal_outstanding_fen),
             _yuan(current.amount_due_fen))]
    for bucket in range(1, len(BUCKETS)):
        row = overdue.get(bucket)
        loans = row.loans if row is not None else 0
        rows.append((bucket_label(bucket), loans, _share(loans, open_loans),
                     _yuan(row.principal_outstanding_fen if row else 0), _yuan(row.amount_due_fen if row else 0)))
    return Report("dpd", f"Open loans by days past due on {today}", today,
                  ("bucket", "loans", "share", "principal_outstanding", "amount_due"), tuple(rows))


def _share(part: int, whole: int) -> str:
    return format_percent(Decimal(part) / Decimal(whole)) if whole else "-"


def _month_ends(first: date, last: date) -> list[date]:
    ends, year, month = [], first.year, first.month
    while True:
        end = date(year, month, calendar.monthrange(year, month)[1])
        if end >= last:
            ends.append(last)
            return ends
        ends.append(end)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _state_after(kind: str, detail: str, before: str) -> str:
    """A loan's bucket after one of its events (ledger.revaluation._events)."""
    if kind in (LoanEventKind.DISBURSED, LoanEventKind.ENTERED_GRACE, LoanEventKind.CURED):
        return CURRENT
    if kind == LoanEventKind.SETTLED:
        return SETTLED
    if kind == LoanEventKind.WENT_OVERDUE:  # detail "dpd N"
        return bucket_label(dpd_bucket(int(detail.split()[-1]))) if detail.split()[-1].isdigit() else bucket_label(1)
    if kind == LoanEventKind.DPD_BUCKET:  # detail "bucket N at dpd D"
        words = detail.split()
        return bucket_label(int(words[1])) if len(words) > 1 and words[1].isdigit() else before
    return before  # an event of another kind (a later rule's) leaves the bucket as it was


def roll_rates(uow: UnitOfWork, on: date | None = None) -> Report:
    """Month over month: of the loans in each bucket at the end of a month, how many were
    in each bucket (or settled) at the end of the next, read from the loan events. The
    last month ends on ``on`` (default the business date). A bucket is what the last
    event before a month's end said: the events record every change of status and every
    rise of bucket; a fall of DPD within OVERDUE (a part payment) shows at the next event."""
    today = uow.business_dates.get()
    last = on or today
    if last > today:
        raise BadInput(f"--date {last} is after the business date {today}")
    ends: list[date] = []
    by_end: dict[date, Counter[tuple[str, str]]] = defaultdict(Counter)
    loan_id, history = None, []

    def settle_loan(events: list[tuple[date, str, str]]) -> None:
        state, index = None, 0
        states = []
        for end in ends:
            while index < len(events) and events[index][0] <= end:
                state = _state_after(events[index][1], events[index][2], state or CURRENT)
                index += 1
            states.append(state)
        for end, before, after in zip(ends[1:], states, states[1:]):
            if before is not None and before != SETTLED:
                by_end[end][(before, after)] += 1

    reports = uow.reports
    first_day = reports.first_event_day()
    if first_day is not None and first_day <= last:
        ends = _month_ends(first_day, last)
    for row in reports.status_events(last):  # streamed, loan by loan
        if row.loan_id != loan_id:
            if history:
                settle_loan(history)
            loan_id, history = row.loan_id, []
        history.append((row.on_date, row.kind, row.detail))
    if history:
        settle_loan(history)
    columns = ("month", "from", "loans", *(f"to {b}" for b in BUCKETS), f"to {SETTLED}", "rolled_forward")
    rows = []
    for end in ends[1:]:
        moves = by_end[end]
        for source in BUCKETS:
            counts = [moves[(source, target)] for target in (*BUCKETS, SETTLED)]
            total = sum(counts)
            if not total:
                continue
            worse = sum(moves[(source, target)] for target in BUCKETS[BUCKETS.index(source) + 1:])
            rows.append((end.isoformat()[:7], source, total, *counts, _share(worse, total)))
    return Report("roll-rates", f"Roll rates month over month to {last}", last, columns, tuple(rows),
                  {"month_ends": [end.isoformat() for end in ends]})


def events(uow: UnitOfWork, on: date | None = None) -> Report:
    """What happened to loans on a day, as close of business and the bookings recorded it."""
    day = on or uow.business_dates.get()
    rows = uow.reports.events_on(day)
    counts = Counter(row.kind for row in rows)
    return Report("events", f"Loan events of {day}", day, ("event_id", "loan_id", "borrower_id", "kind", "detail"),
                  tuple((row.id, row.loan_id, row.borrower_id, row.kind, row.detail) for row in rows),
                  {"counts": dict(sorted(counts.items()))})


def report(uow: UnitOfWork, name: str, on: date | None = None) -> Report:
    makers = {"portfolio": portfolio, "dpd": dpd, "roll-rates": roll_rates, "events": events}
    if name not in makers:
        raise BadInput(f"no report {name!r}: the reports are {', '.join(REPORTS)}")
    return makers[name](uow, on)

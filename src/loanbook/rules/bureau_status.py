"""R15: a loan's month statuses and its 24-month status string, from the rules core.

The month's status of calendar month M, as known on day k (R15): over the days t of M
with t <= k, from the loan's DPD at the start of each day t (R5) - ``C`` if the loan was
settled in M; else the bucket of the highest DPD reached (1: 1-30 ... 7: over 180); else
``N`` if an instalment fell due on one of those days; else ``*``. The string runs from
the month of disbursement to the month of k (or of settlement), the last 24, oldest
first. Grace never counts: R5 gives DPD 0 in grace, so an instalment paid within grace
is ``N`` (R7).

What was *known* on k is the caller's filter (``Book.known_before``): this module only
replays the book it is given, so the same function gives the record as first reported
and, with the late bookings, as it should have been (a correction).

One pass over the book: the replay of :mod:`loanbook.rules.replay`, watched day by day
(:class:`StatusWatch`), with the DPD looked at on the days where its highest value in a
month can be; the same pass gives the position of the day (:func:`day_view`) and, for
close of business, the next morning's (:func:`closing_view`). Between two days
on which something is applied (a fact, a credit balance on a due date), the DPD never
falls: instalments only become overdue. So the highest DPD of a stretch is at its last
day: the start of a fact's value day (its facts are applied during it), the day before
a due date (a credit balance is applied at the start of it), a month's last day, or k.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import localcontext

from loanbook.errors import InvariantBroken
from loanbook.rules.book import Book
from loanbook.rules.position import Position
from loanbook.rules.replay import EXACT_DIGITS, DayEnds, _OpenLoan, _Replay, _replayed, both_ends, position
from loanbook.rules.values import quick_init

NEGATIVE = frozenset("1234567")
MONTHS_KEPT = 24


def dpd_bucket(dpd: int) -> str:
    """R15: 1 for 1-30 days past due, 2 for 31-60, ... 7 for over 180."""
    if dpd <= 0:
        raise InvariantBroken(f"a bucket is only for a loan past due, not at DPD {dpd}")
    return str(min(7, (dpd - 1) // 30 + 1))


def is_negative(status: str) -> bool:
    """A month status or a status string with a past-due month (1-7)."""
    return any(ch in NEGATIVE for ch in status)


@quick_init
@dataclass(frozen=True, slots=True)
class BureauStatus:
    """A loan's bureau view as known on ``on``: one status per month, oldest first."""

    loan_id: str
    on: date
    months: tuple[tuple[int, int, str], ...]  # (year, month, status)
    settled_on: date | None

    @property
    def string(self) -> str:
        """R15: the last 24 month statuses, oldest first."""
        return "".join(status for _, _, status in self.months[-MONTHS_KEPT:])

    @property
    def month_status(self) -> str:
        return self.months[-1][2] if self.months else "*"


def _dpd_at_start(open_loan: _OpenLoan, t: date) -> int:
    """R5: the loan's DPD at the start of ``t``, with what was applied before it (the
    same test as the replay's position: past grace and something still payable)."""
    if open_loan.settled_on is not None and open_loan.settled_on <= t:
        return 0
    first = None
    for instalment in open_loan.instalments:
        if instalment.closed or t <= instalment.grace_end:
            continue
        if instalment.penalty_base > 0 or instalment.penalty(t, open_loan.penalty_rate)[1] > 0:
            if first is None or instalment.due_date < first:
                first = instalment.due_date
    return (t - first).days if first is not None else 0


def _month_key(day: date) -> tuple[int, int]:
    return (day.year, day.month)


def _month_end(day: date) -> date:
    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return following - timedelta(days=1)


class StatusWatch:
    """R15 over one replay (a :class:`~loanbook.rules.replay.Watch`): each loan's
    highest DPD per month and the months an instalment fell due, up to ``on``; once the
    replay goes past ``on``, :attr:`statuses` holds every loan's month statuses as known
    on ``on``."""

    __slots__ = ("on", "worst", "fell_due", "statuses")

    def __init__(self, on: date) -> None:
        self.on = on
        self.worst: dict[str, dict[tuple[int, int], int]] = {}
        self.fell_due: dict[str, set[tuple[int, int]]] = {}
        self.statuses: dict[str, BureauStatus] | None = None

    def _look(self, replay: _Replay, t: date) -> None:
        """Note every loan's DPD at the start of ``t`` (state: everything before t)."""
        if t > self.on:
            return
        for open_loan in replay.loans:
            if open_loan.loan.disbursed_on > t:
                continue
            dpd = _dpd_at_start(open_loan, t)
            if dpd:
                months = self.worst.setdefault(open_loan.loan.loan_id, {})
                key = _month_key(t)
                if dpd > months.get(key, 0):
                    months[key] = dpd

    def passed(self, replay: _Replay, start: date, end: date) -> None:
        """The stretch [start, end): its month ends and its last day; past ``on``, the statuses."""
        _look_stretch(lambda t: self._look(replay, t), start, end)
        if end > self.on and self.statuses is None:  # nothing after ``on`` applied yet
            self.statuses = {
                o.loan.loan_id: _statuses(o, self.on, self.worst.get(o.loan.loan_id, {}),
                                          self.fell_due.get(o.loan.loan_id, set()))
                for o in replay.loans if o.loan.disbursed_on <= self.on
            }

    def falls_due(self, replay: _Replay, day: date) -> None:
        if day > self.on:
            return
        for open_loan in replay.loans:
            if open_loan.settled_on is None and any(i.due_date == day for i in open_loan.instalments):
                self.fell_due.setdefault(open_loan.loan.loan_id, set()).add(_month_key(day))

    def opens(self, replay: _Replay, day: date) -> None:
        self._look(replay, day)  # the start of ``day``: before its facts


def bureau_statuses(book: Book, on: date, *, include_day: bool = False) -> dict[str, BureauStatus]:
    """Every loan's month statuses over ``book`` up to ``on`` (R15).

    Without ``include_day``: as at the start of ``on`` (a scenario checkpoint). With it:
    also the facts value-dated ``on`` are applied, so a loan settled that day is ``C``
    (a record made by that day's close of business); the DPD is always the one at the
    start of each day.
    """
    watch = StatusWatch(on)
    with localcontext() as ctx:
        ctx.prec = EXACT_DIGITS
        _replayed(book, on, include_day, None, record=True, watch=watch)
    return _statuses_seen(watch)


def day_view(book: Book, day: date) -> tuple[Position, dict[str, BureauStatus]]:
    """One pass (issue 10): ``position(book, day, include_day=True)`` and
    ``bureau_statuses(book, day, include_day=True)``, what a record of ``day`` needs."""
    watch = StatusWatch(day)
    current = position(book, day, include_day=True, watch=watch)
    return current, _statuses_seen(watch)


def closing_view(book: Book, day: date) -> tuple[DayEnds, dict[str, BureauStatus]]:
    """One pass (issue 10): the positions at the end of ``day`` and at the start of the
    next (:func:`~loanbook.rules.replay.both_ends`) and every loan's month statuses
    as ``bureau_statuses(book, day, include_day=True)`` gives them."""
    watch = StatusWatch(day)
    ends = both_ends(book, day, watch=watch)
    return ends, _statuses_seen(watch)


def _statuses_seen(watch: StatusWatch) -> dict[str, BureauStatus]:
    if watch.statuses is None:  # pragma: no cover - a replay's last call is past its day
        raise InvariantBroken(f"the replay never passed the end of {watch.on}")
    return watch.statuses


def _look_stretch(look, start: date, end: date) -> None:
    """Look at the days of [start, end) where the DPD can peak: each month's last day
    and the stretch's last day."""
    if start >= end:
        return
    day = _month_end(start)
    while day < end - timedelta(days=1):
        look(day)
        day = _month_end(day + timedelta(days=1))
    look(end - timedelta(days=1))


def _statuses(open_loan: _OpenLoan, on: date, worst: dict, fell_due: set) -> BureauStatus:
    loan = open_loan.loan
    settled_on = open_loan.settled_on if open_loan.settled_on is not None and open_loan.settled_on <= on else None
    last = settled_on or on
    months = []
    year, month = loan.disbursed_on.year, loan.disbursed_on.month
    while (year, month) <= (last.year, last.month):
        key = (year, month)
        if settled_on is not None and key == _month_key(settled_on):
            status = "C"
        elif key in worst:
            status = dpd_bucket(worst[key])
        elif key in fell_due:
            status = "N"
        else:
            status = "*"
        months.append((year, month, status))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return BureauStatus(loan.loan_id, on, tuple(months), settled_on)


def status_strings(book: Book, on: date, *, include_day: bool = False) -> dict[str, str]:
    """R15: each loan's status string over ``book`` as of ``on``."""
    return {loan_id: status.string for loan_id, status in bureau_statuses(book, on, include_day=include_day).items()}

"""The demo's collections desk (R16): each business day a collector works the top of the
worklist through the services, as the API would: calls the borrowers due a call at
10:00 in the lender's time zone (some answer, some promise to pay), and, now and then,
tries what the guards exist to stop (a relative's phone, a call at 23:00, a fourth
connected call in a day), so the summary shows them refused and logged.

Deterministic from the seed. Capped at :data:`CALLS_PER_DAY` loans a day so that the
demo's runtime stays what it was.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from rich.table import Table
from sqlalchemy import Engine

from loanbook.collections.config import active_config
from loanbook.errors import ContactRefused
from loanbook.money import from_fen
from loanbook.service import collections as service
from loanbook.store.unit_of_work import UnitOfWork

CALLS_PER_DAY = 6  # a collector's calls a day in the demo
FORBIDDEN_EVERY_DAYS = 20  # how often the demo tries what the guards refuse
PROMISE_SHARE = 0.4  # of connected calls
ANSWER_SHARE = 0.6
CALL_ACTIONS = ("phone_follow_up", "escalation", "legal_review")


@dataclass(slots=True)
class DeskResult:
    calls: int = 0
    promises: int = 0
    forbidden_tried: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    unexpected: list[str] = field(default_factory=list)


class CollectionsDesk:
    def __init__(self, engine: Engine, seed: int) -> None:
        self.engine = engine
        self.rng = random.Random(f"loanbook-demo-collections:{seed}")
        self.result = DeskResult()
        self.days = 0
        self.zone = active_config().guards.time_zone

    def _at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.zone)

    def _log(self, loan_id: int, to: str, at: datetime, outcome: str, *, forbidden: bool = False) -> bool:
        try:
            with UnitOfWork(self.engine) as uow:
                service.log_contact_attempt(uow, loan_id=loan_id, channel="call", to=to, at=at, outcome=outcome,
                                            note="demo collector")
            if forbidden:
                self.result.unexpected.append(f"loan {loan_id}: a forbidden contact at {at} was let through")
            return True
        except ContactRefused as refused:
            self.result.refused[refused.reason] = self.result.refused.get(refused.reason, 0) + 1
            if not forbidden:
                self.result.unexpected.append(f"loan {loan_id}: {refused}")
            return False

    def work_day(self, day: date) -> None:
        """The day's calls, from the worklist close of business made for ``day``."""
        self.days += 1
        with UnitOfWork(self.engine) as uow:
            items = [i for i in service.worklist(uow, limit=service.WORKLIST_LIMIT_MAX).items
                     if i.action.action in CALL_ACTIONS]
        if not items:
            return
        chosen = self.rng.sample(items, min(CALLS_PER_DAY, len(items)))
        for item in chosen:
            row = item.action
            with UnitOfWork(self.engine) as uow:  # the phone alone: a summary would replay the book (issue 10)
                phone = service.borrower_phone(uow, row.loan_id)
            answered = self.rng.random() < ANSWER_SHARE
            if self._log(row.loan_id, phone, self._at(day, 10, self.rng.randrange(60)),
                         "connected" if answered else "no_answer"):
                self.result.calls += 1
            if answered and row.amount_due_fen > 0 and self.rng.random() < PROMISE_SHARE:
                with UnitOfWork(self.engine) as uow:
                    service.make_promise(uow, loan_id=row.loan_id, amount=from_fen(row.amount_due_fen),
                                         by=day + timedelta(days=self.rng.randint(1, 7)))
                self.result.promises += 1
        if self.days % FORBIDDEN_EVERY_DAYS == 1:
            self._try_forbidden(day, chosen[0].action.loan_id)

    def _try_forbidden(self, day: date, loan_id: int) -> None:
        """What R16 forbids, tried on purpose: each must be refused, and is logged."""
        with UnitOfWork(self.engine) as uow:
            phone = service.borrower_phone(uow, loan_id)
        relative = phone[:-4] + f"{(int(phone[-4:]) + 1) % 10_000:04d}"
        self.result.forbidden_tried += 2
        self._log(loan_id, relative, self._at(day, 15), "connected", forbidden=True)  # third party
        self._log(loan_id, phone, self._at(day, 23), "no_answer", forbidden=True)  # 22:00-08:00
        limit = active_config().guards.connected_calls_per_day
        self.result.forbidden_tried += 1
        for minute in range(0, 10 * (limit + 1), 10):  # one call more than the day allows
            try:
                with UnitOfWork(self.engine) as uow:
                    service.log_contact_attempt(uow, loan_id=loan_id, channel="call", to=phone,
                                                at=self._at(day, 16, minute), outcome="connected",
                                                note="demo collector")
            except ContactRefused as refused:
                self.result.refused[refused.reason] = self.result.refused.get(refused.reason, 0) + 1
                return
        self.result.unexpected.append(f"loan {loan_id}: {limit + 1} connected calls in a day were let through")


def collections_table(engine: Engine, desk: DeskResult | None) -> Table:
    """The demo summary's collections: the worklist by action, attempts, promises, and
    the guards' refusals by reason (R16)."""
    with UnitOfWork(engine) as uow:
        figures = service.summary(uow)
    table = Table(title="Collections (R16)", title_justify="left")
    table.add_column("what")
    table.add_column(f"on {figures.business_date}", justify="right")
    table.add_column("all days", justify="right")
    for step in active_config().ladder.steps:
        table.add_row(f"worklist: {step.action}", f"{figures.today.get(step.action, 0):,}",
                      f"{figures.all_days.get(step.action, 0):,}")
    table.add_section()
    table.add_row("contact attempts logged", "", f"{figures.attempts_logged:,}")
    for status in ("open", "kept", "broken"):
        table.add_row(f"promises to pay: {status}", "", f"{figures.promises.get(status, 0):,}")
    table.add_section()
    for reason, count in sorted(figures.refusals.items()):
        table.add_row(f"refused by the guard: {reason}", "", f"{count:,}")
    tried = desk.forbidden_tried if desk is not None else 0
    table.caption = (f"the demo tried {tried} forbidden contacts on purpose; every refusal is logged"
                     if tried else "every refusal is logged")
    return table

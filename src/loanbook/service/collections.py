"""Collections use cases (R16): the day's worklist, logging a contact attempt through the
guards, promises to pay, and a loan's collections history. One use case, one function,
one unit of work; the rules are in loanbook.collections (pure), the SQL in
store/collections.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from loanbook.collections.config import CollectionsConfig, active_config
from loanbook.collections.guards import OUTCOMES, check_contact, in_utc
from loanbook.collections.ladder import CHANNELS
from loanbook.errors import BadInput, ContactRefused, NotFound, RuleRefusal
from loanbook.money import format_amount, from_fen, to_fen
from loanbook.rules.position import LoanStatus
from loanbook.store.collections import CollectionAction, ContactAttempt, PromiseToPay, utc_naive
from loanbook.store.unit_of_work import UnitOfWork

PROMISE_DAYS_MAX = 30  # a promise is for the coming weeks, not a new plan (R11 is for that)
NOTE_MAX = 500
WORKLIST_LIMIT_MAX = 10_000
CONTACT_YEARS = (2000, 2999)  # a contact's time, in UTC: anything else is a typo


@dataclass(frozen=True, slots=True)
class WorkItem:
    action: CollectionAction
    borrower_name: str
    message: str


@dataclass(frozen=True, slots=True)
class Worklist:
    business_date: date
    counts: dict[str, int]  # actions of the day by action, whatever the filter
    items: list[WorkItem]


@dataclass(frozen=True, slots=True)
class LoanCollections:
    loan_id: int
    borrower_id: int
    business_date: date
    attempts: list[ContactAttempt]
    promises: list[PromiseToPay]
    actions: list[CollectionAction]


def _borrower_of(uow: UnitOfWork, loan_id: int) -> int:
    borrower_id = uow.borrowers.borrower_of_loan(loan_id)
    if borrower_id is None:
        raise NotFound(f"no loan {loan_id}")
    return borrower_id


def borrower_phone(uow: UnitOfWork, loan_id: int) -> str:
    """The phone on file of the loan's borrower, where R16 lets a collector call (its
    guards refuse any other ``to``): two reads, no replay of the book."""
    borrower = uow.borrowers.get(_borrower_of(uow, loan_id))
    if borrower is None:
        raise NotFound(f"no loan {loan_id}")
    return borrower.phone


def worklist(uow: UnitOfWork, *, action: str | None = None, after_loan_id: int = 0, limit: int = 1000,
             config: CollectionsConfig | None = None) -> Worklist:
    """The business date's actions, per loan, by loan id (``after_loan_id`` pages on)."""
    config = config or active_config()
    if action is not None and action not in {step.action for step in config.ladder.steps}:
        known = ", ".join(step.action for step in config.ladder.steps)
        raise BadInput(f"action {action!r} is not a step of the ladder ({known})")
    if not 1 <= limit <= WORKLIST_LIMIT_MAX:
        raise BadInput(f"limit {limit} must be 1 to {WORKLIST_LIMIT_MAX}")
    today = uow.business_dates.get()
    store = uow.collections
    rows = store.worklist(today, action=action, after_loan_id=after_loan_id, limit=limit)
    next_due = store.next_due_dates([named.action.loan_id for named in rows], today)
    items = []
    for named in rows:
        row, name = named.action, named.borrower_name
        template = config.templates.get(row.template)  # None: a template renamed since the night
        message = "" if template is None else template.render(
            name=name, loan_id=row.loan_id, amount_due=format_amount(from_fen(row.amount_due_fen)),
            owed=format_amount(from_fen(row.owed_fen)), dpd=row.dpd, due_date=next_due.get(row.loan_id, ""))
        items.append(WorkItem(row, name, message))
    return Worklist(today, store.action_counts(today), items)


def log_contact_attempt(uow: UnitOfWork, *, loan_id: int, channel: str, to: str, at: datetime, outcome: str,
                        note: str = "", user_id: int | None = None,
                        config: CollectionsConfig | None = None) -> ContactAttempt:
    """Log an attempt to reach the loan's borrower, once the guards of R16 let it through.
    A refused attempt is logged too, with the guard's reason, and then refused
    (:class:`ContactRefused`): the refusal is committed before it is raised."""
    config = config or active_config()
    if channel not in CHANNELS:
        raise BadInput(f"channel {channel!r} must be one of {', '.join(CHANNELS)}")
    if outcome not in OUTCOMES:
        raise BadInput(f"outcome {outcome!r} must be one of {', '.join(OUTCOMES)}")
    at_utc = in_utc(at)
    if at_utc is None or not CONTACT_YEARS[0] <= at_utc.year <= CONTACT_YEARS[1]:
        raise BadInput(f"at must be an ISO date-time with its UTC offset, in the years {CONTACT_YEARS[0]} to "
                       f"{CONTACT_YEARS[1]}, like 2026-02-14T10:30:00+08:00")
    if len(note) > NOTE_MAX:
        raise BadInput(f"note must be at most {NOTE_MAX} characters")
    borrower_id = _borrower_of(uow, loan_id)
    borrower = uow.borrowers.get(borrower_id, for_update=True)  # one borrower's calls counted one at a time
    if borrower is None:
        raise NotFound(f"no borrower {borrower_id}")
    today = uow.business_dates.get()
    guards = config.guards
    store = uow.collections
    local_date = guards.local_date(at)
    refusal = check_contact(guards, channel=channel, to=to, at=at, outcome=outcome, borrower_phone=borrower.phone,
                            connected_calls_that_day=store.connected_calls(borrower.id, local_date))
    row = store.add_attempt(
        loan_id=loan_id, borrower_id=borrower.id, channel=channel, to_phone=to, at_utc=utc_naive(at_utc),
        local_date=local_date, outcome=outcome, note=note, logged_on=today, logged_by_user_id=user_id,
        refused_reason=refusal.reason if refusal else None,
    )
    uow.commit()
    if refusal is not None:
        raise ContactRefused(refusal.reason, refusal.message)
    return row


def make_promise(uow: UnitOfWork, *, loan_id: int, amount: Decimal, by: date, user_id: int | None = None
                 ) -> PromiseToPay:
    """A promise to pay ``amount`` by ``by`` (R16), checked by close of business once
    ``by`` has closed: kept if the borrower's payments from today to ``by`` reach it."""
    borrower_id = _borrower_of(uow, loan_id)
    today = uow.business_dates.get()
    if amount <= 0:
        raise BadInput("amount must be more than 0.00")
    if not today <= by <= today + timedelta(days=PROMISE_DAYS_MAX):
        raise BadInput(f"by {by} must be from the business date {today} to {PROMISE_DAYS_MAX} days after it "
                       f"({today + timedelta(days=PROMISE_DAYS_MAX)})")
    mark = uow.marks.of_borrowers([borrower_id]).get(loan_id)
    if mark is not None and mark.status == LoanStatus.SETTLED:
        raise RuleRefusal(f"loan {loan_id} is settled: there is nothing left to promise (R16)")
    row = uow.collections.add_promise(loan_id=loan_id, borrower_id=borrower_id, amount_fen=to_fen(amount),
                                      made_on=today, by_date=by, made_by_user_id=user_id)
    uow.commit()
    return row


def loan_collections(uow: UnitOfWork, loan_id: int) -> LoanCollections:
    """A loan's contact attempts (refused ones with their reason), promises and actions."""
    borrower_id = _borrower_of(uow, loan_id)
    store = uow.collections
    return LoanCollections(loan_id, borrower_id, uow.business_dates.get(), store.attempts_of_loan(loan_id),
                           store.promises_of_loan(loan_id), store.actions_of_loan(loan_id))


@dataclass(frozen=True, slots=True)
class CollectionsSummary:
    business_date: date
    today: dict[str, int]  # the business date's worklist by action
    all_days: dict[str, int]  # every day's worklist so far, by action (loan-days)
    attempts_logged: int
    refusals: dict[str, int]  # refused attempts by the guard's reason
    promises: dict[str, int]  # by status: open, kept, broken


def summary(uow: UnitOfWork) -> CollectionsSummary:
    """The collections desk in figures: worklists by action, attempts, refusals, promises."""
    store = uow.collections
    today = uow.business_dates.get()
    return CollectionsSummary(today, store.action_counts(today), store.action_totals(), store.attempt_count(),
                              store.refusal_counts(), store.promise_counts())

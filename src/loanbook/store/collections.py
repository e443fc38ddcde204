"""Collections rows (R16): the nightly worklist made set-based from the ladder, contact
attempts, promises to pay. The ladder's steps are pure (collections/ladder.py); here each
step becomes one INSERT ... SELECT over ``loan_marks``, so a night costs a few statements
whatever the size of the book (tests/collections prove it gives what the ladder gives)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from sqlalchemy import ColumnElement, Date, Executable, and_, bindparam, delete, false, func, insert, literal, not_, or_, select, true, update
from sqlalchemy.orm import Session

from loanbook.collections.ladder import Ladder, Step
from loanbook.money import to_fen
from loanbook.store.prepared import run
from loanbook.store.tables import (
    BorrowerRow,
    CollectionActionRow,
    ContactAttemptRow,
    LoanMarkRow,
    PlanInstalmentRow,
    PromiseToPayRow,
    TransactionRow,
)
from loanbook.store.values import value_of, values_of

M = LoanMarkRow
# R16: what the borrower owes on the loan: principal not yet repaid, and the interest,
# penalty and fee fallen due and unpaid (interest is recognised as it falls due, R14),
# less what a coupon (R13) or a negotiation (R11) waived: the receivables of ledger/figures.py.
OWED_FEN = (M.principal_disbursed_fen - M.principal_paid_fen
            + M.interest_recognized_fen - M.interest_paid_fen - M.interest_waived_fen
            + M.penalty_recognized_fen - M.penalty_paid_fen - M.penalty_waived_fen
            + M.fee_recognized_fen - M.fee_paid_fen)
PAYMENT_KINDS = ("repayment", "payoff")
# Loans whose plan an approved request changed (R11): ``plan_instalments`` holds the plan
# they were disbursed with, not their current one, so its due dates are not theirs; they
# get no due-date reminders here (their other steps, by status and DPD, still apply).
REPLANNED = select(TransactionRow.loan_id).where(TransactionRow.request_id.is_not(None),
                                                 TransactionRow.loan_id.is_not(None))


# --- the values handed out (no ORM row leaves store/, issue 10 item 4) -------------------


@dataclass(frozen=True, slots=True)
class CollectionAction:
    """One loan's action of a business day's worklist (R16); ``bureau_pre_notice``: the
    overdue notice that tells the borrower before the first negative record (R15)."""

    id: int
    business_date: date
    loan_id: int
    borrower_id: int
    action: str
    channel: str
    template: str
    status: str  # the loan's at the start of the day (R5)
    dpd: int
    amount_due_fen: int
    owed_fen: int
    bureau_pre_notice: bool


@dataclass(frozen=True, slots=True)
class ContactAttempt:
    """A collector's attempt to reach a borrower; ``refused_reason``: the guard that
    stopped it (R16), None when it was let through."""

    id: int
    loan_id: int
    borrower_id: int
    channel: str  # call, sms, app
    to_phone: str
    at_utc: datetime  # naive, in UTC
    local_date: date  # the day in the lender's time zone
    outcome: str  # connected, no_answer, wrong_number, refused
    note: str
    refused_reason: str | None
    logged_on: date  # the business date
    logged_by_user_id: int | None


@dataclass(frozen=True, slots=True)
class PromiseToPay:
    """A promise to pay ``amount_fen`` by ``by_date`` (R16): open, then kept or broken."""

    id: int
    loan_id: int
    borrower_id: int
    amount_fen: int
    made_on: date
    by_date: date
    status: str  # open, kept, broken
    paid_fen: int | None  # what was paid by by_date, once checked
    checked_on: date | None
    made_by_user_id: int | None


@dataclass(frozen=True, slots=True)
class NamedAction:
    """A worklist action with its borrower's name."""

    action: CollectionAction
    borrower_name: str


_ACTION_COLUMNS = ["business_date", "loan_id", "borrower_id", "action", "channel", "template", "status", "dpd",
                   "amount_due_fen", "owed_fen", "bureau_pre_notice"]


def _step_condition(step: Step, index: int, grace_days: Mapping[str, int]) -> ColumnElement[bool]:
    """The SQL of :meth:`Step.matches` over ``loan_marks`` (R5 figures at the start of the
    day); a step ``index`` before a due date reads that date from the parameter ``due_<index>``."""
    not_settled = M.status != "SETTLED"
    if step.days_before_due is not None:
        due = bindparam(f"due_{index}", type_=Date)
        falls_due = and_(M.loan_id.in_(select(PlanInstalmentRow.loan_id).where(PlanInstalmentRow.due_date == due)),
                         M.loan_id.not_in(REPLANNED))
        if step.days_before_due == 0:
            return and_(not_settled, falls_due, M.amount_due_fen > 0)
        return and_(not_settled, falls_due)
    if step.in_grace:
        return M.status == "GRACE"
    if step.first_overdue_day:
        first_days = [and_(M.product_code == code, M.dpd == days + 1) for code, days in grace_days.items()]
        return and_(M.status == "OVERDUE", or_(*first_days) if first_days else false())
    condition = and_(M.status == "OVERDUE", M.dpd >= step.dpd_from)
    if step.dpd_to is not None:
        condition = and_(condition, M.dpd <= step.dpd_to)
    if step.owed_over is not None:
        condition = and_(condition, OWED_FEN > to_fen(step.owed_over))
    return condition


@lru_cache(maxsize=16)
def _worklist_steps(ladder: Ladder, grace_days: tuple[tuple[str, int], ...]) -> tuple[Executable, ...]:
    """One INSERT ... SELECT per step of the ladder, built once and run every night with
    the day's dates as parameters (store/nights.py says why): ``day``, and ``due_<i>`` for
    a step before a due date. Core on the table: the ORM's INSERT would take the
    parameters for one row's VALUES."""
    conditions = [_step_condition(step, index, dict(grace_days)) for index, step in enumerate(ladder.steps)]
    statements = []
    for index, step in enumerate(ladder.steps):
        later = conditions[index + 1:]
        only_this = and_(conditions[index], not_(or_(*later))) if later else conditions[index]
        rows = select(
            bindparam("day", type_=Date), M.loan_id, M.borrower_id, literal(step.action), literal(step.channel),
            literal(step.template), M.status, M.dpd, M.amount_due_fen, OWED_FEN,
            true() if step.bureau_pre_notice else false(),
        ).where(only_this)
        statements.append(insert(CollectionActionRow.__table__).from_select(_ACTION_COLUMNS, rows))
    return tuple(statements)


class Collections:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- the nightly worklist --------------------------------------------------------

    def make_worklist(self, day: date, ladder: Ladder, grace_days: Mapping[str, int]) -> int:
        """The worklist of ``day``, made anew: each loan gets the last matching step (R16).
        A step's rows are the loans it matches and no later step does: plain predicates
        on each loan's row, so no statement reads what another wrote."""
        self.session.execute(delete(CollectionActionRow).where(CollectionActionRow.business_date == day))
        parameters = {"day": day} | {f"due_{index}": day + timedelta(days=step.days_before_due)
                                      for index, step in enumerate(ladder.steps) if step.days_before_due is not None}
        return sum(run(self.session, statement, parameters).rowcount
                   for statement in _worklist_steps(ladder, tuple(sorted(grace_days.items()))))

    def pre_notices(self, day: date) -> list[tuple[int, str]]:
        """(loan id, channel) of the day's actions that carry the bureau pre-notice (R15)."""
        return [(loan_id, channel) for loan_id, channel in self.session.execute(
            select(CollectionActionRow.loan_id, CollectionActionRow.channel).where(
                CollectionActionRow.business_date == day, CollectionActionRow.bureau_pre_notice == true(),
            ).order_by(CollectionActionRow.loan_id))]

    def worklist(self, day: date, *, action: str | None = None, after_loan_id: int = 0,
                 limit: int | None = None) -> list[NamedAction]:
        """The day's actions with each borrower's name, by loan id."""
        # plain rows, not mapped objects: the whole day's list is read each morning
        query = (select(*CollectionActionRow.__table__.c, BorrowerRow.name.label("borrower_name"))
                 .join(BorrowerRow, BorrowerRow.id == CollectionActionRow.borrower_id)
                 .where(CollectionActionRow.business_date == day, CollectionActionRow.loan_id > after_loan_id)
                 .order_by(CollectionActionRow.loan_id))
        if action is not None:
            query = query.where(CollectionActionRow.action == action)
        if limit is not None:
            query = query.limit(limit)
        return [NamedAction(value_of(CollectionAction, row), row.borrower_name) for row in self.session.execute(query)]

    def next_due_dates(self, loan_ids: list[int], today: date) -> dict[int, date]:
        """Each loan's next due date from ``today`` on (for the templates' {due_date})."""
        rows = self.session.execute(select(PlanInstalmentRow.loan_id, func.min(PlanInstalmentRow.due_date)).where(
            PlanInstalmentRow.loan_id.in_(loan_ids), PlanInstalmentRow.due_date >= today,
        ).group_by(PlanInstalmentRow.loan_id)) if loan_ids else []
        return {loan_id: due for loan_id, due in rows}

    def action_counts(self, day: date) -> dict[str, int]:
        rows = self.session.execute(select(CollectionActionRow.action, func.count()).where(
            CollectionActionRow.business_date == day).group_by(CollectionActionRow.action))
        return {action: count for action, count in rows}

    def action_totals(self) -> dict[str, int]:
        """Actions of every day so far, by action (loan-days)."""
        rows = self.session.execute(select(CollectionActionRow.action, func.count())
                                    .group_by(CollectionActionRow.action))
        return {action: count for action, count in rows}

    def actions_of_loan(self, loan_id: int) -> list[CollectionAction]:
        return values_of(CollectionAction, self.session.scalars(select(CollectionActionRow).where(CollectionActionRow.loan_id == loan_id)
                                         .order_by(CollectionActionRow.business_date)))

    # --- contact attempts ------------------------------------------------------------

    def connected_calls(self, borrower_id: int, local_date: date) -> int:
        return self.session.scalar(select(func.count()).select_from(ContactAttemptRow).where(
            ContactAttemptRow.borrower_id == borrower_id, ContactAttemptRow.local_date == local_date,
            ContactAttemptRow.channel == "call", ContactAttemptRow.outcome == "connected",
            ContactAttemptRow.refused_reason.is_(None),
        )) or 0

    def add_attempt(self, **values: object) -> ContactAttempt:
        row = ContactAttemptRow(**values)
        self.session.add(row)
        self.session.flush()
        return value_of(ContactAttempt, row)

    def attempts_of_loan(self, loan_id: int) -> list[ContactAttempt]:
        return values_of(ContactAttempt, self.session.scalars(select(ContactAttemptRow).where(ContactAttemptRow.loan_id == loan_id)
                                         .order_by(ContactAttemptRow.at_utc, ContactAttemptRow.id)))

    def refusal_counts(self) -> dict[str, int]:
        rows = self.session.execute(select(ContactAttemptRow.refused_reason, func.count()).where(
            ContactAttemptRow.refused_reason.is_not(None)).group_by(ContactAttemptRow.refused_reason))
        return {reason: count for reason, count in rows}

    def attempt_count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(ContactAttemptRow).where(
            ContactAttemptRow.refused_reason.is_(None))) or 0

    # --- promises to pay -------------------------------------------------------------

    def add_promise(self, **values: object) -> PromiseToPay:
        row = PromiseToPayRow(status="open", **values)
        self.session.add(row)
        self.session.flush()
        return value_of(PromiseToPay, row)

    def promises_of_loan(self, loan_id: int) -> list[PromiseToPay]:
        return values_of(PromiseToPay, self.session.scalars(select(PromiseToPayRow).where(PromiseToPayRow.loan_id == loan_id)
                                         .order_by(PromiseToPayRow.made_on, PromiseToPayRow.id)))

    def check_promises(self, closed: date) -> int:
        """Promises whose day has closed (``by_date <= closed``) become kept or broken, in
        one statement: kept when the borrower's payments value-dated from the promise's day
        to its ``by_date`` reach the amount (R6: money is the borrower's, over its loans)."""
        paid = (select(func.coalesce(func.sum(TransactionRow.amount_fen), 0))
                .where(TransactionRow.borrower_id == PromiseToPayRow.borrower_id,
                       TransactionRow.kind.in_(PAYMENT_KINDS),
                       TransactionRow.value_date >= PromiseToPayRow.made_on,
                       TransactionRow.value_date <= PromiseToPayRow.by_date)
                .scalar_subquery())
        due = and_(PromiseToPayRow.status == "open", PromiseToPayRow.by_date <= closed)
        checked = self.session.execute(update(PromiseToPayRow).where(due).values(paid_fen=paid, checked_on=closed)
                                       .execution_options(synchronize_session=False)).rowcount
        for status, condition in (("kept", PromiseToPayRow.paid_fen >= PromiseToPayRow.amount_fen),
                                  ("broken", PromiseToPayRow.paid_fen < PromiseToPayRow.amount_fen)):
            self.session.execute(update(PromiseToPayRow).where(due, PromiseToPayRow.checked_on == closed, condition)
                                 .values(status=status).execution_options(synchronize_session=False))
        return checked

    def promise_counts(self) -> dict[str, int]:
        rows = self.session.execute(select(PromiseToPayRow.status, func.count()).group_by(PromiseToPayRow.status))
        return {status: count for status, count in rows}


def utc_naive(at: datetime) -> datetime:
    """A moment as the DateTime columns store it: UTC without an offset."""
    return at.astimezone(UTC).replace(tzinfo=None)


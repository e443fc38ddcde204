"""Requests for an extension or a negotiated plan, and their review (R11).

A request is recorded by an operator or an admin, or by a borrower for its own loan (the
maker), and decided by a reviewer or an admin who is not its maker (the checker): the
system refuses the maker's own decision, whatever the maker's role. Every request and
decision is kept with who, when (the business date) and why. Nothing changes until
approval; an approval applies the plan change through the rules core on the business
date and stores it as a fact of the book (a transaction row naming the request), replayed
like every other fact. An extension request still undecided when the loan reaches its
maturity date can no longer be approved (R11: 到期日之前), so close of business lapses it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from loanbook.errors import AccessDenied, BadInput, Conflict, LoanbookError, NotFound
from loanbook.money import parse_amount
from loanbook.rules import operations
from loanbook.rules.book import Book, RequestStatus, TransactionKind
from loanbook.rules.position import PlanChangeEffect
from loanbook.rules.replay import position
from loanbook.service.servicing import open_day, post_change, received_at_of
from loanbook.service.users import Role, User
from loanbook.store.values import PlanRequest
from loanbook.store.unit_of_work import UnitOfWork

EXTENSION, NEGOTIATION = TransactionKind.EXTENSION, TransactionKind.NEGOTIATION  # what a request asks for
METHODS = ("interest_first", "equal_principal", "equal_installment")
PENDING, APPROVED, REJECTED, LAPSED = RequestStatus
STATUSES = tuple(RequestStatus)
MAKERS = frozenset({Role.ADMIN, Role.OPERATOR, Role.BORROWER})
CHECKERS = frozenset({Role.ADMIN, Role.REVIEWER})
REASON_MAX = 500
MONTHS_MAX = 120
LAPSE_REASON = "lapsed at close of business: undecided at the loan's maturity date (R11)"


@dataclass(frozen=True, slots=True)
class RequestView:
    row: PlanRequest  # the request as stored (a value: no ORM row leaves store/)
    made_by_name: str
    decided_by_name: str | None
    preview: PlanChangeEffect | None = None  # what approving it today would do
    refusal: str | None = None  # pending, but the rules would refuse its approval today


# --- who may act -----------------------------------------------------------------------


def _loan_borrower(uow: UnitOfWork, actor: User, loan_id: int) -> int:
    """The loan's borrower; a borrower's token sees no loan but its own (404, R11)."""
    borrower_id = uow.borrowers.borrower_of_loan(loan_id)
    if borrower_id is None or (actor.role == Role.BORROWER and borrower_id != actor.borrower_id):
        raise NotFound(f"no loan {loan_id}")
    return borrower_id


def _check_maker(actor: User) -> None:
    if actor.role not in MAKERS:
        raise AccessDenied(f"a {actor.role} token may not record a request; an operator, an admin or the borrower may")


def _check_checker(actor: User, row: PlanRequest) -> None:
    if actor.role not in CHECKERS:
        raise AccessDenied(f"a {actor.role} token may not decide a request; a reviewer or an admin who did not make it may")
    if actor.user_id == row.made_by:
        raise AccessDenied(f"request {row.id} was made by you ({actor.name}): its maker may not decide it; "
                           "another reviewer must (maker-checker, R11)")


def _reason(text: str, what: str, *, required: bool) -> str:
    text = (text or "").strip()
    if required and not text:
        raise BadInput(f"{what} must not be empty: it is kept in the audit trail (R11)")
    if len(text) > REASON_MAX:
        raise BadInput(f"{what} is {len(text)} characters long; at most {REASON_MAX}")
    return text


def _months(months: int) -> int:
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MONTHS_MAX:
        raise BadInput(f"months must be a whole number from 1 to {MONTHS_MAX}, got {months!r}")
    return months


def waiver_of(text: str | None) -> Decimal | str:
    """``"all"``, or an amount of penalty to waive ("0.00" when none is asked)."""
    if text is None:
        return Decimal("0.00")
    if str(text).strip().lower() == "all":
        return "all"
    return parse_amount(text, what="waive_penalty", allow_zero=True)


# --- the core, dry-run or for real -----------------------------------------------------


def _preview(book: Book, row: PlanRequest, today: date) -> PlanChangeEffect:
    """What the request would do if approved today; raises the rule's refusal (R11)."""
    loan_id = str(row.loan_id)
    if row.kind == EXTENSION:
        return operations.preview_extension(book, loan_id=loan_id, months=row.months, on=today)
    return operations.preview_negotiation(book, loan_id=loan_id, method=row.method, months=row.months,
                                          waive_penalty=waiver_of(row.waive_penalty), on=today)


def _apply(book: Book, row: PlanRequest, today: date, fact_id: str, received_at: datetime | None) -> Book:
    """The plan change of ``row`` applied by the core during ``today``, at ``received_at``
    in the day's order (R11); raises if a rule refuses it."""
    loan_id = str(row.loan_id)
    if row.kind == EXTENSION:
        new_book, _ = operations.extend(book, loan_id=loan_id, months=row.months, business_date=today, fact_id=fact_id,
                                        received_at=received_at)
    else:
        new_book, _ = operations.negotiate(
            book, loan_id=loan_id, method=row.method, months=row.months, waive_penalty=waiver_of(row.waive_penalty),
            business_date=today, fact_id=fact_id, received_at=received_at,
        )
    return new_book


def _approval_time(reported: datetime | None, today: date, book: Book) -> datetime | None:
    """When the approval happened in the day's order (R11: a change takes effect when
    approved): the time given, else now, read under the borrower's lock and never before
    a fact of the day already booked, a plan change included."""
    at = received_at_of(reported, today, today, book)
    if reported is not None or at is None:
        return at
    latest = max((c.received_at for c in book.plan_changes if c.value_date == today and c.received_at is not None),
                 default=None)
    return latest + timedelta(microseconds=1) if latest is not None and at <= latest else at


# --- use cases -------------------------------------------------------------------------


def _view(uow: UnitOfWork, row: PlanRequest, preview: PlanChangeEffect | None = None) -> RequestView:
    names = uow.requests.user_names([row.made_by, row.decided_by])
    decided = names.get(row.decided_by) if row.decided_by is not None else None
    if row.status == LAPSED:
        decided = "close of business"
    return RequestView(row, names.get(row.made_by, f"user {row.made_by}"), decided, preview)


def make_request(
    uow: UnitOfWork,
    *,
    actor: User,
    loan_id: int,
    kind: str,
    months: int,
    reason: str,
    method: str | None = None,
    waive_penalty: str | None = None,
) -> RequestView:
    """Record a request (R11). It is checked against the rules as if approved today, so a
    request the rules already refuse (a settled loan, an extension on or after maturity,
    past the cumulative limit, a waiver larger than the penalty) is refused now, and a
    negotiation's reply previews its new plan and carried amounts."""
    _check_maker(actor)
    if kind not in (EXTENSION, NEGOTIATION):
        raise BadInput(f"kind {kind!r} must be {EXTENSION} or {NEGOTIATION}")
    months = _months(months)
    reason = _reason(reason, "reason", required=actor.role != Role.BORROWER)
    if kind == NEGOTIATION:
        if method not in METHODS:
            raise BadInput(f"method {method!r} must be one of {', '.join(METHODS)}")
        waiver = waiver_of(waive_penalty)
        waive_text = waiver if waiver == "all" else format(waiver, "f")
    else:
        method = waive_text = None
    borrower_id = _loan_borrower(uow, actor, loan_id)
    today = uow.business_dates.get()
    book = uow.borrowers.book(borrower_id, row=uow.borrowers.get(borrower_id, for_update=True))
    row = uow.requests.add(
        loan_id=loan_id, borrower_id=borrower_id, kind=kind, months=months, method=method, waive_penalty=waive_text,
        reason=reason, status=PENDING, made_by=actor.user_id, made_on=today, decision_reason="",
    )
    preview = _preview(book, row, today)  # raises (and nothing is stored) if the rules refuse it
    view = _view(uow, row, preview)  # read before the commit: the unit of work ends with it
    uow.commit()
    return view


def decide(
    uow: UnitOfWork, *, actor: User, request_id: int, approve: bool, reason: str, received_at: datetime | None = None
) -> RequestView:
    """Approve or reject a pending request; approval applies its plan change today (R11),
    at ``received_at`` in the day's order (default: now)."""
    row = uow.requests.get(request_id, for_update=True)
    if row is None or (actor.role == Role.BORROWER and row.borrower_id != actor.borrower_id):
        raise NotFound(f"no request {request_id}")
    _check_checker(actor, row)
    if row.status != PENDING:
        raise Conflict(f"request {request_id} was already {row.status} on {row.decided_on}; a request is decided once")
    reason = _reason(reason, "reason", required=not approve)
    today = open_day(uow)
    if approve:
        book = uow.borrowers.book(row.borrower_id, row=uow.borrowers.get(row.borrower_id, for_update=True))
        received_at = _approval_time(received_at, today, book)
        new_book = _apply(book, row, today, "pending", received_at)
        tx_id = uow.borrowers.add_transaction(
            borrower_id=row.borrower_id, kind=row.kind, loan_id=row.loan_id, value_date=today, booked_on=today,
            amount_fen=0, channel="review", request_id=row.id, received_at=received_at,
        )
        post_change(uow, row.borrower_id, new_book.renamed("pending", str(tx_id)), today, kind=row.kind, cash_fen=0,
                    tx_id=tx_id)
    if not uow.requests.decide(request_id, status=APPROVED if approve else REJECTED, decided_by=actor.user_id,
                               decided_on=today, reason=reason):
        raise Conflict(f"request {request_id} was decided meanwhile; a request is decided once")
    view = _view(uow, uow.requests.get(request_id))  # as decided, read before the commit
    uow.commit()
    return view


def get_request(uow: UnitOfWork, *, actor: User, request_id: int) -> RequestView:
    """A request; while pending, with what approving it today would do, or why the rules
    would refuse it today (so the reviewer decides on today's figures, R11)."""
    row = uow.requests.get(request_id)
    if row is None or (actor.role == Role.BORROWER and row.borrower_id != actor.borrower_id):
        raise NotFound(f"no request {request_id}")
    if row.status != PENDING:
        return _view(uow, row)
    try:
        preview = _preview(uow.borrowers.book(row.borrower_id), row, uow.business_dates.get())
    except LoanbookError as exc:
        return replace(_view(uow, row), refusal=str(exc))
    return _view(uow, row, preview)


def list_requests(
    uow: UnitOfWork, *, actor: User, status: str | None = None, loan_id: int | None = None, limit: int = 100,
    after_id: int = 0,
) -> list[RequestView]:
    """The reviewers' queue (``status="pending"``) or a loan's requests; a borrower sees its own only."""
    if status is not None and status not in STATUSES:
        raise BadInput(f"status {status!r} must be one of {', '.join(STATUSES)}")
    if loan_id is not None:
        _loan_borrower(uow, actor, loan_id)
    borrower_id = actor.borrower_id if actor.role == Role.BORROWER else None
    rows = uow.requests.listed(status=status, loan_id=loan_id, borrower_id=borrower_id, limit=limit, after_id=after_id)
    return [_view(uow, row) for row in rows]


def lapse_extensions(uow: UnitOfWork, closing: date) -> int:
    """Close of business of ``closing``: extension requests that can no longer be approved
    tomorrow (tomorrow is on or after the loan's current maturity, or the loan is settled)
    lapse (R11). Called in the day's closing transaction; returns how many lapsed."""
    tomorrow = closing + timedelta(days=1)
    lapsed = 0
    for row in uow.requests.pending_extensions(maturing_by=tomorrow):
        book = uow.borrowers.book(row.borrower_id)
        loan = position(book, closing, include_day=True).loan(str(row.loan_id))
        maturity = (loan.maturity_date or loan.schedule[-1].due_date) if loan is not None and loan.schedule else closing
        if loan is None or loan.settled_on is not None or tomorrow >= maturity:
            lapsed += uow.requests.decide(row.id, status=LAPSED, decided_by=None, decided_on=closing, reason=LAPSE_REASON)
    return lapsed

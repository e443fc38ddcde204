"""Collections (R16): the day's worklist, contact attempts through the guards, promises
to pay, and a loan's collections history.

Who: collectors work with an ``operator`` token (they log attempts and promises);
``reviewer`` tokens read; ``admin`` does everything; a borrower token gets 403.
A contact a guard stops is 422 ``contact_refused`` with the guard's ``reason``
(``third party``, ``22:00-08:00``, ``3 connected calls``); the refusal is logged.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import Depends, Query
from fastapi.responses import Response
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

from loanbook.api.deps import STAFF_READ, STAFF_WRITE, LoanInReach, UowDep, User, allowed, loan_in_reach
from loanbook.api.errors import JSON, reply_for
from loanbook.api.routes import ERROR_RESPONSES, router
from loanbook.api.schemas import AmountText, Command, IsoDate, Phone, Text, _plain_text, amount
from loanbook.collections.guards import in_utc
from loanbook.errors import ContactRefused
from loanbook.money import format_amount, from_fen
from loanbook.service import collections as service
from loanbook.store.collections import CollectionAction, ContactAttempt, PromiseToPay

routes = router("/v1", "collections")
Collector = Annotated[LoanInReach, Depends(loan_in_reach(STAFF_WRITE))]
LoanRead = Annotated[LoanInReach, Depends(loan_in_reach(STAFF_READ))]
REFUSED_RESPONSES: dict[int | str, dict[str, object]] = {
    **ERROR_RESPONSES,
    422: {"description": "Bad input (bad_input), or a guard of R16 refused the contact (contact_refused, with "
                         "the guard's reason: third party, 22:00-08:00, 3 connected calls); a refusal is logged."},
}


def _moment(value: object) -> datetime:
    """An ISO date-time with its UTC offset, as a string: a time without an offset is no
    moment (whose 22:00?)."""
    if not isinstance(value, str) or "T" not in value:
        raise ValueError("must be an ISO date-time string with its offset, like 2026-02-14T10:30:00+08:00")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a date-time like 2026-02-14T10:30:00+08:00") from None
    if moment.tzinfo is None:
        raise ValueError("must carry its UTC offset (+08:00 or Z), like 2026-02-14T10:30:00+08:00")
    at_utc = in_utc(moment)
    if at_utc is None or not service.CONTACT_YEARS[0] <= at_utc.year <= service.CONTACT_YEARS[1]:
        raise ValueError(f"must be a moment in the years {service.CONTACT_YEARS[0]} to {service.CONTACT_YEARS[1]}")
    return moment


Moment = Annotated[datetime, BeforeValidator(_moment)]
Note = Annotated[Text, Field(max_length=service.NOTE_MAX), AfterValidator(_plain_text)]


class ContactAttemptCreate(Command):
    channel: Literal["call", "sms", "app"]
    to: Phone = Field(description="The number contacted: it must be the borrower's phone on file (R16).")
    at: Moment = Field(description="When, ISO date-time with offset; quiet hours are the lender's local time.")
    outcome: Literal["connected", "no_answer", "wrong_number", "refused"]
    note: Note = ""


class PromiseCreate(Command):
    amount: AmountText
    by: IsoDate = Field(description="The last day of the promise, from the business date to 30 days after it.")


class ContactAttemptPublic(BaseModel):
    id: int
    loan_id: int
    borrower_id: int
    channel: str
    to: str
    at: datetime = Field(description="When, in UTC (with its Z offset).")
    local_date: date
    outcome: str
    note: str
    refused_reason: str | None = Field(description="The guard that refused it; null when logged.")
    logged_on: date
    logged_by_user_id: int | None

    @classmethod
    def of(cls, row: ContactAttempt) -> ContactAttemptPublic:
        return cls(id=row.id, loan_id=row.loan_id, borrower_id=row.borrower_id, channel=row.channel, to=row.to_phone,
                   at=row.at_utc.replace(tzinfo=UTC), local_date=row.local_date, outcome=row.outcome, note=row.note,
                   refused_reason=row.refused_reason, logged_on=row.logged_on,
                   logged_by_user_id=row.logged_by_user_id)


class PromisePublic(BaseModel):
    id: int
    loan_id: int
    borrower_id: int
    amount: str
    made_on: date
    by: date
    status: str = Field(description="open, then kept or broken once close of business has closed `by`.")
    paid: str | None
    checked_on: date | None

    @classmethod
    def of(cls, row: PromiseToPay) -> PromisePublic:
        return cls(id=row.id, loan_id=row.loan_id, borrower_id=row.borrower_id,
                   amount=format_amount(from_fen(row.amount_fen)), made_on=row.made_on, by=row.by_date,
                   status=row.status, paid=None if row.paid_fen is None else format_amount(from_fen(row.paid_fen)),
                   checked_on=row.checked_on)


class ActionPublic(BaseModel):
    business_date: date
    loan_id: int
    borrower_id: int
    action: str
    channel: str
    template: str
    status: str
    dpd: int
    amount_due: str
    owed: str
    bureau_pre_notice: bool

    @classmethod
    def of(cls, row: CollectionAction) -> ActionPublic:
        return cls(business_date=row.business_date, loan_id=row.loan_id, borrower_id=row.borrower_id,
                   action=row.action, channel=row.channel, template=row.template, status=row.status, dpd=row.dpd,
                   amount_due=format_amount(from_fen(row.amount_due_fen)),
                   owed=format_amount(from_fen(row.owed_fen)), bureau_pre_notice=row.bureau_pre_notice)


class WorkItemPublic(ActionPublic):
    borrower_name: str
    message: str


class WorklistPublic(BaseModel):
    business_date: date
    counts: dict[str, int] = Field(description="The day's actions by action, whatever the filter.")
    items: list[WorkItemPublic]
    next_after_loan_id: int | None = Field(description="Pass as after_loan_id for the next page; null: no more.")


class LoanCollectionsPublic(BaseModel):
    loan_id: int
    borrower_id: int
    business_date: date
    attempts: list[ContactAttemptPublic]
    promises: list[PromisePublic]
    actions: list[ActionPublic]


@routes.get("/collections/worklist", response_model=WorklistPublic)
def get_worklist(
    user: Annotated[User, Depends(allowed(STAFF_READ))], uow: UowDep,
    action: Annotated[str | None, Query(max_length=32, description="Only this action of the ladder.")] = None,
    after_loan_id: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=service.WORKLIST_LIMIT_MAX)] = 1000,
) -> WorklistPublic:
    """The business date's actions, one per loan, made by close of business (R16)."""
    worklist = service.worklist(uow, action=action, after_loan_id=after_loan_id, limit=limit)
    items = [WorkItemPublic(**ActionPublic.of(item.action).model_dump(), borrower_name=item.borrower_name,
                            message=item.message) for item in worklist.items]
    return WorklistPublic(business_date=worklist.business_date, counts=worklist.counts, items=items,
                          next_after_loan_id=items[-1].loan_id if len(items) == limit else None)


@routes.post("/loans/{loan_id}/contact-attempts", status_code=201, response_model=ContactAttemptPublic,
             responses=REFUSED_RESPONSES)
def log_contact_attempt(caller: Collector, body: ContactAttemptCreate, uow: UowDep) -> ContactAttemptPublic | Response:
    """Log an attempt to reach the borrower, once the guards let it through (R16)."""
    try:
        row = service.log_contact_attempt(uow, loan_id=caller.loan_id, channel=body.channel, to=body.to, at=body.at,
                                          outcome=body.outcome, note=body.note, user_id=caller.user.user_id)
    except ContactRefused as refused:
        reply = reply_for(refused)  # 422 contact_refused, and the guard's reason on its own
        error = {"code": reply.code, "message": reply.message, "reason": refused.reason}
        return Response(json.dumps({"error": error}, ensure_ascii=False), status_code=reply.status, media_type=JSON)
    return ContactAttemptPublic.of(row)


@routes.post("/loans/{loan_id}/promises", status_code=201, response_model=PromisePublic)
def make_promise(caller: Collector, body: PromiseCreate, uow: UowDep) -> PromisePublic:
    """A promise to pay ``amount`` by ``by``; close of business marks it kept or broken."""
    promised = amount(body.amount, "amount")
    return PromisePublic.of(service.make_promise(uow, loan_id=caller.loan_id, amount=promised, by=body.by,
                                                 user_id=caller.user.user_id))


@routes.get("/loans/{loan_id}/collections", response_model=LoanCollectionsPublic)
def get_loan_collections(caller: LoanRead, uow: UowDep) -> LoanCollectionsPublic:
    """The loan's contact attempts (refused ones with their reason), promises and actions."""
    history = service.loan_collections(uow, caller.loan_id)
    return LoanCollectionsPublic(
        loan_id=history.loan_id, borrower_id=history.borrower_id, business_date=history.business_date,
        attempts=[ContactAttemptPublic.of(row) for row in history.attempts],
        promises=[PromisePublic.of(row) for row in history.promises],
        actions=[ActionPublic.of(row) for row in history.actions])

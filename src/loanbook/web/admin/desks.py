"""The desks: collections (R16: the day's worklist, logging a contact through the guards,
the refusals), partners (R17: reconciliation breaks), the credit bureau (R15: batches,
corrections, disputes) and the business date with close-of-business progress."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from loanbook.api.deps import STAFF_WRITE
from loanbook.errors import AccessDenied, BadInput
from loanbook.service import collections
from loanbook.service.back_office import bureau_page, business_date_page, collections_page
from loanbook.service.partners_admin import list_breaks
from loanbook.store.partners import Partners
from loanbook.web.admin.common import StaffSession, admin_router, page, reading, refused_or
from loanbook.web.csrf import CheckedForm

routes = admin_router()
WORKLIST_SHOWN = 200
BREAK_STATES = ("open", "resolved", "all")


def _collections(request: Request, session: StaffSession, action: str | None, refusal: str = "",
                 status_code: int = 200, form: dict[str, str] | None = None) -> Response:
    with reading(request) as uow:
        data = collections_page(uow, action=action or None, limit=WORKLIST_SHOWN)
    return page(request, session, "admin/collections.html", "/admin/collections",
                {"data": data, "action": action or "", "refusal": refusal, "form": form or {},
                 "channels": collections.CHANNELS, "outcomes": collections.OUTCOMES}, status_code=status_code)


@routes.get("/collections")
def worklist(request: Request, session: StaffSession,
             action: Annotated[str, Query(max_length=32)] = "") -> Response:
    return _collections(request, session, action)


def _text(form: CheckedForm, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


@routes.post("/collections/attempts")
def log_attempt(request: Request, session: StaffSession, form: CheckedForm) -> Response:
    """A contact attempt, through the R16 guards; a refusal is logged by the service and
    shown here with the guard's message."""
    fields = {name: _text(form, name) for name in ("loan_id", "channel", "to", "at", "outcome", "note")}

    def act() -> str:
        if not fields["loan_id"].isdigit() or len(fields["loan_id"]) > 18:
            raise BadInput(f"loan {fields['loan_id']!r} must be a loan id")
        try:
            at = datetime.fromisoformat(fields["at"])
        except ValueError:
            raise BadInput(f"at {fields['at']!r} must be a date-time with its UTC offset, like "
                           "2026-02-14T10:30:00+08:00") from None
        if session.user.role not in STAFF_WRITE:  # the API's policy for logging contacts (routes/collections.py)
            raise AccessDenied(f"a {session.user.role} may not log a contact attempt; an operator or an admin may")
        with reading(request) as uow:
            row = collections.log_contact_attempt(uow, loan_id=int(fields["loan_id"]), channel=fields["channel"],
                                                  to=fields["to"], at=at, outcome=fields["outcome"],
                                                  note=fields["note"], user_id=session.user.user_id)
        return f"/admin/collections?done=attempt+{row.id}+logged"

    return refused_or(request, session, act,
                      lambda message, status: _collections(request, session, None, message, status, fields))


@routes.get("/partners")
def partners(request: Request, session: StaffSession,
             state: Annotated[str, Query(max_length=16)] = "open") -> Response:
    if state not in BREAK_STATES:
        raise BadInput(f"state must be one of {', '.join(BREAK_STATES)}, not {state!r}")
    with reading(request) as uow:
        known = [(row.code, row.name, bool(row.is_default)) for row in Partners(uow.session).all()]
    breaks = list_breaks(request.app.state.engine, state=state)
    return page(request, session, "admin/partners.html", "/admin/partners",
                {"partners": known, "breaks": breaks, "state": state, "states": BREAK_STATES})


@routes.get("/bureau")
def bureau_desk(request: Request, session: StaffSession) -> Response:
    with reading(request) as uow:
        data = bureau_page(uow)
    return page(request, session, "admin/bureau.html", "/admin/bureau", {"data": data})


@routes.get("/business-date")
def business_date(request: Request, session: StaffSession) -> Response:
    with reading(request) as uow:
        data = business_date_page(uow)
    return page(request, session, "admin/business_date.html", "/admin/business-date", {"data": data})

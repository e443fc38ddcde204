"""/admin/requests: the review queue of extension and negotiated-plan requests (R11), and
recording one from a loan's page. Maker-checker is service/requests.py's rule, as for the
API: whoever made a request may not decide it, and the page shows that refusal in the
service's words."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request
from fastapi.responses import Response

from loanbook.api.deps import ID_MAX
from loanbook.errors import BadInput
from loanbook.service import requests
from loanbook.service.back_office import loan_page
from loanbook.web.admin.common import StaffSession, admin_router, page, reading, refused_or
from loanbook.web.csrf import CheckedForm

routes = admin_router()
QUEUE_SHOWN = 100
RequestId = Annotated[int, Path(ge=1, le=ID_MAX)]


@routes.get("/requests")
def queue(request: Request, session: StaffSession,
          status: Annotated[str, Query(max_length=16)] = requests.PENDING) -> Response:
    with reading(request) as uow:
        found = requests.list_requests(uow, actor=session.user, status=status or None, limit=QUEUE_SHOWN)
    return page(request, session, "admin/requests.html", "/admin/requests",
                {"requests": found, "status": status, "statuses": requests.STATUSES})


def _request_page(request: Request, session: StaffSession, request_id: int, refusal: str = "",
                  status_code: int = 200) -> Response:
    with reading(request) as uow:
        view = requests.get_request(uow, actor=session.user, request_id=request_id)
    return page(request, session, "admin/request.html", "/admin/requests",
                {"view": view, "refusal": refusal}, status_code=status_code)


@routes.get("/requests/{request_id}")
def one_request(request: Request, session: StaffSession, request_id: RequestId) -> Response:
    return _request_page(request, session, request_id)


def _field(form: CheckedForm, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


@routes.post("/requests/{request_id}/decision")
def decide(request: Request, session: StaffSession, request_id: RequestId, form: CheckedForm) -> Response:
    decision = _field(form, "decision")

    def act() -> str:
        if decision not in ("approve", "reject"):
            raise BadInput(f"decision {decision!r} must be approve or reject")
        with reading(request) as uow:
            view = requests.decide(uow, actor=session.user, request_id=request_id, approve=decision == "approve",
                                   reason=_field(form, "reason"))
        return f"/admin/requests/{request_id}?done=request+{view.row.id}+{view.row.status}"

    return refused_or(request, session, act,
                      lambda message, status: _request_page(request, session, request_id, message, status))


@routes.post("/loans/{loan_id}/requests")
def make_request(request: Request, session: StaffSession, loan_id: Annotated[int, Path(ge=1, le=ID_MAX)],
                 form: CheckedForm) -> Response:
    """Record a request as its maker (an operator or an admin); reviewers are refused by
    the service."""

    def act() -> str:
        months_text = _field(form, "months").strip()
        if not months_text.isdigit() or len(months_text) > 4:
            raise BadInput(f"months {months_text!r} must be a whole number of months")
        kind = _field(form, "kind")
        negotiation = kind == requests.NEGOTIATION
        method = (_field(form, "method") or None) if negotiation else None
        waiver = (_field(form, "waive_penalty").strip() or None) if negotiation else None
        with reading(request) as uow:
            view = requests.make_request(uow, actor=session.user, loan_id=loan_id, kind=kind, months=int(months_text),
                                         reason=_field(form, "reason"), method=method, waive_penalty=waiver)
        return f"/admin/requests/{view.row.id}?done=request+{view.row.id}+recorded"

    def again(message: str, status: int) -> Response:
        with reading(request) as uow:
            data = loan_page(uow, actor=session.user, loan_id=loan_id)
        return page(request, session, "admin/loan.html", "/admin/search", {"data": data, "refusal": message},
                    status_code=status)

    return refused_or(request, session, act, again)

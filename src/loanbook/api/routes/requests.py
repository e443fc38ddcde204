"""Hardship requests and their review (R11): extension and negotiation requests on a
loan, the reviewers' queue, approve and reject, and a loan's history.

Maker-checker is the service's rule (service/requests.py), not the route's: the maker
deciding their own request gets 403, a request decided already 409. A borrower's token
reaches its own loans and requests only; any other is 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from fastapi.responses import Response

from loanbook.api.deps import ADMIN, BORROWER, OPERATOR, OWN_READ, REVIEWER, CurrentUser, UowDep, allow
from loanbook.api.hardship_schemas import (
    DecisionCreate,
    ExtensionRequestCreate,
    HistoryPublic,
    NegotiationRequestCreate,
    RequestListPublic,
    RequestPublic,
)
from loanbook.api.idempotency import OptionallyIdempotentDep
from loanbook.api.routes import MONEY_RESPONSES, LoanId, router
from loanbook.api.schemas import ID_MAX
from loanbook.service import history, requests
from loanbook.service.users import User

routes = router("/v1", "requests")

MAKERS = frozenset({ADMIN, OPERATOR, BORROWER})
CHECKERS = frozenset({ADMIN, REVIEWER})
RequestId = Annotated[int, Path(ge=1, le=ID_MAX, description="A request's id.")]
DECISION_RESPONSES = {**MONEY_RESPONSES, 409: MONEY_RESPONSES[409] | {"description": "The request was decided already."}}


def _allow_own(user: User, roles: frozenset[str]) -> None:
    """Staff by role; a borrower token passes here, and the service shows it only its own (404)."""
    if user.role != BORROWER:
        allow(user, roles - {BORROWER})
    elif BORROWER not in roles:
        allow(user, roles)


@routes.post("/loans/{loan_id}/extension-requests", status_code=201, response_model=RequestPublic,
             responses=MONEY_RESPONSES)
def request_extension(loan_id: LoanId, body: ExtensionRequestCreate, user: CurrentUser,
                      idempotency: OptionallyIdempotentDep) -> Response:
    """Ask to move the maturity later by ``months`` (展期, R11). Nothing changes until a
    reviewer who is not the maker approves it, before the loan's maturity date."""
    _allow_own(user, MAKERS)
    return idempotency.run(body, lambda uow: RequestPublic.of(requests.make_request(
        uow, actor=user, loan_id=loan_id, kind=requests.EXTENSION, months=body.months, reason=body.reason)))


@routes.post("/loans/{loan_id}/negotiation-requests", status_code=201, response_model=RequestPublic,
             responses=MONEY_RESPONSES)
def request_negotiation(loan_id: LoanId, body: NegotiationRequestCreate, user: CurrentUser,
                        idempotency: OptionallyIdempotentDep) -> Response:
    """Ask for a negotiated plan (协商还款, R11); the reply previews the new plan and the
    carried interest and penalty as if approved today."""
    _allow_own(user, MAKERS)
    return idempotency.run(body, lambda uow: RequestPublic.of(requests.make_request(
        uow, actor=user, loan_id=loan_id, kind=requests.NEGOTIATION, months=body.months, reason=body.reason,
        method=body.method, waive_penalty=body.waive_penalty)))


@routes.get("/requests", response_model=RequestListPublic)
def list_requests(
    user: CurrentUser,
    uow: UowDep,
    status: Annotated[str | None, Query(description="pending (the reviewers' queue), approved, rejected or lapsed.")] = None,
    loan_id: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
    after_id: Annotated[int, Query(ge=0, le=ID_MAX, description="Page on: the last id of the previous page.")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> RequestListPublic:
    """Requests, oldest first; a borrower's token lists its own."""
    _allow_own(user, OWN_READ)
    found = requests.list_requests(uow, actor=user, status=status, loan_id=loan_id, limit=limit, after_id=after_id)
    return RequestListPublic(requests=[RequestPublic.of(view) for view in found])


@routes.get("/requests/{request_id}", response_model=RequestPublic)
def get_request(request_id: RequestId, user: CurrentUser, uow: UowDep) -> RequestPublic:
    _allow_own(user, OWN_READ)
    return RequestPublic.of(requests.get_request(uow, actor=user, request_id=request_id))


@routes.post("/requests/{request_id}/approve", response_model=RequestPublic, responses=DECISION_RESPONSES)
def approve(request_id: RequestId, body: DecisionCreate, user: CurrentUser, idempotency: OptionallyIdempotentDep) -> Response:
    """Approve a pending request: its plan change applies today (R11). Its maker gets 403."""
    allow(user, CHECKERS)
    return idempotency.run(body, lambda uow: RequestPublic.of(requests.decide(
        uow, actor=user, request_id=request_id, approve=True, reason=body.reason)), status=200)


@routes.post("/requests/{request_id}/reject", response_model=RequestPublic, responses=DECISION_RESPONSES)
def reject(request_id: RequestId, body: DecisionCreate, user: CurrentUser, idempotency: OptionallyIdempotentDep) -> Response:
    """Reject a pending request, with a reason: the original plan stays in force (R11)."""
    allow(user, CHECKERS)
    return idempotency.run(body, lambda uow: RequestPublic.of(requests.decide(
        uow, actor=user, request_id=request_id, approve=False, reason=body.reason)), status=200)


@routes.get("/loans/{loan_id}/history", response_model=HistoryPublic)
def get_history(loan_id: LoanId, user: CurrentUser, uow: UowDep) -> HistoryPublic:
    """Disbursement, money received, requests and decisions, plan changes and status
    changes, with their dates and who acted."""
    _allow_own(user, OWN_READ)
    return HistoryPublic.of(history.loan_history(uow, actor=user, loan_id=loan_id))

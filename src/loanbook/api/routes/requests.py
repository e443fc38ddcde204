"""Hardship requests and their review (R11): extension and negotiation requests on a
loan, the reviewers' queue, approve and reject, and a loan's history.

Maker-checker is the service's rule (service/requests.py), not the route's: the maker
deciding their own request gets 403, a request decided already 409. A borrower's token
reaches its own loans and requests only; any other is 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query
from fastapi.responses import Response

from loanbook.api.deps import (
    ADMIN,
    BORROWER,
    ID_MAX,
    OPERATOR,
    OWN_READ,
    REVIEWER,
    LoanInReach,
    UowDep,
    allowed,
    loan_in_reach,
)
from loanbook.api.hardship_schemas import (
    DecisionCreate,
    ExtensionRequestCreate,
    HistoryPublic,
    NegotiationRequestCreate,
    RequestListPublic,
    RequestPublic,
)
from loanbook.api.idempotency import OptionallyIdempotentDep
from loanbook.api.routes import MONEY_RESPONSES, router
from loanbook.service import history, requests
from loanbook.service.users import User

routes = router("/v1", "requests")

MAKERS = frozenset({ADMIN, OPERATOR, BORROWER})
CHECKERS = frozenset({ADMIN, REVIEWER})
Maker = Annotated[LoanInReach, Depends(loan_in_reach(MAKERS))]
LoanReader = Annotated[LoanInReach, Depends(loan_in_reach(OWN_READ))]
Reader = Annotated[User, Depends(allowed(OWN_READ))]
Checker = Annotated[User, Depends(allowed(CHECKERS))]
RequestId = Annotated[int, Path(ge=1, le=ID_MAX, description="A request's id.")]
DECISION_RESPONSES = {**MONEY_RESPONSES, 409: MONEY_RESPONSES[409] | {"description": "The request was decided already."}}


@routes.post("/loans/{loan_id}/extension-requests", status_code=201, response_model=RequestPublic,
             responses=MONEY_RESPONSES)
def request_extension(caller: Maker, body: ExtensionRequestCreate, idempotency: OptionallyIdempotentDep) -> Response:
    """Ask to move the maturity later by ``months`` (展期, R11). Nothing changes until a
    reviewer who is not the maker approves it, before the loan's maturity date."""
    return idempotency.run(body, lambda uow: RequestPublic.of(requests.make_request(
        uow, actor=caller.user, loan_id=caller.loan_id, kind=requests.EXTENSION, months=body.months, reason=body.reason)))


@routes.post("/loans/{loan_id}/negotiation-requests", status_code=201, response_model=RequestPublic,
             responses=MONEY_RESPONSES)
def request_negotiation(caller: Maker, body: NegotiationRequestCreate,
                        idempotency: OptionallyIdempotentDep) -> Response:
    """Ask for a negotiated plan (协商还款, R11); the reply previews the new plan and the
    carried interest and penalty as if approved today."""
    return idempotency.run(body, lambda uow: RequestPublic.of(requests.make_request(
        uow, actor=caller.user, loan_id=caller.loan_id, kind=requests.NEGOTIATION, months=body.months, reason=body.reason,
        method=body.method, waive_penalty=body.waive_penalty)))


@routes.get("/requests", response_model=RequestListPublic)
def list_requests(
    user: Reader,
    uow: UowDep,
    status: Annotated[str | None, Query(description="pending (the reviewers' queue), approved, rejected or lapsed.")] = None,
    loan_id: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
    after_id: Annotated[int, Query(ge=0, le=ID_MAX, description="Page on: the last id of the previous page.")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> RequestListPublic:
    """Requests, oldest first; a borrower's token lists its own."""
    found = requests.list_requests(uow, actor=user, status=status, loan_id=loan_id, limit=limit, after_id=after_id)
    return RequestListPublic(requests=[RequestPublic.of(view) for view in found])


@routes.get("/requests/{request_id}", response_model=RequestPublic)
def get_request(request_id: RequestId, user: Reader, uow: UowDep) -> RequestPublic:
    return RequestPublic.of(requests.get_request(uow, actor=user, request_id=request_id))


@routes.post("/requests/{request_id}/approve", response_model=RequestPublic, responses=DECISION_RESPONSES)
def approve(request_id: RequestId, body: DecisionCreate, user: Checker, idempotency: OptionallyIdempotentDep) -> Response:
    """Approve a pending request: its plan change applies today (R11). Its maker gets 403."""
    return idempotency.run(body, lambda uow: RequestPublic.of(requests.decide(
        uow, actor=user, request_id=request_id, approve=True, reason=body.reason)), status=200)


@routes.post("/requests/{request_id}/reject", response_model=RequestPublic, responses=DECISION_RESPONSES)
def reject(request_id: RequestId, body: DecisionCreate, user: Checker, idempotency: OptionallyIdempotentDep) -> Response:
    """Reject a pending request, with a reason: the original plan stays in force (R11)."""
    return idempotency.run(body, lambda uow: RequestPublic.of(requests.decide(
        uow, actor=user, request_id=request_id, approve=False, reason=body.reason)), status=200)


@routes.get("/loans/{loan_id}/history", response_model=HistoryPublic)
def get_history(caller: LoanReader, uow: UowDep) -> HistoryPublic:
    """Disbursement, money received, requests and decisions, plan changes and status
    changes, with their dates and who acted."""
    return HistoryPublic.of(history.loan_history(uow, actor=caller.user, loan_id=caller.loan_id))

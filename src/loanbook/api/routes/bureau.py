"""The credit bureau (R15): a loan's records, disputes (异议, answered within 20 days)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Path
from pydantic import AfterValidator, BaseModel, Field

from loanbook.api.deps import ADMIN, ID_MAX, OWN_PAYMENT, OWN_READ, REVIEWER, STAFF_READ, LoanInReach, UowDep, \
    allowed, loan_in_reach
from loanbook.api.routes import router
from loanbook.api.schemas import Command, ErrorEnvelope, Id, Text, _plain_text
from loanbook.bureau.disputes import DisputeView
from loanbook.service import bureau as service
from loanbook.service.users import User

routes = router("/v1", "bureau")
DECIDERS = frozenset({ADMIN, REVIEWER})  # a dispute is decided by someone who checks, not who books
Words = Annotated[Text, Field(min_length=1, max_length=500), AfterValidator(_plain_text)]


class BureauLine(BaseModel):
    type: str
    record_id: int
    loan_id: int
    moment: int
    moment_name: str
    as_of: date
    balance: str
    remaining_periods: int
    overdue_periods: int
    overdue_amount: str
    overdue_principal: str
    dpd: int
    month_status: str
    status_24: str
    corrects: int | None = None
    reason: str | None = None
    produced_on: date
    submitted_on: date | None


class BureauHistory(BaseModel):
    loan_id: int
    records: list[BureauLine]


class DisputeCreate(Command):
    claim: Words
    record_id: Id | None = None


class DisputeResolution(Command):
    decision: Literal["upheld", "rejected"]
    reason: Words


# The JSON of a dispute is the frozen view the bureau module gives (pydantic reads a
# dataclass's fields), so its fields are listed once, in bureau/disputes.py.
DisputePublic = DisputeView


@routes.get("/loans/{loan_id}/bureau", response_model=BureauHistory)
def get_bureau_history(caller: Annotated[LoanInReach, Depends(loan_in_reach(OWN_READ))], uow: UowDep) -> BureauHistory:
    """Every bureau record and correction of the loan, submitted or not (R15)."""
    lines = service.loan_history(uow, caller.loan_id)
    return BureauHistory(loan_id=caller.loan_id, records=[
        BureauLine(**{k: v for k, v in h.line.items() if k in BureauLine.model_fields},
                   produced_on=h.produced_on, submitted_on=h.submitted_on)
        for h in lines
    ])


@routes.post("/loans/{loan_id}/bureau/disputes", status_code=201, response_model=DisputePublic)
def file_dispute(caller: Annotated[LoanInReach, Depends(loan_in_reach(OWN_PAYMENT))], body: DisputeCreate,
                 uow: UowDep) -> DisputePublic:
    """A borrower's dispute of what was reported, answered within 20 days (art. 25)."""
    return service.file_dispute(uow, loan_id=caller.loan_id, claim=body.claim, record_id=body.record_id)


@routes.get("/bureau/disputes", response_model=list[DisputePublic])
def list_disputes(_: Annotated[User, Depends(allowed(STAFF_READ))], uow: UowDep,
                  open_only: bool = False) -> list[DisputePublic]:
    """Disputes with their age and the days left to their deadline."""
    return service.list_disputes(uow, open_only=open_only)


RESOLUTION_RESPONSES: dict[int | str, dict[str, object]] = {
    409: {"model": ErrorEnvelope, "description": "The dispute was already resolved."},
}


@routes.post("/bureau/disputes/{dispute_id}/resolution", response_model=DisputePublic, responses=RESOLUTION_RESPONSES)
def resolve_dispute(_: Annotated[User, Depends(allowed(DECIDERS))], body: DisputeResolution, uow: UowDep,
                    dispute_id: Annotated[int, Path(ge=1, le=ID_MAX)]) -> DisputePublic:
    """Upheld: the records are corrected from the books; rejected: the reason is kept."""
    return service.resolve_dispute(uow, dispute_id=dispute_id, upheld=body.decision == "upheld", reason=body.reason)

"""Borrowers: create one, its credit line and loans, its statement (R6, R9)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from fastapi.responses import Response

from loanbook.api.deps import OWN_READ, STAFF_WRITE, BorrowerInReach, UowDep, User, allowed, borrower_in_reach
from loanbook.api.idempotency import OptionallyIdempotentDep
from loanbook.api.routes import MONEY_RESPONSES, router
from loanbook.api.schemas import BillPublic, BorrowerCreate, BorrowerPublic, IsoDate, amount
from loanbook.privacy import phone_for
from loanbook.service import servicing
from loanbook.store.unit_of_work import UnitOfWork

routes = router("/v1/borrowers", "borrowers")


@routes.post("", status_code=201, response_model=BorrowerPublic, responses=MONEY_RESPONSES)
def create_borrower(
    user: Annotated[User, Depends(allowed(STAFF_WRITE))], body: BorrowerCreate, idempotency: OptionallyIdempotentDep
) -> Response:
    """A new borrower with its credit line (R9). An Idempotency-Key is optional here."""
    limit = amount(body.credit_limit, "credit_limit")
    return idempotency.run(body, lambda uow: BorrowerPublic.of(
        servicing.create_borrower(uow, name=body.name, phone=body.phone, credit_limit=limit)),
        personal=PERSONAL_FIELDS, refill=_personal_fields)


PERSONAL_FIELDS = ("name", "phone")  # not kept in a stored response; a replay reads them again


def _personal_fields(uow: UnitOfWork, stored: dict) -> dict:
    row = uow.borrowers.get(int(stored["id"]))
    return {} if row is None else {"name": row.name, "phone": row.phone}


@routes.get("/{borrower_id}", response_model=BorrowerPublic)
def get_borrower(
    caller: Annotated[BorrowerInReach, Depends(borrower_in_reach(OWN_READ))], uow: UowDep
) -> BorrowerPublic:
    """The credit line (limit, available), the credit balance and each loan as of the business date.
    A reviewer sees only the phone's last four digits (privacy.py)."""
    public = BorrowerPublic.of(servicing.borrower_summary(uow, caller.borrower_id))
    return public.model_copy(update={"phone": phone_for(caller.user.role, public.phone)})


@routes.get("/{borrower_id}/bill", response_model=BillPublic)
def get_bill(
    caller: Annotated[BorrowerInReach, Depends(borrower_in_reach(OWN_READ))],
    uow: UowDep,
    due_date: Annotated[IsoDate, Query(description="The statement's day, YYYY-MM-DD.")],
) -> BillPublic:
    """The statement for a due date: what is payable that day over all the borrower's loans (R6)."""
    return BillPublic.of(caller.borrower_id, servicing.borrower_bill(uow, caller.borrower_id, due_date))

"""Loans: a drawdown, a loan as of the business date, a payoff quote (R4, R5, R8, R10)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.responses import Response

from loanbook.api.deps import (
    OWN_READ,
    STAFF_WRITE,
    BorrowerInReach,
    LoanReader,
    borrower_in_reach,
    loan_reading,
)
from loanbook.api.errors import JSON
from loanbook.api.idempotency import IdempotentDep
from loanbook.api.routes import MONEY_RESPONSES, router
from loanbook.api.schemas import DisbursementPublic, LoanCreate, LoanPublic, QuotePublic, amount, share
from loanbook.service import servicing

routes = router("/v1", "loans")
LoanReadable = Annotated[LoanReader, Depends(loan_reading(OWN_READ))]


@routes.post("/borrowers/{borrower_id}/loans", status_code=201, response_model=DisbursementPublic,
             responses=MONEY_RESPONSES)
def disburse_loan(
    caller: Annotated[BorrowerInReach, Depends(borrower_in_reach(STAFF_WRITE))], body: LoanCreate,
    idempotency: IdempotentDep,
) -> Response:
    """A drawdown on the credit line, disbursed on the business date, with its plan and
    both annual rates (R4, R9, R10)."""
    principal, partner_share = amount(body.principal, "principal"), share(body.partner_share)
    return idempotency.run(body, lambda uow: DisbursementPublic.of(servicing.disburse_loan(
        uow, borrower_id=caller.borrower_id, product_code=body.product, principal=principal, terms=body.terms,
        partner_share=partner_share)))


@routes.get("/loans/{loan_id}", response_model=LoanPublic)
def get_loan(reader: LoanReadable) -> Response:
    """The loan as of the business date: the fields of a scenario checkpoint (R5)."""
    with reader.open() as caller:  # 401, 403, 404 before any figure (deps.LoanReader)
        borrower_id, state, today = servicing.loan_state(caller.uow, caller.loan_id)
    # rendered here: the model is built from the core's values, so FastAPI's check of
    # the returned value against response_model would only build it a second time
    return Response(LoanPublic.of(borrower_id, state, today).model_dump_json(), media_type=JSON)


@routes.get("/loans/{loan_id}/payoff-quote", response_model=QuotePublic)
def get_payoff_quote(reader: LoanReadable) -> QuotePublic:
    """What settling the loan costs today (R8); a quote changes nothing. Access is checked
    before the quote is computed, so a refusal says nothing of the loan."""
    with reader.open() as caller:
        _, offer = servicing.payoff_offer(caller.uow, caller.loan_id)
    return QuotePublic.of(offer.quote, offer.credit_balance)

"""Money from and to a borrower: repayments, payoffs, refunds (R6, R8)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.responses import Response

from loanbook.api.deps import OWN_PAYMENT, STAFF_WRITE, BorrowerInReach, borrower_in_reach, check_value_date_allowed
from loanbook.api.idempotency import IdempotentDep
from loanbook.api.routes import MONEY_RESPONSES, router
from loanbook.api.schemas import (
    PayoffCreate,
    PayoffPublic,
    RefundCreate,
    RefundPublic,
    RepaymentCreate,
    RepaymentPublic,
    amount,
)
from loanbook.money import parse_amount
from loanbook.service import servicing

routes = router("/v1/borrowers", "payments")
Payer = Annotated[BorrowerInReach, Depends(borrower_in_reach(OWN_PAYMENT))]


@routes.post("/{borrower_id}/repayments", status_code=201, response_model=RepaymentPublic, responses=MONEY_RESPONSES)
def repay(caller: Payer, body: RepaymentCreate, idempotency: IdempotentDep) -> Response:
    """Money received, value-dated, allocated oldest due first: penalty, interest,
    principal; what is left is the credit balance (R6). Only staff may set value_date
    (a borrower's token that does gets 403); the booking keeps who made it. With
    ``coupon_id`` a coupon of the borrower's first waives interest (R13)."""
    check_value_date_allowed(caller.user, body.value_date)
    paid, user_id = amount(body.amount, "amount"), caller.user.user_id
    return idempotency.run(body, lambda uow: RepaymentPublic.of(caller.borrower_id, servicing.repay(
        uow, borrower_id=caller.borrower_id, amount=paid, value_date=body.value_date, channel=body.channel,
        coupon_id=body.coupon_id, booked_by_user_id=user_id), user_id))


@routes.post("/{borrower_id}/payoffs", status_code=201, response_model=PayoffPublic, responses=MONEY_RESPONSES)
def pay_off(caller: Payer, body: PayoffCreate, idempotency: IdempotentDep) -> Response:
    """Settle the chosen loans; ``total`` must be today's quotes added up, else 409 (R8)."""
    # With use_credit the credit balance may cover the whole quote: then the total is 0.00.
    total, user_id = parse_amount(body.total, what="total", allow_zero=body.use_credit), caller.user.user_id
    return idempotency.run(body, lambda uow: PayoffPublic.of(caller.borrower_id, servicing.pay_off(
        uow, borrower_id=caller.borrower_id, loan_ids=list(body.loan_ids), total=total, coupon_id=body.coupon_id,
        booked_by_user_id=user_id, use_credit=body.use_credit), user_id))


@routes.post("/{borrower_id}/refunds", status_code=201, response_model=RefundPublic, responses=MONEY_RESPONSES)
def refund(
    caller: Annotated[BorrowerInReach, Depends(borrower_in_reach(STAFF_WRITE))], body: RefundCreate,
    idempotency: IdempotentDep,
) -> Response:
    """Pay back part or all of the credit balance (R6)."""
    paid, user_id = amount(body.amount, "amount"), caller.user.user_id
    return idempotency.run(body, lambda uow: RefundPublic.of(caller.borrower_id, paid, servicing.refund(
        uow, borrower_id=caller.borrower_id, amount=paid, booked_by_user_id=user_id), user_id))

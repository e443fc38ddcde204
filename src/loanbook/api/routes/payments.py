"""Money from and to a borrower: repayments, payoffs, refunds (R6, R8)."""

from __future__ import annotations

from fastapi.responses import Response

from loanbook.api.deps import OWN_PAYMENT, STAFF_WRITE, CurrentUser, allow
from loanbook.api.idempotency import IdempotentDep
from loanbook.api.routes import MONEY_RESPONSES, BorrowerId, router
from loanbook.api.schemas import (
    PayoffCreate,
    PayoffPublic,
    RefundCreate,
    RefundPublic,
    RepaymentCreate,
    RepaymentPublic,
    amount,
)
from loanbook.service import servicing

routes = router("/v1/borrowers", "payments")


@routes.post("/{borrower_id}/repayments", status_code=201, response_model=RepaymentPublic, responses=MONEY_RESPONSES)
def repay(borrower_id: BorrowerId, body: RepaymentCreate, user: CurrentUser, idempotency: IdempotentDep) -> Response:
    """Money received, value-dated, allocated oldest due first: penalty, interest,
    principal; what is left is the credit balance (R6)."""
    allow(user, OWN_PAYMENT, borrower_id=borrower_id)
    paid = amount(body.amount, "amount")
    return idempotency.run(body, lambda uow: RepaymentPublic.of(borrower_id, servicing.repay(
        uow, borrower_id=borrower_id, amount=paid, value_date=body.value_date, channel=body.channel,
        coupon_id=body.coupon_id)))


@routes.post("/{borrower_id}/payoffs", status_code=201, response_model=PayoffPublic, responses=MONEY_RESPONSES)
def pay_off(borrower_id: BorrowerId, body: PayoffCreate, user: CurrentUser, idempotency: IdempotentDep) -> Response:
    """Settle the chosen loans; ``total`` must be today's quotes added up, else 409 (R8)."""
    allow(user, OWN_PAYMENT, borrower_id=borrower_id)
    total = amount(body.total, "total")
    return idempotency.run(body, lambda uow: PayoffPublic.of(borrower_id, servicing.pay_off(
        uow, borrower_id=borrower_id, loan_ids=list(body.loan_ids), total=total, coupon_id=body.coupon_id)))


@routes.post("/{borrower_id}/refunds", status_code=201, response_model=RefundPublic, responses=MONEY_RESPONSES)
def refund(borrower_id: BorrowerId, body: RefundCreate, user: CurrentUser, idempotency: IdempotentDep) -> Response:
    """Pay back part or all of the credit balance (R6)."""
    allow(user, STAFF_WRITE)
    paid = amount(body.amount, "amount")
    return idempotency.run(body, lambda uow: RefundPublic.of(borrower_id, paid, servicing.refund(
        uow, borrower_id=borrower_id, amount=paid)))

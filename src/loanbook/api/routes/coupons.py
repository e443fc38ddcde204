"""Coupons (还款免息券, R13): grant one to a borrower, list a borrower's coupons.
Redeeming one is a repayment's or a payoff's ``coupon_id`` (routes/payments.py)."""

from __future__ import annotations

from fastapi.responses import Response

from loanbook.api.deps import BORROWER, OWN_READ, STAFF_WRITE, CurrentUser, UowDep, allow
from loanbook.api.hardship_schemas import CouponCreate, CouponListPublic, CouponPublic
from loanbook.api.idempotency import IdempotentDep
from loanbook.api.routes import MONEY_RESPONSES, BorrowerId, router
from loanbook.api.schemas import amount
from loanbook.service import coupons

routes = router("/v1/borrowers", "coupons")


@routes.post("/{borrower_id}/coupons", status_code=201, response_model=CouponPublic, responses=MONEY_RESPONSES)
def grant_coupon(borrower_id: BorrowerId, body: CouponCreate, user: CurrentUser, idempotency: IdempotentDep) -> Response:
    """Grant a coupon today, redeemable until ``expires`` (both included), once (R13).
    It is value given away, so it needs an Idempotency-Key like a payment."""
    allow(user, STAFF_WRITE)
    face = amount(body.amount, "amount")
    return idempotency.run(body, lambda uow: CouponPublic.of(coupons.grant_coupon(
        uow, actor=user, borrower_id=borrower_id, amount=face, expires_on=body.expires, reason=body.reason)))


@routes.get("/{borrower_id}/coupons", response_model=CouponListPublic)
def list_coupons(borrower_id: BorrowerId, user: CurrentUser, uow: UowDep) -> CouponListPublic:
    """The borrower's coupons, each open, used or expired as of the business date."""
    if user.role != BORROWER:
        allow(user, OWN_READ)  # a borrower's token: the service shows its own borrower only (404)
    found = coupons.list_coupons(uow, actor=user, borrower_id=borrower_id)
    return CouponListPublic(coupons=[CouponPublic.of(view) for view in found])

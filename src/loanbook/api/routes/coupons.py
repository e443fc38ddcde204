"""Coupons (还款免息券, R13): grant one to a borrower, list a borrower's coupons.
Redeeming one is a repayment's or a payoff's ``coupon_id`` (routes/payments.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.responses import Response

from loanbook.api.deps import OWN_READ, STAFF_WRITE, BorrowerInReach, UowDep, borrower_in_reach
from loanbook.api.hardship_schemas import CouponCreate, CouponListPublic, CouponPublic
from loanbook.api.idempotency import IdempotentDep
from loanbook.api.routes import MONEY_RESPONSES, router
from loanbook.api.schemas import amount
from loanbook.service import coupons

routes = router("/v1/borrowers", "coupons")
Granter = Annotated[BorrowerInReach, Depends(borrower_in_reach(STAFF_WRITE))]
Reader = Annotated[BorrowerInReach, Depends(borrower_in_reach(OWN_READ))]


@routes.post("/{borrower_id}/coupons", status_code=201, response_model=CouponPublic, responses=MONEY_RESPONSES)
def grant_coupon(caller: Granter, body: CouponCreate, idempotency: IdempotentDep) -> Response:
    """Grant a coupon today, redeemable until ``expires`` (both included), once (R13).
    It is value given away, so it needs an Idempotency-Key like a payment."""
    face = amount(body.amount, "amount")
    return idempotency.run(body, lambda uow: CouponPublic.of(coupons.grant_coupon(
        uow, actor=caller.user, borrower_id=caller.borrower_id, amount=face, expires_on=body.expires, reason=body.reason)))


@routes.get("/{borrower_id}/coupons", response_model=CouponListPublic)
def list_coupons(caller: Reader, uow: UowDep) -> CouponListPublic:
    """The borrower's coupons, each open, used or expired as of the business date."""
    found = coupons.list_coupons(uow, actor=caller.user, borrower_id=caller.borrower_id)
    return CouponListPublic(coupons=[CouponPublic.of(view) for view in found])

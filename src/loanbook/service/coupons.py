"""Coupons (还款免息券, R13): granting one to a borrower and listing a borrower's coupons.

A coupon is granted on the business date with a face value and an expiry date, and is
redeemed at most once, with a repayment or a payoff (``servicing.repay`` and
``servicing.pay_off`` take its id; the rules core checks it and waives interest only).
Granting moves no money, so it posts nothing: the waiver is booked as the lender's
marketing expense when a coupon is used (R13, R14). Whatever a coupon does not use is
forfeited; a coupon past its expiry unused is "expired".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loanbook.errors import BadInput, NotFound
from loanbook.money import from_fen, to_fen
from loanbook.rules import operations
from loanbook.service.users import Role, User
from loanbook.store.values import Coupon, CouponUse
from loanbook.store.unit_of_work import UnitOfWork

REASON_MAX = 200
FACE_VALUE_MAX = Decimal("10000.00")  # a goodwill voucher, not a write-off: above this is a typo


@dataclass(frozen=True, slots=True)
class CouponView:
    coupon_id: int
    borrower_id: int
    amount: Decimal
    granted_on: date
    expires_on: date
    granted_by: str | None
    reason: str
    status: str  # open, used, expired (as of the business date)
    used_on: date | None
    used_by_transaction: int | None


def _borrower_visible(uow: UnitOfWork, actor: User, borrower_id: int) -> None:
    """A borrower's token sees its own borrower only; any other is 404."""
    if uow.borrowers.get(borrower_id) is None or (actor.role == Role.BORROWER and actor.borrower_id != borrower_id):
        raise NotFound(f"no borrower {borrower_id}")


def grant_coupon(
    uow: UnitOfWork,
    *,
    actor: User,
    borrower_id: int,
    amount: Decimal,
    expires_on: date,
    reason: str = "",
    external_ref: str | None = None,
) -> CouponView:
    """Grant a coupon on the business date (R13); redeemable from today to ``expires_on``."""
    _borrower_visible(uow, actor, borrower_id)
    today = uow.business_dates.get()
    if amount > FACE_VALUE_MAX:
        raise BadInput(f"coupon amount {amount} is above {FACE_VALUE_MAX}, the most one coupon may waive")
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise BadInput(f"reason is {len(reason)} characters long; at most {REASON_MAX}")
    book = uow.borrowers.book(borrower_id, row=uow.borrowers.get(borrower_id, for_update=True), all_coupons=True)
    # The core checks the face value and the dates (R13); the stored row is the fact.
    operations.grant_coupon(book, coupon_id="pending", amount=amount, expires_on=expires_on, business_date=today)
    row = uow.coupons.add(
        borrower_id=borrower_id, amount_fen=to_fen(amount), granted_on=today, expires_on=expires_on,
        granted_by=actor.user_id, reason=reason, external_ref=external_ref,
    )
    uow.commit()
    return _view(row, actor.name, None, today)


def _view(row: Coupon, granted_by: str | None, used: CouponUse | None, today: date) -> CouponView:
    status = "used" if used is not None else "expired" if row.expires_on < today else "open"
    return CouponView(
        coupon_id=row.id, borrower_id=row.borrower_id, amount=from_fen(row.amount_fen), granted_on=row.granted_on,
        expires_on=row.expires_on, granted_by=granted_by, reason=row.reason, status=status,
        used_on=used.value_date if used is not None else None, used_by_transaction=used.transaction_id if used is not None else None,
    )


def list_coupons(uow: UnitOfWork, *, actor: User, borrower_id: int) -> list[CouponView]:
    """A borrower's coupons, oldest first, each open, used or expired as of the business date."""
    _borrower_visible(uow, actor, borrower_id)
    today = uow.business_dates.get()
    rows = uow.coupons.of_borrowers([borrower_id]).get(borrower_id, [])
    uses = uow.coupons.uses([row.id for row in rows])
    names = uow.requests.user_names(row.granted_by for row in rows)
    return [_view(row, names.get(row.granted_by), uses.get(row.id), today) for row in rows]

"""Coupons (R13) as values: what the coupons service and the edges read. The SQL is
``repositories.Coupons``'s; this subclass only turns its rows into :class:`Coupon` and
:class:`CouponUse` values at the store's edge, so no ``CouponRow`` or
``TransactionRow`` leaves ``store/`` (issue 10, item 4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from loanbook.store.repositories import Coupons
from loanbook.store.values import value_of, values_of


@dataclass(frozen=True, slots=True)
class Coupon:
    """A coupon granted to a borrower: face value, grant day, expiry day, who granted it."""

    id: int
    borrower_id: int
    amount_fen: int
    granted_on: date
    expires_on: date
    granted_by: int | None  # users.id
    reason: str
    external_ref: str | None


@dataclass(frozen=True, slots=True)
class CouponUse:
    """The transaction that redeemed a coupon (R13: once)."""

    transaction_id: int
    value_date: date


class CouponValues(Coupons):
    """``Coupons`` handing out values instead of rows."""

    def add(self, **values: object) -> Coupon:  # type: ignore[override]
        return value_of(Coupon, super().add(**values))

    def get(self, coupon_id: int) -> Coupon | None:  # type: ignore[override]
        row = super().get(coupon_id)
        return None if row is None else value_of(Coupon, row)

    def of_borrowers(self, borrower_ids: Sequence[int]) -> dict[int, list[Coupon]]:  # type: ignore[override]
        return {borrower_id: values_of(Coupon, rows) for borrower_id, rows in super().of_borrowers(borrower_ids).items()}

    def uses(self, coupon_ids: Sequence[int]) -> dict[int, CouponUse]:  # type: ignore[override]
        return {coupon_id: CouponUse(row.id, row.value_date) for coupon_id, row in super().uses(coupon_ids).items()}

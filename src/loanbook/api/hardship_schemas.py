"""Request and response models of hardship and goodwill: requests and their review
(R11), coupons (R13), a loan's history. Same conventions as schemas.py: requests refuse
unknown fields and take amounts as strings; responses write amounts with 2 decimals."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, Strict

from loanbook.api.schemas import AmountText, Command, InstalmentPublic, IsoDate, Text, _plain_text
from loanbook.money import format_amount
from loanbook.service.coupons import CouponView
from loanbook.service.history import HistoryItem, LoanHistory
from loanbook.rules.position import PlanChangeEffect
from loanbook.service.requests import MONTHS_MAX, REASON_MAX, RequestView
from loanbook.views import instalment_view

Reason = Annotated[Text, Field(max_length=REASON_MAX, examples=["lost his job in March; new job starts in May"]),
                   AfterValidator(_plain_text)]
Months = Annotated[int, Strict(), Field(ge=1, le=MONTHS_MAX, examples=[3])]


class ExtensionRequestCreate(Command):
    months: Months
    reason: Reason = ""


class NegotiationRequestCreate(Command):
    method: Literal["interest_first", "equal_principal", "equal_installment"]
    months: Months
    waive_penalty: Annotated[Text | None, Field(max_length=40, examples=["all", "2.00"],
                                               description='"all", or an amount of penalty to waive (R11).')] = None
    reason: Reason = ""


class DecisionCreate(Command):
    reason: Reason = Field("", description="Why; required to reject (kept in the audit trail, R11).")


class CouponCreate(Command):
    amount: AmountText
    expires: IsoDate = Field(description="The last day the coupon can be redeemed (R13).")
    reason: Annotated[Text, Field(max_length=200, examples=["2019 sync incident compensation"]),
                      AfterValidator(_plain_text)] = ""


# --- responses ------------------------------------------------------------------------


class PreviewPublic(BaseModel):
    """The plan as it would be if the request were approved on ``on`` (R11)."""

    on: date
    maturity_date: date
    carried_interest: str
    carried_penalty: str
    penalty_waived: str
    extension_months: int = Field(description="The cumulative extension after it, in months (R11).")
    extension_limit_months: int
    schedule: list[InstalmentPublic]

    @classmethod
    def of(cls, preview: PlanChangeEffect) -> PreviewPublic:
        return cls(
            on=preview.value_date, maturity_date=preview.maturity_date,
            carried_interest=format_amount(preview.carried_interest), carried_penalty=format_amount(preview.carried_penalty),
            penalty_waived=format_amount(preview.penalty_waived), extension_months=preview.extension_months,
            extension_limit_months=preview.extension_limit_months,
            schedule=[InstalmentPublic.model_validate(instalment_view(i)) for i in preview.schedule],
        )


class RequestPublic(BaseModel):
    id: int
    loan_id: int
    borrower_id: int
    kind: str = Field(examples=["extension", "negotiation"])
    months: int
    method: str | None
    waive_penalty: str | None
    reason: str
    status: str = Field(examples=["pending", "approved", "rejected", "lapsed"])
    made_by: str
    made_on: date
    decided_by: str | None
    decided_on: date | None
    decision_reason: str
    preview: PreviewPublic | None = Field(None, description="What approving it today would do (when made, and "
                                                            "while pending).")
    refusal: str | None = Field(None, description="Pending, but the rules would refuse its approval today: why.")

    @classmethod
    def of(cls, view: RequestView) -> RequestPublic:
        row = view.row
        return cls(
            id=row.id, loan_id=row.loan_id, borrower_id=row.borrower_id, kind=row.kind, months=row.months,
            method=row.method, waive_penalty=row.waive_penalty, reason=row.reason, status=row.status,
            made_by=view.made_by_name, made_on=row.made_on, decided_by=view.decided_by_name, decided_on=row.decided_on,
            decision_reason=row.decision_reason, preview=PreviewPublic.of(view.preview) if view.preview else None,
            refusal=view.refusal,
        )


class RequestListPublic(BaseModel):
    requests: list[RequestPublic]


class CouponPublic(BaseModel):
    id: int
    borrower_id: int
    amount: str
    granted_on: date
    expires: date
    granted_by: str | None
    reason: str
    status: str = Field(examples=["open", "used", "expired"])
    used_on: date | None
    used_by_transaction: int | None

    @classmethod
    def of(cls, view: CouponView) -> CouponPublic:
        return cls(
            id=view.coupon_id, borrower_id=view.borrower_id, amount=format_amount(view.amount),
            granted_on=view.granted_on, expires=view.expires_on, granted_by=view.granted_by, reason=view.reason,
            status=view.status, used_on=view.used_on, used_by_transaction=view.used_by_transaction,
        )


class CouponListPublic(BaseModel):
    coupons: list[CouponPublic]


class HistoryItemPublic(BaseModel):
    on: date = Field(description="The day it took effect (a repayment's value date).")
    booked_on: date | None = Field(description="The day loanbook learnt of it.")
    kind: str
    actor: str | None = Field(description="Who did it, where known: a user, a channel, close of business.")
    amount: str | None
    detail: str

    @classmethod
    def of(cls, item: HistoryItem) -> HistoryItemPublic:
        return cls(on=item.on, booked_on=item.booked_on, kind=item.kind, actor=item.actor,
                   amount=format_amount(item.amount) if item.amount is not None else None, detail=item.detail)


class HistoryPublic(BaseModel):
    loan_id: int
    borrower_id: int
    business_date: date
    items: list[HistoryItemPublic]

    @classmethod
    def of(cls, history: LoanHistory) -> HistoryPublic:
        return cls(loan_id=history.loan_id, borrower_id=history.borrower_id, business_date=history.business_date,
                   items=[HistoryItemPublic.of(item) for item in history.items])

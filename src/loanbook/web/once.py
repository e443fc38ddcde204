"""A money form runs once, however often it is sent (a double click, a reload, a resend
after a lost answer).

Each money form carries a key made when the form was shown (``form_key``); the POST runs
its one service call under the API's Idempotency-Key machinery (api/idempotency.py) with
that key, for the signed-in user: the same key and form replay the first result, so the
money moves once, and a refusal is replayed as it was. The result is kept as a
``MoneyShown`` (no personal data: amounts and ids only) and the page is rendered from it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date

from fastapi import Request
from pydantic import BaseModel

from loanbook.api.errors import ErrorReply
from loanbook.api.idempotency import Idempotency
from loanbook.api.schemas import AllocationLinePublic
from loanbook.money import format_amount
from loanbook.rules.position import Allocation, AllocationLine
from loanbook.service.servicing import MoneyResult
from loanbook.service.sign_in import Session
from loanbook.store.unit_of_work import UnitOfWork

FIELD = "form_key"


# An instalment's part of a transaction is shown as the API gives it: one definition.
LineShown = AllocationLinePublic


class AllocationShown(BaseModel):
    transaction_id: int
    kind: str
    value_date: date
    amount: str
    lines: list[LineShown]
    coupon_lines: list[LineShown]  # R13: interest a coupon waived, not cash
    coupon_waived: str
    to_credit: str


class MoneyShown(BaseModel):
    business_date: date
    allocations: list[AllocationShown]
    credit_balance: str

    @classmethod
    def of(cls, result: MoneyResult) -> MoneyShown:
        return cls(business_date=result.business_date, credit_balance=format_amount(result.credit_balance),
                   allocations=[_allocation(tx_id, a) for tx_id, a in zip(result.transaction_ids, result.allocations,
                                                                          strict=True)])


def _line(line: AllocationLine) -> LineShown:
    return LineShown(loan_id=int(line.loan_id), period=line.period, penalty=format_amount(line.penalty),
                     interest=format_amount(line.interest), principal=format_amount(line.principal),
                     fee=format_amount(line.fee), total=format_amount(line.total))


def _allocation(tx_id: int, allocation: Allocation) -> AllocationShown:
    return AllocationShown(transaction_id=tx_id, kind=allocation.kind, value_date=allocation.value_date,
                           amount=format_amount(allocation.amount), lines=[_line(x) for x in allocation.lines],
                           coupon_lines=[_line(x) for x in allocation.coupon_lines],
                           coupon_waived=format_amount(allocation.coupon_waived),
                           to_credit=format_amount(allocation.to_credit))


def new_form_key() -> str:
    return uuid.uuid4().hex


def run_once(request: Request, session: Session, key: object, form: BaseModel,
             action: Callable[[UnitOfWork], MoneyResult]) -> MoneyShown | ErrorReply:
    """Run ``action`` at most once for this form's key; its result, or the refusal (the
    API's status and message)."""
    idempotency = Idempotency(request.app.state.engine, session.user, "POST", request.url.path,
                              key if isinstance(key, str) else None, required=True)
    answer = idempotency.run(form, lambda uow: MoneyShown.of(action(uow)))
    body = json.loads(bytes(answer.body))
    if answer.status_code == 201:
        return MoneyShown.model_validate(body)
    error = body["error"]
    return ErrorReply(answer.status_code, error["code"], error["message"])

"""The business date, and close of business (COB)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.responses import Response

from loanbook.api.deps import ADMIN_ONLY, STAFF_READ, EngineDep, UowDep, User, allowed
from loanbook.api.idempotency import IdempotentDep, utc_now
from loanbook.api.routes import MONEY_RESPONSES, router
from loanbook.api.schemas import BusinessDatePublic, DayClosedPublic
from loanbook.service.close_of_business import close_day

routes = router("/v1/business-date", "business date")


@routes.get("", response_model=BusinessDatePublic)
def get_business_date(_user: Annotated[User, Depends(allowed(STAFF_READ))], uow: UowDep) -> BusinessDatePublic:
    """The day every figure is shown as of (R5)."""
    return BusinessDatePublic(business_date=uow.business_dates.get())


@routes.post("/close", response_model=DayClosedPublic, responses=MONEY_RESPONSES)
def close_business_day(
    _user: Annotated[User, Depends(allowed(ADMIN_ONLY))], engine: EngineDep, idempotency: IdempotentDep
) -> Response:
    """Close the business date: dues, credit balances applied, grace to overdue, the
    night's penalty (R5-R7); the business date moves on by one day. Admin only."""
    return idempotency.run(None, lambda _uow: DayClosedPublic.of(close_day(engine, now=utc_now())), status=200)

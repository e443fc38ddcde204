"""The borrower's app, /app: mobile first, over the same service functions as the API.

Only a borrower's session opens these pages, and only on its own records: another
borrower's loan by URL is the 404 page, in the same words as a missing one ("no loan N"),
as the API answers a borrower token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from loanbook.rules.position import LoanPosition, LoanStatus
from loanbook.service.servicing import borrower_bill, borrower_summary
from loanbook.service.sign_in import Session
from loanbook.store.unit_of_work import UnitOfWork
from loanbook.web.render import render
from loanbook.web.session import BORROWERS, role_in

routes = APIRouter(prefix="/app", include_in_schema=False)
BorrowerSession = Annotated[Session, Depends(role_in(BORROWERS))]


@dataclass(frozen=True, slots=True)
class NextDue:
    """A loan's earliest instalment with anything unpaid, and what is unpaid on it."""

    due_date: date
    amount: Decimal


def next_due(loan: LoanPosition) -> NextDue | None:
    if loan.status == LoanStatus.SETTLED:
        return None
    for instalment in loan.schedule:
        unpaid = instalment.principal_unpaid + instalment.interest_unpaid + instalment.penalty_due
        if unpaid > 0:
            return NextDue(instalment.due_date, unpaid)
    return None


@routes.get("")
def my_loans(request: Request, session: BorrowerSession) -> Response:
    borrower_id = session.user.borrower_id
    assert borrower_id is not None  # a borrower user always names one (service/users.add_user)
    with UnitOfWork(request.app.state.engine) as uow:
        summary = borrower_summary(uow, borrower_id)
        dues = {loan.loan_id: next_due(loan) for loan in summary.loans}
        upcoming = [d.due_date for d in dues.values() if d is not None and d.due_date >= summary.business_date]
        bill = borrower_bill(uow, borrower_id, min(upcoming)) if upcoming else None
    return render(request, "app/loans.html", {"summary": summary, "dues": dues, "bill": bill, "here": "loans"})

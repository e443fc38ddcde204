"""The borrower's app, /app: mobile first, over the same service functions as the API.

Only a borrower's session opens these pages, and only on its own records: another
borrower's loan by URL is the 404 page, in the same words as a missing one ("no loan N"),
as the API answers a borrower token. Money forms run once (web/once.py); every POST
carries the session's CSRF token (web/csrf.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from loanbook.api.deps import ID_MAX
from loanbook.api.errors import ErrorReply
from loanbook.errors import BadInput
from loanbook.money import parse_amount
from loanbook.rules.position import LoanPosition, LoanStatus
from loanbook.service import requests as plan_requests
from loanbook.service.borrower_app import bureau_page, loan_page, own_loan_borrower
from loanbook.service.coupons import list_coupons
from loanbook.service.servicing import borrower_bill, borrower_summary, pay_off, repay
from loanbook.service.sign_in import Session
from loanbook.store.unit_of_work import UnitOfWork
from loanbook.web.csrf import CheckedForm
from loanbook.web.errors import error_page
from loanbook.web.once import FIELD as FORM_KEY
from loanbook.web.once import MoneyShown, new_form_key, run_once
from loanbook.web.render import render
from loanbook.web.session import BORROWERS, role_in

routes = APIRouter(prefix="/app", include_in_schema=False)
BorrowerSession = Annotated[Session, Depends(role_in(BORROWERS))]
LoanId = Annotated[int, Path(ge=1, le=ID_MAX)]
RequestId = Annotated[int, Path(ge=1, le=ID_MAX)]
CHANNEL = "web"  # the booking's channel: the borrower's app


def _borrower_id(session: Session) -> int:
    borrower_id = session.user.borrower_id
    if borrower_id is None:  # a borrower user always names one (service/users.add_user)
        raise BadInput("this borrower user names no borrower")
    return borrower_id


def _engine(request: Request):  # noqa: ANN202
    return request.app.state.engine


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


# --- my loans, a loan --------------------------------------------------------------------


@routes.get("")
def my_loans(request: Request, session: BorrowerSession) -> Response:
    borrower_id = _borrower_id(session)
    with UnitOfWork(_engine(request)) as uow:
        summary = borrower_summary(uow, borrower_id)
        dues = {loan.loan_id: next_due(loan) for loan in summary.loans}
        upcoming = [d.due_date for d in dues.values() if d is not None]
        # The bill of the next due date: everything due by then, over all loans (R6); an
        # instalment already past due is in it with its penalty to that day (R7).
        bill_day = max(min(upcoming), summary.business_date) if upcoming else None
        bill = borrower_bill(uow, borrower_id, bill_day) if bill_day else None
    return render(request, "app/loans.html", {"summary": summary, "dues": dues, "bill": bill, "here": "loans"})


@routes.get("/loans/{loan_id}")
def a_loan(request: Request, session: BorrowerSession, loan_id: LoanId) -> Response:
    with UnitOfWork(_engine(request)) as uow:
        page = loan_page(uow, borrower_id=_borrower_id(session), loan_id=loan_id)
    return render(request, "app/loan.html", {"page": page, "loan_id": loan_id, "next_due": next_due(page.state),
                                             "here": "loans"})


# --- settle (R8) ---------------------------------------------------------------------------


class SettleForm(BaseModel):
    loan_id: int
    total: str
    use_credit: bool


@routes.get("/loans/{loan_id}/settle")
def settle_form(request: Request, session: BorrowerSession, loan_id: LoanId) -> Response:
    """The exact total to confirm: today's quote, and what is left if the credit balance pays first."""
    with UnitOfWork(_engine(request)) as uow:
        page = loan_page(uow, borrower_id=_borrower_id(session), loan_id=loan_id)
    if page.offer is None:
        return error_page(request, ErrorReply(422, "refused", page.payoff_refused or f"loan {loan_id} cannot be settled today"))
    return render(request, "app/settle.html", {"page": page, "loan_id": loan_id, "form_key": new_form_key(),
                                               "here": "loans"})


@routes.post("/loans/{loan_id}/settle")
def settle(request: Request, session: BorrowerSession, loan_id: LoanId, form: CheckedForm) -> Response:
    borrower_id = _borrower_id(session)
    with UnitOfWork(_engine(request)) as uow:
        own_loan_borrower(uow, borrower_id, loan_id)  # before anything: another's loan is "no loan N"
    use_credit = form.get("use_credit") == "1"
    total = parse_amount(str(form.get("total") or ""), what="total", allow_zero=use_credit)
    body = SettleForm(loan_id=loan_id, total=str(total), use_credit=use_credit)
    outcome = run_once(request, session, form.get(FORM_KEY), body, lambda uow: pay_off(
        uow, borrower_id=borrower_id, loan_ids=[loan_id], total=total, use_credit=use_credit,
        booked_by_user_id=session.user.user_id))
    return _money_page(request, outcome, kind="payoff", loan_id=loan_id)


def _money_page(request: Request, outcome: MoneyShown | ErrorReply, *, kind: str, loan_id: int | None = None) -> Response:
    if isinstance(outcome, ErrorReply):
        return error_page(request, outcome)
    return render(request, "app/paid.html", {"money": outcome, "kind": kind, "loan_id": loan_id, "here": "repay"})


# --- repay (R6, R13) -------------------------------------------------------------------------


class RepayForm(BaseModel):
    amount: str
    coupon_id: int | None


@routes.get("/repay")
def repay_form(request: Request, session: BorrowerSession) -> Response:
    borrower_id = _borrower_id(session)
    with UnitOfWork(_engine(request)) as uow:
        summary = borrower_summary(uow, borrower_id)
        coupons = [c for c in list_coupons(uow, actor=session.user, borrower_id=borrower_id) if c.status == "open"]
        dues = [d for d in (next_due(loan) for loan in summary.loans) if d is not None]
        bill = borrower_bill(uow, borrower_id, max(min(d.due_date for d in dues), summary.business_date)) if dues else None
    # R13: a coupon waives interest due on or before today, at most; the rest of it is forfeited
    interest_due = sum((loan.interest_due for loan in summary.loans), Decimal("0.00"))
    return render(request, "app/repay.html", {"summary": summary, "coupons": coupons, "bill": bill,
                                              "interest_due": interest_due, "form_key": new_form_key(),
                                              "here": "repay"})


@routes.post("/repay")
def repay_now(request: Request, session: BorrowerSession, form: CheckedForm) -> Response:
    borrower_id = _borrower_id(session)
    amount = parse_amount(str(form.get("amount") or ""), what="amount")
    coupon_id = _optional_id(form.get("coupon_id"), "coupon")
    body = RepayForm(amount=str(amount), coupon_id=coupon_id)
    outcome = run_once(request, session, form.get(FORM_KEY), body, lambda uow: repay(
        uow, borrower_id=borrower_id, amount=amount, channel=CHANNEL, coupon_id=coupon_id,
        booked_by_user_id=session.user.user_id))
    return _money_page(request, outcome, kind="repayment")


def _optional_id(text: object, what: str) -> int | None:
    if text in (None, ""):
        return None
    if not isinstance(text, str) or not text.isascii() or not text.isdigit() or not 1 <= int(text) <= ID_MAX:
        raise BadInput(f"{what} {text!r} is not an id")
    return int(text)


# --- coupons (R13) ---------------------------------------------------------------------------


@routes.get("/coupons")
def my_coupons(request: Request, session: BorrowerSession) -> Response:
    with UnitOfWork(_engine(request)) as uow:
        coupons = list_coupons(uow, actor=session.user, borrower_id=_borrower_id(session))
    return render(request, "app/coupons.html", {"coupons": coupons, "here": "coupons"})


# --- extensions and negotiated plans (R11) ----------------------------------------------------


@routes.get("/requests")
def my_requests(request: Request, session: BorrowerSession) -> Response:
    borrower_id = _borrower_id(session)
    with UnitOfWork(_engine(request)) as uow:  # rendered inside: the request rows are read as the page is made
        views = plan_requests.list_requests(uow, actor=session.user)
        summary = borrower_summary(uow, borrower_id)
        open_loans = [loan for loan in summary.loans if loan.status != LoanStatus.SETTLED]
        return render(request, "app/requests.html", {"views": views, "open_loans": open_loans,
                                                     "methods": plan_requests.METHODS, "here": "requests"})


@routes.post("/requests")
def ask(request: Request, session: BorrowerSession, form: CheckedForm) -> Response:
    loan_id = _optional_id(form.get("loan_id"), "loan")
    if loan_id is None:
        raise BadInput("choose the loan the request is for")
    kind = str(form.get("kind") or "")
    months_text = str(form.get("months") or "")
    if not months_text.isascii() or not months_text.isdigit():
        raise BadInput(f"months must be a whole number from 1 to {plan_requests.MONTHS_MAX}, got {months_text!r}")
    method = str(form.get("method") or "") or None
    with UnitOfWork(_engine(request)) as uow:
        view = plan_requests.make_request(
            uow, actor=session.user, loan_id=loan_id, kind=kind, months=int(months_text),
            reason=str(form.get("reason") or ""), method=method if kind == plan_requests.NEGOTIATION else None)
    return RedirectResponse(f"/app/requests/{view.row.id}", status_code=303)


@routes.get("/requests/{request_id}")
def a_request(request: Request, session: BorrowerSession, request_id: RequestId) -> Response:
    with UnitOfWork(_engine(request)) as uow:  # rendered inside, as above
        view = plan_requests.get_request(uow, actor=session.user, request_id=request_id)
        return render(request, "app/request.html", {"view": view, "here": "requests"})


# --- the credit bureau (R15) -------------------------------------------------------------------


@routes.get("/bureau")
def my_bureau(request: Request, session: BorrowerSession) -> Response:
    with UnitOfWork(_engine(request)) as uow:
        today, loans = bureau_page(uow, borrower_id=_borrower_id(session))
    return render(request, "app/bureau.html", {"today": today, "loans": loans, "here": "bureau"})

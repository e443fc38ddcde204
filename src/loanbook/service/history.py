"""A loan's history (R11 audit trail): disbursement, money received and what of it went
to this loan, coupons redeemed, requests with their decisions, plan changes, and the
status changes close of business recorded, each with its dates and, where known, who."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loanbook.errors import NotFound
from loanbook.ledger.revaluation import LoanEventKind
from loanbook.money import ZERO, from_fen
from loanbook.rules.position import Position
from loanbook.rules.book import RequestStatus
from loanbook.rules.replay import position
from loanbook.service.users import Role, User
from loanbook.store.unit_of_work import UnitOfWork

@dataclass(frozen=True, slots=True)
class HistoryItem:
    on: date
    booked_on: date | None
    kind: str
    actor: str | None
    amount: Decimal | None
    detail: str
    order: int = 9  # ties of one day: disbursement, request, decision, plan change, money, status


@dataclass(frozen=True, slots=True)
class LoanHistory:
    loan_id: int
    borrower_id: int
    business_date: date
    items: tuple[HistoryItem, ...]


def loan_history(uow: UnitOfWork, *, actor: User, loan_id: int, current: Position | None = None) -> LoanHistory:
    """``current``: the borrower's position on the business date, when the caller has
    replayed it already (the back office's loan page), so it is not replayed twice."""
    loan = uow.borrowers.loan(loan_id)
    if loan is None or (actor.role == Role.BORROWER and loan.borrower_id != actor.borrower_id):
        raise NotFound(f"no loan {loan_id}")
    today = uow.business_dates.get()
    items = [HistoryItem(loan.disbursed_on, loan.disbursed_on, "disbursed", None, from_fen(loan.principal_fen),
                         f"{loan.product_code}, {loan.terms} terms", 0)]
    requests = uow.requests.listed(loan_id=loan_id, limit=10_000)
    names = uow.requests.user_names([r.made_by for r in requests] + [r.decided_by for r in requests])
    for request in requests:
        what = f"{request.kind} request {request.id}: {request.months} month(s)"
        if request.method:
            what += f", {request.method}, waive penalty {request.waive_penalty}"
        items.append(HistoryItem(request.made_on, request.made_on, "request", names.get(request.made_by),
                                 None, f"{what}; reason: {request.reason or '-'}", 1))
        if request.status != RequestStatus.PENDING:
            decider = "close of business" if request.status == RequestStatus.LAPSED else names.get(request.decided_by)
            items.append(HistoryItem(request.decided_on, request.decided_on, f"request_{request.status}", decider, None,
                                     f"request {request.id} {request.status}; reason: {request.decision_reason or '-'}", 2))
    deciders = {request.id: request.decided_by for request in requests}
    if current is None or current.on != today:
        current = position(uow.borrowers.book(loan.borrower_id), today, include_day=True)
    allocations = {a.tx_id: a for a in current.allocations}
    for tx in uow.borrowers.transactions(loan.borrower_id):
        if tx.request_id is not None:
            if tx.loan_id == loan_id:
                approver = names.get(deciders.get(tx.request_id))
                items.append(HistoryItem(tx.value_date, tx.booked_on, f"plan_change_{tx.kind}", approver, None,
                                         f"request {tx.request_id} applied (R11)", 3))
            continue
        allocation = allocations.get(str(tx.transaction_id))
        on_loan = sum((line.total for line in allocation.lines if line.loan_id == str(loan_id)), ZERO) if allocation else ZERO
        if on_loan == 0 and tx.loan_id != loan_id:
            continue
        detail = f"{tx.kind} {from_fen(tx.amount_fen)} via {tx.channel or '-'}, {on_loan} of it to this loan"
        if tx.coupon_id is not None:
            detail += f", with coupon {tx.coupon_id}"
        items.append(HistoryItem(tx.value_date, tx.booked_on, tx.kind, tx.channel or None, on_loan, detail, 4))
    for event in uow.events.of_loan(loan_id):
        if event.kind != LoanEventKind.DISBURSED:
            items.append(HistoryItem(event.on_date, event.on_date, event.kind, None, None, event.detail, 5))
    items.sort(key=lambda item: (item.on, item.order))
    return LoanHistory(loan_id, loan.borrower_id, today, tuple(items))

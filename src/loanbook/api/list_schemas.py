"""Response models of the lists, transaction history and statements (issue 11 item 3).
Amounts are 2-decimal strings; phones as the caller's role may see them (privacy.py)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field
from loanbook.api.schemas import AllocationPublic
from loanbook.money import format_amount, from_fen
from loanbook.privacy import phone_for
from loanbook.rules.position import Allocation
from loanbook.service.lists import Balances, BorrowerItem, Page, Statement, TransactionItem
from loanbook.store.queries import ListedLoan, ListedTransaction

NEXT_CURSOR = Field(description="Pass it as `cursor` for the next page; null on the last page.")


def _yuan(fen: int | None) -> str:
    return format_amount(from_fen(fen or 0))


class BorrowerListItem(BaseModel):
    id: int
    name: str
    phone: str = Field(description="In full for admin, operator and the borrower itself; to a reviewer only the "
                                   "last four digits.")
    created_on: date
    credit_limit: str
    credit_balance: str
    loans: int
    open_loans: int
    principal_outstanding: str

    @classmethod
    def of(cls, item: BorrowerItem, role: str) -> BorrowerListItem:
        return cls(id=item.id, name=item.name, phone=phone_for(role, item.phone), created_on=item.created_on,
                   credit_limit=_yuan(item.credit_limit_fen), credit_balance=_yuan(item.credit_balance_fen),
                   loans=item.loans, open_loans=item.open_loans,
                   principal_outstanding=_yuan(item.principal_outstanding_fen))


class BorrowerList(BaseModel):
    items: list[BorrowerListItem]
    next_cursor: str | None = NEXT_CURSOR

    @classmethod
    def of(cls, page: Page[BorrowerItem], role: str) -> BorrowerList:
        return cls(items=[BorrowerListItem.of(item, role) for item in page.items], next_cursor=page.next_cursor)


class LoanBorrower(BaseModel):
    id: int
    name: str
    phone: str


class LoanListItem(BaseModel):
    id: int
    borrower: LoanBorrower
    product: str
    principal: str
    terms: int
    disbursed_on: date
    status: str
    dpd: int
    principal_outstanding: str
    amount_due: str = Field(description="Principal, interest and penalty due and unpaid.")
    grace_ends_on: date | None
    settled_on: date | None
    as_of: date = Field(description="The day these figures were last posted (close of business keeps it current).")

    @classmethod
    def of(cls, row: ListedLoan, role: str) -> LoanListItem:
        return cls(id=row.id, borrower=LoanBorrower(id=row.borrower_id, name=row.name, phone=phone_for(role, row.phone)),
                   product=row.product_code, principal=_yuan(row.principal_fen), terms=row.terms,
                   disbursed_on=row.disbursed_on, status=row.status, dpd=row.dpd,
                   principal_outstanding=_yuan(row.principal_outstanding_fen), amount_due=_yuan(row.amount_due_fen),
                   grace_ends_on=row.grace_ends_on, settled_on=row.settled_on, as_of=row.as_of)


class LoanList(BaseModel):
    items: list[LoanListItem]
    next_cursor: str | None = NEXT_CURSOR

    @classmethod
    def of(cls, page: Page[ListedLoan], role: str) -> LoanList:
        return cls(items=[LoanListItem.of(row, role) for row in page.items], next_cursor=page.next_cursor)


class BookedBy(BaseModel):
    user_id: int
    name: str | None = Field(description="The user's name; null if the user no longer exists.")


class TransactionPublic(BaseModel):
    id: int
    kind: str
    loan_id: int | None
    value_date: date
    booked_on: date
    amount: str = Field(description="The cash received (repayment, payoff) or paid out (refund).")
    credit_used: str = Field(description="A payoff's part paid from the credit balance at the borrower's request (R8).")
    channel: str
    coupon_id: int | None = Field(None, description="The coupon a repayment or payoff redeemed (R13).")
    request_id: int | None = Field(None, description="An extension or negotiation: the approved request (R11).")
    booked_by: BookedBy | None = Field(description="Who booked it; null: loanbook itself (close of business, a "
                                                   "payment channel's reconciliation, the demo).")
    allocation: AllocationPublic | None = Field(description="Where the money went, as the books stand today (R6).")

    @classmethod
    def of(cls, row: ListedTransaction, allocation: Allocation | None) -> TransactionPublic:
        booked_by = None if row.booked_by_user_id is None else BookedBy(user_id=row.booked_by_user_id,
                                                                           name=row.booked_by_name)
        return cls(id=row.id, kind=row.kind, loan_id=row.loan_id, value_date=row.value_date, booked_on=row.booked_on,
                   amount=_yuan(row.amount_fen), credit_used=_yuan(row.credit_used_fen), channel=row.channel,
                   coupon_id=row.coupon_id, request_id=row.request_id, booked_by=booked_by,
                   allocation=None if allocation is None else AllocationPublic.of(row.id, allocation))


class TransactionList(BaseModel):
    borrower_id: int
    items: list[TransactionPublic]
    next_cursor: str | None = NEXT_CURSOR

    @classmethod
    def of(cls, borrower_id: int, page: Page[TransactionItem]) -> TransactionList:
        return cls(borrower_id=borrower_id, items=[TransactionPublic.of(t.row, t.allocation) for t in page.items],
                   next_cursor=page.next_cursor)


class BalancesPublic(BaseModel):
    on: date
    principal_outstanding: str
    amount_due: str
    credit_balance: str

    @classmethod
    def of(cls, balances: Balances) -> BalancesPublic:
        return cls(on=balances.on, principal_outstanding=format_amount(balances.principal_outstanding),
                   amount_due=format_amount(balances.amount_due), credit_balance=format_amount(balances.credit_balance))


class StatementLinePublic(BaseModel):
    value_date: date
    kind: str = Field(description="repayment, payoff, refund, or credit (the credit balance applied on a due date, R6).")
    transaction: TransactionPublic | None = Field(description="The booked transaction; null for credit applied.")
    amount: str
    penalty: str
    interest: str
    principal: str
    fee: str
    to_credit: str


class StatementPublic(BaseModel):
    borrower_id: int
    business_date: date
    opening: BalancesPublic = Field(description="At the end of the day before `from`.")
    closing: BalancesPublic = Field(description="At the end of `to`.")
    lines: list[StatementLinePublic]

    @classmethod
    def of(cls, done: Statement) -> StatementPublic:
        lines = []
        for line in done.lines:
            a = line.allocation
            parts = {name: format_amount(sum((getattr(x, name) for x in a.lines), from_fen(0)))
                     for name in ("penalty", "interest", "principal", "fee")}
            lines.append(StatementLinePublic(
                value_date=a.value_date, kind=a.kind, amount=format_amount(a.amount), to_credit=format_amount(a.to_credit),
                transaction=None if line.row is None else TransactionPublic.of(line.row, a), **parts))
        return cls(borrower_id=done.borrower_id, business_date=done.business_date, opening=BalancesPublic.of(done.opening),
                   closing=BalancesPublic.of(done.closing), lines=lines)

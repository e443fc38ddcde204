"""Request and response models, one per use; never an ORM row.

Requests (``...Create``) refuse unknown fields and take an amount as a string of yuan
("130.00"); a JSON number is taken from its digits (see exact_json.py), never through a
float, and :func:`loanbook.money.parse_amount` parses it in the route. Responses
(``...Public``) write every amount as a string with 2 decimals and every date in ISO.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from loanbook.errors import InvariantBroken
from loanbook.money import format_amount, format_percent, from_fen, parse_amount
from loanbook.rules.bill import Bill
from loanbook.rules.position import Allocation, LoanPosition, PayoffQuote
from loanbook.service.close_of_business import DayClosed
from loanbook.service.ledger_check import LedgerReport
from loanbook.service.servicing import BorrowerSummary, Disbursement, MoneyResult
from loanbook.views import loan_view, plan_view, quote_view

ID_MAX = 2**63 - 1  # a BIGINT id
NAME_MAX = 200  # borrowers.name
PHONE_MAX = 40  # borrowers.phone
CHANNEL_MAX = 32  # transactions.channel
PRODUCT_CODE_MAX = 32
AMOUNT_TEXT_MAX = 40
LOANS_PER_PAYOFF_MAX = 50


def _printable(text: str) -> str:
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError("must not contain control characters")
    return text


Text = Annotated[str, AfterValidator(_printable)]
Id = Annotated[int, Field(ge=1, le=ID_MAX)]
AmountText = Annotated[
    str,
    Field(
        max_length=AMOUNT_TEXT_MAX,
        description='Yuan exact to the fen, as a string like "130.00" (a JSON number is read from its digits).',
        examples=["130.00"],
    ),
]


def amount(text: str, what: str) -> Decimal:
    """An amount of a request, exact (R3): BadInput (422) naming ``what`` when it is not."""
    return parse_amount(text, what=what)


def share(text: str | None) -> Decimal:
    """A partner bank's share of principal (R17): a ratio like "0.50", at most 2 decimals."""
    if text is None:
        return Decimal("0.00")
    return parse_amount(text, what="partner_share", allow_zero=True)


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


# --- requests -------------------------------------------------------------------------


class BorrowerCreate(Command):
    name: Annotated[Text, Field(min_length=1, max_length=NAME_MAX, examples=["Li Lei"])]
    phone: Annotated[Text, Field(min_length=1, max_length=PHONE_MAX, examples=["+86 138 0013 8000"])]
    credit_limit: AmountText


class LoanCreate(Command):
    product: Annotated[Text, Field(min_length=1, max_length=PRODUCT_CODE_MAX, examples=["FLEX6"])]
    principal: AmountText
    terms: Annotated[int, Field(ge=1, le=1000, examples=[6])]
    partner_share: Annotated[str | None, Field(max_length=AMOUNT_TEXT_MAX, examples=["0.50"],
                                               description="The partner bank's share of principal, 0 to 0.70 (R17).")] = None


class RepaymentCreate(Command):
    amount: AmountText
    value_date: date | None = Field(None, description="The day the money was paid (default: the business date).")
    channel: Annotated[Text, Field(max_length=CHANNEL_MAX, examples=["bank_transfer"])] = "api"
    coupon_id: Id | None = Field(None, description="A coupon of the borrower's to redeem with it (R13).")


class PayoffCreate(Command):
    loan_ids: Annotated[list[Id], Field(min_length=1, max_length=LOANS_PER_PAYOFF_MAX)]
    total: AmountText = Field(description="The total of today's payoff quotes the borrower confirmed (R8).")
    coupon_id: Id | None = Field(None, description="A coupon of the borrower's to redeem with it (R13): one loan "
                                                   "only, and the total is its quote less the interest waived.")


class RefundCreate(Command):
    amount: AmountText


# --- responses ------------------------------------------------------------------------


class CreditLine(BaseModel):
    limit: str
    available: str


class LoanSummary(BaseModel):
    id: int
    product: str
    disbursed_on: date
    status: str
    dpd: int
    principal_outstanding: str
    principal_due: str
    interest_due: str
    penalty_due: str
    payoff_total: str | None
    settled_on: date | None

    @classmethod
    def of(cls, loan: LoanPosition) -> LoanSummary:
        view = loan_view(loan)
        return cls(
            id=int(loan.loan_id), product=loan.product_code, disbursed_on=loan.disbursed_on,
            **{k: view[k] for k in ("status", "dpd", "principal_outstanding", "principal_due", "interest_due",
                                     "penalty_due", "payoff_total", "settled_on")},
        )


class BorrowerPublic(BaseModel):
    id: int
    name: str
    phone: str
    created_on: date
    business_date: date
    credit_line: CreditLine
    credit_balance: str
    loans: list[LoanSummary]

    @classmethod
    def of(cls, summary: BorrowerSummary) -> BorrowerPublic:
        row = summary.borrower
        return cls(
            id=row.id, name=row.name, phone=row.phone, created_on=row.created_on, business_date=summary.business_date,
            credit_line=CreditLine(limit=format_amount(summary.credit_limit), available=format_amount(summary.available)),
            credit_balance=format_amount(summary.credit_balance),
            loans=[LoanSummary.of(loan) for loan in summary.loans],
        )


class PlanLine(BaseModel):
    period: int
    due_date: date
    days: int
    interest: str
    principal: str
    total: str


class DisbursementPublic(BaseModel):
    id: int
    borrower_id: int
    product: str
    principal: str
    terms: int
    partner_share: str
    disbursed_on: date
    maturity_date: date
    annual_rate_simple: str = Field(description="Daily rate x 365, simple (R10).", examples=["18.25%"])
    annual_rate_irr: str = Field(description="IRR of the loan's cash flows, actual/365 (R10).", examples=["19.86%"])
    interest_total: str
    status: str
    plan: list[PlanLine]

    @classmethod
    def of(cls, done: Disbursement) -> DisbursementPublic:
        loan = done.loan
        return cls(
            id=done.loan_id, borrower_id=done.borrower_id, product=loan.product.code,
            principal=format_amount(loan.principal), terms=loan.terms, partner_share=format_amount(loan.partner_share),
            disbursed_on=loan.disbursed_on, maturity_date=loan.maturity_date,
            annual_rate_simple=format_percent(done.rates.simple), annual_rate_irr=format_percent(done.rates.irr),
            interest_total=format_amount(sum((i.interest for i in loan.schedule), Decimal("0.00"))),
            status=done.state.status.value if done.state is not None else "ACTIVE",
            plan=[PlanLine.model_validate(line) for line in plan_view(loan.schedule)],
        )


class InstalmentPublic(BaseModel):
    period: int
    due_date: date
    principal: str
    interest: str
    fee: str
    paid_principal: str
    paid_interest: str
    paid_penalty: str
    paid_fee: str


class LoanPublic(BaseModel):
    """A scenario checkpoint's loan (SCENARIOS.md "Output"), with who and when."""

    id: int
    borrower_id: int
    product: str
    disbursed_on: date
    business_date: date
    status: str
    dpd: int
    principal_outstanding: str
    principal_due: str
    interest_due: str
    penalty_due: str
    payoff_total: str | None
    principal_paid: str
    interest_paid: str
    penalty_paid: str
    fee_paid: str
    coupon_waived: str
    total_paid: str
    settled_on: date | None
    schedule: list[InstalmentPublic]

    @classmethod
    def of(cls, borrower_id: int, loan: LoanPosition, business_date: date) -> LoanPublic:
        return cls(id=int(loan.loan_id), borrower_id=borrower_id, product=loan.product_code,
                   disbursed_on=loan.disbursed_on, business_date=business_date, **loan_view(loan))


class QuotePublic(BaseModel):
    loan_id: int
    date: date
    principal: str
    interest: str
    penalty: str
    fee: str
    total: str

    @classmethod
    def of(cls, quote: PayoffQuote) -> QuotePublic:
        return cls.model_validate(quote_view(quote))


class BillLinePublic(BaseModel):
    loan_id: int
    principal: str
    interest: str
    penalty: str
    total: str


class BillPublic(BaseModel):
    borrower_id: int
    due_date: date
    lines: list[BillLinePublic]
    total: str
    credit_balance: str = Field(description="What is left of the credit balance after it paid this bill (R6).")

    @classmethod
    def of(cls, borrower_id: int, statement: Bill) -> BillPublic:
        return cls(
            borrower_id=borrower_id, due_date=statement.due_date,
            lines=[
                BillLinePublic(loan_id=int(line.loan_id), principal=format_amount(line.principal),
                               interest=format_amount(line.interest), penalty=format_amount(line.penalty),
                               total=format_amount(line.total))
                for line in statement.lines
            ],
            total=format_amount(statement.total), credit_balance=format_amount(statement.credit_balance),
        )


class AllocationLinePublic(BaseModel):
    loan_id: int
    period: int
    penalty: str
    interest: str
    principal: str
    fee: str
    total: str


class AllocationPublic(BaseModel):
    """Where one transaction's money went (R6: penalty, then interest, then principal)."""

    transaction_id: int
    kind: str
    value_date: date
    amount: str
    lines: list[AllocationLinePublic]
    to_credit: str = Field(description="Change of the credit balance (negative: credit used or refunded).")

    @classmethod
    def of(cls, transaction_id: int, allocation: Allocation) -> AllocationPublic:
        return cls(
            transaction_id=transaction_id, kind=allocation.kind, value_date=allocation.value_date,
            amount=format_amount(allocation.amount),
            lines=[
                AllocationLinePublic(loan_id=int(line.loan_id), period=line.period, penalty=format_amount(line.penalty),
                                     interest=format_amount(line.interest), principal=format_amount(line.principal),
                                     fee=format_amount(line.fee), total=format_amount(line.total))
                for line in allocation.lines
            ],
            to_credit=format_amount(allocation.to_credit),
        )


def _allocations(result: MoneyResult) -> list[AllocationPublic]:
    if len(result.allocations) != len(result.transaction_ids) or any(a is None for a in result.allocations):
        raise InvariantBroken(f"transactions {result.transaction_ids} were booked but not all of them were allocated")
    return [AllocationPublic.of(tx, a) for tx, a in zip(result.transaction_ids, result.allocations)]


class RepaymentPublic(BaseModel):
    transaction_id: int
    borrower_id: int
    business_date: date
    allocation: AllocationPublic
    credit_balance: str

    @classmethod
    def of(cls, borrower_id: int, result: MoneyResult) -> RepaymentPublic:
        return cls(transaction_id=result.transaction_ids[0], borrower_id=borrower_id, business_date=result.business_date,
                   allocation=_allocations(result)[0], credit_balance=format_amount(result.credit_balance))


class PayoffPublic(BaseModel):
    borrower_id: int
    business_date: date
    transaction_ids: list[int]
    allocations: list[AllocationPublic]
    credit_balance: str

    @classmethod
    def of(cls, borrower_id: int, result: MoneyResult) -> PayoffPublic:
        return cls(borrower_id=borrower_id, business_date=result.business_date,
                   transaction_ids=list(result.transaction_ids), allocations=_allocations(result),
                   credit_balance=format_amount(result.credit_balance))


class RefundPublic(BaseModel):
    transaction_id: int
    borrower_id: int
    business_date: date
    amount: str
    credit_balance: str

    @classmethod
    def of(cls, borrower_id: int, paid: Decimal, result: MoneyResult) -> RefundPublic:
        return cls(transaction_id=result.transaction_ids[0], borrower_id=borrower_id, business_date=result.business_date,
                   amount=format_amount(paid), credit_balance=format_amount(result.credit_balance))


class BusinessDatePublic(BaseModel):
    business_date: date


class DayClosedPublic(BaseModel):
    closed: date
    business_date: date
    borrowers_closed: int

    @classmethod
    def of(cls, done: DayClosed) -> DayClosedPublic:
        return cls(closed=done.closed, business_date=done.business_date, borrowers_closed=done.borrowers_closed)


class TrialBalancePublic(BaseModel):
    debits: str
    credits: str
    balanced: bool
    balances: dict[str, str] = Field(description="Per account, its balance on its normal side.")

    @classmethod
    def of(cls, debits_fen: int, credits_fen: int, balances: dict[str, int]) -> TrialBalancePublic:
        return cls(debits=format_amount(from_fen(debits_fen)), credits=format_amount(from_fen(credits_fen)),
                   balanced=debits_fen == credits_fen,
                   balances={account: format_amount(from_fen(fen)) for account, fen in balances.items()})


class LedgerCheckPublic(BaseModel):
    business_date: date
    ok: bool
    debits: str
    credits: str
    balances: dict[str, str]
    borrowers_checked: int
    loans_checked: int
    loans_disagreeing: list[int]
    problems: list[str]

    @classmethod
    def of(cls, report: LedgerReport) -> LedgerCheckPublic:
        return cls(
            business_date=report.business_date, ok=report.ok, debits=format_amount(from_fen(report.debits_fen)),
            credits=format_amount(from_fen(report.credits_fen)),
            balances={account: format_amount(from_fen(fen)) for account, fen in report.balances.items()},
            borrowers_checked=report.borrowers_checked, loans_checked=report.loans_checked,
            loans_disagreeing=list(report.loans_disagreeing), problems=list(report.problems),
        )


class FieldError(BaseModel):
    field: str
    message: str
    # "in" is a Python keyword: the envelope's key is written by errors.py
    model_config = ConfigDict(extra="allow")


class ErrorDetail(BaseModel):
    code: str = Field(examples=["bad_input"])
    message: str = Field(examples=["amount must be more than zero, got '0'"])
    fields: list[FieldError] | None = None


class ErrorEnvelope(BaseModel):
    """Every error: a code a program can test and a message a person can act on."""

    error: ErrorDetail

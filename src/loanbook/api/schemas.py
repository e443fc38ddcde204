"""Request and response models, one per use; never an ORM row.

Requests (``...Create``) refuse unknown fields and take an amount as a string of yuan
("130.00"); a JSON number is taken from its digits (see exact_json.py), never through a
float, and :func:`loanbook.money.parse_amount` parses it in the route. Responses
(``...Public``) write every amount as a string with 2 decimals and every date in ISO.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict

from loanbook.errors import InvariantBroken
from loanbook.money import format_amount, format_percent, from_fen, parse_amount
from loanbook.rules.bill import Bill
from loanbook.rules.position import Allocation, LoanPosition, PayoffQuote
from loanbook.service.close_of_business import DayClosed
from loanbook.service.ledger_check import LedgerReport
from loanbook.service.servicing import BorrowerSummary, Disbursement, MoneyResult
from loanbook.views import loan_view, plan_view, quote_view

ID_MAX = 2**63 - 1  # a BIGINT id
NAME_MAX = 200  # borrowers.name (PostgreSQL varchar counts characters, as this does)
PHONE_MAX = 40  # borrowers.phone: "+", 20 digits and 19 separators at most
PRODUCT_CODE_MAX = 32  # products.code
AMOUNT_TEXT_MAX = 40
LOANS_PER_PAYOFF_MAX = 50
TERMS_MAX = 1000

# The channels money arrives by (transactions.channel). "api": the borrower's app or a
# staff member through the API, the default.
Channel = Literal["api", "bank_transfer", "alipay", "wechat_pay", "unionpay", "counter"]
CHANNELS: tuple[str, ...] = get_args(Channel)

# Phones: an optional "+", then 5 to 20 ASCII digits, a single space or dash allowed
# between two digits ("+86 138 0013 8000", "010-8888-6666").
PHONE_DIGITS = (5, 20)
PHONE_PATTERN = re.compile(rf"\+?(?:[0-9][ -]?){{{PHONE_DIGITS[0] - 1},{PHONE_DIGITS[1] - 1}}}[0-9]")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and the
# direction marks: in a name they make "Li Lei" print as another name on a statement.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _plain_text(text: str) -> str:
    """Text a person wrote: no control characters (Cc), no lone UTF-16 surrogates (Cs,
    which no database can store), no line or paragraph separators, no bidi controls."""
    for c in text:
        category = unicodedata.category(c)
        if category == "Cs":
            raise ValueError("must be valid Unicode text (it holds a lone surrogate such as \\ud83d)")
        if category in ("Cc", "Zl", "Zp"):
            raise ValueError(f"must not contain control characters (U+{ord(c):04X})")
        if c in BIDI_CONTROLS:
            raise ValueError(f"must not contain bidirectional control characters (U+{ord(c):04X})")
    return text


def _phone(text: str) -> str:
    if PHONE_PATTERN.fullmatch(text) is None:
        raise ValueError(f"must be a phone number: an optional '+', then {PHONE_DIGITS[0]} to {PHONE_DIGITS[1]} "
                         "digits 0-9, with single spaces or dashes between digits, like +86 138 0013 8000")
    return text


def _iso_date(value: object) -> date:
    """A date only as an ISO string: no integer (1705276800 is no day), no datetime."""
    if not isinstance(value, str) or ISO_DATE.fullmatch(value) is None:
        raise ValueError("must be a date written as a string YYYY-MM-DD, like 2026-02-10")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a day of the calendar") from None


Text = Annotated[str, Strict()]  # then a length Field, then AfterValidator(_plain_text)
Name = Annotated[Text, Field(min_length=1, max_length=NAME_MAX, examples=["Li Lei"]), AfterValidator(_plain_text)]
Phone = Annotated[Text, Field(min_length=1, max_length=PHONE_MAX, examples=["+86 138 0013 8000"],
                              description="An optional '+', then 5 to 20 digits 0-9, single spaces or dashes "
                                          "between digits.",
                              json_schema_extra={"pattern": f"^{PHONE_PATTERN.pattern}$"}),
                  AfterValidator(_plain_text), AfterValidator(_phone)]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Id = Annotated[int, Strict(), Field(ge=1, le=ID_MAX)]
AmountText = Annotated[
    str,  # not Strict: a JSON number is taken from its digits (coerce_numbers_to_str)
    Field(
        max_length=AMOUNT_TEXT_MAX,
        description='Yuan exact to the fen, as a string of ASCII digits with at most 2 decimals, like "130.00" '
                    "(no commas, spaces or exponent; a JSON number is read from its digits).",
        examples=["130.00"],
        json_schema_extra={"pattern": r"^[0-9]+(?:\.[0-9]{1,2})?$"},  # money.AMOUNT_GRAMMAR, no API field negative
    ),
    AfterValidator(_plain_text),
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
    name: Name
    phone: Phone
    credit_limit: AmountText


class LoanCreate(Command):
    product: Annotated[Text, Field(min_length=1, max_length=PRODUCT_CODE_MAX, examples=["FLEX6"]),
                       AfterValidator(_plain_text)]
    principal: AmountText
    terms: Annotated[int, Strict(), Field(ge=1, le=TERMS_MAX, examples=[6],
                                          description="A JSON integer: not \"6\", not 6.0.")]
    partner_share: Annotated[AmountText | None, Field(examples=["0.50"],
                                                      description="The partner bank's share of principal, 0 to 0.70 "
                                                                  "(R17).")] = None


class RepaymentCreate(Command):
    amount: AmountText
    value_date: IsoDate | None = Field(
        None, description="The day the money was paid (default: the business date). Staff only: a borrower's "
                          "token may not set it (403).")
    channel: Channel = Field("api", description=f"How the money came: one of {', '.join(CHANNELS)}.")
    coupon_id: Id | None = Field(None, description="A coupon of the borrower's to redeem with it (R13).")


class PayoffCreate(Command):
    loan_ids: Annotated[list[Id], Field(min_length=1, max_length=LOANS_PER_PAYOFF_MAX)]
    total: AmountText = Field(description="The total of today's payoff quotes the borrower confirmed (R8), less a "
                                          "coupon's waiver (R13); with use_credit, less the credit balance used too: "
                                          "the cash to pay.")
    coupon_id: Id | None = Field(None, description="A coupon of the borrower's to redeem with it (R13): one loan "
                                                   "only, and the total is its quote less the interest waived.")
    use_credit: Annotated[bool, Strict()] = Field(False, description="Pay first from the borrower's credit balance "
                                                                     "(R8): the borrower pays only what is left.")


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
    credit_balance: str = Field("0.00", description="The borrower's credit balance today (R6).")
    total_after_credit: str = Field("0.00", description="What is left to pay if the borrower uses the credit balance "
                                                        "(use_credit in the payoff, R8).")

    @classmethod
    def of(cls, quote: PayoffQuote, credit_balance: Decimal = Decimal("0.00")) -> QuotePublic:
        left = quote.to_pay - min(credit_balance, quote.to_pay)
        return cls.model_validate({**quote_view(quote), "credit_balance": format_amount(credit_balance),
                                   "total_after_credit": format_amount(left)})


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


BOOKED_BY = Field(description="The user whose token booked it (kept on the transaction: who back-dated what).")


class RepaymentPublic(BaseModel):
    transaction_id: int
    borrower_id: int
    business_date: date
    booked_by_user_id: int | None = BOOKED_BY
    allocation: AllocationPublic
    credit_balance: str

    @classmethod
    def of(cls, borrower_id: int, result: MoneyResult, booked_by_user_id: int | None = None) -> RepaymentPublic:
        return cls(transaction_id=result.transaction_ids[0], borrower_id=borrower_id, business_date=result.business_date,
                   booked_by_user_id=booked_by_user_id, allocation=_allocations(result)[0],
                   credit_balance=format_amount(result.credit_balance))


class PayoffPublic(BaseModel):
    borrower_id: int
    business_date: date
    booked_by_user_id: int | None = BOOKED_BY
    transaction_ids: list[int]
    allocations: list[AllocationPublic]
    credit_balance: str

    @classmethod
    def of(cls, borrower_id: int, result: MoneyResult, booked_by_user_id: int | None = None) -> PayoffPublic:
        return cls(borrower_id=borrower_id, business_date=result.business_date, booked_by_user_id=booked_by_user_id,
                   transaction_ids=list(result.transaction_ids), allocations=_allocations(result),
                   credit_balance=format_amount(result.credit_balance))


class RefundPublic(BaseModel):
    transaction_id: int
    borrower_id: int
    business_date: date
    booked_by_user_id: int | None = BOOKED_BY
    amount: str
    credit_balance: str

    @classmethod
    def of(cls, borrower_id: int, paid: Decimal, result: MoneyResult,
           booked_by_user_id: int | None = None) -> RefundPublic:
        return cls(transaction_id=result.transaction_ids[0], borrower_id=borrower_id, business_date=result.business_date,
                   booked_by_user_id=booked_by_user_id, amount=format_amount(paid),
                   credit_balance=format_amount(result.credit_balance))


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
    unfinished_close: date | None = Field(
        None, description="The business date whose close of business is unfinished: loans are not compared until "
        "it is finished (`loanbook cob run --until` the next day); null when none is.")

    @classmethod
    def of(cls, report: LedgerReport) -> LedgerCheckPublic:
        return cls(
            business_date=report.business_date, ok=report.ok, debits=format_amount(from_fen(report.debits_fen)),
            credits=format_amount(from_fen(report.credits_fen)),
            balances={account: format_amount(from_fen(fen)) for account, fen in report.balances.items()},
            borrowers_checked=report.borrowers_checked, loans_checked=report.loans_checked,
            loans_disagreeing=list(report.loans_disagreeing), problems=list(report.problems),
            unfinished_close=report.unfinished_close,
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

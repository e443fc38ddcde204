"""Turning rows into the core's values and back: products as JSON, plans, books."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from enum import Enum
from types import UnionType
from typing import Union, get_args, get_origin, get_type_hints

from loanbook.errors import InvariantBroken
from loanbook.money import from_fen, to_fen
from loanbook.rules.book import (
    PENALTY_WAIVER_ALL,
    Book,
    Coupon,
    Extension,
    Loan,
    NegotiatedPlan,
    Payoff,
    PlanChange,
    Refund,
    Repayment,
    Transaction,
    TransactionKind,
)
from loanbook.rules.position import LoanPosition
from loanbook.rules.products import Product, RepaymentMethod
from loanbook.rules.schedule import Instalment
from loanbook.store.tables import BorrowerRow, CouponRow, LoanRow, PlanInstalmentRow, PlanRequestRow, TransactionRow

PLAN_CHANGE_KINDS = (TransactionKind.EXTENSION, TransactionKind.NEGOTIATION)  # transactions that are approved requests (R11)


def product_to_json(product: Product) -> str:
    values = {}
    for field in dataclasses.fields(product):
        value = getattr(product, field.name)
        values[field.name] = value.value if isinstance(value, RepaymentMethod) else str(value) if isinstance(value, Decimal) else value
    return json.dumps(values, sort_keys=True)


def product_from_json(text: str) -> Product:
    values = json.loads(text)
    kinds = {field.name: field.type for field in dataclasses.fields(Product)}
    for name, kind in kinds.items():
        if kind in ("Decimal", Decimal):
            values[name] = Decimal(values[name])
    values["repayment_method"] = RepaymentMethod(values["repayment_method"])
    return Product(**values)


def plan_rows(loan_id: int, schedule: tuple[Instalment, ...]) -> list[dict[str, object]]:
    return [
        {
            "loan_id": loan_id,
            "period": i.period,
            "start_date": i.start_date,
            "due_date": i.due_date,
            "principal_fen": to_fen(i.principal),
            "interest_fen": to_fen(i.interest),
        }
        for i in schedule
    ]


def loan_from_rows(row: LoanRow, plan: list[PlanInstalmentRow], product: Product) -> Loan:
    schedule = tuple(
        Instalment(
            period=p.period,
            start_date=p.start_date,
            due_date=p.due_date,
            principal=from_fen(p.principal_fen),
            interest=from_fen(p.interest_fen),
        )
        for p in sorted(plan, key=lambda p: p.period)
    )
    return Loan(
        loan_id=str(row.id),
        product=product,
        principal=from_fen(row.principal_fen),
        terms=row.terms,
        disbursed_on=row.disbursed_on,
        schedule=schedule,
        partner_share=Decimal(row.partner_share),
    )


def transaction_from_row(row: TransactionRow) -> Transaction:
    amount = from_fen(row.amount_fen)
    coupon_id = str(row.coupon_id) if row.coupon_id is not None else None
    if row.kind == TransactionKind.REPAYMENT:
        return Repayment(str(row.id), row.value_date, amount, row.booked_on, row.received_at, coupon_id)
    if row.kind == TransactionKind.PAYOFF:
        return Payoff(str(row.id), row.value_date, str(row.loan_id), amount, row.booked_on, row.received_at, coupon_id,
                      from_fen(row.credit_used_fen or 0))
    return Refund(str(row.id), row.value_date, amount, row.booked_on, row.received_at)


def waiver_from_text(text: str | None) -> Decimal | str:
    """A stored penalty waiver: "all" or an amount (R11)."""
    if text is None:
        return Decimal("0.00")
    return PENALTY_WAIVER_ALL if text == PENALTY_WAIVER_ALL else Decimal(text)


def plan_change_from_rows(row: TransactionRow, request: PlanRequestRow) -> PlanChange:
    """An approved request's plan change: the fact is the transaction row (its day and
    place in the day's order), what was approved is the request (R11)."""
    if row.kind == TransactionKind.EXTENSION:
        return Extension(str(row.id), str(row.loan_id), row.value_date, request.months, row.booked_on, row.received_at)
    return NegotiatedPlan(str(row.id), str(row.loan_id), row.value_date, RepaymentMethod(request.method), request.months,
                          waiver_from_text(request.waive_penalty), row.booked_on, row.received_at)


def coupon_from_row(row: CouponRow) -> Coupon:
    return Coupon(str(row.id), from_fen(row.amount_fen), row.granted_on, row.expires_on, row.granted_on)


def book_from_rows(
    borrower: BorrowerRow,
    loans: list[Loan],
    transactions: list[TransactionRow],
    coupons: list[CouponRow] = (),
    requests: dict[int, PlanRequestRow] | None = None,
) -> Book:
    ordered = sorted(transactions, key=lambda t: t.id)
    return Book(
        credit_limit=from_fen(borrower.credit_limit_fen),
        loans=tuple(sorted(loans, key=lambda loan: (loan.disbursed_on, int(loan.loan_id)))),
        transactions=tuple(transaction_from_row(t) for t in ordered if t.kind not in PLAN_CHANGE_KINDS),
        coupons=tuple(coupon_from_row(c) for c in sorted(coupons, key=lambda c: c.id)),
        plan_changes=tuple(plan_change_from_rows(t, (requests or {})[t.request_id]) for t in ordered
                           if t.kind in PLAN_CHANGE_KINDS),
    )


# --- stored positions ------------------------------------------------------------------------
# A loan's position as exact JSON: every field of the core's frozen values, in field order,
# decimals as their exact digits (the accrued penalty keeps all of them, R3), dates ISO.
# Decoding follows the classes' type hints, so a field added to the core is stored too;
# the shape's fingerprint is stored with it, and a row of another shape is not used.


_LEAVES: dict[object, tuple[Callable[[object], object], Callable[[object], object]]] = {
    Decimal: (str, Decimal),  # exact digits both ways (R3: the accrued penalty keeps all of them)
    date: (date.isoformat, date.fromisoformat),
    int: (lambda value: value, lambda raw: raw),
    str: (lambda value: value, lambda raw: raw),
    bool: (lambda value: value, lambda raw: raw),
}


def _converter(hint: object, *, encode: bool) -> Callable[[object], object]:
    """A function turning a value of type ``hint`` into its JSON (``encode``) or that JSON
    back into the value; built once per type, by one walk over the type hints."""
    if get_origin(hint) in (Union, UnionType):
        inner = [arg for arg in get_args(hint) if arg is not type(None)]
        if len(inner) != 1:
            raise InvariantBroken(f"no stored form for {hint}")
        convert = _converter(inner[0], encode=encode)
        return lambda value: None if value is None else convert(value)
    if get_origin(hint) is tuple:
        convert = _converter(get_args(hint)[0], encode=encode)
        if encode:
            return lambda value: [convert(item) for item in value]  # type: ignore[attr-defined]
        return lambda raw: tuple(convert(item) for item in raw)  # type: ignore[attr-defined]
    if hint in _LEAVES:
        return _LEAVES[hint][0 if encode else 1]
    if isinstance(hint, type) and issubclass(hint, Enum):
        return (lambda value: value.value) if encode else hint  # type: ignore[attr-defined]
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = get_type_hints(hint)
        fields = [(f.name, _converter(hints[f.name], encode=encode)) for f in dataclasses.fields(hint)]
        if encode:
            return lambda value: [convert(getattr(value, name)) for name, convert in fields]
        return lambda raw: hint(*(convert(item) for (_, convert), item in zip(fields, raw, strict=True)))  # type: ignore[arg-type]
    raise InvariantBroken(f"no stored form for {hint}")


def _shape(cls: type, seen: frozenset = frozenset()) -> str:
    hints = get_type_hints(cls)
    parts = []
    for f in dataclasses.fields(cls):
        parts.append(f"{f.name}:{hints[f.name]}")
        for arg in (hints[f.name], *get_args(hints[f.name]), *(a for x in get_args(hints[f.name]) for a in get_args(x))):
            if isinstance(arg, type) and dataclasses.is_dataclass(arg) and arg not in seen:
                parts.append(_shape(arg, seen | {cls}))
    return ";".join(parts)


POSITION_SHAPE = hashlib.sha256(_shape(LoanPosition).encode()).hexdigest()[:16]
_decode_position = _converter(LoanPosition, encode=False)
_encode_position = _converter(LoanPosition, encode=True)


def position_to_json(loan: LoanPosition) -> str:
    return json.dumps([POSITION_SHAPE, _encode_position(loan)], separators=(",", ":"))


def position_from_json(text: str) -> LoanPosition | None:
    """The stored position, or None if it was stored in another shape (older code)."""
    shape, body = json.loads(text)
    if shape != POSITION_SHAPE:
        return None
    return _decode_position(body)

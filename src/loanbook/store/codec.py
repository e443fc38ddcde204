"""Turning rows into the core's values and back: products as JSON, plans, books."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

from loanbook.money import from_fen
from loanbook.rules.book import Book, Loan, Payoff, Refund, Repayment, Transaction
from loanbook.rules.products import Product, RepaymentMethod
from loanbook.rules.schedule import Instalment
from loanbook.store.tables import BorrowerRow, LoanRow, PlanInstalmentRow, TransactionRow


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
            "principal_fen": int(i.principal * 100),
            "interest_fen": int(i.interest * 100),
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
    if row.kind == "repayment":
        return Repayment(str(row.id), row.value_date, amount, row.booked_on)
    if row.kind == "payoff":
        return Payoff(str(row.id), row.value_date, str(row.loan_id), amount, row.booked_on,
                      from_fen(getattr(row, "credit_used_fen", 0) or 0))
    return Refund(str(row.id), row.value_date, amount, row.booked_on)


def book_from_rows(
    borrower: BorrowerRow, loans: list[Loan], transactions: list[TransactionRow]
) -> Book:
    return Book(
        credit_limit=from_fen(borrower.credit_limit_fen),
        loans=tuple(sorted(loans, key=lambda loan: (loan.disbursed_on, int(loan.loan_id)))),
        transactions=tuple(transaction_from_row(t) for t in sorted(transactions, key=lambda t: t.id)),
    )

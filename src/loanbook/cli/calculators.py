"""Calculators for people: a loan's plan and a payoff quote (R4, R8, R10)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import typer
from rich.table import Table

from loanbook.cli.common import out, parse_day, print_json, refusals_as_messages
from loanbook.config.products import resolve_product
from loanbook.errors import BadInput
from loanbook.money import ZERO, format_amount, format_percent, parse_amount
from loanbook.rules import operations
from loanbook.rules.book import Book
from loanbook.rules.disclosure import annual_rates
from loanbook.rules.position import PayoffQuote
from loanbook.rules.products import Product
from loanbook.rules.schedule import Instalment
from loanbook.views import plan_view, quote_view

CALCULATOR_LIMIT = Decimal("100000000.00")  # a calculator's loan stands alone: no credit line

ProductOption = typer.Option("FLEX6", "--product", help="A preset (FLEX6, TERM6) or a product file.")
PrincipalOption = typer.Option(..., "--principal", help="Amount lent, in yuan, e.g. 10000 or 10000.00.")
TermsOption = typer.Option(..., "--terms", help="Number of monthly periods.")
DisbursedOption = typer.Option(..., "--disbursed", help="Disbursement day, YYYY-MM-DD.")
JsonOption = typer.Option(False, "--json", help="Print JSON instead of tables.")


def _new_loan(product_name: str, principal_text: str, terms: int, disbursed_text: str) -> tuple[Product, Book]:
    product = resolve_product(product_name)
    principal = parse_amount(principal_text, what="--principal")
    disbursed_on = parse_day(disbursed_text, "--disbursed")
    book, _ = operations.disburse(
        Book(CALCULATOR_LIMIT),
        loan_id="L1",
        product=product,
        principal=principal,
        terms=terms,
        on=disbursed_on,
        business_date=disbursed_on,
    )
    return product, book


def schedule(
    product: str = ProductOption,
    principal: str = PrincipalOption,
    terms: int = TermsOption,
    disbursed: str = DisbursedOption,
    as_json: bool = JsonOption,
) -> None:
    """Print a loan's repayment plan and both annual rates (R4, R10)."""
    with refusals_as_messages():
        chosen, book = _new_loan(product, principal, terms, disbursed)
        loan = book.loans[0]
        rates = annual_rates(chosen, loan.principal, loan.disbursed_on, loan.schedule)
    if as_json:
        print_json(
            {
                "product": chosen.code,
                "principal": format_amount(loan.principal),
                "terms": loan.terms,
                "disbursed_on": loan.disbursed_on.isoformat(),
                "schedule": plan_view(loan.schedule),
                "total_interest": format_amount(_total(loan.schedule, "interest")),
                "total_principal": format_amount(_total(loan.schedule, "principal")),
                "total": format_amount(_total(loan.schedule, "total")),
                "annual_rate_simple": format_percent(rates.simple),
                "annual_rate_irr": format_percent(rates.irr),
            }
        )
        return
    table = Table(
        title=f"{chosen.code}: {format_amount(loan.principal)} over {loan.terms} months from {loan.disbursed_on}",
        title_justify="left",
    )
    for header, justify in (("period", "right"), ("due date", "left"), ("days", "right"),
                            ("interest", "right"), ("principal", "right"), ("total", "right")):
        table.add_column(header, justify=justify)
    for row in plan_view(loan.schedule):
        table.add_row(str(row["period"]), row["due_date"], str(row["days"]), row["interest"], row["principal"], row["total"])
    table.add_section()
    table.add_row("total", "", "", format_amount(_total(loan.schedule, "interest")),
                  format_amount(_total(loan.schedule, "principal")), format_amount(_total(loan.schedule, "total")))
    out.print(table)
    out.print(f"Annual rate (simple, daily rate x 365): {format_percent(rates.simple)}")
    out.print(f"Annual rate (IRR of the cash flows, XIRR actual/365): {format_percent(rates.irr)}")


def _total(plan: tuple[Instalment, ...], part: str) -> Decimal:
    return sum((getattr(i, part) for i in plan), ZERO)


def _parse_repayment(text: str) -> tuple[date, Decimal]:
    day, sep, amount = text.partition(":")
    if not sep:
        raise BadInput(f"--repay {text!r} must be DATE:AMOUNT, like 2026-02-10:130.00")
    return parse_day(day, "--repay date"), parse_amount(amount, what="--repay amount")


def quote(
    product: str = ProductOption,
    principal: str = PrincipalOption,
    terms: int = TermsOption,
    disbursed: str = DisbursedOption,
    on: str = typer.Option(..., "--on", help="Day of the payoff, YYYY-MM-DD."),
    repay: list[str] = typer.Option(
        [], "--repay", help="A repayment before the payoff, DATE:AMOUNT; repeat for several."
    ),
    on_time: bool = typer.Option(False, "--on-time", help="Every instalment due before --on was paid on its due date."),
    as_json: bool = JsonOption,
) -> None:
    """Print the payoff quote of a loan on a day, with its parts (R8)."""
    with refusals_as_messages():
        _, book = _new_loan(product, principal, terms, disbursed)
        payoff_day = parse_day(on, "--on")
        disbursed_on = book.loans[0].disbursed_on
        if payoff_day < disbursed_on:
            raise BadInput(f"--on {payoff_day} is before the loan is disbursed (--disbursed {disbursed_on})")
        payments = [_parse_repayment(text) for text in repay]
        for value_date, _ in payments:
            if value_date < disbursed_on:
                raise BadInput(f"--repay {value_date} is before the loan is disbursed (--disbursed {disbursed_on})")
        if on_time:
            payments += [(i.due_date, i.total) for i in book.loans[0].schedule if i.due_date < payoff_day]
        for value_date, amount in sorted(payments):
            if value_date > payoff_day:
                raise BadInput(f"--repay {value_date} is after the payoff day {payoff_day}")
            book, _ = operations.repay(book, amount=amount, value_date=value_date, business_date=payoff_day)
        result = operations.quote(book, "L1", payoff_day)
    if as_json:
        print_json(quote_view(result))
        return
    _print_quote(result)


def _print_quote(result: PayoffQuote) -> None:
    table = Table(title=f"Payoff quote for {result.on}", title_justify="left", show_header=False)
    table.add_column("part")
    table.add_column("amount", justify="right")
    table.add_row("principal", format_amount(result.principal))
    table.add_row("interest", format_amount(result.interest))
    table.add_row("  of which this period's interest to date", format_amount(result.interest_accrued))
    table.add_row("penalty interest", format_amount(result.penalty))
    table.add_row("early settlement fee", format_amount(result.fee))
    table.add_section()
    table.add_row("total", format_amount(result.total))
    out.print(table)

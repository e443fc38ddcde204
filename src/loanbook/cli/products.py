"""``loanbook products``: the presets, and checking a lender's product file (R1, R10)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from loanbook.cli.common import EXIT_FAILURES, out, print_json, refusals_as_messages
from loanbook.config.products import load_product_file
from loanbook.money import format_amount, format_percent
from loanbook.rules.disclosure import check_rate_cap, simple_annual_rate
from loanbook.rules.products import PRESETS, Product

app = typer.Typer(help="Products: presets and a lender's own product files (R1).", no_args_is_help=True)


def _row(product: Product) -> dict[str, object]:
    return {
        "code": product.code,
        "name": product.name,
        "daily_rate": str(product.daily_rate),
        "penalty_multiplier": str(product.penalty_multiplier),
        "due_day": product.due_day,
        "grace_days": product.grace_days,
        "terms": [product.min_terms, product.max_terms],
        "repayment_method": product.repayment_method.value,
        "early_settlement_fee_rate": str(product.early_settlement_fee_rate),
        "settlement_after_days": product.settlement_after_days,
        "principal": [format_amount(product.min_principal), format_amount(product.max_principal)],
        "annual_rate_cap": format_percent(product.annual_rate_cap),
        "annual_rate_simple": format_percent(simple_annual_rate(product.daily_rate)),
    }


def _table(rows: list[dict[str, object]], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for header in ("code", "daily rate", "simple/yr", "penalty x", "due day", "grace", "terms", "method", "fee", "IRR worst", "cap"):
        table.add_column(header, justify="left" if header in ("code", "method") else "right")
    for row in rows:
        table.add_row(
            str(row["code"]), str(row["daily_rate"]), str(row["annual_rate_simple"]), str(row["penalty_multiplier"]),
            str(row["due_day"]), str(row["grace_days"]), "{}-{}".format(*row["terms"]), str(row["repayment_method"]),
            str(row["early_settlement_fee_rate"]), str(row.get("annual_rate_irr_worst", "")), str(row["annual_rate_cap"]),
        )
    return table


def _checked(product: Product) -> dict[str, object]:
    check = check_rate_cap(product)
    return {
        **_row(product),
        "annual_rate_irr_worst": format_percent(check.worst_irr),
        "worst_case": {"terms": check.worst_terms, "disbursed_on": check.worst_disbursed_on.isoformat()},
        "above_cap": check.above_cap,
    }


@app.command("list")
def list_presets(as_json: bool = typer.Option(False, "--json")) -> None:
    """The preset products FLEX6 and TERM6 (R1)."""
    rows = [_checked(p) for p in PRESETS.values()]
    if as_json:
        print_json(rows)
    else:
        out.print(_table(rows, "Preset products"))


@app.command("check")
def check(file: Path = typer.Argument(..., help="A product file, .toml or .yaml"), as_json: bool = typer.Option(False, "--json")) -> None:
    """Validate a product file; flag any product whose IRR-based rate can pass its cap (R10).

    Exit 0: valid. Exit 1: valid, but flagged above the cap. Exit 2: invalid.
    """
    with refusals_as_messages():
        rows = [_checked(p) for p in load_product_file(file)]
    flagged = [row for row in rows if row["above_cap"]]
    if as_json:
        print_json({"file": str(file), "products": rows, "flagged": [row["code"] for row in flagged]})
    else:
        out.print(_table(rows, f"{file}: {len(rows)} valid product(s)"))
        for row in flagged:
            worst = row["worst_case"]
            out.print(
                f"[yellow]FLAG[/] {row['code']}: the IRR-based annual rate reaches {row['annual_rate_irr_worst']} "
                f"(a {worst['terms']}-month loan disbursed {worst['disbursed_on']}), above its cap "
                f"{row['annual_rate_cap']} (R10)"
            )
    if flagged:
        raise typer.Exit(EXIT_FAILURES)

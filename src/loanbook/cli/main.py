"""The ``loanbook`` command line."""

from __future__ import annotations

import typer

from loanbook.cli import calculators, demo, products, scenarios

app = typer.Typer(
    help="loanbook: a loan servicing engine, exact to the fen.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(scenarios.app, name="scenario")
app.add_typer(products.app, name="products")
app.command("schedule")(calculators.schedule)
app.command("quote")(calculators.quote)
app.command("demo")(demo.demo)


def main() -> None:
    app()

"""``loanbook report portfolio|dpd|roll-rates|events``: the portfolio reports as Rich
tables, ``--json`` or ``--csv`` (service/reports.py)."""

from __future__ import annotations

import csv
import sys

import typer
from rich.table import Table

from loanbook.cli.admin import DatabaseOption
from loanbook.cli.common import out, parse_day, print_json, refusals_as_messages
from loanbook.errors import BadInput
from loanbook.service import reports as service
from loanbook.service.reports import Report
from loanbook.store.database import open_database
from loanbook.store.unit_of_work import UnitOfWork

app = typer.Typer(help="Portfolio reports from the cached figures and loan events.", no_args_is_help=True)

DateOption = typer.Option(None, "--date", help="YYYY-MM-DD (default: the business date).")
JsonOption = typer.Option(False, "--json", help="One JSON object.")
CsvOption = typer.Option(False, "--csv", help="CSV with a header line.")


def _run(name: str, day: str | None, database: str | None, as_json: bool, as_csv: bool) -> None:
    with refusals_as_messages():
        if as_json and as_csv:
            raise BadInput("choose one of --json and --csv")
        on = parse_day(day, "--date") if day else None
        with UnitOfWork(open_database(database)) as uow:
            done = service.report(uow, name, on)
    if as_json:
        print_json({"name": done.name, "title": done.title, "as_of": done.as_of.isoformat(),
                    "columns": list(done.columns), "rows": done.records(), "notes": done.notes})
    elif as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(done.columns)
        writer.writerows(done.rows)
    else:
        print_table(done)


def print_table(done: Report) -> None:
    table = Table(title=done.title, title_justify="left")
    for column in done.columns:
        table.add_column(column, justify="left" if column in ("status", "bucket", "from", "kind", "detail", "month")
                         else "right")
    for row in done.rows:
        table.add_row(*(str(value) for value in row))
    out.print(table)
    for key, value in done.notes.items():
        if key == "counts":
            out.print("events: " + (", ".join(f"{k} {v}" for k, v in value.items()) or "none"))
        elif key != "month_ends":
            out.print(f"{key.replace('_', ' ')}: {value}")


@app.command("portfolio")
def portfolio(day: str = DateOption, database: str = DatabaseOption, as_json: bool = JsonOption,
              as_csv: bool = CsvOption) -> None:
    """Loans and balances by status on the business date."""
    _run("portfolio", day, database, as_json, as_csv)


@app.command("dpd")
def dpd(day: str = DateOption, database: str = DatabaseOption, as_json: bool = JsonOption,
        as_csv: bool = CsvOption) -> None:
    """Open loans by days past due (R15 buckets) on the business date."""
    _run("dpd", day, database, as_json, as_csv)


@app.command("roll-rates")
def roll_rates(day: str = DateOption, database: str = DatabaseOption, as_json: bool = JsonOption,
               as_csv: bool = CsvOption) -> None:
    """Month over month, where each bucket's loans went, to --date."""
    _run("roll-rates", day, database, as_json, as_csv)


@app.command("events")
def events(day: str = DateOption, database: str = DatabaseOption, as_json: bool = JsonOption,
           as_csv: bool = CsvOption) -> None:
    """The loan events of --date."""
    _run("events", day, database, as_json, as_csv)

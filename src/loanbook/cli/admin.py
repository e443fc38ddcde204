"""Running a lender's database: init, close of business, the ledger check, users, serve."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, date, datetime
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine

from loanbook.cli.common import (
    EXIT_CLOSE_UNFINISHED,
    EXIT_FAILURES,
    out,
    parse_day,
    print_json,
    read_password_stdin,
    refusals_as_messages,
)
from loanbook.config.idempotency import idempotency_ttl
from loanbook.config.products import load_product_file
from loanbook.money import format_amount, from_fen
from loanbook.service.close_of_business import CHUNK_BORROWERS, close_until
from loanbook.service.cob_workers import LocalWorkers
from loanbook.service.ledger_check import LedgerReport, check_ledger
from loanbook.service.setup import init_database
from loanbook.service.users import add_user
from loanbook.store.database import database_url, is_initialised, mask_url, open_database
from loanbook.store.unit_of_work import UnitOfWork

DatabaseOption = typer.Option(None, "--database", help="Database URL (default: $LOANBOOK_DATABASE_URL or ./loanbook.sqlite3).")


def init(
    business_date: str = typer.Option(None, "--business-date", help="The first business date, YYYY-MM-DD (default: today)."),
    products: Path = typer.Option(None, "--products", help="A product file to add besides the presets."),
    database: str = DatabaseOption,
) -> None:
    """Create or upgrade the database and set its first business date."""
    with refusals_as_messages():
        first = parse_day(business_date, "--business-date") if business_date else None
        extra = load_product_file(products) if products else ()  # read before a database is created
        engine = open_database(database, create=True)
        if first is None and not is_initialised(engine):
            first = date.today()  # the edge reads the clock; the services never do
        current = init_database(engine, business_date=first, products=extra)
    out.print(f"database {mask_url(database or database_url())} ready; business date {current}")


def cob_run(
    until: str = typer.Option(..., "--until", help="Close days until the business date is this day, YYYY-MM-DD."),
    database: str = DatabaseOption,
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
    chunk: int = typer.Option(CHUNK_BORROWERS, "--chunk", min=1, help="Borrowers closed per database transaction."),
    workers: int = typer.Option(0, "--workers", min=0, help="Close the replayed borrowers in partitions across this many "
                                "worker processes (PostgreSQL; `loanbook cob worker` adds workers elsewhere)."),
) -> None:
    """Close of business, day by day, until the business date is --until."""
    with refusals_as_messages():
        target = parse_day(until, "--until")
        engine = open_database(database)
        with UnitOfWork(engine) as uow:
            start = uow.business_dates.get()
        days = max((target - start).days, 0)
        with local_workers(engine, database, workers) as pool, Progress(
            TextColumn("close of business"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
            TimeElapsedColumn(), console=out, disable=quiet,
        ) as progress:
            task = progress.add_task(str(start), total=days)
            closed = close_until(
                engine, target, chunk=chunk, now=datetime.now(UTC).replace(tzinfo=None),  # expired idempotency keys go
                across=pool.close_night if pool is not None else None,
                on_day=lambda d: progress.update(task, advance=1, description=f"{d.closed} ({d.borrowers_closed} borrowers)"),
            )
    out.print(f"closed {len(closed)} day(s); business date {target}")


def local_workers(engine: Engine, database: str | None, count: int) -> AbstractContextManager[LocalWorkers | None]:
    """--workers N: N worker processes for this run; 0: the in-process close."""
    if count == 0:
        return nullcontext(None)
    return LocalWorkers(engine, database or database_url(), count, output=sys.stderr)


def ledger_check(database: str = DatabaseOption, as_json: bool = typer.Option(False, "--json")) -> None:
    """Prove the trial balance is zero and that, per loan, the ledger agrees with the rules core."""
    with refusals_as_messages():
        report = check_ledger(open_database(database))
    if as_json:
        print_json(
            {"business_date": report.business_date.isoformat(), "ok": report.ok, "debits_fen": report.debits_fen,
             "credits_fen": report.credits_fen, "balances": {k: format_amount(from_fen(v)) for k, v in report.balances.items()},
             "loans_checked": report.loans_checked, "loans_disagreeing": report.loans_disagreeing, "problems": report.problems,
             "unfinished_close": report.unfinished_close.isoformat() if report.unfinished_close else None}
        )
    else:
        print_ledger_report(report)
    if report.unfinished_close is not None:
        raise typer.Exit(EXIT_CLOSE_UNFINISHED)
    if not report.ok:
        raise typer.Exit(EXIT_FAILURES)


def print_ledger_report(report: LedgerReport) -> None:
    table = Table(title=f"Ledger as of {report.business_date}", title_justify="left")
    table.add_column("account")
    table.add_column("balance", justify="right")
    for account, balance in report.balances.items():
        table.add_row(account, format_amount(from_fen(balance)))
    table.add_section()
    table.add_row("debits = credits", f"{format_amount(from_fen(report.debits_fen))} = {format_amount(from_fen(report.credits_fen))}")
    out.print(table)
    if report.unfinished_close is not None:
        out.print(f"[yellow]ledger check not made[/]: {report.problems[0]}", soft_wrap=True)
    elif report.ok:
        out.print(f"[green]ledger check passed[/]: {report.loans_checked} loans of {report.borrowers_checked} borrowers agree with the rules core")
    else:
        out.print(f"[red]ledger check failed[/]: {len(report.loans_disagreeing)} loan(s) disagree: "
                  f"{', '.join(map(str, report.loans_disagreeing[:20]))}")
        for problem in report.problems:
            out.print(f"  - {problem}")


def user_add(
    name: str = typer.Argument(..., help="Who the token is for."),
    role: str = typer.Option(..., "--role", help="admin, operator, reviewer or borrower."),
    borrower: int = typer.Option(None, "--borrower", help="The borrower a borrower token reaches."),
    password_stdin: bool = typer.Option(False, "--password-stdin",
                                        help="Read a web sign-in password from standard input (its first line)."),
    database: str = DatabaseOption,
) -> None:
    """Add a user and print its bearer token, alone on the last line."""
    with refusals_as_messages():
        password = read_password_stdin() if password_stdin else None  # read before the database is touched
    with refusals_as_messages(), UnitOfWork(open_database(database)) as uow:
        user, token = add_user(uow, name=name, role=role, borrower_id=borrower, password=password)
    out.print(f"user {user.user_id} {user.name} ({user.role}); bearer token, shown once:")
    print(token)


def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    database: str = DatabaseOption,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs)."""
    import uvicorn

    from loanbook.api.app import create_app
    from loanbook.api.observability import configure_logging
    from loanbook.service.partner_relay import start_background_relay

    with refusals_as_messages():
        idempotency_ttl()  # a bad LOANBOOK_IDEMPOTENCY_TTL_HOURS is refused now, not at the first request
        engine = open_database(database)
        with UnitOfWork(engine) as uow:
            uow.business_dates.get()
    configure_logging()  # JSON lines with a request id; no access log with paths and queries (issue 11)
    start_background_relay(engine)  # partner: R17 outbox delivered while serving
    uvicorn.run(create_app(engine), host=host, port=port, log_level="info", access_log=False, log_config=None)

"""``loanbook partner ...`` (R17: partners, the relay, reconciliation, breaks) and
``loanbook partner-bank serve`` (the partner bank simulator, a process of its own)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import typer
from rich.table import Table

from loanbook.cli.common import out, parse_day, print_json, refusals_as_messages
from loanbook.errors import BadInput
from loanbook.service import partner_reconcile, partner_relay
from loanbook.service.partners_admin import add_partner, list_breaks
from loanbook.store.database import open_database

DatabaseOption = typer.Option(None, "--database", help="Database URL (default: $LOANBOOK_DATABASE_URL or ./loanbook.sqlite3).")
PartnerOption = typer.Option("BANK", "--partner", help="The partner bank's code.")

app = typer.Typer(help="Partner banks (R17): co-funding, the outbox relay, daily reconciliation, breaks.", no_args_is_help=True)
bank_app = typer.Typer(help="A partner bank simulator to talk to (its own process and database).", no_args_is_help=True)


@app.command("add")
def add(
    code: str = typer.Argument(..., help="The partner's code, e.g. BANK."),
    url: str = typer.Option(None, "--url", help="Where its endpoint listens, e.g. http://127.0.0.1:8100."),
    name: str = typer.Option("", "--name"),
    default: bool = typer.Option(True, "--default/--not-default", help="Funds co-funded drawdowns."),
    delay_days: int = typer.Option(1, "--delay-days", min=0, help="An undelivered message older than this holds the loan."),
    refuse_close: bool = typer.Option(False, "--refuse-close-without-file", help="Close of business refuses when the file is overdue."),
    database: str = DatabaseOption,
) -> None:
    """Add or change a partner bank."""
    with refusals_as_messages():
        row = add_partner(open_database(database), code=code, name=name, base_url=url, is_default=default,
                          delay_days=delay_days, file_overdue_refuses=refuse_close)
    out.print(f"partner {row['code']} {'(default) ' if row['is_default'] else ''}at {row['base_url'] or 'no URL'}")


@app.command("relay")
def relay(
    partner: str = PartnerOption,
    url: str = typer.Option(None, "--url", help="The bank's endpoint (default: the partner's URL)."),
    budget_seconds: float = typer.Option(60.0, "--budget-seconds", min=0, help="Keep retrying for this long."),
    timeout_seconds: float = typer.Option(5.0, "--timeout", min=0.1, help="Per request."),
    database: str = DatabaseOption,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Deliver the outbox to the bank: in order per loan, until acknowledged or out of time."""
    with refusals_as_messages():
        engine = open_database(database)
        report = partner_relay.relay(engine, partner, partner_relay.partner_url(engine, partner, url),
                                     budget_seconds=budget_seconds, timeout_seconds=timeout_seconds)
    summary = {"partner": partner, "rounds": report.rounds, "sent": report.sent, "acknowledged": report.acknowledged,
               "failures": report.failures, "undelivered": report.undelivered, "last_error": report.last_error}
    if as_json:
        print_json(summary)
    else:
        out.print(", ".join(f"{k} {v}" for k, v in summary.items() if v != ""))
    if report.undelivered:
        raise typer.Exit(1)


@app.command("outbox")
def outbox(
    partner: str = PartnerOption,
    state: str = typer.Option("undelivered", "--state", help="undelivered or delivered."),
    database: str = DatabaseOption,
) -> None:
    """List messages to the bank with their age (JSON)."""
    with refusals_as_messages():
        engine = open_database(database)
        if state not in ("undelivered", "delivered"):
            raise BadInput(f"--state must be undelivered or delivered, not {state!r}")
        print_json(partner_relay.undelivered_with_age(engine, partner, state))


@app.command("reconcile")
def reconcile(
    on: str = typer.Option(..., "--date", help="The day the bank's file is for, YYYY-MM-DD."),
    file: Path = typer.Option(..., "--file", help="The bank's daily file (CSV: loan_id,principal_fen,income_fen)."),
    partner: str = PartnerOption,
    database: str = DatabaseOption,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Compare the bank's daily file with the ledger, per loan; each difference is a break."""
    with refusals_as_messages():
        engine = open_database(database)
        day = parse_day(on, "--date")
        lines = partner_reconcile.read_file(file)
        result = partner_reconcile.reconcile(engine, partner_code=partner, file_date=day, lines=lines)
    summary = {"partner": result.partner_code, "file_date": result.file_date.isoformat(), "loans_in_file": result.loans_in_file,
               "loans_on_platform": result.loans_on_platform, "breaks_found": result.breaks_found,
               "breaks_matched": result.breaks_matched, "differences_by_cause": result.causes}
    if as_json:
        print_json(summary)
    else:
        out.print(", ".join(f"{k} {v}" for k, v in summary.items()))


@app.command("breaks")
def breaks(
    partner: str = typer.Option(None, "--partner"),
    state: str = typer.Option("open", "--state", help="open, resolved or all."),
    database: str = DatabaseOption,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List reconciliation breaks with cause, owner and age."""
    with refusals_as_messages():
        rows = list_breaks(open_database(database), partner_code=partner, state=state)
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"{state} breaks", title_justify="left")
    for column in ("id", "loan_id", "file_date", "cause", "owner", "age_days", "state", "resolution"):
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row[c] if row[c] is not None else "") for c in
                        ("id", "loan_id", "file_date", "cause", "owner", "age_days", "state", "resolution")))
    out.print(table)


@app.command("resolve")
def resolve(
    break_id: int = typer.Argument(..., help="The break's id."),
    resolution: str = typer.Option(..., "--resolution", help="resend, adjust or accept."),
    note: str = typer.Option("", "--note"),
    database: str = DatabaseOption,
) -> None:
    """Work a break: resend the loan's messages, adjust with a reversing entry, or accept."""
    with refusals_as_messages():
        row = partner_reconcile.resolve_break(open_database(database), break_id=break_id, resolution=resolution, note=note)
    out.print(f"break {row.id} of loan {row.loan_id} resolved: {row.resolution} ({row.note})")


def _down_until(text: str | None) -> datetime | None:
    """--down-until: an ISO time (UTC) or +SECONDS from now."""
    if not text:
        return None
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    try:
        if text.startswith("+"):
            return now + timedelta(seconds=float(text[1:]))
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadInput(f"--down-until {text!r} is not an ISO time or +SECONDS") from None
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


@bank_app.command("serve")
def bank_serve(
    port: int = typer.Option(8100, "--port"),
    host: str = typer.Option("127.0.0.1", "--host"),
    database: str = typer.Option(..., "--database", help="The bank's own database URL (created if missing)."),
    fail_rate: float = typer.Option(0.0, "--fail-rate", min=0.0, max=1.0, help="Answer 500 to this share of batches."),
    delay: float = typer.Option(0.0, "--delay", min=0.0, help="Seconds to wait after applying, before answering."),
    down_until: str = typer.Option(None, "--down-until", help="Answer 503 until this UTC time (ISO) or +SECONDS."),
    duplicate_acks: bool = typer.Option(False, "--duplicate-acks", help="Repeat earlier acks, shuffled."),
    seed: int = typer.Option(None, "--seed", help="Seed of the random faults."),
) -> None:
    """Run the partner bank simulator: applies messages once by id, serves its daily file."""
    import uvicorn

    from loanbook.partners.bank_simulator.app import Misbehaviour, create_bank_app

    with refusals_as_messages():
        faults = Misbehaviour(fail_rate=fail_rate, delay_seconds=delay, down_until=_down_until(down_until),
                              duplicate_acks=duplicate_acks, seed=seed)
        engine = open_database(database, create=True)  # the bank's own books, never the platform's
        bank = create_bank_app(engine, faults)
    uvicorn.run(bank, host=host, port=port, log_level="warning")

"""``loanbook bureau``: the credit bureau's daily batch, a loan's history, pre-notices,
disputes and holds (R15)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.table import Table

from loanbook.cli.admin import DatabaseOption
from loanbook.cli.common import out, parse_day, print_json, refusals_as_messages
from loanbook.errors import BadInput
from loanbook.service import bureau as service
from loanbook.store.database import open_database
from loanbook.store.unit_of_work import UnitOfWork

app = typer.Typer(help="Credit bureau reporting (R15): the daily batch, histories, notices, disputes, holds.",
                  no_args_is_help=True)


@app.command("export")
def export(
    day: str = typer.Option(..., "--date", help="The business day whose batch to write, YYYY-MM-DD."),
    out_file: Path = typer.Option(None, "--out", help="Write the JSON Lines here (default: standard output)."),
    database: str = DatabaseOption,
) -> None:
    """Write the day's batch as JSON Lines and mark it submitted; again: the same bytes."""
    with refusals_as_messages():
        engine = open_database(database)
        batch = service.export_batch(engine, parse_day(day, "--date"), out_file)
    if out_file is None:
        sys.stdout.write(batch.text)
    else:
        again = "" if batch.submitted_now or not batch.count else " (made before: written again, nothing new submitted)"
        out.print(f"batch {batch.batch_date}: {batch.count} line(s) written to {out_file}{again}")


@app.command("history")
def history(
    loan: int = typer.Argument(..., help="The loan id."),
    database: str = DatabaseOption,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Every bureau record and correction of a loan, submitted or not."""
    with refusals_as_messages(), UnitOfWork(open_database(database)) as uow:
        lines = service.loan_history(uow, loan)
    if as_json:
        print_json([{**h.line, "produced_on": h.produced_on.isoformat(),
                     "submitted_on": h.submitted_on.isoformat() if h.submitted_on else None} for h in lines])
        return
    table = Table(title=f"Bureau records of loan {loan}", title_justify="left")
    for header in ("id", "type", "moment", "as of", "balance", "overdue", "DPD", "month", "24 months", "corrects",
                   "submitted"):
        table.add_column(header)
    for h in lines:
        line = h.line
        table.add_row(str(line["record_id"]), str(line["type"]), str(line["moment"]), str(line["as_of"]),
                      str(line["balance"]), str(line["overdue_amount"]), str(line["dpd"]), str(line["month_status"]),
                      str(line["status_24"]), str(line.get("corrects", "")),
                      h.submitted_on.isoformat() if h.submitted_on else "not yet")
    out.print(table)


@app.command("pre-notice")
def pre_notice(
    loan: int = typer.Argument(..., help="The loan id."),
    channel: str = typer.Option("sms", "--channel", help="sms, app, call, letter or email."),
    database: str = DatabaseOption,
) -> None:
    """Record that the borrower was told today that a negative record will be reported (art. 15)."""
    with refusals_as_messages(), UnitOfWork(open_database(database)) as uow:
        notice_id = service.pre_notice(uow, loan_id=loan, channel=channel)
    out.print(f"pre-notice {notice_id} recorded for loan {loan}")


disputes = typer.Typer(help="Disputes (异议): answered within 20 days (art. 25).", no_args_is_help=True)
app.add_typer(disputes, name="disputes")


@disputes.command("list")
def disputes_list(
    open_only: bool = typer.Option(False, "--open", help="Only those not resolved yet."),
    database: str = DatabaseOption,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Disputes with their age and the days left to their deadline."""
    with refusals_as_messages(), UnitOfWork(open_database(database)) as uow:
        views = service.list_disputes(uow, open_only=open_only)
    if as_json:
        print_json([_dispute_json(v) for v in views])
        return
    table = Table(title="Disputes", title_justify="left")
    for header in ("id", "loan", "record", "filed", "age (days)", "deadline", "days left", "status", "resolution"):
        table.add_column(header)
    for v in views:
        table.add_row(str(v.id), str(v.loan_id), str(v.record_id or ""), v.filed_on.isoformat(), str(v.age_days),
                      v.deadline_on.isoformat(), str(v.days_left) if v.status == "open" else "", v.status,
                      v.resolution or "")
    out.print(table)


@disputes.command("file")
def disputes_file(
    loan: int = typer.Argument(..., help="The loan id."),
    claim: str = typer.Option(..., "--claim", help="What the borrower says is wrong."),
    record: int = typer.Option(None, "--record", help="The record disputed (default: the loan's records)."),
    database: str = DatabaseOption,
) -> None:
    """Record a borrower's dispute today, with its 20-day deadline."""
    with refusals_as_messages(), UnitOfWork(open_database(database)) as uow:
        view = service.file_dispute(uow, loan_id=loan, claim=claim, record_id=record)
    out.print(f"dispute {view.id} filed on {view.filed_on}; answer by {view.deadline_on}")


@disputes.command("resolve")
def disputes_resolve(
    dispute: int = typer.Argument(..., help="The dispute id."),
    decision: str = typer.Option(..., "--decision", help="upheld or rejected."),
    reason: str = typer.Option(..., "--reason", help="Why: kept with the dispute."),
    database: str = DatabaseOption,
) -> None:
    """Uphold (the records are corrected from the books) or reject (the reason is kept)."""
    with refusals_as_messages():
        if decision not in ("upheld", "rejected"):
            raise BadInput(f"--decision must be upheld or rejected, not {decision!r}")
        with UnitOfWork(open_database(database)) as uow:
            view = service.resolve_dispute(uow, dispute_id=dispute, upheld=decision == "upheld", reason=reason)
    extra = f"; correction {view.correction_id}" if view.correction_id else ""
    out.print(f"dispute {view.id} {view.status} on {view.resolved_on}{extra}")


@app.command("hold")
def hold(
    loan: int = typer.Argument(..., help="The loan id."),
    reason: str = typer.Option(..., "--reason"),
    source: str = typer.Option("staff", "--source", help="Who holds it (a partner bank, staff)."),
    database: str = DatabaseOption,
) -> None:
    """Hold a loan from negative reporting (R15, R17)."""
    with refusals_as_messages(), UnitOfWork(open_database(database)) as uow:
        hold_id = service.place_hold(uow, loan_id=loan, reason=reason, source=source)
    out.print(f"hold {hold_id} placed on loan {loan}")


@app.command("release")
def release(
    loan: int = typer.Argument(..., help="The loan id."),
    source: str = typer.Option("staff", "--source"),
    database: str = DatabaseOption,
) -> None:
    """Release a hold; records that were wrong are corrected."""
    with refusals_as_messages(), UnitOfWork(open_database(database)) as uow:
        service.release_hold(uow, loan_id=loan, source=source)
    out.print(f"loan {loan}: hold of {source} released")


def _dispute_json(v) -> dict[str, object]:
    return {"id": v.id, "loan_id": v.loan_id, "record_id": v.record_id, "filed_on": v.filed_on.isoformat(),
            "deadline_on": v.deadline_on.isoformat(), "age_days": v.age_days, "days_left": v.days_left,
            "claim": v.claim, "status": v.status, "resolved_on": v.resolved_on.isoformat() if v.resolved_on else None,
            "resolution": v.resolution, "correction_id": v.correction_id}

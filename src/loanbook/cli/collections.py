"""``loanbook collections``: the day's worklist, logging a contact attempt through the
guards, promises to pay, and checking a lender's collections file (R16). Thin: parse,
call one service function, print."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from loanbook.cli.admin import DatabaseOption
from loanbook.cli.common import out, parse_day, print_json, refusals_as_messages
from loanbook.collections.config import ENVIRONMENT, load_config
from loanbook.errors import BadInput
from loanbook.money import format_amount, from_fen, parse_amount
from loanbook.service import collections as service
from loanbook.store.database import open_database
from loanbook.store.unit_of_work import UnitOfWork

app = typer.Typer(help="Collections (R16): the worklist, contact attempts through the guards, promises to pay.",
                  no_args_is_help=True)


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or "T" not in text:
        raise BadInput(f"--at {text!r} must be an ISO date-time with its offset, like 2026-02-14T10:30:00+08:00")
    return moment


@app.command("worklist")
def worklist(
    action: str = typer.Option(None, "--action", help="Only this action of the ladder."),
    limit: int = typer.Option(1000, "--limit", help="At most this many loans."),
    as_json: bool = typer.Option(False, "--json", help="JSON: the counts and the items."),
    database: str = DatabaseOption,
) -> None:
    """The business date's actions, one per loan, made by close of business."""
    with refusals_as_messages(), UnitOfWork(open_database(database)) as uow:
        result = service.worklist(uow, action=action, limit=limit)
    if as_json:
        print_json({"business_date": str(result.business_date), "counts": result.counts, "items": [
            {"loan_id": i.action.loan_id, "borrower_id": i.action.borrower_id, "borrower_name": i.borrower_name,
             "action": i.action.action, "channel": i.action.channel, "status": i.action.status, "dpd": i.action.dpd,
             "amount_due": format_amount(from_fen(i.action.amount_due_fen)),
             "owed": format_amount(from_fen(i.action.owed_fen)), "bureau_pre_notice": i.action.bureau_pre_notice,
             "message": i.message} for i in result.items]})
        return
    counts = ", ".join(f"{name} {count}" for name, count in sorted(result.counts.items())) or "nothing to do"
    out.print(f"worklist of {result.business_date}: {counts}")
    table = Table("loan", "borrower", "action", "channel", "status", "DPD", "due", "owed")
    for item in result.items:
        row = item.action
        table.add_row(str(row.loan_id), escape(item.borrower_name), row.action, row.channel, row.status, str(row.dpd),
                      format_amount(from_fen(row.amount_due_fen)), format_amount(from_fen(row.owed_fen)))
    if result.items:
        out.print(table)


@app.command("log")
def log(
    loan: int = typer.Argument(..., help="The loan id."),
    channel: str = typer.Option(..., "--channel", help="call, sms or app."),
    to: str = typer.Option(..., "--to", help="The number contacted: the borrower's own phone only."),
    at: str = typer.Option(..., "--at", help="When: ISO date-time with offset, 2026-02-14T10:30:00+08:00."),
    outcome: str = typer.Option(..., "--outcome", help="connected, no_answer, wrong_number or refused."),
    note: str = typer.Option("", "--note"),
    database: str = DatabaseOption,
) -> None:
    """Log a contact attempt; a guard's refusal (third party, 22:00-08:00, 3 connected
    calls) is logged too, and exits 2 with the reason."""
    with refusals_as_messages():
        moment = _moment(at)
        with UnitOfWork(open_database(database)) as uow:
            row = service.log_contact_attempt(uow, loan_id=loan, channel=channel, to=to, at=moment,
                                              outcome=outcome, note=note)
    out.print(f"attempt {row.id} logged: loan {row.loan_id}, {row.channel} to {escape(row.to_phone)} on "
              f"{row.local_date}, {row.outcome}")


@app.command("promise")
def promise(
    loan: int = typer.Argument(..., help="The loan id."),
    amount: str = typer.Option(..., "--amount", help="Yuan, like 500.00."),
    by: str = typer.Option(..., "--by", help="The last day, YYYY-MM-DD (at most 30 days ahead)."),
    database: str = DatabaseOption,
) -> None:
    """Record a promise to pay; close of business marks it kept or broken."""
    with refusals_as_messages():
        promised, by_date = parse_amount(amount, what="--amount"), parse_day(by, "--by")
        with UnitOfWork(open_database(database)) as uow:
            row = service.make_promise(uow, loan_id=loan, amount=promised, by=by_date)
    out.print(f"promise {row.id}: loan {row.loan_id}, {format_amount(from_fen(row.amount_fen))} by {row.by_date}")


@app.command("promises")
def promises(
    loan: int = typer.Argument(..., help="The loan id."),
    as_json: bool = typer.Option(False, "--json"),
    database: str = DatabaseOption,
) -> None:
    """A loan's promises to pay and contact attempts (refused ones with their reason)."""
    with refusals_as_messages(), UnitOfWork(open_database(database)) as uow:
        history = service.loan_collections(uow, loan)
    promised = [{"id": p.id, "amount": format_amount(from_fen(p.amount_fen)), "made_on": str(p.made_on),
                 "by": str(p.by_date), "status": p.status,
                 "paid": None if p.paid_fen is None else format_amount(from_fen(p.paid_fen))} for p in history.promises]
    attempts = [{"id": a.id, "channel": a.channel, "to": a.to_phone, "at_utc": a.at_utc.isoformat(),
                 "outcome": a.outcome, "refused_reason": a.refused_reason} for a in history.attempts]
    if as_json:
        print_json({"loan_id": loan, "promises": promised, "attempts": attempts})
        return
    out.print(f"loan {loan}: {len(promised)} promise(s), {len(attempts)} contact attempt(s)")
    for p in promised:
        out.print(f"  promise {p['id']}: {p['amount']} by {p['by']} ({p['status']}, paid {p['paid'] or '-'})")
    for a in attempts:
        refused = f" REFUSED: {a['refused_reason']}" if a["refused_reason"] else ""
        out.print(f"  attempt {a['id']}: {a['channel']} to {escape(a['to'])} at {a['at_utc']} UTC, "
                  f"{a['outcome']}{refused}")


@app.command("check")
def check(path: Path = typer.Argument(..., help="A collections file (.toml, .yaml).")) -> None:
    """Validate a collections file: the ladder, the guards, and every template (a template
    threatening prosecution, travel bans or family is refused, R16). Exit 0 valid, 2 not."""
    with refusals_as_messages():
        config = load_config(path)
    out.print(f"{path}: valid; {len(config.ladder.steps)} steps, {len(config.templates)} templates, quiet hours "
              f"{config.guards.quiet_hours_label()} {config.guards.time_zone.key}; use it with {ENVIRONMENT}={path}")




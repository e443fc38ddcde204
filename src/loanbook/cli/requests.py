"""``loanbook requests list|approve|reject``: the reviewers' queue in a terminal (R11).

The acting user is identified by their bearer token (``--token`` or $LOANBOOK_TOKEN),
the same token the API takes, not by a name typed on the command line: maker-checker
would mean nothing if anyone could act as anyone. A reviewer or an admin who did not
make a request may decide it.
"""

from __future__ import annotations

import typer
from rich.table import Table

from loanbook.cli.admin import DatabaseOption
from loanbook.cli.common import out, print_json, refusals_as_messages
from loanbook.errors import AccessDenied
from loanbook.service import requests as service
from loanbook.service.requests import RequestView
from loanbook.service.users import User, authenticate
from loanbook.store.database import open_database
from loanbook.store.unit_of_work import UnitOfWork

app = typer.Typer(help="Extension and negotiation requests and their review (R11).", no_args_is_help=True)

TokenOption = typer.Option(None, "--token", envvar="LOANBOOK_TOKEN", show_envvar=True,
                           help="Your bearer token (`loanbook user add NAME --role reviewer`).")


def _user(uow: UnitOfWork, token: str | None) -> User:
    if not token:
        raise AccessDenied("say who you are: --token TOKEN or LOANBOOK_TOKEN (from `loanbook user add`)")
    return authenticate(uow, token)


def _as_json(view: RequestView) -> dict[str, object]:
    row = view.row
    return {
        "id": row.id, "loan_id": row.loan_id, "borrower_id": row.borrower_id, "kind": row.kind, "months": row.months,
        "method": row.method, "waive_penalty": row.waive_penalty, "reason": row.reason, "status": row.status,
        "made_by": view.made_by_name, "made_on": row.made_on.isoformat(), "decided_by": view.decided_by_name,
        "decided_on": row.decided_on.isoformat() if row.decided_on else None, "decision_reason": row.decision_reason,
    }


@app.command("list")
def list_requests(
    status: str = typer.Option("pending", "--status", help="pending (the queue), approved, rejected, lapsed or all."),
    loan: int = typer.Option(None, "--loan", help="Only this loan's requests."),
    token: str = TokenOption,
    database: str = DatabaseOption,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List requests, oldest first (default: those waiting for a decision)."""
    with refusals_as_messages(), UnitOfWork(open_database(database)) as uow:
        user = _user(uow, token)
        views = service.list_requests(uow, actor=user, status=None if status == "all" else status, loan_id=loan,
                                      limit=10_000)
        _print_requests(views, status, as_json)  # rows are read inside their unit of work


def _print_requests(views: list[RequestView], status: str, as_json: bool) -> None:
    if as_json:
        print_json([_as_json(v) for v in views])
        return
    table = Table(title=f"{len(views)} request(s), {status}", title_justify="left")
    for column in ("id", "loan", "kind", "asked", "reason", "made by", "on", "status", "decided by"):
        table.add_column(column)
    for view in views:
        row = view.row
        asked = f"{row.months} month(s)" + (f", {row.method}, waive {row.waive_penalty}" if row.method else "")
        table.add_row(str(row.id), str(row.loan_id), row.kind, asked, row.reason, view.made_by_name, str(row.made_on),
                      row.status, view.decided_by_name or "")
    out.print(table)


def _decide(request_id: int, approve: bool, reason: str, token: str | None, database: str | None) -> None:
    with refusals_as_messages(), UnitOfWork(open_database(database)) as uow:
        user = _user(uow, token)
        view = service.decide(uow, actor=user, request_id=request_id, approve=approve, reason=reason)
        row = view.row
        out.print(f"request {row.id} ({row.kind}, loan {row.loan_id}) {row.status} by {view.decided_by_name} "
                  f"on {row.decided_on}")


@app.command("approve")
def approve(
    request_id: int = typer.Argument(..., help="The request's id."),
    reason: str = typer.Option("", "--reason", help="Why (kept in the audit trail)."),
    token: str = TokenOption,
    database: str = DatabaseOption,
) -> None:
    """Approve a pending request: its plan change applies on the business date."""
    _decide(request_id, True, reason, token, database)


@app.command("reject")
def reject(
    request_id: int = typer.Argument(..., help="The request's id."),
    reason: str = typer.Option(..., "--reason", help="Why (required, kept in the audit trail)."),
    token: str = TokenOption,
    database: str = DatabaseOption,
) -> None:
    """Reject a pending request: the loan's plan stays as it was."""
    _decide(request_id, False, reason, token, database)

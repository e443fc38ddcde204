"""``loanbook user list|revoke|rotate|password`` (``user add`` is in admin.py)."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.table import Table

from loanbook.cli.admin import DatabaseOption
from loanbook.cli.common import out, print_json, read_password_stdin, refusals_as_messages
from loanbook.service.sign_in import set_password
from loanbook.errors import BadInput
from loanbook.service.users import list_users, revoke_user, rotate_token
from loanbook.store.database import open_database
from loanbook.store.unit_of_work import UnitOfWork


def user_list(database: str = DatabaseOption, as_json: bool = typer.Option(False, "--json")) -> None:
    """Every user: id, name, role, the borrower a borrower token reaches, when revoked. Never a token."""
    with refusals_as_messages(), UnitOfWork(open_database(database)) as uow:
        users = list_users(uow)
    if as_json:
        print_json([{"id": u.user_id, "name": u.name, "role": u.role, "borrower_id": u.borrower_id,
                     "revoked_at": u.revoked_at.isoformat() if u.revoked_at else None} for u in users])
        return
    table = Table(title=f"{len(users)} user{'s' if len(users) != 1 else ''}", title_justify="left")
    for column in ("id", "name", "role", "borrower", "revoked"):
        table.add_column(column)
    for u in users:
        table.add_row(str(u.user_id), u.name, u.role, str(u.borrower_id or ""),
                      f"{u.revoked_at:%Y-%m-%d %H:%M}" if u.revoked_at else "")
    out.print(table)


def user_revoke(name: str = typer.Argument(..., help="The user's name."), database: str = DatabaseOption) -> None:
    """Revoke a user: its token stops working at once; its bookings keep its name."""
    with refusals_as_messages(), UnitOfWork(open_database(database)) as uow:
        user = revoke_user(uow, name, now=datetime.now().replace(microsecond=0))  # the edge reads the clock
    out.print(f"user {user.user_id} {user.name} ({user.role}) revoked; its token no longer works")


def user_rotate(name: str = typer.Argument(..., help="The user's name."), database: str = DatabaseOption) -> None:
    """A new token for a user, printed alone on the last line; the old one stops working."""
    with refusals_as_messages(), UnitOfWork(open_database(database)) as uow:
        user, token = rotate_token(uow, name)
    out.print(f"user {user.user_id} {user.name} ({user.role}): new bearer token, shown once; the old one no longer works:")
    print(token)


def user_password(
    name: str = typer.Argument(..., help="The user's name."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input (its first line)."),
    database: str = DatabaseOption,
) -> None:
    """Set or reset a user's web sign-in password; the user's open web sessions end."""
    with refusals_as_messages():
        if not password_stdin:
            raise BadInput("give --password-stdin and pipe the password in: a password is never taken as an argument")
        engine = open_database(database)  # a database that is not there is named before the password is read
        password = read_password_stdin()
        with UnitOfWork(engine) as uow:
            user = set_password(uow, name, password)
    out.print(f"user {user.user_id} {user.name} ({user.role}): password set; their open web sessions were ended")

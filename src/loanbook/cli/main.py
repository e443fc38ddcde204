"""The ``loanbook`` command line."""

from __future__ import annotations

import typer

from loanbook.cli import (
    admin,
    bureau,
    calculators,
    cob_workers,
    collections,
    demo,
    exports,
    partners,
    products,
    reports,
    requests,
    scenarios,
    users,
)
from loanbook.cli.common import guarded

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
app.command("init")(admin.init)
app.command("serve")(admin.serve)
cob = typer.Typer(help="Close of business: closing business days in order.", no_args_is_help=True)
cob.command("run")(admin.cob_run)
cob.command("worker")(cob_workers.cob_worker)  # issue 10 item 5: a worker on any machine
app.add_typer(cob, name="cob")
ledger = typer.Typer(help="The double-entry ledger (R14).", no_args_is_help=True)
ledger.command("check")(admin.ledger_check)
app.add_typer(ledger, name="ledger")
user = typer.Typer(help="Users and their bearer tokens.", no_args_is_help=True)
user.command("add")(admin.user_add)
user.command("list")(users.user_list)
user.command("revoke")(users.user_revoke)
user.command("rotate")(users.user_rotate)
user.command("password")(users.user_password)
app.add_typer(user, name="user")
app.add_typer(reports.app, name="report")
app.command("export")(exports.export_command)
app.add_typer(requests.app, name="requests")
app.add_typer(partners.app, name="partner")  # R17
app.add_typer(partners.bank_app, name="partner-bank")
app.add_typer(bureau.app, name="bureau")  # R15
app.add_typer(collections.app, name="collections")  # R16


def main() -> None:
    guarded(app)  # every failure a sentence and an exit code, never a traceback


if __name__ == "__main__":
    main()

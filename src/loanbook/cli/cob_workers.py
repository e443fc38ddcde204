"""``loanbook cob worker``: a worker that closes partitions of close of business, on any
machine that reaches the lender's PostgreSQL (issue 10, item 5). ``cob run --workers N``
starts N of these itself (service/cob_workers.py)."""

from __future__ import annotations

import os

import typer

from loanbook.cli.common import out, refusals_as_messages
from loanbook.service.cob_workers import require_postgresql, run_worker
from loanbook.store.database import database_url, mask_url, open_database

DatabaseOption = typer.Option(None, "--database", help="Database URL (default: $LOANBOOK_DATABASE_URL); PostgreSQL.")


def cob_worker(
    database: str = DatabaseOption,
    name: str = typer.Option(None, "--name",
                             help="This worker's name in the partitions it closes (default: host-pid)."),
    stop_with_parent: bool = typer.Option(False, "--stop-with-parent", hidden=True,
                                          help="Stop when the process that started it ends (cob run --workers)."),
    quiet: bool = typer.Option(False, "--quiet", help="No start line."),
) -> None:
    """Close partitions of close of business as `cob run --workers` hands them out, until
    stopped (Ctrl-C or SIGTERM: the partition in hand is finished first)."""
    name = name or f"{os.uname().nodename}-{os.getpid()}"
    # Seen in pg_stat_activity: which connection is which worker process (libpq reads PGAPPNAME).
    os.environ["PGAPPNAME"] = f"loanbook cob worker {os.getpid()} {name}"[:63]
    with refusals_as_messages():
        engine = open_database(database)
        require_postgresql(engine, "`loanbook cob worker`")
        if not quiet:
            where = mask_url(database or database_url())
            out.print(f"worker {name} closing partitions of close of business on {where}; Ctrl-C to stop")
        run_worker(engine, name, stop_with_parent=stop_with_parent)

"""What every command shares: consoles, exit codes, turning refusals into messages."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import DBAPIError

from loanbook.errors import BadInput, InvariantBroken, LoanbookError
from loanbook.store.database import driver_reason

EXIT_OK = 0
EXIT_FAILURES = 1  # ran, but expectations did not hold
EXIT_BAD_INPUT = 2  # refused: nothing was done
EXIT_DEFECT = 3  # loanbook caught itself breaking an invariant
EXIT_CLOSE_UNFINISHED = 4  # ledger check: a close of business is unfinished; finish it (cob run) first

# Piped output keeps whole tables: Rich would otherwise squeeze them into 80 columns.
WIDTH_WHEN_PIPED = 160
out = Console(highlight=False, width=None if sys.stdout.isatty() else WIDTH_WHEN_PIPED)
err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else WIDTH_WHEN_PIPED)


DEBUG_VARIABLE = "LOANBOOK_DEBUG"  # =1: an unexpected failure also prints its traceback


def explain(exc: BaseException) -> tuple[str, int] | None:
    """An expected failure as a sentence (no SQL, no parameters, no password) and its exit
    code; None for anything else."""
    if isinstance(exc, InvariantBroken):
        return f"[red]internal error[/] (a loanbook defect, please report it): {escape(str(exc))}", EXIT_DEFECT
    if isinstance(exc, LoanbookError):
        return f"[red]error:[/] {escape(str(exc))}", EXIT_BAD_INPUT
    if isinstance(exc, DBAPIError):
        # A unit of work rolls back on it; close of business resumes where it stopped when run again.
        return (f"[red]error:[/] the database refused: {escape(driver_reason(exc))} (check the values given, that "
                "the database is reachable, and that `loanbook init` has upgraded it)"), EXIT_BAD_INPUT
    return None


@contextmanager
def refusals_as_messages() -> Iterator[None]:
    """A refusal is a message and exit 2, never a stack trace."""
    try:
        yield
    except (LoanbookError, DBAPIError) as exc:
        message, code = explain(exc)
        err.print(message, soft_wrap=True)
        raise typer.Exit(code) from None


def guarded(run: Callable[[], object]) -> None:
    """The top-level guard around the whole command line: whatever a command lets escape
    becomes one sentence and an exit code, never a traceback. A failure loanbook does not
    expect is a defect (exit 3); LOANBOOK_DEBUG=1 shows its traceback."""
    try:
        run()
    except (LoanbookError, DBAPIError) as exc:
        message, code = explain(exc)
        err.print(message, soft_wrap=True)
        sys.exit(code)
    except Exception as exc:  # noqa: BLE001 - the last line of defence before a user sees a traceback
        if os.environ.get(DEBUG_VARIABLE) == "1":
            raise
        err.print(f"[red]internal error[/] (a loanbook defect, please report it): {type(exc).__name__}; "
                  f"run again with {DEBUG_VARIABLE}=1 for the details", soft_wrap=True)
        sys.exit(EXIT_DEFECT)


def parse_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{what} {text!r} is not a date written YYYY-MM-DD") from None


def print_json(value: object) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False) + "\n")


def read_password_stdin() -> str:
    """A password from standard input: its first line, without the line break (never on
    the command line, where `ps` and the shell's history would keep it). At a terminal it
    is asked for without echo."""
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        password = getpass.getpass("password: ")
    else:
        line = sys.stdin.readline() if sys.stdin is not None else ""
        password = line.removesuffix("\n").removesuffix("\r")
    if not password:
        raise BadInput("--password-stdin: standard input held no password (its first line is empty)")
    return password

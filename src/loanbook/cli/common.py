"""What every command shares: consoles, exit codes, turning refusals into messages."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import typer
from rich.console import Console

from loanbook.errors import BadInput, InvariantBroken, LoanbookError

EXIT_OK = 0
EXIT_FAILURES = 1  # ran, but expectations did not hold
EXIT_BAD_INPUT = 2  # refused: nothing was done
EXIT_DEFECT = 3  # loanbook caught itself breaking an invariant
EXIT_CLOSE_UNFINISHED = 4  # ledger check: a close of business is unfinished; finish it (cob run) first

# Piped output keeps whole tables: Rich would otherwise squeeze them into 80 columns.
WIDTH_WHEN_PIPED = 160
out = Console(highlight=False, width=None if sys.stdout.isatty() else WIDTH_WHEN_PIPED)
err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else WIDTH_WHEN_PIPED)


@contextmanager
def refusals_as_messages() -> Iterator[None]:
    """A refusal is a message and exit 2, never a stack trace."""
    try:
        yield
    except InvariantBroken as exc:
        err.print(f"[red]internal error[/] (a loanbook defect, please report it): {exc}", soft_wrap=True)
        raise typer.Exit(EXIT_DEFECT) from None
    except LoanbookError as exc:
        err.print(f"[red]error:[/] {exc}", soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def parse_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{what} {text!r} is not a date written YYYY-MM-DD") from None


def print_json(value: object) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False) + "\n")

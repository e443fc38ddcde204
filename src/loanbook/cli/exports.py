"""``loanbook export loans|transactions|journal --as csv|parquet --out FILE``: streamed,
with a progress bar (service/exports.py)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from loanbook.cli.admin import DatabaseOption
from loanbook.cli.common import err, out, refusals_as_messages
from loanbook.service.exports import EXPORTS, FORMATS, check_request, count_rows, export
from loanbook.store.database import open_database


def export_command(
    what: str = typer.Argument(..., help=f"What to export: {', '.join(EXPORTS)}."),
    fmt: str = typer.Option(..., "--as", help=f"The file format: {', '.join(FORMATS)}."),
    out_path: Path = typer.Option(..., "--out", help="The file to write (written whole, or not at all)."),
    force: bool = typer.Option(False, "--force", help="Replace --out if it exists."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
    database: str = DatabaseOption,
) -> None:
    """Export loans (with their figures as last posted), transactions or journal lines,
    amounts in integer fen, streaming in constant memory."""
    with refusals_as_messages():
        check_request(what, fmt, out_path, force=force)
        engine = open_database(database)
        total = count_rows(engine, what)
        with Progress(TextColumn(f"export {what}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, disable=quiet) as progress:
            task = progress.add_task(what, total=total)
            done = export(engine, what, fmt, out_path, force=force, on_rows=lambda n: progress.advance(task, n))
    out.print(f"{done.rows:,} {what} rows written to {done.path} ({done.fmt})")

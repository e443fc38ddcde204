"""Exports for finance and data teams (issue 11 item 4): loans (with their cached figures),
transactions, journal lines; CSV or Parquet.

Rows are streamed from the database in batches (``yield_per``; a server-side cursor on
PostgreSQL) and written batch by batch (CSV rows, Parquet row groups through pyarrow), so
memory stays the same whatever the size of the book. Amounts are integer fen in columns
named ``..._fen`` (exact: divide by 100 for yuan), dates ISO ``YYYY-MM-DD``. The file is
written beside ``--out`` under a temporary name and renamed when complete: a failed
export leaves no partial file behind.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from loanbook.errors import BadInput
from loanbook.store.queries import ExportedJournalLine, ExportedLoan, Exports, StoredTransaction
from loanbook.store.unit_of_work import UnitOfWork

FORMATS = ("csv", "parquet")
BATCH_ROWS = Exports.BATCH

# Per export: the value each line is (store/queries.py: its fields are the columns, in
# order) and the Parquet type of each column, read off the field's type.
INT, TEXT, DAY = "int64", "string", "date32"
LINES: dict[str, type] = {"loans": ExportedLoan, "transactions": StoredTransaction, "journal": ExportedJournalLine}
_TYPES = {"int": INT, "str": TEXT, "date": DAY}


def _columns(line: type) -> tuple[tuple[str, str], ...]:
    """(name, Parquet type) of each field of ``line`` (a NamedTuple, whose annotations are
    strings or forward references to them); ``int | None`` is an int64 column."""
    return tuple((name, _TYPES[str(getattr(kind, "__forward_arg__", kind)).split(" | ")[0]])
                 for name, kind in line.__annotations__.items())


COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {what: _columns(line) for what, line in LINES.items()}
EXPORTS = tuple(COLUMNS)


@dataclass(frozen=True, slots=True)
class Exported:
    what: str
    fmt: str
    path: Path
    rows: int


def check_request(what: str, fmt: str, out: Path, *, force: bool) -> None:
    if what not in COLUMNS:
        raise BadInput(f"no export {what!r}: choose one of {', '.join(EXPORTS)}")
    if fmt not in FORMATS:
        raise BadInput(f"--as {fmt!r} must be one of {', '.join(FORMATS)}")
    if out.exists() and not force:
        raise BadInput(f"{out} exists already: choose another --out, or --force to replace it")
    if out.exists() and not out.is_file():
        raise BadInput(f"{out} is not a file")
    if not out.parent.is_dir():
        raise BadInput(f"the folder {out.parent} does not exist")


def count_rows(engine: Engine, what: str) -> int:
    with UnitOfWork(engine) as uow:
        return uow.exports.count(what)


def export(engine: Engine, what: str, fmt: str, out: Path, *, force: bool = False,
           on_rows: Callable[[int], None] | None = None) -> Exported:
    """Write every row of ``what`` to ``out``; ``on_rows(n)`` after each batch of n rows."""
    check_request(what, fmt, out, force=force)
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    written = 0
    try:
        with UnitOfWork(engine) as uow:
            lines = getattr(uow.exports, what)()
            writer = _write_csv if fmt == "csv" else _write_parquet
            for batch in writer(lines, COLUMNS[what], partial):
                written += batch
                if on_rows is not None:
                    on_rows(batch)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return Exported(what, fmt, out, written)


def _batches(lines: Iterator[tuple]) -> Iterator[list[tuple]]:
    """The lines (NamedTuples: their values in the columns' order), in batches of ``BATCH_ROWS``."""
    batch: list[tuple] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return value


def _write_csv(lines: Iterator[tuple], columns: tuple[tuple[str, str], ...], path: Path) -> Iterator[int]:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([name for name, _ in columns])
        for batch in _batches(lines):
            writer.writerows([_csv_value(v) for v in row] for row in batch)
            yield len(batch)


def _write_parquet(lines: Iterator[tuple], columns: tuple[tuple[str, str], ...], path: Path) -> Iterator[int]:
    import pyarrow as pa  # only an export to Parquet needs it
    import pyarrow.parquet as pq

    types = {INT: pa.int64(), TEXT: pa.string(), DAY: pa.date32()}
    schema = pa.schema([(name, types[kind]) for name, kind in columns])
    with pq.ParquetWriter(str(path), schema, compression="zstd") as writer:
        for batch in _batches(lines):
            arrays = [pa.array([row[i] for row in batch], type=schema.field(i).type) for i in range(len(columns))]
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
            yield len(batch)

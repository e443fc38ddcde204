"""Credit bureau use cases (R15): one function, one unit of work each.

The daily export, a loan's bureau history, pre-notices, disputes and holds for staff,
and the summary the demo prints. The rules around the records live in
:mod:`loanbook.bureau`.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from loanbook.bureau import disputes, holds
from loanbook.bureau.export import Batch, make_batch, record_line
from loanbook.bureau.notices import record_pre_notice
from loanbook.errors import BadInput, NotFound
from loanbook.store.unit_of_work import UnitOfWork


def export_batch(engine: Engine, batch_date: date, out: Path | None = None) -> Batch:
    """Make (or read back) the batch of ``batch_date`` and write it to ``out``.

    The batch is stored first, whole, in one transaction; then the file is written to a
    temporary name and renamed. Killed before the commit, nothing was submitted; killed
    after it, running again writes the very same bytes.
    """
    with UnitOfWork(engine) as uow:
        batch = make_batch(uow, batch_date)
        uow.commit()
    if out is not None:
        write_atomically(out, batch.text)
    return batch


def write_atomically(path: Path, text: str) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise BadInput(f"folder {folder} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass(frozen=True, slots=True)
class HistoryLine:
    line: dict[str, object]  # as exported (record_line), with the record's kind
    produced_on: date
    submitted_on: date | None  # the batch it went out in; None: not yet


def loan_history(uow: UnitOfWork, loan_id: int) -> list[HistoryLine]:
    """Every record and correction of a loan, submitted or not, oldest first."""
    store = uow.bureau
    if store.loan(loan_id) is None:
        raise NotFound(f"no loan {loan_id}")
    rows = store.records_of_loan(loan_id)
    submitted = store.submitted_ids([r.id for r in rows])
    return [
        HistoryLine(record_line(r, as_correction=r.kind == "correction"), r.produced_on, submitted.get(r.id))
        for r in rows
    ]


def pre_notice(uow: UnitOfWork, *, loan_id: int, channel: str) -> int:
    """Record a pre-notice sent today (art. 15)."""
    notice_id = record_pre_notice(uow, loan_id=loan_id, on=uow.business_dates.get(), channel=channel)
    uow.commit()
    return notice_id


def file_dispute(uow: UnitOfWork, *, loan_id: int, claim: str, record_id: int | None = None) -> disputes.DisputeView:
    view = disputes.file_dispute(uow, loan_id=loan_id, claim=claim, record_id=record_id)
    uow.commit()
    return view


def resolve_dispute(uow: UnitOfWork, *, dispute_id: int, upheld: bool, reason: str) -> disputes.DisputeView:
    view = disputes.resolve_dispute(uow, dispute_id=dispute_id, upheld=upheld, reason=reason)
    uow.commit()
    return view


def list_disputes(uow: UnitOfWork, *, open_only: bool = False) -> list[disputes.DisputeView]:
    return disputes.list_disputes(uow, open_only=open_only)


def place_hold(uow: UnitOfWork, *, loan_id: int, reason: str, source: str) -> int:
    hold_id = holds.place_hold(uow, loan_id=loan_id, reason=reason, source=source)
    uow.commit()
    return hold_id


def release_hold(uow: UnitOfWork, *, loan_id: int, source: str) -> None:
    holds.release_hold(uow, loan_id=loan_id, source=source)
    uow.commit()


@dataclass(frozen=True, slots=True)
class BureauSummary:
    by_moment: dict[int, int]
    negative: int
    corrections: int
    holds_open: int
    holds_released: int
    batches: int
    disputes_open: int


def summary(uow: UnitOfWork) -> BureauSummary:
    store = uow.bureau
    counts = store.counts()
    all_holds = store.holds()
    return BureauSummary(
        by_moment={int(k.split()[1]): v for k, v in counts.items() if k.startswith("moment ")},
        negative=counts.get("negative", 0),
        corrections=counts.get("corrections", 0),
        holds_open=sum(1 for h in all_holds if h.released_on is None),
        holds_released=sum(1 for h in all_holds if h.released_on is not None),
        batches=store.batch_count(),
        disputes_open=len(store.disputes(open_only=True)),
    )

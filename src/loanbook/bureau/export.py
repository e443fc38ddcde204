"""The daily submission (R15): the day's batch as JSON Lines, modelled on the 二代
individual account record (docs/bureau.md names every field).

The first line is the header ``{"type": "header", "date": D, "count": N, ...}``; then N
lines, records and corrections, each with ``type``, ``loan_id``, ``moment``, ``dpd``,
``month_status``, ``status_24`` and the figures; a correction names the record it
corrects (``corrects``).

What goes in the batch of day D: every record made by close of business up to D and not
submitted yet, except
- a negative one of a loan whose borrower has not been pre-notified by D (art. 15): it
  waits for the notice;
- negative information past its 5 years (art. 16).
Exporting makes the batch: its lines are stored in the same transaction, so a batch is
submitted whole or not at all. Exporting D again writes the stored batch again, byte
for byte, and submits nothing new.
"""

from __future__ import annotations

import json
from decimal import Decimal
from dataclasses import dataclass
from datetime import date

from loanbook.bureau.retention import expired_negative_ids
from loanbook.errors import BadInput
from loanbook.money import format_amount
from loanbook.store.bureau import BureauStore
from loanbook.store.tables import BureauRecordRow
from loanbook.store.unit_of_work import UnitOfWork

FORMAT = "loanbook-bureau-account-1"
MOMENT_NAMES = {10: "opened", 20: "settled", 32: "due_date_settlement", 33: "repayment", 42: "extension",
                49: "special"}


@dataclass(frozen=True, slots=True)
class Batch:
    batch_date: date
    text: str  # the JSON Lines file, header first
    count: int
    submitted_now: int  # 0 when the batch had been made before


def _decimal(fen: int) -> Decimal:
    return Decimal(fen) / 100


def record_line(row: BureauRecordRow, *, as_correction: bool) -> dict[str, object]:
    """One record or correction as the bureau receives it (docs/bureau.md)."""
    line: dict[str, object] = {
        "type": "correction" if as_correction else "record",
        "record_id": row.id,
        "loan_id": row.loan_id,
        "moment": row.moment,
        "moment_name": MOMENT_NAMES.get(row.moment, ""),
        "as_of": row.as_of.isoformat(),
        "customer_id": row.borrower_id,
        "name": row.name,
        "phone": row.phone,
        "balance": format_amount(_decimal(row.balance_fen)),
        "remaining_periods": row.remaining_periods,
        "overdue_periods": row.overdue_periods,
        "overdue_amount": format_amount(_decimal(row.overdue_amount_fen)),
        "overdue_principal": format_amount(_decimal(row.overdue_principal_fen)),
        "dpd": row.dpd,
        "month_status": row.month_status,
        "status_24": row.status_24,
    }
    if as_correction:
        line["corrects"] = row.corrects_id
        line["reason"] = row.reason
    return line


def _dumps(value: dict[str, object]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def render(store: BureauStore, batch_date: date, rows: list[BureauRecordRow]) -> str:
    """The file: a correction whose record was never written (superseded before it was
    submitted) goes as the record itself."""
    written = store.written_lines([r.corrects_id for r in rows if r.corrects_id is not None])
    lines = [record_line(r, as_correction=r.corrects_id is not None and r.corrects_id in written) for r in rows]
    header = {"type": "header", "date": batch_date.isoformat(), "count": len(rows), "format": FORMAT,
              "records": sum(1 for line in lines if line["type"] == "record"),
              "corrections": sum(1 for line in lines if line["type"] == "correction")}
    return "".join(_dumps(line) + "\n" for line in [header] + lines)


def make_batch(uow: UnitOfWork, batch_date: date) -> Batch:
    """The batch of ``batch_date``: made and stored the first time, read back after.
    Does not commit."""
    store = BureauStore(uow.session)
    today = uow.business_dates.get()
    if batch_date >= today:
        raise BadInput(
            f"the batch of {batch_date} is made after its close of business; the business date is {today}"
        )
    existing = store.batch(batch_date)
    if existing is not None:
        return Batch(batch_date, render(store, batch_date, store.batch_records(batch_date)), existing.line_count, 0)
    last = store.last_batch_date()
    if last is not None and last > batch_date:
        raise BadInput(f"batches go in date order: the batch of {last} is already made, {batch_date} was not")
    pending = store.unsubmitted(produced_by=batch_date)
    expired = set(expired_negative_ids(store, batch_date))
    negative_loans = sorted({r.loan_id for r in pending if r.negative})
    noticed = store.noticed_loans(negative_loans, batch_date)
    groups: dict[int, list[BureauRecordRow]] = {}
    for row in pending:  # by the record they are versions of, oldest first
        groups.setdefault(row.corrects_id if row.corrects_id is not None else row.id, []).append(row)
    written, superseded = [], []
    for versions in groups.values():
        latest = versions[-1]
        if latest.id in expired or (latest.negative and latest.loan_id not in noticed):
            continue  # waits: for the pre-notice (art. 15); or is past its 5 years (art. 16)
        written.append(latest)
        superseded.extend(r.id for r in versions[:-1])  # never sent: the latest says it all
    written.sort(key=lambda r: r.id)
    text = render(store, batch_date, written)  # before the lines: what was written earlier
    store.add_batch(batch_date, [r.id for r in written], superseded)
    return Batch(batch_date, text, len(written), len(written))

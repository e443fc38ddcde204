"""Rows of the credit-bureau work (R15): holds, pre-notices, records, batches, disputes.

Records are never edited: a record is corrected by a new row that names it, and one is
submitted by a line of a batch. The only deletion is the purge of negative information
past its 5 years (征信业管理条例 art. 16).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from loanbook.store.tables import (
    BorrowerRow,
    BureauBatchLineRow,
    BureauBatchRow,
    BureauDisputeRow,
    BureauHoldRow,
    BureauPreNoticeRow,
    BureauRecordRow,
    LoanRow,
)


class BureauStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- loans and borrowers -------------------------------------------------------------
    def loan(self, loan_id: int) -> LoanRow | None:
        return self.session.get(LoanRow, loan_id)

    def borrowers(self, borrower_ids: Iterable[int]) -> dict[int, BorrowerRow]:
        ids = sorted(set(borrower_ids))
        if not ids:
            return {}
        return {row.id: row for row in self.session.scalars(select(BorrowerRow).where(BorrowerRow.id.in_(ids)))}

    # -- holds ---------------------------------------------------------------------------
    def add_hold(self, *, loan_id: int, reason: str, source: str, placed_on: date) -> int:
        row = BureauHoldRow(loan_id=loan_id, reason=reason, source=source, placed_on=placed_on)
        self.session.add(row)
        self.session.flush()
        return row.id

    def open_holds(self, loan_id: int, source: str | None = None) -> list[BureauHoldRow]:
        query = select(BureauHoldRow).where(BureauHoldRow.loan_id == loan_id, BureauHoldRow.released_on.is_(None))
        if source is not None:
            query = query.where(BureauHoldRow.source == source)
        return list(self.session.scalars(query.order_by(BureauHoldRow.id)))

    def held_loans(self, loan_ids: Sequence[int]) -> set[int]:
        if not loan_ids:
            return set()
        query = select(BureauHoldRow.loan_id).where(
            BureauHoldRow.loan_id.in_(list(loan_ids)), BureauHoldRow.released_on.is_(None)
        )
        return set(self.session.scalars(query))

    def holds(self) -> list[BureauHoldRow]:
        return list(self.session.scalars(select(BureauHoldRow).order_by(BureauHoldRow.id)))

    # -- pre-notices ---------------------------------------------------------------------
    def add_pre_notice(self, *, loan_id: int, on_date: date, channel: str) -> int:
        row = BureauPreNoticeRow(loan_id=loan_id, on_date=on_date, channel=channel)
        self.session.add(row)
        self.session.flush()
        return row.id

    def pre_notice(self, loan_id: int) -> BureauPreNoticeRow | None:
        query = select(BureauPreNoticeRow).where(BureauPreNoticeRow.loan_id == loan_id)
        return self.session.scalars(query.order_by(BureauPreNoticeRow.on_date, BureauPreNoticeRow.id)).first()

    def noticed_loans(self, loan_ids: Sequence[int], by: date) -> set[int]:
        if not loan_ids:
            return set()
        query = select(BureauPreNoticeRow.loan_id).where(
            BureauPreNoticeRow.loan_id.in_(list(loan_ids)), BureauPreNoticeRow.on_date <= by
        )
        return set(self.session.scalars(query))

    # -- records -------------------------------------------------------------------------
    def add_records(self, rows: list[dict[str, object]]) -> list[int]:
        made = [BureauRecordRow(**values) for values in rows]
        self.session.add_all(made)
        self.session.flush()
        return [row.id for row in made]

    def record(self, record_id: int) -> BureauRecordRow | None:
        return self.session.get(BureauRecordRow, record_id)

    def records_of_loan(self, loan_id: int) -> list[BureauRecordRow]:
        query = select(BureauRecordRow).where(BureauRecordRow.loan_id == loan_id)
        return list(self.session.scalars(query.order_by(BureauRecordRow.id)))

    def records_of_loans(self, loan_ids: Sequence[int]) -> list[BureauRecordRow]:
        if not loan_ids:
            return []
        query = select(BureauRecordRow).where(BureauRecordRow.loan_id.in_(list(loan_ids)))
        return list(self.session.scalars(query.order_by(BureauRecordRow.id)))

    def has_record(self, loan_id: int, moment: int) -> bool:
        query = select(BureauRecordRow.id).where(BureauRecordRow.loan_id == loan_id, BureauRecordRow.moment == moment)
        return self.session.scalars(query.limit(1)).first() is not None

    def unsubmitted(self, produced_by: date) -> list[BureauRecordRow]:
        submitted = select(BureauBatchLineRow.record_id)
        query = select(BureauRecordRow).where(
            BureauRecordRow.produced_on <= produced_by, BureauRecordRow.id.not_in(submitted)
        )
        return list(self.session.scalars(query.order_by(BureauRecordRow.id)))

    def submitted_ids(self, record_ids: Sequence[int]) -> dict[int, date]:
        if not record_ids:
            return {}
        query = select(BureauBatchLineRow.record_id, BureauBatchLineRow.batch_date).where(
            BureauBatchLineRow.record_id.in_(list(record_ids))
        )
        return {record_id: batch_date for record_id, batch_date in self.session.execute(query)}

    def negative_records(self) -> list[BureauRecordRow]:
        query = select(BureauRecordRow).where(BureauRecordRow.negative.is_(True))
        return list(self.session.scalars(query.order_by(BureauRecordRow.id)))

    def purge(self, record_ids: Sequence[int]) -> int:
        """Art. 16: negative information past its 5 years goes, with its batch lines."""
        if not record_ids:
            return 0
        ids = list(record_ids)
        self.session.execute(delete(BureauBatchLineRow).where(BureauBatchLineRow.record_id.in_(ids)))
        return self.session.execute(delete(BureauRecordRow).where(BureauRecordRow.id.in_(ids))).rowcount

    def counts(self) -> dict[str, int]:
        rows = self.session.execute(
            select(BureauRecordRow.kind, BureauRecordRow.moment, BureauRecordRow.negative, func.count())
            .group_by(BureauRecordRow.kind, BureauRecordRow.moment, BureauRecordRow.negative)
        )
        counts: dict[str, int] = {}
        for kind, moment, negative, count in rows:
            key = f"{kind}s" if kind == "correction" else f"moment {moment}"
            counts[key] = counts.get(key, 0) + count
            if negative:
                counts["negative"] = counts.get("negative", 0) + count
        return counts

    # -- batches -------------------------------------------------------------------------
    def batch(self, batch_date: date, *, for_update: bool = False) -> BureauBatchRow | None:
        query = select(BureauBatchRow).where(BureauBatchRow.batch_date == batch_date)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def add_batch(self, batch_date: date, record_ids: Sequence[int]) -> None:
        self.session.add(BureauBatchRow(batch_date=batch_date, line_count=len(record_ids)))
        self.session.add_all(
            BureauBatchLineRow(record_id=record_id, batch_date=batch_date, line_no=number)
            for number, record_id in enumerate(record_ids, start=1)
        )
        self.session.flush()

    def batch_records(self, batch_date: date) -> list[BureauRecordRow]:
        query = (
            select(BureauRecordRow)
            .join(BureauBatchLineRow, BureauBatchLineRow.record_id == BureauRecordRow.id)
            .where(BureauBatchLineRow.batch_date == batch_date)
            .order_by(BureauBatchLineRow.line_no)
        )
        return list(self.session.scalars(query))

    def batch_count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(BureauBatchRow)) or 0

    # -- disputes ------------------------------------------------------------------------
    def add_dispute(self, **values: object) -> BureauDisputeRow:
        row = BureauDisputeRow(**values)
        self.session.add(row)
        self.session.flush()
        return row

    def dispute(self, dispute_id: int, *, for_update: bool = False) -> BureauDisputeRow | None:
        query = select(BureauDisputeRow).where(BureauDisputeRow.id == dispute_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def disputes(self, *, open_only: bool = False) -> list[BureauDisputeRow]:
        query = select(BureauDisputeRow)
        if open_only:
            query = query.where(BureauDisputeRow.status == "open")
        return list(self.session.scalars(query.order_by(BureauDisputeRow.id)))

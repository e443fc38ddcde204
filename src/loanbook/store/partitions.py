"""The partitions of a night closed across workers (issue 10, item 5), and where the job
queue lives. SQL stays in ``store/``; :mod:`loanbook.service.cob_partitions` decides what
runs when, :mod:`loanbook.service.cob_workers` runs the workers.

A partition is a list of borrowers replayed through the core on one night. Its row is
the truth about whether it is closed: a worker locks it, closes its borrowers, marks it
done and adds it to the day's counters in ONE transaction, so a partition closes exactly
once whatever the job queue believes (a job run twice finds its partition done)."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import Engine, case, func, select, update
from sqlalchemy.orm import Session

from loanbook.store.tables import CobDayRow, CobPartitionRow


class Partitions:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock_day(self, day: date) -> CobDayRow | None:
        """The day's close row, locked: two coordinators never plan the same night twice."""
        return self.session.get(CobDayRow, day, with_for_update=True)

    def planned(self, day: date) -> bool:
        return self.session.scalar(
            select(func.count()).select_from(CobPartitionRow).where(CobPartitionRow.business_date == day)
        ) > 0

    def plan(self, day: date, partitions: list[list[int]]) -> None:
        self.session.add_all(
            CobPartitionRow(business_date=day, partition_no=number, borrower_ids=json.dumps(borrower_ids),
                            borrowers=len(borrower_ids), status="todo", closed_by=None)
            for number, borrower_ids in enumerate(partitions, start=1)
        )

    def pending(self, day: date) -> list[int]:
        """Numbers of the day's partitions not closed yet."""
        return list(self.session.scalars(
            select(CobPartitionRow.partition_no)
            .where(CobPartitionRow.business_date == day, CobPartitionRow.status != "done")
            .order_by(CobPartitionRow.partition_no)
        ))

    def claim(self, day: date, partition_no: int) -> tuple[str, list[int]] | None:
        """(status, borrower ids) of a partition, its row locked until the caller's
        transaction ends: a second worker on the same partition waits, then finds it done."""
        row = self.session.get(CobPartitionRow, (day, partition_no), with_for_update=True)
        if row is None:
            return None
        return row.status, json.loads(row.borrower_ids)

    def close(self, day: date, partition_no: int, *, closed_by: str, last_borrower_id: int, borrowers: int) -> None:
        """Mark a claimed partition done and count it in the day's close, in the caller's
        transaction. The counters move by an UPDATE expression, not read-modify-write, so
        workers committing at once add up (the row lock orders them)."""
        self.session.execute(
            update(CobPartitionRow)
            .where(CobPartitionRow.business_date == day, CobPartitionRow.partition_no == partition_no)
            .values(status="done", closed_by=closed_by[:100])
        )
        self.session.execute(
            update(CobDayRow)
            .where(CobDayRow.business_date == day)
            .values(
                borrowers_closed=CobDayRow.borrowers_closed + borrowers,
                last_borrower_id=case((CobDayRow.last_borrower_id < last_borrower_id, last_borrower_id),
                                      else_=CobDayRow.last_borrower_id),
            )
        )


# --- The job queue: procrastinate's tables, in the same PostgreSQL schema as the books --


def current_schema(engine: Engine) -> str:
    with engine.connect() as connection:
        return connection.exec_driver_sql("select current_schema()").scalar_one()


def ensure_job_schema(engine: Engine) -> None:
    """Install procrastinate's own schema (tables, types, functions) beside loanbook's,
    once: idempotent, under an advisory lock so workers starting together install it once.
    Kept out of the Alembic chain because it is procrastinate's, versioned by the pinned
    procrastinate release, and only PostgreSQL runs workers."""
    from procrastinate.schema import SchemaManager

    with engine.begin() as connection:
        connection.exec_driver_sql("select pg_advisory_xact_lock(hashtext(current_schema() || ':procrastinate'))")
        if connection.exec_driver_sql("select to_regclass('procrastinate_jobs')").scalar() is not None:
            return
        # procrastinate's schema is many statements in one text: psycopg runs it as one
        # simple query when no parameters are passed, inside this transaction.
        connection.connection.driver_connection.execute(SchemaManager.get_schema())

"""A night's replayed borrowers in partitions (issue 10, item 5): planned once, each
closed exactly once, by whichever process claims it.

Close of business brings most loans forward set-based (``close_of_business.close_day``'s
first transaction); the borrowers left are replayed through the rules core. Across
workers, that list is cut into partitions of ``chunk`` borrowers (the same size as an
in-process chunk: a partition is one transaction). A partition's closing, its done mark
and the day's counters commit together (``store/partitions.py``), so:

- a worker killed mid-partition leaves nothing of it: the partition is still ``todo``
  and is claimed again;
- a partition run twice (a job retried after its worker died just after the commit)
  finds it ``done`` and does nothing;
- the day's last transaction (``close_day``) runs only once no partition is pending.

No job queue here: :mod:`loanbook.service.cob_workers` hands partitions to worker
processes; :func:`close_here` closes what is left in the calling process (a close planned
across workers and finished without them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from loanbook.errors import Conflict
from loanbook.service.close_of_business import close_borrowers
from loanbook.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class PartitionClosed:
    day: date
    partition_no: int
    borrowers: int  # 0: it was closed already (exactly once)


def plan(engine: Engine, day: date, chunk: int) -> list[int]:
    """Cut the night's remaining borrowers into partitions, once; returns the numbers of
    the partitions still to close (all of them, or what a killed run left)."""
    with UnitOfWork(engine) as uow:
        cob = uow.partitions.lock_day(day)
        if cob is None or cob.loans_in_bulk is None:
            raise Conflict(f"close of business of {day} has not brought its loans forward in bulk yet")
        if not uow.partitions.planned(day):
            # After an in-process run killed part way, its progress marker says where to go on.
            remaining = uow.nights.borrowers_changing(day, cob.last_borrower_id)
            uow.partitions.plan(day, [remaining[start:start + chunk] for start in range(0, len(remaining), chunk)])
            uow.commit()
        return uow.partitions.pending(day)


def pending(engine: Engine, day: date) -> list[int]:
    with UnitOfWork(engine) as uow:
        return uow.partitions.pending(day)


def planned(engine: Engine, day: date) -> bool:
    with UnitOfWork(engine) as uow:
        return uow.partitions.planned(day)


def close_partition(engine: Engine, day: date, partition_no: int, *, closed_by: str) -> PartitionClosed:
    """Close one partition in one transaction with its done mark; a partition already
    done (or of a day no longer open) is left alone."""
    with UnitOfWork(engine) as uow:
        claimed = uow.partitions.claim(day, partition_no)  # locked until commit: one closer at a time
        if claimed is None:
            raise Conflict(f"close of business of {day} has no partition {partition_no}")
        status, borrower_ids = claimed
        if status == "done":
            return PartitionClosed(day, partition_no, 0)
        if uow.business_dates.get() != day:
            raise Conflict(f"partition {partition_no} of {day} is not done but the business date moved on")
        if borrower_ids:
            close_borrowers(uow, day, borrower_ids)
        uow.partitions.close(day, partition_no, closed_by=closed_by, borrowers=len(borrower_ids),
                             last_borrower_id=borrower_ids[-1] if borrower_ids else 0)
        uow.commit()
    return PartitionClosed(day, partition_no, len(borrower_ids))


def close_here(engine: Engine, day: date, chunk: int) -> None:  # noqa: ARG001 - the across-workers signature
    """Close every pending partition of ``day`` in this process, in order."""
    for partition_no in pending(engine, day):
        close_partition(engine, day, partition_no, closed_by="in process")

"""Rows of the credit-bureau work (R15): holds, pre-notices, records, batches, disputes.

Records are never edited: a record is corrected by a new row that names it, and one is
submitted by a line of a batch. The only deletion is the purge of negative information
past its 5 years (征信业管理条例 art. 16).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import BigInteger, Date, String, and_, any_, bindparam, case, delete, func, insert, literal, or_, select, union
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import aliased
from sqlalchemy.orm import Session

from loanbook.rules.bureau_status import MONTHS_KEPT
from loanbook.store.prepared import INSTALMENT_DUE_ON, LOAN_DISBURSED_ON, run
from loanbook.store.tables import (
    BorrowerRow,
    BureauBatchLineRow,
    BureauBatchRow,
    BureauDisputeRow,
    BureauHoldRow,
    BureauPreNoticeRow,
    BureauRecordRow,
    LoanEventRow,
    LoanMarkRow,
    LoanRow,
    PlanInstalmentRow,
    TransactionRow,
)


def _array(name: str, values: list, item_type):  # noqa: ANN001, ANN202 - a PostgreSQL array parameter
    return bindparam(name, values, type_=postgresql.ARRAY(item_type))


# The night's candidates as ``id IN (SELECT id ...)`` over an index that holds the id, so
# that SQLite walks the day's rows in that index and finds each loan by its key: with only
# its average statistics (on a book disbursed or due on one day, "every loan") it would
# otherwise read every loan on every night, one with nothing to report too (issue 10).
def _disbursed_on(day):  # noqa: ANN001, ANN202 - a date or its bound parameter; a SELECT of loan ids
    loan = aliased(LoanRow)
    return select(loan.id).where(loan.disbursed_on == day)


def _due_on(day):  # noqa: ANN001, ANN202 - a date or its bound parameter; a SELECT of loan ids
    plan = aliased(PlanInstalmentRow)
    return select(plan.loan_id).where(plan.due_date == day)


@lru_cache(maxsize=1)
def _borrowers_to_replay():  # noqa: ANN202 - a SELECT of borrower ids, parameter ``day``
    """Built once, run every night (store/nights.py says why): BureauStore.borrowers_to_replay."""
    day = bindparam("day", type_=Date)
    loan = aliased(LoanRow)
    unrecorded = ~BureauStore._recorded_on(day, LoanRow.id)  # noqa: SLF001 - the class's own SQL
    disbursed = select(LoanRow.borrower_id).where(LoanRow.id.in_(_disbursed_on(day)), unrecorded)
    due = select(LoanRow.borrower_id).where(LoanRow.id.in_(_due_on(day)), unrecorded)
    # a replanned loan settled before ``day`` has no moment left (bureau.nightly._moments):
    # its settlement was reported, and what is booked for it later is in ``booked``
    settled_before = select(LoanMarkRow.loan_id).where(
        LoanMarkRow.loan_id == LoanRow.id, LoanMarkRow.settled_on < day).exists()
    replanned = select(LoanRow.borrower_id).where(
        LoanRow.id.in_(BureauStore._replanned_loans()), unrecorded, ~settled_before)  # noqa: SLF001
    booked = (  # a join and an anti-join, not an EXISTS per transaction (a due date's payers)
        select(LoanRow.borrower_id).join(TransactionRow, TransactionRow.borrower_id == LoanRow.borrower_id)
        .where(TransactionRow.booked_on == day, unrecorded)
    )
    any_loan = select(loan.id).where(loan.borrower_id == TransactionRow.borrower_id).exists()
    loanless = select(TransactionRow.borrower_id).where(TransactionRow.booked_on == day, ~any_loan)
    every = union(disbursed, due, replanned, booked, loanless).subquery()
    return select(every.c.borrower_id).order_by(every.c.borrower_id)


class BureauStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def _postgresql(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    # -- loans and borrowers -------------------------------------------------------------
    def loan(self, loan_id: int) -> LoanRow | None:
        return self.session.get(LoanRow, loan_id)

    def borrowers(self, borrower_ids: Iterable[int]) -> dict[int, BorrowerRow]:
        ids = sorted(set(borrower_ids))
        if not ids:
            return {}
        return {row.id: row for row in self.session.scalars(select(BorrowerRow).where(BorrowerRow.id.in_(ids)))}

    @staticmethod
    def _replanned_loans():
        """Loans with an approved plan change (R11): the transaction row service.requests
        stores on approval (kind extension/negotiation, with its request). Their due dates
        are those of the new plan, which only the replay knows: never on a fast path."""
        return select(TransactionRow.loan_id).where(
            TransactionRow.kind.in_(("extension", "negotiation")), TransactionRow.request_id.is_not(None),
            TransactionRow.loan_id.is_not(None),
        )

    def borrowers_with_late_bookings(self, day: date) -> list[int]:
        """Borrowers with a transaction booked on ``day`` for an earlier value date."""
        query = select(TransactionRow.borrower_id).where(
            TransactionRow.booked_on == day, TransactionRow.value_date < day
        ).distinct()
        return sorted(self.session.scalars(query))

    def loans_of_borrowers(self, borrower_ids: Sequence[int]) -> list[int]:
        if not borrower_ids:
            return []
        query = select(LoanRow.id).where(LoanRow.borrower_id.in_(list(borrower_ids)))
        return sorted(self.session.scalars(query))

    def loans_with_moment(self, loan_ids: Sequence[int], moment: int) -> set[int]:
        if not loan_ids:
            return set()
        query = select(BureauRecordRow.loan_id).where(
            BureauRecordRow.loan_id.in_(list(loan_ids)), BureauRecordRow.moment == moment
        )
        return set(self.session.scalars(query))

    # -- the fast path of close of business (bureau.fast_path) ----------------------------
    def _anything_on(self, probe, day: date) -> bool:  # noqa: ANN001 - a prepared probe (store/prepared.py)
        """A step of the night with nothing of its kind on ``day`` (no instalment due, no
        loan disbursed) is not built nor run (issue 10)."""
        return run(self.session, probe, {"day": day}).first() is not None

    @staticmethod
    def _recorded_on(day: date, loan_id):  # noqa: ANN001, ANN205 - SQL expressions
        """Whether the loan has a record of ``day`` made already: the night's records are
        made in the one transaction that closes the day (bureau.nightly), so it is
        tonight's. NOT EXISTS, not NOT IN: PostgreSQL runs it as an anti-join at any size."""
        return select(BureauRecordRow.id).where(
            BureauRecordRow.loan_id == loan_id, BureauRecordRow.produced_on == day, BureauRecordRow.kind == "record",
        ).exists()

    def _insert_records(self, query, day: date, moment: int) -> int:  # noqa: ANN001 - a SELECT of record columns
        """INSERT ... SELECT records of ``day`` at ``moment``; returns how many. Counted, not
        the rowcount: sqlite3 gives -1 for an INSERT that starts with WITH."""
        made = select(func.count()).select_from(BureauRecordRow).where(
            BureauRecordRow.produced_on == day, BureauRecordRow.kind == "record", BureauRecordRow.moment == moment)
        before = self.session.scalar(made)
        columns = [c.name for c in query.selected_columns]
        self.session.execute(insert(BureauRecordRow).from_select(columns, query))
        return self.session.scalar(made) - before

    def insert_opened_records(self, day: date) -> int:
        """R15, set-based: the opened records (10) of loans disbursed on ``day`` whose
        borrower has nothing booked that day (bureau.fast_path): balance the principal,
        every period remaining, nothing overdue, month ``*``. Returns how many."""
        if not self._anything_on(LOAN_DISBURSED_ON, day):
            return 0
        remaining = (
            select(func.count()).where(PlanInstalmentRow.loan_id == LoanRow.id, PlanInstalmentRow.due_date > day)
            .scalar_subquery()
        )
        booked = select(TransactionRow.id).where(
            TransactionRow.borrower_id == LoanRow.borrower_id, TransactionRow.booked_on == day).exists()
        query = (
            select(
                LoanRow.id.label("loan_id"), LoanRow.borrower_id, literal("record").label("kind"),
                literal(10).label("moment"), literal(day, Date).label("as_of"), literal(day, Date).label("produced_on"),
                literal("").label("reason"), LoanRow.principal_fen.label("balance_fen"),
                remaining.label("remaining_periods"), literal(0).label("overdue_periods"),
                literal(0).label("overdue_amount_fen"), literal(0).label("overdue_principal_fen"),
                literal(0).label("dpd"), literal("*").label("month_status"), literal("*").label("status_24"),
                literal(False).label("negative"), literal(False).label("held"), BorrowerRow.name, BorrowerRow.phone,
            )
            .join(BorrowerRow, BorrowerRow.id == LoanRow.borrower_id)
            .where(LoanRow.id.in_(_disbursed_on(day)), ~booked)
            .order_by(LoanRow.id)
        )
        return self._insert_records(query, day, 10)

    def loans_due_clean(self, day: date, late_borrowers: Sequence[int]) -> list:
        """Loans of a disbursed plan due on ``day`` whose mark is ACTIVE or GRACE, of a
        borrower with nothing booked late, and with no record of ``day`` yet (the SQL
        path's are not read back): id, borrower, principal outstanding, name, phone."""
        if not self._anything_on(INSTALMENT_DUE_ON, day):
            return []
        query = (
            select(LoanMarkRow.loan_id, LoanMarkRow.borrower_id,
                   (LoanMarkRow.principal_disbursed_fen - LoanMarkRow.principal_paid_fen).label("principal_fen"),
                   BorrowerRow.name, BorrowerRow.phone)
            .join(BorrowerRow, BorrowerRow.id == LoanMarkRow.borrower_id)
            # IN, not a join: SQLite then walks the day's due loans, not every mark (a
            # night with no due date costs nothing)
            .where(LoanMarkRow.loan_id.in_(select(PlanInstalmentRow.loan_id).where(PlanInstalmentRow.due_date == day)),
                   LoanMarkRow.status.in_(("ACTIVE", "GRACE")),
                   LoanMarkRow.loan_id.not_in(self._replanned_loans()),
                   LoanMarkRow.borrower_id.not_in(list(late_borrowers)),
                   ~self._recorded_on(day, LoanMarkRow.loan_id))
            .order_by(LoanMarkRow.loan_id)
        )
        return list(self.session.execute(query))

    def borrowers_to_replay(self, day: date) -> list[int]:
        """Borrowers with a reporting moment on ``day`` left for the replay: one of their loans that may have a moment today has no
        record of ``day`` yet (the fast paths made none for it), or, with something booked
        today, they have no loan at all. A loan may have a moment when disbursed or due
        that day, when its borrower booked something that day, or when R11 changed its
        plan (until the day it is settled). Chosen in SQL, one branch per reason (each a join or an anti-join): the fast
        paths' loans are never read back into Python."""
        return list(run(self.session, _borrowers_to_replay(), {"day": day}).scalars())

    def loans_recorded_on(self, loan_ids: Sequence[int], day: date) -> set[int]:
        """Those of ``loan_ids`` with a record of ``day`` already (the fast paths')."""
        if not loan_ids:
            return set()
        query = select(BureauRecordRow.loan_id).where(
            BureauRecordRow.loan_id.in_(list(loan_ids)), BureauRecordRow.produced_on == day,
            BureauRecordRow.kind == "record")
        return set(self.session.scalars(query))

    def insert_clean_due_records(self, day: date, late_borrowers: Sequence[int]) -> int:
        """R15, set-based: the due-date records (32) of ``day`` for loans that need no
        replay and whose last record is of this month or the month before (bureau.fast_path
        states the conditions). Returns how many were made (the loans are those with a
        record of ``day`` afterwards: :meth:`records_made`).

        The last record's figures are read once into a materialised CTE with its status
        string already grown by the day's month; the 24-month cut and the negative test
        then read that column, not a copy of the expression (SQLite and PostgreSQL would
        otherwise evaluate it once per reference: a dozen times a row)."""
        if not self._anything_on(INSTALMENT_DUE_ON, day):
            return 0
        last = aliased(BureauRecordRow)
        later = aliased(BureauRecordRow)
        month_start = day.replace(day=1)
        previous_month_start = (month_start - timedelta(days=1)).replace(day=1)
        is_latest = ~select(later.id).where(
            later.loan_id == last.loan_id,
            or_(later.as_of > last.as_of, and_(later.as_of == last.as_of, later.id > last.id)),
        ).exists()
        went_overdue = select(LoanEventRow.id).where(
            LoanEventRow.loan_id == LoanMarkRow.loan_id, LoanEventRow.kind == "went_overdue",
            LoanEventRow.on_date > last.as_of,
        ).exists()
        due_between = select(PlanInstalmentRow.loan_id).where(
            PlanInstalmentRow.loan_id == LoanMarkRow.loan_id, PlanInstalmentRow.due_date > last.as_of,
            PlanInstalmentRow.due_date < day,
        ).exists()
        held = select(BureauHoldRow.id).where(
            BureauHoldRow.loan_id == LoanMarkRow.loan_id, BureauHoldRow.released_on.is_(None)
        ).exists()
        remaining = (
            select(func.count()).select_from(PlanInstalmentRow)
            .where(PlanInstalmentRow.loan_id == LoanMarkRow.loan_id, PlanInstalmentRow.due_date > day)
            .scalar_subquery()
        )
        # The month of the due date is N unless it already shows a bucket; a month after
        # the last record's (at most one: the last record is of last month) is N too.
        same_month = last.as_of >= literal(month_start, Date)
        current = case((last.month_status.in_(("*", "N")), literal("N")), else_=last.month_status)
        grown = case(
            (same_month, func.substr(last.status_24, 1, func.length(last.status_24) - 1, type_=String) + current),
            else_=last.status_24 + literal("N"),
        )
        due_today = select(PlanInstalmentRow.loan_id).where(PlanInstalmentRow.due_date == day)
        clean = (
            select(
                LoanMarkRow.loan_id, LoanMarkRow.borrower_id,
                (LoanMarkRow.principal_disbursed_fen - LoanMarkRow.principal_paid_fen).label("balance_fen"),
                remaining.label("remaining_periods"), grown.label("grown"), BorrowerRow.name, BorrowerRow.phone,
            )
            .select_from(LoanMarkRow)
            .join(last, last.loan_id == LoanMarkRow.loan_id)
            .join(BorrowerRow, BorrowerRow.id == LoanMarkRow.borrower_id)
            .where(
                LoanMarkRow.loan_id.in_(due_today), LoanMarkRow.status.in_(("ACTIVE", "GRACE")),
                LoanMarkRow.loan_id.not_in(self._replanned_loans()),  # R11: the new plan's, by replay
                LoanMarkRow.borrower_id.not_in(list(late_borrowers)),
                is_latest, last.dpd == 0, last.held.is_(False), last.as_of < day,
                last.as_of >= literal(previous_month_start, Date),
                ~went_overdue, ~due_between, ~held,
            )
            .cte("clean_due")
            .prefix_with("MATERIALIZED")
        )
        status = case(
            (func.length(clean.c.grown) > MONTHS_KEPT,
             func.substr(clean.c.grown, func.length(clean.c.grown) - (MONTHS_KEPT - 1), type_=String)),
            else_=clean.c.grown,
        )
        query = select(
            clean.c.loan_id, clean.c.borrower_id, literal("record").label("kind"), literal(32).label("moment"),
            literal(day, Date).label("as_of"), literal(day, Date).label("produced_on"), literal("").label("reason"),
            clean.c.balance_fen, clean.c.remaining_periods, literal(0).label("overdue_periods"),
            literal(0).label("overdue_amount_fen"), literal(0).label("overdue_principal_fen"), literal(0).label("dpd"),
            func.substr(clean.c.grown, func.length(clean.c.grown), type_=String).label("month_status"),
            status.label("status_24"), literal(False).label("held"), clean.c.name, clean.c.phone,
        )
        negative = or_(*(status.like(f"%{digit}%") for digit in "1234567"))
        query = query.add_columns(negative.label("negative"))
        return self._insert_records(query, day, 32)

    def last_records(self, loan_ids: Sequence[int]) -> dict[int, BureauRecordRow]:
        """Each loan's record or correction of the latest day (the last made of that day)."""
        latest: dict[int, BureauRecordRow] = {}
        query = select(
            BureauRecordRow.id, BureauRecordRow.loan_id, BureauRecordRow.as_of, BureauRecordRow.dpd,
            BureauRecordRow.held, BureauRecordRow.month_status, BureauRecordRow.status_24,
        ).where(BureauRecordRow.loan_id.in_(list(loan_ids)))
        for row in self.session.execute(query):
            known = latest.get(row.loan_id)
            if known is None or (row.as_of, row.id) > (known.as_of, known.id):
                latest[row.loan_id] = row
        return latest

    def went_overdue_days(self, loan_ids: Sequence[int]) -> dict[int, list[date]]:
        found: dict[int, list[date]] = {}
        query = select(LoanEventRow.loan_id, LoanEventRow.on_date).where(
            LoanEventRow.loan_id.in_(list(loan_ids)), LoanEventRow.kind == "went_overdue"
        )
        for loan_id, on_date in self.session.execute(query):
            found.setdefault(loan_id, []).append(on_date)
        return found

    def due_dates(self, loan_ids: Sequence[int]) -> dict[int, list[date]]:
        found: dict[int, list[date]] = {}
        query = select(PlanInstalmentRow.loan_id, PlanInstalmentRow.due_date).where(
            PlanInstalmentRow.loan_id.in_(list(loan_ids))
        )
        for loan_id, due_date in self.session.execute(query):
            found.setdefault(loan_id, []).append(due_date)
        return found

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

    def add_pre_notices(self, rows: Sequence[tuple[int, date, str]]) -> int:
        """Many pre-notices (loan id, day, channel) in one statement. The night grace ends
        brings one per loan going overdue (a fifth of a book): on PostgreSQL one INSERT
        ... SELECT over unnested arrays (an executemany is a round of the statement per
        row there), on SQLite an executemany through Core (in process, cheap per row)."""
        if not rows:
            return 0
        if self._postgresql:
            loan_ids, days, channels = (list(column) for column in zip(*rows))
            self.session.execute(insert(BureauPreNoticeRow).from_select(
                ["loan_id", "on_date", "channel"],
                select(func.unnest(_array("loan_ids", loan_ids, BigInteger)), func.unnest(_array("days", days, Date)),
                       func.unnest(_array("channels", channels, String))),
            ))
        else:
            self.session.connection().execute(insert(BureauPreNoticeRow.__table__), [
                {"loan_id": loan_id, "on_date": on_date, "channel": channel} for loan_id, on_date, channel in rows])
        return len(rows)

    def existing_loans(self, loan_ids: Sequence[int]) -> set[int]:
        """Those of ``loan_ids`` that exist: on PostgreSQL one ``= ANY(array)`` (one
        parameter, not one per loan), on SQLite bounded IN lists."""
        if self._postgresql:
            return set(self.session.scalars(select(LoanRow.id).where(
                LoanRow.id == any_(_array("loan_ids", list(loan_ids), BigInteger)))))
        found: set[int] = set()
        for start in range(0, len(loan_ids), 10_000):  # bounded IN lists
            found.update(self.session.scalars(select(LoanRow.id).where(LoanRow.id.in_(loan_ids[start:start + 10_000]))))
        return found

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

    def insert_records(self, rows: list[dict[str, object]]) -> None:
        """Many records at once (close of business), set-based: no ids back."""
        if rows:
            self.session.execute(insert(BureauRecordRow), rows)

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

    def negative_records(self, *, as_of_before: date) -> list[BureauRecordRow]:
        """Negative records of a day before ``as_of_before`` (art. 16, asked every night):
        from the partial index of the negative ones (migration 0017), not a read of every
        record; as ids first, so that SQLite does not prefer the table's id order."""
        record = aliased(BureauRecordRow)
        old_negative = select(record.id).where(record.negative.is_(True), record.as_of < as_of_before)
        query = select(BureauRecordRow).where(BureauRecordRow.id.in_(old_negative))
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

    def add_batch(self, batch_date: date, record_ids: Sequence[int], superseded: Sequence[int] = ()) -> None:
        """The batch and its lines, numbered from 1; ``superseded`` records (line 0) are
        closed by it without being written: a later version of each was."""
        self.session.add(BureauBatchRow(batch_date=batch_date, line_count=len(record_ids)))
        self.session.flush()
        lines = [{"record_id": record_id, "batch_date": batch_date, "line_no": number}
                 for number, record_id in enumerate(record_ids, start=1)]
        lines += [{"record_id": record_id, "batch_date": batch_date, "line_no": 0} for record_id in superseded]
        if lines:  # one executemany on the table, not a mapped object and a flush per line
            run(self.session, insert(BureauBatchLineRow.__table__), lines)

    def written_lines(self, record_ids: Sequence[int]) -> set[int]:
        """Those of ``record_ids`` written in a batch (not only superseded)."""
        if not record_ids:
            return set()
        query = select(BureauBatchLineRow.record_id).where(
            BureauBatchLineRow.record_id.in_(list(record_ids)), BureauBatchLineRow.line_no > 0
        )
        return set(self.session.scalars(query))

    def last_batch_date(self) -> date | None:
        return self.session.scalar(select(func.max(BureauBatchRow.batch_date)))

    def batch_records(self, batch_date: date) -> list[BureauRecordRow]:
        query = (
            select(BureauRecordRow)
            .join(BureauBatchLineRow, BureauBatchLineRow.record_id == BureauRecordRow.id)
            .where(BureauBatchLineRow.batch_date == batch_date, BureauBatchLineRow.line_no > 0)
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

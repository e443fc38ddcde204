"""Partner bank rows (R17): partners, the loans they co-fund, the outbox, daily files and
reconciliation breaks. The only place that reads and writes them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.orm import Session

from loanbook.ledger.accounts import Account
from loanbook.ledger.split import LoanShare
from loanbook.store.tables import (
    JournalEntryRow,
    JournalLineRow,
    LoanPartnerRow,
    OutboxRow,
    PartnerFileLineRow,
    PartnerFileRow,
    PartnerRow,
    ReconBreakRow,
)
from loanbook.store.values import value_of, values_of

SPLIT_KINDS = ("partner_split",)
NOTE_MAX = 300  # recon_breaks.note


@dataclass(frozen=True, slots=True)
class Partner:
    """A partner bank that co-funds loans (R17), as stored (no ORM row leaves store/)."""

    code: str
    name: str
    base_url: str | None
    is_default: int  # 1: funds co-funded drawdowns
    delay_days: int  # an undelivered message older than this holds the loan
    file_overdue_refuses: int  # 1: close of business refuses without the daily file


@dataclass(frozen=True, slots=True)
class ReconBreak:
    """A difference between a partner's file and the ledger (R17); worked, never deleted
    (no ORM row leaves store/, issue 10 item 4)."""

    id: int
    partner_code: str
    file_id: int
    loan_id: int
    file_date: date
    cause: str  # undelivered_message, amount_mismatch, unknown_loan, missing_at_bank
    owner: str  # platform_ops, partner_bank
    platform_principal_fen: int
    platform_income_fen: int
    bank_principal_fen: int
    bank_income_fen: int
    opened_on: date
    state: str  # open, resolved
    resolution: str | None  # resend, adjust, accept, matched
    resolved_on: date | None
    note: str


# Breaks are read as plain rows of the table's columns, not mapped objects: a resolution
# is an UPDATE statement, and no stale object can be left in the session to read later.
_BREAK_COLUMNS = ReconBreakRow.__table__
_SHARES = select(LoanPartnerRow.loan_id, LoanPartnerRow.partner_code, LoanPartnerRow.share,
                 LoanPartnerRow.principal_share_fen)


def _share(row) -> LoanShare:  # noqa: ANN001 - a row of _SHARES
    return LoanShare(row.loan_id, row.partner_code, Decimal(row.share), row.principal_share_fen)  # a ratio (R17)


class Partners:
    def __init__(self, session: Session) -> None:
        self.session = session

    # partners -------------------------------------------------------------------------
    def get(self, code: str) -> Partner | None:
        row = self.session.get(PartnerRow, code)
        return None if row is None else value_of(Partner, row)

    def default(self) -> Partner | None:
        row = self.session.scalars(select(PartnerRow).where(PartnerRow.is_default == 1).order_by(PartnerRow.code)).first()
        return None if row is None else value_of(Partner, row)

    def all(self) -> list[Partner]:
        return values_of(Partner, self.session.scalars(select(PartnerRow).order_by(PartnerRow.code)))

    def put(self, *, code: str, name: str, base_url: str | None, is_default: bool, delay_days: int,
            file_overdue_refuses: bool = False) -> Partner:
        row = self.session.get(PartnerRow, code)
        if row is None:
            row = PartnerRow(code=code)
            self.session.add(row)
        if is_default:
            self.session.execute(update(PartnerRow).values(is_default=0))
        row.name, row.base_url, row.is_default, row.delay_days = name, base_url, int(is_default), delay_days
        row.file_overdue_refuses = int(file_overdue_refuses)
        self.session.flush()
        return value_of(Partner, row)

    # co-funded loans ------------------------------------------------------------------
    def of_loans(self, loan_ids: Sequence[int]) -> dict[int, LoanShare]:
        """The co-funded loans among ``loan_ids``: each one's partner and share."""
        if not loan_ids:
            return {}
        rows = self.session.execute(_SHARES.where(LoanPartnerRow.loan_id.in_(list(loan_ids))))
        return {row.loan_id: _share(row) for row in rows}

    def add_loan(self, *, loan_id: int, partner_code: str, share: str, principal_share_fen: int) -> None:
        self.session.add(LoanPartnerRow(loan_id=loan_id, partner_code=partner_code, share=share,
                                        principal_share_fen=principal_share_fen))
        self.session.flush()

    def loan_shares(self) -> list[LoanShare]:
        """Every co-funded loan's partner and share, as values, by loan id."""
        return [_share(row) for row in self.session.execute(_SHARES.order_by(LoanPartnerRow.loan_id))]

    def loan_ids(self, partner_code: str) -> list[int]:
        return list(self.session.scalars(select(LoanPartnerRow.loan_id).where(LoanPartnerRow.partner_code == partner_code)))

    # the outbox -----------------------------------------------------------------------
    def next_seq(self, loan_id: int) -> int:
        last = self.session.scalar(select(func.max(OutboxRow.seq)).where(OutboxRow.loan_id == loan_id))
        return (last or 0) + 1

    def add_message(self, **values: object) -> None:
        self.session.add(OutboxRow(**values))
        self.session.flush()

    def messages(self, partner_code: str, *, state: str | None = None, loan_id: int | None = None) -> list[OutboxRow]:
        query = select(OutboxRow).where(OutboxRow.partner_code == partner_code)
        if state is not None:
            query = query.where(OutboxRow.state == state)
        if loan_id is not None:
            query = query.where(OutboxRow.loan_id == loan_id)
        return list(self.session.scalars(query.order_by(OutboxRow.loan_id, OutboxRow.seq)))

    def due_messages(self, partner_code: str, now: datetime, limit: int) -> list[OutboxRow]:
        """The first ``limit`` undelivered messages, by loan and sequence (the relay's
        backoff decides when to ask again; ``now`` is for the caller's logs)."""
        return list(self.session.scalars(
            select(OutboxRow)
            .where(OutboxRow.partner_code == partner_code, OutboxRow.state == "undelivered")
            .order_by(OutboxRow.loan_id, OutboxRow.seq)
            .limit(limit)
        ))

    def mark_delivered(self, message_id: str, now: datetime) -> None:
        self.session.execute(
            update(OutboxRow).where(OutboxRow.message_id == message_id, OutboxRow.state == "undelivered")
            .values(state="delivered", delivered_at=now, attempts=OutboxRow.attempts + 1, last_error="")
        )

    def mark_failed(self, message_id: str, error: str, next_attempt_at: datetime) -> None:
        self.session.execute(
            update(OutboxRow).where(OutboxRow.message_id == message_id)
            .values(attempts=OutboxRow.attempts + 1, last_error=error[:300], next_attempt_at=next_attempt_at)
        )

    def requeue(self, loan_id: int) -> int:
        """Send a loan's messages again (resend): the bank applies each once by its id."""
        return self.session.execute(
            update(OutboxRow).where(OutboxRow.loan_id == loan_id)
            .values(state="undelivered", next_attempt_at=None)
        ).rowcount

    def undelivered_loans(self, partner_code: str, booked_by: date) -> set[int]:
        return set(self.session.scalars(
            select(OutboxRow.loan_id).where(OutboxRow.partner_code == partner_code, OutboxRow.state == "undelivered",
                                            OutboxRow.booked_on <= booked_by).distinct()
        ))

    def stale_undelivered_by_day(self, booked_before: date) -> set[int]:
        return set(self.session.scalars(
            select(OutboxRow.loan_id).where(OutboxRow.state == "undelivered", OutboxRow.booked_on < booked_before).distinct()
        ))

    # the platform side of reconciliation, from the ledger ---------------------------------
    def platform_side(self, partner_code: str, as_of: date) -> dict[int, tuple[int, int]]:
        """Per co-funded loan of the partner: (principal, income) received by the partner
        as of the end of ``as_of``, from the partner accounts of the ledger."""
        # principal received = cash due to the partner less its income (both split entries only)
        lines = (
            select(JournalLineRow.loan_id, JournalLineRow.account, JournalLineRow.debit_fen, JournalLineRow.credit_fen)
            .join(JournalEntryRow, JournalEntryRow.id == JournalLineRow.entry_id)
            .where(JournalEntryRow.booked_on <= as_of, JournalEntryRow.kind.in_(SPLIT_KINDS),
                   JournalLineRow.account.in_([Account.PARTNER_CASH_DUE.value, Account.PARTNER_INCOME.value,
                                                       Account.PARTNER_PRINCIPAL.value]))
            .subquery()
        )
        cash_due = func.sum(case((lines.c.account == Account.PARTNER_CASH_DUE.value,
                                  lines.c.credit_fen - lines.c.debit_fen), else_=0))
        income = func.sum(case((lines.c.account == Account.PARTNER_INCOME.value,
                                lines.c.debit_fen - lines.c.credit_fen), else_=0))
        rows = self.session.execute(
            select(LoanPartnerRow.loan_id, cash_due, income)
            .join(lines, lines.c.loan_id == LoanPartnerRow.loan_id)  # loans funded by then
            .where(LoanPartnerRow.partner_code == partner_code)
            .group_by(LoanPartnerRow.loan_id)
        )
        return {loan_id: (int(c or 0) - int(i or 0), int(i or 0)) for loan_id, c, i in rows}

    # files and breaks -----------------------------------------------------------------
    def add_file(self, *, partner_code: str, file_date: date, imported_on: date, lines: list[tuple[int, int, int]]) -> int:
        """Keep the bank's file and its lines; the file's id."""
        row = PartnerFileRow(partner_code=partner_code, file_date=file_date, imported_on=imported_on, rows=len(lines))
        self.session.add(row)
        self.session.flush()
        for start in range(0, len(lines), 50_000):
            self.session.execute(insert(PartnerFileLineRow), [
                {"file_id": row.id, "loan_id": loan_id, "principal_fen": p, "income_fen": i}
                for loan_id, p, i in lines[start:start + 50_000]
            ])
        return row.id

    def set_breaks_found(self, file_id: int, breaks_found: int) -> None:
        self.session.execute(update(PartnerFileRow).where(PartnerFileRow.id == file_id).values(breaks_found=breaks_found))

    def file_lines(self, file_id: int) -> dict[int, tuple[int, int]]:
        rows = self.session.execute(
            select(PartnerFileLineRow.loan_id, PartnerFileLineRow.principal_fen, PartnerFileLineRow.income_fen)
            .where(PartnerFileLineRow.file_id == file_id)
        )
        return {loan_id: (p, i) for loan_id, p, i in rows}

    def latest_file_date(self, partner_code: str) -> date | None:
        return self.session.scalar(select(func.max(PartnerFileRow.file_date)).where(PartnerFileRow.partner_code == partner_code))

    def add_breaks(self, rows: list[dict[str, object]]) -> None:
        for start in range(0, len(rows), 50_000):
            self.session.execute(insert(ReconBreakRow), rows[start:start + 50_000])

    def breaks(self, partner_code: str | None = None, *, state: str | None = None, loan_id: int | None = None) -> list[ReconBreak]:
        query = select(_BREAK_COLUMNS)
        if partner_code is not None:
            query = query.where(ReconBreakRow.partner_code == partner_code)
        if state is not None:
            query = query.where(ReconBreakRow.state == state)
        if loan_id is not None:
            query = query.where(ReconBreakRow.loan_id == loan_id)
        return values_of(ReconBreak, self.session.execute(query.order_by(ReconBreakRow.id)))

    def get_break(self, break_id: int, *, for_update: bool = False) -> ReconBreak | None:
        query = select(_BREAK_COLUMNS).where(ReconBreakRow.id == break_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).first()
        return None if row is None else value_of(ReconBreak, row)

    def close_breaks(self, break_ids: Sequence[int], *, resolution: str, resolved_on: date, note: str) -> None:
        """Resolve breaks, in one statement (R17: resolved, never deleted); the note is cut
        to its column."""
        for start in range(0, len(break_ids), 50_000):
            self.session.execute(
                update(ReconBreakRow).where(ReconBreakRow.id.in_(list(break_ids[start:start + 50_000])))
                .values(state="resolved", resolution=resolution, resolved_on=resolved_on, note=note[:NOTE_MAX])
                .execution_options(synchronize_session=False))

    def open_break_loans(self, partner_code: str | None = None) -> set[int]:
        query = select(ReconBreakRow.loan_id).where(ReconBreakRow.state == "open")
        if partner_code is not None:
            query = query.where(ReconBreakRow.partner_code == partner_code)
        return set(self.session.scalars(query.distinct()))

"""The database tables (SQLAlchemy 2 typed mapping), kept apart from domain records.

Facts are immutable rows: loans with the plan they were disbursed with, transactions
with value and booking dates, journal entries and lines. ``loan_marks`` and
``borrower_marks`` are caches of the last figures the ledger was posted to: a
convenience for reads and close of business, never the source of truth (the rules core
replays the facts, and ``loanbook ledger check`` compares).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
Id = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


class BusinessDateRow(Base):
    __tablename__ = "business_date"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1: one business date
    business_date: Mapped[date] = mapped_column(Date)


class CobDayRow(Base):
    """Close of business of one day: started, how far it got, finished."""

    __tablename__ = "cob_days"
    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # running, done
    last_borrower_id: Mapped[int] = mapped_column(Id, default=0)  # progress marker for a restart
    borrowers_closed: Mapped[int] = mapped_column(Integer, default=0)
    loans_in_bulk: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: not done yet


class CobPartitionRow(Base):
    """One partition of a night's replayed borrowers, closed by a worker (issue 10, item
    5): closing it and marking it done commit together, so it closes exactly once."""

    __tablename__ = "cob_partitions"
    business_date: Mapped[date] = mapped_column(Date, primary_key=True)  # the day being closed
    partition_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    borrower_ids: Mapped[str] = mapped_column(Text)  # JSON list, ascending
    borrowers: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # todo, done
    closed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)  # the worker, for operators


class ProductRow(Base):
    __tablename__ = "products"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    definition: Mapped[str] = mapped_column(Text)  # JSON, decimals as strings


class BorrowerRow(Base):
    __tablename__ = "borrowers"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40))
    # The phone's digits alone, unique: one phone, one borrower (migration 0009).
    phone_key: Mapped[str] = mapped_column(String(40))
    credit_limit_fen: Mapped[int] = mapped_column(BigInteger)
    created_on: Mapped[date] = mapped_column(Date)


class LoanRow(Base):
    __tablename__ = "loans"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("borrowers.id"), index=True)
    product_code: Mapped[str] = mapped_column(ForeignKey("products.code"))
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    terms: Mapped[int] = mapped_column(Integer)
    disbursed_on: Mapped[date] = mapped_column(Date)
    partner_share: Mapped[str] = mapped_column(String(8), default="0.00")  # an exact ratio, R17
    external_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)  # e.g. a scenario's loan name


class PlanInstalmentRow(Base):
    __tablename__ = "plan_instalments"
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), primary_key=True)
    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    start_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    interest_fen: Mapped[int] = mapped_column(BigInteger)


class TransactionRow(Base):
    """Money received or paid back, with value date and booking date (R6). Immutable."""

    __tablename__ = "transactions"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("borrowers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # repayment, payoff, refund
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"), nullable=True)
    value_date: Mapped[date] = mapped_column(Date)
    booked_on: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[str] = mapped_column(String(32), default="")
    # The user whose token booked it; None: service code (reconciliation, COB, demo). Kept
    # so that every back-dated booking says who made it (migration 0002).
    booked_by_user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, default=None)
    # A payoff's part paid from the credit balance at the borrower's request (R8, migration
    # 0009); amount_fen is the cash.
    credit_used_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # R6: the order within a value date (time received or reported by the channel, UTC);
    # null: a late-booked item with no reported time, after the day's timed ones (0004)
    received_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # R13: the coupon a repayment or payoff redeemed; unique, so a coupon is used once.
    coupon_id: Mapped[int | None] = mapped_column(ForeignKey("coupons.id"), nullable=True, unique=True)
    # R11: kind extension/negotiation is a plan change, the fact of an approved request.
    request_id: Mapped[int | None] = mapped_column(ForeignKey("plan_requests.id"), nullable=True, unique=True)


class CouponRow(Base):
    """A coupon granted to a borrower (R13): face value, grant day, expiry day, who granted it.
    Its use is the transaction that names it (``transactions.coupon_id``)."""

    __tablename__ = "coupons"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("borrowers.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    granted_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    granted_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # users.id
    reason: Mapped[str] = mapped_column(String(200), default="")
    external_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)  # e.g. a scenario's coupon name


class PlanRequestRow(Base):
    """A request for an extension or a negotiated plan (R11) and its decision: who made it,
    who decided, when (business dates) and why. Decided once (maker-checker)."""

    __tablename__ = "plan_requests"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    borrower_id: Mapped[int] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # extension, negotiation
    months: Mapped[int] = mapped_column(Integer)
    method: Mapped[str | None] = mapped_column(String(32), nullable=True)  # negotiation only
    waive_penalty: Mapped[str | None] = mapped_column(String(24), nullable=True)  # "all" or an amount, negotiation only
    reason: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending, approved, rejected, lapsed
    made_by: Mapped[int] = mapped_column(BigInteger)  # users.id
    made_on: Mapped[date] = mapped_column(Date)
    decided_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # None for a lapse (close of business)
    decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    decision_reason: Mapped[str] = mapped_column(String(500), default="")


class JournalEntryRow(Base):
    """A balanced double-entry journal entry (R14); never edited, reversed if wrong."""

    __tablename__ = "journal_entries"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    booked_on: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    borrower_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    transaction_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    product_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    memo: Mapped[str] = mapped_column(String(200), default="")


class JournalLineRow(Base):
    __tablename__ = "journal_lines"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    account: Mapped[str] = mapped_column(String(40), index=True)
    loan_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    borrower_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    debit_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    credit_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class AccrualDetailRow(Base):
    """Per-loan detail of a close-of-business accrual entry posted per product and day:
    the sub-ledger that keeps per-loan figures derivable (R14)."""

    __tablename__ = "accrual_details"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    booked_on: Mapped[date] = mapped_column(Date, index=True)
    loan_id: Mapped[int] = mapped_column(BigInteger, index=True)
    product_code: Mapped[str] = mapped_column(String(32))
    interest_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    penalty_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    fee_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class LoanMarkRow(Base):
    """The figures the ledger was last posted to for a loan (a cache, R14)."""

    __tablename__ = "loan_marks"
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), primary_key=True)
    borrower_id: Mapped[int] = mapped_column(BigInteger, index=True)
    product_code: Mapped[str] = mapped_column(String(32))
    as_of: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), index=True)
    dpd: Mapped[int] = mapped_column(Integer, default=0)
    amount_due_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # principal + interest + penalty due
    grace_ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # in GRACE: the last day of grace (R5)
    settled_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    principal_disbursed_fen: Mapped[int] = mapped_column(BigInteger)
    principal_paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    interest_recognized_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    interest_paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    penalty_recognized_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    penalty_paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    fee_recognized_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    fee_paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    interest_waived_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # by coupons (R13)
    penalty_waived_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # by a negotiated plan (R11)
    # The loan's whole position (codec.position_to_json) as of ``position_on``, written by
    # every posting; read instead of a replay when it is of the business date.
    position_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    position_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    # R7, R3 (migration 0013): where the loan's penalty runs on a single instalment
    # (rules/forward.py), its base (unpaid principal + interest, fen) and the exact
    # penalty integral through ``as_of`` - 1 in fen x days (accrued = that x the daily
    # penalty rate, in fen, unrounded). Close of business moves it a day in bulk; NULL:
    # the loan is replayed through the core at night.
    penalty_base_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    penalty_fen_days: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class BorrowerMarkRow(Base):
    __tablename__ = "borrower_marks"
    borrower_id: Mapped[int] = mapped_column(ForeignKey("borrowers.id"), primary_key=True)
    credit_balance_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class LoanEventRow(Base):
    """What happened to a loan on a day (went into grace, went overdue, settled...), for
    credit-bureau reporting and collections (R15, R16)."""

    __tablename__ = "loan_events"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(BigInteger, index=True)
    borrower_id: Mapped[int] = mapped_column(BigInteger)
    on_date: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(200), default="")


class PortfolioSnapshotRow(Base):
    """Loans by status and R15 DPD bucket at the start of a business date, written by the
    close of business that opened it (migration 0012): the back office's trends."""

    __tablename__ = "portfolio_snapshots"
    on_date: Mapped[date] = mapped_column(Date, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    dpd_bucket: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0: not overdue, 1..7 as R15
    loans: Mapped[int] = mapped_column(Integer)
    principal_outstanding_fen: Mapped[int] = mapped_column(BigInteger)
    amount_due_fen: Mapped[int] = mapped_column(BigInteger)


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))  # admin, operator, reviewer, borrower
    borrower_id: Mapped[int | None] = mapped_column(ForeignKey("borrowers.id"), nullable=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # None: the token works
    # argon2 (PHC string) of the web sign-in password; None: no web sign-in, a token only.
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)


class WebSessionRow(Base):
    """A web sign-in (web/session.py): the cookie's token as SHA-256 only, the session's
    CSRF token, and when it stops working. A revoked user's sessions open nothing."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class IdempotencyRow(Base):
    """One Idempotency-Key of one user: the request's fingerprint and, once done, the
    response to replay (without personal data: see ``api/idempotency.py``). ``owner``
    names the process that runs it (``api/process_owner.py``), so that a restarted
    server takes over the keys of a dead one at once; the key is forgotten at
    ``expires_at`` (close of business deletes it)."""

    __tablename__ = "idempotency_keys"
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # running, done
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    owner: Mapped[str | None] = mapped_column(String(200), nullable=True)  # None: claimed before owners were kept
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


Index("ix_plan_due_loan", PlanInstalmentRow.due_date, PlanInstalmentRow.loan_id)
# Migration 0016: a loan's due dates from the index alone (close of business, R15 records).
Index("ix_plan_loan_due", PlanInstalmentRow.loan_id, PlanInstalmentRow.due_date)
# Migration 0009: one phone per borrower, one name per user, the lists and reports (issue 11).
Index("ux_borrowers_phone_key", BorrowerRow.phone_key, unique=True)
Index("ux_users_name", UserRow.name, unique=True)
Index("ix_transactions_borrower_id_id", TransactionRow.borrower_id, TransactionRow.id)
Index("ix_loans_disbursed_on", LoanRow.disbursed_on)
Index("ix_loans_product_code", LoanRow.product_code)
Index("ix_loan_marks_status_dpd", LoanMarkRow.status, LoanMarkRow.dpd)
Index("ix_loan_events_on_date_kind", LoanEventRow.on_date, LoanEventRow.kind)
# Migration 0012, for the back office: ledger balances by account from the index alone.
Index("ix_journal_lines_account_amounts", JournalLineRow.account, JournalLineRow.debit_fen, JournalLineRow.credit_fen)
# Migration 0017, close of business: a loan's record of a day (R15) and the day's bookings
# found from an index, so that a night costs what moves (issue 10).
Index("ix_transactions_booked_on", TransactionRow.booked_on)
Index("ix_transactions_replanned", TransactionRow.loan_id,  # R11: the few loans never moved in bulk
      sqlite_where=TransactionRow.request_id.is_not(None), postgresql_where=TransactionRow.request_id.is_not(None))


# --- partner banks (R17), migration 0008 -------------------------------------------------


class PartnerRow(Base):
    """A partner bank that co-funds loans; ``is_default`` funds co-funded drawdowns."""

    __tablename__ = "partners"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    base_url: Mapped[str | None] = mapped_column(String(300), nullable=True)
    is_default: Mapped[int] = mapped_column(Integer, default=0)
    delay_days: Mapped[int] = mapped_column(Integer, default=1)  # R17: an undelivered message older than this holds the loan
    file_overdue_refuses: Mapped[int] = mapped_column(Integer, default=0)  # 1: close of business refuses without the file


class LoanPartnerRow(Base):
    """The partner of a co-funded loan and its principal share, fixed at disbursement (R17)."""

    __tablename__ = "loan_partners"
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), primary_key=True)
    partner_code: Mapped[str] = mapped_column(ForeignKey("partners.code"), index=True)
    share: Mapped[str] = mapped_column(String(8))  # an exact ratio, e.g. "0.70"
    principal_share_fen: Mapped[int] = mapped_column(BigInteger)


class OutboxRow(Base):
    """A message to a partner bank, written in the same transaction as the money
    (transactional outbox). ``seq`` orders a loan's messages; ``message_id`` is stable."""

    __tablename__ = "partner_outbox"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(80), unique=True)
    partner_code: Mapped[str] = mapped_column(String(32), index=True)
    loan_id: Mapped[int] = mapped_column(BigInteger, index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    booked_on: Mapped[date] = mapped_column(Date)
    payload: Mapped[str] = mapped_column(Text)  # JSON, amounts as integer fen
    created_at: Mapped[datetime] = mapped_column(DateTime)
    state: Mapped[str] = mapped_column(String(16), index=True, default="undelivered")  # undelivered, delivered
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(String(300), default="")


class PartnerFileRow(Base):
    """A partner bank's daily file, imported for reconciliation (kept, never replaced)."""

    __tablename__ = "partner_files"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    partner_code: Mapped[str] = mapped_column(String(32), index=True)
    file_date: Mapped[date] = mapped_column(Date, index=True)
    imported_on: Mapped[date] = mapped_column(Date)
    rows: Mapped[int] = mapped_column(Integer)
    breaks_found: Mapped[int] = mapped_column(Integer, default=0)


class PartnerFileLineRow(Base):
    """One loan of a bank's daily file: what the bank believes its share received, cumulative."""

    __tablename__ = "partner_file_lines"
    file_id: Mapped[int] = mapped_column(ForeignKey("partner_files.id"), primary_key=True)
    loan_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    income_fen: Mapped[int] = mapped_column(BigInteger)


class ReconBreakRow(Base):
    """A difference between a partner's file and the ledger; worked, never deleted (R17)."""

    __tablename__ = "recon_breaks"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    partner_code: Mapped[str] = mapped_column(String(32), index=True)
    file_id: Mapped[int] = mapped_column(BigInteger)
    loan_id: Mapped[int] = mapped_column(BigInteger, index=True)
    file_date: Mapped[date] = mapped_column(Date)
    cause: Mapped[str] = mapped_column(String(32))  # undelivered_message, amount_mismatch, unknown_loan, missing_at_bank
    owner: Mapped[str] = mapped_column(String(32))  # platform_ops, partner_bank
    platform_principal_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    platform_income_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    bank_principal_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    bank_income_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    opened_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), index=True, default="open")  # open, resolved
    resolution: Mapped[str | None] = mapped_column(String(16), nullable=True)  # resend, adjust, accept, matched
    resolved_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str] = mapped_column(String(300), default="")


Index("ix_outbox_loan_seq", OutboxRow.loan_id, OutboxRow.seq, unique=True)

# --- Credit bureau (R15), migration 0006 -------------------------------------------------


class BureauHoldRow(Base):
    """A loan not to be reported negative (R15: records disagreeing with the partner
    bank's, R17): open while ``released_on`` is null."""

    __tablename__ = "bureau_holds"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(64))
    placed_on: Mapped[date] = mapped_column(Date)
    released_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class BureauPreNoticeRow(Base):
    """The borrower told before the first negative record (征信业管理条例 art. 15)."""

    __tablename__ = "bureau_pre_notices"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    on_date: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(32))


class BureauRecordRow(Base):
    """One account record or correction as produced (R15); never edited. Whether it was
    submitted is in ``bureau_batch_lines``."""

    __tablename__ = "bureau_records"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    borrower_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))  # record, correction
    moment: Mapped[int] = mapped_column(Integer)  # 10, 20, 32, 33, 42, 49 (报送时点)
    as_of: Mapped[date] = mapped_column(Date)  # the day whose figures it carries
    produced_on: Mapped[date] = mapped_column(Date, index=True)  # the business day it was made
    corrects_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    balance_fen: Mapped[int] = mapped_column(BigInteger)
    remaining_periods: Mapped[int] = mapped_column(Integer)
    overdue_periods: Mapped[int] = mapped_column(Integer)
    overdue_amount_fen: Mapped[int] = mapped_column(BigInteger)
    overdue_principal_fen: Mapped[int] = mapped_column(BigInteger)
    dpd: Mapped[int] = mapped_column(Integer)
    month_status: Mapped[str] = mapped_column(String(1))
    status_24: Mapped[str] = mapped_column(String(24))
    negative: Mapped[bool] = mapped_column(Boolean)
    held: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40))


class BureauBatchRow(Base):
    """The day's submission (R15): exported once, written again byte for byte."""

    __tablename__ = "bureau_batches"
    batch_date: Mapped[date] = mapped_column(Date, primary_key=True)
    line_count: Mapped[int] = mapped_column(Integer)


class BureauBatchLineRow(Base):
    __tablename__ = "bureau_batch_lines"
    record_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # submitted once
    batch_date: Mapped[date] = mapped_column(Date, index=True)
    line_no: Mapped[int] = mapped_column(Integer)


class BureauDisputeRow(Base):
    """A borrower's objection (异议) to what was reported: answered within 20 days (art. 25)."""

    __tablename__ = "bureau_disputes"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    record_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    filed_on: Mapped[date] = mapped_column(Date)
    deadline_on: Mapped[date] = mapped_column(Date)
    claim: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))  # open, upheld, rejected
    resolved_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    resolution: Mapped[str | None] = mapped_column(String(500), nullable=True)
    correction_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


# Migration 0017: whether a loan has a record of a day, from the index (close of business).
Index("ix_bureau_records_loan_produced", BureauRecordRow.loan_id, BureauRecordRow.produced_on)
# ... and the negative records the nightly purge looks at (art. 16), the only ones indexed.
Index("ix_bureau_records_negative_as_of", BureauRecordRow.as_of,
      sqlite_where=BureauRecordRow.negative.is_(True), postgresql_where=BureauRecordRow.negative.is_(True))


# --- collections (R16), migration 0007 --------------------------------------------------


class CollectionActionRow(Base):
    """One loan's action of a business day's worklist (R16), made by close of business.
    ``bureau_pre_notice``: the overdue notice that tells the borrower before the first
    negative bureau record (R15 art. 15)."""

    __tablename__ = "collection_actions"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    business_date: Mapped[date] = mapped_column(Date)
    loan_id: Mapped[int] = mapped_column(BigInteger)
    borrower_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))
    template: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # the loan's at the start of the day (R5)
    dpd: Mapped[int] = mapped_column(Integer)
    amount_due_fen: Mapped[int] = mapped_column(BigInteger)
    owed_fen: Mapped[int] = mapped_column(BigInteger)
    bureau_pre_notice: Mapped[bool] = mapped_column(Boolean, default=False)


class ContactAttemptRow(Base):
    """A collector's attempt to reach a borrower, logged whether the guards let it through
    or not (R16): ``refused_reason`` names the guard that stopped it. Never edited."""

    __tablename__ = "contact_attempts"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(BigInteger, index=True)
    borrower_id: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[str] = mapped_column(String(8))  # call, sms, app
    to_phone: Mapped[str] = mapped_column(String(40))
    at_utc: Mapped[datetime] = mapped_column(DateTime)  # when, in UTC
    local_date: Mapped[date] = mapped_column(Date)  # the day in the lender's time zone
    outcome: Mapped[str] = mapped_column(String(16))  # connected, no_answer, wrong_number, refused
    note: Mapped[str] = mapped_column(String(500), default="")
    refused_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)  # None: logged
    logged_on: Mapped[date] = mapped_column(Date)  # the business date
    logged_by_user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class PromiseToPayRow(Base):
    """A borrower's promise to pay ``amount_fen`` by ``by_date`` (R16); close of business
    marks it kept or broken once ``by_date`` has closed."""

    __tablename__ = "promises_to_pay"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(BigInteger, index=True)
    borrower_id: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    made_on: Mapped[date] = mapped_column(Date)
    by_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), index=True)  # open, kept, broken
    paid_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # what was paid by by_date, once checked
    checked_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    made_by_user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


Index("ix_collection_actions_day_loan", CollectionActionRow.business_date, CollectionActionRow.loan_id, unique=True)
Index("ix_contact_attempts_borrower_day", ContactAttemptRow.borrower_id, ContactAttemptRow.local_date)


# Migration 0012: a loan's collections history on its back-office page.
Index("ix_collection_actions_loan_id", CollectionActionRow.loan_id)

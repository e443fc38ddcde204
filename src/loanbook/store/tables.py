"""The database tables (SQLAlchemy 2 typed mapping), kept apart from domain records.

Facts are immutable rows: loans with the plan they were disbursed with, transactions
with value and booking dates, journal entries and lines. ``loan_marks`` and
``borrower_marks`` are caches of the last figures the ledger was posted to: a
convenience for reads and close of business, never the source of truth (the rules core
replays the facts, and ``loanbook ledger check`` compares).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, Integer, String, Text
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


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))  # admin, operator, reviewer, borrower
    borrower_id: Mapped[int | None] = mapped_column(ForeignKey("borrowers.id"), nullable=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # None: the token works


class IdempotencyRow(Base):
    """One Idempotency-Key of one user: the request's fingerprint and, once done, the
    response to replay."""

    __tablename__ = "idempotency_keys"
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # running, done
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)


Index("ix_plan_due_loan", PlanInstalmentRow.due_date, PlanInstalmentRow.loan_id)
# Migration 0009: one phone per borrower, one name per user, the lists and reports (issue 11).
Index("ux_borrowers_phone_key", BorrowerRow.phone_key, unique=True)
Index("ux_users_name", UserRow.name, unique=True)
Index("ix_transactions_borrower_id_id", TransactionRow.borrower_id, TransactionRow.id)
Index("ix_loans_disbursed_on", LoanRow.disbursed_on)
Index("ix_loans_product_code", LoanRow.product_code)
Index("ix_loan_marks_status_dpd", LoanMarkRow.status, LoanMarkRow.dpd)
Index("ix_loan_events_on_date_kind", LoanEventRow.on_date, LoanEventRow.kind)

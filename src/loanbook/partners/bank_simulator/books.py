"""The bank's own books: its tables (in its own database, never the platform's) and the
one use case that matters, applying a message exactly once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import BigInteger, Date, DateTime, Engine, Integer, String, Text, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class BankBase(DeclarativeBase):
    pass


class BankLoanRow(BankBase):
    __tablename__ = "bank_loans"
    loan_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    principal_share_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class BankMessageRow(BankBase):
    """Each message applied, once: the primary key is the platform's message id."""

    __tablename__ = "bank_messages"
    message_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    loan_id: Mapped[int] = mapped_column(BigInteger, index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    booked_on: Mapped[date] = mapped_column(Date, index=True)
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    income_fen: Mapped[int] = mapped_column(BigInteger)
    applied_at: Mapped[datetime] = mapped_column(DateTime)
    payload: Mapped[str] = mapped_column(Text)


def create_books(engine: Engine) -> None:
    BankBase.metadata.create_all(engine)


class BadMessage(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Applied:
    message_id: str
    duplicate: bool


def _parse(message: dict[str, object]) -> dict[str, object]:
    try:
        return {
            "message_id": str(message["message_id"]),
            "loan_id": int(message["loan_id"]),
            "seq": int(message["seq"]),
            "kind": str(message["kind"]),
            "booked_on": date.fromisoformat(str(message["booked_on"])),
            "principal_fen": int(message["principal_fen"]),
            "income_fen": int(message["interest_fen"]) + int(message["penalty_fen"]),
            "principal_share_fen": int(message["principal_share_fen"]),
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise BadMessage(f"message is missing or has a bad field: {exc}") from None


def apply_message(engine: Engine, message: dict[str, object]) -> Applied:
    """Apply a message once: a message id seen before changes nothing (idempotent)."""
    fields = _parse(message)
    with Session(engine) as session:
        if session.get(BankMessageRow, fields["message_id"]) is not None:
            return Applied(fields["message_id"], True)
        loan = session.get(BankLoanRow, fields["loan_id"])
        if loan is None:
            session.add(BankLoanRow(loan_id=fields["loan_id"], principal_share_fen=fields["principal_share_fen"]))
        session.add(BankMessageRow(
            message_id=fields["message_id"], loan_id=fields["loan_id"], seq=fields["seq"], kind=fields["kind"],
            booked_on=fields["booked_on"], principal_fen=fields["principal_fen"], income_fen=fields["income_fen"],
            applied_at=datetime.now(timezone.utc).replace(tzinfo=None), payload=json.dumps(message, sort_keys=True),
        ))
        try:
            session.commit()
        except IntegrityError:  # the same message applied concurrently: it is there once
            session.rollback()
            return Applied(fields["message_id"], True)
    return Applied(fields["message_id"], False)


def daily_file(engine: Engine, file_date: date) -> list[tuple[int, int, int]]:
    """Per loan the bank co-funds: its share of principal and income received by the end
    of ``file_date``, as it believes (cumulative)."""
    with Session(engine) as session:
        received = dict(
            ((loan_id, (int(p), int(i))) for loan_id, p, i in session.execute(
                select(BankMessageRow.loan_id, func.sum(BankMessageRow.principal_fen), func.sum(BankMessageRow.income_fen))
                .where(BankMessageRow.booked_on <= file_date).group_by(BankMessageRow.loan_id)))
        )
        loans = session.scalars(select(BankLoanRow.loan_id).order_by(BankLoanRow.loan_id)).all()
    return [(loan_id, *received.get(loan_id, (0, 0))) for loan_id in loans]


def applied_counts(engine: Engine) -> dict[str, int]:
    """How many times each message id was applied (always 1: the primary key)."""
    with Session(engine) as session:
        return {mid: 1 for mid in session.scalars(select(BankMessageRow.message_id))}


FILE_HEADER = "loan_id,principal_fen,income_fen"


def render_file(lines: list[tuple[int, int, int]]) -> str:
    return "\n".join([FILE_HEADER, *(f"{a},{b},{c}" for a, b, c in lines)]) + "\n"

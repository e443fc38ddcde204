"""The statements of the hot paths (a repayment, a GET on a loan, a token), built once.

Issue 10: a statement built per call and sent through the ORM session cost ~220 µs of
CPU on this machine, the same statement built once and sent as Core on the session's
connection ~120 µs, and a repayment sends about ten. These are Core statements on the
tables (not the mapped classes), so executing them builds no ORM state; parameters are
bound by name when run. They read and write the same rows as the ORM, on the same
connection and transaction (:func:`run` flushes pending ORM objects first, as the ORM's
autoflush would).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import CursorResult, Executable, bindparam, delete, func, insert, literal_column, select, text, update
from sqlalchemy.orm import Session

from loanbook.store.tables import (
    BorrowerMarkRow,
    BorrowerRow,
    BusinessDateRow,
    CobDayRow,
    IdempotencyRow,
    JournalEntryRow,
    JournalLineRow,
    LoanEventRow,
    LoanMarkRow,
    LoanRow,
    PlanInstalmentRow,
    ProductRow,
    TransactionRow,
    UserRow,
)

_business = BusinessDateRow.__table__
_cob = CobDayRow.__table__
_borrowers = BorrowerRow.__table__
_borrower_marks = BorrowerMarkRow.__table__
_loans = LoanRow.__table__
_plans = PlanInstalmentRow.__table__
_products = ProductRow.__table__
_transactions = TransactionRow.__table__
_marks = LoanMarkRow.__table__
_entries = JournalEntryRow.__table__
_lines = JournalLineRow.__table__
_events = LoanEventRow.__table__
_users = UserRow.__table__
_keys = IdempotencyRow.__table__


def run(session: Session, statement: Executable, params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None
        ) -> CursorResult:
    """Execute a prepared statement in the session's transaction (one executemany for a
    list of parameter sets)."""
    session.flush()  # nothing pending when clean; else what the ORM's autoflush would write
    return session.connection().execute(statement, params)


# R6: a money movement holds the business date in share mode (close of business takes it
# in update mode before it starts) and reads whether that day is being closed.
OPEN_FOR_BOOKING = (
    select(_business.c.business_date, _cob.c.status)
    .select_from(_business.outerjoin(_cob, _cob.c.business_date == _business.c.business_date))
    .where(_business.c.id == 1)
    .with_for_update(read=True, of=_business)
)

# R6: writers to one borrower are serialised on the borrower's row. Its credit balance
# last posted is locked with it: PostgreSQL re-reads a row it had to wait for at its
# newest version only if the row is locked, and the writer before us may have changed it
# (a row read beside a locked one, unlocked, would be of the snapshot from before the
# wait). Every borrower has its borrower_marks row from its creation (Borrowers.add).
LOCK_BORROWER = (
    select(_borrowers.c.id, _borrowers.c.credit_limit_fen, _borrower_marks.c.credit_balance_fen)
    .select_from(_borrowers.join(_borrower_marks, _borrower_marks.c.borrower_id == _borrowers.c.id))
    .where(_borrowers.c.id == bindparam("borrower_id"))
    .with_for_update(of=[_borrowers, _borrower_marks])
)

# Loans, their products and plans in one round trip (plan columns prefixed ``plan_``).
LOANS_WITH_PLANS = (
    select(*_loans.c, _products.c.definition.label("product_definition"),
           *(column.label(f"plan_{column.name}") for column in _plans.c))
    .join(_products, _products.c.code == _loans.c.product_code)
    .outerjoin(_plans, _plans.c.loan_id == _loans.c.id)
    .where(_loans.c.borrower_id.in_(bindparam("borrower_ids", expanding=True)))
)

# The same with each loan's mark (columns prefixed ``mark_``), read after the borrower's
# lock (so of a snapshot that sees the last writer's marks).
LOANS_WITH_PLANS_AND_MARKS = (
    LOANS_WITH_PLANS.add_columns(*(column.label(f"mark_{column.name}") for column in _marks.c))
    .outerjoin(_marks, _marks.c.loan_id == _loans.c.id)
)

TRANSACTIONS = select(*_transactions.c).where(_transactions.c.borrower_id.in_(bindparam("borrower_ids", expanding=True)))

BORROWER_OF_LOAN = select(_loans.c.borrower_id).where(_loans.c.id == bindparam("loan_id"))

# A loan's borrower, the business date and the loan's stored position, in one round trip.
STORED_POSITION = (
    select(_loans.c.borrower_id, _business.c.business_date, _marks.c.position_on, _marks.c.position_json)
    .select_from(_loans.join(_business, _business.c.id == 1).outerjoin(_marks, _marks.c.loan_id == _loans.c.id))
    .where(_loans.c.id == bindparam("loan_id"))
)

# What a GET on a loan needs to move its stored position forward (rules/moved.py), in one
# round trip: its borrower, the business date, the stored position, the product, the
# borrower's credit balance and how many loans the borrower has. Built per call through
# the ORM (an aliased table and a scalar subquery), this statement cost ~3-4 ms of CPU
# per GET on this machine to build and compile-cache-key; built once, ~0.5 ms (issue 10).
_borrowers_loans = _loans.alias("borrowers_loans")
POSITION_TO_MOVE = (
    select(_loans.c.borrower_id, _business.c.business_date, _marks.c.position_on, _marks.c.position_json,
           _products.c.definition, _borrower_marks.c.credit_balance_fen,
           select(func.count(_borrowers_loans.c.id)).where(_borrowers_loans.c.borrower_id == _loans.c.borrower_id)
           .scalar_subquery().label("loans"))
    .select_from(_loans.join(_business, _business.c.id == literal_column("1"))
                 .join(_products, _products.c.code == _loans.c.product_code)
                 .outerjoin(_marks, _marks.c.loan_id == _loans.c.id)
                 .outerjoin(_borrower_marks, _borrower_marks.c.borrower_id == _loans.c.borrower_id))
    .where(_loans.c.id == bindparam("loan_id"))
)

USER_BY_TOKEN = select(_users.c.id, _users.c.name, _users.c.role, _users.c.borrower_id, _users.c.revoked_at).where(
    _users.c.token_sha256 == bindparam("token_sha256"))

ADD_TRANSACTION_RETURNING_ID = insert(_transactions).returning(_transactions.c.id)

ADD_ENTRY_RETURNING_ID = insert(_entries).returning(_entries.c.id)

# One executemany; every row carries every key (None where a line names no loan or borrower).
ADD_LINES = insert(_lines)

ADD_EVENTS = insert(_events)

ADD_MARKS = insert(_marks)

SET_CREDIT_BALANCE = (
    update(_borrower_marks).where(_borrower_marks.c.borrower_id == bindparam("b_borrower_id"))
    .values(credit_balance_fen=bindparam("b_credit_balance_fen"))
)


@lru_cache(maxsize=16)
def update_marks(columns: tuple[str, ...]) -> Executable:
    """UPDATE loan_marks SET (these columns) WHERE loan_id = :b_loan_id, for executemany;
    the bind names are prefixed (``b_``) because Core reserves the columns' own names."""
    return (update(_marks).where(_marks.c.loan_id == bindparam("b_loan_id"))
            .values({name: bindparam(f"b_{name}") for name in columns}))


# Idempotency-Key (api/idempotency.py). A claim, a stored refusal and a release commit
# without waiting for the disk (see IdempotencyKeys.commit_without_waiting_for_disk).
CLAIM_KEY = insert(_keys).values(state="running")
# PostgreSQL: the same in one statement that also turns synchronous_commit off for its
# own transaction (set_config(..., true) lasts until that transaction ends, and is read
# when it commits), so that on an autocommit connection a claim is one round trip.
CLAIM_KEY_WITHOUT_WAITING_FOR_DISK = text(
    "INSERT INTO idempotency_keys (user_id, key, fingerprint, state, started_at, owner, expires_at) "
    "SELECT :user_id, :key, :fingerprint, 'running', :started_at, :owner, :expires_at "
    "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS without_waiting_for_disk"
)
WITHOUT_WAITING_FOR_DISK = text("SELECT set_config('synchronous_commit', 'off', true)")

_THIS_KEY = (_keys.c.user_id == bindparam("b_user_id")) & (_keys.c.key == bindparam("b_key"))
_STILL_OURS = (_keys.c.state == "running") & (_keys.c.started_at == bindparam("b_claimed_at"))
FINISH_KEY = update(_keys).where(_THIS_KEY).values(
    state="done", status_code=bindparam("b_status_code"), response_body=bindparam("b_body"))
FINISH_OUR_KEY = FINISH_KEY.where(_STILL_OURS)
RELEASE_KEY = delete(_keys).where(_THIS_KEY)
RELEASE_OUR_KEY = RELEASE_KEY.where(_STILL_OURS)

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

from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, CursorResult, Dialect, Executable, bindparam, delete, func, insert, literal_column, select, text, update
from sqlalchemy.orm import Session

from loanbook.errors import InvariantBroken

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
        ) -> CursorResult | DriverRows:
    """Execute a prepared statement in the session's transaction (one executemany for a
    list of parameter sets). On PostgreSQL the hot reads (:data:`DRIVER_READS`) go
    straight to the psycopg cursor (see :func:`_read_on_driver`)."""
    session.flush()  # nothing pending when clean; else what the ORM's autoflush would write
    connection = session.connection()
    if (id(statement) in _driver_read_ids and connection.dialect.driver == "psycopg"
            and (params is None or isinstance(params, Mapping))):
        return _read_on_driver(connection, statement, params or {})
    return connection.execute(statement, params)


class DriverRows:
    """The rows of a read sent on the driver's cursor, with the part of SQLAlchemy's
    result the repositories use: ``first()``, ``all()``, ``scalar()``, iteration; each
    row a named tuple with attribute access and ``_mapping``."""

    __slots__ = ("rows",)

    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    def first(self) -> Any:
        return self.rows[0] if self.rows else None

    def all(self) -> list[Any]:
        return list(self.rows)

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None


@lru_cache(maxsize=64)
def _row_class(names: tuple[str, ...]) -> type:
    base = namedtuple("DriverRow", names)  # type: ignore[misc]  # noqa: PYI024 - names known at run time

    class DriverRow(base):  # type: ignore[misc, valid-type]
        __slots__ = ()

        @property
        def _mapping(self) -> dict[str, Any]:
            return dict(zip(self._fields, self, strict=True))

    return DriverRow


def _row_maker(cursor: Any) -> Callable[[Sequence[Any]], Any]:
    description = cursor.description
    return _row_class(tuple(column.name for column in description))._make


def _driver_sql(statement: Executable, dialect: Dialect) -> tuple[str, dict[str, Any]]:
    """The statement as psycopg's SQL text, compiled once, and its fixed parameters
    (literals such as ``business_date.id = 1``). An expanding list parameter
    (``IN (...)`` of ids) becomes ``= ANY(%(name)s::TYPE[])``: one statement text
    whatever the list's length, so psycopg prepares it once on the server."""
    key = (id(statement), dialect.driver)
    found = _driver_sql_cache.get(key)
    if found is None:
        compiled = statement.compile(dialect=dialect)
        sql = compiled.string
        for name, bind in compiled.binds.items():
            if bind.expanding:
                element_type = dialect.type_compiler_instance.process(bind.type)
                sql = sql.replace(f"IN (__[POSTCOMPILE_{name}])", f"= ANY(%({name})s::{element_type}[])")
        if "POSTCOMPILE" in sql:
            raise InvariantBroken(f"a driver read kept a parameter SQLAlchemy expands: {sql}")
        found = _driver_sql_cache[key] = (sql, compiled.construct_params(_check=False))
    return found


def _read_on_driver(connection: Connection, statement: Executable, params: Mapping[str, Any]) -> DriverRows:
    """A hot read (issue 10) on the psycopg cursor of the session's own connection, in its
    transaction: the statement compiled once, no SQLAlchemy execution context nor result
    processing (none of these columns needs any on PostgreSQL: integers, text, dates and
    booleans come from psycopg as SQLAlchemy would hand them out). Measured here on the
    four reads of a repayment: ~35-45% less CPU than through SQLAlchemy Core. Still seen
    by ``before_cursor_execute`` listeners (bench/counts.py counts statements with one),
    and a driver error goes through SQLAlchemy's own handling: wrapped as its DBAPIError
    (api/errors.py maps those), a lost connection invalidated in the pool."""
    sql, fixed = _driver_sql(statement, connection.dialect)
    values = {**fixed, **params}
    cursor = connection.connection.driver_connection.cursor(row_factory=_row_maker)  # type: ignore[union-attr]
    try:
        if connection._has_events or connection.engine._has_events:  # noqa: SLF001 - as Connection.execute checks
            connection.dispatch.before_cursor_execute(connection, cursor, sql, values, None, False)
        cursor.execute(sql, values)
        return DriverRows(cursor.fetchall())
    except Exception as exc:  # noqa: BLE001 - re-raised by SQLAlchemy, wrapped as its DBAPIError
        connection._handle_dbapi_exception(exc, sql, values, cursor, None)  # noqa: SLF001
        raise  # not reached: _handle_dbapi_exception always raises
    finally:
        cursor.close()


# R6: a money movement holds the business date in share mode (close of business takes it
# in update mode before it starts) and reads whether that day is being closed.
OPEN_FOR_BOOKING = (
    select(_business.c.business_date, _cob.c.status)
    .select_from(_business.outerjoin(_cob, _cob.c.business_date == _business.c.business_date))
    .where(_business.c.id == 1)
    .with_for_update(read=True, of=_business)
)

# The business date alone (BusinessDates.current), plain or held in share or update mode.
BUSINESS_DATE = select(_business.c.business_date).where(_business.c.id == 1)
BUSINESS_DATE_LOCKS = {"share": BUSINESS_DATE.with_for_update(read=True), "update": BUSINESS_DATE.with_for_update()}

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

# Borrowers as stored, every column (values.Borrower, the books' borrower rows).
BORROWER = select(*_borrowers.c).where(_borrowers.c.id == bindparam("borrower_id"))
BORROWER_FOR_UPDATE = BORROWER.with_for_update()
BORROWERS = select(*_borrowers.c).where(_borrowers.c.id.in_(bindparam("borrower_ids", expanding=True)))

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

# What a GET on a loan needs to move its stored position forward (rules/moved.py), in one
# round trip: its borrower, the business date, the stored position, the product, the
# borrower's credit balance and how many loans the borrower has. Built per call through
# the ORM (an aliased table and a scalar subquery), this statement cost ~3-4 ms of CPU
# per GET on this machine to build and compile-cache-key; built once, ~0.5 ms (issue 10).
_borrowers_loans = _loans.alias("borrowers_loans")
_POSITION_COLUMNS = (_loans.c.borrower_id, _business.c.business_date, _marks.c.position_on, _marks.c.position_json,
                     _products.c.definition, _borrower_marks.c.credit_balance_fen)
_POSITIONS_FROM = (_loans.join(_business, _business.c.id == literal_column("1"))
                   .join(_products, _products.c.code == _loans.c.product_code)
                   .outerjoin(_marks, _marks.c.loan_id == _loans.c.id)
                   .outerjoin(_borrower_marks, _borrower_marks.c.borrower_id == _loans.c.borrower_id))
POSITION_TO_MOVE = (
    select(*_POSITION_COLUMNS,
           select(func.count(_borrowers_loans.c.id)).where(_borrowers_loans.c.borrower_id == _loans.c.borrower_id)
           .scalar_subquery().label("loans"))
    .select_from(_POSITIONS_FROM)
    .where(_loans.c.id == bindparam("loan_id"))
)
# The same for every loan of a borrower, in the order of the book (a bill, R6).
POSITIONS_TO_MOVE_OF_BORROWER = (
    select(*_POSITION_COLUMNS).select_from(_POSITIONS_FROM)
    .where(_loans.c.borrower_id == bindparam("borrower_id")).order_by(_loans.c.id)
)

# Every loan of some borrowers with its stored position (Marks.positions_of_borrowers).
POSITIONS_OF_BORROWERS = (
    select(_loans.c.borrower_id, _marks.c.position_on, _marks.c.position_json)
    .select_from(_loans.outerjoin(_marks, _marks.c.loan_id == _loans.c.id))
    .where(_loans.c.borrower_id.in_(bindparam("borrower_ids", expanding=True)))
)

# Whether a night has anything of a kind: a probe of an index, so that close of business
# builds and runs no statement for a due date or an opening that is not tonight's (issue 10).
INSTALMENT_DUE_ON = select(_plans.c.loan_id).where(_plans.c.due_date == bindparam("day")).limit(1)
LOAN_DISBURSED_ON = select(_loans.c.id).where(_loans.c.disbursed_on == bindparam("day")).limit(1)

USER_BY_TOKEN = select(_users.c.id, _users.c.name, _users.c.role, _users.c.borrower_id, _users.c.revoked_at).where(
    _users.c.token_sha256 == bindparam("token_sha256"))

ADD_TRANSACTION_RETURNING_ID = insert(_transactions).returning(_transactions.c.id)

ADD_LOAN_RETURNING_ID = insert(_loans).returning(_loans.c.id)

ADD_PLAN = insert(_plans)

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


# The hot reads sent on the driver's cursor on PostgreSQL (see run): a repayment's four
# (the business date, the borrower's lock, loans with plans and marks, transactions),
# a GET's (token, loan's borrower, stored position), a bill's. Reads only: writes stay on
# SQLAlchemy. Keyed by identity: a statement's == builds SQL rather than comparing.
DRIVER_READS = (OPEN_FOR_BOOKING, LOCK_BORROWER, LOANS_WITH_PLANS, LOANS_WITH_PLANS_AND_MARKS, TRANSACTIONS,
                BORROWER_OF_LOAN, POSITION_TO_MOVE, POSITIONS_TO_MOVE_OF_BORROWER, USER_BY_TOKEN)
_driver_read_ids = frozenset(id(statement) for statement in DRIVER_READS)
_driver_sql_cache: dict[tuple[int, str], tuple[str, dict[str, Any]]] = {}

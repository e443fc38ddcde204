"""Repositories: the only place that reads and writes rows. One per aggregate."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Row, Select, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from loanbook.errors import BadInput
from loanbook.ledger.accounts import Account
from loanbook.ledger.entries import JournalEntry
from loanbook.ledger.figures import LoanFigures
from loanbook.ledger.revaluation import LoanMark
from loanbook.money import to_fen
from loanbook.rules.book import Book, Loan, RequestStatus, TransactionKind
from loanbook.rules.position import LoanPosition, LoanStatus
from loanbook.rules.products import Product
from loanbook.store import codec, prepared
from loanbook.store.prepared import run
from loanbook.store.values import (
    Borrower,
    Coupon,
    CouponUse,
    LoanEvent,
    PlanRequest,
    StoredLoan,
    StoredTransaction,
    StoredUser,
    value_of,
    values_of,
)
from loanbook.store.tables import (
    AccrualDetailRow,
    BorrowerMarkRow,
    BorrowerRow,
    BusinessDateRow,
    CobDayRow,
    CouponRow,
    IdempotencyRow,
    JournalEntryRow,
    JournalLineRow,
    LoanEventRow,
    LoanMarkRow,
    LoanRow,
    PlanInstalmentRow,
    PlanRequestRow,
    ProductRow,
    TransactionRow,
    UserRow,
    WebSessionRow,
)

FIGURE_FIELDS = tuple(LoanFigures.__dataclass_fields__)


def phone_key(phone: str) -> str:
    """A phone's digits alone: "+86 138-0013 8000" and "8613800138000" are one phone."""
    return "".join(c for c in phone if c.isdigit())
class _PlanRow(NamedTuple):
    """One instalment of a stored plan, as :func:`codec.loan_from_rows` reads it."""

    period: int
    start_date: date
    due_date: date
    principal_fen: int
    interest_fen: int


def _columns(table: type) -> Select:
    """SELECT every column of a mapped table, as rows with attribute access."""
    return select(*table.__table__.columns)


_T = TransactionRow
# StoredTransaction's fields, in order (also the lists' and the export's)
TRANSACTION_COLUMNS = (_T.id.label("transaction_id"), _T.borrower_id, _T.kind, _T.loan_id, _T.value_date, _T.booked_on,
                       _T.amount_fen, _T.credit_used_fen, _T.channel, _T.booked_by_user_id, _T.coupon_id, _T.request_id)


class StoredPosition(NamedTuple):
    """A loan's stored position with what moving it forward needs (rules/moved.py)."""

    borrower_id: int
    business_date: date
    position_on: date | None  # None: no position stored, or one of another shape (older code)
    position: LoanPosition | None
    product: Product
    credit_balance_fen: int  # the borrower's, as the last posting left it (R6)
    other_loans: int  # the borrower's other loans, settled or not


@dataclass(frozen=True, slots=True)
class StoredPositions:
    """Loans' stored positions as read with their marks, decoded only when asked for."""

    raw: Mapping[int, tuple[date | None, str | None]]

    def of(self, loan_id: int, on: date) -> LoanPosition | None:
        """The loan's stored position if it is of ``on``, else None."""
        position_on, text = self.raw.get(loan_id, (None, None))
        return codec.position_from_json(text) if position_on == on and text is not None else None


class BusinessDates:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, *, lock: str | None = None) -> date:
        """The business date. ``lock="share"`` (a money movement) or ``"update"`` (close of
        business starting) hold the row until the unit of work ends, so that a day never
        starts closing while a transaction of that day is still being booked."""
        current = self.current(lock=lock)
        if current is None:
            raise BadInput("the database has no business date: run `loanbook init` first")
        return current

    def current(self, *, lock: str | None = None) -> date | None:
        query = prepared.BUSINESS_DATE if lock is None else prepared.BUSINESS_DATE_LOCKS[lock]
        return run(self.session, query).scalar()

    def open_for_booking(self) -> tuple[date, str | None]:
        """(the business date, the status of its close of business or None if it has not
        started), the business date row held in share mode until the unit of work ends
        (see :meth:`get`): one round trip where a money movement used two."""
        row = run(self.session, prepared.OPEN_FOR_BOOKING).first()
        if row is None:
            raise BadInput("the database has no business date: run `loanbook init` first")
        return row.business_date, row.status

    def set(self, business_date: date) -> None:
        row = self.session.get(BusinessDateRow, 1)
        if row is None:
            self.session.add(BusinessDateRow(id=1, business_date=business_date))
        else:
            row.business_date = business_date


class Products:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: dict[str, Product] = {}

    def get(self, code: str) -> Product | None:
        if code not in self._cache:
            row = self.session.get(ProductRow, code)
            if row is None:
                return None
            self._cache[code] = codec.product_from_json(row.definition)
        return self._cache[code]

    def cached(self, code: str, definition: str) -> Product:
        """The product of a row read with its definition (no query of its own)."""
        if code not in self._cache:
            self._cache[code] = codec.product_from_json(definition)
        return self._cache[code]

    def add(self, product: Product) -> None:
        self.session.add(ProductRow(code=product.code, definition=codec.product_to_json(product)))

    def codes(self) -> list[str]:
        return list(self.session.scalars(select(ProductRow.code).order_by(ProductRow.code)))


class Borrowers:
    """Borrowers and their books (loans, plans, transactions)."""

    def __init__(self, session: Session, products: Products) -> None:
        self.session = session
        self.products = products

    def add(self, *, name: str, phone: str, credit_limit_fen: int, created_on: date) -> Borrower:
        row = BorrowerRow(name=name, phone=phone, phone_key=phone_key(phone), credit_limit_fen=credit_limit_fen,
                          created_on=created_on)
        self.session.add(row)
        self.session.flush()
        self.session.add(BorrowerMarkRow(borrower_id=row.id, credit_balance_fen=0))
        return value_of(Borrower, row)

    def get(self, borrower_id: int, *, for_update: bool = False) -> Borrower | None:
        """With ``for_update`` the borrower row is locked until the unit of work ends
        (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers): the lock is the
        database's, so the value handed out may be passed to :meth:`book` as its ``row``."""
        query = prepared.BORROWER_FOR_UPDATE if for_update else prepared.BORROWER
        row = run(self.session, query, {"borrower_id": borrower_id}).first()
        return None if row is None else value_of(Borrower, row)

    def id_of_phone(self, phone: str) -> int | None:
        """The borrower holding ``phone`` (compared by its digits alone), if any."""
        return self.session.scalar(select(BorrowerRow.id).where(BorrowerRow.phone_key == phone_key(phone)))

    def loan(self, loan_id: int) -> StoredLoan | None:
        """A loan as disbursed, None if there is no such loan."""
        row = self.session.get(LoanRow, loan_id)
        return None if row is None else value_of(StoredLoan, row)

    def borrower_of_loan(self, loan_id: int) -> int | None:
        """The borrower of a loan, None if there is no such loan: one column, no mapped row
        (every request on a loan asks it first, to check access)."""
        return run(self.session, prepared.BORROWER_OF_LOAN, {"loan_id": loan_id}).scalar()

    def add_loan(self, borrower_id: int, loan: Loan, external_ref: str | None = None) -> int:
        # INSERT .. RETURNING id and one executemany of the plan, not a mapped row and a
        # flush (as add_transaction): the ORM's unit of work was a quarter of a disbursement.
        loan_id = run(self.session, prepared.ADD_LOAN_RETURNING_ID, {
            "borrower_id": borrower_id, "product_code": loan.product.code, "principal_fen": to_fen(loan.principal),
            "terms": loan.terms, "disbursed_on": loan.disbursed_on, "partner_share": str(loan.partner_share),
            "external_ref": external_ref,
        }).scalar_one()
        run(self.session, prepared.ADD_PLAN, codec.plan_rows(loan_id, loan.schedule))
        return loan_id

    def add_transaction(self, **values: object) -> int:
        # A plain INSERT .. RETURNING id, not a mapped row and a flush: one statement either
        # way, but the ORM's unit of work cost more CPU than the booking's own work.
        return run(self.session, prepared.ADD_TRANSACTION_RETURNING_ID, values).scalar_one()

    def transactions(self, borrower_id: int) -> list[StoredTransaction]:
        """A borrower's transactions in booking order (for a loan's history)."""
        rows = self.session.execute(
            select(*TRANSACTION_COLUMNS).where(TransactionRow.borrower_id == borrower_id).order_by(TransactionRow.id))
        return [StoredTransaction._make(row) for row in rows]

    def transaction(self, transaction_id: int) -> StoredTransaction | None:
        row = self.session.execute(select(*TRANSACTION_COLUMNS).where(TransactionRow.id == transaction_id)).first()
        return None if row is None else StoredTransaction._make(row)

    def books(
        self, borrower_ids: Sequence[int], *, rows: Sequence[Borrower | Row] = (), all_coupons: bool = False,
        marks: dict[int, LoanMark] | None = None, stored: dict[int, tuple[date | None, str | None]] | None = None,
    ) -> dict[int, Book]:
        """The books of several borrowers in four queries (three if their ``rows`` are
        already loaded), one more where a plan changed or a coupon was used.

        Coupons (R13): a coupon changes figures only through the transaction that
        redeemed it, so a book carries the coupons its transactions name; with
        ``all_coupons`` (to redeem or grant one) it carries every coupon granted."""
        if not borrower_ids:
            return {}
        borrowers = {b.id: b for b in rows} or {
            b.id: b for b in run(self.session, prepared.BORROWERS, {"borrower_ids": list(borrower_ids)})
        }
        # Plain rows, not ORM objects: books are read far more often than written, and
        # building mapped objects was most of the cost of a night's close of business.
        # Loans, their plans and their products in one round trip.
        ids = {"borrower_ids": list(borrower_ids)}
        joined = run(self.session, prepared.LOANS_WITH_PLANS if marks is None else prepared.LOANS_WITH_PLANS_AND_MARKS,
                     ids).all()
        loan_rows: dict[int, Row] = {}
        plans: dict[int, list[PlanInstalmentRow]] = defaultdict(list)
        for row in joined:
            if row.id not in loan_rows and marks is not None and row.mark_loan_id is not None:
                marks[row.id] = Marks.value_of(row, prefix="mark_")
                if stored is not None:
                    stored[row.id] = (row.mark_position_on, row.mark_position_json)
            loan_rows.setdefault(row.id, row)
            if row.plan_loan_id is not None:
                plans[row.id].append(_PlanRow(row.plan_period, row.plan_start_date, row.plan_due_date,
                                              row.plan_principal_fen, row.plan_interest_fen))
        transactions: dict[int, list[TransactionRow]] = defaultdict(list)
        for tx in run(self.session, prepared.TRANSACTIONS, ids):
            transactions[tx.borrower_id].append(tx)
        loans: dict[int, list[Loan]] = defaultdict(list)
        for row in loan_rows.values():
            product = self.products.cached(row.product_code, row.product_definition)
            loans[row.borrower_id].append(codec.loan_from_rows(row, plans[row.id], product))
        coupons: dict[int, list[CouponRow]] = defaultdict(list)
        used = [tx.coupon_id for txs in transactions.values() for tx in txs if tx.coupon_id is not None]
        if all_coupons or used:
            which = CouponRow.borrower_id.in_(borrower_ids) if all_coupons else CouponRow.id.in_(used)
            for coupon in self.session.execute(_columns(CouponRow).where(which)):
                coupons[coupon.borrower_id].append(coupon)
        request_ids = [tx.request_id for txs in transactions.values() for tx in txs if tx.request_id is not None]
        requests = {}
        if request_ids:  # R11: the approved requests that plan changes name
            requests = {r.id: r for r in self.session.execute(_columns(PlanRequestRow).where(PlanRequestRow.id.in_(request_ids)))}
        return {
            borrower_id: codec.book_from_rows(borrower, loans[borrower_id], transactions[borrower_id],
                                              coupons[borrower_id], requests)
            for borrower_id, borrower in borrowers.items()
        }

    def book(self, borrower_id: int, *, row: Borrower | None = None, all_coupons: bool = False) -> Book:
        return self.books([borrower_id], rows=[row] if row is not None else (), all_coupons=all_coupons)[borrower_id]

    def locked_book(
        self, borrower_id: int, *, all_coupons: bool = False
    ) -> tuple[Book, dict[int, LoanMark], int, StoredPositions] | None:
        """(the borrower's book, its loans' marks, its credit balance last posted in fen,
        its loans' stored positions), the
        borrower's row locked until the unit of work ends (R6: writers to one borrower are
        serialised); None if there is no such borrower. Three round trips: the lock (with
        the credit balance), the loans with their plans and marks, the transactions."""
        row = run(self.session, prepared.LOCK_BORROWER, {"borrower_id": borrower_id}).first()
        if row is None:
            return None
        marks: dict[int, LoanMark] = {}
        stored: dict[int, tuple[date | None, str | None]] = {}
        book = self.books([borrower_id], rows=[row], all_coupons=all_coupons, marks=marks, stored=stored)[borrower_id]
        return book, marks, row.credit_balance_fen, StoredPositions(stored)

    def ids_after(self, after_id: int, limit: int) -> list[int]:
        return list(
            self.session.scalars(select(BorrowerRow.id).where(BorrowerRow.id > after_id).order_by(BorrowerRow.id).limit(limit))
        )


class Marks:
    """The figures the ledger was last posted to, per loan and per borrower."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @staticmethod
    def _value(row: LoanMarkRow) -> LoanMark:
        return LoanMark(row.loan_id, row.borrower_id, LoanStatus(row.status), row.dpd, row.amount_due_fen,
                        row.grace_ends_on, Marks.figures(row), row.position_on, row.penalty_base_fen,
                        row.penalty_fen_days)

    @staticmethod
    def value_of(row: Row, *, prefix: str) -> LoanMark:
        """A mark read as columns named ``prefix`` + its own (joined to another table's)."""
        values = row._mapping
        return LoanMark(
            values[f"{prefix}loan_id"], values[f"{prefix}borrower_id"], LoanStatus(values[f"{prefix}status"]),
            values[f"{prefix}dpd"], values[f"{prefix}amount_due_fen"], values[f"{prefix}grace_ends_on"],
            LoanFigures(**{name: values[f"{prefix}{name}"] for name in FIGURE_FIELDS}), values[f"{prefix}position_on"],
            values[f"{prefix}penalty_base_fen"], values[f"{prefix}penalty_fen_days"],
        )

    def of_loans(self, loan_ids: Sequence[int]) -> dict[int, LoanMark]:
        if not loan_ids:
            return {}
        rows = self.session.scalars(select(LoanMarkRow).where(LoanMarkRow.loan_id.in_(loan_ids)))
        return {row.loan_id: self._value(row) for row in rows}

    def stored_positions(self, borrower_ids: Sequence[int], on: date) -> dict[int, LoanPosition]:
        """The loans' stored positions that are of ``on`` (what reads of that day use)."""
        rows = self.session.execute(
            select(LoanMarkRow.loan_id, LoanMarkRow.position_json)
            .where(LoanMarkRow.borrower_id.in_(borrower_ids), LoanMarkRow.position_on == on,
                   LoanMarkRow.position_json.is_not(None))
        )
        return {loan_id: codec.position_from_json(text) for loan_id, text in rows}

    def of_borrowers(self, borrower_ids: Sequence[int]) -> dict[int, LoanMark]:
        rows = self.session.scalars(select(LoanMarkRow).where(LoanMarkRow.borrower_id.in_(borrower_ids)))
        return {row.loan_id: self._value(row) for row in rows}

    def with_credit_balance(self, borrower_id: int) -> tuple[dict[int, LoanMark], int]:
        """(:meth:`of_borrowers`, the credit balance) of one borrower in one round trip."""
        rows = self.session.execute(
            select(BorrowerMarkRow.credit_balance_fen, LoanMarkRow)
            .select_from(BorrowerMarkRow)
            .outerjoin(LoanMarkRow, LoanMarkRow.borrower_id == BorrowerMarkRow.borrower_id)
            .where(BorrowerMarkRow.borrower_id == borrower_id)
        ).all()
        marks = {mark.loan_id: self._value(mark) for _, mark in rows if mark is not None}
        return marks, (rows[0][0] if rows else 0)

    def position_to_move(self, loan_id: int) -> StoredPosition | None:
        """What a read needs to move the loan's stored position forward to the business
        date (rules/moved.py), in one round trip; None if there is no such loan.
        Read-only (issue 10)."""
        row = run(self.session, prepared.POSITION_TO_MOVE, {"loan_id": loan_id}).first()
        return None if row is None else self._stored_position(row, max((row.loans or 1) - 1, 0))

    def positions_to_move_of_borrower(self, borrower_id: int) -> list[StoredPosition]:
        """:meth:`position_to_move` for each of the borrower's loans, by loan id, in one
        round trip; empty if the borrower has none. Read-only (issue 10)."""
        rows = run(self.session, prepared.POSITIONS_TO_MOVE_OF_BORROWER, {"borrower_id": borrower_id}).all()
        return [self._stored_position(row, len(rows) - 1) for row in rows]

    @staticmethod
    def _stored_position(row: Row, other_loans: int) -> StoredPosition:
        stored = codec.position_from_json(row.position_json) if row.position_json is not None else None
        return StoredPosition(row.borrower_id, row.business_date, row.position_on if stored is not None else None,
                              stored, codec.product_from_json(row.definition), row.credit_balance_fen or 0,
                              other_loans)

    def positions_of_borrowers(self, borrower_ids: Sequence[int]) -> dict[int, list[tuple[date, LoanPosition] | None]]:
        """Per borrower, each of its loans' stored position with its day; None for a loan
        with none (or one of another shape). Read-only (issue 10)."""
        found: dict[int, list[tuple[date, LoanPosition] | None]] = defaultdict(list)
        if borrower_ids:
            for row in run(self.session, prepared.POSITIONS_OF_BORROWERS, {"borrower_ids": list(borrower_ids)}):
                stored = codec.position_from_json(row.position_json) if row.position_json is not None else None
                found[row.borrower_id].append(None if stored is None else (row.position_on, stored))
        return found

    def credit_balances(self, borrower_ids: Sequence[int]) -> dict[int, int]:
        rows = self.session.scalars(select(BorrowerMarkRow).where(BorrowerMarkRow.borrower_id.in_(borrower_ids)))
        return {row.borrower_id: row.credit_balance_fen for row in rows}

    def set_credit_balance(self, borrower_id: int, amount_fen: int) -> None:
        run(self.session, prepared.SET_CREDIT_BALANCE, {"b_borrower_id": borrower_id, "b_credit_balance_fen": amount_fen})

    @staticmethod
    def figures(row: LoanMarkRow | LoanMark | None) -> LoanFigures:
        if row is None:
            return LoanFigures()
        if isinstance(row, LoanMark):
            return row.figures
        return LoanFigures(**{name: getattr(row, name) for name in FIGURE_FIELDS})

    def put(self, rows: Iterable[dict[str, object]], existing: Mapping[int, object]) -> None:
        """Write marks as :func:`loanbook.ledger.revaluation.revalue` gives them: a
        mark's ``position`` is stored encoded, as ``position_json``."""
        inserts, updates = [], []
        for values in rows:
            if "position" in values:
                position = values["position"]
                values = {k: v for k, v in values.items() if k != "position"}
                values["position_json"] = codec.position_to_json(position)  # type: ignore[arg-type]
            (updates if values["loan_id"] in existing else inserts).append(values)
        if inserts:
            run(self.session, prepared.ADD_MARKS, inserts)
        if updates:  # one executemany, by loan id (Core: no ORM bulk-update bookkeeping)
            statement = prepared.update_marks(tuple(name for name in updates[0] if name != "loan_id"))
            run(self.session, statement, [{f"b_{name}": value for name, value in row.items()} for row in updates])

    def totals(self) -> dict[str, int]:
        columns = [func.coalesce(func.sum(getattr(LoanMarkRow, name)), 0) for name in FIGURE_FIELDS]
        values = self.session.execute(select(*columns)).one()
        credit = self.session.scalar(select(func.coalesce(func.sum(BorrowerMarkRow.credit_balance_fen), 0)))
        return {**dict(zip(FIGURE_FIELDS, (int(v) for v in values))), "credit_balance_fen": int(credit)}

    def status_counts(self) -> dict[str, int]:
        rows = self.session.execute(select(LoanMarkRow.status, func.count()).group_by(LoanMarkRow.status))
        return {status: count for status, count in rows}

    def dpd_values(self) -> list[int]:
        return list(self.session.scalars(select(LoanMarkRow.dpd).where(LoanMarkRow.status == "OVERDUE")))


class Journal:
    def __init__(self, session: Session) -> None:
        self.session = session

    def post(self, entries: Sequence[JournalEntry]) -> None:
        for entry in entries:
            if entry.is_empty():
                continue
            entry_id = run(self.session, prepared.ADD_ENTRY_RETURNING_ID, {  # no mapped row, no flush
                "booked_on": entry.booked_on,
                "kind": entry.kind,
                "borrower_id": entry.borrower_id,
                "transaction_id": entry.transaction_id,
                "product_code": entry.product_code,
                "memo": entry.memo,
            }).scalar_one()
            run(
                self.session, prepared.ADD_LINES,  # one executemany: every row has every key
                [
                    {
                        "entry_id": entry_id,
                        "account": line.account.value,
                        "loan_id": line.loan_id,
                        "borrower_id": line.borrower_id,
                        "debit_fen": line.debit_fen,
                        "credit_fen": line.credit_fen,
                    }
                    for line in entry.lines
                ],
            )

    def credit_balances_by_borrower(self) -> dict[int, int]:
        """Per borrower, the credit balance the ledger holds (credits less debits), fen."""
        rows = self.session.execute(
            select(JournalLineRow.borrower_id, func.sum(JournalLineRow.credit_fen - JournalLineRow.debit_fen))
            .where(JournalLineRow.account == Account.CREDIT_BALANCE.value)
            .group_by(JournalLineRow.borrower_id)
        )
        return {borrower_id: int(total or 0) for borrower_id, total in rows}

    def add_accrual_details(self, rows: list[dict[str, object]]) -> None:
        if rows:
            self.session.execute(insert(AccrualDetailRow), rows)

    def balances(self) -> dict[str, tuple[int, int]]:
        """Per account: (total debits, total credits)."""
        rows = self.session.execute(
            select(JournalLineRow.account, func.sum(JournalLineRow.debit_fen), func.sum(JournalLineRow.credit_fen)).group_by(
                JournalLineRow.account
            )
        )
        return {account: (int(debit or 0), int(credit or 0)) for account, debit, credit in rows}

    def per_loan_lines(self) -> dict[tuple[int, str], int]:
        """Per (loan, account): debits less credits of the lines that name a loan."""
        rows = self.session.execute(
            select(JournalLineRow.loan_id, JournalLineRow.account, func.sum(JournalLineRow.debit_fen - JournalLineRow.credit_fen))
            .where(JournalLineRow.loan_id.is_not(None))
            .group_by(JournalLineRow.loan_id, JournalLineRow.account)
        )
        return {(int(loan_id), account): int(net) for loan_id, account, net in rows}

    def per_loan_accruals(self) -> dict[int, tuple[int, int, int]]:
        rows = self.session.execute(
            select(
                AccrualDetailRow.loan_id,
                func.sum(AccrualDetailRow.interest_fen),
                func.sum(AccrualDetailRow.penalty_fen),
                func.sum(AccrualDetailRow.fee_fen),
            ).group_by(AccrualDetailRow.loan_id)
        )
        return {int(loan_id): (int(i), int(p), int(f)) for loan_id, i, p, f in rows}

    def accrual_entry_totals(self) -> tuple[dict[tuple[date, str], tuple[int, int, int]], dict[tuple[date, str], tuple[int, int, int]]]:
        """Close-of-business accrual entries per (day, product) against the sum of their
        per-loan details: the two must agree."""
        details = {
            (day, product): (int(i), int(p), int(f))
            for day, product, i, p, f in self.session.execute(
                select(
                    AccrualDetailRow.booked_on,
                    AccrualDetailRow.product_code,
                    func.sum(AccrualDetailRow.interest_fen),
                    func.sum(AccrualDetailRow.penalty_fen),
                    func.sum(AccrualDetailRow.fee_fen),
                ).group_by(AccrualDetailRow.booked_on, AccrualDetailRow.product_code)
            )
        }
        entries: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        income = {"interest_income": 0, "penalty_income": 1, "fee_income": 2}
        rows = self.session.execute(
            select(JournalEntryRow.booked_on, JournalEntryRow.product_code, JournalLineRow.account,
                   func.sum(JournalLineRow.credit_fen - JournalLineRow.debit_fen))
            .join(JournalLineRow, JournalLineRow.entry_id == JournalEntryRow.id)
            .where(JournalEntryRow.kind == "accrual", JournalLineRow.account.in_(list(income)))
            .group_by(JournalEntryRow.booked_on, JournalEntryRow.product_code, JournalLineRow.account)
        )
        for day, product, account, net in rows:
            entries[(day, product)][income[account]] = int(net)
        return {key: tuple(value) for key, value in entries.items()}, details


class Events:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, rows: list[dict[str, object]]) -> None:
        if rows:
            run(self.session, prepared.ADD_EVENTS, rows)

    def of_loan(self, loan_id: int) -> list[LoanEvent]:
        rows = self.session.execute(_columns(LoanEventRow).where(LoanEventRow.loan_id == loan_id).order_by(LoanEventRow.id))
        return values_of(LoanEvent, rows)

    def counts(self) -> dict[str, int]:
        return {kind: n for kind, n in self.session.execute(select(LoanEventRow.kind, func.count()).group_by(LoanEventRow.kind))}


class CobProgress(NamedTuple):
    done: bool
    borrowers_closed: int


class CobDays:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, day: date) -> CobDayRow | None:
        return self.session.get(CobDayRow, day)

    def progress(self, day: date) -> CobProgress | None:
        """How far the close of business of ``day`` got, as a value; None if never started."""
        row = self.session.get(CobDayRow, day)
        return None if row is None else CobProgress(row.status == "done", row.borrowers_closed)

    def start(self, day: date) -> CobDayRow:
        row = CobDayRow(business_date=day, status="running", last_borrower_id=0, borrowers_closed=0, loans_in_bulk=None)
        self.session.add(row)
        return row


class Users:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *, name: str, role: str, borrower_id: int | None, token_sha256: str,
            password_hash: str | None = None) -> StoredUser:
        row = UserRow(name=name, role=role, borrower_id=borrower_id, token_sha256=token_sha256,
                      password_hash=password_hash)
        self.session.add(row)
        self.session.flush()
        return value_of(StoredUser, row)

    def by_token(self, token_sha256: str) -> Row | None:
        """The user of a token (id, name, role, borrower_id, revoked_at), as a plain row:
        every API request asks it."""
        return run(self.session, prepared.USER_BY_TOKEN, {"token_sha256": token_sha256}).first()

    def by_name(self, name: str) -> StoredUser | None:
        row = self.session.execute(_columns(UserRow).where(UserRow.name == name)).first()
        return None if row is None else value_of(StoredUser, row)

    def all(self) -> list[StoredUser]:
        return values_of(StoredUser, self.session.execute(_columns(UserRow).order_by(UserRow.id)))

    def revoke(self, user_id: int, *, at: datetime) -> None:
        """The user's token stops working; the user stays, for the history."""
        self.session.execute(update(UserRow).where(UserRow.id == user_id).values(revoked_at=at))

    def set_token(self, user_id: int, token_sha256: str) -> None:
        """A new token's hash in place of the old one, which stops working at once."""
        self.session.execute(update(UserRow).where(UserRow.id == user_id).values(token_sha256=token_sha256))

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self.session.execute(update(UserRow).where(UserRow.id == user_id).values(password_hash=password_hash))


class WebSessions:
    """Web sign-in sessions (web/session.py), found by the SHA-256 of their cookie's token."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *, token_sha256: str, user_id: int, csrf_token: str, created_at: datetime,
            expires_at: datetime) -> WebSessionRow:
        row = WebSessionRow(token_sha256=token_sha256, user_id=user_id, csrf_token=csrf_token,
                            created_at=created_at, expires_at=expires_at)
        self.session.add(row)
        self.session.flush()
        return row

    def with_user(self, token_sha256: str) -> tuple[WebSessionRow, UserRow] | None:
        found = self.session.execute(
            select(WebSessionRow, UserRow).join(UserRow, UserRow.id == WebSessionRow.user_id)
            .where(WebSessionRow.token_sha256 == token_sha256)
        ).first()
        return None if found is None else (found[0], found[1])

    def end(self, token_sha256: str) -> None:
        self.session.execute(delete(WebSessionRow).where(WebSessionRow.token_sha256 == token_sha256))

    def end_all_of(self, user_id: int) -> None:
        self.session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == user_id))

    def end_expired(self, now: datetime) -> None:
        self.session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at <= now))


class IdempotencyKeys:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, user_id: int, key: str) -> IdempotencyRow | None:
        return self.session.get(IdempotencyRow, (user_id, key))

    def claim(self, user_id: int, key: str, fingerprint: str, now: datetime, *, owner: str | None,
              expires_at: datetime) -> None:
        """Raises IntegrityError if the key is known (a plain INSERT: no mapped row). On
        PostgreSQL its transaction commits without waiting for the disk (see
        :meth:`commit_without_waiting_for_disk`), set by the INSERT itself: on an
        autocommit unit of work the claim is one round trip."""
        values = {"user_id": user_id, "key": key, "fingerprint": fingerprint, "started_at": now, "owner": owner,
                  "expires_at": expires_at}
        postgresql = self.session.get_bind().dialect.name == "postgresql"
        run(self.session, prepared.CLAIM_KEY_WITHOUT_WAITING_FOR_DISK if postgresql else prepared.CLAIM_KEY, values)

    def forget_expired(self, user_id: int, key: str, *, now: datetime) -> bool:
        """Delete this key if it has expired (it is then unknown). True when deleted."""
        result = self.session.execute(delete(IdempotencyRow).where(
            IdempotencyRow.user_id == user_id, IdempotencyRow.key == key, IdempotencyRow.expires_at <= now))
        return result.rowcount == 1

    def delete_expired(self, now: datetime) -> int:
        """Delete every key expired at ``now`` (close of business); returns how many."""
        return self.session.execute(delete(IdempotencyRow).where(IdempotencyRow.expires_at <= now)).rowcount

    def commit_without_waiting_for_disk(self) -> None:
        """Let this transaction's commit return before its WAL reaches the disk
        (PostgreSQL ``synchronous_commit = off``; nothing on SQLite). Safe for a claim, a
        stored refusal or a release: PostgreSQL writes its WAL in order, so the commit of
        the money's own transaction, which does wait, makes every earlier claim durable
        too; and one lost in a crash moved no money (its request is simply sent again)."""
        if self.session.get_bind().dialect.name == "postgresql":
            run(self.session, prepared.WITHOUT_WAITING_FOR_DISK)

    def finish(self, user_id: int, key: str, status_code: int, body: str, *, claimed_at: datetime | None = None) -> bool:
        """Store the response; with ``claimed_at``, only if the claim is still the caller's
        (not taken over meanwhile). True when stored."""
        result = run(self.session, prepared.FINISH_KEY if claimed_at is None else prepared.FINISH_OUR_KEY,
                     {"b_user_id": user_id, "b_key": key, "b_status_code": status_code, "b_body": body,
                      "b_claimed_at": claimed_at})
        return result.rowcount == 1

    def take_over(self, user_id: int, key: str, *, started_at: datetime, now: datetime, owner: str | None = None) -> bool:
        """Claim again a key still running since ``started_at`` (its request died): true
        for the one caller whose update found it unchanged. On PostgreSQL the update
        waits for a transaction that holds the row (a request still storing its
        response) and then finds it changed."""
        result = self.session.execute(
            update(IdempotencyRow)
            .where(IdempotencyRow.user_id == user_id, IdempotencyRow.key == key, IdempotencyRow.state == "running",
                   IdempotencyRow.started_at == started_at)
            .values(started_at=now, owner=owner)
        )
        return result.rowcount == 1

    def release(self, user_id: int, key: str, *, claimed_at: datetime | None = None) -> None:
        """Forget the key; with ``claimed_at``, only while the claim is still the caller's."""
        run(self.session, prepared.RELEASE_KEY if claimed_at is None else prepared.RELEASE_OUR_KEY,
            {"b_user_id": user_id, "b_key": key, "b_claimed_at": claimed_at})


class Coupons:
    """Coupons granted to borrowers (R13); a coupon's use is the transaction naming it."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **values: object) -> Coupon:
        row = CouponRow(**values)
        self.session.add(row)
        self.session.flush()
        return value_of(Coupon, row)

    def get(self, coupon_id: int) -> Coupon | None:
        row = self.session.get(CouponRow, coupon_id)
        return None if row is None else value_of(Coupon, row)

    def of_borrowers(self, borrower_ids: Sequence[int]) -> dict[int, list[Coupon]]:
        """Per borrower, its coupons in grant order."""
        found: dict[int, list[Coupon]] = defaultdict(list)
        rows = self.session.execute(_columns(CouponRow).where(CouponRow.borrower_id.in_(borrower_ids)).order_by(CouponRow.id))
        for row in rows:
            found[row.borrower_id].append(value_of(Coupon, row))
        return found

    def uses(self, coupon_ids: Sequence[int]) -> dict[int, CouponUse]:
        """Per coupon, the transaction that redeemed it."""
        if not coupon_ids:
            return {}
        rows = self.session.execute(select(TransactionRow.coupon_id, TransactionRow.id, TransactionRow.value_date)
                                    .where(TransactionRow.coupon_id.in_(coupon_ids)))
        return {coupon_id: CouponUse(transaction_id, value_date) for coupon_id, transaction_id, value_date in rows}

    def counts(self, on: date) -> dict[str, int]:
        """Coupons granted, used, expired unused (as of ``on``) and still open."""
        granted = self.session.scalar(select(func.count()).select_from(CouponRow)) or 0
        used = self.session.scalar(select(func.count()).select_from(TransactionRow).where(TransactionRow.coupon_id.is_not(None))) or 0
        expired = self.session.scalar(
            select(func.count()).select_from(CouponRow)
            .outerjoin(TransactionRow, TransactionRow.coupon_id == CouponRow.id)
            .where(TransactionRow.id.is_(None), CouponRow.expires_on < on)
        ) or 0
        return {"granted": int(granted), "used": int(used), "expired": int(expired),
                "open": int(granted) - int(used) - int(expired)}


class PlanRequests:
    """Requests for extensions and negotiated plans and their decisions (R11)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **values: object) -> PlanRequest:
        row = PlanRequestRow(**values)
        self.session.add(row)
        self.session.flush()
        return value_of(PlanRequest, row)

    def get(self, request_id: int, *, for_update: bool = False) -> PlanRequest | None:
        query = _columns(PlanRequestRow).where(PlanRequestRow.id == request_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).first()
        return None if row is None else value_of(PlanRequest, row)

    def decide(self, request_id: int, *, status: str, decided_by: int | None, decided_on: date, reason: str) -> bool:
        """Record the decision if the request is still pending; false if it was decided
        meanwhile (a request is decided once, R11)."""
        result = self.session.execute(
            update(PlanRequestRow)
            .where(PlanRequestRow.id == request_id, PlanRequestRow.status == RequestStatus.PENDING)
            .values(status=status, decided_by=decided_by, decided_on=decided_on, decision_reason=reason)
        )
        return result.rowcount == 1

    def listed(self, *, status: str | None = None, loan_id: int | None = None, borrower_id: int | None = None,
               limit: int = 100, after_id: int = 0) -> list[PlanRequest]:
        query = _columns(PlanRequestRow).where(PlanRequestRow.id > after_id)
        if status is not None:
            query = query.where(PlanRequestRow.status == status)
        if loan_id is not None:
            query = query.where(PlanRequestRow.loan_id == loan_id)
        if borrower_id is not None:
            query = query.where(PlanRequestRow.borrower_id == borrower_id)
        return values_of(PlanRequest, self.session.execute(query.order_by(PlanRequestRow.id).limit(limit)))

    def pending_extensions(self, *, maturing_by: date) -> list[PlanRequest]:
        """Pending extension requests that may have to lapse tonight (R11): on a loan whose
        plan changed (its maturity is the core's to say), settled, or whose plan as
        disbursed matures by ``maturing_by``."""
        pending = values_of(PlanRequest, self.session.execute(
            _columns(PlanRequestRow).where(PlanRequestRow.status == RequestStatus.PENDING,
                                           PlanRequestRow.kind == TransactionKind.EXTENSION)
            .order_by(PlanRequestRow.id)
        ))
        if not pending:
            return []
        loan_ids = sorted({row.loan_id for row in pending})
        candidates = set(self.session.scalars(
            select(TransactionRow.loan_id).where(TransactionRow.loan_id.in_(loan_ids), TransactionRow.request_id.is_not(None))
        ))
        candidates.update(self.session.scalars(
            select(LoanMarkRow.loan_id).where(LoanMarkRow.loan_id.in_(loan_ids), LoanMarkRow.status == "SETTLED")
        ))
        candidates.update(self.session.scalars(
            select(PlanInstalmentRow.loan_id).where(PlanInstalmentRow.loan_id.in_(loan_ids))
            .group_by(PlanInstalmentRow.loan_id).having(func.max(PlanInstalmentRow.due_date) <= maturing_by)
        ))
        return [row for row in pending if row.loan_id in candidates]

    def counts(self) -> dict[tuple[str, str], int]:
        """(kind, status) -> how many."""
        rows = self.session.execute(
            select(PlanRequestRow.kind, PlanRequestRow.status, func.count()).group_by(PlanRequestRow.kind, PlanRequestRow.status)
        )
        return {(kind, status): int(n) for kind, status, n in rows}

    def user_names(self, user_ids: Iterable[int]) -> dict[int, str]:
        ids = sorted({i for i in user_ids if i is not None})
        if not ids:
            return {}
        return dict(self.session.execute(select(UserRow.id, UserRow.name).where(UserRow.id.in_(ids))).all())

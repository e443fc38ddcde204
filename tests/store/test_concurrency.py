"""Many repayments for one borrower at once: every fen is allocated exactly once (R6, R14).

On PostgreSQL the borrower row is locked for the unit of work; on SQLite writers are
serialised by BEGIN IMMEDIATE. Either way no two repayments read the same book."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from sqlalchemy import func, select

from loanbook.money import ZERO
from loanbook.service import servicing
from loanbook.service.close_of_business import close_until
from loanbook.service.ledger_check import check_ledger
from loanbook.store.tables import TransactionRow
from loanbook.store.unit_of_work import UnitOfWork
from words import A, D

THREADS = 8
REPAYMENTS = 40


def test_concurrent_repayments_allocate_every_fen_once(engine):
    with UnitOfWork(engine) as uow:
        b = servicing.create_borrower(uow, name="王芳", phone="13900000000", credit_limit=A("100000.00")).borrower.id
    for principal in ("10000.00", "5000.00", "2500.00"):
        with UnitOfWork(engine) as uow:
            servicing.disburse_loan(uow, borrower_id=b, product_code="FLEX6", principal=A(principal), terms=6)
    close_until(engine, D("2026-03-20"))  # two months unpaid: penalty, several instalments due
    amounts = [Decimal(13 + n) + Decimal(n % 7) / 100 for n in range(REPAYMENTS)]

    def pay(amount: Decimal):
        with UnitOfWork(engine) as uow:
            return servicing.repay(uow, borrower_id=b, amount=amount, channel="load")

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(pay, amounts))
    allocated = sum((line.total for r in results for line in r.allocations[0].lines), ZERO)
    to_credit = sum((r.allocations[0].to_credit for r in results), ZERO)
    with UnitOfWork(engine) as uow:
        summary = servicing.borrower_summary(uow, b)
        stored = uow.session.scalar(select(func.count()).select_from(TransactionRow))
    paid = sum((loan.total_paid for loan in summary.loans), ZERO)
    assert stored == REPAYMENTS
    assert allocated + to_credit == sum(amounts)
    assert paid + summary.credit_balance == sum(amounts)
    report = check_ledger(engine)
    assert report.ok, report.problems


def test_a_read_on_sqlite_holds_no_writers_lock(tmp_path):
    """A read-only unit of work begins DEFERRED on SQLite: while it is open, a writer
    begins at once; a unit of work that may write still takes the writer's lock."""
    import sqlite3

    from databases import sqlite_file

    def a_writer_can_begin(path) -> bool:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError as refused:
            assert "locked" in str(refused), refused
            return False
        finally:
            other.close()

    with sqlite_file(tmp_path, D("2026-01-15")) as (_, engine):
        path = tmp_path / "loanbook.sqlite3"
        with UnitOfWork(engine, read_only=True) as uow:
            assert uow.business_dates.get() == D("2026-01-15")
            assert a_writer_can_begin(path)
        with UnitOfWork(engine) as uow:
            assert uow.business_dates.get() == D("2026-01-15")
            assert not a_writer_can_begin(path)

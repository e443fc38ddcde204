"""R15: the due-date records (32) close of business makes in one INSERT ... SELECT are the
records the per-loan builder (bureau.fast_path) makes for the same loans, on SQLite and
PostgreSQL. A mixed portfolio (on time, late, partly, too much, never; is
closed night by night; before each night with a due date, both paths are run in one
transaction, compared, and rolled back."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from words import D
from loanbook.bureau import fast_path
from loanbook.bureau.records import FIGURE_FIELDS
from loanbook.service.close_of_business import close_day
from loanbook.service.setup import init_database
from loanbook.store.bureau import BureauStore
from loanbook.store.scratch import scratch_engine
from loanbook.store.tables import BureauRecordRow
from loanbook.store.unit_of_work import UnitOfWork
from sqlalchemy import select

_spec = importlib.util.spec_from_file_location("store_portfolio", Path(__file__).parent.parent / "store" / "portfolio.py")
_portfolio = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_portfolio)

COMPARED = (*FIGURE_FIELDS, "held", "borrower_id", "as_of", "produced_on", "moment", "kind", "name", "phone")


def _both_paths(uow: UnitOfWork, day) -> tuple[dict[int, dict], dict[int, dict]]:
    """(per-loan builder's rows, SQL's rows) by loan, for the due dates of ``day``."""
    store = BureauStore(uow.session)
    built = {row["loan_id"]: row for row in fast_path.due_date_records(store, day, set())}
    made = store.insert_clean_due_records(day, [])
    rows = uow.session.scalars(select(BureauRecordRow).where(
        BureauRecordRow.produced_on == day, BureauRecordRow.moment == 32, BureauRecordRow.kind == "record"))
    in_sql = {row.loan_id: {name: getattr(row, name) for name in COMPARED} for row in rows}
    assert made == len(in_sql)
    return built, in_sql


def test_r15_set_based_due_date_records_equal_the_per_loan_builders(backend):
    with scratch_engine(backend) as engine:
        init_database(engine, business_date=D("2026-01-15"))
        _portfolio.seed_portfolio(engine, borrowers=30, days=40)
        compared, days_with_due_dates = 0, 0
        for _ in range(70):
            with UnitOfWork(engine) as uow:
                day = uow.business_dates.get()
                built, in_sql = _both_paths(uow, day)
                uow.session.rollback()
            assert set(in_sql) <= set(built), sorted(set(in_sql) - set(built))
            for loan_id, row in in_sql.items():
                assert row == {name: built[loan_id][name] for name in COMPARED}, (day, loan_id)
            compared += len(in_sql)
            days_with_due_dates += bool(built)
            close_day(engine)
        assert days_with_due_dates >= 2 and compared >= 20, (days_with_due_dates, compared)

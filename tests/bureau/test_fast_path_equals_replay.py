"""R15: the records close of business derives without a replay (bureau.fast_path) are
the very records the replay gives: every record of a mixed portfolio (on time, late,
partly, too much, never) is compared with a replay of the books as known that night."""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from pathlib import Path

from words import D
from loanbook.bureau.records import FIGURE_FIELDS, loan_figures
from loanbook.service.close_of_business import close_until
from loanbook.service.setup import init_database
from loanbook.store.bureau import BureauStore
from loanbook.store.scratch import scratch_engine
from loanbook.store.unit_of_work import UnitOfWork

_spec = importlib.util.spec_from_file_location("store_portfolio", Path(__file__).parent.parent / "store" / "portfolio.py")
_portfolio = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_portfolio)


def test_r15_every_record_of_a_portfolio_equals_the_replay_of_its_night(backend):
    with scratch_engine(backend) as engine:
        init_database(engine, business_date=D("2026-01-15"))
        _portfolio.seed_portfolio(engine, borrowers=30, days=60)
        with UnitOfWork(engine) as uow:
            today = uow.business_dates.get()
        close_until(engine, today + timedelta(days=40))
        with UnitOfWork(engine) as uow:
            store = BureauStore(uow.session)
            rows = [r for r in store.records_of_loans(store.loans_of_borrowers(list(range(1, 31))))
                    if r.kind == "record"]
            assert {r.moment for r in rows} >= {10, 32, 33}, {r.moment for r in rows}
            held = store.held_loans([r.loan_id for r in rows])
            books = {}
            for row in rows:
                book = books.setdefault(row.borrower_id, uow.borrowers.book(row.borrower_id))
                known = book.known_before(row.as_of + timedelta(days=1))  # that night's knowledge
                expected = loan_figures(known, row.loan_id, row.as_of, held=row.loan_id in held)
                actual = {name: getattr(row, name) for name in FIGURE_FIELDS}
                assert actual == {name: expected[name] for name in FIGURE_FIELDS}, (row.id, row.moment, row.as_of)

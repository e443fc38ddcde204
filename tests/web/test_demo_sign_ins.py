"""`make demo` prints a borrower's and a reviewer's web sign-in that work."""

from __future__ import annotations

from datetime import date, datetime

from loanbook.demo.portfolio import run_portfolio
from loanbook.demo.sign_ins import make_demo_sign_ins, sign_in_lines
from loanbook.service.borrower_app import loan_page
from loanbook.service.sign_in import sign_in
from loanbook.store.database import make_engine
from loanbook.store.unit_of_work import UnitOfWork


def test_the_demo_sign_ins_work_and_are_printed_with_the_urls(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    try:
        run_portfolio(engine, borrowers=8, seed=3, until=date(2026, 2, 20))
        made = make_demo_sign_ins(engine)
        assert [m.role for m in made] == ["borrower", "reviewer"]
        borrower = made[0]
        with UnitOfWork(engine) as uow:
            signed = sign_in(uow, borrower.name, borrower.password, now=datetime(2026, 2, 20, 9))
        assert signed.user.borrower_id == borrower.borrower_id
        with UnitOfWork(engine) as uow:  # the loan printed is the borrower's own, and not settled
            page = loan_page(uow, borrower_id=borrower.borrower_id, loan_id=borrower.loan_id)
        assert page.state.settled_on is None
        with UnitOfWork(engine) as uow:
            assert sign_in(uow, made[1].name, made[1].password, now=datetime(2026, 2, 20, 9)).user.role == "reviewer"
        lines = sign_in_lines("http://127.0.0.1:8000", made)
    finally:
        engine.dispose()
    text = "\n".join(lines)
    assert "http://127.0.0.1:8000/login" in text and "http://127.0.0.1:8000/app" in text
    assert f"user name demo-borrower, password {borrower.password}" in text
    assert f"user name demo-reviewer, password {made[1].password}" in text
    assert f"/app/loans/{borrower.loan_id}" in text

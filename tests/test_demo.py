"""``loanbook demo``: a small portfolio played through the services and close of business,
the books proved (R14), and the guard that keeps the demo from deleting other files."""

from __future__ import annotations

import re
from datetime import date

import pytest

from loanbook.cli.demo import DEMO_APPLICATION_ID, made_by_demo
from loanbook.demo.portfolio import DRAWDOWN_DAYS, PROFILES, START, plan_portfolio
from loanbook.service.ledger_check import check_ledger
from loanbook.store.database import make_engine
from loanbook.store.unit_of_work import UnitOfWork
from test_cli import loanbook  # the command run as a real process

SMALL = ["--borrowers", "30", "--until", "2026-03-31", "--no-serve"]


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory):
    """30 borrowers to 2026-03-31, played once for the tests that read its database."""
    path = tmp_path_factory.mktemp("demo") / "loanbook-demo.sqlite3"
    run = loanbook("demo", "--database", f"sqlite:///{path}", *SMALL)
    return run, path


def test_small_portfolio_exits_0_and_prints_the_summary(small_demo):
    run, _ = small_demo
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert "refused" not in run.stderr  # every action of the demo was accepted by the engine
    for title in ("Loans by status", "Overdue loans by DPD", "Ledger as of 2026-03-31", "learnt of late"):
        assert title in run.stdout
    for bucket in ("1-30", "31-60", "61-90", "91-120", "121-150", "151-180", "over 180"):
        assert bucket in run.stdout
    assert "ledger check passed" in run.stdout
    assert "89/89" in run.stdout  # days closed: 2026-01-01 to 2026-03-31


def test_small_portfolio_has_loans_in_several_statuses_and_a_clean_ledger(small_demo):
    run, path = small_demo
    assert run.returncode == 0, run.stderr
    engine = make_engine(f"sqlite:///{path}")
    with UnitOfWork(engine) as uow:
        assert uow.business_dates.get() == date(2026, 3, 31)
        statuses = uow.marks.status_counts()
        events = uow.events.counts()
    assert {"ACTIVE", "OVERDUE", "SETTLED"} <= {status for status, count in statuses.items() if count}
    assert events.get("went_overdue", 0) > 0 and events.get("cured", 0) > 0
    report = check_ledger(engine)
    assert report.ok, report.problems
    assert report.loans_checked == sum(statuses.values())
    assert report.balances["penalty_income"] > 0 and report.balances["fee_income"] > 0  # late payers, TERM6 payoffs


def test_late_booked_repayments_leave_nothing_overdue(small_demo):
    """R6, the 2019 incident: a repayment booked after grace ended, once booked, leaves
    the loan as an on-time repayment would: no longer overdue, no penalty."""
    run, _ = small_demo
    rows = dict(re.findall(r"│ +(.+?) +│ +([\d,./ ]+) +│", run.stdout))
    assert int(rows["of which the loan was already marked OVERDUE when they arrived"]) >= 1
    assert rows["still OVERDUE once booked"] == "0"
    assert rows["penalty charged on them"] == "0.00"


def test_a_second_run_replaces_its_own_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'again.sqlite3'}"
    first = loanbook("demo", "--database", url, "--borrowers", "3", "--until", "2026-01-12", "--no-serve")
    assert first.returncode == 0, first.stderr
    assert made_by_demo(tmp_path / "again.sqlite3")
    second = loanbook("demo", "--database", url, "--borrowers", "4", "--until", "2026-01-05", "--no-serve")
    assert second.returncode == 0, second.stderr
    with UnitOfWork(make_engine(url)) as uow:
        assert uow.business_dates.get() == date(2026, 1, 5)  # made anew, not carried on
        assert uow.borrowers.ids_after(0, 100) == [1, 2, 3, 4]


def test_refuses_to_delete_a_file_it_did_not_make(tmp_path):
    precious = tmp_path / "precious.sqlite3"
    precious.write_bytes(b"not a database, and not the demo's")
    run = loanbook("demo", "--database", f"sqlite:///{precious}", "--borrowers", "2", "--until", "2026-01-03", "--no-serve")
    assert run.returncode == 2, run.stdout + run.stderr
    assert "not made by `loanbook demo`" in run.stderr
    assert precious.read_bytes() == b"not a database, and not the demo's"


def test_refuses_to_delete_a_real_loanbook_database(tmp_path):
    books = tmp_path / "books.sqlite3"
    assert loanbook("init", "--database", f"sqlite:///{books}", "--business-date", "2026-01-01").returncode == 0
    before = books.read_bytes()
    run = loanbook("demo", "--database", f"sqlite:///{books}", "--borrowers", "2", "--until", "2026-01-03", "--no-serve")
    assert run.returncode == 2, run.stdout + run.stderr
    assert "not made by `loanbook demo`" in run.stderr
    assert books.read_bytes() == before


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("sqlite:///{tmp}/books.db", "must name a .sqlite3 file"),
        ("postgresql://postgres@127.0.0.1:5432/test", "fresh SQLite database"),
        ("sqlite://", "fresh SQLite database"),
    ],
)
def test_refuses_databases_it_may_not_delete(tmp_path, url, fragment):
    run = loanbook("demo", "--database", url.format(tmp=tmp_path), "--borrowers", "2", "--until", "2026-01-03", "--no-serve")
    assert run.returncode == 2, run.stdout + run.stderr
    assert fragment in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "books.db").exists()


def test_refuses_an_until_not_after_the_first_day(tmp_path):
    run = loanbook("demo", "--database", f"sqlite:///{tmp_path / 'd.sqlite3'}", "--until", "2026-01-01", "--no-serve")
    assert run.returncode == 2
    assert "--until" in run.stderr
    assert not (tmp_path / "d.sqlite3").exists()


def test_the_demo_marks_its_database_in_the_sqlite_header(tmp_path):
    path = tmp_path / "x.sqlite3"
    assert loanbook("demo", "--database", f"sqlite:///{path}", "--borrowers", "1", "--until", "2026-01-02", "--no-serve").returncode == 0
    header = path.read_bytes()[:100]
    assert header.startswith(b"SQLite format 3\x00")
    assert int.from_bytes(header[68:72], "big") == DEMO_APPLICATION_ID


def test_the_portfolio_plan_is_deterministic_and_looks_real():
    plan = plan_portfolio(500, seed=7)
    assert plan == plan_portfolio(500, seed=7)
    assert plan != plan_portfolio(500, seed=8)
    assert {borrower.profile for borrower in plan} == set(PROFILES)
    assert len({borrower.phone for borrower in plan}) == 500
    for borrower in plan:
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", borrower.name), borrower.name
        assert re.fullmatch(r"1[3-9]\d{9}", borrower.phone), borrower.phone
        assert 5_000 <= borrower.credit_limit <= 50_000
        assert 1 <= len(borrower.loans) <= 3
        assert sum(loan.principal for loan in borrower.loans) <= borrower.credit_limit
        for loan in borrower.loans:
            assert 0 <= (loan.on - START).days < DRAWDOWN_DAYS
            assert loan.product_code in ("FLEX6", "TERM6")
            assert 1 <= loan.terms <= 6


def test_hardship_requests_are_decided_by_another_user_and_coupons_compensate_late_bookings(small_demo):
    """R11: every request the demo operator made was decided (if at all) by the demo
    reviewer, never its maker; R13: a 100.00 coupon per borrower whose repayment was booked late."""
    run, path = small_demo
    assert run.returncode == 0, run.stderr
    assert "Hardship and goodwill (R11, R13)" in run.stdout
    engine = make_engine(f"sqlite:///{path}")
    with UnitOfWork(engine) as uow:
        made = [(r.made_by, r.decided_by, r.status) for r in uow.requests.listed(limit=10_000)]
        granted = uow.coupons.counts(uow.business_dates.get())
        late_booked = {tx.borrower_id for b in range(1, 31) for tx in uow.borrowers.transactions(b)
                       if tx.channel == "late-booked"}
    assert made, "the demo made no hardship request"
    assert all(decided_by != made_by for made_by, decided_by, _ in made)
    assert {status for _, _, status in made} <= {"pending", "approved", "rejected", "lapsed"}
    assert granted["granted"] == len(late_booked) > 0
    with UnitOfWork(engine) as uow:
        amounts = {c.amount_fen for rows in uow.coupons.of_borrowers(sorted(late_booked)).values() for c in rows}
    assert amounts == {10_000}

"""`loanbook collections worklist|log|promise|promises|check` (R16): thin commands over
the services; a guard's refusal is exit 2 with its reason, and is logged."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from loanbook.cli.main import app
from loanbook.collections.config import DEFAULT_FILE
from loanbook.service import servicing
from loanbook.service.close_of_business import close_until
from loanbook.service.setup import init_database
from loanbook.store.database import make_engine
from loanbook.store.unit_of_work import UnitOfWork

runner = CliRunner()


def test_collections_commands(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'book.sqlite3'}"
    engine = make_engine(url)
    init_database(engine, business_date=date(2026, 1, 15))
    with UnitOfWork(engine) as uow:
        borrower = servicing.create_borrower(uow, name="Wang Fang", phone="+86 138 0013 8000",
                                             credit_limit=Decimal("50000.00")).borrower.id
    with UnitOfWork(engine) as uow:
        loan = servicing.disburse_loan(uow, borrower_id=borrower, product_code="FLEX6", principal=Decimal("10000.00"),
                                       terms=6).loan_id
    close_until(engine, date(2026, 2, 14))
    engine.dispose()

    run = runner.invoke(app, ["collections", "worklist", "--database", url, "--json"])
    assert run.exit_code == 0, run.output
    listed = json.loads(run.output)
    assert listed["counts"] == {"overdue_notice": 1} and listed["items"][0]["loan_id"] == loan
    run = runner.invoke(app, ["collections", "worklist", "--database", url])
    assert run.exit_code == 0 and "overdue_notice 1" in run.output

    base = ["collections", "log", str(loan), "--channel", "call", "--outcome", "connected", "--database", url]
    run = runner.invoke(app, [*base, "--to", "13800138000", "--at", "2026-02-14T10:00:00+08:00"])
    assert run.exit_code == 0, run.output
    run = runner.invoke(app, [*base, "--to", "13911112222", "--at", "2026-02-14T10:05:00+08:00"])
    assert run.exit_code == 2 and "third party" in run.output
    run = runner.invoke(app, [*base, "--to", "13800138000", "--at", "2026-02-14T23:00:00+08:00"])
    assert run.exit_code == 2 and "22:00-08:00" in run.output
    run = runner.invoke(app, [*base, "--to", "13800138000", "--at", "2026-02-14 10:00"])
    assert run.exit_code == 2 and "with its offset" in run.output

    run = runner.invoke(app, ["collections", "promise", str(loan), "--amount", "130.00", "--by", "2026-02-20",
                              "--database", url])
    assert run.exit_code == 0, run.output
    run = runner.invoke(app, ["collections", "promises", str(loan), "--json", "--database", url])
    history = json.loads(run.output)
    assert [p["status"] for p in history["promises"]] == ["open"]
    assert sorted(a["refused_reason"] or "" for a in history["attempts"]) == ["", "22:00-08:00", "third party"]


def test_collections_check_refuses_a_threatening_template(tmp_path: Path):
    assert runner.invoke(app, ["collections", "check", str(DEFAULT_FILE)]).exit_code == 0
    bad = tmp_path / "collections.toml"
    bad.write_text(DEFAULT_FILE.read_text(encoding="utf-8").replace(
        'legal_review = "', 'legal_review = "We will contact your family and your employer. ', 1), encoding="utf-8")
    run = runner.invoke(app, ["collections", "check", str(bad)])
    assert run.exit_code == 2 and "consequences for family" in run.output

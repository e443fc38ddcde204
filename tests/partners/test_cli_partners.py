"""R17 on the command line: bad input is one sentence; the incident demo's figures."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date

from bank_process import BIN
from loanbook.service.setup import init_database
from loanbook.store.database import open_database


def loanbook(*args, cwd):
    env = {k: v for k, v in os.environ.items() if k not in ("LOANBOOK_DATABASE_URL",)}
    env["NO_COLOR"] = "1"
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=120, env=env, cwd=cwd)


def test_r17_reconcile_refuses_a_bad_file_with_a_sentence(tmp_path):
    url = f"sqlite:///{tmp_path / 'lender.sqlite3'}"
    engine = open_database(url, create=True)
    init_database(engine, business_date=date(2026, 2, 11))
    engine.dispose()
    assert loanbook("partner", "add", "BANK", "--database", url, cwd=tmp_path).returncode == 0
    bad = tmp_path / "bank.csv"
    bad.write_text("loan,amount\n1,2\n")
    run = loanbook("partner", "reconcile", "--date", "2026-02-10", "--file", str(bad), "--database", url, cwd=tmp_path)
    assert run.returncode == 2 and "loan_id,principal_fen,income_fen" in run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    bad.write_text("loan_id,principal_fen,income_fen\n1,2.5,0\n")
    run = loanbook("partner", "reconcile", "--date", "2026-02-10", "--file", str(bad), "--database", url, cwd=tmp_path)
    assert run.returncode == 2 and "line 2" in run.stdout + run.stderr
    run = loanbook("partner", "add", "bank!", "--database", url, cwd=tmp_path)
    assert run.returncode == 2 and "partner code" in run.stdout + run.stderr
    good = tmp_path / "good.csv"
    good.write_text("loan_id,principal_fen,income_fen\n")
    run = loanbook("partner", "reconcile", "--date", "2026-02-10", "--file", str(good), "--database", url, "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads(run.stdout)["breaks_found"] == 0


def test_r17_the_incident_demo_shows_no_negative_record_about_those_who_paid(tmp_path):
    run = loanbook("demo", "--incident-2019", "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(run.stdout)
    assert result["paid_on_time"] == result["borrowers"] > 0
    assert result["negative_records_about_them"] == 0
    assert result["bank_alone_negative_records_about_them"] == result["relay_failed_for"] > 0
    assert result["breaks_found"] == result["breaks_resolved"] == result["relay_failed_for"]
    assert result["ledger_check"] == "passed"

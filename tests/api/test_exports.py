"""Exports (issue 11 item 4): loans, transactions and journal lines as CSV and Parquet,
read back whole, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from datetime import date

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from loanbook.cli.main import app
from loanbook.errors import BadInput
from loanbook.service import exports


def _book(api) -> tuple[list[int], int]:
    ids = []
    for n in range(3):
        borrower_id = api.borrower()
        ids.append(api.loan(borrower_id, principal=f"{1000 * (n + 1)}.00", terms=3)["id"])
        assert api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "25.50"}, role="operator").status_code == 201
    api.close_until(date(2026, 1, 20))
    return ids, api.user_id("operator")


def test_csv_and_parquet_hold_every_row_exactly(api, tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "BATCH_ROWS", 2)  # several batches even on a small book
    loan_ids, operator = _book(api)
    for fmt in exports.FORMATS:
        loans = exports.export(api.engine, "loans", fmt, tmp_path / f"loans.{fmt}")
        transactions = exports.export(api.engine, "transactions", fmt, tmp_path / f"tx.{fmt}")
        journal = exports.export(api.engine, "journal", fmt, tmp_path / f"journal.{fmt}")
        assert (loans.rows, transactions.rows) == (3, 3) and journal.rows > 6
        if fmt == "csv":
            read = {name: list(csv.DictReader((tmp_path / f"{name}.csv").open())) for name in ("loans", "tx", "journal")}
        else:
            read = {name: pq.read_table(tmp_path / f"{name}.parquet").to_pylist() for name in ("loans", "tx", "journal")}
        assert [int(row["loan_id"]) for row in read["loans"]] == loan_ids
        assert [int(row["principal_fen"]) for row in read["loans"]] == [100000, 200000, 300000]
        assert {str(row["status"]) for row in read["loans"]} == {"ACTIVE"}
        assert [int(row["amount_fen"]) for row in read["tx"]] == [2550] * 3
        assert {int(row["booked_by_user_id"]) for row in read["tx"]} == {operator}
        assert str(read["tx"][0]["value_date"]) == "2026-01-15"
        debits = sum(int(row["debit_fen"]) for row in read["journal"])
        assert debits == sum(int(row["credit_fen"]) for row in read["journal"]) and debits > 0
        assert len(read["journal"]) == journal.rows
    assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]


def test_an_existing_file_is_kept_unless_forced(api, tmp_path):
    _book(api)
    target = tmp_path / "loans.csv"
    target.write_text("keep me")
    with pytest.raises(BadInput, match="exists already"):
        exports.export(api.engine, "loans", "csv", target)
    assert target.read_text() == "keep me"
    assert exports.export(api.engine, "loans", "csv", target, force=True).rows == 3
    with pytest.raises(BadInput, match="csv, parquet"):
        exports.export(api.engine, "loans", "xlsx", tmp_path / "x.xlsx")


def test_the_export_command(api, tmp_path):
    if api.engine.dialect.name != "sqlite":
        pytest.skip("the command calls the same service; SQLite is enough")
    _book(api)
    out_file = tmp_path / "journal.parquet"
    run = CliRunner().invoke(app, ["export", "journal", "--as", "parquet", "--out", str(out_file),
                                   "--database", str(api.engine.url)])
    assert run.exit_code == 0, run.output
    assert "journal rows written" in run.output and pq.read_table(out_file).num_rows > 0
    again = CliRunner().invoke(app, ["export", "journal", "--as", "parquet", "--out", str(out_file),
                                     "--database", str(api.engine.url)])
    assert again.exit_code == 2 and "--force" in again.output

"""Benchmark: the daily reconciliation of a partner bank's file (R17).

Builds, set-based, in a fresh SQLite database: N co-funded loans (with their partner),
one partner_split journal entry per loan (principal and income received), and the bank's
daily file for the same day, 0.1% of its lines differing (amount mismatches). Then times ``reconcile`` itself: reading the ledger side, comparing
per loan, storing the file and the breaks, placing the holds.

    .venv/bin/python bench/reconcile.py [--loans 1000000] [--json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import text

from loanbook.service.partner_reconcile import reconcile
from loanbook.service.partners_admin import add_partner
from loanbook.service.setup import init_database
from loanbook.store.database import open_database

DAY = date(2026, 2, 10)


def build(engine, loans: int) -> list[tuple[int, int, int]]:  # noqa: ANN001
    """The platform side, set-based: one template borrower, N loans, their split entries."""
    add_partner(engine, code="BANK")
    with engine.begin() as connection:
        connection.execute(text("PRAGMA foreign_keys=OFF")) if engine.dialect.name == "sqlite" else None
        connection.execute(text(
            "INSERT INTO borrowers (id, name, phone, phone_key, credit_limit_fen, created_on) VALUES (1, 'bench', '1', '1', 0, '2026-01-10')"))
        numbers = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :loans) ")
        connection.execute(text(numbers + "INSERT INTO loans (id, borrower_id, product_code, principal_fen, terms, disbursed_on, "
                                "partner_share) SELECT i, 1, 'FLEX6', 100000, 1, '2026-01-10', '0.70' FROM n"), {"loans": loans})
        connection.execute(text(numbers + "INSERT INTO loan_partners (loan_id, partner_code, share, principal_share_fen) "
                                "SELECT i, 'BANK', '0.70', 70000 FROM n"), {"loans": loans})
        connection.execute(text("INSERT INTO journal_entries (id, booked_on, kind, memo) VALUES "
                                "(1, '2026-02-10', 'partner_split', 'bench')"))
        for account, debit, credit in (("partner_principal", "70000", "0"), ("partner_cash_due", "0", "70000 + 1050"),
                                       ("partner_income", "1050", "0")):
            connection.execute(text(numbers + "INSERT INTO journal_lines (entry_id, account, loan_id, debit_fen, credit_fen) "
                                    f"SELECT 1, '{account}', i, {debit}, {credit} FROM n"), {"loans": loans})
        connection.execute(text(numbers + "INSERT INTO journal_lines (entry_id, account, loan_id, debit_fen, credit_fen) "
                                "SELECT 1, 'cash', i, 70000 + 1050, 70000 FROM n"), {"loans": loans})
    lines = []
    for loan_id in range(1, loans + 1):
        wrong = loan_id % 1000 == 0
        lines.append((loan_id, 0 if wrong and loan_id % 2000 else 70000, 1049 if wrong else 1050))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="loanbook-bench-reconcile-") as folder:
        engine = open_database(f"sqlite:///{Path(folder) / 'bench.sqlite3'}", create=True)
        init_database(engine, business_date=date(2026, 2, 11))
        started = time.perf_counter()
        lines = build(engine, args.loans)
        built = time.perf_counter() - started
        started = time.perf_counter()
        result = reconcile(engine, partner_code="BANK", file_date=DAY, lines=lines)
        seconds = time.perf_counter() - started
        engine.dispose()
    figures = {"loans": args.loans, "build_seconds": round(built, 1), "reconcile_seconds": round(seconds, 2),
               "loans_per_second": int(args.loans / seconds), "breaks_found": result.breaks_found,
               "causes": result.causes, "database": "sqlite", "measured_at": datetime.now().isoformat(timespec="seconds")}
    print(json.dumps(figures) if args.json else "\n".join(f"{k}: {v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()

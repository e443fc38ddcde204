"""Fault tests against the real ``loanbook partner-bank serve`` process (R17): the bank
down for three business days, random 500s, timeouts, duplicate and out-of-order acks, the
relay killed with kill -9 mid-batch, the platform restarted. In every case each message is
applied exactly once at the bank, nothing is lost, both books agree after
reconciliation, and no borrower who paid on time has a negative bureau record."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from bank_process import BIN, bank_file, bank_messages, bank_process
from partner_helpers import cofunded_loan
from words import D
from loanbook.service import partner_reconcile, partner_relay, servicing
from loanbook.service.close_of_business import close_until
from loanbook.service.ledger_check import check_ledger
from loanbook.service.partners_admin import add_partner, list_breaks
from loanbook.service.setup import init_database
from loanbook.store.database import open_database
from loanbook.store.partners import Partners
from loanbook.store.tables import BureauRecordRow
from loanbook.store.unit_of_work import UnitOfWork

DUE = D("2026-02-15")


def portfolio(engine, borrowers=6) -> list[tuple[int, int]]:
    """Co-funded one-term loans disbursed on 2026-01-15, due on 2026-02-15."""
    add_partner(engine, code="BANK", delay_days=1)
    return [cofunded_loan(engine, share=("0.70", "0.50", "0.35")[n % 3], principal=f"{1000 + 37 * n}.00", name=f"借款人{n}")
            for n in range(borrowers)]


def repay_on_time(engine, loans) -> None:
    for borrower_id, loan_id in loans:
        with UnitOfWork(engine) as uow:
            due = servicing.loan_state(uow, loan_id)[1].amount_due
        with UnitOfWork(engine) as uow:
            servicing.repay(uow, borrower_id=borrower_id, amount=due)


def outbox(engine) -> tuple[list[str], int]:
    with UnitOfWork(engine) as uow:
        rows = Partners(uow.session).messages("BANK")
        return [m.message_id for m in rows], sum(1 for m in rows if m.state == "undelivered")


def assert_exactly_once_and_books_agree(engine, database: Path, url: str, loans, file_date: date) -> None:
    ids, undelivered = outbox(engine)
    assert undelivered == 0, "nothing may be left undelivered"
    assert sorted(bank_messages(database)) == sorted((m, 1) for m in ids), "each message applied exactly once"
    result = partner_reconcile.reconcile(engine, partner_code="BANK", file_date=file_date,
                                         lines=partner_reconcile.parse_file(bank_file(url, file_date)))
    assert result.causes == {} and result.loans_in_file == len(loans)
    assert list_breaks(engine, state="open") == []
    loan_ids = [loan_id for _, loan_id in loans]
    with UnitOfWork(engine) as uow:
        negative = uow.session.scalar(select(func.count()).select_from(BureauRecordRow)
                                      .where(BureauRecordRow.loan_id.in_(loan_ids), BureauRecordRow.negative.is_(True)))
        assert negative == 0, "no borrower who paid on time has a negative record"
        assert not any(partner_reconcile.loan_is_held(uow, loan_id) for loan_id in loan_ids)
    assert check_ledger(engine).ok


def test_r17_bank_down_for_three_business_days(engine, tmp_path):
    loans = portfolio(engine)
    database = tmp_path / "bank.sqlite3"
    with bank_process(database) as (url, _):
        assert partner_relay.relay(engine, "BANK", url, budget_seconds=10).undelivered == 0
    close_until(engine, DUE)
    repay_on_time(engine, loans)
    with bank_process(database, "--down-until", "+3600") as (url, _):
        for day in ("2026-02-16", "2026-02-17", "2026-02-18"):  # three business days of 503
            report = partner_relay.relay(engine, "BANK", url, budget_seconds=0.5, timeout_seconds=1)
            assert report.undelivered == len(loans) and report.failures >= 1
            close_until(engine, D(day))
        with UnitOfWork(engine) as uow:  # undelivered beyond the delay: held from negative reporting
            assert all(partner_reconcile.loan_is_held(uow, loan_id) for _, loan_id in loans)
    close_until(engine, D("2026-02-19"))
    with bank_process(database) as (url, _):
        assert partner_relay.relay(engine, "BANK", url, budget_seconds=20).undelivered == 0
        close_until(engine, D("2026-02-20"))  # close of business releases the holds
        assert_exactly_once_and_books_agree(engine, database, url, loans, DUE)


def test_r17_random_500s_and_duplicate_out_of_order_acks(engine, tmp_path):
    loans = portfolio(engine, borrowers=8)
    close_until(engine, DUE)
    repay_on_time(engine, loans)
    close_until(engine, D("2026-02-16"))
    database = tmp_path / "bank.sqlite3"
    with bank_process(database, "--fail-rate", "0.5", "--duplicate-acks", "--seed", "7") as (url, _):
        report = partner_relay.relay(engine, "BANK", url, budget_seconds=60, max_backoff_seconds=0.2)
        assert report.undelivered == 0
        while partner_relay.relay_round(engine, "BANK", url, batch=3):
            pass
    with bank_process(database) as (url, _):
        assert_exactly_once_and_books_agree(engine, database, url, loans, DUE)


def test_r17_timeouts_lose_acks_not_messages(engine, tmp_path):
    loans = portfolio(engine, borrowers=4)
    close_until(engine, DUE)
    repay_on_time(engine, loans)
    close_until(engine, D("2026-02-16"))
    database = tmp_path / "bank.sqlite3"
    with bank_process(database, "--delay", "2") as (url, _):  # applied, then the answer comes too late
        report = partner_relay.relay(engine, "BANK", url, budget_seconds=1.5, timeout_seconds=0.3, max_attempts=2)
        assert report.undelivered == len(outbox(engine)[0]) and report.failures >= 1
        time.sleep(2.5)
    assert len(bank_messages(database)) == len(outbox(engine)[0])  # the bank has them; the platform does not know
    with bank_process(database) as (url, _):
        assert partner_relay.relay(engine, "BANK", url, budget_seconds=10).undelivered == 0
        assert_exactly_once_and_books_agree(engine, database, url, loans, DUE)


def test_r17_relay_killed_with_kill_9_mid_batch_and_the_platform_restarted(tmp_path):
    platform = f"sqlite:///{tmp_path / 'platform.sqlite3'}"
    engine = open_database(platform, create=True)
    init_database(engine, business_date=date(2026, 1, 15))
    loans = portfolio(engine, borrowers=10)
    close_until(engine, DUE)
    repay_on_time(engine, loans)
    close_until(engine, D("2026-02-16"))
    engine.dispose()
    database = tmp_path / "bank.sqlite3"
    env = {**os.environ, "NO_COLOR": "1"}
    with bank_process(database, "--delay", "3") as (url, _):
        relay = subprocess.Popen([str(BIN), "partner", "relay", "--url", url, "--database", platform],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + 20
        while not bank_messages(database) and time.monotonic() < deadline:  # the batch is being applied
            time.sleep(0.05)
        relay.send_signal(signal.SIGKILL)
        relay.wait(timeout=10)
    assert bank_messages(database), "the bank had started on the batch"
    engine = open_database(platform)  # the platform restarted: a new engine, the same database
    assert outbox(engine)[1] == len(outbox(engine)[0]), "no ack was recorded: everything is still to deliver"
    with bank_process(database) as (url, _):
        done = subprocess.run([str(BIN), "partner", "relay", "--url", url, "--database", platform, "--json"],
                              capture_output=True, text=True, timeout=60, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert_exactly_once_and_books_agree(engine, database, url, loans, DUE)
    engine.dispose()

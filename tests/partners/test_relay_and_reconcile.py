"""The outbox, the relay and reconciliation against the real partner bank process (R17)."""

from __future__ import annotations

from datetime import timedelta

from bank_process import bank_file, bank_messages, bank_process
from partner_helpers import cofunded_loan, repay
from words import D
from loanbook.service import partner_reconcile, partner_relay
from loanbook.service.close_of_business import close_until
from loanbook.service.ledger_check import check_ledger
from loanbook.service.partners_admin import add_partner, list_breaks
from loanbook.store.partners import Partners
from loanbook.store.unit_of_work import UnitOfWork


def outbox_ids(engine) -> list[str]:
    with UnitOfWork(engine) as uow:
        return [m.message_id for m in Partners(uow.session).messages("BANK")]


def reconcile_day(engine, url, day):
    lines = partner_reconcile.parse_file(bank_file(url, day))
    return partner_reconcile.reconcile(engine, partner_code="BANK", file_date=day, lines=lines)


def test_r17_delivered_once_and_both_books_agree(engine, tmp_path):
    add_partner(engine, code="BANK")
    loans = [cofunded_loan(engine, share=share, principal="3000.00", name=f"借款人{n}")
             for n, share in enumerate(("0.70", "0.50", "0.33"))]
    close_until(engine, D("2026-02-15"))
    for borrower_id, _ in loans:
        repay(engine, borrower_id, "1000.00")
    database = tmp_path / "bank.sqlite3"
    with bank_process(database) as (url, _):
        report = partner_relay.relay(engine, "BANK", url, budget_seconds=20)
        assert (report.undelivered, report.failures) == (0, 0)
        close_until(engine, D("2026-02-16"))
        result = reconcile_day(engine, url, D("2026-02-15"))
    assert sorted(bank_messages(database)) == sorted((m, 1) for m in outbox_ids(engine))
    assert (result.breaks_found, result.loans_in_file, result.loans_on_platform) == (0, 3, 3)
    assert check_ledger(engine).ok


def test_r17_an_undelivered_repayment_is_a_break_held_from_reporting_then_matched(engine, tmp_path):
    add_partner(engine, code="BANK", delay_days=1)
    borrower_id, loan_id = cofunded_loan(engine, share="0.70", principal="3000.00")
    database = tmp_path / "bank.sqlite3"
    with bank_process(database) as (url, _):
        partner_relay.relay(engine, "BANK", url, budget_seconds=10)  # the disbursement reaches the bank
    close_until(engine, D("2026-02-15"))
    repay(engine, borrower_id, "500.00")  # the relay is down: the bank never hears of it today
    close_until(engine, D("2026-02-16"))
    with bank_process(database, "--down-until", "+3600") as (url, _):
        report = partner_relay.relay(engine, "BANK", url, budget_seconds=1, timeout_seconds=1)
        assert report.undelivered == 1 and report.failures >= 1
    with bank_process(database) as (url, _):
        result = reconcile_day(engine, url, D("2026-02-15"))
        assert result.causes == {"undelivered_message": 1}
        [open_break] = list_breaks(engine, state="open")
        assert (open_break["loan_id"], open_break["cause"], open_break["owner"]) == (loan_id, "undelivered_message", "platform_ops")
        with UnitOfWork(engine) as uow:
            assert partner_reconcile.loan_is_held(uow, loan_id)
        assert partner_relay.relay(engine, "BANK", url, budget_seconds=10).undelivered == 0
        again = reconcile_day(engine, url, D("2026-02-15"))
    assert (again.breaks_found, again.breaks_matched) == (0, 1)
    [matched] = list_breaks(engine, state="resolved")
    assert (matched["resolution"], matched["state"]) == ("matched", "resolved")
    with UnitOfWork(engine) as uow:
        assert not partner_reconcile.loan_is_held(uow, loan_id)
    assert check_ledger(engine).ok

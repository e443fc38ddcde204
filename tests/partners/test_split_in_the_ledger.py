"""R17 through the store: the split posted with the money, proven by the ledger check."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import select

from partner_helpers import cofunded_loan, repay
from words import D
from loanbook.ledger.split import partner_part_fen
from loanbook.service import servicing
from loanbook.service.close_of_business import close_until
from loanbook.service.ledger_check import check_ledger
from loanbook.store.partners import Partners
from loanbook.store.tables import JournalLineRow
from loanbook.store.unit_of_work import UnitOfWork


def amount_due(engine, loan_id) -> Decimal:
    with UnitOfWork(engine) as uow:
        return servicing.loan_state(uow, loan_id)[1].amount_due


def partner_balances(engine, loan_id):
    with UnitOfWork(engine) as uow:
        rows = uow.session.execute(select(JournalLineRow.account, JournalLineRow.debit_fen, JournalLineRow.credit_fen)
                                   .where(JournalLineRow.loan_id == loan_id, JournalLineRow.account.like("partner%")))
        balances: dict[str, int] = {}
        for account, debit, credit in rows:
            balances[account] = balances.get(account, 0) + debit - credit
        return balances


def test_r17_a_cofunded_loan_is_split_on_every_receipt_and_the_check_proves_it(engine):
    borrower_id, loan_id = cofunded_loan(engine, share="0.70", principal="10000.00", terms=1)
    assert partner_balances(engine, loan_id) == {"partner_principal": -700_000}
    close_until(engine, D("2026-02-15"))
    due = amount_due(engine, loan_id)
    assert due > Decimal("10000.00")
    repay(engine, borrower_id, str(due))
    interest_fen = int((due - Decimal("10000.00")) * 100)
    balances = partner_balances(engine, loan_id)
    assert balances["partner_principal"] == 0  # its whole share came back
    assert balances["partner_income"] == partner_part_fen(Decimal("0.70"), interest_fen)
    assert balances["partner_cash_due"] == -(700_000 + balances["partner_income"])
    report = check_ledger(engine)
    assert report.ok, report.problems
    assert report.cofunded_loans_checked == 1
    with UnitOfWork(engine) as uow:
        messages = [(m.seq, m.kind, m.message_id, m.payload) for m in Partners(uow.session).messages("BANK", loan_id=loan_id)]
    assert [m[:3] for m in messages] == [
        (1, "disbursement", f"BANK-{loan_id}-1"), (2, "repayment", f"BANK-{loan_id}-2")]
    payload = json.loads(messages[1][3])
    assert (payload["principal_fen"], payload["interest_fen"] + payload["penalty_fen"], payload["value_date"]) == (700_000, balances["partner_income"], "2026-02-15")


def test_r17_a_loan_without_a_partner_writes_no_split_and_no_message(engine):
    borrower_id, loan_id = cofunded_loan(engine, share="0.00")
    repay(engine, borrower_id, "100.00")
    assert partner_balances(engine, loan_id) == {}
    with UnitOfWork(engine) as uow:
        assert Partners(uow.session).messages("BANK") == []
    assert check_ledger(engine).cofunded_loans_checked == 0


def test_r17_the_check_finds_a_split_that_was_tampered_with(engine):
    borrower_id, loan_id = cofunded_loan(engine, share="0.50", principal="1000.00")
    close_until(engine, D("2026-02-15"))
    repay(engine, borrower_id, str(amount_due(engine, loan_id)))
    with UnitOfWork(engine) as uow:
        line = uow.session.scalars(select(JournalLineRow).where(JournalLineRow.account == "partner_income")).first()
        line.debit_fen += 1
        other = uow.session.scalars(select(JournalLineRow).where(JournalLineRow.account == "partner_cash_due",
                                                                   JournalLineRow.entry_id == line.entry_id)).first()
        other.credit_fen += 1
        uow.commit()
    report = check_ledger(engine)
    assert not report.ok
    assert any(f"loan {loan_id}" in p and "partner income split" in p for p in report.problems)

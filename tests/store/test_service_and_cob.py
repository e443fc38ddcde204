"""The services, close of business and the ledger on a real database (R5-R8, R14)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from words import A, D
from loanbook.errors import BadInput, Conflict, NotFound, RuleRefusal
from loanbook.service import servicing
from loanbook.service.close_of_business import close_day, close_until
from loanbook.service.ledger_check import check_ledger
from loanbook.store.tables import JournalEntryRow, JournalLineRow, LoanRow, TransactionRow
from loanbook.store.unit_of_work import UnitOfWork


def borrower(engine, limit="50000.00") -> int:
    with UnitOfWork(engine) as uow:
        return servicing.create_borrower(uow, name="李雷", phone="13800000000", credit_limit=A(limit)).borrower.id


def loan(engine, borrower_id, product="FLEX6", principal="10000.00", terms=6) -> int:
    with UnitOfWork(engine) as uow:
        return servicing.disburse_loan(uow, borrower_id=borrower_id, product_code=product, principal=A(principal), terms=terms).loan_id


def state(engine, loan_id):
    with UnitOfWork(engine) as uow:
        return servicing.loan_state(uow, loan_id)[1]


def events(engine, loan_id):
    with UnitOfWork(engine) as uow:
        return [(e.on_date.isoformat(), e.kind) for e in uow.events.of_loan(loan_id)]


def assert_ledger_agrees(engine):
    report = check_ledger(engine)
    assert report.ok, report.problems
    assert report.debits_fen == report.credits_fen
    return report


def test_r4_r10_disbursement_posts_principal_and_discloses_rates(engine):
    b = borrower(engine)
    with UnitOfWork(engine) as uow:
        done = servicing.disburse_loan(uow, borrower_id=b, product_code="FLEX6", principal=A("10000.00"), terms=6)
    assert sum((i.interest for i in done.loan.schedule), Decimal(0)) == A("880.00")
    assert (done.rates.simple, done.rates.irr) == (A("0.1825"), A("0.1986"))
    report = assert_ledger_agrees(engine)
    assert report.balances["principal_receivable"] == 1_000_000 and report.balances["cash"] == -1_000_000


def test_r5_r7_w2_through_close_of_business(engine):
    b = borrower(engine)
    a = loan(engine, b)
    close_until(engine, D("2026-02-13"))
    assert (state(engine, a).status.value, state(engine, a).penalty_due) == ("GRACE", A("0.00"))
    close_until(engine, D("2026-02-14"))
    overdue = state(engine, a)
    assert (overdue.status.value, overdue.dpd, overdue.penalty_due) == ("OVERDUE", 4, A("0.39"))
    assert_ledger_agrees(engine)
    with UnitOfWork(engine) as uow:
        paid = servicing.repay(uow, borrower_id=b, amount=A("130.00"))
    line = paid.allocations[0].lines[0]
    assert (line.penalty, line.interest) == (A("0.39"), A("129.61"))
    close_until(engine, D("2026-03-10"))
    march = state(engine, a)
    assert (march.dpd, march.penalty_due, march.interest_due) == (28, A("0.01"), A("140.39"))
    assert events(engine, a) == [
        ("2026-01-15", "disbursed"), ("2026-02-11", "entered_grace"), ("2026-02-14", "went_overdue"),
    ]
    assert_ledger_agrees(engine)


def test_r6_late_booked_repayment_reverses_the_penalty_and_cures_the_loan(engine):
    """The 2019 incident: paid on the 10th, learnt of on the 16th."""
    b = borrower(engine)
    a = loan(engine, b)
    close_until(engine, D("2026-02-16"))
    assert state(engine, a).penalty_due == A("0.49") + A("0.10")  # six days on 130.00 by the 16th
    with UnitOfWork(engine) as uow:
        servicing.repay(uow, borrower_id=b, amount=A("130.00"), value_date=D("2026-02-10"))
    cured = state(engine, a)
    assert (cured.status.value, cured.dpd, cured.penalty_due, cured.penalty_paid) == ("ACTIVE", 0, A("0.00"), A("0.00"))
    report = assert_ledger_agrees(engine)
    assert report.balances.get("penalty_income", 0) == 0  # recognised, then reversed
    assert events(engine, a)[-1] == ("2026-02-16", "cured")


def test_r6_credit_balance_is_applied_by_close_of_business(engine):
    b = borrower(engine)
    a = loan(engine, b)
    close_until(engine, D("2026-02-05"))
    with UnitOfWork(engine) as uow:
        assert servicing.repay(uow, borrower_id=b, amount=A("500.00")).credit_balance == A("500.00")
    close_until(engine, D("2026-04-10"))
    with UnitOfWork(engine) as uow:
        summary = servicing.borrower_summary(uow, b)
    assert summary.credit_balance == A("75.00")
    assert state(engine, a).interest_paid == A("425.00")
    assert_ledger_agrees(engine)


def test_r8_payoff_at_the_confirmed_quote_and_409_otherwise(engine):
    b = borrower(engine)
    a = loan(engine, b, product="TERM6")
    close_until(engine, D("2026-02-10"))
    with UnitOfWork(engine) as uow:
        servicing.repay(uow, borrower_id=b, amount=A("130.00"))
    close_until(engine, D("2026-03-01"))
    with UnitOfWork(engine) as uow:
        _, quote = servicing.payoff_quote(uow, a)
    assert quote.total == A("10395.00")
    with UnitOfWork(engine) as uow, pytest.raises(Conflict, match="not the payoff amount 10395.00"):
        servicing.pay_off(uow, borrower_id=b, loan_ids=[a], total=A("10095.00"))
    with UnitOfWork(engine) as uow:
        servicing.pay_off(uow, borrower_id=b, loan_ids=[a], total=A("10395.00"))
    close_until(engine, D("2026-03-02"))
    settled = state(engine, a)
    assert (settled.status.value, settled.fee_paid, settled.total_paid) == ("SETTLED", A("300.00"), A("10525.00"))
    report = assert_ledger_agrees(engine)
    assert report.balances["fee_income"] == 30000 and report.balances["principal_receivable"] == 0


def test_r9_drawdown_above_the_line_changes_nothing(engine):
    b = borrower(engine, limit="12000.00")
    loan(engine, b)
    with UnitOfWork(engine) as uow, pytest.raises(RuleRefusal, match="above the available credit 2000.00"):
        servicing.disburse_loan(uow, borrower_id=b, product_code="FLEX6", principal=A("3000.00"), terms=3)
    with UnitOfWork(engine) as uow:
        assert uow.session.scalar(select(func.count()).select_from(LoanRow)) == 1
    assert_ledger_agrees(engine)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda uow, b: servicing.repay(uow, borrower_id=b, amount=A("0.00")), BadInput, "more than zero"),
        (lambda uow, b: servicing.repay(uow, borrower_id=b, amount=A("1.001")), BadInput, "more than 2 decimal places"),
        (lambda uow, b: servicing.repay(uow, borrower_id=b, amount=A("10.00"), value_date=D("2026-01-20")), BadInput, "after the business date"),
        (lambda uow, b: servicing.repay(uow, borrower_id=b, amount=A("10.00"), value_date=D("2026-01-01")), BadInput, "before the borrower's first loan"),
        (lambda uow, b: servicing.repay(uow, borrower_id=b + 99, amount=A("10.00")), NotFound, "no borrower"),
        (lambda uow, b: servicing.pay_off(uow, borrower_id=b, loan_ids=[12345], total=A("1.00")), NotFound, "no loan 12345"),
        (lambda uow, b: servicing.disburse_loan(uow, borrower_id=b, product_code="NOPE", principal=A("100.00"), terms=1), BadInput, "unknown product"),
    ],
)
def test_r6_bad_input_leaves_no_row_behind(engine, call, error, message):
    b = borrower(engine)
    loan(engine, b)
    with UnitOfWork(engine) as uow:
        before = (uow.session.scalar(select(func.count()).select_from(TransactionRow)),
                  uow.session.scalar(select(func.count()).select_from(JournalLineRow)))
    with UnitOfWork(engine) as uow, pytest.raises(error, match=message):
        call(uow, b)
    with UnitOfWork(engine) as uow:
        after = (uow.session.scalar(select(func.count()).select_from(TransactionRow)),
                 uow.session.scalar(select(func.count()).select_from(JournalLineRow)))
    assert after == before
    assert_ledger_agrees(engine)


def test_cob_closes_each_day_once_and_posts_accruals_per_product(engine):
    b = borrower(engine)
    loan(engine, b, product="FLEX6")
    loan(engine, b, product="TERM6", principal="2000.00", terms=3)
    closed = close_day(engine)
    assert (closed.closed, closed.business_date) == (D("2026-01-15"), D("2026-01-16"))
    close_until(engine, D("2026-02-11"))
    with UnitOfWork(engine) as uow:
        kinds = uow.session.execute(
            select(JournalEntryRow.product_code).where(JournalEntryRow.kind == "accrual", JournalEntryRow.booked_on == D("2026-02-10"))
        ).scalars().all()
    assert sorted(kinds) == ["FLEX6", "TERM6"]  # one entry per product and night
    with pytest.raises(BadInput, match="cannot go back"):
        close_until(engine, D("2026-02-01"))
    assert_ledger_agrees(engine)

"""Reads from the stored position, and how many replays each use case costs (issue 10).

Every posting stores each loan's position as of the business date beside its marks;
``GET /v1/loans/{id}`` and today's quote read it instead of replaying the book, and the
ledger check proves it equal to a fresh replay. The replay counts are counted, not timed:
one per use case that changes a book (a payoff received now pays the stored quotes)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import update

import loanbook.rules.replay as replay_module
from words import A, D
from loanbook.rules.bill import bill
from loanbook.rules.replay import position
from loanbook.service import servicing
from loanbook.service.close_of_business import close_until
from loanbook.service.ledger_check import check_ledger
from loanbook.store.tables import LoanMarkRow
from loanbook.store.unit_of_work import UnitOfWork
from portfolio import seed_portfolio
from test_service_and_cob import borrower, loan


@contextmanager
def replays_counted():
    """How many times the rules core replays a book while the block runs."""
    counted = [0]
    original = replay_module.position
    modules = [module for module in (replay_module, *_loanbook_modules()) if getattr(module, "position", None) is original]

    def counting(*args, **kwargs):
        counted[0] += 1
        return original(*args, **kwargs)

    for module in modules:
        module.position = counting
    try:
        yield counted
    finally:
        for module in modules:
            module.position = original


def _loanbook_modules():
    import sys

    return [m for name, m in list(sys.modules.items()) if name.startswith("loanbook.")]


def fresh(engine, loan_id):
    with UnitOfWork(engine) as uow:
        row = uow.borrowers.loan(loan_id)
        today = uow.business_dates.get()
        return position(uow.borrowers.book(row.borrower_id), today, include_day=True).loan(str(loan_id))


def read(engine, loan_id):
    with UnitOfWork(engine) as uow:
        return servicing.loan_state(uow, loan_id)[1]


def test_reads_use_the_stored_position_which_equals_a_fresh_replay(engine):
    b = borrower(engine)
    first, second = loan(engine, b), loan(engine, b, principal="3000.00", terms=3)
    close_until(engine, D("2026-02-14"))  # the first instalments fell due, grace ended: overdue
    with UnitOfWork(engine) as uow:
        servicing.repay(uow, borrower_id=b, amount=A("100.00"), channel="test")
    with UnitOfWork(engine) as uow:  # learnt of late: value-dated on the due date (R6)
        servicing.repay(uow, borrower_id=b, amount=A("50.00"), value_date=D("2026-02-10"), channel="test")
    for loan_id in (first, second):
        with replays_counted() as replays:
            stored = read(engine, loan_id)
        assert replays[0] == 0
        assert stored == fresh(engine, loan_id)
        with UnitOfWork(engine) as uow, replays_counted() as replays:
            _, quote = servicing.payoff_quote(uow, loan_id)
        assert replays[0] == 0 and quote == stored.payoff
    assert check_ledger(engine).ok


def test_a_position_of_an_earlier_day_is_moved_forward_without_a_replay(engine):
    """Issue 10: after nights in bulk the stored position is older than the business
    date; a read moves it forward (rules/moved.py) instead of replaying the book."""
    b = borrower(engine)
    loan_id = loan(engine, b)
    close_until(engine, D("2026-01-20"))  # quiet nights: nothing replayed, the stored position stays of 01-15
    with replays_counted() as replays:
        state = read(engine, loan_id)
    assert replays[0] == 0
    assert state == fresh(engine, loan_id)
    with UnitOfWork(engine) as uow:
        assert uow.marks.of_borrowers([b])[loan_id].position_on == D("2026-01-15")
    for day in ("2026-02-10", "2026-02-12", "2026-02-14", "2026-03-20"):  # due, grace, overdue (R5, R7)
        close_until(engine, D(day))
        with replays_counted() as replays:
            state = read(engine, loan_id)
        assert replays[0] == 0
        assert repr(state) == repr(fresh(engine, loan_id))  # every digit, the exact penalty too (R3)
        with UnitOfWork(engine) as uow, replays_counted() as replays:
            _, quote = servicing.payoff_quote(uow, loan_id)  # today's quote: the moved position's (R8)
        assert replays[0] == 0 and quote == state.payoff
    assert state.status.value == "OVERDUE" and state.penalty_due > 0


def test_a_credit_balance_shared_by_two_loans_is_read_as_applied_without_a_replay(engine):
    """R6: a credit balance meeting a due date goes to the borrower's loans in order; the
    night replays such a borrower (store/nights.py leaves borrowers with credit out of
    its bulk steps), so the reads of the days after move that night's position."""
    b = borrower(engine)
    first, second = loan(engine, b), loan(engine, b, principal="3000.00", terms=3)
    close_until(engine, D("2026-01-20"))
    with UnitOfWork(engine) as uow:
        servicing.repay(uow, borrower_id=b, amount=A("140.00"), channel="test")  # nothing due: credit
    for day in ("2026-02-11", "2026-02-16"):
        close_until(engine, D(day))
        for loan_id in (first, second):
            with replays_counted() as replays:
                state = read(engine, loan_id)
            assert replays[0] == 0
            assert repr(state) == repr(fresh(engine, loan_id))
    assert read(engine, first).interest_paid > 0  # the credit paid the first loan's interest (R6)


def test_replays_per_use_case(engine):
    b = borrower(engine)
    loan_ids = [loan(engine, b), loan(engine, b, principal="2000.00")]
    close_until(engine, D("2026-02-10"))
    with UnitOfWork(engine) as uow, replays_counted() as replays:
        servicing.repay(uow, borrower_id=b, amount=A("12.34"), channel="test")
    assert replays[0] == 1
    with UnitOfWork(engine) as uow:
        quotes = [servicing.payoff_quote(uow, loan_id)[1] for loan_id in loan_ids]
    with UnitOfWork(engine) as uow, replays_counted() as replays:
        paid = servicing.pay_off(uow, borrower_id=b, loan_ids=loan_ids, total=sum((q.total for q in quotes), A("0")))
    assert replays[0] == 1  # the quotes are the stored position's (received now, after the repayment): the posting
    assert [a.amount for a in paid.allocations] == [q.total for q in quotes]
    assert all(read(engine, loan_id).status.value == "SETTLED" for loan_id in loan_ids)
    assert check_ledger(engine).ok


@pytest.mark.parametrize("field", ["dpd", "shape"])
def test_the_ledger_check_catches_a_stored_position_that_differs(engine, field):
    b = borrower(engine)
    loan_id = loan(engine, b)
    with UnitOfWork(engine) as uow:
        text = uow.session.get(LoanMarkRow, loan_id).position_json
        if field == "dpd":  # the fifth field of a loan's position: days past due
            wrong = text.replace(',"ACTIVE",0,', ',"ACTIVE",7,', 1)
        else:  # stored by another version of the code: not used, and not a disagreement
            wrong = '["older shape"' + text[text.index(","):]
        assert wrong != text
        uow.session.execute(update(LoanMarkRow).where(LoanMarkRow.loan_id == loan_id).values(position_json=wrong))
        uow.commit()
    report = check_ledger(engine)
    if field == "dpd":
        assert not report.ok and "stored position" in report.problems[0]
        assert read(engine, loan_id).dpd == 7  # what a read would have said: hence the check
    else:
        assert report.ok
        assert read(engine, loan_id) == fresh(engine, loan_id)


def test_bills_read_from_the_stored_positions_equal_the_replayed_statement(engine):
    """Issue 10, R6: a statement of the business date or a later day is made from the
    stored positions moved to the start of that day where nothing of the borrower is
    value-dated since the oldest of them, and by replay otherwise (a position of that
    day, a credit balance, a plan change): digit for digit the replayed statement."""
    seed_portfolio(engine, borrowers=12, days=45)  # due dates, grace, overdue, credit balances
    moved_bills = replayed_bills = 0
    for _ in range(3):
        with UnitOfWork(engine) as uow:
            today = uow.business_dates.get()
            borrower_ids = uow.borrowers.ids_after(0, 100)
        for borrower_id in borrower_ids:
            for day in (today, today + timedelta(days=4), today + timedelta(days=40)):
                with UnitOfWork(engine) as uow, replays_counted() as replays:
                    read_bill = servicing.borrower_bill(uow, borrower_id, day)
                with UnitOfWork(engine) as uow:
                    replayed = bill(uow.borrowers.book(borrower_id), day)
                assert repr(read_bill) == repr(replayed), (borrower_id, day)
                moved_bills += replays[0] == 0
                replayed_bills += replays[0] == 1
        close_until(engine, today + timedelta(days=9))
    assert moved_bills > replayed_bills > 0  # both paths taken, most bills without a replay

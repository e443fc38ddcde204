"""``loanbook ledger check`` (R14, R17) as a service over a fake unit of work: no
database, the same repository reads the real one makes (tests/fakes.py)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from types import SimpleNamespace

from builders import new_book, paid, with_loan
from fakes import FakeUnitOfWork
from words import D

from loanbook.ledger.accounts import Account
from loanbook.ledger.entries import Line
from loanbook.ledger.split import LoanShare
from loanbook.rules.position import LoanStatus
from loanbook.service.ledger_check import check_books
from loanbook.store.repositories import CobProgress

DISBURSED = D("2026-01-10")


def disbursed(uow: FakeUnitOfWork, borrower_id: int = 1, loan_id: str = "1"):  # noqa: ANN201
    book = with_loan(new_book(), loan_id, "3000.00", 3, DISBURSED)
    uow.post_book(borrower_id, book, kind="disbursement", cash_fen=-300_000)
    return book


def test_r14_books_posted_by_revalue_check_clean():
    uow = FakeUnitOfWork(DISBURSED)
    book = disbursed(uow)
    uow.business_dates.today = D("2026-02-10")
    uow.post_book(1, paid(book, "1045.00", D("2026-02-10")), kind="repayment", cash_fen=104_500)
    report = check_books(uow)
    assert report.problems == []
    assert report.ok and report.loans_checked == 1 and report.borrowers_checked == 1
    assert report.debits_fen == report.credits_fen > 0
    assert report.balances[Account.CASH.value] == -300_000 + 104_500


def test_r14_a_mark_that_differs_from_the_replay_is_reported():
    uow = FakeUnitOfWork(DISBURSED)
    disbursed(uow)
    mark = uow.marks.loans[1]
    uow.marks.tamper(1, figures=replace(mark.figures, principal_paid_fen=100))
    report = check_books(uow)
    assert not report.ok and report.loans_disagreeing == [1]
    assert "cached figures differ" in report.problems[0]


def test_r14_a_cached_status_that_differs_is_reported():
    uow = FakeUnitOfWork(DISBURSED)
    disbursed(uow)
    uow.marks.tamper(1, status=LoanStatus.OVERDUE, dpd=3)
    report = check_books(uow)
    assert report.loans_disagreeing == [1]
    assert "cached status/dpd/due" in report.problems[0]


def test_r14_a_ledger_line_missing_for_a_loan_is_reported_with_its_account():
    uow = FakeUnitOfWork(DISBURSED)
    disbursed(uow)
    uow.journal.entries.clear()  # the marks say disbursed, the journal says nothing
    report = check_books(uow)
    assert not report.ok
    assert "principal_receivable core 300000 ledger 0" in report.problems[0]


def test_r14_an_unbalanced_journal_fails_the_trial_balance():
    uow = FakeUnitOfWork(DISBURSED)
    disbursed(uow)
    # a journal read back with a one-sided entry (JournalEntry itself cannot be made so)
    uow.journal.entries.append(SimpleNamespace(booked_on=DISBURSED, kind="manual", product_code=None,
                                               lines=(Line(Account.CASH, debit_fen=5),)))
    report = check_books(uow)
    assert report.problems[0] == f"trial balance: debits {report.debits_fen} fen != credits {report.credits_fen} fen"
    assert report.debits_fen == report.credits_fen + 5


def test_an_unfinished_close_stops_the_comparison_and_says_how_to_finish():
    uow = FakeUnitOfWork(DISBURSED)
    disbursed(uow)
    uow.marks.tamper(1, dpd=9)  # would disagree, but loans are not compared mid-close
    uow.cob_days.days[DISBURSED] = CobProgress(done=False, borrowers_closed=7)
    report = check_books(uow)
    assert report.unfinished_close == DISBURSED and report.loans_checked == 0
    assert report.problems == [
        "close of business of 2026-01-10 is unfinished (still running, or stopped after 7 borrower(s)): loans are "
        "not compared until it is finished; finish it with `loanbook cob run --until 2026-01-11`, then check again"
    ]
    uow.cob_days.days[DISBURSED] = CobProgress(done=True, borrowers_closed=7)
    assert check_books(uow).loans_disagreeing == [1]


def test_a_stored_position_of_today_that_differs_from_the_replay_is_reported():
    uow = FakeUnitOfWork(DISBURSED)
    disbursed(uow)
    day, stored = uow.marks.positions[1]
    uow.marks.positions[1] = (day, replace(stored, dpd=7))
    report = check_books(uow)
    assert "the stored position of today differs from the replay" in report.problems[0]
    uow.marks.positions[1] = (D("2026-01-09"), replace(stored, dpd=7))  # of another day: not used, not checked
    assert check_books(uow).ok


def test_a_credit_balance_the_marks_do_not_hold_is_reported():
    uow = FakeUnitOfWork(DISBURSED)
    disbursed(uow)
    uow.marks.set_credit_balance(1, 1_00)
    report = check_books(uow)
    assert report.problems == ["borrower 1: credit balance core 0, ledger 0, cached 100 (fen)"]


def test_r17_a_cofunded_loan_without_its_split_posted_is_reported():
    uow = FakeUnitOfWork(DISBURSED)
    disbursed(uow)
    uow.partners.shares.append(LoanShare(1, "BANK", Decimal("0.70"), 210_000))
    report = check_books(uow)
    assert report.cofunded_loans_checked == 1
    assert report.problems == ["loan 1 (BANK 0.70): partner principal outstanding split 210000 ledger 0 (fen)"]


def test_problems_past_the_limit_are_counted_not_listed():
    uow = FakeUnitOfWork(DISBURSED)
    for borrower_id in range(1, 5):
        disbursed(uow, borrower_id, str(borrower_id))
        uow.marks.tamper(borrower_id, dpd=4)
    report = check_books(uow, limit_problems=2)
    assert len(report.problems) == 3 and report.problems[-1] == "... and 2 more"
    assert report.loans_disagreeing == [1, 2, 3, 4]

"""Posting (ledger/revaluation.py) as a pure function: a book and the marks last posted
in, the entries, marks, events and accruals out; nothing written (R5, R7, R14, R15)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from builders import new_book, paid, with_loan
from hypothesis import given, settings
from hypothesis import strategies as st
from words import D

from loanbook.ledger.accounts import Account
from loanbook.ledger.revaluation import LoanEventKind, dpd_bucket, marks_after, revalue
from loanbook.rules.position import LoanStatus

DISBURSED = D("2026-01-10")
DUE = D("2026-02-10")  # the first instalment of 1,045.00 (3,000.00 over 3 terms, FLEX6)


def book_of_one_loan():  # noqa: ANN201
    return with_loan(new_book(), "1", "3000.00", 3, DISBURSED)


def post(book, on, marks=None, credit_fen=0, **options):  # noqa: ANN001, ANN201
    return revalue(1, book, on, marks or {}, credit_fen, kind=options.pop("kind", "test"), **options)


def opening(book):  # noqa: ANN001, ANN201
    """The marks after the disbursement was posted (its cash went out)."""
    return marks_after(post(book, DISBURSED, cash_fen=-300_000).marks)


def lines_of(revaluation):  # noqa: ANN001, ANN201
    return [line for entry in revaluation.entries for line in entry.lines]


def test_r14_a_disbursement_posts_principal_against_cash_and_tells_of_the_loan():
    first = post(book_of_one_loan(), DISBURSED, cash_fen=-300_000, kind="disbursement")
    assert {(line.account, line.debit_fen, line.credit_fen) for line in lines_of(first)} == {
        (Account.CASH, 0, 300_000), (Account.PRINCIPAL_RECEIVABLE, 300_000, 0)}
    assert [e["kind"] for e in first.events] == [LoanEventKind.DISBURSED]
    (mark,) = first.marks
    assert mark["status"] == "ACTIVE" and mark["principal_disbursed_fen"] == 300_000 and mark["position_on"] == DISBURSED
    assert first.credit_balance_fen == 0 and first.accruals == ()


def test_posting_again_against_its_own_marks_posts_nothing():
    book = book_of_one_loan()
    first = post(book, DISBURSED, cash_fen=-300_000)
    again = post(book, DISBURSED, marks_after(first.marks))
    assert again.entries == () and again.events == ()
    assert again.marks == first.marks


def test_the_revaluation_is_a_frozen_value():
    first = post(book_of_one_loan(), DISBURSED, cash_fen=-300_000)
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.credit_balance_fen = 5  # type: ignore[misc]
    assert isinstance(first.entries, tuple) and isinstance(first.marks, tuple)


def test_r5_r7_grace_then_overdue_are_events_and_the_grace_end_is_marked():
    book = book_of_one_loan()
    marks = opening(book)
    due_day = post(book, DUE + timedelta(days=1), marks)  # the start of the 11th: unpaid, in grace
    assert [e["kind"] for e in due_day.events] == [LoanEventKind.ENTERED_GRACE]
    assert due_day.marks[0]["status"] == LoanStatus.GRACE and due_day.marks[0]["grace_ends_on"] is not None
    marks = marks_after(due_day.marks)
    late = post(book, due_day.marks[0]["grace_ends_on"] + timedelta(days=1), marks)
    assert [e["kind"] for e in late.events] == [LoanEventKind.WENT_OVERDUE]
    assert late.marks[0]["status"] == LoanStatus.OVERDUE and late.marks[0]["grace_ends_on"] is None


def test_r15_a_higher_dpd_bucket_while_overdue_is_an_event():
    book = book_of_one_loan()
    marks = marks_after(post(book, DUE + timedelta(days=20), opening(book)).marks)
    assert marks[1].status == LoanStatus.OVERDUE and dpd_bucket(marks[1].dpd) == 1
    later = post(book, DUE + timedelta(days=40), marks)
    assert [(e["kind"], e["detail"]) for e in later.events] == [
        (LoanEventKind.DPD_BUCKET, f"bucket 2 at dpd {later.marks[0]['dpd']}")]


def test_r7_paying_an_overdue_loan_cures_it_and_posts_the_cash():
    book = book_of_one_loan()
    late_day = DUE + timedelta(days=20)
    marks = marks_after(post(book, late_day, opening(book)).marks)
    owed = marks[1].amount_due_fen
    cured = post(paid(book, f"{owed / 100:.2f}", late_day), late_day, marks, cash_fen=owed)
    assert [e["kind"] for e in cured.events] == [LoanEventKind.CURED]
    cash = [line for line in lines_of(cured) if line.account == Account.CASH]
    assert [(line.debit_fen, line.credit_fen) for line in cash] == [(owed, 0)]


def test_close_of_business_recognition_is_returned_per_loan_not_posted():
    book = book_of_one_loan()
    marks = opening(book)
    night = post(book, DUE, marks, aggregate_recognition=True)
    income = {Account.INTEREST_INCOME, Account.PENALTY_INCOME, Account.FEE_INCOME}
    assert not [line for line in lines_of(night) if line.account in income]
    (accrual,) = night.accruals
    assert accrual["loan_id"] == 1 and accrual["interest_fen"] > 0 and accrual["booked_on"] == DUE
    by_line = post(book, DUE, marks)
    assert sum(line.credit_fen for line in lines_of(by_line) if line.account == Account.INTEREST_INCOME) == accrual["interest_fen"]


@settings(max_examples=30, deadline=None)
@given(days=st.lists(st.integers(min_value=0, max_value=120), min_size=1, max_size=6, unique=True))
def test_r14_posting_day_after_day_balances_and_ends_where_one_posting_would(days):
    """Chained postings (each against the marks of the one before) leave the same marks
    as one posting of the last day, and every entry balances (JournalEntry refuses one
    that does not)."""
    book = book_of_one_loan()
    marks = start = opening(book)
    for offset in sorted(days):
        revaluation = post(book, DISBURSED + timedelta(days=offset), marks)
        marks = marks_after(revaluation.marks)
    once = marks_after(post(book, DISBURSED + timedelta(days=max(days)), start).marks)
    assert marks == once


def test_r15_dpd_buckets_of_thirty_days():
    assert [dpd_bucket(d) for d in (0, 1, 30, 31, 60, 61, 180, 181, 900)] == [0, 1, 1, 2, 2, 3, 6, 7, 7]

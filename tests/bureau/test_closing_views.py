"""Issue 10: close of business hands the bureau what it replayed (bureau.nightly
ClosingViews): the next morning it posts is the replayed one, and the view it keeps of
the day closed is the one the records would replay, kept only for a borrower with a
reporting moment that day (R15)."""

from __future__ import annotations

from datetime import timedelta

from builders import new_book, paid, with_loan
from words import D
from loanbook.bureau.nightly import ClosingViews
from loanbook.rules.bureau_status import day_view
from loanbook.rules.replay import position


def test_r15_a_borrower_paying_on_its_due_date_is_replayed_once_and_its_view_kept():
    day = D("2026-02-10")
    book = paid(with_loan(new_book(), "A", "3000.00", 3, D("2026-01-10")), "1000.00", day)
    views = ClosingViews(day)
    next_morning = views.next_morning(7, book)
    assert repr(next_morning) == repr(position(book, day + timedelta(days=1), include_day=True))
    kept = views.seen[7]
    assert kept is not None and kept.book is book
    assert repr((kept.closed, kept.statuses)) == repr(day_view(book, day))


def test_r15_a_borrower_with_no_moment_that_day_keeps_no_view_and_is_not_replayed_again():
    day = D("2026-02-20")  # nothing booked, disbursed nor due that day
    book = with_loan(new_book(), "A", "3000.00", 3, D("2026-01-10"))
    views = ClosingViews(day)
    assert views.next_morning(7, book) == position(book, day + timedelta(days=1), include_day=True)
    assert 7 in views.seen and views.seen[7] is None

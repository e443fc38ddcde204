"""A payoff received after everything known of the business date is settled at the quotes
of the position of that whole day, the one every posting stores (issue 10: a payoff then
replays the book once, to post, instead of twice). Proven here against the quotes the
core replays at the payoff's moment, over random stories (R6, R8)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import given

from test_properties import SETTINGS, as_of_offsets, build, loan_specs, repayments
from loanbook.errors import LoanbookError
from loanbook.money import ZERO
from loanbook.rules import operations
from loanbook.rules.book import Book
from loanbook.rules.replay import position


def known_on(book: Book, on) -> Book:
    """The book as known at the end of ``on``: what was booked by then."""
    return replace(book, loans=tuple(loan for loan in book.loans if loan.disbursed_on <= on),
                   transactions=tuple(tx for tx in book.transactions if tx.booked_on <= on))


@SETTINGS
@given(loan_specs, repayments, repayments, as_of_offsets)
def test_the_stored_quote_is_the_quote_at_the_payoffs_moment(loans, payments, late_payments, offset):
    on = build(loans, []).loans[0].disbursed_on + timedelta(days=offset)
    book = known_on(build(loans, payments + late_payments, late_by=lambda delay: delay if delay % 2 else 0), on)
    stored = position(book, on, include_day=True)  # what a posting on ``on`` stores
    for loan in stored.loans:
        try:
            replayed, quotes = operations.with_payoffs(
                book, loan_ids=[loan.loan_id], value_date=on, business_date=on, tx_ids=["P"],
                total=loan.payoff.to_pay if loan.payoff is not None else ZERO,
            )
        except LoanbookError:
            assert loan.payoff is None  # no payoff possible that day: none stored, the core refuses
            continue
        assert loan.payoff is not None and quotes == (loan.payoff,)
        at_stored, stored_quotes = operations.with_payoffs(
            book, loan_ids=[loan.loan_id], value_date=on, business_date=on, tx_ids=["P"], total=loan.payoff.to_pay,
            known_quotes=[loan.payoff],
        )
        assert (at_stored, stored_quotes) == (replayed, quotes)

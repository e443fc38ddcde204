"""Builders for tests: books and loans in one line each."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from loanbook.rules import operations
from loanbook.rules.book import Book
from loanbook.rules.products import FLEX6, Product
from loanbook.rules.replay import position


def new_book(limit: str = "200000.00") -> Book:
    return Book(Decimal(limit))


def with_loan(
    book: Book, loan_id: str, principal: str, terms: int, on: date, product: Product = FLEX6
) -> Book:
    book, _ = operations.disburse(
        book, loan_id=loan_id, product=product, principal=Decimal(principal), terms=terms, on=on, business_date=on
    )
    return book


def paid(book: Book, amount: str, value_date: date, booked_on: date | None = None) -> Book:
    book, _ = operations.repay(
        book, amount=Decimal(amount), value_date=value_date, business_date=booked_on or value_date
    )
    return book


def loan_on(book: Book, loan_id: str, on: date):
    return position(book, on).loan(loan_id)

"""Borrowers and loans for the bureau tests, through the real services."""

from __future__ import annotations

import itertools

from words import A
from loanbook.service import servicing
from loanbook.store.unit_of_work import UnitOfWork


# One phone belongs to one borrower (issue 11), so each borrower made here gets its own.
_phones = (f"138{n:08d}" for n in itertools.count(1))


def borrower(engine, limit="50000.00") -> int:
    with UnitOfWork(engine) as uow:
        return servicing.create_borrower(uow, name="李雷", phone=next(_phones), credit_limit=A(limit)).borrower.id


def loan(engine, borrower_id, product="FLEX6", principal="10000.00", terms=6) -> int:
    with UnitOfWork(engine) as uow:
        return servicing.disburse_loan(
            uow, borrower_id=borrower_id, product_code=product, principal=A(principal), terms=terms
        ).loan_id

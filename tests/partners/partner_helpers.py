"""Building co-funded portfolios through the services, for the partner tests."""

from __future__ import annotations

import itertools
from decimal import Decimal

from loanbook.service import servicing
from loanbook.store.unit_of_work import UnitOfWork


# One phone belongs to one borrower (issue 11), so each borrower made here gets its own.
_phones = (f"138{n:08d}" for n in itertools.count(1))


def cofunded_loan(engine, *, share="0.70", principal="10000.00", terms=1, product="FLEX6", name="李雷") -> tuple[int, int]:
    """(borrower id, loan id) of a new borrower's loan co-funded at ``share``."""
    with UnitOfWork(engine) as uow:
        borrower_id = servicing.create_borrower(uow, name=name, phone=next(_phones), credit_limit=Decimal("50000.00")).borrower.id
    with UnitOfWork(engine) as uow:
        loan_id = servicing.disburse_loan(uow, borrower_id=borrower_id, product_code=product, principal=Decimal(principal),
                                          terms=terms, partner_share=Decimal(share)).loan_id
    return borrower_id, loan_id


def repay(engine, borrower_id, amount, value_date=None) -> None:
    with UnitOfWork(engine) as uow:
        servicing.repay(uow, borrower_id=borrower_id, amount=Decimal(amount), value_date=value_date)

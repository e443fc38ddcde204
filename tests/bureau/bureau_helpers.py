"""Borrowers and loans for the bureau tests, through the real services."""

from __future__ import annotations

from words import A
from loanbook.service import servicing
from loanbook.store.unit_of_work import UnitOfWork


def borrower(engine, limit="50000.00") -> int:
    with UnitOfWork(engine) as uow:
        return servicing.create_borrower(uow, name="李雷", phone="13800000000", credit_limit=A(limit)).borrower.id


def loan(engine, borrower_id, product="FLEX6", principal="10000.00", terms=6) -> int:
    with UnitOfWork(engine) as uow:
        return servicing.disburse_loan(
            uow, borrower_id=borrower_id, product_code=product, principal=A(principal), terms=terms
        ).loan_id

"""What the borrower's app (web/borrower.py) reads, one unit of work each, over the same
service functions and rules core as the API: a loan with its terms, annual rates and
today's payoff offer; a borrower's bureau status strings.

Every function takes the signed-in borrower's id and refuses any other borrower's
record with the very words used for a record that does not exist ("no loan N"), as the
API answers a borrower token (api/deps.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from loanbook.errors import NotFound, RuleRefusal
from loanbook.rules import operations
from loanbook.rules.book import Loan
from loanbook.rules.bureau_status import BureauStatus, bureau_statuses
from loanbook.rules.disclosure import AnnualRates, annual_rates
from loanbook.rules.position import LoanPosition
from loanbook.service.servicing import loan_state
from loanbook.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class LoanPage:
    loan: Loan  # the terms it was disbursed with
    state: LoanPosition  # as of the business date (R5), with the current plan (R11)
    business_date: date
    rates: AnnualRates  # R10, of the plan it was disbursed with
    offer: operations.PayoffOffer | None  # R8: today's quote and the credit balance
    payoff_refused: str | None  # why there is no offer today (the rule's own words)


def own_loan_borrower(uow: UnitOfWork, borrower_id: int, loan_id: int) -> None:
    row = uow.borrowers.loan(loan_id)
    if row is None or row.borrower_id != borrower_id:
        raise NotFound(f"no loan {loan_id}")


def loan_page(uow: UnitOfWork, *, borrower_id: int, loan_id: int) -> LoanPage:
    own_loan_borrower(uow, borrower_id, loan_id)
    _, state, today = loan_state(uow, loan_id)
    book = uow.borrowers.book(borrower_id)
    loan = book.loan(str(loan_id))
    if loan is None:  # the row is there but the book lacks it: cannot be, the same query reads both
        raise NotFound(f"no loan {loan_id}")
    offer, refused = None, None
    try:
        offer = operations.payoff_offer(book, str(loan_id), today)
    except RuleRefusal as exc:  # settled, or the disbursement day (R8)
        refused = str(exc)
    return LoanPage(loan, state, today, annual_rates(loan.product, loan.principal, loan.disbursed_on, loan.schedule),
                    offer, refused)


@dataclass(frozen=True, slots=True)
class LoanBureau:
    loan_id: int
    product_code: str
    disbursed_on: date
    status: BureauStatus  # R15, as known on the business date


def bureau_page(uow: UnitOfWork, *, borrower_id: int) -> tuple[date, list[LoanBureau]]:
    """(the business date, each loan's R15 status string as known today)."""
    today = uow.business_dates.get()
    book = uow.borrowers.book(borrower_id)
    statuses = bureau_statuses(book, today, include_day=True)
    return today, [LoanBureau(int(loan.loan_id), loan.product.code, loan.disbursed_on, statuses[loan.loan_id])
                   for loan in book.loans if loan.loan_id in statuses]

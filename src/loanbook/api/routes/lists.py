"""Lists and search of borrowers and loans, a borrower's transaction history and
statement (issue 11 item 3). Staff read every borrower; a borrower token lists only its
own borrower and loans, and another borrower's history is "no borrower N"."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from loanbook.api.deps import OWN_READ, BorrowerInReach, UowDep, User, allowed, borrower_in_reach
from loanbook.service.users import Role
from loanbook.api.list_schemas import BorrowerList, LoanList, StatementPublic, TransactionList
from loanbook.api.routes import router
from loanbook.api.schemas import IsoDate
from loanbook.service import lists
from loanbook.store.queries import LoanFilter, Search

routes = router("/v1", "lists")
Reader = Annotated[User, Depends(allowed(OWN_READ))]
OwnBorrower = Annotated[BorrowerInReach, Depends(borrower_in_reach(OWN_READ))]
SEARCH_MAX = 100
DPD_MAX = 100_000

Cursor = Annotated[str | None, Query(max_length=200, description="The next_cursor of the previous page.")]
Limit = Annotated[int, Query(ge=1, le=lists.PAGE_MAX, description=f"Items per page, 1 to {lists.PAGE_MAX}.")]
SearchText = Annotated[str | None, Query(max_length=SEARCH_MAX, description=(
    "A name (or part of it, any case), or digits: part of a phone (compared by its digits alone) or a whole id."))]
NameText = Annotated[str | None, Query(max_length=SEARCH_MAX, description="Part of the borrower's name, any case.")]
PhoneText = Annotated[str | None, Query(max_length=40, pattern=r"^\+?[0-9 -]{1,39}$",
                                        description="Part of the borrower's phone: digits, spaces, dashes.")]


def _only(user: User) -> int | None:
    """A borrower token sees only its own borrower."""
    return user.borrower_id if user.role == Role.BORROWER else None


@routes.get("/borrowers", response_model=BorrowerList)
def list_borrowers(user: Reader, uow: UowDep, q: SearchText = None, name: NameText = None, phone: PhoneText = None,
                   cursor: Cursor = None, limit: Limit = lists.PAGE_DEFAULT) -> BorrowerList:
    """Borrowers by id, searched by name, phone or id, a page at a time."""
    page = lists.borrower_page(uow, cursor=cursor, limit=limit, search=Search(q, name, phone), only_borrower_id=_only(user))
    return BorrowerList.of(page, user.role)


@routes.get("/loans", response_model=LoanList)
def list_loans(
    user: Reader, uow: UowDep,
    status: Annotated[str | None, Query(max_length=16, description=f"One of {', '.join(lists.STATUSES)}.")] = None,
    dpd_min: Annotated[int | None, Query(ge=0, le=DPD_MAX, description="Days past due, at least.")] = None,
    dpd_max: Annotated[int | None, Query(ge=0, le=DPD_MAX, description="Days past due, at most.")] = None,
    product: Annotated[str | None, Query(max_length=32, description="A product code, like FLEX6.")] = None,
    disbursed_from: Annotated[IsoDate | None, Query(description="Disbursed on or after, YYYY-MM-DD.")] = None,
    disbursed_to: Annotated[IsoDate | None, Query(description="Disbursed on or before, YYYY-MM-DD.")] = None,
    due_on: Annotated[IsoDate | None, Query(description="With an instalment of its plan due that day.")] = None,
    borrower_id: Annotated[int | None, Query(ge=1, le=2**63 - 1, description="One borrower's loans.")] = None,
    q: SearchText = None, cursor: Cursor = None, limit: Limit = lists.PAGE_DEFAULT,
) -> LoanList:
    """Loans by id with their status and DPD as last posted, filtered and searched (by the
    borrower's name or phone, or a loan id)."""
    where = LoanFilter(status, dpd_min, dpd_max, product, disbursed_from, disbursed_to, due_on, borrower_id)
    page = lists.loan_page(uow, cursor=cursor, limit=limit, search=Search(q), where=where, only_borrower_id=_only(user))
    return LoanList.of(page, user.role)


@routes.get("/borrowers/{borrower_id}/transactions", response_model=TransactionList)
def list_transactions(caller: OwnBorrower, uow: UowDep, cursor: Cursor = None,
                      limit: Limit = lists.PAGE_DEFAULT) -> TransactionList:
    """The borrower's transactions in booking order, each with who booked it and where its
    money went (R6)."""
    return TransactionList.of(caller.borrower_id,
                              lists.transaction_page(uow, caller.borrower_id, cursor=cursor, limit=limit))


@routes.get("/borrowers/{borrower_id}/statement", response_model=StatementPublic)
def get_statement(
    caller: OwnBorrower, uow: UowDep,
    value_from: Annotated[IsoDate, Query(alias="from", description="The first day, YYYY-MM-DD.")],
    value_to: Annotated[IsoDate, Query(alias="to", description="The last day, YYYY-MM-DD (at most the business date).")],
) -> StatementPublic:
    """What moved between two days by value date, with the figures before and after."""
    return StatementPublic.of(lists.statement(uow, caller.borrower_id, value_from, value_to))

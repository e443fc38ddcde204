"""/admin/search, a loan's page and a borrower's page. The search is the API's lists
(service/lists.py: an id, part of a name, or part of a phone), and phones are masked the
same way (privacy.phone_for: a reviewer sees the last four digits)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request
from fastapi.responses import Response

from loanbook.api.deps import ID_MAX
from loanbook.service import lists
from loanbook.service.back_office import loan_page
from loanbook.service.servicing import borrower_summary
from loanbook.store.queries import LoanFilter, Search
from loanbook.web.admin.common import StaffSession, admin_router, page, reading

routes = admin_router()
RESULTS_SHOWN = 50
SEARCH_MAX = 100


@routes.get("/search")
def search(request: Request, session: StaffSession,
           q: Annotated[str, Query(max_length=SEARCH_MAX)] = "",
           status: Annotated[str, Query(max_length=16)] = "",
           cursor: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    """Borrowers and loans by id, part of a name or part of a phone, as the API's lists
    search; loans also by status (R5)."""
    text = q.strip()
    borrowers = loans = None
    if text or status:
        with reading(request) as uow:
            if text:
                borrowers = lists.borrower_page(uow, cursor=cursor, limit=RESULTS_SHOWN, search=Search(text))
            loans = lists.loan_page(uow, cursor=None, limit=RESULTS_SHOWN, search=Search(text or None),
                                    where=LoanFilter(status=status or None))
    return page(request, session, "admin/search.html", "/admin/search",
                {"q": text, "status": status, "statuses": lists.STATUSES, "borrowers": borrowers, "loans": loans})


@routes.get("/loans/{loan_id}")
def loan(request: Request, session: StaffSession, loan_id: Annotated[int, Path(ge=1, le=ID_MAX)]) -> Response:
    with reading(request) as uow:
        data = loan_page(uow, actor=session.user, loan_id=loan_id)
    return page(request, session, "admin/loan.html", "/admin/search", {"data": data, "refusal": ""})


@routes.get("/borrowers/{borrower_id}")
def borrower(request: Request, session: StaffSession,
             borrower_id: Annotated[int, Path(ge=1, le=ID_MAX)]) -> Response:
    with reading(request) as uow:
        summary = borrower_summary(uow, borrower_id)
        transactions = lists.transaction_page(uow, borrower_id, cursor=None, limit=lists.PAGE_DEFAULT)
    return page(request, session, "admin/borrower.html", "/admin/search",
                {"summary": summary, "transactions": transactions})

"""The back office, /admin (issue 12 part 3): pages for staff over the same services as
the API. One module per page area:

    common.py       the staff session dependency, rendering, refusals shown on the page
    portfolio.py    /admin: loans by status, DPD buckets and their trend, ledger balances (SVG charts)
    search.py       /admin/search, /admin/loans/{id}, /admin/borrowers/{id}
    reviews.py      /admin/requests: the review queue, maker-checker by service/requests.py
    desks.py        /admin/collections, /admin/partners, /admin/bureau, /admin/business-date

Roles: admin, operator and reviewer open every page (reads are STAFF_READ in the API);
what each may do is the services' rule (a reviewer may not log a contact, a maker may
not decide its own request), and a refusal is shown on the page in the service's words.
A borrower gets the 403 page.
"""

from __future__ import annotations

from fastapi import APIRouter

from loanbook.web.admin import desks, portfolio, reviews, search

routes = APIRouter()
for _module in (portfolio, search, reviews, desks):
    routes.include_router(_module.routes)

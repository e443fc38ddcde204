"""The demo's web sign-ins: a borrower of the demo portfolio and a reviewer, each with a
password made for this run (printed by `make demo`, never stored in clear).

The borrower is one with an active TERM6 loan where there is one, so that the loan page
shows R8's 3% fee; the reviewer is a user of its own, so that it may decide the requests
the demo operator recorded (maker-checker, R11).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import Engine

from loanbook.service.lists import loan_page
from loanbook.service.users import add_user
from loanbook.store.queries import LoanFilter, Search
from loanbook.store.unit_of_work import UnitOfWork

BORROWER_NAME = "demo-borrower"
REVIEWER_NAME = "demo-reviewer"
# The loans a demo borrower is picked by, best first: R8's fee shows on an active TERM6.
PICKS = (LoanFilter(status="ACTIVE", product="TERM6"), LoanFilter(status="ACTIVE"), LoanFilter())


@dataclass(frozen=True, slots=True)
class DemoSignIn:
    role: str
    name: str
    password: str
    borrower_id: int | None = None
    loan_id: int | None = None


def _password() -> str:
    return secrets.token_urlsafe(9)  # 12 characters, 72 bits: made for this run only


def _a_borrowers_loan(uow: UnitOfWork) -> tuple[int, int] | None:
    for where in PICKS:
        page = loan_page(uow, cursor=None, limit=1, search=Search(), where=where)
        if page.items:
            return page.items[0].borrower_id, page.items[0].id
    return None


def make_demo_sign_ins(engine: Engine) -> list[DemoSignIn]:
    made: list[DemoSignIn] = []
    with UnitOfWork(engine) as uow:
        picked = _a_borrowers_loan(uow)
    if picked is not None:
        borrower_id, loan_id = picked
        password = _password()
        with UnitOfWork(engine) as uow:
            add_user(uow, name=BORROWER_NAME, role="borrower", borrower_id=borrower_id, password=password)
        made.append(DemoSignIn("borrower", BORROWER_NAME, password, borrower_id, loan_id))
    password = _password()
    with UnitOfWork(engine) as uow:
        add_user(uow, name=REVIEWER_NAME, role="reviewer", password=password)
    made.append(DemoSignIn("reviewer", REVIEWER_NAME, password))
    return made


def sign_in_lines(url: str, sign_ins: list[DemoSignIn]) -> list[str]:
    """What `make demo` prints about the web pages."""
    lines = [f"the web pages: {url}/login  (the borrower's app {url}/app, the back office {url}/admin)"]
    for made in sign_ins:
        where = f"  (borrower {made.borrower_id}; a loan: {url}/app/loans/{made.loan_id})" if made.loan_id else ""
        lines.append(f"sign in as a {made.role}: user name {made.name}, password {made.password}{where}")
    return lines

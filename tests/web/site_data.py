"""The data the browser tests run on: a small demo portfolio (loanbook.demo, the same
code as `make demo`), then borrowers of the tests' own with known loans, and users with
passwords. Built through the service layer only, as the demo is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine

from loanbook.demo.portfolio import run_portfolio
from loanbook.service.close_of_business import close_until
from loanbook.service.coupons import grant_coupon
from loanbook.service.servicing import create_borrower, disburse_loan
from loanbook.service.users import add_user
from loanbook.store.unit_of_work import UnitOfWork

PORTFOLIO_BORROWERS = 12
PORTFOLIO_UNTIL = date(2026, 2, 1)  # the tests' loans are disbursed on this business date
TODAY = date(2026, 3, 12)  # then closed to here: the first instalment (due 03-10) unpaid, in grace (R7)
PASSWORD = "correct horse 42"  # every test user's


@dataclass
class SiteData:
    """What the tests know of the site: user names (one password) and ids."""

    password: str = PASSWORD
    borrowers: dict[str, int] = field(default_factory=dict)  # user name -> borrower id
    loans: dict[str, int] = field(default_factory=dict)  # "repayer/FLEX6" -> loan id
    coupons: dict[str, int] = field(default_factory=dict)


# user name -> (role, loans to disburse: product, principal, terms)
TEST_BORROWERS: dict[str, tuple[tuple[str, str, int], ...]] = {
    "repayer": (("FLEX6", "6000.00", 6),),
    "settler": (("TERM6", "10000.00", 6),),
    "other": (("FLEX6", "3000.00", 3),),
    "visitor": (("FLEX6", "5000.00", 6), ("TERM6", "8000.00", 6)),
}
STAFF = {"reviewer": "reviewer", "operator": "operator", "admin": "admin"}


def build_site(engine: Engine) -> SiteData:
    data = SiteData()
    run_portfolio(engine, borrowers=PORTFOLIO_BORROWERS, seed=20260101, until=PORTFOLIO_UNTIL)
    with UnitOfWork(engine) as uow:
        admin, _ = add_user(uow, name="admin", role="admin", password=PASSWORD)
    for index, (name, loans) in enumerate(TEST_BORROWERS.items()):
        with UnitOfWork(engine) as uow:
            summary = create_borrower(uow, name=f"Test {name}", phone=f"1390000{index:04d}", credit_limit=Decimal("20000"))
            borrower_id = summary.borrower.id
        data.borrowers[name] = borrower_id
        for product, principal, terms in loans:
            with UnitOfWork(engine) as uow:
                loan = disburse_loan(uow, borrower_id=borrower_id, product_code=product, principal=Decimal(principal),
                                     terms=terms)
            data.loans[f"{name}/{product}"] = loan.loan_id
        with UnitOfWork(engine) as uow:
            add_user(uow, name=name, role="borrower", borrower_id=borrower_id, password=PASSWORD)
    with UnitOfWork(engine) as uow:
        coupon = grant_coupon(uow, actor=admin, borrower_id=data.borrowers["repayer"], amount=Decimal("20.00"),
                              expires_on=date(2026, 6, 30), reason="test coupon")
        data.coupons["repayer"] = coupon.coupon_id
    for name, role in STAFF.items():
        if name != "admin":
            with UnitOfWork(engine) as uow:
                add_user(uow, name=name, role=role, password=PASSWORD)
    close_until(engine, TODAY)
    return data

"""Playing a scenario through the service layer and a real database (``--store``).

The same runner drives :class:`StoredServicing` instead of the in-memory core: the
business date moves by close of business, loans are disbursed, repayments and payoffs
booked through the services, and every checkpoint reads the stored books back.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Engine

from loanbook.errors import BadInput, RuleRefusal
from loanbook.rules.position import Position
from loanbook.scenario.runner import with_bureau_status
from loanbook.scenario.model import LoanSpec, Scenario
from loanbook.service import coupons, requests, servicing
from loanbook.service.users import add_user
from loanbook.service.close_of_business import close_until
from loanbook.service.setup import init_database
from loanbook.store.unit_of_work import UnitOfWork


def first_day(scenario: Scenario) -> date:
    days = [loan.disbursed_on for loan in scenario.loans] + [e.value_date for e in scenario.events]
    return min(days + list(scenario.checkpoints))


class StoredServicing:
    """The :class:`~loanbook.scenario.runner.Servicing` port over the real services."""

    def __init__(self, engine: Engine, scenario: Scenario) -> None:
        self.engine = engine
        products = {spec.product.code: spec.product for spec in scenario.loans}
        products.update({e.draw.product.code: e.draw.product for e in scenario.events if e.draw is not None})
        init_database(engine, business_date=first_day(scenario), products=tuple(products.values()))
        with UnitOfWork(engine) as uow:
            self.borrower_id = servicing.create_borrower(
                uow, name=scenario.name[:200] or "scenario", phone="0", credit_limit=scenario.credit_limit
            ).borrower.id
        self.loan_ids: dict[str, int] = {}
        self.coupon_ids: dict[str, int] = {}
        with UnitOfWork(engine) as uow:  # R11: a request is made by one user and decided by another
            self.maker, _ = add_user(uow, name="scenario operator", role="operator")
        with UnitOfWork(engine) as uow:
            self.checker, _ = add_user(uow, name="scenario reviewer", role="reviewer")

    def _reach(self, day: date) -> None:
        close_until(self.engine, day)

    def disburse(self, spec: LoanSpec, business_date: date) -> None:
        self._reach(business_date)
        with UnitOfWork(self.engine) as uow:
            done = servicing.disburse_loan(
                uow, borrower_id=self.borrower_id, product_code=spec.product.code, principal=spec.principal,
                terms=spec.terms, partner_share=spec.partner_share, external_ref=spec.loan_id,
            )
        self.loan_ids[spec.loan_id] = done.loan_id

    def _coupon(self, name: str | None) -> int | None:
        if name is None:
            return None
        if name not in self.coupon_ids:
            raise RuleRefusal(f"unknown coupon {name!r}: no coupon of that id was granted to this borrower (R13)")
        return self.coupon_ids[name]

    def _loan(self, loan_id: str, on: date) -> int:
        stored_id = self.loan_ids.get(loan_id)
        if stored_id is None:
            raise BadInput(f"loan {loan_id} does not exist yet on {on}")
        return stored_id

    def repay(self, amount: Decimal, value_date: date, business_date: date, received_at: datetime,
              coupon_id: str | None = None) -> None:
        self._reach(business_date)
        with UnitOfWork(self.engine) as uow:
            servicing.repay(uow, borrower_id=self.borrower_id, amount=amount, value_date=value_date, channel="scenario",
                            received_at=received_at, coupon_id=self._coupon(coupon_id))

    def pay_off(self, loan_id: str, value_date: date, business_date: date, received_at: datetime,
                coupon_id: str | None = None) -> None:
        self._reach(business_date)
        stored_id = self._loan(loan_id, value_date)
        coupon = self._coupon(coupon_id)
        with UnitOfWork(self.engine) as uow:
            _, quote = servicing.payoff_quote(uow, stored_id, value_date, received_at=received_at, coupon_id=coupon)
        with UnitOfWork(self.engine) as uow:
            servicing.pay_off(uow, borrower_id=self.borrower_id, loan_ids=[stored_id], total=quote.to_pay,
                              value_date=value_date, received_at=received_at, coupon_id=coupon)

    def grant_coupon(self, coupon_id: str, amount: Decimal, expires_on: date, business_date: date) -> None:
        self._reach(business_date)
        if coupon_id in self.coupon_ids:
            raise BadInput(f"coupon {coupon_id} exists already")
        with UnitOfWork(self.engine) as uow:
            granted = coupons.grant_coupon(uow, actor=self.maker, borrower_id=self.borrower_id, amount=amount,
                                           expires_on=expires_on, reason="scenario", external_ref=coupon_id[:64])
        self.coupon_ids[coupon_id] = granted.coupon_id

    def _request_and_decide(self, loan_id: str, approve: bool, business_date: date, received_at: datetime,
                            **asked: object) -> None:
        """R11: the operator records the request, the reviewer decides it, the same day."""
        self._reach(business_date)
        stored_id = self._loan(loan_id, business_date)
        with UnitOfWork(self.engine) as uow:
            made = requests.make_request(uow, actor=self.maker, loan_id=stored_id, reason="scenario", **asked)
        with UnitOfWork(self.engine) as uow:
            requests.decide(uow, actor=self.checker, request_id=made.row.id, approve=approve,
                            reason="scenario" if approve else "rejected in the scenario", received_at=received_at)

    def extension(self, loan_id: str, months: int, approve: bool, business_date: date, received_at: datetime) -> None:
        self._request_and_decide(loan_id, approve, business_date, received_at, kind=requests.EXTENSION, months=months)

    def negotiation(self, loan_id: str, method: str, months: int, waive_penalty: Decimal | str, approve: bool,
                    business_date: date, received_at: datetime) -> None:
        waiver = waive_penalty if waive_penalty in (None, "all") else format(waive_penalty, "f")
        self._request_and_decide(loan_id, approve, business_date, received_at, kind=requests.NEGOTIATION,
                                 months=months, method=str(getattr(method, "value", method)), waive_penalty=waiver)

    def position(self, on: date) -> Position:
        self._reach(on)
        with UnitOfWork(self.engine) as uow:
            book = uow.borrowers.book(self.borrower_id)
        names = {str(stored): name for name, stored in self.loan_ids.items()}
        current = with_bureau_status(book.known_before(on), on)  # the start of ``on``, after its bookings (runner)
        loans = tuple(dataclasses.replace(loan, loan_id=names[loan.loan_id]) for loan in current.loans)
        return dataclasses.replace(current, loans=loans)

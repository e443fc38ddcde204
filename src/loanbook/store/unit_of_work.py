"""The unit of work: one use case, one database transaction, rolled back unless the
service commits."""

from __future__ import annotations

from typing import Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from loanbook.store.bureau import BureauStore
from loanbook.store.collections import Collections
from loanbook.store.nights import Nights
from loanbook.store.partners import Partners
from loanbook.store.queries import Exports, Lists, Reports
from loanbook.store.repositories import (
    Borrowers,
    BusinessDates,
    CobDays,
    Coupons,
    Events,
    IdempotencyKeys,
    Journal,
    Marks,
    PlanRequests,
    Products,
    Users,
)


class UnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.engine = engine

    def __enter__(self) -> Self:
        self.session: Session = self._sessions()
        self.business_dates = BusinessDates(self.session)
        self.products = Products(self.session)
        self.borrowers = Borrowers(self.session, self.products)
        self.marks = Marks(self.session)
        self.journal = Journal(self.session)
        self.events = Events(self.session)
        self.cob_days = CobDays(self.session)
        self.nights = Nights(self.session)
        self.users = Users(self.session)
        self.idempotency = IdempotencyKeys(self.session)
        self.coupons = Coupons(self.session)  # R13
        self.requests = PlanRequests(self.session)  # R11
        self.partners = Partners(self.session)  # R17
        self.bureau = BureauStore(self.session)  # R15
        self.collections = Collections(self.session)  # R16
        self.lists = Lists(self.session)
        self.reports = Reports(self.session)
        self.exports = Exports(self.session)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

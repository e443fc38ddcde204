"""The unit of work: one use case, one database transaction, rolled back unless the
service commits."""

from __future__ import annotations

from typing import Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from loanbook.errors import InvariantBroken
from loanbook.store.bureau import BureauStore
from loanbook.store.collections import Collections
from loanbook.store.database import READS_ONLY
from loanbook.store.nights import Nights
from loanbook.store.snapshots import PortfolioSnapshots
from loanbook.store.partitions import Partitions
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
    WebSessions,
)


def _twin(engine: Engine, name: str, **options: object) -> Engine:
    """The engine with these execution options (the same pool), made once per engine
    (making one costs ~0.3 ms) and kept on the engine itself: the twin refers to its
    engine, so a cache beside them would keep every engine alive; a cycle between the
    two is freed with them."""
    twin = getattr(engine, name, None)
    if twin is None:
        twin = engine.execution_options(**options)
        setattr(engine, name, twin)
    return twin


def _autocommit(engine: Engine) -> Engine:
    return _twin(engine, "_loanbook_autocommit_twin", isolation_level="AUTOCOMMIT")


def _reads_only(engine: Engine) -> Engine:
    return _twin(engine, "_loanbook_reads_only_twin", **{READS_ONLY: True})


class UnitOfWork:
    def __init__(self, engine: Engine, *, read_only: bool = False, autocommit: bool = False) -> None:
        """``read_only``: the unit of work only reads (who a token is, whose a loan is, a
        stored position) and never commits. On PostgreSQL it then runs in autocommit:
        under READ COMMITTED each statement reads its own snapshot inside a transaction
        too, so nothing changes but the BEGIN and ROLLBACK round trips it saves (issue 10:
        two per request dependency). On SQLite, where a transaction is one snapshot, it
        begins DEFERRED rather than IMMEDIATE (store/database.py): it takes no writer's
        lock.

        ``autocommit``: a unit of one write statement (an idempotency key's claim): on
        PostgreSQL the statement commits on its own, without the BEGIN and COMMIT round
        trips; on SQLite it is an ordinary unit of work, committed by :meth:`commit`."""
        self.engine = engine
        self.read_only = read_only
        if engine.dialect.name == "postgresql":
            self._bind = _autocommit(engine) if read_only or autocommit else engine
        else:
            self._bind = _reads_only(engine) if read_only else engine

    def __enter__(self) -> Self:
        # A plain Session, not a sessionmaker per unit of work: each sessionmaker makes a
        # Session subclass, whose event dispatch SQLAlchemy then builds anew (issue 10: it
        # was ~0.4 ms of CPU per unit of work, three or four units per API request).
        self.session: Session = Session(self._bind, expire_on_commit=False)
        self.business_dates = BusinessDates(self.session)
        self.products = Products(self.session)
        self.borrowers = Borrowers(self.session, self.products)
        self.marks = Marks(self.session)
        self.journal = Journal(self.session)
        self.events = Events(self.session)
        self.cob_days = CobDays(self.session)
        self.nights = Nights(self.session)
        self.partitions = Partitions(self.session)  # close of business across workers
        self.users = Users(self.session)
        self.web_sessions = WebSessions(self.session)
        self.idempotency = IdempotencyKeys(self.session)
        self.coupons = Coupons(self.session)  # R13
        self.requests = PlanRequests(self.session)  # R11
        self.snapshots = PortfolioSnapshots(self.session)  # the back office's trends (migration 0012)
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
        if self.read_only:
            raise InvariantBroken("a read-only unit of work does not commit")
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

"""Quiet nights of borrowers whose plan R11 changed (issue 10, service/close_of_business.py
``_quiet_replanned``): the set-based steps read the disbursed plans, so such a borrower is
a candidate every night until settled; on a night the core says changes nothing of it
(rules/moved.py ``unchanged_overnight``) it is not replayed. The run must write what a
run replaying it every night writes, all but the day its marks and stored positions are
of, and the ledger check must pass."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from sqlalchemy import select

from helpers import _rows, store_contents
from loanbook.service import close_of_business, requests, servicing
from loanbook.service.close_of_business import close_day, close_until
from loanbook.service.ledger_check import check_ledger
from loanbook.service.setup import init_database
from loanbook.service.users import add_user
from loanbook.store.scratch import scratch_engine
from loanbook.store.tables import BureauRecordRow, LoanMarkRow
from loanbook.store.unit_of_work import UnitOfWork
from words import A, D

START = D("2026-01-15")
UNTIL = D("2026-07-20")


def _approve(engine, users, loan_id, **request) -> None:  # noqa: ANN001
    with UnitOfWork(engine) as uow:
        made = requests.make_request(uow, actor=users["operator"], loan_id=loan_id, reason="hardship", **request)
    with UnitOfWork(engine) as uow:
        requests.decide(uow, actor=users["reviewer"], request_id=made.row.id, approve=True, reason="ok")


def _run(engine) -> None:  # noqa: ANN001
    """An extended loan paid on its new plan's days, a negotiated one after it fell
    overdue, then paid; a plain borrower beside them who pays too."""
    init_database(engine, business_date=START)
    users = {}
    for role in ("operator", "reviewer"):
        with UnitOfWork(engine) as uow:
            users[role], _ = add_user(uow, name=role, role=role)
    loans = []
    with UnitOfWork(engine) as uow:
        borrowers = [servicing.create_borrower(uow, name=f"borrower {n}", phone=f"1370000{n:04d}",
                                               credit_limit=A("30000.00")).borrower.id for n in range(3)]
    for borrower_id, (product, principal, terms) in zip(borrowers, [("FLEX6", "10000.00", 6), ("TERM6", "8000.00", 3),
                                                                     ("FLEX6", "5000.00", 3)]):
        with UnitOfWork(engine) as uow:
            loans.append(servicing.disburse_loan(uow, borrower_id=borrower_id, product_code=product,
                                                 principal=A(principal), terms=terms).loan_id)
    close_until(engine, D("2026-01-25"))
    _approve(engine, users, loans[0], kind=requests.EXTENSION, months=2)
    close_until(engine, D("2026-03-25"))  # the TERM6 loan unpaid since its February due date: overdue
    _approve(engine, users, loans[1], kind=requests.NEGOTIATION, months=3, method="equal_installment")
    today = D("2026-03-25")
    while today < UNTIL:
        for borrower_id in borrowers if today >= D("2026-03-26") else borrowers[::2]:
            with UnitOfWork(engine) as uow:
                owed = servicing.borrower_bill(uow, borrower_id, today).total
            if owed > 0:
                with UnitOfWork(engine) as uow:
                    servicing.repay(uow, borrower_id=borrower_id, amount=owed, channel="test")
        today = close_day(engine).business_date


def _comparable(engine) -> dict[str, list[tuple]]:  # noqa: ANN001
    contents = store_contents(engine)
    with UnitOfWork(engine) as uow:
        contents["loan_marks"] = _rows(uow.session, LoanMarkRow, exclude=("as_of", "position_on", "position_json"))
        contents["bureau_records"] = _rows(uow.session, BureauRecordRow)
    contents["cob_days"] = [row[:2] for row in contents["cob_days"]]  # not how many were replayed
    return contents


def _replayed(engine) -> int:  # noqa: ANN001
    return sum(row[3] for row in store_contents(engine)["cob_days"])


def test_quiet_nights_of_replanned_borrowers_write_what_replaying_them_writes(backend):
    with scratch_engine(backend) as quiet, scratch_engine(backend) as every_night:
        _run(quiet)
        with mock.patch.object(close_of_business, "_quiet_replanned", lambda uow, day, after_id: set()):
            _run(every_night)
        assert _comparable(quiet) == _comparable(every_night)
        assert _replayed(quiet) < _replayed(every_night) - 60  # months of quiet nights were not replayed
        report = check_ledger(quiet)
        assert report.ok, report.problems
        with UnitOfWork(quiet) as uow:  # the plans changed, the loans paid on their new days
            assert len(uow.session.execute(select(BureauRecordRow.id).where(BureauRecordRow.moment.in_((42, 49))))
                       .all()) == 2

"""R16 through the services and close of business, on SQLite and PostgreSQL: the nightly
worklist follows the ladder day by day (and equals the pure ladder over every loan),
promises are kept or broken, and every guard's refusal is logged."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from collections_db import collections_engine  # noqa: F401 - the fixture
from sqlalchemy import select

from loanbook.collections.config import active_config
from loanbook.collections.ladder import LoanSituation
from loanbook.errors import BadInput, ContactRefused
from loanbook.money import from_fen
from loanbook.service import collections as service
from loanbook.service import servicing
from loanbook.service.close_of_business import close_until
from loanbook.store.collections import Collections
from loanbook.store.tables import LoanMarkRow, PlanInstalmentRow
from loanbook.store.unit_of_work import UnitOfWork

DUE = date(2026, 2, 10)  # FLEX6 disbursed on 2026-01-15: first instalment (interest) due 02-10
SHANGHAI = timezone(timedelta(hours=8))


def _borrower(engine, name: str, phone: str, principal: str) -> tuple[int, int]:
    with UnitOfWork(engine) as uow:
        borrower = servicing.create_borrower(uow, name=name, phone=phone, credit_limit=Decimal("50000.00")).borrower
    with UnitOfWork(engine) as uow:
        done = servicing.disburse_loan(uow, borrower_id=borrower.id, product_code="FLEX6",
                                       principal=Decimal(principal), terms=6)
    return borrower.id, done.loan_id


def _actions(engine, loan_id: int) -> dict[date, str]:
    with UnitOfWork(engine) as uow:
        return {row.business_date: row.action for row in Collections(uow.session).actions_of_loan(loan_id)}


def _situations(uow: UnitOfWork) -> list[LoanSituation]:
    """Every loan as the pure ladder sees it, read from the marks and plans."""
    plans: dict[int, set[date]] = {}
    for loan_id, due in uow.session.execute(select(PlanInstalmentRow.loan_id, PlanInstalmentRow.due_date)):
        plans.setdefault(loan_id, set()).add(due)
    situations = []
    for m in uow.session.scalars(select(LoanMarkRow)):
        owed = (m.principal_disbursed_fen - m.principal_paid_fen + m.interest_recognized_fen - m.interest_paid_fen
                + m.penalty_recognized_fen - m.penalty_paid_fen + m.fee_recognized_fen - m.fee_paid_fen)
        situations.append(LoanSituation(
            loan_id=m.loan_id, status=m.status, dpd=m.dpd, grace_days=uow.products.get(m.product_code).grace_days,
            amount_due=from_fen(m.amount_due_fen), owed=from_fen(owed), due_dates=frozenset(plans[m.loan_id])))
    return situations


def test_r16_the_nightly_worklist_follows_the_ladder_and_equals_the_pure_ladder(collections_engine):
    engine = collections_engine
    _, unpaid = _borrower(engine, "Wang Fang", "+86 138 0013 8000", "10000.00")
    _, small = _borrower(engine, "Li Lei", "+86 139 0013 9000", "3000.00")
    payer_id, payer = _borrower(engine, "Zhao Min", "+86 137 0013 7000", "10000.00")
    ladder = active_config().ladder
    checked_days = 0

    def check_day(closed) -> None:
        nonlocal checked_days
        with UnitOfWork(engine) as uow:
            day = uow.business_dates.get()
            expected = {loan_id: step.action for loan_id, step in ladder.worklist(_situations(uow), day).items()}
            made = {named.action.loan_id: named.action.action for named in Collections(uow.session).worklist(day)}
        assert made == expected, day
        checked_days += 1

    close_until(engine, DUE, on_day=check_day)
    with UnitOfWork(engine) as uow:
        servicing.repay(uow, borrower_id=payer_id, amount=Decimal("130.00"))  # pays on the due date
    close_until(engine, DUE + timedelta(days=95), on_day=check_day)
    assert checked_days == (DUE + timedelta(days=95) - date(2026, 1, 15)).days

    days = _actions(engine, unpaid)
    assert days[DUE - timedelta(days=3)] == "reminder_before_due"
    assert DUE - timedelta(days=2) not in days
    assert days[DUE] == "reminder_due_today"
    assert [days[DUE + timedelta(days=n)] for n in (1, 2, 3)] == ["grace_reminder"] * 3  # R7: grace never overdue
    assert days[DUE + timedelta(days=4)] == "overdue_notice"  # first overdue day, DPD 4
    assert all(DUE + timedelta(days=n) not in days for n in (5, 6))
    assert days[DUE + timedelta(days=7)] == days[DUE + timedelta(days=30)] == "phone_follow_up"
    assert days[DUE + timedelta(days=31)] == days[DUE + timedelta(days=90)] == "escalation"
    assert days[DUE + timedelta(days=91)] == "legal_review"  # over 90 DPD, 10,000.00 owed
    assert _actions(engine, small)[DUE + timedelta(days=91)] == "escalation"  # owes less than 5,000.00
    payer_days = _actions(engine, payer)
    assert payer_days[DUE] == "reminder_due_today" and DUE + timedelta(days=1) not in payer_days
    with UnitOfWork(engine) as uow:
        noticed = {loan_id for loan_id, _ in Collections(uow.session).pre_notices(DUE + timedelta(days=4))}
    assert noticed == {unpaid, small}  # the bureau pre-notice goes with it (R15)


def test_r16_promises_kept_or_broken_at_close_of_business(collections_engine):
    engine = collections_engine
    keeper_id, keeper = _borrower(engine, "Wang Fang", "+86 138 0013 8000", "10000.00")
    _, breaker = _borrower(engine, "Li Lei", "+86 139 0013 9000", "3000.00")
    close_until(engine, DUE + timedelta(days=5))
    today = DUE + timedelta(days=5)
    with UnitOfWork(engine) as uow:
        service.make_promise(uow, loan_id=keeper, amount=Decimal("100.00"), by=today + timedelta(days=2))
    with UnitOfWork(engine) as uow:
        service.make_promise(uow, loan_id=breaker, amount=Decimal("50.00"), by=today + timedelta(days=1))
    with UnitOfWork(engine) as uow, pytest.raises(BadInput, match="must be from the business date"):
        service.make_promise(uow, loan_id=breaker, amount=Decimal("50.00"), by=today - timedelta(days=1))
    close_until(engine, today + timedelta(days=1))
    with UnitOfWork(engine) as uow:
        servicing.repay(uow, borrower_id=keeper_id, amount=Decimal("60.00"))
    close_until(engine, today + timedelta(days=2))
    with UnitOfWork(engine) as uow:
        assert service.loan_collections(uow, breaker).promises[0].status == "broken"
        assert service.loan_collections(uow, keeper).promises[0].status == "open"  # its day has not closed
        servicing.repay(uow, borrower_id=keeper_id, amount=Decimal("40.00"))
    close_until(engine, today + timedelta(days=3))
    with UnitOfWork(engine) as uow:
        promise = service.loan_collections(uow, keeper).promises[0]
        assert (promise.status, promise.paid_fen, promise.checked_on) == ("kept", 10000, today + timedelta(days=2))
        assert Collections(uow.session).promise_counts() == {"kept": 1, "broken": 1}


def _log(engine, loan_id, *, to="+86 138 0013 8000", hour=10, outcome="connected", channel="call"):
    with UnitOfWork(engine) as uow:
        return service.log_contact_attempt(uow, loan_id=loan_id, channel=channel, to=to, outcome=outcome,
                                           at=datetime(2026, 1, 20, hour, 0, tzinfo=SHANGHAI), note="")


def test_r16_guards_refuse_and_log_third_party_22_00_08_00_and_3_connected_calls(collections_engine):
    engine = collections_engine
    _, loan_id = _borrower(engine, "Wang Fang", "+86 138 0013 8000", "10000.00")
    with pytest.raises(ContactRefused, match="third party") as third:
        _log(engine, loan_id, to="+86 139 1111 2222")  # the borrower's mother, say
    assert third.value.reason == "third party"
    with pytest.raises(ContactRefused) as night:
        _log(engine, loan_id, hour=23, channel="sms")
    assert night.value.reason == "22:00-08:00"
    for hour in (9, 10, 11):
        _log(engine, loan_id, hour=hour)
    _log(engine, loan_id, hour=12, outcome="no_answer")  # an unanswered call is allowed
    with pytest.raises(ContactRefused) as fourth:
        _log(engine, loan_id, hour=13)
    assert fourth.value.reason == "3 connected calls"
    with UnitOfWork(engine) as uow:
        attempts = service.loan_collections(uow, loan_id).attempts
        refused = sorted(a.refused_reason for a in attempts if a.refused_reason)
        assert refused == ["22:00-08:00", "3 connected calls", "third party"]  # every refusal is logged
        assert sum(a.refused_reason is None for a in attempts) == 4
        assert Collections(uow.session).refusal_counts() == {"third party": 1, "22:00-08:00": 1,
                                                             "3 connected calls": 1}


def test_r16_borrower_phone_is_the_phone_on_file_and_the_guards_accept_it(collections_engine):
    """The demo's collector dials the phone this returns: it is the borrower's on file (the
    one number R16's guards let through), and an unknown loan is NotFound."""
    from loanbook.errors import NotFound

    _, loan_id = _borrower(collections_engine, "周敏", "13900001111", "3000.00")
    with UnitOfWork(collections_engine) as uow:
        phone = service.borrower_phone(uow, loan_id)
    assert phone == "13900001111"
    with UnitOfWork(collections_engine) as uow:
        attempt = service.log_contact_attempt(uow, loan_id=loan_id, channel="call", to=phone,
                                              at=datetime(2026, 1, 15, 10, 0, tzinfo=SHANGHAI), outcome="no_answer")
    assert attempt.refused_reason is None
    with UnitOfWork(collections_engine) as uow, pytest.raises(NotFound):
        service.borrower_phone(uow, loan_id + 1000)

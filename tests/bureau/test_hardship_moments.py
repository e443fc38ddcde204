"""R15 with R11 through the services: an approved extension is reported at moment 42 and
an approved negotiated plan at moment 49 on the approval day, and a negotiated loan's due
dates are those of its NEW plan (moment 32 from the replay, never the disbursed plan)."""

from __future__ import annotations

from bureau_helpers import borrower, loan
from words import D
from loanbook.rules.replay import position
from loanbook.bureau.records import SETTLED
from loanbook.service import requests, servicing
from loanbook.service.close_of_business import close_until
from loanbook.service.users import add_user
from loanbook.store.bureau import BureauStore
from loanbook.store.unit_of_work import UnitOfWork


def _users(engine):
    made = {}
    for name, role in (("agent", "operator"), ("reviewer", "reviewer")):
        with UnitOfWork(engine) as uow:
            made[name], _ = add_user(uow, name=name, role=role)
    return made


def _approve(engine, users, loan_id, **request):
    with UnitOfWork(engine) as uow:
        made = requests.make_request(uow, actor=users["agent"], loan_id=loan_id, reason="hardship", **request)
    with UnitOfWork(engine) as uow:
        requests.decide(uow, actor=users["reviewer"], request_id=made.row.id, approve=True, reason="ok")


def _records(engine, loan_id):
    with UnitOfWork(engine) as uow:
        return [(r.moment, r.as_of.isoformat(), r.remaining_periods, r.dpd)
                for r in BureauStore(uow.session).records_of_loan(loan_id)]


def test_r15_r11_approved_extension_and_negotiated_plan_are_reported_at_42_and_49(engine):
    users = _users(engine)
    b = borrower(engine)
    extended, negotiated = loan(engine, b), loan(engine, b)
    close_until(engine, D("2026-01-20"))  # after the opening day, before the first due date
    _approve(engine, users, extended, kind=requests.EXTENSION, months=2)
    _approve(engine, users, negotiated, kind=requests.NEGOTIATION, months=6, method="interest_first")
    close_until(engine, D("2026-01-21"))
    assert (42, "2026-01-20") in [r[:2] for r in _records(engine, extended)]
    assert (49, "2026-01-20") in [r[:2] for r in _records(engine, negotiated)]


def test_r15_r11_a_negotiated_loan_reports_the_due_dates_of_its_new_plan(engine):
    users = _users(engine)
    b = borrower(engine)
    negotiated = loan(engine, b)
    close_until(engine, D("2026-03-20"))  # nothing paid: overdue since 2026-02-10
    _approve(engine, users, negotiated, kind=requests.NEGOTIATION, months=6, method="interest_first")
    close_until(engine, D("2026-05-01"))
    found = _records(engine, negotiated)
    assert found[0][0] == 10 and (49, "2026-03-20") in [r[:2] for r in found]
    # the new plan's first due date: from the replay of the stored book
    with UnitOfWork(engine) as uow:
        current = position(uow.borrowers.book(b), D("2026-04-30"), include_day=True)
    plan = current.loan(str(negotiated)).schedule
    first_new = min(i.due_date for i in plan if i.due_date > D("2026-03-20"))
    due_records = [r for r in found if r[0] == 32]
    assert [r[1] for r in due_records if r[1] > "2026-03-20"] == [first_new.isoformat()]
    [rec] = [r for r in due_records if r[1] == first_new.isoformat()]
    assert rec[3] == 0  # the new plan is current: no DPD
    assert rec[2] == sum(1 for i in plan if i.due_date > first_new)


def test_r15_r11_an_approval_on_a_due_date_is_reported_at_42_or_49_not_as_the_due_date(engine):
    """The approval outweighs the due date (records.PRECEDENCE): the fast path of the due
    dates must leave the loan to the replay, which knows the plan changed."""
    users = _users(engine)
    b = borrower(engine)
    extended, negotiated = loan(engine, b), loan(engine, b)
    close_until(engine, D("2026-02-10"))  # the first due date, nothing overdue yet
    _approve(engine, users, extended, kind=requests.EXTENSION, months=2)
    _approve(engine, users, negotiated, kind=requests.NEGOTIATION, months=6, method="interest_first")
    close_until(engine, D("2026-02-11"))
    assert [r[:2] for r in _records(engine, extended)] == [(10, "2026-01-15"), (42, "2026-02-10")]
    assert [r[:2] for r in _records(engine, negotiated)] == [(10, "2026-01-15"), (49, "2026-02-10")]


def test_r15_r11_a_replanned_loan_is_looked_at_until_the_day_it_is_settled(engine):
    """Its due dates are the new plan's, so the night looks at it every day (issue 10):
    until it is settled, whose record is made that day; after, nothing is left to report
    of it and the borrower is not read again for it."""
    users = _users(engine)
    b = borrower(engine)
    replanned = loan(engine, b)
    close_until(engine, D("2026-01-20"))
    _approve(engine, users, replanned, kind=requests.EXTENSION, months=2)
    close_until(engine, D("2026-01-25"))
    with UnitOfWork(engine) as uow:
        assert BureauStore(uow.session).borrowers_to_replay(D("2026-01-25")) == [b]  # no record of that day yet
        _, quote = servicing.payoff_quote(uow, replanned)
    with UnitOfWork(engine) as uow:
        servicing.pay_off(uow, borrower_id=b, loan_ids=[replanned], total=quote.total)
    close_until(engine, D("2026-01-27"))
    assert [r[:2] for r in _records(engine, replanned)][-1] == (SETTLED, "2026-01-25")
    with UnitOfWork(engine) as uow:
        assert BureauStore(uow.session).borrowers_to_replay(D("2026-01-27")) == []

"""Hardship services on SQLite and PostgreSQL (R11, R13, R14): reviewers racing to decide
one request get one decision, close of business keeps a replanned loan right night after
night, a payoff redeems a coupon at the quote less its waiver, and the ledger check holds."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from loanbook.errors import Conflict, RuleRefusal
from loanbook.service import coupons, requests, servicing
from loanbook.service.close_of_business import close_until
from loanbook.service.history import loan_history
from loanbook.service.ledger_check import check_ledger
from loanbook.service.users import add_user
from loanbook.store.unit_of_work import UnitOfWork
from words import A, D


def _users(engine):
    made = {}
    for name, role in (("agent", "operator"), ("reviewer 1", "reviewer"), ("reviewer 2", "reviewer")):
        with UnitOfWork(engine) as uow:
            made[name], _ = add_user(uow, name=name, role=role)
    return made


def _w1(engine) -> tuple[int, int]:
    with UnitOfWork(engine) as uow:
        borrower_id = servicing.create_borrower(uow, name="王芳", phone="13900000000", credit_limit=A("50000.00")).borrower.id
    with UnitOfWork(engine) as uow:
        loan_id = servicing.disburse_loan(uow, borrower_id=borrower_id, product_code="FLEX6", principal=A("10000.00"),
                                          terms=6).loan_id
    return borrower_id, loan_id


def test_r11_two_reviewers_racing_get_one_decision(engine):
    users = _users(engine)
    _, loan_id = _w1(engine)
    close_until(engine, D("2026-03-20"))
    with UnitOfWork(engine) as uow:
        made = requests.make_request(uow, actor=users["agent"], loan_id=loan_id, kind=requests.EXTENSION, months=2,
                                     reason="seasonal income")

    def decide(name: str):
        try:
            with UnitOfWork(engine) as uow:
                return requests.decide(uow, actor=users[name], request_id=made.row.id, approve=True, reason="ok").row.status
        except Conflict as exc:
            return f"conflict: {exc}"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(decide, ("reviewer 1", "reviewer 2")))
    assert outcomes[0] == "approved" and outcomes[1].startswith("conflict"), outcomes
    with UnitOfWork(engine) as uow:
        facts = uow.borrowers.book(made.row.borrower_id).plan_changes
    assert len(facts) == 1  # applied once
    assert check_ledger(engine).ok


def test_r11_a_negotiated_loan_closes_night_after_night_as_the_core_says(engine):
    """R11 worked figures (W1, nothing paid, approved 2026-03-20, 2.00 waived): ACTIVE on
    2026-03-21, the first new instalment 425.00 of interest and 2.76 of penalty; the
    ledger agrees every step; the waiver is on its own account; the history tells who."""
    users = _users(engine)
    borrower_id, loan_id = _w1(engine)
    close_until(engine, D("2026-03-20"))
    with UnitOfWork(engine) as uow:
        made = requests.make_request(uow, actor=users["agent"], loan_id=loan_id, kind=requests.NEGOTIATION, months=6,
                                     method="interest_first", waive_penalty="2.00", reason="lost job")
    assert (made.preview.carried_interest, made.preview.carried_penalty) == (A("320.00"), A("2.76"))
    with UnitOfWork(engine) as uow:
        requests.decide(uow, actor=users["reviewer 1"], request_id=made.row.id, approve=True, reason="")
    for day in ("2026-03-21", "2026-04-10", "2026-04-14", "2026-05-11"):
        close_until(engine, D(day))
        report = check_ledger(engine)
        assert report.ok, (day, report.problems)
    assert report.balances["penalty_waiver"] == 200
    with UnitOfWork(engine) as uow:
        servicing.repay(uow, borrower_id=borrower_id, amount=A("1000.00"), value_date=D("2026-04-10"), channel="late")
    report = check_ledger(engine)
    assert report.ok, report.problems
    with UnitOfWork(engine) as uow:
        items = loan_history(uow, actor=users["agent"], loan_id=loan_id).items
    assert [(i.kind, i.actor) for i in items if i.kind.startswith("request")] == [
        ("request", "agent"), ("request_approved", "reviewer 1")]


def test_r13_a_payoff_redeems_a_coupon_at_the_quote_less_its_waiver(engine):
    users = _users(engine)
    borrower_id, loan_id = _w1(engine)
    with UnitOfWork(engine) as uow:
        coupon = coupons.grant_coupon(uow, actor=users["agent"], borrower_id=borrower_id, amount=A("50.00"),
                                      expires_on=D("2026-03-31"))
    close_until(engine, D("2026-02-10"))
    with UnitOfWork(engine) as uow:
        _, quote = servicing.payoff_quote(uow, loan_id, coupon_id=coupon.coupon_id)
    assert quote.coupon_waived == A("50.00") and quote.to_pay == quote.total - A("50.00")
    with UnitOfWork(engine) as uow, pytest.raises(Conflict):
        servicing.pay_off(uow, borrower_id=borrower_id, loan_ids=[loan_id], total=quote.total, coupon_id=coupon.coupon_id)
    with UnitOfWork(engine) as uow:
        servicing.pay_off(uow, borrower_id=borrower_id, loan_ids=[loan_id], total=quote.to_pay, coupon_id=coupon.coupon_id)
    with UnitOfWork(engine) as uow, pytest.raises(RuleRefusal, match="already used"):
        servicing.repay(uow, borrower_id=borrower_id, amount=A("1.00"), coupon_id=coupon.coupon_id)
    report = check_ledger(engine)
    assert report.ok, report.problems
    assert report.balances["coupon_marketing_expense"] == 5000
    with UnitOfWork(engine) as uow:
        listed = coupons.list_coupons(uow, actor=users["agent"], borrower_id=borrower_id)
    assert [(c.status, c.used_on) for c in listed] == [("used", D("2026-02-10"))]

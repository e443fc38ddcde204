"""Who may back-date a repayment (issue 6 item 2): staff and the payment channels'
reconciliation (service code), never a borrower's token; never before the loan existed;
every booking keeps who made it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from loanbook.service import servicing
from loanbook.store.tables import TransactionRow
from loanbook.store.unit_of_work import UnitOfWork


def overdue_borrower(api) -> tuple[int, int]:
    """The finding's loan: OVERDUE at 10 DPD with penalty (W1's loan, first instalment
    unpaid since 2026-02-10)."""
    borrower_id = api.borrower()
    loan_id = api.loan(borrower_id)["id"]
    api.close_until(date(2026, 2, 20))
    loan = api.get(f"/v1/loans/{loan_id}").json()
    assert loan["status"] == "OVERDUE" and loan["dpd"] == 10 and Decimal(loan["penalty_due"]) > 0
    return borrower_id, loan_id


def transactions(api, borrower_id: int) -> list:
    """The borrower's stored transactions: kind, value_date, booked_on, booked_by_user_id."""
    columns = (TransactionRow.kind, TransactionRow.value_date, TransactionRow.booked_on, TransactionRow.booked_by_user_id)
    with UnitOfWork(api.engine) as uow:
        return list(uow.session.execute(select(*columns).where(TransactionRow.borrower_id == borrower_id)
                                        .order_by(TransactionRow.id)))


def test_a_borrower_token_may_not_back_date_a_repayment(api):
    borrower_id, loan_id = overdue_borrower(api)
    me = api.borrower_token(borrower_id)
    before = api.get(f"/v1/loans/{loan_id}").json()
    reply = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "300.00", "value_date": "2026-02-10"}, role=me)
    assert reply.status_code == 403
    error = reply.json()["error"]
    assert error["code"] == "forbidden" and "value_date" in error["message"] and "staff" in error["message"]
    assert api.get(f"/v1/loans/{loan_id}").json() == before  # still OVERDUE, penalty kept
    assert transactions(api, borrower_id) == []
    # even today's date: the field is staff's
    today = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "1.00", "value_date": "2026-02-20"}, role=me)
    assert today.status_code == 403


def test_a_borrower_repayment_is_value_dated_on_the_business_date_and_keeps_its_booker(api):
    borrower_id, _ = overdue_borrower(api)
    me = api.borrower_token(borrower_id)
    reply = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "10.00"}, role=me)
    assert reply.status_code == 201
    assert reply.json()["allocation"]["value_date"] == "2026-02-20"
    assert reply.json()["booked_by_user_id"] == api.user_id(me)
    row, = transactions(api, borrower_id)
    assert (row.value_date, row.booked_on, row.booked_by_user_id) == (date(2026, 2, 20), date(2026, 2, 20), api.user_id(me))


def test_staff_may_back_date_and_the_booking_says_who(api):
    borrower_id, loan_id = overdue_borrower(api)
    reply = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "300.00", "value_date": "2026-02-10"},
                     role="operator")
    assert reply.status_code == 201, reply.text
    assert reply.json()["booked_by_user_id"] == api.user_id("operator")
    assert api.get(f"/v1/loans/{loan_id}").json()["status"] == "ACTIVE"  # paid on time, once known (R6)
    row, = transactions(api, borrower_id)
    assert (row.value_date, row.booked_on, row.booked_by_user_id) == (
        date(2026, 2, 10), date(2026, 2, 20), api.user_id("operator"))


def test_never_a_value_date_before_the_loan_existed(api):
    borrower_id, _ = overdue_borrower(api)
    reply = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "10.00", "value_date": "2026-01-14"})
    assert reply.status_code == 422
    assert "before the borrower's first loan exists" in reply.json()["error"]["message"]
    assert transactions(api, borrower_id) == []


def test_payoffs_and_refunds_keep_their_booker_too(api):
    borrower_id, loan_id = overdue_borrower(api)
    api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "20000.00"}, role="operator")
    api.close_until(date(2026, 2, 21))
    assert api.post(f"/v1/borrowers/{borrower_id}/refunds", {"amount": "1.00"}).status_code == 201
    booked_by = {row.kind: row.booked_by_user_id for row in transactions(api, borrower_id)}
    assert booked_by["repayment"] == api.user_id("operator")
    assert booked_by["refund"] == api.user_id("admin")


def test_reconciliation_by_service_code_may_back_date_and_is_booked_by_no_user(api):
    borrower_id, _ = overdue_borrower(api)
    with UnitOfWork(api.engine) as uow:
        servicing.repay(uow, borrower_id=borrower_id, amount=Decimal("300.00"), value_date=date(2026, 2, 10),
                        channel="bank_transfer")
    row, = transactions(api, borrower_id)
    assert row.value_date == date(2026, 2, 10) and row.booked_by_user_id is None

"""The bureau over HTTP (R15): a loan's records, disputes; on SQLite and PostgreSQL."""

from __future__ import annotations

from words import D
from loanbook.bureau import record_pre_notice
from loanbook.store.unit_of_work import UnitOfWork


def test_r15_get_loan_bureau_shows_every_record_submitted_or_not(api):
    borrower_id = api.borrower()
    loan_id = api.loan(borrower_id)["id"]
    api.close_until(D("2026-02-11"))
    reply = api.get(f"/v1/loans/{loan_id}/bureau", role="reviewer")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert [(r["type"], r["moment"], r["status_24"], r["submitted_on"]) for r in body["records"]] == [
        ("record", 10, "*", None), ("record", 32, "*N", None)]
    role = api.borrower_token(borrower_id)
    assert api.get(f"/v1/loans/{loan_id}/bureau", role=role).status_code == 200
    other = api.borrower()
    stranger = api.borrower_token(other)
    assert api.get(f"/v1/loans/{loan_id}/bureau", role=stranger).status_code == 404  # the same as a missing loan
    assert api.get(f"/v1/loans/{loan_id + 1000}/bureau", role=stranger).status_code == 404


def test_r15_art_25_disputes_filed_listed_and_resolved_over_http(api):
    borrower_id = api.borrower()
    loan_id = api.loan(borrower_id)["id"]
    api.close_until(D("2026-03-11"))
    role = api.borrower_token(borrower_id)
    filed = api.post(f"/v1/loans/{loan_id}/bureau/disputes", {"claim": "I paid in February"}, role=role, key=None)
    assert filed.status_code == 201, filed.text
    dispute = filed.json()
    assert (dispute["filed_on"], dispute["deadline_on"], dispute["status"]) == ("2026-03-11", "2026-03-31", "open")
    assert api.post(f"/v1/loans/{loan_id}/bureau/disputes", {"claim": ""}, role=role, key=None).status_code == 422
    listed = api.get("/v1/bureau/disputes?open_only=true", role="reviewer").json()
    assert [(d["id"], d["age_days"], d["days_left"]) for d in listed] == [(dispute["id"], 0, 20)]
    assert api.post(f"/v1/bureau/disputes/{dispute['id']}/resolution", {"decision": "rejected", "reason": "x"},
                    role=role, key=None).status_code == 403
    assert api.post(f"/v1/bureau/disputes/{dispute['id']}/resolution", {"decision": "maybe", "reason": "x"},
                    role="reviewer", key=None).status_code == 422
    done = api.post(f"/v1/bureau/disputes/{dispute['id']}/resolution",
                    {"decision": "rejected", "reason": "no payment in February on the bank statement"},
                    role="reviewer", key=None)
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["resolution"]) == ("rejected", "no payment in February on the bank statement")
    again = api.post(f"/v1/bureau/disputes/{dispute['id']}/resolution", {"decision": "upheld", "reason": "x"},
                     role="reviewer", key=None)
    assert again.status_code in (409, 422) and "already rejected" in again.text


def test_r15_a_pre_notice_lets_the_negative_record_out(api):
    borrower_id = api.borrower()
    loan_id = api.loan(borrower_id)["id"]
    api.close_until(D("2026-03-11"))
    with UnitOfWork(api.engine) as uow:
        record_pre_notice(uow, loan_id=loan_id, on=D("2026-03-11"), channel="sms")
        uow.commit()
    records = api.get(f"/v1/loans/{loan_id}/bureau").json()["records"]
    assert records[-1]["status_24"] == "*11" and records[-1]["dpd"] == 28

"""R16 through the HTTP API, on SQLite and PostgreSQL: the worklist, contact attempts
refused by the guards with 422 contact_refused and the guard's reason (third party,
22:00-08:00, 3 connected calls), promises, a loan's collections history, and who may."""

from __future__ import annotations

import warnings
from datetime import date, timedelta

import pytest

from collections_db import collections_engine  # noqa: F401 - the fixture

from loanbook.api.app import create_app
from loanbook.service.close_of_business import close_until
from loanbook.service.users import add_user
from loanbook.store.unit_of_work import UnitOfWork

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
from fastapi.testclient import TestClient  # noqa: E402 - after the warning filter

PHONE = "+86 138 0013 8000"
DUE = date(2026, 2, 10)


@pytest.fixture
def api(collections_engine):
    client = TestClient(create_app(collections_engine))
    tokens = {}
    with UnitOfWork(collections_engine) as uow:
        for role in ("admin", "operator", "reviewer"):
            _, tokens[role] = add_user(uow, name=f"{role} of the tests", role=role)
    headers = {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}
    borrower = client.post("/v1/borrowers", json={"name": "Wang Fang", "phone": PHONE, "credit_limit": "50000.00"},
                           headers=headers["admin"]).json()["id"]
    loan = client.post(f"/v1/borrowers/{borrower}/loans", json={"product": "FLEX6", "principal": "10000.00",
                                                                 "terms": 6},
                       headers={**headers["admin"], "Idempotency-Key": "loan-1"}).json()["id"]
    with UnitOfWork(collections_engine) as uow:
        _, tokens["borrower"] = add_user(uow, name="the borrower", role="borrower", borrower_id=borrower)
    headers["borrower"] = {"Authorization": f"Bearer {tokens['borrower']}"}
    return client, headers, collections_engine, loan


def attempt(at="2026-02-14T10:00:00+08:00", to=PHONE, outcome="connected", channel="call"):
    return {"channel": channel, "to": to, "at": at, "outcome": outcome, "note": "spoke to the borrower"}


def test_r16_worklist_attempts_promises_and_history(api):
    client, headers, engine, loan = api
    close_until(engine, DUE + timedelta(days=4))  # 2026-02-14: the first overdue day
    reply = client.get("/v1/collections/worklist", headers=headers["operator"])
    assert reply.status_code == 200, reply.text
    worklist = reply.json()
    assert worklist["business_date"] == "2026-02-14" and worklist["counts"] == {"overdue_notice": 1}
    item = worklist["items"][0]
    assert (item["loan_id"], item["action"], item["dpd"], item["bureau_pre_notice"]) == (loan, "overdue_notice", 4, True)
    assert "Wang Fang" in item["message"] and "逾期 4 天" in item["message"]
    only = client.get("/v1/collections/worklist", params={"action": "escalation"}, headers=headers["reviewer"]).json()
    assert only["items"] == [] and only["counts"] == {"overdue_notice": 1}

    logged = client.post(f"/v1/loans/{loan}/contact-attempts", json=attempt(), headers=headers["operator"])
    assert logged.status_code == 201, logged.text
    assert logged.json()["local_date"] == "2026-02-14" and logged.json()["refused_reason"] is None
    promise = client.post(f"/v1/loans/{loan}/promises", json={"amount": "130.00", "by": "2026-02-16"},
                          headers=headers["operator"])
    assert promise.status_code == 201, promise.text
    assert promise.json()["status"] == "open" and promise.json()["amount"] == "130.00"
    history = client.get(f"/v1/loans/{loan}/collections", headers=headers["reviewer"]).json()
    assert [a["outcome"] for a in history["attempts"]] == ["connected"]
    assert [p["by"] for p in history["promises"]] == ["2026-02-16"]
    assert [a["action"] for a in history["actions"]][-1] == "overdue_notice"


GUARDED = (
    (attempt(to="+86 139 1111 2222"), "third party"),
    (attempt(at="2026-02-14T22:30:00+08:00"), "22:00-08:00"),
    (attempt(at="2026-02-13T23:30:00Z", channel="sms"), "22:00-08:00"),  # 07:30 in Shanghai
)


def test_r16_a_guard_refuses_with_contact_refused_and_its_reason(api):
    client, headers, _, loan = api
    for body, reason in GUARDED:
        reply = client.post(f"/v1/loans/{loan}/contact-attempts", json=body, headers=headers["operator"])
        assert reply.status_code == 422, reply.text
        error = reply.json()["error"]
        assert error["code"] == "contact_refused" and error["reason"] == reason and reason in error["message"]
    history = client.get(f"/v1/loans/{loan}/collections", headers=headers["admin"]).json()
    assert sorted(a["refused_reason"] for a in history["attempts"]) == sorted(r for _, r in GUARDED)  # all logged


def test_r16_the_fourth_connected_call_of_a_day_is_refused(api):
    client, headers, _, loan = api
    for hour in ("09", "10", "11"):
        assert client.post(f"/v1/loans/{loan}/contact-attempts", json=attempt(at=f"2026-02-14T{hour}:00:00+08:00"),
                           headers=headers["operator"]).status_code == 201
    fourth = client.post(f"/v1/loans/{loan}/contact-attempts", json=attempt(at="2026-02-14T15:00:00+08:00"),
                         headers=headers["operator"])
    assert fourth.status_code == 422 and fourth.json()["error"]["reason"] == "3 connected calls"
    next_day = client.post(f"/v1/loans/{loan}/contact-attempts", json=attempt(at="2026-02-15T09:00:00+08:00"),
                           headers=headers["operator"])
    assert next_day.status_code == 201


BAD_ATTEMPTS = (
    ({**attempt(), "at": "2026-02-14T10:00:00"}, "at"),  # no offset: whose 22:00?
    ({**attempt(), "at": 1771034400}, "at"),
    ({**attempt(), "at": "0001-01-01T00:00:00+14:00"}, "at"),  # before the calendar in UTC: no 500
    ({**attempt(), "channel": "letter"}, "channel"),
    ({**attempt(), "outcome": "threatened"}, "outcome"),
    ({**attempt(), "to": "mother"}, "to"),
    ({**attempt(), "note": "x" * 501}, "note"),
    ({**attempt(), "extra": 1}, "extra"),
)


def test_bad_contact_attempts_name_the_field(api):
    client, headers, _, loan = api
    for body, field in BAD_ATTEMPTS:
        reply = client.post(f"/v1/loans/{loan}/contact-attempts", json=body, headers=headers["operator"])
        assert reply.status_code == 422 and reply.json()["error"]["code"] == "bad_input", reply.text
        assert field in reply.text
    history = client.get(f"/v1/loans/{loan}/collections", headers=headers["admin"]).json()
    assert history["attempts"] == []  # bad input changes nothing


BAD_PROMISES = (
    ({"amount": "0.00", "by": "2026-01-20"}, "amount"),
    ({"amount": "10.001", "by": "2026-01-20"}, "amount"),
    ({"amount": "10.00", "by": "2026-01-14"}, "must be from the business date"),
    ({"amount": "10.00", "by": "2026-03-30"}, "must be from the business date"),
    ({"amount": "10.00", "by": 20260120}, "by"),
)


def test_bad_promises_are_refused(api):
    client, headers, _, loan = api
    for body, words in BAD_PROMISES:
        reply = client.post(f"/v1/loans/{loan}/promises", json=body, headers=headers["operator"])
        assert reply.status_code == 422 and words in reply.text, reply.text
    assert client.get(f"/v1/loans/{loan}/collections", headers=headers["admin"]).json()["promises"] == []


def test_who_may_work_collections(api):
    client, headers, _, loan = api
    assert client.post(f"/v1/loans/{loan}/contact-attempts", json=attempt(), headers=headers["reviewer"]).status_code == 403
    assert client.post(f"/v1/loans/{loan}/promises", json={"amount": "1.00", "by": "2026-01-20"},
                       headers=headers["borrower"]).status_code == 403
    assert client.get("/v1/collections/worklist", headers=headers["borrower"]).status_code == 403
    assert client.get("/v1/loans/987654/collections", headers=headers["admin"]).status_code == 404
    assert client.get("/v1/collections/worklist", params={"action": "dunning"},
                      headers=headers["admin"]).status_code == 422

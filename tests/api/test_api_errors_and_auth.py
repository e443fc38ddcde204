"""The error envelope and its codes, and who may do what (401, 403)."""

from __future__ import annotations

from datetime import date

import pytest

from api_helpers import make_api


def error_of(reply) -> dict:
    body = reply.json()
    assert set(body) == {"error"}, body
    assert body["error"]["message"], body
    return body["error"]


def test_unknown_borrower_and_loan_are_404(api):
    assert error_of(api.get("/v1/borrowers/999"))["code"] == "not_found"
    reply = api.get("/v1/loans/999")
    assert reply.status_code == 404 and error_of(reply) == {"code": "not_found", "message": "no loan 999"}
    reply = api.post("/v1/borrowers/999/repayments", {"amount": "10.00"})
    assert reply.status_code == 404 and "borrower 999" in error_of(reply)["message"]


def test_an_unknown_route_is_404_in_the_envelope(api):
    reply = api.get("/v1/nowhere")
    assert reply.status_code == 404 and error_of(reply)["code"] == "not_found"
    reply = api.client.delete("/v1/business-date", headers=api.auth())
    assert reply.status_code == 405 and error_of(reply)["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("amount", "words"),
    [("0", "more than zero"), ("-5.00", "more than zero"), ("1.001", "more than 2 decimal places"),
     ("ten", "is not an amount"), ("1e400", "is not an amount"), ("NaN", "is not an amount"),
     ("1,5", "is not an amount"), ("１２３", "is not an amount"), ("1000000000", "above the largest amount")],
)
def test_a_bad_amount_is_422_bad_input_naming_it(api, amount, words):
    borrower_id = api.borrower()
    api.loan(borrower_id)
    reply = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": amount})
    assert reply.status_code == 422
    error = error_of(reply)
    assert error["code"] == "bad_input" and "amount" in error["message"] and words in error["message"]


def test_a_rule_refusal_is_422_refused(api):
    """R9: a drawdown above the available credit."""
    borrower_id = api.borrower(credit_limit="5000.00")
    reply = api.post(f"/v1/borrowers/{borrower_id}/loans", {"product": "FLEX6", "principal": "6000.00", "terms": 6})
    assert reply.status_code == 422
    error = error_of(reply)
    assert error["code"] == "refused" and "R9" in error["message"]
    quote = api.get(f"/v1/loans/{api.loan(borrower_id, principal='1000.00')['id']}/payoff-quote")
    assert quote.status_code == 422 and error_of(quote)["code"] == "refused"  # R8: not on the disbursement day


def test_bad_input_from_the_services(api):
    borrower_id = api.borrower()
    reply = api.post(f"/v1/borrowers/{borrower_id}/loans", {"product": "NOPE", "principal": "1000.00", "terms": 6})
    assert reply.status_code == 422 and "unknown product 'NOPE'" in error_of(reply)["message"]
    reply = api.post(f"/v1/borrowers/{borrower_id}/loans", {"product": "FLEX6", "principal": "1000.00", "terms": 9})
    assert reply.status_code == 422 and "terms" in error_of(reply)["message"]
    api.loan(borrower_id)
    future = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "10.00", "value_date": "2026-01-16"})
    assert future.status_code == 422 and "future" in error_of(future)["message"]
    phone = api.post("/v1/borrowers", {"name": "A", "phone": "call me", "credit_limit": "100.00"})
    assert phone.status_code == 422 and "phone" in error_of(phone)["message"]


def test_validation_errors_name_the_field(api):
    borrower_id = api.borrower()
    reply = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"value_date": "10 Feb"})
    assert reply.status_code == 422
    error = error_of(reply)
    assert error["code"] == "bad_input"
    assert {f["field"] for f in error["fields"]} == {"amount", "value_date"}
    assert "amount" in error["message"] and "value_date" in error["message"]
    reply = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "1.00", "amout": "1.00"})
    assert reply.status_code == 422 and error_of(reply)["fields"][0]["field"] == "amout"
    reply = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": True})
    assert reply.status_code == 422 and error_of(reply)["fields"][0]["field"] == "amount"
    reply = api.get("/v1/loans/abc")
    assert reply.status_code == 422 and error_of(reply)["fields"][0] == {
        "field": "loan_id", "in": "path", "message": "must be a whole number, like 6"}
    reply = api.get("/v1/loans/99999999999999999999")
    assert reply.status_code == 422 and error_of(reply)["fields"][0]["field"] == "loan_id"
    reply = api.get(f"/v1/borrowers/{borrower_id}/bill")
    assert reply.status_code == 422 and error_of(reply)["fields"][0] == {
        "field": "due_date", "in": "query", "message": "is required"}


def test_a_body_that_is_not_json_is_422(api):
    borrower_id = api.borrower()
    headers = {**api.auth(key="k"), "Content-Type": "application/json"}
    reply = api.client.post(f"/v1/borrowers/{borrower_id}/repayments", content=b"{amount: 1", headers=headers)
    assert reply.status_code == 422 and "not valid JSON" in error_of(reply)["message"]
    reply = api.client.post(f"/v1/borrowers/{borrower_id}/repayments", content=b'{"amount": NaN}', headers=headers)
    assert reply.status_code == 422 and error_of(reply)["code"] == "bad_input"


def test_text_the_database_cannot_hold_is_refused_before_it(api):
    reply = api.post("/v1/borrowers", {"name": "x" * 201, "phone": "1", "credit_limit": "1.00"})
    assert reply.status_code == 422 and error_of(reply)["fields"][0]["field"] == "name"
    reply = api.post("/v1/borrowers", {"name": "nul\x00", "phone": "1", "credit_limit": "1.00"})
    assert reply.status_code == 422 and "control characters" in error_of(reply)["message"]


def test_an_unexpected_error_is_500_without_a_trace(engine, monkeypatch):
    api = make_api(engine, raise_server_exceptions=False)

    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("loanbook.service.servicing.borrower_summary", broken)
    reply = api.get("/v1/borrowers/1")
    assert reply.status_code == 500
    error = error_of(reply)
    assert error["code"] == "internal_error" and "secret" not in reply.text and "Traceback" not in reply.text


def test_an_invariant_broken_is_500_internal_error(engine, monkeypatch):
    from loanbook.errors import InvariantBroken

    api = make_api(engine, raise_server_exceptions=False)

    def broken(*_args, **_kwargs):
        raise InvariantBroken("paid more than due on loan 1")

    monkeypatch.setattr("loanbook.service.servicing.repay", broken)
    borrower_id = api.borrower()
    reply = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "1.00"})
    assert reply.status_code == 500
    assert error_of(reply)["code"] == "internal_error" and "Traceback" not in reply.text


# --- authentication and roles ---------------------------------------------------------


def test_no_token_or_a_bad_one_is_401(api):
    reply = api.client.get("/v1/business-date")
    assert reply.status_code == 401 and error_of(reply)["code"] == "unauthenticated"
    assert reply.headers["www-authenticate"] == "Bearer"
    reply = api.client.get("/v1/business-date", headers={"Authorization": "Bearer not-a-token"})
    assert reply.status_code == 401 and error_of(reply)["message"] == "that token is not valid"
    reply = api.client.get("/v1/business-date", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert reply.status_code == 401


def test_a_reviewer_only_reads(api):
    borrower_id = api.borrower()
    loan_id = api.loan(borrower_id)["id"]
    for path in (f"/v1/borrowers/{borrower_id}", f"/v1/loans/{loan_id}", "/v1/business-date"):
        assert api.get(path, role="reviewer").status_code == 200, path
    for path, body in ((f"/v1/borrowers/{borrower_id}/repayments", {"amount": "1.00"}),
                       ("/v1/borrowers", {"name": "x", "phone": "1", "credit_limit": "1"}),
                       (f"/v1/borrowers/{borrower_id}/loans", {"product": "FLEX6", "principal": "100.00", "terms": 1})):
        reply = api.post(path, body, role="reviewer")
        assert reply.status_code == 403 and error_of(reply) == {"code": "forbidden",
                                                                 "message": "a reviewer token may only read"}
    assert api.get("/v1/ledger/trial-balance", role="reviewer").status_code == 403


def test_an_operator_may_not_close_the_day_nor_read_the_ledger(api):
    assert api.post("/v1/business-date/close", role="operator").status_code == 403
    assert api.get("/v1/ledger/check", role="operator").status_code == 403
    assert api.get("/v1/business-date").json() == {"business_date": "2026-01-15"}


def test_a_borrower_token_reaches_only_its_own_borrower(api):
    mine, theirs = api.borrower(name="Mine"), api.borrower(name="Theirs")
    my_loan, their_loan = api.loan(mine)["id"], api.loan(theirs)["id"]
    me = api.borrower_token(mine)
    assert api.get(f"/v1/borrowers/{mine}", role=me).status_code == 200
    assert api.get(f"/v1/loans/{my_loan}", role=me).status_code == 200
    assert api.get(f"/v1/borrowers/{mine}/bill", role=me, params={"due_date": "2026-02-10"}).status_code == 200
    api.close_until(date(2026, 2, 10))
    assert api.post(f"/v1/borrowers/{mine}/repayments", {"amount": "130.00"}, role=me).status_code == 201
    assert api.get(f"/v1/loans/{my_loan}/payoff-quote", role=me).status_code == 200

    for reply in (
        api.get(f"/v1/borrowers/{theirs}", role=me),
        api.get(f"/v1/loans/{their_loan}", role=me),
        api.get(f"/v1/loans/{their_loan}/payoff-quote", role=me),
        api.get(f"/v1/borrowers/{theirs}/bill", role=me, params={"due_date": "2026-02-10"}),
        api.post(f"/v1/borrowers/{theirs}/repayments", {"amount": "1.00"}, role=me),
        api.post(f"/v1/borrowers/{theirs}/payoffs", {"loan_ids": [their_loan], "total": "1.00"}, role=me),
    ):
        # another borrower's record answers as a missing one would (issue 6 item 3)
        assert reply.status_code == 404, reply.request.url
        assert error_of(reply)["code"] == "not_found"
        assert error_of(reply)["message"] in (f"no borrower {theirs}", f"no loan {their_loan}")
    for reply in (
        api.post(f"/v1/borrowers/{mine}/loans", {"product": "FLEX6", "principal": "100.00", "terms": 1}, role=me),
        api.post(f"/v1/borrowers/{mine}/refunds", {"amount": "1.00"}, role=me),
        api.post("/v1/borrowers", {"name": "x", "phone": "1", "credit_limit": "1"}, role=me),
        api.get("/v1/business-date", role=me),
        api.get("/v1/ledger/trial-balance", role=me),
    ):
        assert reply.status_code == 403, reply.request.url

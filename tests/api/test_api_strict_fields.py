"""Strict types for every field, the field named in every error, in plain words (issue 6
items 1, 5 and 9; issue 11: the OpenAPI document and `channel`)."""

from __future__ import annotations

import json

import pytest

from api_helpers import new_key

JARGON = ("Input should", "at least 1 item", "Field required", "Value error", "pydantic", "Extra inputs")


def refused_field(reply, field: str) -> str:
    """The 422's message for ``field``; the field is named, and in plain words."""
    assert reply.status_code == 422, reply.text
    error = reply.json()["error"]
    assert error["code"] == "bad_input"
    assert not any(word in reply.text for word in JARGON), reply.text
    named = [f for f in error.get("fields", []) if f["field"] == field]
    assert named or error["message"].startswith(field), (field, error)
    return named[0]["message"] if named else error["message"]


def raw_post(api, path: str, text: str, role: str = "admin"):
    headers = {**api.auth(role, new_key()), "Content-Type": "application/json"}
    return api.client.post(path, content=text.encode("utf-8", "surrogatepass"), headers=headers)


@pytest.fixture
def borrower_with_loan(api) -> tuple[int, int]:
    borrower_id = api.borrower()
    return borrower_id, api.loan(borrower_id)["id"]


@pytest.mark.parametrize("amount", ["1,5", "12,34", "1,00", "１２３", "٣.٠٠", "1_000.00", "1e2"])
def test_a_loose_amount_books_nothing(api, borrower_with_loan, amount):
    """The finding: a repayment of "12,34" booked 1,234.00."""
    borrower_id, _ = borrower_with_loan
    reply = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": amount})
    assert "is not an amount" in refused_field(reply, "amount")
    assert api.get(f"/v1/borrowers/{borrower_id}").json()["credit_balance"] == "0.00"
    assert api.get(f"/v1/loans/{borrower_with_loan[1]}").json()["total_paid"] == "0.00"


@pytest.mark.parametrize(
    ("path", "field", "text"),
    [
        ("/v1/borrowers", "name", '{"name": "\\ud83d", "phone": "13800138000", "credit_limit": "1.00"}'),
        ("/v1/borrowers", "phone", '{"name": "Li", "phone": "138\\udc00", "credit_limit": "1.00"}'),
        ("/v1/borrowers", "credit_limit", '{"name": "Li", "phone": "13800138000", "credit_limit": "\\ud83d"}'),
        ("/v1/borrowers/{b}/loans", "product", '{"product": "FLEX6\\ud83d", "principal": "100.00", "terms": 1}'),
        ("/v1/borrowers/{b}/loans", "partner_share", '{"product": "FLEX6", "principal": "100.00", "terms": 1, "partner_share": "\\udfff"}'),
        ("/v1/borrowers/{b}/repayments", "amount", '{"amount": "1.00\\ud83d"}'),
        ("/v1/borrowers/{b}/repayments", "channel", '{"amount": "1.00", "channel": "\\ud83d"}'),
        ("/v1/borrowers/{b}/repayments", "value_date", '{"amount": "1.00", "value_date": "2026-01-1\\ud83d"}'),
        ("/v1/borrowers/{b}/payoffs", "total", '{"loan_ids": [1], "total": "\\ud83d"}'),
        ("/v1/borrowers/{b}/refunds", "amount", '{"amount": "\\ud800\\ud800"}'),
    ],
)
def test_a_lone_surrogate_in_any_string_field_is_422_naming_it(api, borrower_with_loan, path, field, text):
    reply = raw_post(api, path.replace("{b}", str(borrower_with_loan[0])), text)
    refused_field(reply, field)
    json.loads(reply.content)  # the answer itself is valid JSON in UTF-8


def test_a_lone_surrogate_in_a_key_or_a_raw_byte_is_no_500(api, borrower_with_loan):
    path = f"/v1/borrowers/{borrower_with_loan[0]}/repayments"
    reply = raw_post(api, path, '{"amount": "1.00", "\\ud83d": 1}')
    assert reply.status_code == 422
    json.loads(reply.content)
    headers = {**api.auth("admin", new_key()), "Content-Type": "application/json"}
    reply = api.client.post(path, content=b'{"amount": "1.00\xff"}', headers=headers)
    assert reply.status_code == 422
    reply = api.client.get(f"/v1/borrowers/{borrower_with_loan[0]}/bill?due_date=%ED%A0%BD", headers=api.auth())
    assert reply.status_code == 422


@pytest.mark.parametrize("phone", ["+", "-", "²³", "１３８００１３８０００", "1234", "+86  138", "138-", "-138 0000",
                                   "138\u00a00013 8000", "1" * 21, "+86 (138) 0013"])
def test_phones_follow_the_documented_pattern(api, phone):
    reply = api.post("/v1/borrowers", {"name": "Li Lei", "phone": phone, "credit_limit": "100.00"})
    assert "phone number" in refused_field(reply, "phone")


@pytest.mark.parametrize("phone", ["13800138000", "+86 138 0013 8000", "010-8888-6666", "12345", "+" + "1" * 20])
def test_phones_of_the_pattern_are_taken(api, phone):
    reply = api.post("/v1/borrowers", {"name": "Li Lei", "phone": phone, "credit_limit": "100.00"})
    assert reply.status_code == 201 and reply.json()["phone"] == phone


@pytest.mark.parametrize("name", ["evil\u202egnp.exe", "a\u2066b", "a\u2069", "a\u202ab", "x\u200fy", "line\u2028break",
                                  "tab\tname", "nul\x00"])
def test_names_without_control_or_bidi_characters(api, name):
    reply = api.post("/v1/borrowers", {"name": name, "phone": "13800138000", "credit_limit": "100.00"})
    assert "characters" in refused_field(reply, "name")


def test_a_name_as_long_as_the_column_is_stored_on_every_database(api):
    for length in (150, 200):
        reply = api.post("/v1/borrowers", {"name": "张" * length, "phone": f"13800138{length}", "credit_limit": "100.00"})
        assert reply.status_code == 201 and reply.json()["name"] == "张" * length
    reply = api.post("/v1/borrowers", {"name": "张" * 201, "phone": "13800138000", "credit_limit": "100.00"})
    assert "at most 200 characters" in refused_field(reply, "name")


@pytest.mark.parametrize(("field", "value"), [("name", 123), ("phone", 13800138000)])
def test_text_fields_take_only_text(api, field, value):
    body = {"name": "Li Lei", "phone": "13800138000", "credit_limit": "100.00", field: value}
    assert "text" in refused_field(api.post("/v1/borrowers", body), field)


@pytest.mark.parametrize("value_date", [1705276800, 0, "1705276800", "2026-01-15T00:00:00", "20260115", "2026-1-15",
                                        "２０２６-01-15", True, "2026-02-30"])
def test_a_value_date_only_as_an_iso_string(api, borrower_with_loan, value_date):
    reply = api.post(f"/v1/borrowers/{borrower_with_loan[0]}/repayments", {"amount": "1.00", "value_date": value_date})
    message = refused_field(reply, "value_date")
    assert "YYYY-MM-DD" in message or "calendar" in message


@pytest.mark.parametrize("due_date", ["0", "1705276800", "2026-02-10T00:00:00", "2026-02-30"])
def test_a_due_date_only_as_an_iso_string(api, borrower_with_loan, due_date):
    reply = api.get(f"/v1/borrowers/{borrower_with_loan[0]}/bill", params={"due_date": due_date})
    refused_field(reply, "due_date")


@pytest.mark.parametrize("terms", ["6", 6.0, True, 6.5, "six"])
def test_terms_only_as_a_json_integer(api, terms):
    borrower_id = api.borrower()
    reply = api.post(f"/v1/borrowers/{borrower_id}/loans", {"product": "FLEX6", "principal": "100.00", "terms": terms})
    assert "whole number" in refused_field(reply, "terms")


@pytest.mark.parametrize("loan_id", [100098.0, "1", True])
def test_loan_ids_only_as_json_integers(api, borrower_with_loan, loan_id):
    borrower_id, _ = borrower_with_loan
    reply = api.post(f"/v1/borrowers/{borrower_id}/payoffs", {"loan_ids": [loan_id], "total": "1.00"})
    assert "whole number" in refused_field(reply, "loan_ids.0")


def test_validation_messages_are_plain_words(api, borrower_with_loan):
    borrower_id, _ = borrower_with_loan
    reply = api.post(f"/v1/borrowers/{borrower_id}/payoffs", {"loan_ids": [], "total": "1.00"})
    assert refused_field(reply, "loan_ids") == "must not be empty"
    reply = api.post(f"/v1/borrowers/{borrower_id}/payoffs", {"total": "1.00"})
    assert refused_field(reply, "loan_ids") == "is required"
    reply = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "1.00", "amout": "1.00"})
    assert refused_field(reply, "amout") == "is not a field of this request"
    reply = api.post(f"/v1/borrowers/{borrower_id}/loans", {"product": "FLEX6", "principal": "100.00", "terms": 0})
    assert refused_field(reply, "terms") == "must be 1 or more"
    reply = api.post(f"/v1/borrowers/{borrower_id}/repayments", [1, 2])
    assert reply.status_code == 422 and "JSON object" in reply.json()["error"]["message"]
    reply = api.get("/v1/loans/0")
    assert refused_field(reply, "loan_id") == "must be 1 or more"


@pytest.mark.parametrize("channel", ["bank_transfer", "alipay", "wechat_pay", "unionpay", "counter", "api"])
def test_a_channel_from_the_fixed_list_is_kept(api, borrower_with_loan, channel):
    reply = api.post(f"/v1/borrowers/{borrower_with_loan[0]}/repayments", {"amount": "1.00", "channel": channel})
    assert reply.status_code == 201, reply.text


@pytest.mark.parametrize("channel", ["cash-in-a-bag", "", "API", "bank transfer"])
def test_any_other_channel_is_refused(api, borrower_with_loan, channel):
    reply = api.post(f"/v1/borrowers/{borrower_with_loan[0]}/repayments", {"amount": "1.00", "channel": channel})
    assert "must be one of" in refused_field(reply, "channel")


def test_the_openapi_document_says_what_the_server_requires(api):
    document = api.client.get("/openapi.json").json()
    for path, method in (("/v1/borrowers/{borrower_id}/repayments", "post"), ("/v1/borrowers/{borrower_id}/payoffs", "post"),
                         ("/v1/borrowers/{borrower_id}/refunds", "post"), ("/v1/borrowers/{borrower_id}/loans", "post"),
                         ("/v1/business-date/close", "post")):
        header, = [p for p in document["paths"][path][method]["parameters"] if p["name"] == "Idempotency-Key"]
        assert header["required"] is True, path
    header, = [p for p in document["paths"]["/v1/borrowers"]["post"]["parameters"] if p["name"] == "Idempotency-Key"]
    assert header["required"] is False  # optional on creating a borrower
    schemas = document["components"]["schemas"]
    assert schemas["RepaymentCreate"]["properties"]["channel"]["enum"] == [
        "api", "bank_transfer", "alipay", "wechat_pay", "unionpay", "counter"]
    assert schemas["LoanCreate"]["properties"]["terms"]["type"] == "integer"

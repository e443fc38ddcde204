"""Lists, search, transaction history and statements (issue 11 item 3), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from api_helpers import FIRST_DAY


def error_of(reply) -> dict:
    return reply.json()["error"]


def _all_pages(api, path: str, role: str = "admin", **params) -> list[dict]:
    items, cursor, pages = [], None, 0
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        reply = api.get(path, role=role, params=query)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        items.extend(body["items"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items
        assert pages < 50


def test_borrowers_page_by_cursor_and_search_by_name_phone_and_id(api):
    ids = [api.borrower(name=name, phone=phone) for name, phone in (
        ("Wang Fang", "+86 139 1111 2222"), ("Li Lei", "+86 138 3333 4444"), ("wang xiaoming", "138-5555-6666"),
        ("Han Meimei", "+86 137 7777 8888"), ("王芳", "13900009999"))]
    listed = _all_pages(api, "/v1/borrowers", limit=2)
    assert [b["id"] for b in listed] == ids
    assert listed[0]["phone"] == "+86 139 1111 2222" and listed[0]["credit_limit"] == "50000.00"
    assert [b["id"] for b in _all_pages(api, "/v1/borrowers", q="WANG")] == [ids[0], ids[2]]  # any case
    assert [b["id"] for b in _all_pages(api, "/v1/borrowers", q="王")] == [ids[4]]
    assert [b["id"] for b in _all_pages(api, "/v1/borrowers", q="5555 6666")] == [ids[2]]  # by digits
    assert [b["id"] for b in _all_pages(api, "/v1/borrowers", phone="13833334444")] == [ids[1]]
    assert [b["id"] for b in _all_pages(api, "/v1/borrowers", q=str(ids[3]))] == [ids[3]]
    assert _all_pages(api, "/v1/borrowers", q="100%_") == []  # wildcards are plain characters


def test_phones_are_masked_for_reviewers_and_a_borrower_lists_only_itself(api):
    first = api.borrower(name="Wang Fang", phone="+86 139 1111 2222")
    second = api.borrower(name="Li Lei", phone="+86 138 3333 4444")
    reviewed = _all_pages(api, "/v1/borrowers", role="reviewer")
    assert [b["phone"] for b in reviewed] == ["+** *** **** 2222", "+** *** **** 4444"]
    assert [b["phone"] for b in _all_pages(api, "/v1/borrowers", role="operator")] == ["+86 139 1111 2222",
                                                                                        "+86 138 3333 4444"]
    role = api.borrower_token(second)
    assert [b["id"] for b in _all_pages(api, "/v1/borrowers", role=role)] == [second]
    assert _all_pages(api, "/v1/borrowers", role=role, q=str(first)) == []
    api.loan(first)
    mine = api.loan(second)
    assert [loan["id"] for loan in _all_pages(api, "/v1/loans", role=role)] == [mine["id"]]
    assert api.get(f"/v1/borrowers/{first}/transactions", role=role).status_code == 404
    assert error_of(api.get(f"/v1/borrowers/{first}/statement?from=2026-01-15&to=2026-01-15", role=role)) == \
        {"code": "not_found", "message": f"no borrower {first}"}


def test_loans_filtered_by_status_dpd_product_disbursement_and_due_day(api):
    payer, late = api.borrower(name="Payer"), api.borrower(name="Late")
    paying = api.loan(payer, principal="1000.00", terms=3)
    unpaid = api.loan(late, principal="2000.00", terms=3, product="TERM6")
    first_due = date.fromisoformat(paying["plan"][0]["due_date"])
    api.close_until(first_due)
    assert api.post(f"/v1/borrowers/{payer}/repayments", {"amount": "100.00"}).status_code == 201
    api.close_until(date(2026, 3, 1))
    overdue = _all_pages(api, "/v1/loans", status="OVERDUE")
    assert [loan["id"] for loan in overdue] == [unpaid["id"]]
    assert overdue[0]["dpd"] > 0 and overdue[0]["borrower"] == {"id": late, "name": "Late", "phone": overdue[0]["borrower"]["phone"]}
    assert overdue[0]["as_of"] == "2026-03-01"
    assert [loan["id"] for loan in _all_pages(api, "/v1/loans", dpd_min=1)] == [unpaid["id"]]
    assert [loan["id"] for loan in _all_pages(api, "/v1/loans", dpd_max=0)] == [paying["id"]]
    assert [loan["id"] for loan in _all_pages(api, "/v1/loans", product="TERM6")] == [unpaid["id"]]
    assert [loan["id"] for loan in _all_pages(api, "/v1/loans", due_on=first_due.isoformat())] == [paying["id"], unpaid["id"]]
    assert _all_pages(api, "/v1/loans", due_on="2026-02-16") == []
    assert len(_all_pages(api, "/v1/loans", disbursed_from=FIRST_DAY.isoformat(), disbursed_to=FIRST_DAY.isoformat())) == 2
    assert _all_pages(api, "/v1/loans", disbursed_from="2026-01-16") == []
    assert [loan["id"] for loan in _all_pages(api, "/v1/loans", q="late")] == [unpaid["id"]]


def test_bad_list_input_is_a_sentence(api):
    assert "status" in error_of(api.get("/v1/loans", params={"status": "LATE"}))["message"]
    assert "cursor" in error_of(api.get("/v1/loans", params={"cursor": "bm9wZQ"}))["message"]
    assert api.get("/v1/loans", params={"limit": 0}).status_code == 422
    assert "dpd_min" in error_of(api.get("/v1/loans", params={"dpd_min": 5, "dpd_max": 1}))["message"]
    assert api.get("/v1/loans", params={"due_on": "2026-02-30"}).status_code == 422


def test_transaction_history_shows_allocations_and_who_booked(api):
    borrower_id = api.borrower()
    loan = api.loan(borrower_id, principal="10000.00", terms=6)
    api.close_until(date(2026, 2, 15))
    paid = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "200.00", "value_date": "2026-02-14"},
                    role="operator")
    assert paid.status_code == 201, paid.text
    history = api.get(f"/v1/borrowers/{borrower_id}/transactions").json()
    assert history["next_cursor"] is None and len(history["items"]) == 1
    item = history["items"][0]
    assert item["kind"] == "repayment" and item["amount"] == "200.00" and item["value_date"] == "2026-02-14"
    assert item["booked_by"] == {"user_id": api.user_id("operator"), "name": "operator of the tests"}
    assert item["allocation"]["lines"][0]["loan_id"] == loan["id"]
    assert item["allocation"] == paid.json()["allocation"]


def test_statement_between_two_days(api):
    borrower_id = api.borrower()
    api.loan(borrower_id, principal="10000.00", terms=6)
    api.close_until(date(2026, 2, 10))  # W1: 130.00 of interest due
    assert api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "160.00"}).status_code == 201
    reply = api.get(f"/v1/borrowers/{borrower_id}/statement", params={"from": "2026-02-01", "to": "2026-02-10"})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["opening"]["principal_outstanding"] == "10000.00" and body["opening"]["on"] == "2026-01-31"
    [line] = body["lines"]
    assert line["kind"] == "repayment" and line["amount"] == "160.00" and line["interest"] == "130.00"
    assert line["to_credit"] == "30.00" and line["transaction"]["booked_by"]["name"] == "admin of the tests"
    assert body["closing"]["credit_balance"] == "30.00" and body["closing"]["amount_due"] == "0.00"
    too_late = api.get(f"/v1/borrowers/{borrower_id}/statement", params={"from": "2026-02-01", "to": "2026-03-01"})
    assert too_late.status_code == 422 and "business date" in error_of(too_late)["message"]
    assert api.get(f"/v1/borrowers/{borrower_id}/statement", params={"from": "2026-02-10", "to": "2026-02-01"}).status_code == 422


def test_a_phone_belongs_to_one_borrower(api):
    first = api.borrower(phone="+86 138 0013 8000")
    reply = api.post("/v1/borrowers", {"name": "Someone Else", "phone": "86-138-0013-8000", "credit_limit": "100.00"})
    assert reply.status_code == 409
    assert error_of(reply)["message"] == f"phone 86-138-0013-8000 is already borrower {first}'s: one phone belongs to one borrower"

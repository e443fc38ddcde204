"""Every endpoint's happy path, through the worked examples W1-W3 of RULES.md."""

from __future__ import annotations

from datetime import date

from words import D


def test_create_and_read_a_borrower(api):
    reply = api.post("/v1/borrowers", {"name": "Li Lei", "phone": "138 0013 8000", "credit_limit": "50000"}, key=None)
    assert reply.status_code == 201
    created = reply.json()
    assert created["credit_line"] == {"limit": "50000.00", "available": "50000.00"}
    assert created["credit_balance"] == "0.00" and created["loans"] == []
    assert created["business_date"] == "2026-01-15"
    read = api.get(f"/v1/borrowers/{created['id']}", role="operator")
    assert read.status_code == 200
    assert read.json() == created
    # A reviewer sees only the phone's last four digits (privacy.py).
    assert api.get(f"/v1/borrowers/{created['id']}", role="reviewer").json() == {**created, "phone": "*** **** 8000"}


def test_w1_drawdown_shows_the_plan_and_both_annual_rates(api):
    """R4, R10: 10,000.00 on 2026-01-15 over 6 terms: 880.00 of interest, 18.25% simple, 19.86% IRR."""
    borrower_id = api.borrower()
    reply = api.post(f"/v1/borrowers/{borrower_id}/loans", {"product": "FLEX6", "principal": "10000.00", "terms": 6},
                     role="operator")
    assert reply.status_code == 201, reply.text
    loan = reply.json()
    assert loan["borrower_id"] == borrower_id and loan["disbursed_on"] == "2026-01-15"
    assert loan["annual_rate_simple"] == "18.25%" and loan["annual_rate_irr"] == "19.86%"
    assert loan["interest_total"] == "880.00" and loan["maturity_date"] == "2026-07-10"
    assert [(p["due_date"], p["days"], p["interest"], p["principal"]) for p in loan["plan"]] == [
        ("2026-02-10", 26, "130.00", "0.00"),
        ("2026-03-10", 28, "140.00", "0.00"),
        ("2026-04-10", 31, "155.00", "0.00"),
        ("2026-05-10", 30, "150.00", "0.00"),
        ("2026-06-10", 31, "155.00", "0.00"),
        ("2026-07-10", 30, "150.00", "10000.00"),
    ]
    summary = api.get(f"/v1/borrowers/{borrower_id}").json()
    assert summary["credit_line"] == {"limit": "50000.00", "available": "40000.00"}
    assert summary["loans"] == [{
        "id": loan["id"], "product": "FLEX6", "disbursed_on": "2026-01-15", "status": "ACTIVE", "dpd": 0,
        "principal_outstanding": "10000.00", "principal_due": "0.00", "interest_due": "0.00", "penalty_due": "0.00",
        "payoff_total": None, "settled_on": None,
    }]


def test_a_loan_reads_as_a_scenario_checkpoint(api):
    borrower_id = api.borrower()
    loan_id = api.loan(borrower_id)["id"]
    reply = api.get(f"/v1/loans/{loan_id}", role="reviewer")
    assert reply.status_code == 200
    loan = reply.json()
    assert {k: loan[k] for k in ("id", "borrower_id", "product", "business_date")} == {
        "id": loan_id, "borrower_id": borrower_id, "product": "FLEX6", "business_date": "2026-01-15"}
    checkpoint_fields = {"status", "dpd", "principal_outstanding", "principal_due", "interest_due", "penalty_due",
                         "payoff_total", "principal_paid", "interest_paid", "penalty_paid", "fee_paid",
                         "coupon_waived", "total_paid", "settled_on", "schedule"}
    assert checkpoint_fields <= set(loan)
    assert loan["payoff_total"] is None  # R8: no payoff on the disbursement day
    assert loan["schedule"][0] == {"period": 1, "due_date": "2026-02-10", "principal": "0.00", "interest": "130.00",
                                   "fee": "0.00", "paid_principal": "0.00", "paid_interest": "0.00",
                                   "paid_penalty": "0.00", "paid_fee": "0.00"}


def test_the_statement_on_a_due_date(api):
    borrower_id = api.borrower()
    first = api.loan(borrower_id)["id"]
    second = api.loan(borrower_id, principal="2000.00", terms=3)["id"]
    reply = api.get(f"/v1/borrowers/{borrower_id}/bill", params={"due_date": "2026-02-10"})
    assert reply.status_code == 200
    bill = reply.json()
    assert bill["due_date"] == "2026-02-10"
    assert bill["lines"] == [
        {"loan_id": first, "principal": "0.00", "interest": "130.00", "penalty": "0.00", "total": "130.00"},
        {"loan_id": second, "principal": "0.00", "interest": "26.00", "penalty": "0.00", "total": "26.00"},
    ]
    assert bill["total"] == "156.00" and bill["credit_balance"] == "0.00"


def test_business_date_and_close_of_business(api):
    assert api.get("/v1/business-date", role="reviewer").json() == {"business_date": "2026-01-15"}
    borrower_id = api.borrower()
    api.loan(borrower_id)
    reply = api.post("/v1/business-date/close")
    assert reply.status_code == 200, reply.text
    assert reply.json()["closed"] == "2026-01-15" and reply.json()["business_date"] == "2026-01-16"
    assert api.get("/v1/business-date").json() == {"business_date": "2026-01-16"}
    assert api.get(f"/v1/borrowers/{borrower_id}").json()["business_date"] == "2026-01-16"


def test_w2_late_first_instalment(api):
    """R5, R7: grace until 13 February; on the 14th OVERDUE, DPD 4, penalty 0.39; a
    payment of 130.00 pays the penalty first."""
    borrower_id = api.borrower()
    loan_id = api.loan(borrower_id)["id"]
    api.close_until(D("2026-02-13"))
    grace = api.get(f"/v1/loans/{loan_id}").json()
    assert (grace["status"], grace["dpd"], grace["penalty_due"], grace["interest_due"]) == ("GRACE", 0, "0.00", "130.00")
    assert api.post("/v1/business-date/close").status_code == 200  # closes the 13th
    overdue = api.get(f"/v1/loans/{loan_id}").json()
    assert overdue["business_date"] == "2026-02-14"
    assert (overdue["status"], overdue["dpd"], overdue["penalty_due"]) == ("OVERDUE", 4, "0.39")
    assert overdue["payoff_total"] == "10150.39"

    reply = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "130.00", "channel": "bank_transfer"})
    assert reply.status_code == 201, reply.text
    paid = reply.json()
    assert paid["allocation"]["value_date"] == "2026-02-14" and paid["allocation"]["amount"] == "130.00"
    assert paid["allocation"]["lines"] == [{"loan_id": loan_id, "period": 1, "penalty": "0.39", "interest": "129.61",
                                            "principal": "0.00", "fee": "0.00", "total": "130.00"}]
    assert paid["credit_balance"] == "0.00" and paid["allocation"]["to_credit"] == "0.00"
    after = api.get(f"/v1/loans/{loan_id}").json()
    assert (after["status"], after["interest_due"], after["penalty_paid"]) == ("OVERDUE", "0.39", "0.39")


def test_w3_payoff_flex_and_a_stale_total(api):
    """R8: first instalment paid on time, payoff on 1 March: 10,000 + 95.00 = 10,095.00."""
    borrower_id = api.borrower()
    loan_id = api.loan(borrower_id)["id"]
    api.close_until(D("2026-02-10"))
    assert api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "130.00"}).status_code == 201
    api.close_until(D("2026-03-01"))
    quote = api.get(f"/v1/loans/{loan_id}/payoff-quote").json()
    assert quote == {"loan_id": loan_id, "date": "2026-03-01", "principal": "10000.00", "interest": "95.00",
                     "penalty": "0.00", "fee": "0.00", "total": "10095.00",
                     "credit_balance": "0.00", "total_after_credit": "10095.00"}

    stale = api.post(f"/v1/borrowers/{borrower_id}/payoffs", {"loan_ids": [loan_id], "total": "10000.00"})
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict" and "10095.00" in stale.json()["error"]["message"]

    reply = api.post(f"/v1/borrowers/{borrower_id}/payoffs", {"loan_ids": [loan_id], "total": "10095.00"})
    assert reply.status_code == 201, reply.text
    payoff = reply.json()
    assert payoff["business_date"] == "2026-03-01" and len(payoff["transaction_ids"]) == 1
    lines = payoff["allocations"][0]["lines"]
    assert [line["total"] for line in lines] == ["10095.00"]  # the settlement instalment (docs/decisions.md, R8)
    settled = api.get(f"/v1/loans/{loan_id}").json()
    assert (settled["status"], settled["settled_on"], settled["total_paid"]) == ("SETTLED", "2026-03-01", "10225.00")
    summary = api.get(f"/v1/borrowers/{borrower_id}").json()
    assert summary["credit_line"]["available"] == "50000.00"


def test_w3_as_term6_carries_the_3_percent_fee(api):
    borrower_id = api.borrower()
    loan_id = api.loan(borrower_id, product="TERM6")["id"]
    api.close_until(D("2026-02-10"))
    api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "130.00"})
    api.close_until(D("2026-03-01"))
    quote = api.get(f"/v1/loans/{loan_id}/payoff-quote", role="operator").json()
    assert (quote["fee"], quote["total"]) == ("300.00", "10395.00")
    reply = api.post(f"/v1/borrowers/{borrower_id}/payoffs", {"loan_ids": [loan_id], "total": "10395.00"},
                     role="operator")
    assert reply.status_code == 201, reply.text
    assert api.get(f"/v1/loans/{loan_id}").json()["fee_paid"] == "300.00"


def test_overpayment_becomes_credit_balance_and_is_refunded(api):
    borrower_id = api.borrower()
    api.loan(borrower_id)
    api.close_until(D("2026-02-10"))
    paid = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "200.00"}).json()
    assert paid["allocation"]["to_credit"] == "70.00" and paid["credit_balance"] == "70.00"
    reply = api.post(f"/v1/borrowers/{borrower_id}/refunds", {"amount": "50.00"}, role="operator")
    assert reply.status_code == 201, reply.text
    assert reply.json()["amount"] == "50.00" and reply.json()["credit_balance"] == "20.00"
    assert api.get(f"/v1/borrowers/{borrower_id}").json()["credit_balance"] == "20.00"
    too_much = api.post(f"/v1/borrowers/{borrower_id}/refunds", {"amount": "20.01"})
    assert too_much.status_code == 422 and too_much.json()["error"]["code"] == "refused"


def test_a_late_booked_repayment_is_value_dated(api):
    """R6: learnt of on the 14th, paid on the 10th: on time, no penalty, never overdue."""
    borrower_id = api.borrower()
    loan_id = api.loan(borrower_id)["id"]
    api.close_until(D("2026-02-14"))
    reply = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "130.00", "value_date": "2026-02-10"})
    assert reply.status_code == 201, reply.text
    assert reply.json()["allocation"]["lines"][0]["penalty"] == "0.00"
    loan = api.get(f"/v1/loans/{loan_id}").json()
    assert (loan["status"], loan["dpd"], loan["penalty_due"], loan["penalty_paid"]) == ("ACTIVE", 0, "0.00", "0.00")


def test_ledger_trial_balance_and_check(api):
    borrower_id = api.borrower()
    api.loan(borrower_id)
    api.close_until(D("2026-02-14"))
    api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "100.00"})
    trial = api.get("/v1/ledger/trial-balance")
    assert trial.status_code == 200
    body = trial.json()
    assert body["balanced"] is True and body["debits"] == body["credits"]
    assert body["balances"]["principal_receivable"] == "10000.00"
    check = api.get("/v1/ledger/check")
    assert check.status_code == 200
    assert check.json()["ok"] is True and check.json()["problems"] == []
    assert check.json()["loans_checked"] == 1


def test_amounts_sent_as_json_numbers_are_taken_from_their_digits(api):
    """R3: 0.1 + 0.2 as floats is not 0.3; read from the digits it is."""
    borrower_id = api.borrower(credit_limit="100000")
    loan = api.post(f"/v1/borrowers/{borrower_id}/loans", {"product": "FLEX6", "principal": 10000.10, "terms": 6})
    assert loan.status_code == 201 and loan.json()["principal"] == "10000.10"
    api.close_until(date(2026, 2, 10))
    paid = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": 130.01}).json()
    assert paid["allocation"]["amount"] == "130.01"


def test_openapi_and_docs_are_served(api):
    spec = api.client.get("/openapi.json").json()
    assert "/v1/borrowers/{borrower_id}/repayments" in spec["paths"]
    assert spec["components"]["schemas"]["RepaymentCreate"]["properties"]["amount"]["type"] == "string"
    assert api.client.get("/docs").status_code == 200


def test_a_co_funded_drawdown_keeps_the_partner_share(api):
    """R17: the partner's share of principal is fixed at disbursement, at most 0.70."""
    borrower_id = api.borrower()
    body = {"product": "FLEX6", "principal": "1000.00", "terms": 3, "partner_share": "0.50"}
    reply = api.post(f"/v1/borrowers/{borrower_id}/loans", body)
    assert reply.status_code == 201 and reply.json()["partner_share"] == "0.50"
    too_much = api.post(f"/v1/borrowers/{borrower_id}/loans", {**body, "partner_share": "0.80"})
    assert too_much.status_code == 422 and "30%" in too_much.json()["error"]["message"]

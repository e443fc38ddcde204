"""R8 with the credit balance (issue 11 item 7): the quote shows the credit balance and
what is left after it; a payoff with use_credit pays only the net amount."""

from __future__ import annotations

from datetime import date

from loanbook.service.ledger_check import check_ledger


def _borrower_with_credit(api) -> tuple[int, int]:
    """FLEX6 10,000.00 disbursed 2026-01-15, 50.00 paid that day (nothing is due: it waits
    as credit, R6); the next day the payoff quote is 10,005.00 (one day of interest)."""
    borrower_id = api.borrower()
    loan_id = api.loan(borrower_id, principal="10000.00", terms=6)["id"]
    paid = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "50.00"})
    assert paid.status_code == 201 and paid.json()["credit_balance"] == "50.00"
    api.close_until(date(2026, 1, 16))
    return borrower_id, loan_id


def test_the_issue_figures_credit_50_quote_10005_pays_9955(api):
    borrower_id, loan_id = _borrower_with_credit(api)
    quote = api.get(f"/v1/loans/{loan_id}/payoff-quote").json()
    assert quote["total"] == "10005.00" and quote["credit_balance"] == "50.00"
    assert quote["total_after_credit"] == "9955.00"
    reply = api.post(f"/v1/borrowers/{borrower_id}/payoffs",
                     {"loan_ids": [loan_id], "total": "9955.00", "use_credit": True})
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert body["credit_balance"] == "0.00"  # no refund needed
    [allocation] = body["allocations"]
    assert allocation["amount"] == "10005.00" and allocation["to_credit"] == "-50.00"
    loan = api.get(f"/v1/loans/{loan_id}").json()
    assert loan["status"] == "SETTLED" and loan["principal_outstanding"] == "0.00"
    [payoff] = [t for t in api.get(f"/v1/borrowers/{borrower_id}/transactions").json()["items"] if t["kind"] == "payoff"]
    assert payoff["amount"] == "9955.00" and payoff["credit_used"] == "50.00"
    assert check_ledger(api.engine).ok  # cash 9,955.00 in, 50.00 of credit used: balanced (R14)


def test_without_use_credit_the_quote_total_is_still_due_and_the_net_is_refused(api):
    borrower_id, loan_id = _borrower_with_credit(api)
    net = api.post(f"/v1/borrowers/{borrower_id}/payoffs", {"loan_ids": [loan_id], "total": "9955.00"})
    assert net.status_code == 409 and "10005.00" in net.json()["error"]["message"]
    gross = api.post(f"/v1/borrowers/{borrower_id}/payoffs",
                     {"loan_ids": [loan_id], "total": "10005.00", "use_credit": True})
    assert gross.status_code == 409 and "less 50.00 of credit balance" in gross.json()["error"]["message"]
    plain = api.post(f"/v1/borrowers/{borrower_id}/payoffs", {"loan_ids": [loan_id], "total": "10005.00"})
    assert plain.status_code == 201 and plain.json()["credit_balance"] == "50.00"  # kept, refundable (R6)


def test_credit_covering_the_whole_quote_pays_it_with_a_zero_total(api):
    borrower_id = api.borrower()
    loan_id = api.loan(borrower_id, principal="100.00", terms=1)["id"]
    assert api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "500.00"}).status_code == 201
    api.close_until(date(2026, 1, 16))
    quote = api.get(f"/v1/loans/{loan_id}/payoff-quote").json()
    assert quote["total_after_credit"] == "0.00"
    reply = api.post(f"/v1/borrowers/{borrower_id}/payoffs", {"loan_ids": [loan_id], "total": "0.00", "use_credit": True})
    assert reply.status_code == 201, reply.text
    left = 500 - float(quote["total"])
    assert reply.json()["credit_balance"] == f"{left:.2f}"
    assert check_ledger(api.engine).ok


def test_a_coupon_and_the_credit_together_the_coupon_waives_first(api):
    """R13 then R8: the 10,005.00 quote has 5.00 interest; a 3.00 coupon waives 3.00, so
    10,002.00 is to pay; the 50.00 credit pays part and the borrower confirms 9,952.00."""
    borrower_id, loan_id = _borrower_with_credit(api)
    coupon = api.post(f"/v1/borrowers/{borrower_id}/coupons", {"amount": "3.00", "expires": "2026-03-31"})
    assert coupon.status_code == 201, coupon.text
    body = {"loan_ids": [loan_id], "coupon_id": coupon.json()["id"], "use_credit": True}
    wrong = api.post(f"/v1/borrowers/{borrower_id}/payoffs", {**body, "total": "9955.00"})
    assert wrong.status_code == 409 and "3.00 waived by the coupon" in wrong.json()["error"]["message"], wrong.text
    reply = api.post(f"/v1/borrowers/{borrower_id}/payoffs", {**body, "total": "9952.00"})
    assert reply.status_code == 201, reply.text
    [allocation] = reply.json()["allocations"]
    assert (allocation["amount"], allocation["to_credit"]) == ("10002.00", "-50.00")
    assert reply.json()["credit_balance"] == "0.00"
    loan = api.get(f"/v1/loans/{loan_id}").json()
    assert loan["status"] == "SETTLED"
    [payoff] = [t for t in api.get(f"/v1/borrowers/{borrower_id}/transactions").json()["items"] if t["kind"] == "payoff"]
    assert (payoff["amount"], payoff["credit_used"], payoff["coupon_id"]) == ("9952.00", "50.00", coupon.json()["id"])
    assert check_ledger(api.engine).ok  # cash 9,952.00, credit 50.00, waiver 3.00: balanced (R14)

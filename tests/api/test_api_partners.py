"""R17 through the API: the outbox with its age, breaks listed and worked, access first."""

from __future__ import annotations

from loanbook.service import partner_reconcile
from words import D


def test_r17_outbox_lists_undelivered_messages_with_their_age(api):
    borrower_id = api.borrower()
    reply = api.post(f"/v1/borrowers/{borrower_id}/loans",
                     {"product": "FLEX6", "principal": "1000.00", "terms": 1, "partner_share": "0.70"})
    assert reply.status_code == 201, reply.text
    loan_id = reply.json()["id"] if "id" in reply.json() else reply.json()["loan_id"]
    reply = api.get("/v1/partners/BANK/outbox?state=undelivered", role="reviewer")
    assert reply.status_code == 200, reply.text
    [message] = reply.json()
    assert (message["loan_id"], message["seq"], message["kind"], message["message_id"]) == (
        loan_id, 1, "disbursement", f"BANK-{loan_id}-1")
    assert message["age_seconds"] >= 0 and message["attempts"] == 0
    assert api.get("/v1/partners/BANK/outbox?state=delivered").json() == []


def test_r17_partner_routes_refuse_borrowers_and_unknown_partners(api):
    borrower_id = api.borrower()
    role = api.borrower_token(borrower_id)
    assert api.get("/v1/partners/BANK/outbox", role=role).status_code == 403
    assert api.get("/v1/partners/NOPE/outbox").status_code == 404
    assert api.get("/v1/partners/BANK/outbox?state=lost").status_code == 422


def test_r17_a_break_is_worked_through_the_api_and_never_edited_away(api):
    borrower_id = api.borrower()
    api.post(f"/v1/borrowers/{borrower_id}/loans", {"product": "FLEX6", "principal": "1000.00", "terms": 1,
                                                     "partner_share": "0.50"})
    api.close_until(D("2026-01-20"))
    found = partner_reconcile.reconcile(api.engine, partner_code="BANK", file_date=D("2026-01-19"), lines=[(999, 5, 0)])
    assert found.causes == {"missing_at_bank": 1, "unknown_loan": 1}
    breaks = api.get("/v1/partners/BANK/breaks").json()
    assert {b["cause"] for b in breaks} == {"missing_at_bank", "unknown_loan"}
    unknown = next(b for b in breaks if b["cause"] == "unknown_loan")
    path = f"/v1/partners/BANK/breaks/{unknown['id']}/resolution"
    refused = api.post(path, {"resolution": "accept"})
    assert refused.status_code == 422 and "note" in refused.text
    assert api.post(path, {"resolution": "accept", "note": "a loan of another platform"}, role="reviewer").status_code == 403
    done = api.post(path, {"resolution": "accept", "note": "a loan of another platform"})
    assert done.status_code == 200, done.text
    assert (done.json()["state"], done.json()["resolution"]) == ("resolved", "accept")
    assert api.post(path, {"resolution": "accept", "note": "again"}).status_code == 409
    everything = api.get("/v1/partners/BANK/breaks?state=all").json()
    assert len(everything) == 2  # kept, resolved, never deleted

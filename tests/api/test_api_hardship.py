"""Hardship and goodwill through the API (R11, R13, R14), on SQLite and PostgreSQL:
maker-checker (self-approval 403, a second decision 409), a borrower limited to its own
loans, negotiation previews, coupons refused with nothing moved, Idempotency-Key replay,
and the ledger check after each story."""

from __future__ import annotations

from typer.testing import CliRunner

from words import D
from loanbook.cli.main import app as cli
from loanbook.service.users import add_user
from loanbook.store.unit_of_work import UnitOfWork


def _ledger_ok(api) -> dict:
    check = api.get("/v1/ledger/check").json()
    assert check["ok"], check["problems"]
    return check["balances"]


def _w1(api, **kwargs) -> tuple[int, int]:
    """W1's borrower and loan: 10,000.00 on 2026-01-15 over 6 terms (R4)."""
    borrower_id = api.borrower(**kwargs)
    return borrower_id, api.loan(borrower_id)["id"]


def _second_admin(api) -> str:
    with UnitOfWork(api.engine) as uow:
        _, api.tokens["admin2"] = add_user(uow, name="second admin", role="admin")
    return "admin2"


def test_r11_extension_maker_checker(api):
    """R11: the maker may not decide (403, whatever the role); a request is decided once (409)."""
    _, loan_id = _w1(api)
    api.close_until(D("2026-05-02"))
    made = api.post(f"/v1/loans/{loan_id}/extension-requests", {"months": 2, "reason": "seasonal income"}, role="admin")
    assert made.status_code == 201, made.text
    request = made.json()
    assert (request["status"], request["kind"], request["months"]) == ("pending", "extension", 2)
    assert (request["made_by"], request["made_on"], request["decided_by"]) == ("admin of the tests", "2026-05-02", None)

    assert api.post(f"/v1/requests/{request['id']}/approve", {}, role="admin").status_code == 403  # its maker
    assert api.post(f"/v1/requests/{request['id']}/approve", {}, role="operator").status_code == 403  # not a checker
    assert api.get("/v1/requests?status=pending", role="reviewer").json()["requests"][0]["id"] == request["id"]
    pending = api.get(f"/v1/requests/{request['id']}", role="reviewer").json()
    assert pending["preview"]["maturity_date"] == "2026-09-10" and pending["refusal"] is None

    approved = api.post(f"/v1/requests/{request['id']}/approve", {"reason": "income proof seen"}, role="reviewer")
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["decided_by"]) == ("approved", "reviewer of the tests")
    again = api.post(f"/v1/requests/{request['id']}/reject", {"reason": "changed my mind"}, role=_second_admin(api))
    assert again.status_code == 409 and "already approved" in again.json()["error"]["message"]

    loan = api.get(f"/v1/loans/{loan_id}").json()
    assert loan["schedule"][-1]["due_date"] == "2026-09-10"  # W1's maturity 2026-07-10 + 2 months
    assert api.get("/v1/requests?status=pending").json()["requests"] == []
    kinds = [(item["kind"], item["actor"]) for item in api.get(f"/v1/loans/{loan_id}/history").json()["items"]]
    assert ("request", "admin of the tests") in kinds and ("request_approved", "reviewer of the tests") in kinds
    assert kinds[0] == ("disbursed", None)
    _ledger_ok(api)


def test_r11_negotiation_preview_and_rejection(api):
    """R11 worked figures: on 2026-03-20, nothing paid, carried interest 270.00 + 50.00 =
    320.00 and carried penalty 4.76 - 2.00 = 2.76; a rejection leaves the loan overdue."""
    _, loan_id = _w1(api)
    api.close_until(D("2026-03-20"))
    made = api.post(f"/v1/loans/{loan_id}/negotiation-requests",
                    {"method": "interest_first", "months": 6, "waive_penalty": "2.00", "reason": "lost job"},
                    role="operator")
    assert made.status_code == 201, made.text
    preview = made.json()["preview"]
    assert (preview["carried_interest"], preview["carried_penalty"]) == ("320.00", "2.76")
    assert preview["schedule"][0]["due_date"] == "2026-04-10" and len(preview["schedule"]) == 6
    assert api.get(f"/v1/loans/{loan_id}").json()["status"] == "OVERDUE"  # nothing changes before approval

    no_reason = api.post(f"/v1/requests/{made.json()['id']}/reject", {}, role="reviewer")
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["error"]["message"]
    rejected = api.post(f"/v1/requests/{made.json()['id']}/reject", {"reason": "no income at all"}, role="reviewer")
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    loan = api.get(f"/v1/loans/{loan_id}").json()
    assert (loan["status"], loan["dpd"], loan["penalty_due"]) == ("OVERDUE", 38, "4.76")

    too_much = api.post(f"/v1/loans/{loan_id}/negotiation-requests",
                        {"method": "interest_first", "months": 6, "waive_penalty": "5.00", "reason": "x"}, role="operator")
    assert too_much.status_code == 422 and "larger than the penalty" in too_much.json()["error"]["message"]
    assert [r["status"] for r in api.get(f"/v1/requests?loan_id={loan_id}").json()["requests"]] == ["rejected"]
    _ledger_ok(api)


def test_r11_negotiation_approved_books_the_waiver_to_its_own_account(api):
    _, loan_id = _w1(api)
    api.close_until(D("2026-03-20"))
    made = api.post(f"/v1/loans/{loan_id}/negotiation-requests",
                    {"method": "interest_first", "months": 6, "waive_penalty": "2.00", "reason": "lost job"}, role="operator")
    assert api.post(f"/v1/requests/{made.json()['id']}/approve", {}, role="reviewer").status_code == 200
    api.close_until(D("2026-03-21"))
    loan = api.get(f"/v1/loans/{loan_id}").json()
    assert (loan["status"], loan["dpd"], loan["payoff_total"]) == ("ACTIVE", 0, "10327.76")
    balances = _ledger_ok(api)
    assert balances["penalty_waiver"] == "2.00"


def test_a_borrower_reaches_only_its_own_loans_requests_and_coupons(api):
    mine, my_loan = _w1(api, name="Han Meimei")
    other, other_loan = _w1(api, name="Li Lei")
    me = api.borrower_token(mine)
    api.close_until(D("2026-03-20"))
    theirs = api.post(f"/v1/loans/{other_loan}/extension-requests", {"months": 1, "reason": "asked by phone"}, role="operator")
    assert theirs.status_code == 201

    assert api.post(f"/v1/loans/{other_loan}/extension-requests", {"months": 1}, role=me).status_code == 404
    assert api.get(f"/v1/requests/{theirs.json()['id']}", role=me).status_code == 404
    assert api.get(f"/v1/loans/{other_loan}/history", role=me).status_code == 404
    assert api.get(f"/v1/borrowers/{other}/coupons", role=me).status_code == 404
    assert api.post(f"/v1/requests/{theirs.json()['id']}/approve", {}, role=me).status_code == 403

    own = api.post(f"/v1/loans/{my_loan}/extension-requests", {"months": 1}, role=me)
    assert own.status_code == 201 and own.json()["made_by"] == f"borrower {mine}"
    assert [r["id"] for r in api.get("/v1/requests", role=me).json()["requests"]] == [own.json()["id"]]
    assert api.get(f"/v1/loans/{my_loan}/history", role=me).status_code == 200


def test_r13_refused_coupons_move_nothing(api):
    """R13: expired, used, not yet granted or another borrower's: 422, and the repayment is not taken."""
    borrower_id, loan_id = _w1(api)
    other, _ = _w1(api, name="Li Lei")
    api.close_until(D("2026-02-01"))
    expired = api.post(f"/v1/borrowers/{borrower_id}/coupons", {"amount": "50.00", "expires": "2026-02-09"}, role="operator")
    assert expired.status_code == 201 and expired.json()["status"] == "open"
    foreign = api.post(f"/v1/borrowers/{other}/coupons", {"amount": "50.00", "expires": "2026-03-31"}).json()
    assert api.post(f"/v1/borrowers/{borrower_id}/coupons", {"amount": "50.00", "expires": "2026-03-31"},
                    role="reviewer").status_code == 403
    api.close_until(D("2026-02-10"))
    before = (api.get(f"/v1/loans/{loan_id}").json(), api.get("/v1/ledger/trial-balance").json())
    for coupon_id, phrase in ((expired.json()["id"], "expired"), (foreign["id"], "unknown coupon")):
        refused = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "130.00", "coupon_id": coupon_id})
        assert refused.status_code == 422 and phrase in refused.json()["error"]["message"].lower(), refused.text
    assert (api.get(f"/v1/loans/{loan_id}").json(), api.get("/v1/ledger/trial-balance").json()) == before
    listed = api.get(f"/v1/borrowers/{borrower_id}/coupons").json()["coupons"]
    assert [c["status"] for c in listed] == ["expired"]
    _ledger_ok(api)


def test_r13_coupon_waives_interest_once_and_replays_with_the_same_key(api):
    """R13 worked example: a 100.00 coupon with 30.00 of cash on 2026-02-10 pays the 130.00
    of interest; the waiver is marketing expense, not cash; the same Idempotency-Key
    replays the response and takes nothing twice."""
    borrower_id, loan_id = _w1(api)
    api.close_until(D("2026-02-01"))
    coupon = api.post(f"/v1/borrowers/{borrower_id}/coupons", {"amount": "100.00", "expires": "2026-03-31"},
                      key="grant-1").json()
    assert api.post(f"/v1/borrowers/{borrower_id}/coupons", {"amount": "100.00", "expires": "2026-03-31"},
                    key="grant-1").headers.get("Idempotent-Replayed") == "true"
    api.close_until(D("2026-02-10"))
    body = {"amount": "30.00", "coupon_id": coupon["id"]}
    first = api.post(f"/v1/borrowers/{borrower_id}/repayments", body, key="pay-1")
    assert first.status_code == 201, first.text
    replay = api.post(f"/v1/borrowers/{borrower_id}/repayments", body, key="pay-1")
    assert replay.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json() == first.json()
    again = api.post(f"/v1/borrowers/{borrower_id}/repayments", body)
    assert again.status_code == 422 and "already used" in again.json()["error"]["message"].lower()

    api.close_until(D("2026-02-11"))
    loan = api.get(f"/v1/loans/{loan_id}").json()
    assert (loan["interest_paid"], loan["coupon_waived"], loan["total_paid"], loan["interest_due"]) == (
        "30.00", "100.00", "30.00", "0.00")
    assert [c["status"] for c in api.get(f"/v1/borrowers/{borrower_id}/coupons").json()["coupons"]] == ["used"]
    balances = _ledger_ok(api)
    assert balances["coupon_marketing_expense"] == "100.00"
    assert api.get("/v1/borrowers/1/coupons", role="reviewer").status_code == 200


def test_r11_an_undecided_extension_lapses_at_maturity(api):
    borrower_id = api.borrower()
    loan_id = api.loan(borrower_id, terms=1)["id"]  # due 2026-02-10
    api.close_until(D("2026-02-05"))
    made = api.post(f"/v1/loans/{loan_id}/extension-requests", {"months": 1, "reason": "x"}, role="operator").json()
    api.close_until(D("2026-02-09"))
    assert api.get(f"/v1/requests/{made['id']}").json()["status"] == "pending"
    total = api.get(f"/v1/loans/{loan_id}/payoff-quote").json()["total"]
    assert api.post(f"/v1/borrowers/{borrower_id}/payoffs", {"loan_ids": [loan_id], "total": total}).status_code == 201
    assert "settled" in api.get(f"/v1/requests/{made['id']}").json()["refusal"]  # settled: could not be approved
    api.close_until(D("2026-02-10"))
    lapsed = api.get(f"/v1/requests/{made['id']}").json()
    assert (lapsed["status"], lapsed["decided_by"], lapsed["decided_on"]) == ("lapsed", "close of business", "2026-02-09")
    assert api.post(f"/v1/requests/{made['id']}/approve", {}, role="reviewer").status_code == 409


def test_cli_reviewer_lists_and_decides_with_a_token(api):
    """`loanbook requests` acts as the user of --token / LOANBOOK_TOKEN; the maker is refused."""
    engine = api.engine
    _, loan_id = _w1(api)
    made = api.post(f"/v1/loans/{loan_id}/extension-requests", {"months": 1, "reason": "asked"}, role="operator").json()
    runner = CliRunner()
    url = engine.url.render_as_string(hide_password=False)
    listed = runner.invoke(cli, ["requests", "list", "--json", "--database", url], env={"LOANBOOK_TOKEN": api.tokens["reviewer"]})
    assert listed.exit_code == 0, listed.output
    assert '"status": "pending"' in listed.output
    own = runner.invoke(cli, ["requests", "approve", str(made["id"]), "--database", url, "--token", api.tokens["operator"]])
    assert own.exit_code == 2
    nobody = runner.invoke(cli, ["requests", "approve", str(made["id"]), "--database", url], env={"LOANBOOK_TOKEN": ""})
    assert nobody.exit_code == 2
    done = runner.invoke(cli, ["requests", "reject", str(made["id"]), "--reason", "no proof", "--database", url,
                               "--token", api.tokens["reviewer"]])
    assert done.exit_code == 0 and "rejected by reviewer of the tests" in done.output

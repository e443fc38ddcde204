"""Concurrent requests against a live server (uvicorn on 127.0.0.1).

The same key sent 50 times at once moves money once; many different repayments for one
borrower at once allocate every fen exactly once, and the ledger still agrees (R6, R14).
Run on both engines; PostgreSQL is the one that matters (row locks, unique-key waits).
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from decimal import Decimal

import httpx

from api_helpers import live_server, new_key
from loanbook.api.schemas import CHANNELS
from loanbook.service.ledger_check import check_ledger
from words import D

SAME_KEY_REQUESTS = 50
DIFFERENT_REPAYMENTS = 40
REQUEST_TIMEOUT_SECONDS = 60


def fire(base_url: str, requests: list[tuple[str, dict, dict]]) -> list[httpx.Response]:
    """Send every request at once (one thread each, released by a barrier)."""
    barrier = threading.Barrier(len(requests))
    replies: list[httpx.Response | BaseException | None] = [None] * len(requests)

    def send(index: int, path: str, body: dict, headers: dict) -> None:
        with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_SECONDS) as client:
            barrier.wait(REQUEST_TIMEOUT_SECONDS)
            try:
                replies[index] = client.post(path, json=body, headers=headers)
            except BaseException as exc:  # noqa: BLE001 - reported below
                replies[index] = exc

    threads = [threading.Thread(target=send, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(REQUEST_TIMEOUT_SECONDS * 2)
    failures = [reply for reply in replies if not isinstance(reply, httpx.Response)]
    assert not failures, failures[:3]
    return replies  # type: ignore[return-value]


def test_the_same_key_50_times_at_once_moves_money_once(api):
    borrower_id = api.borrower()
    loan_id = api.loan(borrower_id)["id"]
    api.close_until(D("2026-02-10"))
    key, body = new_key(), {"amount": "500.00"}
    path = f"/v1/borrowers/{borrower_id}/repayments"
    with live_server(api.engine) as base_url:
        replies = fire(base_url, [(path, body, api.auth(key=key))] * SAME_KEY_REQUESTS)
    statuses = Counter((r.status_code, r.headers.get("idempotent-replayed")) for r in replies)
    assert statuses[(201, None)] == 1, statuses  # one ran
    assert set(statuses) <= {(201, None), (201, "true"), (409, None)}, statuses
    assert all(r.json()["error"]["code"] == "idempotency_request_in_progress" for r in replies if r.status_code == 409)
    assert len({r.content for r in replies if r.status_code == 201}) == 1  # replays are the first response
    loan = api.get(f"/v1/loans/{loan_id}").json()
    summary = api.get(f"/v1/borrowers/{borrower_id}").json()
    assert (loan["total_paid"], summary["credit_balance"]) == ("130.00", "370.00")  # 500.00 once
    assert check_ledger(api.engine).ok


def test_many_different_repayments_at_once_allocate_every_fen_once(api):
    borrower_id = api.borrower(credit_limit="100000.00")
    loan_ids = [api.loan(borrower_id)["id"], api.loan(borrower_id, principal="3000.00", terms=3)["id"]]
    api.close_until(D("2026-02-14"))  # both overdue since the 10th: penalty accrues (R7)
    chosen = random.Random(20260214)
    amounts = [Decimal(chosen.randint(1, 30_000)) / 100 for _ in range(DIFFERENT_REPAYMENTS)]
    path = f"/v1/borrowers/{borrower_id}/repayments"
    requests = [(path, {"amount": str(amount), "channel": CHANNELS[i % len(CHANNELS)]}, api.auth(role="operator", key=new_key()))
                for i, amount in enumerate(amounts)]
    with live_server(api.engine) as base_url:
        replies = fire(base_url, requests)
    assert [r.status_code for r in replies] == [201] * DIFFERENT_REPAYMENTS, [r.text for r in replies if r.status_code != 201][:3]

    allocated = Decimal("0.00")
    for reply, amount in zip(replies, amounts):
        allocation = reply.json()["allocation"]
        lines = sum((Decimal(line["total"]) for line in allocation["lines"]), Decimal("0.00"))
        assert lines + Decimal(allocation["to_credit"]) == amount  # each repayment, whole
        allocated += lines
    assert len({r.json()["transaction_id"] for r in replies}) == DIFFERENT_REPAYMENTS

    summary = api.get(f"/v1/borrowers/{borrower_id}").json()
    credit = Decimal(summary["credit_balance"])
    assert allocated + credit == sum(amounts)  # every fen allocated exactly once
    paid = sum((Decimal(api.get(f"/v1/loans/{loan_id}").json()["total_paid"]) for loan_id in loan_ids), Decimal("0.00"))
    assert paid + credit == sum(amounts)
    report = check_ledger(api.engine)
    assert report.ok, report.problems

"""Idempotency-Key: a POST that moves money runs once, however often it is sent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import timedelta

import pytest

from api_helpers import new_key
from loanbook.api import idempotency, process_owner
from loanbook.api.idempotency import fingerprint
from loanbook.api.schemas import RepaymentCreate
from loanbook.config.idempotency import TTL_ENV, idempotency_ttl
from loanbook.errors import BadInput
from loanbook.service import servicing
from loanbook.store.unit_of_work import UnitOfWork
from words import D

WAIT_SECONDS = 10


def repaid_borrower(api) -> int:
    borrower_id = api.borrower()
    api.loan(borrower_id)
    api.close_until(D("2026-02-10"))
    return borrower_id


def credit_balance(api, borrower_id: int) -> str:
    return api.get(f"/v1/borrowers/{borrower_id}").json()["credit_balance"]


def test_every_post_that_moves_money_needs_a_key(api):
    borrower_id = repaid_borrower(api)
    for path, body in (
        (f"/v1/borrowers/{borrower_id}/loans", {"product": "FLEX6", "principal": "100.00", "terms": 1}),
        (f"/v1/borrowers/{borrower_id}/repayments", {"amount": "1.00"}),
        (f"/v1/borrowers/{borrower_id}/payoffs", {"loan_ids": [1], "total": "1.00"}),
        (f"/v1/borrowers/{borrower_id}/refunds", {"amount": "1.00"}),
        ("/v1/business-date/close", None),
    ):
        reply = api.post(path, body, key=None)
        assert reply.status_code == 400, path
        assert reply.json()["error"]["code"] == "idempotency_key_missing"
        assert "Idempotency-Key" in reply.json()["error"]["message"]
    assert credit_balance(api, borrower_id) == "0.00"
    too_long = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "1.00"}, key="k" * 201)
    assert too_long.status_code == 400 and too_long.json()["error"]["code"] == "idempotency_key_invalid"


def test_the_same_key_and_body_replays_the_first_response(api):
    borrower_id = repaid_borrower(api)
    key = new_key()
    first = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "200.00"}, key=key)
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    again = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"channel": "api", "amount": "200.00"}, key=key)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert credit_balance(api, borrower_id) == "70.00"  # paid once: 130.00 interest, 70.00 credit


def test_the_same_key_with_another_body_is_422(api):
    borrower_id = repaid_borrower(api)
    key = new_key()
    assert api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "200.00"}, key=key).status_code == 201
    other = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "300.00"}, key=key)
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    elsewhere = api.post(f"/v1/borrowers/{borrower_id}/refunds", {"amount": "200.00"}, key=key)
    assert elsewhere.status_code == 422 and elsewhere.json()["error"]["code"] == "idempotency_key_reused"
    assert credit_balance(api, borrower_id) == "70.00"


def test_keys_belong_to_their_user(api):
    borrower_id = repaid_borrower(api)
    key = new_key()
    assert api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "100.00"}, key=key).status_code == 201
    other_user = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "100.00"}, role="operator", key=key)
    assert other_user.status_code == 201 and "idempotent-replayed" not in other_user.headers
    assert credit_balance(api, borrower_id) == "70.00"


def test_a_refusal_is_stored_and_replayed_too(api):
    borrower_id = repaid_borrower(api)
    key = new_key()
    refused = api.post(f"/v1/borrowers/{borrower_id}/refunds", {"amount": "5.00"}, key=key)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "refused"
    api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "200.00"})  # now there is credit to refund
    again = api.post(f"/v1/borrowers/{borrower_id}/refunds", {"amount": "5.00"}, key=key)
    assert again.status_code == 422 and again.headers["idempotent-replayed"] == "true"
    assert again.content == refused.content
    assert credit_balance(api, borrower_id) == "70.00"


def test_a_conflict_releases_the_key_so_the_request_can_be_sent_again(api):
    """409 means "the books moved on, ask again": not stored, so a retry runs."""
    borrower_id = repaid_borrower(api)
    loan_id = api.get(f"/v1/borrowers/{borrower_id}").json()["loans"][0]["id"]
    key = new_key()
    body = {"loan_ids": [loan_id], "total": "10000.00"}
    assert api.post(f"/v1/borrowers/{borrower_id}/payoffs", body, key=key).status_code == 409
    again = api.post(f"/v1/borrowers/{borrower_id}/payoffs", body, key=key)
    assert again.status_code == 409 and "idempotent-replayed" not in again.headers
    user_id = api.user_id()
    with UnitOfWork(api.engine) as uow:
        assert uow.idempotency.get(user_id, key) is None


def test_the_same_key_while_the_first_is_running_is_409(api, monkeypatch):
    borrower_id = repaid_borrower(api)
    started, release = threading.Event(), threading.Event()
    real_repay = servicing.repay

    def slow_repay(*args, **kwargs):
        started.set()
        release.wait(WAIT_SECONDS)
        return real_repay(*args, **kwargs)

    monkeypatch.setattr(servicing, "repay", slow_repay)
    key, body = new_key(), {"amount": "130.00"}
    replies = {}
    first = threading.Thread(target=lambda: replies.setdefault(
        "first", api.post(f"/v1/borrowers/{borrower_id}/repayments", body, key=key)))
    first.start()
    assert started.wait(WAIT_SECONDS)
    second = api.post(f"/v1/borrowers/{borrower_id}/repayments", body, key=key)
    release.set()
    first.join(WAIT_SECONDS)
    assert second.status_code == 409 and second.json()["error"]["code"] == "idempotency_request_in_progress"
    assert second.headers["retry-after"] == "1"
    assert replies["first"].status_code == 201
    third = api.post(f"/v1/borrowers/{borrower_id}/repayments", body, key=key)
    assert third.status_code == 201 and third.headers["idempotent-replayed"] == "true"
    loan = api.get(f"/v1/borrowers/{borrower_id}").json()["loans"][0]
    assert loan["interest_due"] == "0.00" and credit_balance(api, borrower_id) == "0.00"


def test_a_stale_running_claim_is_taken_over(api):
    """A request that died left its key 'running', its owner unknown (a claim made before
    owners were kept, or on another machine): after 5 minutes the same request runs."""
    borrower_id = repaid_borrower(api)
    key, body = new_key(), RepaymentCreate(amount="130.00")
    path = f"/v1/borrowers/{borrower_id}/repayments"
    user_id, long_ago = api.user_id(), idempotency.utc_now() - idempotency.CLAIM_STALE_AFTER - timedelta(seconds=1)
    with UnitOfWork(api.engine) as uow:
        uow.idempotency.claim(user_id, key, fingerprint("POST", path, body), long_ago, owner=None,
                              expires_at=long_ago + timedelta(days=1))
        uow.commit()
    reply = api.post(path, body.model_dump(mode="json"), key=key)
    assert reply.status_code == 201 and "idempotent-replayed" not in reply.headers
    assert api.post(path, body.model_dump(mode="json"), key=key).headers["idempotent-replayed"] == "true"


def test_a_fresh_running_claim_is_not_taken_over(api):
    borrower_id = repaid_borrower(api)
    key, body = new_key(), RepaymentCreate(amount="130.00")
    path = f"/v1/borrowers/{borrower_id}/repayments"
    user_id = api.user_id()
    with UnitOfWork(api.engine) as uow:
        four_minutes_ago = idempotency.utc_now() - timedelta(minutes=4)
        uow.idempotency.claim(user_id, key, fingerprint("POST", path, body), four_minutes_ago, owner=None,
                              expires_at=four_minutes_ago + timedelta(days=1))
        uow.commit()
    assert api.post(path, body.model_dump(mode="json"), key=key).status_code == 409
    assert credit_balance(api, borrower_id) == "0.00"


def test_closing_the_day_twice_with_one_key_closes_one_day(api):
    key = new_key()
    first = api.post("/v1/business-date/close", key=key)
    again = api.post("/v1/business-date/close", key=key)
    assert first.status_code == again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true" and again.content == first.content
    assert api.get("/v1/business-date").json() == {"business_date": "2026-01-16"}


def test_a_borrower_created_with_a_key_is_created_once(api):
    key = new_key()
    body = {"name": "Han Meimei", "phone": "139 0000 1111", "credit_limit": "1000.00"}
    first = api.post("/v1/borrowers", body, key=key)
    again = api.post("/v1/borrowers", body, key=key)
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert api.get(f"/v1/borrowers/{first.json()['id'] + 1}").status_code == 404


def test_a_request_whose_key_was_taken_over_moves_no_money(api, monkeypatch):
    """A request so slow that its claim went stale and another took the key over: its
    writes roll back with its response, so the money moves once, by the other."""
    borrower_id = repaid_borrower(api)
    started, release = threading.Event(), threading.Event()
    real_repay = servicing.repay

    def slow_repay(*args, **kwargs):
        started.set()
        release.wait(WAIT_SECONDS)
        return real_repay(*args, **kwargs)

    monkeypatch.setattr(servicing, "repay", slow_repay)
    key, replies = new_key(), {}
    first = threading.Thread(target=lambda: replies.setdefault(
        "first", api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "130.00"}, key=key)))
    first.start()
    assert started.wait(WAIT_SECONDS)
    user_id = api.user_id()
    with UnitOfWork(api.engine) as uow:  # what a take-over by another request does
        row = uow.idempotency.get(user_id, key)
        assert uow.idempotency.take_over(user_id, key, started_at=row.started_at,
                                         now=row.started_at + timedelta(minutes=6))
        uow.commit()
    release.set()
    first.join(WAIT_SECONDS)
    assert replies["first"].status_code == 409
    assert replies["first"].json()["error"]["code"] == "idempotency_request_in_progress"
    assert api.get(f"/v1/borrowers/{borrower_id}").json()["loans"][0]["interest_due"] == "130.00"


# Owners (issue 6, item 6): a restarted server takes over a dead owner's keys at once.

def _claim_as(api, owner: str | None, *, amount: str = "130.00", claimed_at=None, expires_at=None):  # noqa: ANN001
    """A running claim of a repayment of ``amount`` owned by ``owner``; returns the request."""
    borrower_id = repaid_borrower(api)
    key, body = new_key(), RepaymentCreate(amount=amount)
    path = f"/v1/borrowers/{borrower_id}/repayments"
    claimed_at, user_id = claimed_at or idempotency.utc_now(), api.user_id()
    with UnitOfWork(api.engine) as uow:
        uow.idempotency.claim(user_id, key, fingerprint("POST", path, body), claimed_at, owner=owner,
                              expires_at=expires_at or claimed_at + timedelta(days=1))
        uow.commit()
    return borrower_id, path, body.model_dump(mode="json"), key


def _sleeper() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


def test_a_claim_of_a_dead_process_is_taken_over_at_once(api):
    process = _sleeper()
    owner = process_owner.owner_of(process.pid)
    process.kill()
    process.wait()
    assert process_owner.owner_state(owner) is process_owner.OwnerState.DEAD
    borrower_id, path, body, key = _claim_as(api, owner)
    reply = api.post(path, body, key=key)
    assert reply.status_code == 201 and "idempotent-replayed" not in reply.headers
    assert api.post(path, body, key=key).headers["idempotent-replayed"] == "true"
    assert api.get(f"/v1/borrowers/{borrower_id}").json()["loans"][0]["interest_due"] == "0.00"


def test_a_claim_of_a_live_process_waits_until_it_dies(api):
    process = _sleeper()
    try:
        owner = process_owner.owner_of(process.pid)
        borrower_id, path, body, key = _claim_as(api, owner)
        waiting = api.post(path, body, key=key)
        assert waiting.status_code == 409 and waiting.json()["error"]["code"] == "idempotency_request_in_progress"
        assert api.get(f"/v1/borrowers/{borrower_id}").json()["loans"][0]["interest_due"] == "130.00"
    finally:
        process.kill()
        process.wait()
    assert api.post(path, body, key=key).status_code == 201
    assert api.get(f"/v1/borrowers/{borrower_id}").json()["loans"][0]["interest_due"] == "0.00"


def test_a_claim_of_a_process_with_a_reused_pid_or_from_before_a_reboot_is_dead():
    host, boot, pid, ticks = process_owner.this_process().split("|")
    assert process_owner.owner_state(process_owner.this_process()) is process_owner.OwnerState.ALIVE
    assert process_owner.owner_state("|".join((host, boot, pid, str(int(ticks) + 1)))) is process_owner.OwnerState.DEAD
    assert process_owner.owner_state("|".join((host, "another-boot", pid, ticks))) is process_owner.OwnerState.DEAD
    assert process_owner.owner_state("|".join(("another-host", boot, pid, ticks))) is process_owner.OwnerState.UNKNOWN
    assert process_owner.owner_state(None) is process_owner.OwnerState.UNKNOWN


def test_a_claim_this_process_owns_but_no_longer_runs_is_taken_over_at_once(api):
    """A request whose release failed (the database full at that moment) left its key
    running, owned by this very process: nothing here runs it, so it is taken over."""
    borrower_id, path, body, key = _claim_as(api, process_owner.this_process())
    assert api.post(path, body, key=key).status_code == 201
    assert api.get(f"/v1/borrowers/{borrower_id}").json()["loans"][0]["interest_due"] == "0.00"


# Expiry (issue 6, item 6; issue 11): keys live LOANBOOK_IDEMPOTENCY_TTL_HOURS, cleaned by close of business.

def test_a_key_expires_after_the_configured_hours(api, monkeypatch):
    monkeypatch.setenv(TTL_ENV, "2")
    borrower_id = repaid_borrower(api)
    key = new_key()
    before = idempotency.utc_now()
    assert api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "1.00"}, key=key).status_code == 201
    user_id = api.user_id()
    with UnitOfWork(api.engine) as uow:
        row = uow.idempotency.get(user_id, key)
        assert before + timedelta(hours=2) <= row.expires_at <= idempotency.utc_now() + timedelta(hours=2)
        row.expires_at = idempotency.utc_now() - timedelta(seconds=1)  # as if two hours went by
        uow.commit()
    again = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "1.00"}, key=key)
    assert again.status_code == 201 and "idempotent-replayed" not in again.headers  # a new request
    reused = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "2.00"}, key=key)
    assert reused.status_code == 422  # the key is known again, for the second request


def test_a_bad_ttl_setting_is_refused_with_its_name(monkeypatch):
    for bad in ("0", "1.5", "-1", "24h", "９", "100000"):
        monkeypatch.setenv(TTL_ENV, bad)
        with pytest.raises(BadInput, match=TTL_ENV):
            idempotency_ttl()
    monkeypatch.delenv(TTL_ENV)
    assert idempotency_ttl() == timedelta(hours=24)


def test_close_of_business_deletes_expired_keys_only(api):
    _, _, _, expired = _claim_as(api, None, expires_at=idempotency.utc_now() - timedelta(minutes=1))
    kept = new_key()
    closing = api.post("/v1/business-date/close", key=kept)
    assert closing.status_code == 200
    user_id = api.user_id()
    with UnitOfWork(api.engine) as uow:
        assert uow.idempotency.get(user_id, expired) is None
        assert uow.idempotency.get(user_id, kept).state == "done"


# Personal data (issue 6, item 9): stored responses keep no names or phones.

def test_a_stored_borrower_keeps_no_name_or_phone_and_a_replay_reads_them_again(api):
    key = new_key()
    body = {"name": "Han Meimei", "phone": "+86 139 0000 0000", "credit_limit": "1000.00"}
    first = api.post("/v1/borrowers", body, key=key)
    assert first.status_code == 201
    user_id = api.user_id()
    with UnitOfWork(api.engine) as uow:
        stored = uow.idempotency.get(user_id, key).response_body
    assert "Han Meimei" not in stored and "0000" not in stored
    assert json.loads(stored)["name"] is None and json.loads(stored)["id"] == first.json()["id"]
    again = api.post("/v1/borrowers", body, key=key)
    assert again.headers["idempotent-replayed"] == "true" and again.content == first.content


def test_cob_run_on_the_command_line_deletes_expired_keys_too(api):
    _, _, _, expired = _claim_as(api, None, expires_at=idempotency.utc_now() - timedelta(minutes=1))
    _, _, _, kept = _claim_as(api, None)
    url = api.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PGOPTIONS": ""}
    ran = subprocess.run([sys.executable, "-m", "loanbook.cli.main", "cob", "run", "--until", "2026-02-11", "--quiet",
                          "--database", url], capture_output=True, text=True, env=env, timeout=120)
    assert ran.returncode == 0, ran.stderr
    user_id = api.user_id()
    with UnitOfWork(api.engine) as uow:
        assert uow.idempotency.get(user_id, expired) is None
        assert uow.idempotency.get(user_id, kept) is not None


def test_serve_refuses_a_bad_ttl_before_it_starts(tmp_path):
    env = {**os.environ, TTL_ENV: "a day"}
    ran = subprocess.run([sys.executable, "-m", "loanbook.cli.main", "serve", "--port", "1",
                          "--database", f"sqlite:///{tmp_path / 'none.sqlite3'}"], capture_output=True, text=True,
                         env=env, timeout=60)
    assert ran.returncode == 2 and TTL_ENV in ran.stderr and "Traceback" not in ran.stderr

"""kill -9 of `loanbook serve` during a burst of repayments, each with its own
Idempotency-Key; the server is started again and every key is sent again: each repayment
is booked exactly once, no key waits for a takeover (issue 6, item 6), and the ledger
check passes. Figures printed: sent, acknowledged, booked, doubled, lost, the claims the
kill left running, and the seconds from the kill to the first booking after it."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from faultkit import observer, Server, fresh_database, ledger_check, open_book, report_figures
from loanbook.store.tables import IdempotencyRow, TransactionRow
from loanbook.store.unit_of_work import UnitOfWork

BORROWERS = 10
REPAYMENTS = 120
THREADS = 6
KILL_AFTER_ACKNOWLEDGED = 30
KILL_WAIT_SECONDS = 10
RESEND_ATTEMPTS = 3  # a transport error on a resend is tried again this often


def _amount_fen(n: int) -> int:
    return 100 + n  # 1.00, 1.01, ...: each request's amount is its own, so the books say which were booked


def _body(n: int) -> dict[str, str]:
    fen = _amount_fen(n)
    return {"amount": f"{fen // 100}.{fen % 100:02d}"}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_serve_killed_during_a_burst_books_every_repayment_once(backend, tmp_path, capsys, record_property):
    rng = random.Random(6)
    with fresh_database(backend, tmp_path) as url:
        book = open_book(url, borrowers=BORROWERS)
        requests = [(n, rng.choice(book.borrower_ids), str(uuid.uuid4())) for n in range(REPAYMENTS)]
        server = Server(url, book.token)
        server.start()
        try:
            outcome, killed_at = _burst_and_kill(server, book, requests)
            with UnitOfWork(book.engine) as uow:
                left_running = len(uow.session.scalars(select(IdempotencyRow).where(IdempotencyRow.state == "running")).all())
            server.start()
            first_booking, in_progress, replies = _resend_all(server, requests)
        finally:
            server.stop()
        booked = _booked(book)
        book.engine.dispose()
        code, report = ledger_check(url)
    wanted = Counter(_amount_fen(n) for n, _, _ in requests)
    figures = {
        "requests": REPAYMENTS,
        "sent": sum(1 for o in outcome.values() if o != "unsent"),
        "acknowledged": sum(1 for o in outcome.values() if o == "acknowledged"),
        "unanswered_at_kill": sum(1 for o in outcome.values() if o == "unanswered"),
        "claims_left_running": left_running,
        "booked": sum(1 for fen in wanted if booked[fen] >= 1),
        "doubled": sum(1 for fen in wanted if booked[fen] > 1),
        "lost": sum(1 for fen in wanted if booked[fen] == 0),
        "answered_409_after_restart": in_progress,
        "seconds_to_recover": round(first_booking - killed_at, 2),
    }
    report_figures(capsys, record_property, f"kill -9 of serve ({backend})", figures)
    assert figures["doubled"] == 0 and figures["lost"] == 0, figures
    assert left_running >= 1, "the kill left no claim running: the takeover was not exercised"
    assert in_progress == 0, "a key left running by the killed server waited for a takeover"
    assert all(reply == 201 for reply in replies.values()), Counter(replies.values())
    assert code == 0, report


def _burst_and_kill(server: Server, book, requests: list) -> tuple[dict[int, str], float]:  # noqa: ANN001
    """Send the repayments from several threads; kill -9 the server once some are
    acknowledged. Returns each request's outcome and when the kill happened."""
    outcome: dict[int, str] = {}
    lock, enough, killed = threading.Lock(), threading.Event(), threading.Event()
    killed_at = [0.0]

    def send(client: httpx.Client, n: int, borrower_id: int, key: str) -> None:
        if killed.is_set():
            outcome[n] = "unsent"
            return
        try:
            reply = client.post(f"/v1/borrowers/{borrower_id}/repayments", json=_body(n), headers=server.headers(key))
            outcome[n] = "acknowledged" if reply.status_code == 201 else f"status {reply.status_code}"
        except httpx.TransportError:
            outcome[n] = "unanswered"
        with lock:
            if sum(1 for o in outcome.values() if o == "acknowledged") >= KILL_AFTER_ACKNOWLEDGED:
                enough.set()

    def killer() -> None:
        """Once enough are acknowledged, kill -9 while a claim is running (the case to
        recover from). The server is frozen before each look, so the claim seen running
        is still running when the kill lands: without the freeze the claim could finish
        between the look and the kill, and the takeover would go unexercised."""
        enough.wait(KILL_WAIT_SECONDS)
        deadline, watch = time.monotonic() + KILL_WAIT_SECONDS, observer(book.url)
        with watch.connect() as connection:
            while time.monotonic() < deadline:
                server.freeze()
                running = connection.execute(select(func.count()).select_from(IdempotencyRow)
                                             .where(IdempotencyRow.state == "running")).scalar()
                connection.rollback()
                if running:
                    break
                server.thaw()
                time.sleep(0.002)
        watch.dispose()
        killed.set()
        killed_at[0] = time.monotonic()
        server.kill()

    watcher = threading.Thread(target=killer)
    watcher.start()
    with httpx.Client(base_url=server.base, timeout=10) as client, ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda r: send(client, *r), requests))
    watcher.join(2 * KILL_WAIT_SECONDS)
    if not killed.is_set():
        raise AssertionError("the burst ended before the kill: send more requests")
    return outcome, killed_at[0]


def _resend_all(server: Server, requests: list) -> tuple[float, int, dict[int, int]]:  # noqa: ANN001
    """Every key once more, in order; returns when the first one was booked or replayed
    after the restart, how many answered 409 (in progress), and each final status."""
    first_ok, in_progress, replies = None, 0, {}
    with httpx.Client(base_url=server.base, timeout=10) as client:
        for n, borrower_id, key in requests:
            for _ in range(RESEND_ATTEMPTS):
                try:
                    reply = client.post(f"/v1/borrowers/{borrower_id}/repayments", json=_body(n),
                                        headers=server.headers(key))
                except httpx.TransportError:
                    continue
                break
            replies[n] = reply.status_code
            in_progress += reply.status_code == 409
            if reply.status_code == 201 and first_ok is None:
                first_ok = time.monotonic()
    return first_ok or time.monotonic(), in_progress, replies


def _booked(book) -> Counter:  # noqa: ANN001
    with UnitOfWork(book.engine) as uow:
        return Counter(uow.session.scalars(select(TransactionRow.amount_fen).where(TransactionRow.kind == "repayment")))

"""A disk that fills up under `loanbook serve` (SQLite on a small tmpfs), then frees up:
every request gets an answer while the disk is full (503 with Retry-After, never a
dropped connection nor a 500), every key sent again afterwards is booked exactly once,
and the ledger check passes.

Mounting a tmpfs needs root (CI runs as root); elsewhere the test is skipped and says
why. PostgreSQL is not filled: its disk is the server's, shared by everyone."""

from __future__ import annotations

import subprocess
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from faultkit import Server, ledger_check, open_book, report_figures
from loanbook.store.tables import TransactionRow
from loanbook.store.unit_of_work import UnitOfWork

DISK_BYTES = 4 * 1024 * 1024
FILL_CHUNK = 64 * 1024
LEFT_FREE = 512 * 1024
REQUESTS_MAX = 400  # sent until the disk refuses some, at most this many
REFUSED_ENOUGH = 20
RESEND_ATTEMPTS = 3


@pytest.fixture
def small_disk(tmp_path) -> Path:
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(mount_point)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a {DISK_BYTES // 1024} KiB tmpfs to fill up (needs root): {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def _fill(folder: Path) -> Path:
    """Write zeros until the disk says it is full, then free LEFT_FREE bytes: the first
    requests fit, the next ones find the disk full."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * FILL_CHUNK)
                out.flush()
        except OSError:
            pass
    try:
        with filler.open("ab", buffering=0) as out:  # the last bytes, so that not even a page is left
            while True:
                out.write(b"\0" * 512)
                out.flush()
    except OSError:
        pass
    with filler.open("r+b") as out:
        out.truncate(filler.stat().st_size - LEFT_FREE)
    return filler


def _body(n: int) -> dict[str, str]:
    fen = 100 + n  # each request's amount is its own, so the books say which were booked
    return {"amount": f"{fen // 100}.{fen % 100:02d}"}


def test_a_full_disk_gets_503s_and_recovers(small_disk, capsys, record_property):
    url = f"sqlite:///{small_disk / 'loanbook.sqlite3'}"
    book = open_book(url, borrowers=3)
    server = Server(url, book.token)
    server.start()
    keys: list[tuple[int, int, str]] = []
    statuses: Counter = Counter()
    dropped = 0
    try:
        filler = _fill(small_disk)
        with httpx.Client(base_url=server.base, timeout=10) as client:
            for n in range(REQUESTS_MAX):
                borrower_id, key = book.borrower_ids[n % len(book.borrower_ids)], str(uuid.uuid4())
                keys.append((n, borrower_id, key))
                try:
                    reply = client.post(f"/v1/borrowers/{borrower_id}/repayments", json=_body(n),
                                        headers=server.headers(key))
                except httpx.TransportError:
                    dropped += 1
                    continue
                statuses[reply.status_code] += 1
                if reply.status_code == 503:
                    assert reply.json()["error"]["code"] == "database_full" and "retry-after" in reply.headers
                if statuses[503] >= REFUSED_ENOUGH:
                    break
            filler.unlink()
            resent: Counter = Counter()
            for n, borrower_id, key in keys:
                for _ in range(RESEND_ATTEMPTS):
                    reply = client.post(f"/v1/borrowers/{borrower_id}/repayments", json=_body(n),
                                        headers=server.headers(key))
                    if reply.status_code != 503:
                        break
                resent[reply.status_code] += 1
    finally:
        server.stop()
    with UnitOfWork(book.engine) as uow:
        booked = Counter(uow.session.scalars(select(TransactionRow.amount_fen).where(TransactionRow.kind == "repayment")))
    book.engine.dispose()
    code, report = ledger_check(url)
    figures = {
        "sent_while_full": len(keys), "answered_201": statuses[201], "answered_503": statuses[503],
        "answered_500": statuses[500], "connections_dropped": dropped,
        "resent_after_freeing": len(keys), "resent_201": resent[201],
        "booked": sum(1 for n, _, _ in keys if booked[100 + n] >= 1),
        "doubled": sum(1 for n, _, _ in keys if booked[100 + n] > 1),
        "lost": sum(1 for n, _, _ in keys if booked[100 + n] == 0),
    }
    report_figures(capsys, record_property, "a full disk (SQLite on tmpfs)", figures)
    assert statuses[503] >= 1, "the disk never filled up"
    assert dropped == 0 and set(statuses) <= {201, 503}, figures
    assert resent == Counter({201: len(keys)}), resent
    assert figures["doubled"] == 0 and figures["lost"] == 0, figures
    assert code == 0, report

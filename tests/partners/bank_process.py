"""The real partner bank process (``loanbook partner-bank serve``) on a free loopback port."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

BIN = Path(sys.executable).parent / "loanbook"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_listening(port: int, process: subprocess.Popen, timeout_seconds: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the bank exited with {process.returncode}: {process.stderr.read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("the bank did not start listening")


@contextmanager
def bank_process(database: Path, *flags: str, port: int | None = None):
    """Start the bank; yields (url, process); killed at the end (bounded in time)."""
    port = port or free_port()
    command = [str(BIN), "partner-bank", "serve", "--port", str(port), "--database", f"sqlite:///{database}", *flags]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "NO_COLOR": "1"})
    try:
        _wait_until_listening(port, process)
        yield f"http://127.0.0.1:{port}", process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def bank_file(url: str, day) -> str:  # noqa: ANN001
    with urllib.request.urlopen(f"{url}/v1/files/{day.isoformat()}", timeout=10) as response:
        return response.read().decode()


def bank_messages(database: Path) -> list[tuple[str, int]]:
    """(message id, times applied) straight from the bank's own database."""
    import sqlite3

    with sqlite3.connect(database) as connection:
        return connection.execute("select message_id, count(*) from bank_messages group by message_id").fetchall()


def post(url: str, body: dict) -> dict:
    request = urllib.request.Request(f"{url}/v1/messages", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())

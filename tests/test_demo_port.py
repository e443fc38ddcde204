"""``loanbook demo`` checks its port before any work, and ``make demo`` passes ARGS
(issue 11 item 8)."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

from test_cli import loanbook  # the command run as a real process

ROOT = Path(__file__).resolve().parents[1]


def test_a_port_in_use_is_refused_before_anything_is_made(tmp_path):
    taken = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        database = tmp_path / "loanbook-demo.sqlite3"
        run = loanbook("demo", "--database", f"sqlite:///{database}", "--borrowers", "2", "--until", "2026-01-03",
                       "--port", str(port))
    finally:
        taken.close()
    assert run.returncode == 2, run.stdout + run.stderr
    assert f"port {port} on 127.0.0.1 is not free" in run.stderr and "--port" in run.stderr
    assert "Traceback" not in run.stderr
    assert not database.exists() and "borrowers" not in run.stdout  # no portfolio was played


def test_make_demo_passes_its_args():
    dry = subprocess.run(["make", "-n", "demo", "ARGS=--port 8001 --borrowers 200"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert dry.returncode == 0, dry.stderr
    assert "loanbook demo --port 8001 --borrowers 200" in dry.stdout

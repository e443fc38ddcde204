"""kill -9 of close of business, then `loanbook ledger check` (issue 6, item 7): it says
that the close of that day is unfinished and how to finish it (exit 4), on the CLI and
on GET /v1/ledger/check, instead of listing loans that disagree; the command it gives
finishes the close and the check then passes.

That a killed close, run again, ends exactly where an uninterrupted one does is
tests/store/test_cob_crash.py (kill -9 at random points, on both databases)."""

from __future__ import annotations

import signal
import subprocess
import time
import warnings
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from faultkit import observer, CLI, fresh_database, ledger_check, open_book, report_figures
from loanbook.api.app import create_app
from loanbook.service.close_of_business import close_until
from loanbook.store.tables import CobDayRow

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
from fastapi.testclient import TestClient  # noqa: E402 - after the warning filter

BORROWERS = 12
OVERDUE_FROM = date(2026, 2, 20)  # every loan unpaid since 02-15: each borrower is replayed every night
KILL_WAIT_SECONDS = 120  # bounded; start-up alone took 21 s on a 2-core machine at load 10


def _kill_mid_close(url: str) -> date:
    """Run `cob run` one borrower per transaction; kill -9 it once a day's close has
    closed a borrower and not finished. Returns that day."""
    process = subprocess.Popen([*CLI, "cob", "run", "--until", "2026-04-30", "--chunk", "1", "--quiet",
                                "--database", url], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline, watch = time.monotonic() + KILL_WAIT_SECONDS, observer(url)
    try:
        with watch.connect() as connection:
            while time.monotonic() < deadline and process.poll() is None:
                process.send_signal(signal.SIGSTOP)  # frozen: the day seen unfinished stays unfinished until the kill
                day = connection.execute(select(CobDayRow.business_date).where(
                    CobDayRow.status == "running", CobDayRow.borrowers_closed >= 1)).scalar()
                connection.rollback()
                if day is not None:
                    process.send_signal(signal.SIGKILL)
                    process.wait(KILL_WAIT_SECONDS)
                    return day
                process.send_signal(signal.SIGCONT)
                time.sleep(0.002)
    finally:
        watch.dispose()
        if process.poll() is None:
            process.kill()
            process.wait()
    raise AssertionError("close of business was never caught mid-day")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_ledger_check_during_an_unfinished_close_says_how_to_finish_it(backend, tmp_path, capsys, record_property):
    with fresh_database(backend, tmp_path) as url:
        book = open_book(url, borrowers=BORROWERS)
        close_until(book.engine, OVERDUE_FROM)
        day = _kill_mid_close(url)
        finish = f"loanbook cob run --until {day + timedelta(days=1)}"

        code, report = ledger_check(url)
        assert code == 4, report
        assert report["unfinished_close"] == day.isoformat() and report["loans_disagreeing"] == []
        assert report["problems"] == [report["problems"][0]] and finish in report["problems"][0]
        human = subprocess.run([*CLI, "ledger", "check", "--database", url], capture_output=True, text=True, timeout=120)
        assert human.returncode == 4 and f"close of business of {day} is unfinished" in human.stdout
        assert finish in " ".join(human.stdout.split())

        reply = TestClient(create_app(book.engine)).get("/v1/ledger/check",
                                                        headers={"Authorization": f"Bearer {book.token}"})
        assert reply.status_code == 200, reply.text
        assert reply.json()["ok"] is False and reply.json()["unfinished_close"] == day.isoformat()
        assert finish in reply.json()["problems"][0]

        finished = subprocess.run([*CLI, "cob", "run", "--until", (day + timedelta(days=1)).isoformat(), "--quiet",
                                   "--database", url], capture_output=True, text=True, timeout=120)
        assert finished.returncode == 0, finished.stderr
        book.engine.dispose()
        code, report = ledger_check(url)
        assert code == 0 and report["unfinished_close"] is None, report
        report_figures(capsys, record_property, f"kill -9 of close of business ({backend})",
                       {"day_interrupted": day.isoformat(), "loans_checked_after": report["loans_checked"]})

"""Close of business across workers (issue 10, item 5), on PostgreSQL: `cob run --workers
K` ends with books identical to the in-process close (journal, accrual details, marks,
events, cob days); a worker killed -9 mid-partition, or the whole run killed and started
again, still closes every night exactly once with identical books; `ledger check` passes
after. SQLite refuses --workers with a sentence."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from databases import backend_url
from helpers import store_contents
from portfolio import seed_portfolio
from loanbook.service.close_of_business import close_until
from loanbook.service.ledger_check import check_ledger
from loanbook.service.setup import init_database
from loanbook.store.database import open_database
from loanbook.store.scratch import scratch_engine
from loanbook.store.tables import CobPartitionRow
from loanbook.store.unit_of_work import UnitOfWork

BORROWERS = 25
# Seeded to 03-06, so the close runs over the 03-10 due date: borrowers with a credit balance or
# a part paid are replayed there, in partitions (since forward nights, the rest move in bulk).
SEED_DAYS = 50
CLOSE_DAYS = 12
CHUNK = 3  # borrowers per partition: several partitions a night, for several workers
RUN_TIMEOUT = 600


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "loanbook.cli.main", *args]


def _url_and_env(engine) -> tuple[str, dict[str, str]]:  # noqa: ANN001
    with engine.connect() as connection:
        schema = connection.exec_driver_sql("select current_schema()").scalar()
    return engine.url.render_as_string(hide_password=False), {**os.environ, "PGOPTIONS": f"-csearch_path={schema}"}


def _two_books(straight, across):  # noqa: ANN001
    for engine in (straight, across):
        init_database(engine, business_date=date(2026, 1, 15))
        seed_portfolio(engine, borrowers=BORROWERS, days=SEED_DAYS)
    with UnitOfWork(straight) as uow:
        until = uow.business_dates.get() + timedelta(days=CLOSE_DAYS)
    close_until(straight, until, chunk=CHUNK)
    return until


def _assert_identical(straight, across) -> None:  # noqa: ANN001
    assert store_contents(across) == store_contents(straight)
    report = check_ledger(across)
    assert report.ok, report.problems
    with UnitOfWork(across) as uow:
        partitions = uow.session.execute(select(CobPartitionRow.status, CobPartitionRow.closed_by)).all()
    assert partitions, "no night was closed in partitions: the test proves nothing"
    assert {status for status, _ in partitions} == {"done"}


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_close_the_same_books_as_one_process(workers):
    with scratch_engine(backend_url("postgresql")) as straight, scratch_engine(backend_url("postgresql")) as across:
        until = _two_books(straight, across)
        url, env = _url_and_env(across)
        run = subprocess.run(_cli("cob", "run", "--until", until.isoformat(), "--database", url, "--quiet",
                                  "--chunk", str(CHUNK), "--workers", str(workers)),
                             env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
        assert run.returncode == 0, run.stderr
        _assert_identical(straight, across)
        with UnitOfWork(across) as uow:
            closers = set(uow.session.scalars(select(CobPartitionRow.closed_by)))
        assert len(closers) >= 2, f"one worker closed everything: {closers}"


def _worker_mid_partition(watch, run: subprocess.Popen) -> int | None:  # noqa: ANN001
    """The pid of a worker process holding a partition row lock: mid-partition (a worker's
    connections are named 'loanbook cob worker PID NAME' in pg_stat_activity)."""
    with watch.connect() as connection:
        while run.poll() is None:
            name = connection.execute(text(
                "select a.application_name from pg_stat_activity a join pg_locks l on l.pid = a.pid "
                "join pg_class c on c.oid = l.relation "
                "where c.relname = 'cob_partitions' and l.mode = 'RowShareLock' "
                "and a.application_name like 'loanbook cob worker %' and a.xact_start is not null limit 1"
            )).scalar()
            connection.rollback()
            if name is not None:
                return int(name.split()[3])
            time.sleep(0.001)
    return None


def test_a_worker_killed_mid_partition_leaves_the_night_closed_once():
    with scratch_engine(backend_url("postgresql")) as straight, scratch_engine(backend_url("postgresql")) as across:
        until = _two_books(straight, across)
        url, env = _url_and_env(across)
        run = subprocess.Popen(_cli("cob", "run", "--until", until.isoformat(), "--database", url, "--quiet",
                                    "--chunk", str(CHUNK), "--workers", "2"),
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            victim = _worker_mid_partition(across, run)
            assert victim is not None and victim != run.pid, "no worker was caught mid-partition"
            os.kill(victim, signal.SIGKILL)
            run.wait(RUN_TIMEOUT)
        finally:
            if run.poll() is None:
                run.kill()
                run.wait()
        assert run.returncode == 0, run.stderr.read().decode()
        _assert_identical(straight, across)


def test_the_whole_run_killed_and_started_again_ends_identical():
    rng = random.Random(2026)
    with scratch_engine(backend_url("postgresql")) as straight, scratch_engine(backend_url("postgresql")) as across:
        until = _two_books(straight, across)
        url, env = _url_and_env(across)
        kills = 0
        while True:
            run = subprocess.Popen(_cli("cob", "run", "--until", until.isoformat(), "--database", url, "--quiet",
                                        "--chunk", str(CHUNK), "--workers", "2"),
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                run.wait(timeout=rng.uniform(1.5, 4.0) if kills < 4 else RUN_TIMEOUT)
            except subprocess.TimeoutExpired:
                run.send_signal(signal.SIGKILL)  # its workers stop by themselves (--stop-with-parent)
                run.wait()
                kills += 1
                continue
            assert run.returncode == 0, run.stderr.read().decode()
            break
        assert kills >= 1, "the run was never interrupted: make it longer"
        _assert_identical(straight, across)


def test_workers_on_sqlite_are_refused_with_a_sentence(tmp_path):
    path = tmp_path / "book.sqlite3"
    assert subprocess.run(_cli("init", "--business-date", "2026-01-15", "--database", f"sqlite:///{path}"),
                          capture_output=True, timeout=120).returncode == 0
    for command in (["cob", "run", "--until", "2026-01-20", "--workers", "2"], ["cob", "worker"]):
        run = subprocess.run(_cli(*command, "--database", f"sqlite:///{path}"), capture_output=True, text=True,
                             timeout=120)
        assert run.returncode == 2, run.stdout + run.stderr
        assert "needs PostgreSQL" in run.stdout + run.stderr and "Traceback" not in run.stderr
    with UnitOfWork(open_database(f"sqlite:///{path}")) as uow:
        assert uow.business_dates.get() == date(2026, 1, 15)  # nothing was closed

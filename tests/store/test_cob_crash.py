"""Close of business killed at random points (kill -9) and started again ends exactly
where an uninterrupted run ends: same ledger, same loan figures, same events."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from datetime import timedelta

from helpers import store_contents
from portfolio import seed_portfolio
from loanbook.service.close_of_business import close_until
from loanbook.service.ledger_check import check_ledger
from loanbook.service.setup import init_database
from loanbook.store.scratch import scratch_engine
from loanbook.store.unit_of_work import UnitOfWork
from words import D

CLOSE_DAYS = 40
KILLS_MAX = 25


def _cob_command(url: str, until) -> list[str]:  # noqa: ANN001
    return [sys.executable, "-m", "loanbook.cli.main", "cob", "run", "--until", until.isoformat(),
            "--database", url, "--quiet", "--chunk", "2"]


def _url(engine) -> str:  # noqa: ANN001
    url = engine.url.render_as_string(hide_password=False)
    return url


def _run_with_kills(url: str, until, env: dict[str, str], rng: random.Random) -> int:  # noqa: ANN001
    kills = 0
    while True:
        process = subprocess.Popen(_cob_command(url, until), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            process.wait(timeout=rng.uniform(0.3, 2.0) if kills < KILLS_MAX else 600)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
            continue
        assert process.returncode == 0, process.stderr.read().decode()
        return kills


def test_cob_killed_at_random_points_ends_identical(backend, tmp_path):
    rng = random.Random(2026)
    with scratch_engine(backend) as interrupted, scratch_engine(backend) as straight:
        for engine in (interrupted, straight):
            init_database(engine, business_date=D("2026-01-15"))
            seed_portfolio(engine, borrowers=25, days=30)
        with UnitOfWork(straight) as uow:
            until = uow.business_dates.get() + timedelta(days=CLOSE_DAYS)
        close_until(straight, until)
        url = _url(interrupted)
        env = {**os.environ}
        if url.startswith("postgresql"):
            schema = interrupted.dialect.default_schema_name
            with interrupted.connect() as connection:
                schema = connection.exec_driver_sql("select current_schema()").scalar()
            env["PGOPTIONS"] = f"-csearch_path={schema}"
        kills = _run_with_kills(url, until, env, rng)
        assert kills >= 1, "the run was never interrupted: make it longer"
        assert store_contents(interrupted) == store_contents(straight)
        report = check_ledger(interrupted)
        assert report.ok, report.problems

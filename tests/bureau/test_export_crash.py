"""R15: an export killed at random points (kill -9) leaves no half-submitted batch; run
again, it writes the batch, and again the very same bytes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys

from sqlalchemy import func, insert, select

from bureau_helpers import borrower, loan
from words import D
from loanbook.service.close_of_business import close_until
from loanbook.store.bureau import BureauStore
from loanbook.store.tables import BureauBatchLineRow, BureauRecordRow
from loanbook.store.unit_of_work import UnitOfWork

RECORDS = 20_000
KILLS_MAX = 12
DAY = D("2026-01-19")


def _command(url: str, out) -> list[str]:  # noqa: ANN001
    return [sys.executable, "-m", "loanbook.cli.main", "bureau", "export", "--date", DAY.isoformat(),
            "--out", str(out), "--database", url]


def _env(engine) -> dict[str, str]:  # noqa: ANN001
    env = {**os.environ}
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            env["PGOPTIONS"] = f"-csearch_path={connection.exec_driver_sql('select current_schema()').scalar()}"
    return env


def _whole_or_nothing(engine) -> bool:  # noqa: ANN001
    """The invariant: no batch and no line of it, or the batch with all of its lines."""
    with UnitOfWork(engine) as uow:
        batch = BureauStore(uow.session).batch(DAY)
        lines = uow.session.scalar(
            select(func.count()).select_from(BureauBatchLineRow).where(BureauBatchLineRow.batch_date == DAY)
        )
        if batch is None:
            assert lines == 0, f"{lines} lines of a batch that does not exist"
            return False
        assert batch.line_count == lines == RECORDS + 1, (batch.line_count, lines)
        return True


def _seed(engine) -> None:  # noqa: ANN001
    a = loan(engine, borrower(engine))
    close_until(engine, D("2026-01-20"))
    values = dict(loan_id=a, borrower_id=1, kind="record", moment=33, as_of=D("2026-01-16"),
                  produced_on=D("2026-01-16"), corrects_id=None, reason="", balance_fen=1_000_000, remaining_periods=6,
                  overdue_periods=0, overdue_amount_fen=0, overdue_principal_fen=0, dpd=0, month_status="*",
                  status_24="*", negative=False, held=False, name="李雷", phone="13800000000")
    with UnitOfWork(engine) as uow:
        uow.session.execute(insert(BureauRecordRow), [values] * RECORDS)
        uow.commit()


def test_r15_an_export_killed_at_random_points_leaves_no_half_submitted_batch(engine, tmp_path):
    _seed(engine)
    url, env, rng = engine.url.render_as_string(hide_password=False), _env(engine), random.Random(15)
    out = tmp_path / "batch.jsonl"
    kills = 0
    while True:
        process = subprocess.Popen(_command(url, out), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            process.wait(timeout=rng.uniform(0.5, 4.0) if kills < KILLS_MAX else 600)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
            _whole_or_nothing(engine)
            continue
        assert process.returncode == 0, process.stderr.read().decode()
        break
    assert kills >= 1, "never interrupted: make the batch larger"
    assert _whole_or_nothing(engine)
    first = out.read_bytes()
    again = subprocess.run(_command(url, tmp_path / "again.jsonl"), env=env, capture_output=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "again.jsonl").read_bytes() == first
    assert first.count(b"\n") == RECORDS + 2  # the header, the loan opened, the 20,000
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "a temporary file was left behind"

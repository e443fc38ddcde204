"""Close of business across worker processes (issue 10, item 5), through procrastinate.

Why procrastinate: its jobs live in PostgreSQL itself, beside the books: no broker to run,
secure and back up besides the database a lender already runs, and nothing to reconcile
between two systems when one of them restarts. It gives what we would otherwise write:
worker processes that wait on LISTEN/NOTIFY, heartbeats that show which worker died,
retries, a queueing lock. Celery on RabbitMQ would work too, but a second stateful
service on the night's critical path buys nothing here: the workers' bottleneck is the
same PostgreSQL either way.

The job queue is never the truth about the books: ``cob_partitions`` is. A job says
"close partition k of day D"; the worker locks the partition row, closes its borrowers
and marks it done in one transaction (:mod:`loanbook.service.cob_partitions`). A job run
twice does nothing the second time; a job whose worker died (no heartbeat for
``STALLED_AFTER_SECONDS``) is put back by the coordinator and claimed by another worker.

The coordinator (``loanbook cob run --workers N``) brings the night forward in bulk,
plans the partitions, defers one job each, waits until none is pending, and then runs
the day's last transaction itself (``close_of_business.close_day``). ``loanbook cob
worker`` starts a worker on any machine that reaches the same PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from typing import Any, TextIO

from sqlalchemy import Engine

from loanbook.errors import BadInput, Unavailable
from loanbook.service.cob_partitions import close_partition, pending, plan
from loanbook.store.partitions import current_schema, ensure_job_schema

QUEUE = "loanbook-cob"
TASK = "loanbook.cob.close_partition"
HEARTBEAT_SECONDS = 1.0
STALLED_AFTER_SECONDS = 6.0  # several missed heartbeats: the worker is gone, its job goes back
# The coordinator looks at the partitions left after 0.05 s, then less and less often up
# to every 0.5 s: on a long night its polling must not take CPU from the workers.
POLL_SECONDS = (0.05, 0.5)
CHECK_JOBS_SECONDS = 1.0  # ... and at stalled or failed jobs this often
ATTEMPTS = 3  # a partition failing (a lost connection) is tried again by the queue
MAX_RESTARTS = 20  # local workers dying more often than this: something is wrong, stop
STOP_SECONDS = 30.0


def require_postgresql(engine: Engine, what: str) -> None:
    """Workers share one database: SQLite (one file, one writer) keeps the in-process
    close, which is what ``cob run`` without ``--workers`` does."""
    if engine.dialect.name != "postgresql":
        raise BadInput(f"{what} needs PostgreSQL: on SQLite close of business runs in one process "
                       "(`loanbook cob run` without --workers)")


def _job_app(engine: Engine, pool_size: int) -> Any:  # noqa: ANN401 - procrastinate.App, imported late
    """A procrastinate App on the books' database and schema (its tables sit beside ours)."""
    from procrastinate import App, PsycopgConnector

    conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    schema = current_schema(engine)
    connect = {"options": f"-csearch_path={schema}"} if schema != "public" else {}
    app = App(connector=PsycopgConnector(conninfo=conninfo, kwargs=connect, min_size=1, max_size=pool_size))
    app.task(name=TASK, queue=QUEUE, pass_context=True, retry=ATTEMPTS - 1)(_close_partition_job)
    return app


def _close_partition_job(context: Any, day: str, partition_no: int) -> int:  # noqa: ANN401
    engine = context.additional_context["engine"]
    closed = close_partition(engine, date.fromisoformat(day), partition_no,
                             closed_by=context.additional_context["worker"])
    return closed.borrowers


# --- A worker ----------------------------------------------------------------------------


def run_worker(engine: Engine, name: str, *, stop_with_parent: bool = False) -> None:
    """Close partitions as they come until SIGTERM or Ctrl-C (the partition in hand is
    finished first). ``stop_with_parent``: a worker started by ``cob run --workers`` stops
    when that run ends, even if it was killed."""
    require_postgresql(engine, "a close of business worker")
    ensure_job_schema(engine)
    app = _job_app(engine, pool_size=4)  # LISTEN, fetch, heartbeat, finish
    if stop_with_parent:
        _stop_when_orphaned()
    app.run_worker(
        queues=[QUEUE], name=name, concurrency=1, wait=True, delete_jobs="successful", listen_notify=True,
        fetch_job_polling_interval=1.0, update_heartbeat_interval=HEARTBEAT_SECONDS,
        stalled_worker_timeout=STALLED_AFTER_SECONDS, additional_context={"engine": engine, "worker": name},
    )


def _stop_when_orphaned() -> None:
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)  # procrastinate stops gracefully on it

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


# --- The coordinator ---------------------------------------------------------------------


def close_night_across(engine: Engine, day: date, chunk: int, *, tick: Any = None) -> None:  # noqa: ANN401
    """Plan ``day``'s partitions, hand them to the workers, return once none is pending.
    ``tick()`` is called while waiting (a local pool restarts dead workers there)."""
    asyncio.run(_coordinate(engine, day, chunk, tick))


async def _coordinate(engine: Engine, day: date, chunk: int, tick: Any) -> None:  # noqa: ANN401
    from procrastinate.exceptions import AlreadyEnqueued

    to_close = await asyncio.to_thread(plan, engine, day, chunk)
    if not to_close:
        return
    app = _job_app(engine, pool_size=2)
    async with app.open_async():
        jobs: set[int] = set()
        task = app.tasks[TASK]
        for partition_no in to_close:
            lock = f"{day}/{partition_no}"  # one waiting job per partition, whoever defers it
            try:
                jobs.add(await task.configure(queueing_lock=lock).defer_async(day=day.isoformat(),
                                                                              partition_no=partition_no))
            except AlreadyEnqueued:  # a killed run deferred it already
                jobs.update(job.id for job in await app.job_manager.list_jobs_async(queueing_lock=lock, status="todo"))
        checked, wait = time.monotonic(), POLL_SECONDS[0]
        while pending(engine, day):
            if tick is not None:
                tick()
            if time.monotonic() - checked >= CHECK_JOBS_SECONDS:
                checked = time.monotonic()
                await _requeue_stalled(app)
                await _refuse_failed(app, jobs, day)
            await asyncio.sleep(wait)
            wait = min(wait * 1.5, POLL_SECONDS[1])


async def _requeue_stalled(app: Any) -> None:  # noqa: ANN401
    """Jobs of workers gone silent (killed, machine lost) go back to the queue; their
    partitions were not committed, or are done and will be skipped."""
    manager = app.job_manager
    for job in await manager.get_stalled_jobs(queue=QUEUE, task_name=TASK,
                                              seconds_since_heartbeat=STALLED_AFTER_SECONDS):
        await manager.retry_job(job)


async def _refuse_failed(app: Any, jobs: set[int], day: date) -> None:  # noqa: ANN401
    failed = [job for job in await app.job_manager.list_jobs_async(queue=QUEUE, status="failed") if job.id in jobs]
    if failed:
        numbers = ", ".join(str(job.task_kwargs.get("partition_no")) for job in failed)
        raise Unavailable(f"close of business of {day}: partition(s) {numbers} failed {ATTEMPTS} times on the workers "
                          "(see their output); nothing of those partitions was written: run `loanbook cob run` again")


class LocalWorkers:
    """``count`` worker processes on this machine for one ``cob run --workers``: started
    once for all the days, restarted if one dies, stopped at the end."""

    def __init__(self, engine: Engine, url: str, count: int, *, output: TextIO | None = None) -> None:
        require_postgresql(engine, "--workers")
        self.engine, self.url, self.count, self.output = engine, url, count, output
        self.processes: list[subprocess.Popen[bytes]] = []
        self.restarts = 0

    def __enter__(self) -> LocalWorkers:
        ensure_job_schema(self.engine)  # once, before the workers race to it
        env = {**os.environ, "LOANBOOK_DATABASE_URL": self.url}  # not on the command line: ps shows it
        schema = current_schema(self.engine)
        if schema != "public":
            env["PGOPTIONS"] = f"-csearch_path={schema}"
        self._env = env
        self.processes = [self._start(number) for number in range(1, self.count + 1)]
        return self

    def _start(self, number: int) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "loanbook.cli.main", "cob", "worker", "--name",
                   f"{os.uname().nodename}-{os.getpid()}-{number}", "--stop-with-parent", "--quiet"]
        return subprocess.Popen(command, env=self._env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=self.output or subprocess.DEVNULL)

    def keep_alive(self) -> None:
        for index, process in enumerate(self.processes):
            if process.poll() is None:
                continue
            self.restarts += 1
            if self.restarts > MAX_RESTARTS:
                raise Unavailable(f"close of business workers ended {self.restarts} times (the last with exit "
                                  f"{process.returncode}); run `loanbook cob worker` to see why")
            self.processes[index] = self._start(index + 1)

    def close_night(self, engine: Engine, day: date, chunk: int) -> None:
        close_night_across(engine, day, chunk, tick=self.keep_alive)

    def __exit__(self, *exc_info: object) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for process in self.processes:
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()  # mid-partition: its transaction rolls back, nothing half-written
                process.wait()

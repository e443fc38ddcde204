"""Benchmark of the HTTP API on PostgreSQL: repayments/s and GET /v1/loans/{id} latency.

Not a test: it prints figures. Run from the project root with the project's venv:

    .venv/bin/python bench/api.py                       # 10 s of each, 2 workers
    .venv/bin/python bench/api.py --seconds 5 --workers 1 --concurrency 8

What it does:

1. Makes a scratch database beside the one of LOANBOOK_DATABASE_URL (default
   postgresql+psycopg://postgres@127.0.0.1:5432/test): same server, named
   ``<database>_api_bench``; it is dropped at the end (``--keep`` keeps it). Nobody's
   data is touched.
2. Seeds it through the services: ``--borrowers`` borrowers with one FLEX6 loan each,
   disbursed on 2026-01-15, and closes business days until 2026-02-10, so the first
   instalment is due when the repayments arrive.
3. Starts ``--workers`` uvicorn processes sharing one listening socket on 127.0.0.1, a
   port the system picks (made here rather than by ``uvicorn --workers``: see
   :func:`listening_socket`).
4. From a separate load process (multiprocessing), with ``--concurrency`` keep-alive
   connections of a small HTTP/1.1 client on asyncio: POST repayments (a fresh
   Idempotency-Key each, random borrower and amount) for ``--seconds``; then, from
   another, GET /v1/loans/{id} with ``--get-concurrency`` connections for ``--seconds``.
   The CPU time the server processes and the database's backends spent on each phase is
   read from /proc: per request, it bounds the rate on an idle machine, whatever else
   runs on this one.
5. Right after, in the same run, pgbench's built-in tpcb-like load on a scratch
   database of the same server (``--concurrency`` clients, ``--seconds``): what this
   PostgreSQL commits per second while the machine is as busy as it is now. The ratio
   repayments/s : pgbench tps makes the figure mean something on a busy machine.
6. Prints requests/s and p50/p90/p99 latency of each; then, as a floor under an HTTP
   repayment, ``servicing.repay`` called in-process one at a time; then, per use case
   (repayment, payoff, GET loan, quote, bill), how many times the book is replayed
   through the rules core and how many SQL statements reach the database: counts that do
   not depend on the load; then proves the run: one transaction per repayment made, and
   the ledger check passes.

With ``--json`` the last line is one JSON object: ``repayments_per_s``,
``repayment_p99_ms``, ``get_p50_ms``, ``pgbench_tps``, ``ratio`` and ``per_use_case``
(replays and statements of each use case).

Bounded: every phase stops at ``--seconds`` or ``--max-requests``, and every address is
127.0.0.1. Aims (the issue's): 1,000 repayments/s with p99 <= 50 ms; GET p50 <= 2 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import subprocess
import multiprocessing
import os
import platform
import random
import socket
import statistics
import sys
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

try:
    import loanbook  # noqa: F401
except ImportError:  # run without an installed package: use the src layout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from loanbook.service import servicing
from loanbook.service.close_of_business import close_until
from loanbook.service.ledger_check import check_ledger
from loanbook.service.setup import init_database
from loanbook.service.users import add_user
from loanbook.store.database import make_engine
from loanbook.store.tables import TransactionRow
from loanbook.store.unit_of_work import UnitOfWork

from counts import per_use_case  # noqa: E402 - bench/ is on the path when run as a script

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
HOST = "127.0.0.1"  # the only address this bench sends to
FIRST_DAY = date(2026, 1, 15)
BENCH_DAY = date(2026, 2, 10)  # the first instalment of every loan is due
AIM_REPAYMENTS_PER_SECOND = 1000
AIM_REPAYMENT_P99_MS = 50.0
AIM_GET_P50_MS = 2.0
SECONDS_MAX = 120
MAX_REQUESTS = 200_000  # per phase, whatever the duration
SERVER_START_SECONDS = 30
REPLY_TIMEOUT_SECONDS = 30
LISTEN_BACKLOG = 1024
BASELINE_SECONDS = 3.0


def psycopg_url(url: str) -> str:
    if not url.startswith(("postgresql://", "postgresql+psycopg://")):
        sys.exit(f"bench/api.py runs on PostgreSQL; LOANBOOK_DATABASE_URL is {url!r}")
    return "postgresql+psycopg://" + url.split("://", 1)[1]


def scratch_url(url: str) -> tuple[str, str, str]:
    """(admin url, bench url, bench database name): a database beside the given one."""
    server, _, database = url.rpartition("/")
    database, _, query = database.partition("?")
    name = f"{database or 'loanbook'}_api_bench_{uuid.uuid4().hex[:8]}"  # per run: helpers share the server
    return url, f"{server}/{name}" + (f"?{query}" if query else ""), name


def recreate(admin_url: str, name: str, *, drop_only: bool = False) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not drop_only:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def seed(url: str, borrowers: int) -> tuple[str, list[int], list[int]]:
    """(an operator's token, borrower ids, loan ids)."""
    engine = make_engine(url)
    init_database(engine, business_date=FIRST_DAY)
    borrower_ids, loan_ids = [], []
    for n in range(borrowers):
        with UnitOfWork(engine) as uow:
            summary = servicing.create_borrower(uow, name=f"bench {n}", phone=f"138 {n:08d}",
                                                credit_limit=Decimal("50000.00"))
        with UnitOfWork(engine) as uow:
            done = servicing.disburse_loan(uow, borrower_id=summary.borrower.id, product_code="FLEX6",
                                           principal=Decimal("10000.00"), terms=6)
        borrower_ids.append(summary.borrower.id)
        loan_ids.append(done.loan_id)
    close_until(engine, BENCH_DAY)
    with UnitOfWork(engine) as uow:
        _, token = add_user(uow, name="bench operator", role="operator")
    engine.dispose()
    return token, borrower_ids, loan_ids


def listening_socket() -> socket.socket:
    """127.0.0.1 on a port the system picks. Made with IPPROTO_TCP so that asyncio sets
    TCP_NODELAY on each connection: uvicorn's own ``--workers`` socket is made without it
    (proto 0), and its keep-alive connections then stall ~40 ms a response on Nagle's
    algorithm meeting delayed ACKs."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    sock.listen(LISTEN_BACKLOG)
    return sock


def serve_worker(sock: socket.socket, url: str, access_log_path: str = os.devnull) -> None:
    """One server process: uvicorn on the shared listening socket, its own engine.

    The server's JSON access log (one line a request, loanbook.access) goes to
    ``access_log_path`` (default: nowhere), not to the terminal: the lines are still
    formatted and written, so their CPU stays in the figures; warnings and errors still
    reach stderr."""
    import logging

    import uvicorn

    os.environ["LOANBOOK_DATABASE_URL"] = url
    from loanbook.api.app import create_app_from_environment
    from loanbook.api.observability import JsonFormatter, access_log

    app = create_app_from_environment()  # configures logging: JSON lines on stderr
    handler = logging.FileHandler(access_log_path, encoding="utf-8")
    handler.setFormatter(JsonFormatter())
    access_log.handlers[:] = [handler]
    access_log.propagate = False
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


def start_server(url: str, sock: socket.socket, workers: int, access_log_path: str = os.devnull
                 ) -> list[multiprocessing.Process]:
    context = multiprocessing.get_context("fork")  # the children inherit the listening socket
    processes = [context.Process(target=serve_worker, args=(sock, url, access_log_path), daemon=True)
                 for _ in range(workers)]
    for process in processes:
        process.start()
    return processes


def stop_server(processes: list[multiprocessing.Process]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(30)


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: bytes, body: bytes) -> tuple[int, bytes]:
    """One HTTP/1.1 request on a kept-alive connection: (status, body)."""
    writer.write(head + body)
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("the server closed the connection")
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


def _head(method: str, path: str, token: str, body: bytes, key: str | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", f"Authorization: Bearer {token}",
             f"Content-Length: {len(body)}"]
    if body:
        lines.append("Content-Type: application/json")
    if key is not None:
        lines.append(f"Idempotency-Key: {key}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _phase(port: int, token: str, kind: str, ids: list[int], seconds: float, concurrency: int,
                 max_requests: int, seed_value: int) -> dict:
    chosen = random.Random(seed_value)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.perf_counter() + seconds
    sent = 0

    async def connection() -> None:
        nonlocal sent
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while time.perf_counter() < deadline and sent < max_requests:
                sent += 1
                target = chosen.choice(ids)
                if kind == "repayment":
                    body = f'{{"amount": "{chosen.randint(1, 20000) / 100:.2f}", "channel": "bank_transfer"}}'.encode()
                    head = _head("POST", f"/v1/borrowers/{target}/repayments", token, body, str(uuid.uuid4()))
                else:
                    body, head = b"", _head("GET", f"/v1/loans/{target}", token, b"")
                started = time.perf_counter()
                status, _ = await asyncio.wait_for(_request(reader, writer, head, body), REPLY_TIMEOUT_SECONDS)
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return {"kind": kind, "elapsed": time.perf_counter() - started, "latencies": latencies, "statuses": statuses}


def load_process(port: int, token: str, kind: str, ids: list[int], seconds: float, concurrency: int,
                 max_requests: int, results: multiprocessing.Queue) -> None:
    """The load generator of one phase, in a process of its own."""
    results.put(asyncio.run(_phase(port, token, kind, ids, seconds, concurrency, max_requests, len(kind))))


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def backend_pids(url: str, name: str) -> list[int]:
    """The PostgreSQL server processes serving the bench database."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        pids = [int(pid) for pid in connection.scalars(
            text("SELECT pid FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})]
    engine.dispose()
    return pids


def run_phase(port: int, token: str, kind: str, ids: list[int], concurrency: int, args: argparse.Namespace,
              server: list[multiprocessing.Process], url: str, name: str) -> dict:
    """One phase from a separate load process, with the CPU the server side spent on it."""
    workers = [process.pid for process in server if process.pid is not None]
    app_before, db_before = cpu_seconds(workers), cpu_seconds(backend_pids(url, name))
    results: multiprocessing.Queue = multiprocessing.Queue()
    loader = multiprocessing.Process(target=load_process, args=(port, token, kind, ids, args.seconds, concurrency,
                                                                args.max_requests, results))
    loader.start()
    result = results.get(timeout=args.seconds + 120)
    loader.join(30)
    result["app_cpu"] = cpu_seconds(workers) - app_before
    result["db_cpu"] = cpu_seconds(backend_pids(url, name)) - db_before  # backends that already ran count whole
    return result


def service_baseline(url: str, borrower_ids: list[int], seconds: float) -> dict:
    """The repayment service alone, in this process, one at a time: the floor under an
    HTTP repayment's latency (no HTTP, no token, no idempotency key)."""
    engine = make_engine(url)
    chosen = random.Random(3)
    latencies: list[float] = []
    started = time.perf_counter()
    while time.perf_counter() - started < seconds and len(latencies) < MAX_REQUESTS:
        begun = time.perf_counter()
        with UnitOfWork(engine) as uow:
            servicing.repay(uow, borrower_id=chosen.choice(borrower_ids),
                            amount=Decimal(chosen.randint(1, 20000)) / 100, channel="bench")
        latencies.append(time.perf_counter() - begun)
    engine.dispose()
    return {"kind": "service", "elapsed": time.perf_counter() - started, "latencies": latencies,
            "statuses": {"done": len(latencies)}}


def use_case_counts(url: str, borrower_ids: list[int], loan_ids: list[int]) -> dict[str, dict[str, int]]:
    """Replays through the rules core and SQL statements of one run of each use case,
    in-process (counts, not timings: the same on a busy machine as on an idle one)."""
    engine = make_engine(url)
    borrower_id, loan_id = borrower_ids[0], loan_ids[0]
    with UnitOfWork(engine) as uow:
        today = uow.business_dates.get()

    def in_uow(action):
        def run():
            with UnitOfWork(engine) as uow:
                return action(uow)
        return run

    # a payoff needs the quote first: measured apart, then the payoff itself alone. The
    # second payoff's borrower was just repaid, so its stored position is of today (the
    # first's may be of an older day, until close of business moves positions forward).
    with UnitOfWork(engine) as uow:
        _, payoff_total = servicing.payoff_quote(uow, loan_ids[1])
    with UnitOfWork(engine) as uow:
        servicing.repay(uow, borrower_id=borrower_ids[2], amount=Decimal("1.00"), channel="bench")
    with UnitOfWork(engine) as uow:
        _, fresh_total = servicing.payoff_quote(uow, loan_ids[2])
    cases = {
        "repayment": in_uow(lambda uow: servicing.repay(uow, borrower_id=borrower_id, amount=Decimal("12.34"),
                                                        channel="bench")),
        "get_loan": in_uow(lambda uow: servicing.loan_state(uow, loan_id)),
        "payoff_quote": in_uow(lambda uow: servicing.payoff_quote(uow, loan_id)),
        "bill": in_uow(lambda uow: servicing.borrower_bill(uow, borrower_id, today)),
        "borrower": in_uow(lambda uow: servicing.borrower_summary(uow, borrower_id)),
        "payoff": in_uow(lambda uow: servicing.pay_off(uow, borrower_id=borrower_ids[1], loan_ids=[loan_ids[1]],
                                                       total=payoff_total.total)),
        "payoff_position_of_today": in_uow(lambda uow: servicing.pay_off(
            uow, borrower_id=borrower_ids[2], loan_ids=[loan_ids[2]], total=fresh_total.total)),
    }
    counts = per_use_case(engine, cases)
    engine.dispose()
    return counts


def pgbench_tps(admin_url: str, seconds: float, clients: int) -> dict:
    """pgbench's built-in tpcb-like load on a scratch database of the same server, now:
    what this PostgreSQL commits per second on this machine as busy as it is."""
    if shutil.which("pgbench") is None:
        return {"tps": None, "note": "pgbench is not installed"}
    server, _, _ = admin_url.rpartition("/")
    name = f"loanbook_pgbench_{uuid.uuid4().hex[:8]}"
    recreate(admin_url, name)
    conninfo = server.replace("postgresql+psycopg://", "postgresql://") + "/" + name
    try:
        subprocess.run(["pgbench", "-i", "-s", "1", "-q", conninfo], check=True, capture_output=True, text=True)
        ran = subprocess.run(["pgbench", "-b", "tpcb-like", "-c", str(clients), "-j", "2", "-T",
                              str(max(1, round(seconds))), conninfo], check=True, capture_output=True, text=True)
        found = re.search(r"tps = ([0-9.]+)", ran.stdout)
        return {"tps": float(found.group(1)) if found else None, "clients": clients}
    finally:
        recreate(admin_url, name, drop_only=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def report(result: dict, concurrency: int) -> str:
    latencies = result["latencies"]
    if not latencies:
        return f"{result['kind']:>10}: no request completed"
    rate = len(latencies) / result["elapsed"]
    line = (f"{result['kind']:>10}: {len(latencies):7d} requests in {result['elapsed']:5.1f} s = {rate:7.1f}/s "
            f"with {concurrency:2d} connections; latency p50 {percentile(latencies, 0.50):6.2f} ms, "
            f"p90 {percentile(latencies, 0.90):6.2f} ms, p99 {percentile(latencies, 0.99):6.2f} ms, "
            f"mean {statistics.fmean(latencies) * 1000:6.2f} ms; statuses {result['statuses']}")
    if "app_cpu" in result:
        app_ms, db_ms = (result[k] * 1000 / len(latencies) for k in ("app_cpu", "db_cpu"))
        line += (f"\n{'':>12}CPU per request: app {app_ms:.2f} ms + PostgreSQL {db_ms:.2f} ms; on {os.cpu_count()} "
                 f"idle cores that bounds the rate near {os.cpu_count() * 1000 / (app_ms + db_ms):.0f}/s")
    return line


def wait_until_serving(port: int, token: str, server: list[multiprocessing.Process]) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if not all(process.is_alive() for process in server):
            sys.exit("the server exited while starting")
        try:
            with socket.create_connection((HOST, port), timeout=1) as sock:
                sock.sendall(_head("GET", "/v1/borrowers/1", token, b""))
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"the server did not answer on {HOST}:{port} within {SERVER_START_SECONDS} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase (at most 120)")
    parser.add_argument("--borrowers", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--concurrency", type=int, default=16, help="connections sending repayments")
    parser.add_argument("--get-concurrency", type=int, default=1, help="connections sending GETs")
    parser.add_argument("--max-requests", type=int, default=MAX_REQUESTS, help="per phase, at most")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--json", action="store_true", help="end with one JSON object on the last line")
    parser.add_argument("--access-log", default=os.devnull, metavar="PATH",
                        help="where the server's access log goes (default: nowhere; never the terminal)")
    args = parser.parse_args()
    args.seconds = min(max(args.seconds, 1.0), SECONDS_MAX)
    args.max_requests = min(args.max_requests, MAX_REQUESTS)

    admin_url, url, name = scratch_url(psycopg_url(os.environ.get("LOANBOOK_DATABASE_URL", DEFAULT_URL)))
    print(f"machine: {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f} before the run (other work on the machine skews the figures); "
          f"scratch database {name}")
    recreate(admin_url, name)
    server, sock = None, None
    try:
        started = time.perf_counter()
        token, borrower_ids, loan_ids = seed(url, args.borrowers)
        print(f"seeded {len(borrower_ids)} borrowers with one loan each, business date {BENCH_DAY}, "
              f"in {time.perf_counter() - started:.1f} s")
        sock = listening_socket()
        port = sock.getsockname()[1]
        server = start_server(url, sock, args.workers, args.access_log)
        wait_until_serving(port, token, server)
        print(f"uvicorn on {HOST}:{port}, {args.workers} worker process(es)")
        repayments = run_phase(port, token, "repayment", borrower_ids, args.concurrency, args, server, url, name)
        gets = run_phase(port, token, "get loan", loan_ids, args.get_concurrency, args, server, url, name)
        print(f"load average {os.getloadavg()[0]:.2f} at the end of the load")
        print(report(repayments, args.concurrency))
        print(report(gets, args.get_concurrency))
        rate = len(repayments["latencies"]) / repayments["elapsed"]
        print(f"aims: repayments {rate:.0f}/s (aim {AIM_REPAYMENTS_PER_SECOND}/s), p99 "
              f"{percentile(repayments['latencies'], 0.99):.1f} ms (aim <= {AIM_REPAYMENT_P99_MS:.0f} ms); "
              f"GET p50 {percentile(gets['latencies'], 0.50):.2f} ms (aim <= {AIM_GET_P50_MS:.0f} ms)")
        stop_server(server)
        server = None
        pgbench = pgbench_tps(admin_url, args.seconds, args.concurrency)
        print(f"pgbench tpcb-like, same server, right after: {pgbench['tps']} transactions/s "
              f"({args.concurrency} clients); repayments/s : pgbench tps = "
              f"{rate / pgbench['tps'] if pgbench['tps'] else float('nan'):.3f}")
        baseline = service_baseline(url, borrower_ids, min(args.seconds, BASELINE_SECONDS))
        print(report(baseline, 1) + " (servicing.repay in-process, no HTTP)")
        counts = use_case_counts(url, borrower_ids, loan_ids)
        for case, tally in counts.items():
            print(f"{case:>14}: {tally['replays']} replay(s) through the rules core, {tally['statements']} SQL statements")
        engine = make_engine(url)
        with UnitOfWork(engine) as uow:
            booked = uow.session.scalar(select(func.count()).select_from(TransactionRow)
                                        .where(TransactionRow.kind == "repayment"))
        ledger = check_ledger(engine)
        engine.dispose()
        answered = repayments["statuses"].get(201, 0) + len(baseline["latencies"]) + 2  # + the two counted
        print(f"proof: {booked} repayments booked for {answered} made (201s and the service's own); "
              f"ledger check {'passed' if ledger.ok else 'FAILED'} over {ledger.loans_checked} loans")
        if args.json:
            print(json.dumps({
                "repayments_per_s": round(rate, 1),
                "repayment_p99_ms": round(percentile(repayments["latencies"], 0.99), 2),
                "get_p50_ms": round(percentile(gets["latencies"], 0.50), 3),
                "pgbench_tps": pgbench["tps"],
                "ratio": round(rate / pgbench["tps"], 4) if pgbench["tps"] else None,
                "service_repay_p50_ms": round(percentile(baseline["latencies"], 0.50), 2),
                "per_use_case": counts,
                "ledger_check": ledger.ok,
                "load_average": round(os.getloadavg()[0], 2),
            }))
    finally:
        if server is not None:
            stop_server(server)
        if sock is not None:
            sock.close()
        if not args.keep:
            recreate(admin_url, name, drop_only=True)


if __name__ == "__main__":
    main()

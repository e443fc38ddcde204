"""Where the server's CPU goes per repayment and per GET: one uvicorn process under load,
its CPU per request split by part. Not a test: it prints figures.

    .venv/bin/python bench/profile_api.py --seconds 10 [--json]

It seeds a scratch PostgreSQL database as ``bench/api.py`` does (same server, a name of
its own, dropped at the end) and starts one uvicorn process whose sync routes and
dependencies run inline on the event loop's thread, so that one sampling profiler
(pyinstrument) sees them all. For each of repayments and GETs, sent from a separate load
process: ``--seconds`` unprofiled, for the CPU a request takes (from /proc), then as long
profiled, for how that CPU divides: a sample counts for the innermost part (``PARTS``) on
its stack, samples waiting on a socket (PostgreSQL, the next request) are left out, and
each part's share of the rest is applied to the unprofiled CPU per request.
Needs pyinstrument (a development tool: ``pip install pyinstrument``).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import api as bench_api  # noqa: E402 - bench/ on the path

# The parts of a request's CPU: a sample belongs to the innermost of these functions on
# its stack (file suffix, function name); samples under none are HTTP, FastAPI and
# middleware. Samples waiting on a socket (PostgreSQL, the next request) are not CPU.
PARTS = (
    ("auth (token lookup)", [("loanbook/api/deps.py", "current_user"), ("loanbook/service/users.py", "authenticate")]),
    ("idempotency (claim, stored response)", [("loanbook/api/idempotency.py", "_claim"),
                                              ("loanbook/store/repositories.py", "finish"),
                                              ("loanbook/api/idempotency.py", "commit_with_reply")]),
    ("use case, other Python", [("loanbook/service/servicing.py", "repay"), ("loanbook/service/servicing.py", "loan_state")]),
    ("SQL statements (SQLAlchemy Core, psycopg)", [("loanbook/store/prepared.py", "run")]),
    ("commit, unit of work", [("sqlalchemy/orm/session.py", "commit"), ("loanbook/store/unit_of_work.py", "__exit__"),
                              ("loanbook/store/unit_of_work.py", "__enter__")]),
    ("rows to core values", [("loanbook/store/codec.py", "book_from_rows"), ("loanbook/store/codec.py", "loan_from_rows"),
                             ("loanbook/store/repositories.py", "value_of")]),
    ("posting (ledger, pure)", [("loanbook/ledger/revaluation.py", "revalue")]),
    ("core replay (rules)", [("loanbook/rules/replay.py", "position")]),
    ("position JSON (encode, decode)", [("loanbook/store/codec.py", "position_to_json"),
                                        ("loanbook/store/codec.py", "position_from_json")]),
    ("response JSON (pydantic)", [("pydantic/main.py", "model_dump_json")]),
    ("access log, metrics", [("loanbook/api/observability.py", "observe"), ("logging/__init__.py", "info")]),
)
REST = "HTTP, FastAPI, middleware (the rest)"
WAITING = (("psycopg/connection.py", "wait"), ("psycopg/waiting.py", None), ("selectors.py", "select"))


def inline_threadpool() -> None:
    """Run what FastAPI would send to its threadpool on the calling thread."""
    import fastapi.dependencies.utils as dep_utils
    import fastapi.routing as routing
    import starlette.concurrency as concurrency

    async def run_inline(func, *args, **kwargs):
        return func(*args, **kwargs)

    class _InlineContext:
        def __init__(self, cm):
            self.cm = cm

        async def __aenter__(self):
            return self.cm.__enter__()

        async def __aexit__(self, *exc):
            return self.cm.__exit__(*exc)

    for module in (concurrency, dep_utils, routing):
        if hasattr(module, "run_in_threadpool"):
            module.run_in_threadpool = run_inline
    if hasattr(dep_utils, "contextmanager_in_threadpool"):
        dep_utils.contextmanager_in_threadpool = _InlineContext


def serve_profiled(sock, url: str, out: str) -> None:
    """One uvicorn process; SIGUSR1 starts pyinstrument, SIGUSR2 stops it and writes the
    split (seconds per part) to ``out`` as JSON."""
    os.environ["LOANBOOK_DATABASE_URL"] = url
    inline_threadpool()
    import uvicorn
    from pyinstrument import Profiler

    from loanbook.api.app import create_app_from_environment

    profiler = Profiler(interval=0.0002, async_mode="disabled")
    server = uvicorn.Server(uvicorn.Config(create_app_from_environment(), log_level="warning", access_log=False,
                                           lifespan="off"))

    def start(_signum, _frame):
        profiler.start()

    def stop(_signum, _frame):
        session = profiler.stop()
        Path(out).write_text(json.dumps(split_of(session.root_frame())))

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    server.run(sockets=[sock])


def _is(frame, functions) -> bool:
    path = frame.file_path or ""
    return any(path.endswith(suffix) and (name is None or frame.function == name) for suffix, name in functions)


def split_of(root) -> dict[str, float]:
    """Seconds of samples per part (see PARTS), and "waiting" for those on a socket."""
    seconds: dict[str, float] = {}
    pending = [(root, REST)]
    while pending:
        frame, part = pending.pop()
        if _is(frame, WAITING):
            seconds["waiting"] = seconds.get("waiting", 0.0) + frame.time
            continue
        for name, functions in PARTS:
            if _is(frame, functions):
                part = name
        if not frame.children:  # a sample's own time ("[self]" or a leaf)
            seconds[part] = seconds.get(part, 0.0) + frame.time
        pending.extend((child, part) for child in frame.children)
    return seconds


def profile_phase(kind: str, ids: list[int], port: int, token: str, seconds: float, concurrency: int, pid: int,
                  out: str) -> tuple[dict, dict[str, float]]:
    """Load for ``seconds`` unprofiled (the CPU a request takes, from /proc), then as long
    profiled (how that CPU divides): per part, ms of CPU per request."""
    unprofiled = _load(kind, ids, port, token, seconds, concurrency, pid)
    os.kill(pid, signal.SIGUSR1)
    profiled = _load(kind, ids, port, token, seconds, concurrency, pid)
    os.kill(pid, signal.SIGUSR2)
    deadline = time.monotonic() + 30
    while not os.path.exists(out) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    parts = json.loads(Path(out).read_text())
    parts.pop("waiting", None)
    busy = sum(parts.values())
    cpu_ms = unprofiled["app_cpu"] * 1000 / max(len(unprofiled["latencies"]), 1)
    split = {part: round(cpu_ms * value / busy, 3) for part, value in sorted(parts.items(), key=lambda kv: -kv[1])}
    return unprofiled, {"cpu_ms_per_request": round(cpu_ms, 3), "parts_ms": split}


def _load(kind, ids, port, token, seconds, concurrency, pid) -> dict:
    results: multiprocessing.Queue = multiprocessing.Queue()
    before = bench_api.cpu_seconds([pid])
    loader = multiprocessing.Process(target=bench_api.load_process,
                                     args=(port, token, kind, ids, seconds, concurrency, bench_api.MAX_REQUESTS, results))
    loader.start()
    result = results.get(timeout=seconds + 120)
    loader.join(30)
    result["app_cpu"] = bench_api.cpu_seconds([pid]) - before
    result["db_cpu"] = 0.0  # not measured here: bench/api.py does
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--borrowers", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    args.seconds = min(max(args.seconds, 1.0), bench_api.SECONDS_MAX)
    admin_url, url, name = bench_api.scratch_url(
        bench_api.psycopg_url(os.environ.get("LOANBOOK_DATABASE_URL", bench_api.DEFAULT_URL)))
    print(f"load average {os.getloadavg()[0]:.2f} before the run; scratch database {name}")
    bench_api.recreate(admin_url, name)
    process = None
    try:
        token, borrower_ids, loan_ids = bench_api.seed(url, args.borrowers)
        sock = bench_api.listening_socket()
        port = sock.getsockname()[1]
        out_dir = Path(f"/tmp/loanbook_profile_{os.getpid()}")
        out_dir.mkdir(exist_ok=True)
        context = multiprocessing.get_context("fork")
        splits = {}
        for kind, ids in (("repayment", borrower_ids), ("get loan", loan_ids)):
            out = str(out_dir / f"{kind.replace(' ', '_')}.json")
            if process is not None and process.is_alive():
                bench_api.stop_server([process])
            process = context.Process(target=serve_profiled, args=(sock, url, out), daemon=True)
            process.start()
            bench_api.wait_until_serving(port, token, [process])
            result, split = profile_phase(kind, ids, port, token, args.seconds, args.concurrency, process.pid, out)
            print(bench_api.report(result, args.concurrency))
            print(f"  CPU per request {split['cpu_ms_per_request']:.2f} ms (unprofiled), split by part "
                  f"(pyinstrument samples; load average {os.getloadavg()[0]:.2f}):")
            for part, ms in split["parts_ms"].items():
                print(f"    {part:<44} {ms:7.3f} ms")
            splits[kind] = {"requests": len(result["latencies"]), **split}
        if args.json:
            print(json.dumps({"load_average": round(os.getloadavg()[0], 2), **splits}))
    finally:
        if process is not None:
            bench_api.stop_server([process])
        bench_api.recreate(admin_url, name, drop_only=True)


if __name__ == "__main__":
    main()

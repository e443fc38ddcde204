"""Where the server's CPU goes per repayment and per GET: a profile of one uvicorn process
under load, split by layer. Not a test: it prints figures.

    .venv/bin/python bench/profile_api.py --seconds 10 [--top 40] [--json]

It seeds a scratch PostgreSQL database as ``bench/api.py`` does (same server, a name of
its own, dropped at the end), starts one uvicorn process whose sync routes and
dependencies run inline on the event loop's thread (so that one profiler sees them all;
the CPU they take is the same as on a worker thread), profiles it with cProfile on the
process's CPU clock (waiting on PostgreSQL costs nothing), sends repayments and then GETs
from a separate load process, and prints per request the CPU of each layer: the
inclusive time of the functions that enter it, so the layers nest (HTTP is everything the
app spent, the others are parts of it). ``--top`` prints the costliest functions too.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import multiprocessing
import os
import pstats
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import api as bench_api  # noqa: E402 - bench/ on the path

# (layer, [(file suffix, function name)]): the functions whose inclusive CPU is the layer's.
LAYERS = (
    ("app (everything uvicorn ran)", [("uvicorn/protocols/http/httptools_impl.py", "run_asgi"),
                                      ("uvicorn/protocols/http/h11_impl.py", "run_asgi")]),
    ("auth (token lookup)", [("loanbook/api/deps.py", "current_user")]),
    ("idempotency claim", [("loanbook/api/idempotency.py", "_claim")]),
    ("use case (servicing.repay)", [("loanbook/service/servicing.py", "repay")]),
    ("  read the book", [("loanbook/store/repositories.py", "book")]),
    ("  core replay (position)", [("loanbook/rules/replay.py", "position")]),
    ("  revalue (replay + posting)", [("loanbook/ledger/revaluation.py", "revalue")]),
    ("  write journal", [("loanbook/store/repositories.py", "post")]),
    ("  write marks", [("loanbook/store/repositories.py", "put")]),
    ("  encode position JSON", [("loanbook/store/codec.py", "position_to_json")]),
    ("  partner split", [("loanbook/partners/posting.py", "post_partner_split")]),
    ("GET loan route", [("loanbook/api/routes/loans.py", "get_loan")]),
    ("  decode position JSON", [("loanbook/store/codec.py", "position_from_json")]),
    ("response JSON (pydantic)", [("pydantic/main.py", "model_dump_json")]),
    ("SQL execute (all)", [("sqlalchemy/orm/session.py", "execute"), ("sqlalchemy/orm/session.py", "scalar"),
                           ("sqlalchemy/orm/session.py", "scalars")]),
    ("  psycopg (driver)", [("psycopg/cursor.py", "execute"), ("psycopg/cursor.py", "executemany")]),
    ("commit", [("sqlalchemy/orm/session.py", "commit")]),
    ("access log + metrics", [("loanbook/api/observability.py", "observe"), ("logging/__init__.py", "info")]),
)


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
    os.environ["LOANBOOK_DATABASE_URL"] = url
    inline_threadpool()
    import uvicorn

    from loanbook.api.app import create_app_from_environment

    profiler = cProfile.Profile(time.process_time)
    server = uvicorn.Server(uvicorn.Config(create_app_from_environment(), log_level="warning", access_log=False,
                                           lifespan="off"))
    state = {"on": False}

    def toggle(_signum, _frame):  # SIGUSR1: start; SIGUSR2: stop and dump
        if not state["on"]:
            profiler.enable()
            state["on"] = True
        else:
            profiler.disable()
            profiler.dump_stats(out)
            state["on"] = False

    signal.signal(signal.SIGUSR1, toggle)
    signal.signal(signal.SIGUSR2, toggle)
    server.run(sockets=[sock])


def layer_split(stats_file: str, requests: int) -> dict[str, float]:
    stats = pstats.Stats(stats_file).stats  # {(file, line, name): (cc, nc, tt, ct, callers)}
    split = {}
    for layer, functions in LAYERS:
        total = 0.0
        for (file, _line, name), (_cc, _nc, _tt, ct, callers) in stats.items():
            if any(file.endswith(suffix) and name == fn for suffix, fn in functions):
                # inclusive time; a function that calls itself is counted once by cProfile's ct
                total += ct
        split[layer] = round(total * 1000 / max(requests, 1), 3)
    return split


def profile_phase(kind: str, ids: list[int], port: int, token: str, seconds: float, concurrency: int, pid: int,
                  out: str) -> tuple[dict, dict[str, float]]:
    os.kill(pid, signal.SIGUSR1)
    results: multiprocessing.Queue = multiprocessing.Queue()
    loader = multiprocessing.Process(target=bench_api.load_process,
                                     args=(port, token, kind, ids, seconds, concurrency, bench_api.MAX_REQUESTS, results))
    loader.start()
    result = results.get(timeout=seconds + 120)
    loader.join(30)
    os.kill(pid, signal.SIGUSR2)
    deadline = time.monotonic() + 30
    while not os.path.exists(out) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    return result, layer_split(out, len(result["latencies"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--borrowers", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--top", type=int, default=0, help="also print the N costliest functions of each phase")
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
            out = str(out_dir / f"{kind.replace(' ', '_')}.prof")
            if process is not None and process.is_alive():
                bench_api.stop_server([process])
            process = context.Process(target=serve_profiled, args=(sock, url, out), daemon=True)
            process.start()
            bench_api.wait_until_serving(port, token, [process])
            result, split = profile_phase(kind, ids, port, token, args.seconds, args.concurrency, process.pid, out)
            print(bench_api.report(result, args.concurrency))
            print(f"  CPU per request, ms, by layer (layers nest; load average {os.getloadavg()[0]:.2f}):")
            for layer, ms in split.items():
                if ms:
                    print(f"    {layer:<32} {ms:8.3f}")
            if args.top:
                pstats.Stats(out).sort_stats("tottime").print_stats(args.top)
            splits[kind] = {"requests": len(result["latencies"]), "cpu_ms_per_request": split}
        if args.json:
            print(json.dumps({"load_average": round(os.getloadavg()[0], 2), **splits}))
    finally:
        if process is not None:
            bench_api.stop_server([process])
        bench_api.recreate(admin_url, name, drop_only=True)


if __name__ == "__main__":
    main()

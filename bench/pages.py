"""Benchmark: the borrower's web pages answer in 100 ms or less at p95 over the demo's
data (issue 12).

    .venv/bin/python bench/pages.py                      # build the demo's portfolio (1,000 borrowers) in a temp file
    .venv/bin/python bench/pages.py --borrowers 200      # a smaller one
    .venv/bin/python bench/pages.py --database sqlite:///loanbook-demo.sqlite3   # an existing demo database
    .venv/bin/python bench/pages.py --json               # and one JSON object as the last line

The pages are served as a person meets them: `loanbook serve` in a process of its own on
a free port of 127.0.0.1, over HTTP with keep-alive. ``--sample`` borrowers spread over the
portfolio get a web user each (password stored with argon2, as `loanbook user add
--password-stdin` does) and sign in through the form; each page is then asked
``--requests`` times, cycling through them and their loans (a loan page, its settle
confirmation). Repaying (POST /app/repay, 0.01 each, so the books barely move) is timed
too. Signing in is printed apart: argon2 is slow on purpose (that is its job), so it is
not held to the page target. Prints p50/p95 per page in milliseconds and whether each p95
is within the target, the server's CPU time per request (from /proc: what a page costs
whatever else a shared machine runs) and the load average (the command line, the timing
loop and the table are bench/timing.py's, shared with bench/lists.py and
bench/admin_pages.py). With --database the database gains the sample's users and
repayments: use a copy.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from itertools import count
from pathlib import Path

from timing import percentile, run, timed_calls  # bench/timing.py: the command line, the timing loop, the table

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402

from loanbook.service.users import add_user  # noqa: E402
from loanbook.store.unit_of_work import UnitOfWork  # noqa: E402

TARGET_P95_MS = 100.0
PASSWORD = "bench pages password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_KEY = re.compile(r'name="form_key" value="([^"]+)"')

Sample = list[tuple[str, list[int], list[int]]]  # (user name, the borrower's loans, those open today)


def _cpu_ms(pid: int) -> float:
    """The server process's CPU time so far (user + system), from /proc: per request, it
    is what a page costs whatever else the machine runs (a shared machine's wall times
    vary with its load)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def _options(parser) -> None:  # noqa: ANN001 - an ArgumentParser
    parser.add_argument("--sample", type=int, default=20, help="Borrowers who sign in (default 20).")


def measure(engine, requests: int, *, sample: int) -> dict[str, object]:  # noqa: ANN001 - an Engine
    signed_up = _sign_ins(engine, sample)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    with tempfile.TemporaryDirectory() as folder:
        return _measure(url, signed_up, requests, Path(folder))


def _sign_ins(engine, sample: int) -> Sample:  # noqa: ANN001 - an Engine
    """(user name, the borrower's loans, those that can be settled today) for ``sample``
    borrowers spread over the portfolio, each with loans."""
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT l.borrower_id, l.id, m.status FROM loans l JOIN loan_marks m ON m.loan_id = l.id "
            "ORDER BY l.borrower_id, l.id")).all()
    loans: dict[int, list[tuple[int, str]]] = {}
    for borrower_id, loan_id, status in rows:
        loans.setdefault(borrower_id, []).append((loan_id, status))
    borrower_ids = sorted(loans)
    step = max(1, len(borrower_ids) // sample)
    chosen = borrower_ids[::step][:sample]
    made = []
    stamp = time.time_ns()
    for borrower_id in chosen:
        name = f"bench-pages-{stamp}-{borrower_id}"
        with UnitOfWork(engine) as uow:
            add_user(uow, name=name, role="borrower", borrower_id=borrower_id, password=PASSWORD)
        made.append((name, [loan_id for loan_id, _ in loans[borrower_id]],
                     [loan_id for loan_id, status in loans[borrower_id] if status != "SETTLED"]))
    return made


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(url: str, folder: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    script = Path(sys.executable).parent / "loanbook"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "loanbook.cli.main"]
    log = (folder / "serve.log").open("wb")
    server = subprocess.Popen([*command, "serve", "--port", str(port), "--database", url], stdout=log,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return server, base
        except httpx.HTTPError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"loanbook serve did not answer: {(folder / 'serve.log').read_text()[-2000:]}")


Clients = list[tuple[httpx.Client, list[int], list[int]]]
# A page's path for the n-th round of the clients, given the client's loans and open loans;
# None where that client has no such page (a settle confirmation needs an open loan).
PagePath = Callable[[int, list[int], list[int]], str | None]

PAGES: dict[str, PagePath] = {
    "my loans /app": lambda n, loans, open_: "/app",
    "a loan /app/loans/{id}": lambda n, loans, open_: f"/app/loans/{loans[n % len(loans)]}",
    "settle confirmation": lambda n, loans, open_: f"/app/loans/{open_[n % len(open_)]}/settle" if open_ else None,
    "repay form /app/repay": lambda n, loans, open_: "/app/repay",
    "coupons /app/coupons": lambda n, loans, open_: "/app/coupons",
    "requests /app/requests": lambda n, loans, open_: "/app/requests",
    "credit bureau /app/bureau": lambda n, loans, open_: "/app/bureau",
    "sign-in form /login": lambda n, loans, open_: "/login",
}


def _page_calls(clients: Clients, page: str, path_of: PagePath):  # noqa: ANN202 - a timing.Call
    """The page's GETs, cycling through the signed-in clients and their loans; clients
    without such a page are passed over."""
    asked = count()

    def next_call() -> tuple[str, Callable[[], object]]:
        for _ in range(len(clients)):
            i = next(asked)
            client, loans, open_ids = clients[i % len(clients)]
            path = path_of(i // len(clients), loans, open_ids)
            if path is not None:
                return path, lambda: client.get(path)
        raise SystemExit(f"{page}: no signed-in borrower has this page (it needs an open loan)")
    return next_call


def _repay_calls(clients: Clients):  # noqa: ANN202 - a timing.Call
    """POST /app/repay of 0.01, the form (its CSRF token and key) read untimed first."""
    asked = count()

    def next_call() -> tuple[str, Callable[[], object]]:
        client, _, _ = clients[next(asked) % len(clients)]
        form = client.get("/app/repay").text
        data = {"csrf_token": CSRF.search(form).group(1), "form_key": FORM_KEY.search(form).group(1), "amount": "0.01"}
        return "POST /app/repay", lambda: client.post("/app/repay", data=data)
    return next_call


def _measure(url: str, sample: Sample, requests: int, folder: Path) -> dict[str, object]:
    server, base = _serve(url, folder)
    try:
        clients: Clients = []
        signing = []
        for name, loan_ids, open_ids in sample:
            client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
            token = CSRF.search(client.get("/login").text).group(1)
            started = time.perf_counter()
            answer = client.post("/login", data={"csrf_token": token, "username": name, "password": PASSWORD})
            signing.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 303:
                raise SystemExit(f"{name} could not sign in: {answer.status_code}")
            clients.append((client, loan_ids, open_ids))

        def server_cpu() -> float:
            return _cpu_ms(server.pid)

        figures = {page: timed_calls(_page_calls(clients, page, path_of), requests, what=page,
                                     ok=(200, 303),  # /login redirects a signed-in user
                                     cpu_ms=server_cpu)
                   for page, path_of in PAGES.items()}
        figures["repay 0.01 (POST /app/repay)"] = timed_calls(_repay_calls(clients), requests, what="repay",
                                                              cpu_ms=server_cpu)
        for client, _, _ in clients:
            client.close()
    finally:
        server.terminate()
        server.wait(timeout=15)
    sign_in = {"p50_ms": round(percentile(signing, 0.50), 1), "p95_ms": round(percentile(signing, 0.95), 1),
               "max_ms": round(max(signing), 1), "n": len(signing)}
    print(f"sign in (argon2, not held to the target): p50 {sign_in['p50_ms']:.1f} ms, p95 {sign_in['p95_ms']:.1f} ms, "
          f"max {sign_in['max_ms']:.1f} ms", flush=True)
    return {"database": url.split(":", 1)[0], "load_average": round(os.getloadavg()[0], 1),
            "signed_in_borrowers": len(sample), "requests_per_page": requests, "pages": figures, "sign_in": sign_in}


if __name__ == "__main__":
    raise SystemExit(run(__doc__, measure=measure, what="pages", default_requests=100, target_p95_ms=TARGET_P95_MS,
                         options=_options))

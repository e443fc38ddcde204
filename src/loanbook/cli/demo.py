"""``loanbook demo``: a fresh database, a thousand borrowers, half a year of servicing and
close of business, the books proved, then the API served on them.

    loanbook demo                         # ./loanbook-demo.sqlite3, 1,000 borrowers, to 2026-06-30, then serve
    loanbook demo --borrowers 30 --until 2026-03-31 --no-serve
    loanbook demo --examples              # only the worked examples W1-W3 of docs/rules.md
"""

from __future__ import annotations

import socket
import time
from collections import Counter
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine

from loanbook.cli.admin import print_ledger_report
from loanbook.cli.calculators import schedule
from loanbook.cli.common import EXIT_FAILURES, err, out, parse_day, print_json, refusals_as_messages
from loanbook.demo.collections import collections_table
from loanbook.demo.portfolio import BORROWERS, PROFILES, SEED, START, UNTIL, PortfolioResult, run_portfolio
from loanbook.demo.sign_ins import make_demo_sign_ins, sign_in_lines
from loanbook.errors import BadInput
from loanbook.money import format_amount, from_fen
from loanbook.scenario.model import load_scenario
from loanbook.scenario.report import print_result
from loanbook.scenario.runner import play
from loanbook.service import bureau as bureau_service
from loanbook.service.close_of_business import DayClosed
from loanbook.service.ledger_check import LedgerReport, check_ledger
from loanbook.ledger.revaluation import DPD_BUCKET_BOUNDS, dpd_bucket
from loanbook.service.users import Role, add_user
from loanbook.store.database import make_engine, mask_url, sqlite_path
from loanbook.store.unit_of_work import UnitOfWork

DEMO_DATABASE = "sqlite:///loanbook-demo.sqlite3"
EXIT_INTERRUPTED = 130  # as a shell reports Ctrl-C
DEMO_SUFFIX = ".sqlite3"
SQLITE_MAGIC = b"SQLite format 3\x00"
# Written into the SQLite header (PRAGMA application_id, bytes 68-71) of every database the
# demo makes: the demo deletes a file only if it carries this mark.
DEMO_APPLICATION_ID = int.from_bytes(b"LBKD", "big")
DEMO_SCENARIOS = ("w2-late-first-instalment.yaml", "w3-early-settlement.yaml")
PROFILE_TEXT = {
    "on_time": "pays each statement on the due date or within grace (R7)",
    "late": "pays 5-40 days late, with the penalty of the day (R7)",
    "settled_early": "pays on time, settles each loan early at the exact quote (R8)",
    "partial": "pays 30-80% of each statement",
    "overpayer": "pays more: a credit balance, applied on the next due date (R6)",
    "never_paid": "never pays",
}


def incident_demo(as_json: bool) -> None:
    import logging

    from loanbook.partners.incident import replay

    logging.getLogger("loanbook.partners").setLevel(logging.ERROR)  # the overdue-file warnings are the story's, not news
    with refusals_as_messages():
        result = replay()
    if as_json:
        print_json(result.as_dict())
        return
    table = Table(title="The 2019 incident, replayed (R17)", title_justify="left")
    table.add_column("")
    table.add_column("platform (loanbook)", justify="right")
    table.add_column("the bank alone", justify="right")
    table.add_row("borrowers who paid on time (on the 10th)", str(result.paid_on_time), str(result.paid_on_time))
    table.add_row("of them, repayments the relay failed to deliver that day", str(result.relay_failed_for), "")
    table.add_row("negative bureau records about them", str(result.negative_records_about_them),
                  str(result.bank_alone_negative_records_about_them))
    table.add_row("reconciliation breaks found / resolved", f"{result.breaks_found} / {result.breaks_resolved}", "")
    table.add_row("loans held from negative reporting meanwhile", str(result.holds_placed), "")
    table.add_row("corrections sent", str(result.corrections_sent), "")
    table.add_row("ledger check", result.ledger_check, "")
    out.print(table)
    out.print(f"replayed in {result.seconds} s against the partner-bank process")
    if result.ledger_check != "passed" or result.negative_records_about_them:
        raise typer.Exit(EXIT_FAILURES)


def demo(
    database: str = typer.Option(DEMO_DATABASE, "--database", help="A sqlite:///PATH.sqlite3 URL; deleted and made anew each run."),
    borrowers: int = typer.Option(BORROWERS, "--borrowers", min=1, help="How many borrowers."),
    until: str = typer.Option(UNTIL.isoformat(), "--until", help="Close business days until this business date, YYYY-MM-DD."),
    seed: int = typer.Option(SEED, "--seed", help="The same seed gives the same portfolio."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Stop after the summary instead of serving the API."),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    examples: bool = typer.Option(False, "--examples", help="Only print the worked examples W1-W3 of docs/rules.md."),
    incident_2019: bool = typer.Option(False, "--incident-2019", help="Replay the article's 2019 partner-bank incident (R17)."),
    as_json: bool = typer.Option(False, "--json", help="With --incident-2019: one JSON object."),
) -> None:
    """A demo portfolio of borrowers serviced day by day to --until, the books proved, the API served."""
    if examples:
        worked_examples()
        return
    if incident_2019:  # partner: R17, the 2019 incident replayed against the partner bank process
        incident_demo(as_json)
        return
    with refusals_as_messages():
        target = parse_day(until, "--until")
        if target <= START:
            raise BadInput(f"--until {target} must be after the demo's first business date {START}")
        # Before any work (issue 11): a port in use is found now, not after the portfolio
        # has been played; the socket is held until the API serves on it.
        listening = None if no_serve else claim_port(host, port)
        engine = fresh_demo_database(database)
        out.print(f"[bold]loanbook demo[/]: {borrowers:,} borrowers from {START}, close of business to {target}, "
                  f"seed {seed}, database {database}")
        started = time.perf_counter()
        try:
            result = _play_with_progress(engine, borrowers, seed, target)
        except KeyboardInterrupt:
            err.print("interrupted: the demo database is left as it was; run the demo again to start afresh")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        played = time.perf_counter() - started
        report = check_ledger(engine)
    print_summary(engine, result, report)
    out.print(f"portfolio played in {played:.1f} s, ledger checked in {time.perf_counter() - started - played:.1f} s")
    if not report.ok:
        raise typer.Exit(EXIT_FAILURES)
    if listening is not None:
        serve_demo(engine, host, port, listening)


def fresh_demo_database(url: str) -> Engine:
    """Delete the demo's SQLite file of an earlier run and make an empty one. Refuses
    anything that is not a SQLite file the demo made (BadInput, nothing deleted)."""
    path = sqlite_path(url)
    if path is None or str(path) in ("", ":memory:"):
        raise BadInput(f"the demo builds a fresh SQLite database: --database takes sqlite:///PATH{DEMO_SUFFIX}, "
                       f"not {mask_url(url)!r}")
    if path.suffix != DEMO_SUFFIX:
        raise BadInput(f"--database {path} must name a {DEMO_SUFFIX} file: the demo deletes and remakes it")
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise BadInput(f"{path} is not a plain file; the demo will not delete it")
    sidecars = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    if not path.exists() and any(sidecar.exists() for sidecar in sidecars):
        raise BadInput(f"{path} is gone but its {', '.join(s.name for s in sidecars if s.exists())} is still there: "
                       "not deleting files the demo cannot tell it made; remove them or give another --database")
    if path.exists():
        if not made_by_demo(path):
            raise BadInput(f"{path} exists and was not made by `loanbook demo`: not deleting it. "
                           "Move it away or give another --database")
        for sidecar in (path, *sidecars):
            sidecar.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    _mark_as_demo(path)
    return make_engine(url)


def made_by_demo(path: Path) -> bool:
    """A SQLite file whose header carries the demo's application id."""
    with path.open("rb") as file:
        header = file.read(100)
    return len(header) == 100 and header.startswith(SQLITE_MAGIC) and int.from_bytes(header[68:72], "big") == DEMO_APPLICATION_ID


def _mark_as_demo(path: Path) -> None:
    """Create the file with the demo's mark in its header, before the engine turns WAL on
    (in rollback-journal mode the header is written to the file at once)."""
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        connection.execute(f"PRAGMA application_id = {DEMO_APPLICATION_ID}")
        connection.commit()
    finally:
        connection.close()


def _play_with_progress(engine: Engine, borrowers: int, seed: int, until: date) -> PortfolioResult:
    with Progress(
        TextColumn("close of business"), BarColumn(), MofNCompleteColumn(), TextColumn("days"),
        TextColumn("{task.description}"), TimeElapsedColumn(), console=out,
    ) as progress:
        task = progress.add_task(f"{START}: creating {borrowers:,} borrowers", total=(until - START).days)

        def on_day(closed: DayClosed, result: PortfolioResult) -> None:
            progress.update(task, advance=1, description=(
                f"{closed.business_date}  {result.borrowers_closed:,} borrowers closed, "
                f"{result.loans_in_bulk:,} loans brought forward in bulk"
            ))

        def on_chunk(day: date, closed_so_far: int) -> None:
            progress.update(task, description=f"{day}: closing, {closed_so_far:,} borrowers so far")

        return run_portfolio(engine, borrowers=borrowers, seed=seed, until=until, on_day=on_day, on_chunk=on_chunk)


# --- the summary ---------------------------------------------------------------------------


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def print_summary(engine: Engine, result: PortfolioResult, report: LedgerReport) -> None:
    with UnitOfWork(engine) as uow:
        statuses = uow.marks.status_counts()
        dpds = uow.marks.dpd_values()
        totals = uow.marks.totals()
        decided = uow.requests.counts()
        coupon_counts = uow.coupons.counts(uow.business_dates.get())
    out.print(_portfolio_table(result))
    out.print(_activity_table(result, totals))
    out.print(_status_table(statuses))
    out.print(_dpd_table(dpds))
    out.print(_late_booking_table(result))
    out.print(_bureau_table(engine, result))
    out.print(_hardship_table(decided, coupon_counts))
    out.print(collections_table(engine, result.collections))  # collections (R16)
    print_ledger_report(report)
    if result.collections is not None and result.collections.unexpected:
        err.print(f"[yellow]{len(result.collections.unexpected)} collections guard result(s) were unexpected[/]:")
        for line in result.collections.unexpected[:20]:
            err.print(f"  - {line}")
    if result.refusals:
        err.print(f"[yellow]{len(result.refusals)} demo action(s) were refused by the engine[/] (a demo defect):")
        for refusal in result.refusals[:20]:
            err.print(f"  - {refusal}")


def _portfolio_table(result: PortfolioResult) -> Table:
    table = Table(title=f"Portfolio: {result.borrowers:,} borrowers (seed {result.seed})", title_justify="left")
    table.add_column("behaviour")
    table.add_column("borrowers", justify="right")
    table.add_column("what they do")
    for profile in PROFILES:
        table.add_row(profile, f"{result.profiles[profile]:,}", PROFILE_TEXT[profile])
    return table


def _activity_table(result: PortfolioResult, totals: dict[str, int]) -> Table:
    table = Table(title=f"Activity {result.start} to {result.until}", title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_column("amount", justify="right")
    loans = sum(result.loans_by_product.values())
    table.add_row("loans disbursed", f"{loans:,}", _money(result.principal_disbursed))
    for product, count in sorted(result.loans_by_product.items()):
        table.add_row(f"  {product}", f"{count:,}", "")
    table.add_row("repayments", f"{sum(result.repayments.values()):,}", _money(result.repaid))
    for behaviour, count in sorted(result.repayments.items()):
        table.add_row(f"  {behaviour}", f"{count:,}", "")
    table.add_row("payoffs at the exact quote (R8)", f"{result.payoffs:,}", _money(result.payoff_total))
    table.add_row("  of which early settlement fees (TERM6)", "", _money(result.payoff_fees))
    table.add_row("refunds of credit balance (R6)", f"{result.refunds:,}", _money(result.refunded))
    table.add_section()
    outstanding = totals["principal_disbursed_fen"] - totals["principal_paid_fen"]
    table.add_row("principal outstanding", "", _money(from_fen(outstanding)))
    table.add_row("credit balances held for borrowers", "", _money(from_fen(totals["credit_balance_fen"])))
    table.add_row("close of business", f"{result.days_closed:,} days", f"{result.borrowers_closed:,} borrowers closed")
    table.add_row("  loans only falling due or entering grace, in bulk", "", f"{result.loans_in_bulk:,} loan-nights")
    return table


def _status_table(statuses: dict[str, int]) -> Table:
    total = sum(statuses.values()) or 1
    table = Table(title="Loans by status (R5)", title_justify="left")
    table.add_column("status")
    table.add_column("loans", justify="right")
    table.add_column("share", justify="right")
    for status in ("ACTIVE", "GRACE", "OVERDUE", "SETTLED"):
        count = statuses.get(status, 0)
        table.add_row(status, f"{count:,}", f"{100 * count / total:.1f}%")
    return table


def _dpd_table(dpds: list[int]) -> Table:
    buckets = Counter(dpd_bucket(dpd) for dpd in dpds)
    labels = [f"{low + 1}-{high}" for low, high in zip((0, *DPD_BUCKET_BOUNDS), DPD_BUCKET_BOUNDS)]
    labels.append(f"over {DPD_BUCKET_BOUNDS[-1]}")
    table = Table(title="Overdue loans by DPD (R15)", title_justify="left")
    table.add_column("DPD")
    table.add_column("bureau status", justify="center")
    table.add_column("loans", justify="right")
    for bucket, label in enumerate(labels, start=1):
        table.add_row(label, str(bucket), f"{buckets.get(bucket, 0):,}")
    table.add_section()
    table.add_row("overdue", "", f"{len(dpds):,}")
    return table


def _late_booking_table(result: PortfolioResult) -> Table:
    bookings = result.late_bookings
    after_grace = [b for b in bookings if b.overdue_before]
    table = Table(title="Repayments learnt of late (the article's 2019 incident, R6)", title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("repayments booked 2-7 days after their value date", f"{len(bookings):,}")
    table.add_row("  of which the loan was already marked OVERDUE when they arrived", f"{len(after_grace):,}")
    table.add_row("  still OVERDUE once booked", f"{sum(1 for b in after_grace if b.overdue_after):,}")
    table.add_row("  penalty charged on them", format_amount(sum((b.penalty_charged for b in bookings), Decimal("0.00"))))
    table.caption = "replayed by value date: once booked, as if paid on time"
    return table


def _bureau_table(engine: Engine, result: PortfolioResult) -> Table:
    """R15: what the credit bureau was sent, day by day."""
    with UnitOfWork(engine) as uow:
        bureau = bureau_service.summary(uow)
    sent = result.bureau
    table = Table(title="Credit bureau (R15): a batch submitted every day", title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    names = {10: "account opened", 20: "settled", 32: "due-date settlement", 33: "actual repayment",
             42: "extension", 49: "negotiated plan / special"}
    for moment, name in names.items():
        table.add_row(f"records at moment {moment} ({name})", f"{bureau.by_moment.get(moment, 0):,}")
    table.add_row("negative records (a past-due month or DPD)", f"{bureau.negative:,}")
    table.add_row("corrections (late bookings, holds released)", f"{bureau.corrections:,}")
    table.add_row("pre-notices sent before a first negative record (art. 15)", f"{sent.notices:,}")
    table.add_row("holds placed / released (partner disagreement, R17)",
                  f"{bureau.holds_open + bureau.holds_released:,} / {bureau.holds_released:,}")
    table.add_section()
    table.add_row("batches submitted", f"{bureau.batches:,}")
    table.add_row("  lines in them: records / corrections",
                  f"{sent.lines_by_type['record']:,} / {sent.lines_by_type['correction']:,}")
    table.caption = "negative records wait for the pre-notice; `loanbook bureau history LOAN` shows a loan's records"
    return table


def _hardship_table(decided: dict[tuple[str, str], int], coupon_counts: dict[str, int]) -> Table:
    """Requests by decision (R11) and coupons granted, used and expired (R13), from the database."""
    table = Table(title="Hardship and goodwill (R11, R13)", title_justify="left")
    table.add_column("what")
    for status in ("pending", "approved", "rejected", "lapsed"):
        table.add_column(status, justify="right")
    for kind, label in (("extension", "extension requests"), ("negotiation", "negotiated plan requests")):
        table.add_row(label, *(f"{decided.get((kind, status), 0):,}" for status in ("pending", "approved", "rejected", "lapsed")))
    table.add_section()
    table.add_row("coupons of 100.00 for the 2019 incident", "granted", "used", "expired", "open")
    table.add_row("", *(f"{coupon_counts[k]:,}" for k in ("granted", "used", "expired", "open")))
    table.caption = "each request recorded by the demo operator and decided by the demo reviewer (maker-checker)"
    return table


# --- serving -----------------------------------------------------------------------------------


def claim_port(host: str, port: int) -> socket.socket:
    """Bind ``host:port`` now and hold it; BadInput (exit 2) if it is taken."""
    if not 1 <= port <= 65535:
        raise BadInput(f"--port {port} must be from 1 to 65535")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             proto=socket.IPPROTO_TCP)[0]
    except socket.gaierror:
        raise BadInput(f"--host {host!r} is not an address of this machine") from None
    sock = socket.socket(family, kind, proto)  # IPPROTO_TCP, so asyncio turns Nagle off (README)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise BadInput(f"port {port} on {host} is not free ({exc.strerror or exc}): stop what uses it, or choose "
                       f"another with --port (e.g. make demo ARGS=\"--port {port + 1}\")") from None
    return sock


def serve_demo(engine: Engine, host: str, port: int, listening: socket.socket) -> None:
    try:
        from loanbook.api.app import create_app
    except ImportError as exc:
        err.print(f"[red]error:[/] the HTTP API cannot be served: {exc}")
        raise typer.Exit(EXIT_FAILURES) from None
    import uvicorn

    with UnitOfWork(engine) as uow:
        user, token = add_user(uow, name="demo admin", role=Role.ADMIN)
    sign_ins = make_demo_sign_ins(engine)
    url = f"http://{host}:{port}"
    out.rule("the API")
    out.print(f"serving the demo database at [bold]{url}[/]  (OpenAPI: {url}/docs); Ctrl-C to stop")
    out.print(f"admin user {user.user_id}, bearer token (Authorization: Bearer <token>):")
    out.print(token, soft_wrap=True)
    out.print(f"try: curl -H 'Authorization: Bearer {token}' {url}/v1/borrowers/1", soft_wrap=True)
    out.rule("the web pages")
    for line in sign_in_lines(url, sign_ins):
        out.print(line, soft_wrap=True, markup=False)
    from loanbook.api.observability import configure_logging

    configure_logging()  # JSON lines with a request id, no personal data (issue 11)
    config = uvicorn.Config(create_app(engine), log_level="info", access_log=False, log_config=None)
    uvicorn.Server(config).run(sockets=[listening])


# --- the worked examples -------------------------------------------------------------------------


def worked_examples() -> None:
    """Compute and print the worked examples W1 (plan), W2 (grace, penalty), W3 (payoff)."""
    out.rule("W1 (R4, R10): the plan of 10,000.00 over 6 months, disbursed 2026-01-15")
    schedule(product="FLEX6", principal="10000.00", terms=6, disbursed="2026-01-15", as_json=False)
    failed = False
    with refusals_as_messages():
        for name in DEMO_SCENARIOS:
            with resources.as_file(resources.files("loanbook.demo") / name) as path:
                result = play(load_scenario(Path(path)))
            out.rule(result.scenario.name)
            print_result(out, result)
            failed = failed or bool(result.failures)
    if failed:
        raise typer.Exit(EXIT_FAILURES)

"""Benchmark of close of business (COB) on its worst nights, on SQLite and PostgreSQL.

Not a test: it prints figures. Run from the project root with the project's venv:

    .venv/bin/python bench/cob.py --quick                 # 20,000 loans, both databases
    .venv/bin/python bench/cob.py                         # 1,000,000 loans (the issue's size)
    .venv/bin/python bench/cob.py --loans 2000 --verify   # small, then prove the books (R14)
    .venv/bin/python bench/cob.py --quick --databases sqlite --profile a
    .venv/bin/python bench/cob.py --loans 200000 --databases postgresql --workers 2 --json

The book: N borrowers with one loan each, all of 10,000.00 FLEX6 over 6 months disbursed
on 2026-01-15, so every first instalment (130.00 of interest) falls due on 2026-02-10.
80% pay it on the due date; 20% are still unpaid when grace ends. Measured:

  (a) the close of 2026-02-09, the night the instalments fall due: every loan is closed
      and its interest recognised;
  (b) the close of 2026-02-13, the night grace ends: the unpaid 20% go overdue with 4
      days of penalty (0.39 each, R7);
  (c) the close of 2026-02-14, a day of penalty: the 20% overdue gain a fifth day (0.49
      each: 130.00 x 5 x 0.075% = 0.4875, rounded half-up, R3).

``--workers K`` (PostgreSQL): the replayed borrowers of each night are closed in
partitions (--chunk borrowers each) by K worker processes (``loanbook cob worker``, started
once before the nights), as ``loanbook cob run --workers K`` does; without it, in this
process. The CPU seconds printed are this process's only (the workers' are not in them).

The grace nights between (closes of 02-10 to 02-12, the 20% in grace) are run and printed
too. The issue's aim: 10 s or less per night on each database.

Seeding a million loans through the services would take hours, so ONE template borrower
and loan are made through the services (their rows are exactly what the services write:
borrower, borrower mark, loan, plan, loan mark, journal entry and lines, loan event), then
copied N-1 times with set-based SQL (INSERT ... SELECT over generate_series on
PostgreSQL, a recursive CTE on SQLite), ids shifted. The payers' repayment is seeded the
same way: the template borrower repays through ``servicing.repay``, and its new rows
(transaction, journal entry and lines) are copied to the other payers, whose marks are
set to the template's. ``--verify`` runs the ledger check at the end: it replays every
borrower through the rules core and compares with the ledger and the marks, so it
passes only if the copies are what the services would have written. Seeding is timed
apart from the measured nights.
"""

from __future__ import annotations

import argparse
import cProfile
from contextlib import nullcontext
import io
import json
import os
import resource
import platform
import pstats
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

try:
    import loanbook  # noqa: F401
except ImportError:  # run without an installed package: use the src layout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import Connection, Engine, text

from loanbook.service import servicing
from loanbook.service.close_of_business import CHUNK_BORROWERS, close_day, close_until
from loanbook.service.cob_workers import LocalWorkers
from loanbook.service.ledger_check import check_ledger
from loanbook.service.setup import init_database
from loanbook.store.scratch import scratch_engine
from loanbook.store.tables import Base
from loanbook.store.unit_of_work import UnitOfWork

LOANS_FULL = 1_000_000
LOANS_QUICK = 20_000
POSTGRES_URL = os.environ.get("LOANBOOK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
AIM_SECONDS = 10.0
NIGHT_LIMIT_SECONDS = 600.0  # a night still running after this is stopped and its rate reported
PROGRESS_SECONDS = 30.0

DISBURSED = date(2026, 1, 15)
DUE = date(2026, 2, 10)
GRACE_DAYS = 3
NIGHT_A = DUE - timedelta(days=1)  # close of 02-09: the instalments fall due
NIGHT_B = DUE + timedelta(days=GRACE_DAYS)  # close of 02-13: grace ends
NIGHT_C = NIGHT_B + timedelta(days=1)  # close of 02-14: a day of penalty
PENALTY_FEN_AFTER_C = 49  # per overdue loan after night (c): round(130.00 x 5 days x 0.075%)
PRINCIPAL = Decimal("10000.00")
TERMS = 6
PRODUCT = "FLEX6"
INSTALMENT = Decimal("130.00")  # W1's first instalment: 26 days of interest
UNPAID_EVERY = 5  # copy k with k % 5 == 0 never pays: 20% of the book
VERIFY_UP_TO = 5_000  # --verify is refused above this: the check replays every borrower

# Tables holding what the services write for a borrower, in foreign-key order.
ID_TABLES = ("borrowers", "loans", "transactions", "journal_entries", "journal_lines", "loan_events")
BORROWER_TABLES = ("borrowers", "borrower_marks", "loans", "plan_instalments", "loan_marks", "transactions",
                   "journal_entries", "journal_lines", "loan_events")


class NightTooLong(Exception):
    """A night ran past --night-limit: stopped between chunks (close of business resumes
    exactly where it stopped, so the database stays consistent)."""

    def __init__(self, closed: int, seconds: float) -> None:
        super().__init__(f"stopped after {seconds:.0f} s with {closed:,} borrowers closed")
        self.closed, self.seconds = closed, seconds


@dataclass
class Night:
    label: str
    closed: date
    seconds: float
    borrowers: int
    stopped: bool = False  # ran past --night-limit: the rate is of the part that ran
    bulk: int = 0  # loans only falling due or entering grace, brought forward set-based
    cpu_seconds: float = 0.0  # this process's CPU time (the database server's is not in it)
    key: str = ""  # its name in the --json report (NIGHT_KEYS)
    across_seconds: float | None = None  # --workers: the part spent waiting on the partitions
    load: float = 0.0  # the 1-minute load average as the night ended (2 cores, shared)

    @property
    def loans(self) -> int:
        return self.borrowers + self.bulk  # one loan per borrower

    @property
    def per_second(self) -> float:
        return self.loans / self.seconds if self.seconds else 0.0


@dataclass
class Run:
    database: str
    loans: int
    seeding: dict[str, float] = field(default_factory=dict)
    nights: list[Night] = field(default_factory=list)
    verified: str = "not checked"


# --- seeding ------------------------------------------------------------------------------------


def _memory() -> str:
    """This process's resident memory now and its peak so far (Linux), for the lines
    printed between phases: which phase holds the memory shows where it goes."""
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return f"RSS {resident_pages * os.sysconf('SC_PAGE_SIZE') / 2**20:,.0f} MB, peak {peak_kib / 1024:,.0f} MB"


def _columns(table: str) -> list[str]:
    return list(Base.metadata.tables[table].columns.keys())


def _max_ids(connection: Connection) -> dict[str, int]:
    return {t: connection.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {t}")).scalar_one() for t in ID_TABLES}


def _counts(connection: Connection) -> dict[str, int]:
    return {t: connection.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in BORROWER_TABLES}


def _copy_rows(connection: Connection, dialect: str, table: str, where: str, copies: int, only_payers: bool,
               id_maps: dict[str, tuple[int, int, int]]) -> int:
    """INSERT ... SELECT the template rows of ``table`` (``where``) once per copy k = 1..copies.

    Copy k belongs to borrower ``template + k`` and loan ``template + k`` (both made in
    step with the template, one loan per borrower). A table's own ids and the ids it
    references in ``id_maps`` ((lo, count, base) of that table's template rows) become
    ``base + (k - 1) * count + (id - lo) + 1``: disjoint, above everything there."""

    def shifted(column: str, table_of_ids: str) -> str:
        lo, count, base = id_maps[table_of_ids]
        return f"{base} + (s.k - 1) * {count} + (t.{column} - {lo}) + 1"

    references = {"id": table, "entry_id": "journal_entries", "transaction_id": "transactions"}
    expressions = []
    for column in _columns(table):
        if column in ("borrower_id", "loan_id"):
            expressions.append(f"t.{column} + s.k")
        elif column == "phone_key":  # one phone, one borrower: each copy a phone of its own
            expressions.append(f"t.{column} || CAST(s.k AS VARCHAR(12))")
        elif column in ("position_on", "position_json"):
            expressions.append("NULL")  # the template's stored position names its own loan: none for copies
        elif column in references and references[column] in id_maps:
            expressions.append(shifted(column, references[column]))
        else:
            expressions.append(f"t.{column}")
    columns = ", ".join(_columns(table))
    select = ", ".join(expressions)
    payers = f" AND s.k % {UNPAID_EVERY} <> 0" if only_payers else ""
    if dialect == "postgresql":
        sql = (f"INSERT INTO {table} ({columns}) SELECT {select} FROM {table} t "
               f"CROSS JOIN generate_series(1, {copies}) AS s(k) WHERE {where}{payers}")
    else:
        sql = (f"WITH RECURSIVE s(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM s WHERE k < {copies}) "
               f"INSERT INTO {table} ({columns}) SELECT {select} FROM s CROSS JOIN {table} t WHERE {where}{payers}")
    return connection.execute(text(sql)).rowcount


def _id_maps(connection: Connection, wheres: dict[str, str]) -> dict[str, tuple[int, int, int]]:
    """Per id table with template rows: (lowest id, count, highest id in the table)."""
    maps = {}
    highest = _max_ids(connection)
    for table in ID_TABLES:
        lo, hi, count = connection.execute(text(f"SELECT MIN(id), MAX(id), COUNT(*) FROM {table} t WHERE {wheres[table]}")).one()
        if count == 0:
            continue
        if hi - lo + 1 != count:
            raise RuntimeError(f"the template's {table} rows are not contiguous ({lo}..{hi}, {count} rows)")
        maps[table] = (lo, count, highest[table])
    return maps


def _reset_sequences(connection: Connection, dialect: str) -> None:
    """PostgreSQL: move each id sequence past the copied ids (SQLite takes max + 1 itself)."""
    if dialect != "postgresql":
        return
    for table in ID_TABLES:
        connection.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
        ))


def _analyse(engine: Engine) -> None:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text("ANALYZE"))
            connection.commit()
        else:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def seed_loans(engine: Engine, loans: int) -> int:
    """The template borrower and loan through the services, then ``loans - 1`` copies."""
    init_database(engine, business_date=DISBURSED)
    with UnitOfWork(engine) as uow:
        borrower = servicing.create_borrower(uow, name="王小明", phone="13800138000", credit_limit=Decimal("50000.00")).borrower
    with UnitOfWork(engine) as uow:
        loan_id = servicing.disburse_loan(uow, borrower_id=borrower.id, product_code=PRODUCT, principal=PRINCIPAL, terms=TERMS).loan_id
    if (borrower.id, loan_id) != (1, 1):
        raise RuntimeError("seed into an empty database: the template must be borrower 1 with loan 1")
    template = borrower.id
    wheres = {
        "borrowers": f"t.id = {template}",
        "borrower_marks": f"t.borrower_id = {template}",
        "loans": f"t.borrower_id = {template}",
        "plan_instalments": f"t.loan_id = {loan_id}",
        "loan_marks": f"t.loan_id = {loan_id}",
        "transactions": f"t.borrower_id = {template}",
        "journal_entries": f"t.borrower_id = {template}",
        "journal_lines": f"t.entry_id IN (SELECT id FROM journal_entries WHERE borrower_id = {template})",
        "loan_events": f"t.borrower_id = {template}",
    }
    with engine.begin() as connection:
        if any(count != 1 for table, count in _counts(connection).items() if table in ("borrowers", "loans")):
            raise RuntimeError("seed into an empty database")
        maps = _id_maps(connection, wheres)
        for table in BORROWER_TABLES:
            _copy_rows(connection, engine.dialect.name, table, wheres[table], loans - 1, False, maps)
        _reset_sequences(connection, engine.dialect.name)
    return template


def seed_repayments(engine: Engine, template: int) -> int:
    """The template borrower pays its first instalment through the service on the due
    date; its new rows are copied to every payer, and the payers' marks set to its."""
    with engine.connect() as connection:
        before = _max_ids(connection)
        counts_before = _counts(connection)
    with UnitOfWork(engine) as uow:
        servicing.repay(uow, borrower_id=template, amount=INSTALMENT)
    new = {table: f"t.id > {before[table]} AND t.borrower_id = {template}" for table in ("transactions", "journal_entries", "loan_events")}
    new["journal_lines"] = f"t.entry_id IN (SELECT id FROM journal_entries WHERE id > {before['journal_entries']} AND borrower_id = {template})"
    new["borrowers"] = new["loans"] = "1 = 0"
    dialect = engine.dialect.name
    with engine.begin() as connection:
        grown = {t for t, n in _counts(connection).items() if n != counts_before[t]}
        if not grown <= {"transactions", "journal_entries", "journal_lines", "loan_events"}:
            raise RuntimeError(f"the repayment wrote rows the seeding does not copy: {sorted(grown)}")
        copies = connection.execute(text("SELECT MAX(id) FROM borrowers")).scalar_one() - template
        maps = _id_maps(connection, new)
        for table in ("transactions", "journal_entries", "journal_lines", "loan_events"):
            if table in maps:
                _copy_rows(connection, dialect, table, new[table], copies, True, maps)
        figures = [c for c in _columns("loan_marks")
                   if c not in ("loan_id", "borrower_id", "product_code", "position_on", "position_json")]
        payers = f"(m.loan_id - {template}) % {UNPAID_EVERY} <> 0 AND m.loan_id <> {template}"
        assignments = ", ".join(f"{c} = t.{c}" for c in figures)
        connection.execute(text(
            f"UPDATE loan_marks AS m SET {assignments} FROM loan_marks AS t WHERE t.loan_id = {template} AND {payers}"
        ))
        connection.execute(text(
            f"UPDATE borrower_marks AS m SET credit_balance_fen = t.credit_balance_fen FROM borrower_marks AS t "
            f"WHERE t.borrower_id = {template} AND (m.borrower_id - {template}) % {UNPAID_EVERY} <> 0 "
            f"AND m.borrower_id <> {template}"
        ))
        _reset_sequences(connection, dialect)
        return connection.execute(text("SELECT COUNT(*) FROM transactions")).scalar_one()


# --- the nights -------------------------------------------------------------------------------------


def _close(engine: Engine, label: str, profile: bool, limit_seconds: float, key: str = "", across=None,  # noqa: ANN001
           chunk: int = CHUNK_BORROWERS) -> Night:
    with UnitOfWork(engine) as uow:
        day = uow.business_dates.get()
    profiler = cProfile.Profile() if profile else None
    started, cpu_started = time.perf_counter(), time.process_time()
    shown = [started]

    def on_chunk(_day: date, closed_so_far: int) -> None:
        now = time.perf_counter()
        if now - shown[0] >= PROGRESS_SECONDS:
            shown[0] = now
            print(f"    ... {closed_so_far:,} borrowers closed in {now - started:.0f} s "
                  f"({closed_so_far / (now - started):,.0f}/s)", flush=True)
        if now - started > limit_seconds:
            raise NightTooLong(closed_so_far, now - started)

    spent = [0.0]

    def timed_across(engine_: Engine, day_: date, chunk_: int) -> None:
        begun = time.perf_counter()
        across(engine_, day_, chunk_)
        spent[0] += time.perf_counter() - begun

    if profiler:
        profiler.enable()
    try:
        closed = close_day(engine, on_chunk=on_chunk, across=timed_across if across else None,
                           chunk=chunk)  # across workers: no progress lines
        night = Night(label, day, time.perf_counter() - started, closed.borrowers_closed,
                      bulk=closed.loans_in_bulk)
    except NightTooLong as stop:
        with UnitOfWork(engine) as uow:
            bulk = uow.cob_days.get(day).loans_in_bulk or 0
        night = Night(label, day, stop.seconds, stop.closed, stopped=True, bulk=bulk)
    finally:
        if profiler:
            profiler.disable()
    night.cpu_seconds = time.process_time() - cpu_started
    night.load = os.getloadavg()[0]
    night.key = key
    if across is not None:
        night.across_seconds = spent[0]
    print(f"  {label.strip():<38} close of {day}: {night.seconds:8.2f} s (CPU {night.cpu_seconds:.2f} s)  "
          f"{night.borrowers:>9,} replayed "
          f"{night.bulk:>9,} in bulk  {night.per_second:>9,.0f} loans/s"
          f"{'  STOPPED at --night-limit' if night.stopped else ''}"
          f"{f'  (partitions across workers {night.across_seconds:.2f} s)' if night.across_seconds is not None else ''}"
          f"; load {os.getloadavg()[0]:.2f}; {_memory()}", flush=True)
    if profiler:
        _print_profile(profiler, f"cProfile of the close of {day} ({label})")
    return night


PROFILE_GROUPS = (  # (group, test on the function's file and name), first match wins
    ("database driver (sqlite3 / psycopg)", lambda f, n: "sqlite3" in n or "psycopg" in f or "psycopg" in n),
    ("SQLAlchemy (ORM, Core, compile)", lambda f, n: "sqlalchemy" in f),
    ("rules core (loanbook/rules)", lambda f, n: "loanbook/rules" in f),
    ("ledger + revaluation", lambda f, n: "loanbook/ledger" in f or "ledger/revaluation" in f),
    ("store (repositories, codec)", lambda f, n: "loanbook/store" in f),
    ("close of business itself", lambda f, n: "close_of_business" in f),
    ("money / other loanbook", lambda f, n: "loanbook" in f),
)


def _profile_groups(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Own time (tottime) summed by where the code lives."""
    totals: dict[str, float] = {}
    for (filename, _line, name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        group = next((g for g, test in PROFILE_GROUPS if test(filename, name)), "Python built-ins / other")
        totals[group] = totals.get(group, 0.0) + own
    return sorted(totals.items(), key=lambda item: -item[1])


def _print_profile(profiler: cProfile.Profile, title: str) -> None:
    groups = _profile_groups(pstats.Stats(profiler))
    total = sum(seconds for _, seconds in groups) or 1.0
    print(f"\n  {title}: own time by where the code lives")
    for group, seconds in groups:
        print(f"    {group:<40} {seconds:8.2f} s  {100 * seconds / total:5.1f}%")
    for order in ("tottime", "cumulative"):
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats(order)
        stats.print_stats(25)
        print(f"\n  {title}, by {order}:\n" + "\n".join("    " + line for line in buffer.getvalue().splitlines()
                                                         if line.strip() and not line.startswith("   Ordered"))[:6000])


def run_on(url: str, loans: int, *, verify: bool, profile: str | None, limit_seconds: float, workers: int = 0,
           chunk: int = CHUNK_BORROWERS) -> Run:
    run = Run("PostgreSQL" if url.startswith("postgresql") else "SQLite", loans)
    workers = workers if run.database == "PostgreSQL" else 0  # SQLite closes in one process
    print(f"\n{run.database}: {loans:,} loans" + (f", {workers} worker process(es)" if workers else ""), flush=True)
    with scratch_engine(url) as engine:
        started = time.perf_counter()
        template = seed_loans(engine, loans)
        run.seeding["loans (template + copies)"] = time.perf_counter() - started
        started = time.perf_counter()
        _analyse(engine)
        run.seeding["ANALYZE"] = time.perf_counter() - started
        print(f"  seeded {loans:,} borrowers and loans in {run.seeding['loans (template + copies)']:.1f} s "
              f"(ANALYZE {run.seeding['ANALYZE']:.1f} s); {_memory()}", flush=True)
        started = time.perf_counter()
        pool = (LocalWorkers(engine, engine.url.render_as_string(hide_password=False), workers, output=sys.stderr)
                if workers else nullcontext(None))
        with pool as local:  # started once, before the nights: their start-up is not in the figures
            if local is not None:
                print(f"  {workers} worker(s) started in {time.perf_counter() - started:.1f} s (not measured)", flush=True)
            return _nights(engine, run, template, loans, verify=verify, profile=profile, limit_seconds=limit_seconds,
                           across=local.close_night if local is not None else None, chunk=chunk)


def _nights(engine: Engine, run: Run, template: int, loans: int, *, verify: bool, profile: str | None,
            limit_seconds: float, across, chunk: int) -> Run:  # noqa: ANN001
    started = time.perf_counter()
    quiet = close_until(engine, NIGHT_A, across=across, chunk=chunk)
    run.seeding["quiet nights to 02-09"] = time.perf_counter() - started
    print(f"  {len(quiet)} quiet nights ({DISBURSED} to {NIGHT_A - timedelta(days=1)}) in "
          f"{run.seeding['quiet nights to 02-09']:.1f} s, {sum(d.borrowers_closed for d in quiet)} borrowers closed; {_memory()}", flush=True)
    run.nights.append(_close(engine, "(a) instalments fall due", profile == "a", limit_seconds, "fall_due", across, chunk))
    if run.nights[-1].stopped:
        return run
    started = time.perf_counter()
    seed_repayments(engine, template)
    _analyse(engine)
    run.seeding["repayments of the 80%"] = time.perf_counter() - started
    print(f"  seeded the repayments of the paying 80% in {run.seeding['repayments of the 80%']:.1f} s; {_memory()}",
          flush=True)
    run.nights.append(_close(engine, "    due day ends (the unpaid enter grace)", profile == "due", limit_seconds,
                             "enter_grace", across, chunk))
    for number in range(GRACE_DAYS - 1):
        if not run.nights[-1].stopped:
            run.nights.append(_close(engine, "    grace night (the 20% in grace)", False, limit_seconds,
                                     "quiet_grace" if number == 0 else "", across, chunk))
    if run.nights[-1].stopped:
        return run
    run.nights.append(_close(engine, "(b) grace ends: 20% go overdue", profile == "b", limit_seconds, "grace_ends",
                             across, chunk))
    if run.nights[-1].stopped:
        return run
    run.nights.append(_close(engine, "(c) a day of penalty: 20% overdue", profile == "c", limit_seconds,
                             "penalty_day", across, chunk))
    if verify:
        started = time.perf_counter()
        report = check_ledger(engine)
        run.verified = ("ledger check passed" if report.ok else f"LEDGER CHECK FAILED: {report.problems[:5]}") + \
            f" ({report.loans_checked:,} loans, {time.perf_counter() - started:.1f} s)"
        print(f"  {run.verified}", flush=True)
        _check_expected(engine, loans)
    return run


def _check_expected(engine: Engine, loans: int) -> None:
    """The book after night (c) is what the story says: 20% overdue with 0.49 of penalty."""
    unpaid = (loans - 1) // UNPAID_EVERY  # copies 5, 10, ...; the template (copy 0) paid
    with UnitOfWork(engine) as uow:
        statuses = uow.marks.status_counts()
        totals = uow.marks.totals()
    expected = {"OVERDUE": unpaid, "ACTIVE": loans - unpaid}
    penalty_fen = PENALTY_FEN_AFTER_C * unpaid
    ok = statuses == expected and totals["penalty_recognized_fen"] == penalty_fen
    print(f"  statuses {statuses} (expected {expected}); penalty recognised {totals['penalty_recognized_fen'] / 100:,.2f} "
          f"(expected {penalty_fen / 100:,.2f}): {'as expected' if ok else 'NOT AS EXPECTED'}", flush=True)
    if not ok:
        raise SystemExit(1)


def print_report(runs: list[Run]) -> None:
    print("\nClose of business, worst nights (one loan per borrower):")
    print(f"  {'database':<11} {'loans':>10}  {'night':<38} {'seconds':>9} {'replayed':>10} {'in bulk':>10} {'loans/s':>9}  aim {AIM_SECONDS:.0f} s")
    for run in runs:
        for night in run.nights:
            verdict = "met" if night.seconds <= AIM_SECONDS else f"missed (x{night.seconds / AIM_SECONDS:.1f})"
            if night.stopped:
                verdict = f"STOPPED at {night.seconds:.0f} s; whole night at this rate ~{run.loans / night.per_second:,.0f} s"
            if night.label.startswith("("):
                print(f"  {run.database:<11} {run.loans:>10,}  {night.label + ' ' + str(night.closed)[5:]:<38} {night.seconds:>9.2f} {night.borrowers:>10,} "
                      f"{night.bulk:>10,} {night.per_second:>9,.0f}  {verdict}")
            else:
                print(f"  {'':<11} {'':>10}  {night.label.strip() + ' ' + str(night.closed)[5:]:<38} {night.seconds:>9.2f} "
                      f"{night.borrowers:>10,} {night.bulk:>10,} {night.per_second:>9,.0f}")
        seeding = ", ".join(f"{k} {v:.1f} s" for k, v in run.seeding.items())
        print(f"  {'':<11} {'':>10}  seeding (not measured): {seeding}; {run.verified}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loans", type=int, default=LOANS_FULL, help=f"how many loans (default {LOANS_FULL:,})")
    parser.add_argument("--quick", action="store_true", help=f"{LOANS_QUICK:,} loans")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help="a throwaway schema is made in it and dropped")
    parser.add_argument("--verify", action="store_true", help=f"ledger check after the nights (at most {VERIFY_UP_TO:,} loans)")
    parser.add_argument("--profile", choices=("a", "due", "b", "c"),
                        help="cProfile of night (a), the due day's (its bureau records, R15), (b) or (c)")
    parser.add_argument("--night-limit", type=float, default=NIGHT_LIMIT_SECONDS,
                        help=f"stop a night running longer than this many seconds and report its rate (default {NIGHT_LIMIT_SECONDS:.0f})")
    parser.add_argument("--json", action="store_true", help="end with one JSON object on the last line")
    parser.add_argument("--workers", type=int, default=0,
                        help="PostgreSQL: close each night's replayed borrowers across this many worker processes")
    parser.add_argument("--chunk", type=int, default=CHUNK_BORROWERS, help="borrowers per transaction (per partition)")
    parser.add_argument("--without-bureau", action="store_true",
                        help="close of business without its bureau records (R15): the baseline they are measured against")
    args = parser.parse_args()
    if args.without_bureau:
        import loanbook.service.close_of_business as cob

        cob.bureau = type("NoBureau", (), {"nightly": staticmethod(lambda uow, day: None)})
    loans = LOANS_QUICK if args.quick else args.loans
    if loans < UNPAID_EVERY:
        parser.error(f"--loans must be at least {UNPAID_EVERY}")
    if args.verify and loans > VERIFY_UP_TO:
        parser.error(f"--verify replays every borrower: use it with --loans {VERIFY_UP_TO:,} or fewer")
    urls = {"sqlite": "sqlite", "postgresql": args.postgres_url}
    names = [name.strip() for name in args.databases.split(",") if name.strip()]
    unknown = [name for name in names if name not in urls]
    if unknown:
        parser.error(f"unknown database(s) {unknown}: use sqlite, postgresql")
    print(f"loanbook COB benchmark: {loans:,} loans; Python {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}")
    runs = [run_on(urls[name], loans, verify=args.verify, profile=args.profile, limit_seconds=args.night_limit,
                   workers=args.workers, chunk=args.chunk) for name in names]
    print_report(runs)
    if args.json:
        print(json.dumps({**json_report(runs, loans), "workers": args.workers, "chunk": args.chunk}))


NIGHT_KEYS = ("fall_due", "enter_grace", "quiet_grace", "grace_ends", "penalty_day")  # in the order run_on closes them


def json_report(runs: list[Run], loans: int) -> dict:
    """The issue's shape: seconds per night and database, peak memory; the CPU seconds of
    this process and the loans replayed / moved in bulk beside them."""
    nights: dict[str, dict] = {}
    for run in runs:
        chosen = {night.key: night for night in run.nights if night.key}
        key = "postgresql" if run.database == "PostgreSQL" else "sqlite"
        nights[key] = {name: round(chosen[name].seconds, 3) for name in NIGHT_KEYS if name in chosen}
        nights[key]["detail"] = {name: {"cpu_s": round(chosen[name].cpu_seconds, 3), "replayed": chosen[name].borrowers,
                                        "in_bulk": chosen[name].bulk, "stopped": chosen[name].stopped,
                                        "load_average": round(chosen[name].load, 2),
                                        **({"across_workers_s": round(chosen[name].across_seconds, 3)}
                                           if chosen[name].across_seconds is not None else {})}
                                 for name in NIGHT_KEYS if name in chosen}
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # Linux: KiB
    return {"loans": loans, "nights": nights, "peak_rss_mb": round(peak_kib / 1024, 1),
            "load_average": round(os.getloadavg()[0], 2)}


if __name__ == "__main__":
    main()

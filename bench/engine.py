"""Benchmark of the rules core: schedules per second and loan states per second.

Not a test: it prints figures. Run from the project root with the project's venv:

    .venv/bin/python bench/engine.py             # 100,000 loans (the issue's size)
    .venv/bin/python bench/engine.py --quick     # 10,000 loans, a fast look
    .venv/bin/python bench/engine.py --loans 5000 --profile   # cProfile of position()
    .venv/bin/python bench/engine.py --loans 5000 --profile --moved   # cProfile of moved()

What is measured:

1. ``build_schedule`` (R4, R12) for random principals, terms and disbursement days,
   once per repayment method: interest_first (FLEX6 itself), equal_principal and
   equal_installment (FLEX6 with that method and 12 terms allowed).
2. ``position(book, as_of)`` (R5-R8) for N borrowers of one 12-term interest_first loan
   each, with a year of seeded random repayments (on time, late, partial, overpaying,
   missing months). The books are built directly from ``Book``/``Loan``/``Repayment``
   (no ``operations`` validation, which itself replays the book), and the plans with
   ``build_schedule``. Generation is timed apart from the measurement.

3. ``moved(stored, product, since, on)`` (rules/moved.py): the path reads and close of
   business use (issue 10). Each book's stored position is the one its last posting
   wrote: ``position(book, P, include_day=True)`` with P its last value date (built
   untimed); it is moved forward to a business date 1 to 40 days later. Where ``moved``
   returns None (a credit balance meeting a due date, R6) the book is replayed with
   ``position()``, timed too: that is the path's figure. A sample is checked against
   ``position(book, on)`` (untimed).

The issue's aim is 50,000 loan states per second on one core; it is printed beside the
measured figure. Everything runs in one process on one thread.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import gc
import io
import json
import os
import platform
import pstats
import random
import resource
import sys
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

try:
    import loanbook  # noqa: F401
except ImportError:  # run without an installed package: use the src layout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from loanbook.money import ZERO
from loanbook.rules.book import Book, Loan, Repayment
from loanbook.rules.moved import moved
from loanbook.rules.products import FLEX6, RepaymentMethod
from loanbook.rules.position import LoanPosition
from loanbook.rules.replay import loan_states, position
from loanbook.rules.schedule import build_schedule

AIM_STATES_PER_SECOND = 50_000  # the aim, on one core
QUICK_LOANS = 10_000
DEFAULT_LOANS = 100_000
DEFAULT_SCHEDULES = 20_000  # per repayment method
MOVE_DAYS = (1, 40)  # from the last posting to the business date a read or a night needs
MOVE_CHECKED = 2_000  # moves checked against a fresh replay (untimed)
FIRST_DISBURSEMENT = date(2025, 1, 1)
DISBURSEMENT_SPAN_DAYS = 181  # loans are disbursed from 1 January to 30 June 2025
HISTORY_DAYS = 365  # value dates fall within the year after disbursement
CREDIT_LIMIT = Decimal("200000.00")

BENCH12 = dataclasses.replace(FLEX6, max_terms=12, code="BENCH12")

# Borrower behaviour for each instalment of the year (weights sum to 100).
BEHAVIOURS = (
    ("on_time", 55),  # the instalment in full, from 5 days before the due date to the end of grace
    ("late", 12),  # in full plus an estimate of penalty, 4 to 60 days after the due date
    ("partial", 11),  # 10% to 90% of it, on time
    ("overpaying", 10),  # 105% to 160% of it, on time: the rest is credit balance (R6)
    ("missing", 12),  # nothing that month
)
BEHAVIOUR_NAMES = tuple(name for name, _ in BEHAVIOURS)
BEHAVIOUR_WEIGHTS = tuple(weight for _, weight in BEHAVIOURS)


# --------------------------------------------------------------------------- helpers


def fen_to_amount(fen: int) -> Decimal:
    """Whole fen as a 2-place Decimal (exact: no float, no division)."""
    return Decimal(fen).scaleb(-2)


def rss_mib() -> float:
    """Current resident set size, from /proc (Linux); NaN elsewhere."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def peak_rss_mib() -> float:
    """Peak resident set size of this process (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def cores() -> str:
    logical = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = logical
    return f"{logical} logical, {usable} usable by this process (the benchmark uses 1)"


def print_header(args: argparse.Namespace) -> None:
    print("loanbook engine benchmark")
    print(f"  python      {platform.python_implementation()} {sys.version.split()[0]} ({sys.executable})")
    print(f"  machine     {platform.machine()}, {platform.system()} {platform.release()}")
    print(f"  cpu         {_cpu_model()}")
    print(f"  cores       {cores()}")
    print(f"  seed        {args.seed}")
    print()


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


# --------------------------------------------------------------------------- schedules


def schedule_products():
    return (
        ("interest_first", FLEX6),
        (
            "equal_principal",
            dataclasses.replace(FLEX6, repayment_method=RepaymentMethod.EQUAL_PRINCIPAL, max_terms=12),
        ),
        (
            "equal_installment",
            dataclasses.replace(FLEX6, repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, max_terms=12),
        ),
    )


def bench_schedules(count: int, seed: int) -> None:
    print(f"1. build_schedule: {count:,} random plans per repayment method")
    print(f"   {'method':<18} {'terms':>6} {'plans/s':>10} {'µs/plan':>9} {'seconds':>8}")
    for name, product in schedule_products():
        rng = random.Random(f"{seed}:schedules:{name}")
        first = date(2020, 1, 1)
        inputs = [
            (
                fen_to_amount(rng.randint(10_000, 20_000_000)),  # 100.00 to 200,000.00
                rng.randint(product.min_terms, product.max_terms),
                first + timedelta(days=rng.randrange(3653)),  # 2020 to 2029
            )
            for _ in range(count)
        ]
        gc.collect()
        start = time.perf_counter()
        for principal, terms, disbursed_on in inputs:
            build_schedule(product, principal, terms, disbursed_on)
        seconds = time.perf_counter() - start
        terms_label = f"{product.min_terms}-{product.max_terms}"
        print(f"   {name:<18} {terms_label:>6} {count / seconds:>10,.0f} {seconds / count * 1e6:>9.1f} {seconds:>8.3f}")
    print()


# --------------------------------------------------------------------------- books


class _DateCache(dict):
    """One ``date`` object per calendar day, shared by all the generated repayments."""

    def __missing__(self, day: date) -> date:
        self[day] = day
        return day


def make_book(rng: random.Random, index: int, dates: _DateCache) -> tuple[Book, Counter]:
    """One borrower with one 12-term interest_first loan and a year of repayments."""
    disbursed_on = dates[FIRST_DISBURSEMENT + timedelta(days=rng.randrange(DISBURSEMENT_SPAN_DAYS))]
    principal_fen = rng.randint(50_000, 5_000_000)  # 500.00 to 50,000.00
    principal = fen_to_amount(principal_fen)
    terms = BENCH12.max_terms
    schedule = build_schedule(BENCH12, principal, terms, disbursed_on)
    loan = Loan(
        loan_id=f"L{index}",
        product=BENCH12,
        principal=principal,
        terms=terms,
        disbursed_on=disbursed_on,
        schedule=schedule,
    )
    first_value_day = disbursed_on + timedelta(days=1)
    last_value_day = disbursed_on + timedelta(days=HISTORY_DAYS)
    kinds: Counter = Counter()
    payments: list[tuple[date, Decimal]] = []
    for instalment, kind in zip(
        schedule, rng.choices(BEHAVIOUR_NAMES, weights=BEHAVIOUR_WEIGHTS, k=terms), strict=True
    ):
        kinds[kind] += 1
        if kind == "missing":
            continue
        due_fen = int((instalment.principal + instalment.interest) * 100)
        due = instalment.due_date
        if kind == "late":
            days_late = rng.randint(4, 60)
            value_date = due + timedelta(days=days_late)
            # roughly enough for the instalment and its penalty (R7: 0.075% a day from D)
            amount_fen = due_fen + (due_fen * 75 * days_late + 99_999) // 100_000
        else:
            value_date = due + timedelta(days=rng.randint(-5, 3))
            if kind == "on_time":
                amount_fen = due_fen
            elif kind == "partial":
                amount_fen = due_fen * rng.randint(10, 90) // 100
            else:  # overpaying
                amount_fen = due_fen * rng.randint(105, 160) // 100
        amount_fen = max(amount_fen, 1)
        value_date = min(max(value_date, first_value_day), last_value_day)
        payments.append((dates[value_date], fen_to_amount(amount_fen)))
    payments.sort(key=lambda p: p[0])  # booked_on = value_date: booking order is value order
    transactions = tuple(
        Repayment(tx_id=f"T{n}", value_date=value_date, amount=amount, booked_on=value_date)
        for n, (value_date, amount) in enumerate(payments, start=1)
    )
    return Book(credit_limit=CREDIT_LIMIT, loans=(loan,), transactions=transactions), kinds


def make_books(count: int, seed: int) -> tuple[list[Book], Counter]:
    rng = random.Random(f"{seed}:books")
    dates = _DateCache()
    books = []
    kinds: Counter = Counter()
    for index in range(1, count + 1):
        book, book_kinds = make_book(rng, index, dates)
        books.append(book)
        kinds.update(book_kinds)
    return books, kinds


def default_as_of(books: list[Book]) -> date:
    """The day after the last value date: every book's whole year is replayed."""
    last = max(tx.value_date for book in books for tx in book.transactions)
    return last + timedelta(days=1)


def check_sample(books: list[Book], as_of: date, sample: int) -> None:
    """Untimed sanity check: every yuan repaid before ``as_of`` is allocated or credit balance."""
    for book in books[:sample]:
        result = position(book, as_of)
        received = sum((tx.amount for tx in book.transactions if tx.value_date < as_of), ZERO)
        used = sum((loan.total_paid for loan in result.loans), ZERO)
        if used + result.credit_balance != received:
            raise SystemExit(
                f"benchmark data check failed for {book.loans[0].loan_id}: received {received}, "
                f"allocated {used}, credit {result.credit_balance}"
            )


# --------------------------------------------------------------------------- positions


def bench_positions(books: list[Book], as_of: date) -> tuple[float, float, Counter]:
    statuses: Counter = Counter()
    gc.collect()  # do not charge the generation's garbage to the measurement
    start = time.perf_counter()
    cpu_start = time.process_time()
    for book in books:
        result = position(book, as_of)
        statuses[result.loans[0].status] += 1
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    return seconds, cpu_seconds, statuses


def bench_lean(books: list[Book], as_of: date) -> tuple[float, float, Counter]:
    """The lean path (issue 10): the same replay, only the figures COB and reads need."""
    statuses: Counter = Counter()
    gc.collect()
    start = time.perf_counter()
    cpu_start = time.process_time()
    for book in books:
        result = loan_states(book, as_of)
        statuses[result.loans[0].status] += 1
    return time.perf_counter() - start, time.process_time() - cpu_start, statuses


def stored_positions(books: list[Book], seed: int) -> list[tuple[Book, LoanPosition, date, date, object]]:
    """Untimed: (book, the position its last posting stored, that day P, the business date
    1 to 40 days later, the borrower's credit balance at P) for each book."""
    rng = random.Random(f"{seed}:moves")
    stored = []
    for book in books:
        since = book.transactions[-1].value_date if book.transactions else book.loans[0].disbursed_on
        at_posting = position(book, since, include_day=True)
        on = since + timedelta(days=rng.randint(*MOVE_DAYS))
        stored.append((book, at_posting.loans[0], since, on, at_posting.credit_balance))
    return stored


def bench_moved(stored: list) -> tuple[float, float, float, float, int, Counter]:
    """(seconds and cpu seconds of the moves alone, of the path with its replays, the
    number replayed, the statuses): ``moved`` for every book, then ``position()`` for the
    books it refused, as a read would."""
    statuses: Counter = Counter()
    refused = []
    gc.collect()
    start = time.perf_counter()
    cpu_start = time.process_time()
    for book, loan, since, on, credit in stored:
        result = moved(loan, book.loans[0].product, since, on, credit_balance=credit)
        if result is None:
            refused.append((book, on))
        else:
            statuses[result.status] += 1
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    for book, on in refused:
        statuses[position(book, on, include_day=True).loans[0].status] += 1
    return (seconds, cpu_seconds, time.perf_counter() - start, time.process_time() - cpu_start, len(refused),
            statuses)


def check_moves(stored: list, sample: int) -> None:
    """Untimed: a sample of moves equals a fresh replay, digit for digit."""
    for book, loan, since, on, credit in stored[:sample]:
        result = moved(loan, book.loans[0].product, since, on, credit_balance=credit)
        if result is not None and repr(result) != repr(position(book, on).loans[0]):
            raise SystemExit(f"moved forward disagrees with the replay for {loan.loan_id} from {since} to {on}")


def profile_positions(books: list[Book], as_of: date, top: int, lean: bool = False) -> None:
    replay = loan_states if lean else position
    profiler = cProfile.Profile()
    gc.collect()
    profiler.enable()
    for book in books:
        replay(book, as_of)
    profiler.disable()
    print_profile(profiler, f"{replay.__name__}() over {len(books):,} loans", top)


def profile_moves(stored: list, top: int) -> None:
    """cProfile of section 3's moves alone (without the replays where refused). The
    collector is off while profiling: a collection of the stored positions would be
    charged to whichever function runs when it starts."""
    profiler = cProfile.Profile()
    gc.collect()
    gc.disable()
    try:
        profiler.enable()
        for book, loan, since, on, credit in stored:
            moved(loan, book.loans[0].product, since, on, credit_balance=credit)
        profiler.disable()
    finally:
        gc.enable()
    print_profile(profiler, f"moved() over {len(stored):,} stored positions", top)


def print_profile(profiler: cProfile.Profile, what: str, top: int) -> None:
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.strip_dirs().sort_stats(order).print_stats(top)
        print(f"--- cProfile of {what}, top {top} by {order} ---")
        print(_trim_pstats(out.getvalue()))


def _trim_pstats(text: str) -> str:
    lines = text.splitlines()
    for n, line in enumerate(lines):
        if "function calls" in line:
            return "\n".join(lines[n:]).strip() + "\n"
    return text


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--loans", type=int, default=None, help=f"borrowers, one loan each (default {DEFAULT_LOANS:,})"
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_LOANS:,} loans and fewer schedules, for a fast run"
    )
    parser.add_argument("--seed", type=int, default=20260115, help="random seed (default %(default)s)")
    parser.add_argument(
        "--schedules", type=int, default=None, help=f"plans per repayment method (default {DEFAULT_SCHEDULES:,})"
    )
    parser.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=None,
        help="day of the states (default: the day after the last value date)",
    )
    parser.add_argument("--skip-schedules", action="store_true", help="skip part 1")
    parser.add_argument("--profile", action="store_true", help="profile position() with cProfile instead of timing it")
    parser.add_argument("--lean", action="store_true", help="with --profile: profile loan_states(), the lean path")
    parser.add_argument("--moved", action="store_true",
                        help="with --profile: profile moved() over the stored positions (section 3)")
    parser.add_argument("--json", action="store_true", help="end with one JSON object on the last line")
    parser.add_argument("--top", type=int, default=15, help="rows of the profile (default %(default)s)")
    args = parser.parse_args(argv)
    if args.loans is None:
        args.loans = QUICK_LOANS if args.quick else DEFAULT_LOANS
    if args.schedules is None:
        args.schedules = DEFAULT_SCHEDULES // 4 if args.quick else DEFAULT_SCHEDULES
    if args.loans < 1 or args.schedules < 1:
        parser.error("--loans and --schedules must be at least 1")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    print_header(args)
    if not args.skip_schedules and not args.profile:
        bench_schedules(args.schedules, args.seed)

    rss_before = rss_mib()
    start = time.perf_counter()
    books, kinds = make_books(args.loans, args.seed)
    generation_seconds = time.perf_counter() - start
    as_of = args.as_of or default_as_of(books)
    transactions = sum(len(book.transactions) for book in books)
    print(f"2. position(): {args.loans:,} borrowers, one 12-term interest_first loan each ({BENCH12.code})")
    print(
        f"   generated in {generation_seconds:.2f} s (not measured): {transactions:,} repayments, "
        f"{transactions / args.loans:.1f} per loan; RSS +{rss_mib() - rss_before:,.0f} MiB"
    )
    total_months = sum(kinds.values())
    mix = ", ".join(f"{name} {kinds[name] / total_months:.0%}" for name in BEHAVIOUR_NAMES)
    print(f"   months: {mix}")
    last_disbursement = FIRST_DISBURSEMENT + timedelta(days=DISBURSEMENT_SPAN_DAYS - 1)
    print(f"   disbursed {FIRST_DISBURSEMENT} to {last_disbursement}; as of {as_of}")

    check_sample(books, as_of, min(1000, len(books)))

    if args.profile:
        print()
        if args.moved:
            profile_moves(stored_positions(books, args.seed), args.top)
        else:
            profile_positions(books, as_of, args.top, args.lean)
        return

    seconds, cpu_seconds, statuses = bench_positions(books, as_of)
    lean_seconds, lean_cpu_seconds, lean_statuses = bench_lean(books, as_of)
    if lean_statuses != statuses:
        raise SystemExit(f"the lean path disagrees with position(): {lean_statuses} against {statuses}")
    rate, lean_rate = len(books) / seconds, len(books) / lean_seconds
    print("   states: " + ", ".join(f"{status.value} {count:,}" for status, count in sorted(statuses.items())))
    print()
    print(f"   {'':<26}{'position()':>12}{'loan_states()':>15}   (the lean path: the figures COB and reads need)")
    print(f"   {'loan states per second':<26}{rate:>12,.0f}{lean_rate:>15,.0f}   (aim {AIM_STATES_PER_SECOND:,}/s on one "
          f"core: {rate / AIM_STATES_PER_SECOND:.0%} and {lean_rate / AIM_STATES_PER_SECOND:.0%} of it)")
    print(f"   {'cpu loan states per second':<26}{len(books) / cpu_seconds:>12,.0f}{len(books) / lean_cpu_seconds:>15,.0f}")
    print(f"   {'µs per loan state':<26}{seconds / len(books) * 1e6:>12.1f}{lean_seconds / len(books) * 1e6:>15.1f}"
          f"   (aim {1e6 / AIM_STATES_PER_SECOND:.1f})")
    at_aim = len(books) / AIM_STATES_PER_SECOND
    print(f"   {'total seconds':<26}{seconds:>12.2f}{lean_seconds:>15.2f}   (at the aim: {at_aim:.2f})")
    load_replays = os.getloadavg()[0]
    print(f"   load average             {load_replays:>10.2f}")
    print()

    start = time.perf_counter()
    stored = stored_positions(books, args.seed)
    print(f"3. moved(): the stored position of each book's last posting, moved {MOVE_DAYS[0]} to {MOVE_DAYS[1]} days "
          f"forward\n   (stored positions built in {time.perf_counter() - start:.2f} s, not measured)")
    check_moves(stored, min(MOVE_CHECKED, len(stored)))
    move_seconds, move_cpu, path_seconds, path_cpu, replayed, move_statuses = bench_moved(stored)
    moved_count = len(books) - replayed
    move_rate = moved_count / move_seconds if moved_count else 0.0
    path_rate = len(books) / path_seconds
    print("   states: " + ", ".join(f"{status.value} {count:,}" for status, count in sorted(move_statuses.items())))
    print(f"   refused (replayed with position()): {replayed:,} of {len(books):,} ({replayed / len(books):.1%}): "
          f"a credit balance meeting a due date (R6)")
    print(f"   {'':<26}{'moves':>12}{'path':>15}   (path: moves, and position() where refused)")
    print(f"   {'loan states per second':<26}{move_rate:>12,.0f}{path_rate:>15,.0f}   (aim {AIM_STATES_PER_SECOND:,}/s: "
          f"{path_rate / AIM_STATES_PER_SECOND:.0%} of it on the path)")
    print(f"   {'cpu loan states per second':<26}{moved_count / move_cpu if moved_count else 0:>12,.0f}"
          f"{len(books) / path_cpu:>15,.0f}")
    print(f"   {'total seconds':<26}{move_seconds:>12.2f}{path_seconds:>15.2f}")
    load_moves = os.getloadavg()[0]
    print(f"   load average             {load_moves:>10.2f}")
    print(f"   peak memory (max RSS)    {peak_rss_mib():>10,.0f} MiB")
    if args.json:
        print(json.dumps({"loan_states_per_s": round(path_rate),
                          "loan_states_path": "moved forward from the stored position (rules/moved.py), position() "
                                              "where refused: what reads and close of business use",
                          "cpu_loan_states_per_s": round(len(books) / path_cpu),
                          "moved_loan_states_per_s": round(move_rate),
                          "moved_cpu_loan_states_per_s": round(moved_count / move_cpu) if moved_count else 0,
                          "moved_refused": replayed, "moved_refused_share": round(replayed / len(books), 4),
                          "moved_seconds": round(move_seconds, 3), "moved_path_seconds": round(path_seconds, 3),
                          "position_loan_states_per_s": round(rate),
                          "position_cpu_loan_states_per_s": round(len(books) / cpu_seconds),
                          "lean_loan_states_per_s": round(lean_rate),
                          "lean_cpu_loan_states_per_s": round(len(books) / lean_cpu_seconds),
                          "loans": len(books), "seconds": round(seconds, 3), "cpu_seconds": round(cpu_seconds, 3),
                          "lean_seconds": round(lean_seconds, 3), "lean_cpu_seconds": round(lean_cpu_seconds, 3),
                          "load_average": round(load_moves, 2), "load_average_replays": round(load_replays, 2)}))

if __name__ == "__main__":
    main()

"""R15: the month's status and the 24-month string, a pure function of the rules core.

Each test names the rule and the article's claim it settles: grace never reaches the
bureau (宽限期内偿还贷款不算做逾期), a late-booked repayment cures the month once known
(the 2019 borrowers), the settlement month is C, buckets of 30 days.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import new_book, paid, with_loan
from paths import EXAMPLES_DIR, ROOT
from words import D
from loanbook.errors import InvariantBroken
from loanbook.rules import operations
from loanbook.rules.book import Repayment
from loanbook.rules.bureau_status import bureau_statuses, dpd_bucket, is_negative, status_strings
from loanbook.rules.products import FLEX6, TERM6
from loanbook.rules.replay import position
from loanbook.scenario.model import load_scenario
from loanbook.scenario.runner import play
from loanbook.scenario.stored import StoredServicing
from loanbook.service.ledger_check import check_ledger
from loanbook.store.scratch import scratch_engine

R15_FILES = sorted((EXAMPLES_DIR / "r15").glob("*.yaml")) + sorted((ROOT / "tests" / "scenarios" / "r15").glob("*.yaml"))


@pytest.mark.parametrize("path", R15_FILES, ids=[f"{p.parent.name}/{p.stem}" for p in R15_FILES])
def test_r15_examples_pass_in_memory(path):
    result = play(load_scenario(path))
    assert result.failures == [], result.failures
    assert len(result.checkpoints) == len(result.scenario.checkpoints)


@pytest.mark.parametrize("path", R15_FILES, ids=[f"{p.parent.name}/{p.stem}" for p in R15_FILES])
def test_r15_examples_pass_through_the_store(backend, path):
    scenario = load_scenario(path)
    with scratch_engine(backend) as engine:
        result = play(scenario, StoredServicing(engine, scenario))
        report = check_ledger(engine)
    assert result.failures == [], result.failures
    assert report.ok, report.problems


def w1():
    return with_loan(new_book(), "A", "10000.00", 6, D("2026-01-15"))


def test_r15_w2_unpaid_is_star_one_paid_in_grace_is_star_n():
    """RULES R15: W1's loan as known on 2026-02-14 is *1 unpaid, *N paid in grace."""
    assert status_strings(w1(), D("2026-02-14")) == {"A": "*1"}
    assert status_strings(paid(w1(), "130.00", D("2026-02-13")), D("2026-02-14")) == {"A": "*N"}


def test_r15_grace_never_reported_paid_on_the_last_day_of_grace():
    """Article: 宽限期内偿还贷款不算做逾期 - paid on D + 3, the month is N, never 1."""
    book = paid(w1(), "130.00", D("2026-02-13"))
    for day in (D("2026-02-11"), D("2026-02-13"), D("2026-02-28"), D("2026-03-01")):
        assert not is_negative(status_strings(book, day)["A"])


def test_r15_a_late_booking_cures_the_month_once_known():
    """The article's 2019 borrowers: paid on the 10th, learnt of on the 16th. As known on
    the 15th the month is 1; once the booking is known it is N, as if on time."""
    book = paid(w1(), "130.00", D("2026-02-10"), booked_on=D("2026-02-16"))
    assert status_strings(book.known_before(D("2026-02-15")), D("2026-02-15")) == {"A": "*1"}
    assert status_strings(book.known_before(D("2026-02-17")), D("2026-02-17")) == {"A": "*N"}


def test_r15_buckets_of_thirty_days():
    assert [dpd_bucket(d) for d in (1, 30, 31, 60, 61, 90, 91, 120, 121, 150, 151, 180, 181, 900)] == list(
        "11223344556677"
    )
    with pytest.raises(InvariantBroken):
        dpd_bucket(0)


def test_r15_settlement_month_is_c_and_the_string_stops_there():
    book = paid(w1(), "130.00", D("2026-02-10"))
    book, _ = operations.pay_off(book, loan_id="A", value_date=D("2026-03-01"), business_date=D("2026-03-01"))
    assert status_strings(book, D("2026-06-01")) == {"A": "*NC"}
    assert status_strings(book, D("2026-03-01"), include_day=True) == {"A": "*NC"}
    assert status_strings(book, D("2026-03-01")) == {"A": "*N*"}


def test_r15_the_string_keeps_the_last_24_months():
    book = with_loan(new_book(), "A", "10000.00", 6, D("2026-01-15"))
    strings = status_strings(book, D("2028-12-31"))
    assert len(strings["A"]) == 24 and strings["A"].endswith("7")
    status = bureau_statuses(book, D("2028-12-31"))["A"]
    assert len(status.months) == 36


# -- the single pass gives what a day-by-day replay gives ----------------------------------

START = date(2026, 1, 1)
fen = st.integers(min_value=1, max_value=400_000).map(lambda n: Decimal(n) / 100)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _book(loans, payments):
    book = new_book("10000000.00")
    for n, (principal, terms, offset, product) in enumerate(sorted(loans, key=lambda s: s[2])):
        on = START + timedelta(days=offset)
        book = with_loan(book, f"L{n}", str(principal), terms, on, product)
    first = book.loans[0].disbursed_on
    for offset, amount in sorted(payments):
        day = first + timedelta(days=offset)
        book = book.with_transaction(Repayment(book.next_tx_id(), day, amount, day))
    return book


def _brute_force(book, on):
    """R15 read literally: every day t <= on, its DPD at the start of t by a full replay."""
    strings = {}
    for loan in book.loans:
        if loan.disbursed_on > on:
            continue
        months: dict[tuple[int, int], str] = {}
        t = loan.disbursed_on
        settled = position(book, on).loan(loan.loan_id).settled_on
        last = settled or on
        worst: dict[tuple[int, int], int] = {}
        due: set[tuple[int, int]] = set()
        due_dates = {i.due_date for i in loan.schedule}
        while t <= last:
            state = position(book, t).loan(loan.loan_id)
            key = (t.year, t.month)
            worst[key] = max(worst.get(key, 0), state.dpd)
            if t in due_dates and state.status.value != "SETTLED":
                due.add(key)
            months.setdefault(key, "*")
            t += timedelta(days=1)
        out = []
        for key in sorted(months):
            if settled is not None and key == (settled.year, settled.month):
                out.append("C")
            elif worst.get(key):
                out.append(dpd_bucket(worst[key]))
            else:
                out.append("N" if key in due else "*")
        strings[loan.loan_id] = "".join(out[-24:])
    return strings


@SETTINGS
@given(
    loans=st.lists(
        st.tuples(st.integers(100_00, 20_000_00).map(lambda n: Decimal(n) / 100), st.integers(1, 4),
                  st.integers(0, 40), st.sampled_from([FLEX6, TERM6])),
        min_size=1, max_size=2,
    ),
    payments=st.lists(st.tuples(st.integers(0, 200), fen), max_size=6),
    on_offset=st.integers(1, 230),
)
def test_r15_the_single_pass_equals_a_replay_of_every_day(loans, payments, on_offset):
    book = _book(loans, payments)
    on = START + timedelta(days=on_offset)
    assert status_strings(book, on) == _brute_force(book, on)


# -- Done means: paid within grace, whatever the booking delays, never negative ----------------


@SETTINGS
@given(
    principal=st.integers(500_00, 20_000_00).map(lambda n: Decimal(n) / 100),
    terms=st.integers(1, 6),
    product=st.sampled_from([FLEX6, TERM6]),
    paid_on_day=st.lists(st.integers(0, 3), min_size=6, max_size=6),  # days after the due date, within grace
    delays=st.lists(st.integers(0, 40), min_size=6, max_size=6),  # days until the booking
)
def test_r15_paid_within_grace_is_never_negative_once_known(principal, terms, product, paid_on_day, delays):
    """R7, R15: every instalment paid within grace (D..D+3), booked up to 40 days late:
    once the bookings are known, no month of the string is past due, on any day."""
    book = with_loan(new_book(), "A", str(principal), terms, D("2026-01-15"), product)
    for instalment, offset, delay in zip(book.loans[0].schedule, paid_on_day, delays):
        value_date = instalment.due_date + timedelta(days=offset)
        book = book.with_transaction(
            Repayment(book.next_tx_id(), value_date, instalment.total, value_date + timedelta(days=delay))
        )
    last_booking = book.last_booked_on()
    known_all = last_booking + timedelta(days=1)
    for day in (known_all, max(known_all, book.loans[0].maturity_date + timedelta(days=60))):
        known = book.known_before(day)
        assert not is_negative(status_strings(known, day)["A"])

"""Done means (issue 8): for any story of repayments in which every instalment was paid
within grace, whatever the booking delays, once the late bookings are known no month of
the string is negative and no record is (corrections included): every record's latest
version is clean, every correction is clean, and no negative line is ever exported.

Played through the real services and close of business on SQLite (R7, R15)."""

from __future__ import annotations

import json
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bureau_helpers import borrower, loan
from words import D
from loanbook.bureau.corrections import latest_versions
from loanbook.rules.bureau_status import is_negative, status_strings
from loanbook.service import bureau as service
from loanbook.service import servicing
from loanbook.service.close_of_business import close_until
from loanbook.service.setup import init_database
from loanbook.store.bureau import BureauStore
from loanbook.store.scratch import scratch_engine
from loanbook.store.unit_of_work import UnitOfWork


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    terms=st.integers(1, 4),
    product=st.sampled_from(["FLEX6", "TERM6"]),
    paid_after_due=st.lists(st.integers(0, 3), min_size=4, max_size=4),  # D .. D + 3: within grace (R7)
    booking_delays=st.lists(st.integers(0, 45), min_size=4, max_size=4),
)
def test_r7_r15_paid_within_grace_never_reaches_the_bureau_once_known(terms, product, paid_after_due, booking_delays):
    with scratch_engine("sqlite") as engine:
        init_database(engine, business_date=D("2026-01-15"))
        b = borrower(engine)
        a = loan(engine, b, product=product, terms=terms)
        with UnitOfWork(engine) as uow:
            schedule = uow.borrowers.book(b).loans[0].schedule
        payments = sorted(
            (i.due_date + timedelta(days=paid + delay), i.due_date + timedelta(days=paid), i.total)
            for i, paid, delay in zip(schedule, paid_after_due, booking_delays)
        )
        for booked_on, value_date, amount in payments:
            close_until(engine, booked_on)
            with UnitOfWork(engine) as uow:
                servicing.repay(uow, borrower_id=b, amount=amount, value_date=value_date, channel="bank")
        last = max(payments[-1][0], schedule[-1].due_date) + timedelta(days=2)
        close_until(engine, last)
        batch = service.export_batch(engine, last - timedelta(days=1))
        with UnitOfWork(engine) as uow:
            rows = BureauStore(uow.session).records_of_loan(a)
            latest = latest_versions(rows)
            book = uow.borrowers.book(b)
            assert rows, "no record was made"
            assert not [r for r in latest.values() if r.negative], "a record stays negative once the bookings are known"
            assert not [r for r in rows if r.kind == "correction" and r.negative], "a negative correction"
        assert not is_negative(status_strings(book, last)[str(a)])
        for text in batch.text.splitlines()[1:]:
            line = json.loads(text)
            assert line["dpd"] == 0 and not is_negative(line["status_24"] + line["month_status"]), line

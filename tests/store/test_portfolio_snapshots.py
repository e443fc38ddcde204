"""The portfolio snapshot close of business writes for the back office's trends
(migration 0012): loans by status and R15 DPD bucket as each business date opens."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from words import A, D
from loanbook.service import reports, servicing
from loanbook.service.close_of_business import close_until
from loanbook.ledger.revaluation import DPD_BUCKET_BOUNDS
from loanbook.store.unit_of_work import UnitOfWork


def _borrower(engine, phone: str) -> int:
    with UnitOfWork(engine) as uow:
        return servicing.create_borrower(uow, name="韩梅梅", phone=phone, credit_limit=A("50000.00")).borrower.id


def _loan(engine, borrower_id: int) -> int:
    with UnitOfWork(engine) as uow:
        return servicing.disburse_loan(uow, borrower_id=borrower_id, product_code="FLEX6", principal=A("10000.00"),
                                       terms=6).loan_id


def _snapshots(engine) -> dict[date, dict[tuple[str, int], tuple[int, int, int]]]:
    by_date: dict[date, dict[tuple[str, int], tuple[int, int, int]]] = defaultdict(dict)
    with UnitOfWork(engine) as uow:
        for row in uow.snapshots.series():
            by_date[row.on_date][(row.status, row.dpd_bucket)] = (row.loans, row.principal_outstanding_fen,
                                                                 row.amount_due_fen)
    return dict(by_date)


def test_close_of_business_snapshots_each_business_date_it_opens(engine):
    first = _borrower(engine, "13800000001")
    _loan(engine, first)  # 2026-01-15, FLEX6: first instalment due 2026-02-15, never paid
    close_until(engine, D("2026-02-01"))
    second = _borrower(engine, "13800000002")
    _loan(engine, second)  # disbursed 2026-02-01: nothing unpaid by 2026-02-25
    close_until(engine, D("2026-02-25"))

    snapshots = _snapshots(engine)
    opened = D("2026-01-16")
    assert sorted(snapshots) == [opened + timedelta(days=n) for n in range((D("2026-02-25") - opened).days + 1)]
    assert snapshots[D("2026-01-20")] == {("ACTIVE", 0): (1, 1_000_000, 0)}
    # W2 (R5, R7): 130.00 interest due 2026-02-10 and unpaid: three days of grace, then overdue with penalty.
    assert snapshots[D("2026-02-10")] == {("ACTIVE", 0): (2, 2_000_000, 13_000)}
    for day in ("2026-02-11", "2026-02-12", "2026-02-13"):
        assert snapshots[D(day)] == {("ACTIVE", 0): (1, 1_000_000, 0), ("GRACE", 0): (1, 1_000_000, 13_000)}
    assert snapshots[D("2026-02-14")][("OVERDUE", 1)][:2] == (1, 1_000_000)
    last = snapshots[D("2026-02-25")]
    assert set(last) == {("ACTIVE", 0), ("OVERDUE", 1)}
    assert last[("ACTIVE", 0)] == (1, 1_000_000, 0)
    loans, principal_fen, due_fen = last[("OVERDUE", 1)]
    assert (loans, principal_fen) == (1, 1_000_000) and due_fen > 0  # the unpaid interest and its penalty


def test_the_snapshot_of_today_agrees_with_the_dpd_and_portfolio_reports(engine):
    for n in range(3):
        _loan(engine, _borrower(engine, f"1390000000{n}"))
    close_until(engine, D("2026-03-10"))
    with UnitOfWork(engine) as uow:
        today = uow.business_dates.get()
        rows = [row for row in uow.snapshots.series(today, today)]
        dpd = {row[0]: row[1] for row in reports.dpd(uow).rows}
        by_status = {row[0]: row[1] for row in reports.portfolio(uow).rows}
    assert rows and {row.on_date for row in rows} == {today}
    per_bucket: dict[str, int] = defaultdict(int)
    per_status: dict[str, int] = defaultdict(int)
    for row in rows:
        per_status[row.status] += row.loans
        if row.status != "SETTLED":
            per_bucket[reports.bucket_label(row.dpd_bucket)] += row.loans
    assert {label: count for label, count in dpd.items() if count} == dict(per_bucket)
    assert {status: count for status, count in by_status.items() if count and status != "total"} == dict(per_status)


def test_recording_a_day_again_replaces_it(engine):
    _loan(engine, _borrower(engine, "13700000000"))
    close_until(engine, D("2026-01-17"))
    with UnitOfWork(engine) as uow:
        before = list(uow.snapshots.series())
        uow.snapshots.record(D("2026-01-17"), DPD_BUCKET_BOUNDS)
        uow.commit()
    with UnitOfWork(engine) as uow:
        assert list(uow.snapshots.series()) == before and len(before) == 2  # 2026-01-16 and 2026-01-17


def test_the_dpd_trend_reads_one_count_per_bucket_and_business_date(engine):
    from loanbook.service.back_office import dpd_trend

    _loan(engine, _borrower(engine, "13600000000"))
    close_until(engine, D("2026-02-20"))
    with UnitOfWork(engine) as uow:
        trend = dpd_trend(uow, uow.business_dates.get())
    assert trend.dates[0] == D("2026-01-16") and trend.dates[-1] == D("2026-02-20")
    assert trend.buckets[0] == "current" and len(trend.loans) == len(trend.buckets)
    current, first_bucket = trend.loans[0], trend.loans[1]
    assert all(len(series) == len(trend.dates) for series in trend.loans)
    # One loan, in exactly one bucket each day: current until grace ends (W2), then 1-30.
    assert [c + o for c, o in zip(current, first_bucket)] == [1] * len(trend.dates)
    assert current[trend.dates.index(D("2026-02-13"))] == 1 and first_bucket[trend.dates.index(D("2026-02-14"))] == 1

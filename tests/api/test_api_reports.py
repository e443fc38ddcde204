"""Portfolio reports (issue 11 item 3) in the API and the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from loanbook.cli.main import app
from loanbook.ledger.revaluation import dpd_bucket
from loanbook.service.reports import bucket_label
from loanbook.store.unit_of_work import UnitOfWork


def _portfolio(api) -> tuple[dict, dict]:
    """One loan settled the day after disbursement, one never paid, to 2026-03-31."""
    payer, late = api.borrower(name="Payer"), api.borrower(name="Late")
    settled = api.loan(payer, principal="1000.00", terms=3)
    unpaid = api.loan(late, principal="2000.00", terms=3, product="TERM6")
    api.close_until(date(2026, 1, 16))
    quote = api.get(f"/v1/loans/{settled['id']}/payoff-quote").json()
    reply = api.post(f"/v1/borrowers/{payer}/payoffs", {"loan_ids": [settled["id"]], "total": quote["total"]})
    assert reply.status_code == 201, reply.text
    api.close_until(date(2026, 3, 31))
    return settled, unpaid


def _rows(report: dict, key: str) -> dict[str, dict]:
    return {row[key]: row for row in report["rows"]}


def test_portfolio_dpd_roll_rates_and_events(api):
    settled, unpaid = _portfolio(api)
    loan = api.get(f"/v1/loans/{unpaid['id']}").json()
    assert loan["status"] == "OVERDUE"

    portfolio = api.get("/v1/reports/portfolio", role="reviewer").json()
    by_status = _rows(portfolio, "status")
    assert by_status["SETTLED"]["loans"] == 1 and by_status["SETTLED"]["principal_outstanding"] == "0.00"
    assert by_status["OVERDUE"]["loans"] == 1 and by_status["OVERDUE"]["principal_outstanding"] == "2000.00"
    assert by_status["OVERDUE"]["principal_disbursed"] == "2000.00"
    assert by_status["total"]["loans"] == 2 and by_status["ACTIVE"]["loans"] == 0
    due = loan["principal_due"], loan["interest_due"], loan["penalty_due"]
    assert by_status["OVERDUE"]["amount_due"] == str(sum(Decimal(x) for x in due))
    assert portfolio["notes"]["credit_balances"] == "0.00"

    dpd = _rows(api.get("/v1/reports/dpd").json(), "bucket")
    assert dpd["current"]["loans"] == 0
    assert dpd[bucket_label(dpd_bucket(loan["dpd"]))]["loans"] == 1
    assert sum(row["loans"] for row in dpd.values()) == 1

    with UnitOfWork(api.engine) as uow:
        went_overdue = [e.on_date for e in uow.events.of_loan(unpaid["id"]) if e.kind == "went_overdue"]
    assert len(went_overdue) == 1
    events = api.get("/v1/reports/events", params={"date": went_overdue[0].isoformat()}).json()
    assert {"loan_id": unpaid["id"], "kind": "went_overdue"}.items() <= next(
        row for row in events["rows"] if row["loan_id"] == unpaid["id"]).items()
    assert events["notes"]["counts"]["went_overdue"] == 1
    assert api.get("/v1/reports/events", params={"date": "2026-01-02"}).json()["rows"] == []

    rolls = api.get("/v1/reports/roll-rates").json()
    assert rolls["notes"]["month_ends"] == ["2026-01-31", "2026-02-28", "2026-03-31"]
    moves = {(row["month"], row["from"]): row for row in rolls["rows"]}
    # The settled loan left in January; the unpaid one rolled current -> a bucket -> a worse one.
    feb_dpd = (date(2026, 2, 28) - went_overdue[0]).days + loan["dpd"] - (date(2026, 3, 31) - went_overdue[0]).days
    feb_bucket = bucket_label(dpd_bucket(feb_dpd))
    assert moves[("2026-02", "current")]["loans"] == 1 and moves[("2026-02", "current")][f"to {feb_bucket}"] == 1
    assert moves[("2026-02", "current")]["rolled_forward"] == "100.00%"
    march = moves[("2026-03", feb_bucket)]
    assert march["loans"] == 1 and march[f"to {bucket_label(dpd_bucket(loan['dpd']))}"] == 1
    assert len(rolls["rows"]) == 2


def test_portfolio_leaves_out_what_a_coupon_waived(api):
    """R13: interest a coupon waived is not owed, so the portfolio's interest outstanding
    is the loans' interest due (the waiver is marketing expense, not a receivable)."""
    borrower_id = api.borrower()
    loan = api.loan(borrower_id, principal="10000.00", terms=6)
    api.close_until(date(2026, 2, 1))
    coupon = api.post(f"/v1/borrowers/{borrower_id}/coupons", {"amount": "100.00", "expires": "2026-03-31"}).json()
    api.close_until(date(2026, 2, 10))
    paid = api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "30.00", "coupon_id": coupon["id"]})
    assert paid.status_code == 201, paid.text
    api.close_until(date(2026, 2, 11))
    state = api.get(f"/v1/loans/{loan['id']}").json()
    assert (state["coupon_waived"], state["interest_due"]) == ("100.00", "0.00")
    active = _rows(api.get("/v1/reports/portfolio").json(), "status")["ACTIVE"]
    assert (active["loans"], active["interest_outstanding"], active["penalty_outstanding"]) == (1, "0.00", "0.00")


def test_reports_are_for_staff_and_refuse_a_past_portfolio(api):
    borrower_id = api.borrower()
    role = api.borrower_token(borrower_id)
    assert api.get("/v1/reports/portfolio", role=role).status_code == 403
    assert api.get("/v1/reports/events", params={"date": "2026-13-01"}).status_code == 422
    assert api.get("/v1/reports/roll-rates", params={"date": "2027-01-01"}).status_code == 422


def test_report_commands_print_tables_json_and_csv(api):
    if api.engine.dialect.name != "sqlite":
        pytest.skip("the command line reads the same service as the API; SQLite is enough")
    _portfolio(api)
    url = str(api.engine.url)
    runner = CliRunner()
    table = runner.invoke(app, ["report", "portfolio", "--database", url])
    assert table.exit_code == 0, table.output
    assert "OVERDUE" in table.output and "2000.00" in table.output
    as_json = runner.invoke(app, ["report", "dpd", "--json", "--database", url])
    assert as_json.exit_code == 0, as_json.output
    body = json.loads(as_json.output.strip().splitlines()[-1])
    assert body["name"] == "dpd" and sum(row["loans"] for row in body["rows"]) == 1
    as_csv = runner.invoke(app, ["report", "events", "--csv", "--date", "2026-01-16", "--database", url])
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert any(row["kind"] == "settled" for row in rows)
    rolls = runner.invoke(app, ["report", "roll-rates", "--csv", "--database", url])
    assert rolls.exit_code == 0 and rolls.output.startswith("month,from,loans,to current")
    both = runner.invoke(app, ["report", "dpd", "--csv", "--json", "--database", url])
    assert both.exit_code == 2
    past = runner.invoke(app, ["report", "portfolio", "--date", (date(2026, 3, 31) - timedelta(days=1)).isoformat(),
                               "--database", url])
    assert past.exit_code == 2

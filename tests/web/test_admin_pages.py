"""The back office (/admin) in a real browser, on SQLite and PostgreSQL (tests/web/conftest.py):
maker-checker on the review queue, the portfolio's charts, search by phone and name with
the phone masked for a reviewer, every page free of console errors at a phone's width,
and a borrower kept out."""

from __future__ import annotations

import re

import pytest

from browser_helpers import no_horizontal_scroll

ADMIN_PAGES = ("/admin", "/admin/search?q=Test", "/admin/search?status=OVERDUE", "/admin/requests",
               "/admin/collections", "/admin/partners", "/admin/bureau", "/admin/business-date")


def _switch_user(page, signed_in, user: str) -> None:  # noqa: ANN001
    page.click("#sign-out")
    page.wait_for_load_state()
    signed_in(user)


def _open_demo_loans(page, count: int) -> list[str]:  # noqa: ANN001
    """Loan ids of the demo portfolio (not the other tests' borrowers, named "Test ..."),
    open (ACTIVE, GRACE or OVERDUE) and of 6 terms (a 3-month negotiated plan stays within
    R11's extension limit), as the search page lists them by status."""
    found = []
    for status in ("ACTIVE", "GRACE", "OVERDUE"):
        page.goto(f"/admin/search?status={status}")
        rows = page.locator("#loan-results tbody tr")
        for index in range(rows.count()):
            cells = rows.nth(index).locator("td")
            if not cells.nth(1).inner_text().startswith("Test ") and cells.nth(4).inner_text() == "6":
                found.append(cells.nth(0).inner_text().strip())
    assert len(found) >= count, f"the demo portfolio has {len(found)} open loans, the test needs {count}"
    return found


def _record_negotiation(page, loan_id: str, reason: str) -> str:  # noqa: ANN001
    page.goto(f"/admin/loans/{loan_id}")
    form = page.locator("#new-request")
    form.locator("select[name=kind]").select_option("negotiation")
    form.locator("input[name=months]").fill("3")
    form.locator("select[name=method]").select_option("equal_installment")
    form.locator("input[name=reason]").fill(reason)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert re.search(r"/admin/requests/\d+", page.url), page.content()[:2000]
    return re.search(r"/admin/requests/(\d+)", page.url).group(1)


def test_a_reviewer_approves_a_negotiated_plan_made_by_someone_else(page, site, signed_in):  # noqa: ANN001
    signed_in("operator")
    loan_id = _open_demo_loans(page, 2)[0]
    request_id = _record_negotiation(page, loan_id, "lost his job; asked on the phone")
    assert "recorded" in page.locator(".notice").inner_text()
    assert page.locator("#maker").inner_text().startswith("operator")
    assert page.locator("#preview tbody tr").count() == 3  # the new plan, previewed on today's figures (R11)

    _switch_user(page, signed_in, "reviewer")
    page.goto("/admin/requests")
    page.click(f"#request-queue a[href='/admin/requests/{request_id}']")
    page.click("#approve")
    page.wait_for_load_state()
    assert "approved" in page.locator(".notice").inner_text()
    assert page.locator("h1 .status").inner_text() == "approved"
    assert page.locator("#checker").inner_text().startswith("reviewer")
    page.goto(f"/admin/loans/{loan_id}")
    assert "negotiated plan" in page.locator("h2", has_text="Schedule").inner_text()
    assert page.locator("#history").get_by_text("request_approved").count() == 1


def test_the_maker_of_a_request_cannot_approve_it(page, site, signed_in):  # noqa: ANN001
    signed_in("admin")  # an admin may both make and check requests, but never its own (R11)
    loan_id = _open_demo_loans(page, 2)[-1]
    request_id = _record_negotiation(page, loan_id, "hardship: medical bills")
    page.click("#approve")
    page.wait_for_load_state()
    refusal = page.locator("#refusal").inner_text()
    assert f"request {request_id} was made by you (admin): its maker may not decide it" in refusal
    assert page.locator("h1 .status").inner_text() == "pending"  # nothing changed
    page.allow_console_error(r"status of 403")  # the refusal page answers 403, as the API does
    # A decision posted without the form's CSRF token (as another site would) is refused before anything is done.
    forged = page.request.post(f"/admin/requests/{request_id}/decision", form={"decision": "reject", "reason": "x"})
    assert forged.status == 403
    page.reload()
    assert page.locator("h1 .status").inner_text() == "pending"


def test_the_portfolio_page_draws_its_charts(page, site, signed_in, shot):  # noqa: ANN001
    signed_in("reviewer")
    page.goto("/admin")
    for chart in ("#chart-status", "#chart-dpd", "#chart-ledger"):
        bars = page.locator(f"{chart} svg rect.bar")
        assert bars.count() >= 2, chart
        values = [bars.nth(i).get_attribute("data-value") for i in range(bars.count())]
        assert any(v not in ("0", "0.00") for v in values), (chart, values)
        assert any(int(bars.nth(i).get_attribute(attribute)) > 0 for i in range(bars.count())
                   for attribute in ("height", "width")), chart
    lines = page.locator("#chart-trend svg polyline.series")
    assert lines.count() >= 1
    points = lines.first.get_attribute("points").split()
    assert len(points) >= 30  # one per business date closed since the portfolio began
    # The status chart's figures are the table's.
    status_rows = page.locator("#by-status tbody tr")
    table = {status_rows.nth(i).locator("td").nth(0).inner_text(): status_rows.nth(i).locator("td").nth(1).inner_text()
             for i in range(status_rows.count())}
    bars = page.locator("#chart-status svg rect.bar")
    assert {bars.nth(i).get_attribute("data-label"): bars.nth(i).get_attribute("data-value")
            for i in range(bars.count())} == {k: v for k, v in table.items() if k != "total"}
    assert no_horizontal_scroll(page)
    saved = shot(page, "admin-portfolio")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert no_horizontal_scroll(page)
    assert saved.stat().st_size > 0 and shot(page, "admin-portfolio-wide").stat().st_size > 0


def test_search_finds_a_borrower_by_phone_and_by_name(page, site, signed_in):  # noqa: ANN001
    signed_in("operator")
    page.goto("/admin/search")
    page.fill("input[name=q]", "1390000 0001")  # the settler's phone, spaced as a person types it
    page.click("#search")
    page.wait_for_load_state()
    rows = page.locator("#borrower-results tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("td").nth(1).inner_text() == "Test settler"
    assert rows.first.locator("td.phone").inner_text() == "13900000001"  # an operator calls borrowers: in full

    page.fill("input[name=q]", "test SETTLER")  # part of a name, any case
    page.click("#search")
    page.wait_for_load_state()
    assert page.locator("#borrower-results tbody tr").first.locator("td").nth(1).inner_text() == "Test settler"
    assert page.locator("#loan-results tbody tr").count() == 1  # the settler's one loan
    page.click("#borrower-results tbody tr >> a >> nth=1")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Test settler")
    assert page.locator("#borrower-loans tbody tr").count() == 1

    _switch_user(page, signed_in, "reviewer")
    page.goto("/admin/search?q=13900000001")
    assert page.locator("#borrower-results td.phone").first.inner_text() == "*******0001"  # as the API masks it


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_every_admin_page_works_at_a_phone_width_without_console_errors(page, site, signed_in, shot,  # noqa: ANN001
                                                                       path):
    signed_in("admin")
    answer = page.goto(path)
    assert answer is not None and answer.status == 200
    assert page.locator("header nav a.here").count() == 1
    assert no_horizontal_scroll(page), path
    name = "admin" + re.sub(r"[^a-z0-9]+", "-", path.removeprefix("/admin").lower()).rstrip("-")
    shot(page, name)


def test_a_loan_page_shows_schedule_history_ledger_and_bureau(page, site, signed_in, shot):  # noqa: ANN001
    signed_in("reviewer")
    loan_id = site.data.loans["settler/TERM6"]
    page.goto(f"/admin/loans/{loan_id}")
    assert page.locator("#schedule tbody tr").count() == 6
    assert page.locator("#history").get_by_text("disbursed").count() >= 1
    accounts = page.locator("#ledger tbody tr td:nth-child(4)").all_inner_texts()
    assert "principal_receivable" in accounts  # the disbursement's posting (R14)
    assert page.locator("#new-request").count() == 0  # a reviewer checks, it does not make requests
    assert no_horizontal_scroll(page)
    shot(page, "admin-loan")


def test_a_borrower_gets_the_403_page(page, site, signed_in):  # noqa: ANN001
    signed_in("other")
    page.allow_console_error(r"status of 403")
    answer = page.goto("/admin")
    assert answer is not None and answer.status == 403
    assert "admin or operator or reviewer" in page.content()
    answer = page.goto(f"/admin/loans/{site.data.loans['other/FLEX6']}")
    assert answer is not None and answer.status == 403

"""The borrower's app in a real browser (issue 12 item 2), on SQLite and PostgreSQL, at a
phone's width: repay and see the allocation, settle a TERM6 loan and see the 3% fee,
another borrower's loan by URL is the 404 page, and every page has no console error and
no horizontal scroll, in Chinese and in English."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from browser_helpers import Site, no_horizontal_scroll, sign_in
from loanbook.service.requests import decide
from loanbook.service.users import User
from loanbook.store.database import make_engine
from loanbook.store.unit_of_work import UnitOfWork

RAW_KEY = re.compile(r"\b(?:status|coupon|request|kind|method|paid_title|fee_explained|bureau|error|request_explained)"
                     r"_[A-Za-z_*]+\b")


def yuan(text: str) -> Decimal:
    return Decimal(re.search(r"-?[0-9]+\.[0-9]{2}", text).group(0))


def test_a_borrower_repays_with_a_coupon_and_sees_the_allocation(page, site: Site, shot):
    sign_in(page, site, "repayer")
    page.goto("/app/repay")
    bill = yuan(page.inner_text("#bill-total"))
    assert bill > 0  # the first instalment fell due and is in grace (site_data.py)
    assert page.input_value("#amount") == f"{bill}"
    page.select_option("#coupon", str(site.data.coupons["repayer"]))
    page.fill("#amount", "150.00")
    page.click("#repay-now")
    shot(page, "repaid")
    assert "150.00" in page.inner_text(".allocation .notice")
    lines = page.locator(".allocation-line")
    assert lines.count() >= 1
    loan_id = site.data.loans["repayer/FLEX6"]
    cells = [lines.nth(i).locator("td").all_inner_texts() for i in range(lines.count())]
    assert all(c[0] == f"#{loan_id}" for c in cells)
    paid_cash = sum(Decimal(c[6]) for c in cells)
    to_credit = yuan(page.inner_text("#to-credit")) if page.locator("#to-credit").count() else Decimal("0.00")
    assert paid_cash + to_credit == Decimal("150.00")  # every fen of the cash is allocated or kept as credit (R6)
    assert yuan(page.inner_text("#coupon-waived")) == Decimal("20.00")  # R13: the coupon waived interest first
    # The period-1 line pays no principal before its interest (R6: penalty, interest, principal).
    first = cells[0]
    assert Decimal(first[3]) > 0
    page.goto("/app/coupons")
    assert page.locator(".coupon").first.inner_text().count("已使用") == 1


def test_a_repayment_form_sent_twice_moves_the_money_once(page, site: Site):
    borrower_id = site.data.borrowers["other"]
    sign_in(page, site, "other")
    page.goto("/app/repay")
    page.fill("#amount", "10.00")
    form_key = page.input_value("input[name=form_key]")
    before = transactions_of(site, borrower_id)
    page.click("#repay-now")
    first = page.inner_text(".allocation")
    page.goto("/app/repay")  # a fresh form has a fresh key; send it with the first one's, as a resent form would
    page.fill("#amount", "10.00")
    page.evaluate(f"document.querySelector('input[name=form_key]').value = '{form_key}'")
    page.click("#repay-now")
    assert page.inner_text(".allocation") == first  # the first result, replayed
    assert transactions_of(site, borrower_id) == before + 1  # one repayment booked, not two


def transactions_of(site: Site, borrower_id: int) -> int:
    engine = make_engine(site.database_url)
    try:
        with UnitOfWork(engine) as uow:
            return len(uow.borrowers.book(borrower_id).transactions)
    finally:
        engine.dispose()


def test_a_borrower_settles_a_term6_loan_and_sees_the_3_percent_fee(page, site: Site, shot):
    loan_id = site.data.loans["settler/TERM6"]
    sign_in(page, site, "settler")
    page.goto(f"/app/loans/{loan_id}")
    shot(page, "loan-term6")
    fee = yuan(page.inner_text("#payoff-fee"))
    total = yuan(page.inner_text("#payoff-total"))
    assert fee == Decimal("300.00")  # R8: 3% of the 10,000.00 principal not yet due
    assert "3%" in page.inner_text("#payoff")
    page.click("#settle")
    assert yuan(page.inner_text("#confirm-total")) == total  # the exact total to confirm
    assert yuan(page.inner_text("#confirm-fee")) == fee
    shot(page, "settle-confirm")
    page.click("#confirm-settle")
    shot(page, "settled")
    fees = [Decimal(t) for t in page.locator(".allocation-line td.fee").all_inner_texts()]
    assert sum(fees) == Decimal("300.00")
    page.goto(f"/app/loans/{loan_id}")
    assert page.locator("#loan-status.settled").count() == 1
    assert page.locator("#payoff-refused").is_visible()


def test_a_flex_loan_settles_without_a_fee(page, site: Site):
    sign_in(page, site, "visitor")
    page.goto(f"/app/loans/{site.data.loans['visitor/FLEX6']}")
    assert yuan(page.inner_text("#payoff-fee")) == Decimal("0.00")
    assert page.inner_text("#rate-simple") == "18.25%"  # R10: 0.05% a day x 365
    assert page.inner_text("#rate-irr").endswith("%")


@pytest.mark.parametrize("path", ["/app/loans/{other}", "/app/loans/{other}/settle", "/app/loans/999999"])
def test_a_borrower_cannot_open_another_borrowers_loan_by_url(page, site: Site, path):
    other = site.data.loans["other/FLEX6"]
    sign_in(page, site, "visitor")
    page.allow_console_error("status of 404")
    url = path.format(other=other)
    answer = page.goto(url)
    assert answer.status == 404
    asked = url.split("/")[3]
    assert page.inner_text("#error-message") == f"no loan {asked}"  # the same words as for a loan that is not there
    assert str(Decimal("3000.00")) not in page.content()


def test_a_borrower_cannot_settle_another_borrowers_loan_by_posting(page, site: Site):
    other = site.data.loans["other/FLEX6"]
    sign_in(page, site, "visitor")
    page.allow_console_error("status of 404")
    csrf = page.input_value("input[name=csrf_token]")
    answer = page.request.post(f"/app/loans/{other}/settle", form={"csrf_token": csrf, "form_key": "k1", "total": "1.00"})
    assert answer.status == 404 and f"no loan {other}" in answer.text()


def test_a_borrower_asks_for_an_extension_and_follows_the_decision(page, site: Site):
    loan_id = site.data.loans["visitor/TERM6"]
    sign_in(page, site, "visitor")
    page.goto(f"/app/requests?loan={loan_id}")
    page.select_option("#request-loan", str(loan_id))
    page.select_option("#request-kind", "extension")
    page.fill("#request-months", "2")
    page.fill("#request-reason", "income delayed")
    page.click("#send-request")
    assert page.locator("#request-state[data-status=pending]").is_visible()
    assert page.locator("#preview").is_visible()  # what approving it today would do
    request_id = int(page.url.rsplit("/", 1)[1])
    engine = make_engine(site.database_url)  # the reviewer decides (the back office's page is web-admin's)
    try:
        with UnitOfWork(engine) as uow:
            reviewer = uow.users.by_name("reviewer")
            decide(uow, actor=User(reviewer.id, reviewer.name, reviewer.role, None), request_id=request_id,
                   approve=False, reason="please call us first")
    finally:
        engine.dispose()
    page.reload()
    assert page.locator("#request-state[data-status=rejected]").is_visible()
    assert page.inner_text("#decision-reason") == "please call us first"


def test_the_bureau_page_shows_each_loans_status_string_and_explains_it(page, site: Site):
    sign_in(page, site, "visitor")
    page.goto("/app/bureau")
    strings = page.locator(".status-string").all_inner_texts()
    assert len(strings) == 2 and all(re.fullmatch(r"[*NC1-7]+", s) for s in strings)
    assert "宽限期内还款也算按时" in page.inner_text("main")  # "paid within grace: not reported"


PAGES = ["/app", "/app/loans/{flex}", "/app/loans/{term}", "/app/loans/{term}/settle", "/app/repay", "/app/coupons",
         "/app/requests", "/app/bureau"]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_page_has_no_console_error_and_fits_a_phone(page, site: Site, shot, language):
    sign_in(page, site, "visitor")
    if language == "en":
        page.click("a.lang")
        assert page.locator("html[lang=en]").count() == 1
    for path in PAGES:
        url = path.format(flex=site.data.loans["visitor/FLEX6"], term=site.data.loans["visitor/TERM6"])
        answer = page.goto(url)
        assert answer.status == 200, url
        assert no_horizontal_scroll(page), f"{url} scrolls sideways at 375 px"
        text = page.inner_text("body")
        assert not RAW_KEY.search(text), f"{url}: a phrase is missing: {RAW_KEY.search(text).group(0)}"
        shot(page, f"{language}{url.replace('/', '-')}")
    # page's own fixture fails the test on any console error met on the way

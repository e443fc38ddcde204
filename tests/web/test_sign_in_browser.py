"""Signing in and out in a real browser (issue 12 item 1)."""

from __future__ import annotations

from browser_helpers import Site, no_horizontal_scroll, sign_in


def test_a_borrower_signs_in_sees_their_loans_and_signs_out(page, site: Site, shot):
    page.goto("/app")
    assert page.url.endswith("/login?next=/app")  # not signed in: to the sign-in form, and back after
    shot(page, "login")
    assert no_horizontal_scroll(page)
    page.fill("input[name=username]", "visitor")
    page.fill("input[name=password]", site.data.password)
    page.click("#sign-in")
    assert page.url == site.base_url + "/app"
    assert page.locator(".loan").count() == 2
    cookie = next(c for c in page.context.cookies() if c["name"] == "loanbook_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.click("#sign-out")
    assert page.url.endswith("/login")
    page.goto("/app")  # the session has ended on the server, not only in the browser
    assert "/login" in page.url


def test_a_wrong_password_is_refused_with_a_message(page, site: Site):
    sign_in(page, site, "visitor", password="not the password")
    page.allow_console_error("status of 401")  # the refused form answers 401: the browser logs it
    assert page.locator("#sign-in-refused").is_visible()
    assert "/login" in page.url
    assert not [c for c in page.context.cookies() if c["name"] == "loanbook_session"]


def test_a_staff_user_cannot_open_the_borrowers_app(page, site: Site):
    page.allow_console_error("status of 403")
    page.allow_console_error(r"status of 404 .*/admin\)$")  # staff land on /admin: the back office's (branch web-admin)
    sign_in(page, site, "reviewer")
    page.goto("/app")
    assert page.locator(".error[data-status='403']").is_visible()
    assert "borrower" in page.inner_text("#error-message")

"""Sign-in sessions and CSRF, without a browser: a forged or missing CSRF token is
refused and changes nothing; sessions end on sign-out, revocation, a new password and
expiry; the session cookie opens no API route and bearer tokens keep working."""

from __future__ import annotations

import hashlib
import re
import warnings
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from loanbook.api.app import create_app
from loanbook.service.servicing import create_borrower, disburse_loan
from loanbook.service.setup import init_database
from loanbook.service.sign_in import SIGN_IN_REFUSED, session_of, set_password, sign_in
from loanbook.service.users import add_user, revoke_user
from loanbook.errors import AccessDenied, BadInput
from loanbook.store.database import make_engine
from loanbook.store.tables import WebSessionRow
from loanbook.store.unit_of_work import UnitOfWork

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
from fastapi.testclient import TestClient  # noqa: E402 - after the warning filter

PASSWORD = "a long passphrase"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'web.sqlite3'}")
    init_database(engine, business_date=date(2026, 1, 15))
    with UnitOfWork(engine) as uow:
        borrower = create_borrower(uow, name="Li", phone="13900000001", credit_limit=Decimal("5000"))
    with UnitOfWork(engine) as uow:
        disburse_loan(uow, borrower_id=borrower.borrower.id, product_code="FLEX6", principal=Decimal("1000"), terms=3)
    with UnitOfWork(engine) as uow:
        _, token = add_user(uow, name="li", role="borrower", borrower_id=borrower.borrower.id, password=PASSWORD)
    engine.bearer = token  # type: ignore[attr-defined]
    engine.borrower_id = borrower.borrower.id  # type: ignore[attr-defined]
    yield engine
    engine.dispose()


@pytest.fixture
def client(engine):
    with TestClient(create_app(engine), base_url="http://127.0.0.1", follow_redirects=False) as client:
        yield client


def sessions(engine) -> int:
    with UnitOfWork(engine) as uow:
        return uow.session.scalar(select(func.count()).select_from(WebSessionRow))


def login_token(client) -> str:
    page = client.get("/login")
    assert page.status_code == 200
    return CSRF.search(page.text).group(1)


def signed_in(client) -> str:
    """Signs in; returns the page's CSRF token for the session."""
    answer = client.post("/login", data={"csrf_token": login_token(client), "username": "li", "password": PASSWORD})
    assert answer.status_code == 303, answer.text
    return CSRF.search(client.get("/app").text).group(1)


def test_sign_in_sets_an_httponly_samesite_cookie_whose_token_is_stored_hashed(client, engine):
    answer = client.post("/login", data={"csrf_token": login_token(client), "username": "li", "password": PASSWORD})
    assert answer.status_code == 303 and answer.headers["location"] == "/app"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    token = client.cookies["loanbook_session"]
    with UnitOfWork(engine) as uow:
        stored = list(uow.session.scalars(select(WebSessionRow.token_sha256)))
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert client.get("/app").status_code == 200


def test_the_cookie_is_secure_when_configured(engine, monkeypatch):
    monkeypatch.setenv("LOANBOOK_WEB_SECURE_COOKIE", "1")
    with TestClient(create_app(engine), base_url="https://127.0.0.1", follow_redirects=False) as client:
        answer = client.post("/login", data={"csrf_token": login_token(client), "username": "li", "password": PASSWORD})
    assert answer.status_code == 303
    assert "Secure" in answer.headers["set-cookie"]


@pytest.mark.parametrize("forged", [None, "", "not-the-token"])
def test_a_sign_in_without_its_csrf_token_is_refused_and_makes_no_session(client, engine, forged):
    login_token(client)  # the cookie half is there; the form's half is missing or forged
    data = {"username": "li", "password": PASSWORD}
    if forged is not None:
        data["csrf_token"] = forged
    answer = client.post("/login", data=data)
    assert answer.status_code == 403
    assert "nothing was changed" in answer.text
    assert "loanbook_session" not in client.cookies
    assert sessions(engine) == 0


def test_a_sign_in_form_from_another_browser_is_refused(client, engine):
    token = login_token(client)
    client.cookies.delete("loanbook_login_csrf")  # a form posted from elsewhere: no cookie of ours
    answer = client.post("/login", data={"csrf_token": token, "username": "li", "password": PASSWORD})
    assert answer.status_code == 403 and sessions(engine) == 0


@pytest.mark.parametrize("forged", [None, "", "forged-token"])
def test_a_sign_out_without_the_sessions_csrf_token_is_refused_and_the_session_stays(client, engine, forged):
    signed_in(client)
    answer = client.post("/logout", data={} if forged is None else {"csrf_token": forged})
    assert answer.status_code == 403
    assert sessions(engine) == 1
    assert client.get("/app").status_code == 200


def test_sign_out_ends_the_session_on_the_server(client, engine):
    csrf = signed_in(client)
    token = client.cookies["loanbook_session"]
    answer = client.post("/logout", data={"csrf_token": csrf})
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert sessions(engine) == 0
    client.cookies.set("loanbook_session", token)  # a copy of the cookie kept elsewhere opens nothing
    assert client.get("/app").status_code == 303


def test_a_wrong_password_and_an_unknown_name_get_the_same_refusal(client, engine):
    for name, password in (("li", "wrong password"), ("nobody", PASSWORD), ("", "")):
        answer = client.post("/login", data={"csrf_token": login_token(client), "username": name, "password": password})
        assert answer.status_code == 401
        assert 'id="sign-in-refused"' in answer.text
    assert sessions(engine) == 0


def test_a_revoked_users_session_stops_working(client, engine):
    signed_in(client)
    with UnitOfWork(engine) as uow:
        revoke_user(uow, "li", now=datetime(2026, 1, 15, 12))
    assert client.get("/app").status_code == 303
    assert client.post("/login", data={"csrf_token": login_token(client), "username": "li",
                                       "password": PASSWORD}).status_code == 401


def test_a_new_password_ends_the_open_sessions(client, engine):
    signed_in(client)
    with UnitOfWork(engine) as uow:
        set_password(uow, "li", "another passphrase")
    assert client.get("/app").status_code == 303
    assert sessions(engine) == 0


def test_a_session_stops_at_its_expiry(engine):
    at = datetime(2026, 1, 15, 9)
    with UnitOfWork(engine) as uow:
        signed = sign_in(uow, "li", PASSWORD, now=at, lifetime=timedelta(hours=1))
    with UnitOfWork(engine) as uow:
        assert session_of(uow, signed.session_token, now=at + timedelta(minutes=59)) is not None
        assert session_of(uow, signed.session_token, now=at + timedelta(hours=1)) is None
        assert session_of(uow, "x" + signed.session_token, now=at) is None


def test_sign_in_refusals_name_nothing(engine):
    with UnitOfWork(engine) as uow, pytest.raises(AccessDenied, match=SIGN_IN_REFUSED):
        sign_in(uow, "li", "wrong password", now=datetime(2026, 1, 15))
    with UnitOfWork(engine) as uow:  # a user with no password signs in with a token only
        add_user(uow, name="tokens-only", role="reviewer")
    with UnitOfWork(engine) as uow, pytest.raises(AccessDenied, match=SIGN_IN_REFUSED):
        sign_in(uow, "tokens-only", "", now=datetime(2026, 1, 15))


def test_a_short_password_is_refused_and_nothing_is_stored(engine):
    with UnitOfWork(engine) as uow, pytest.raises(BadInput, match="at least 8 characters"):
        set_password(uow, "li", "short")
    with UnitOfWork(engine) as uow:
        assert sign_in(uow, "li", PASSWORD, now=datetime(2026, 1, 15)).user.name == "li"


def test_the_session_cookie_opens_no_api_route_and_bearer_tokens_still_work(client, engine):
    signed_in(client)
    path = f"/v1/borrowers/{engine.borrower_id}"
    assert client.get(path).status_code == 401  # a cookie is no bearer token: no CSRF hole in the API
    answer = client.get(path, headers={"Authorization": f"Bearer {engine.bearer}"})
    assert answer.status_code == 200 and answer.json()["id"] == engine.borrower_id


@pytest.mark.parametrize("next_path", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_sign_in_never_redirects_off_the_site(client, next_path):
    answer = client.post("/login", data={"csrf_token": login_token(client), "username": "li", "password": PASSWORD,
                                         "next": next_path})
    assert answer.headers["location"] == "/app"


def test_pages_answer_errors_as_pages_and_the_api_as_json(client):
    signed_in(client)
    page = client.get("/app/no-such-page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "there is no page at /app/no-such-page" in page.text
    api = client.get("/v1/no-such-endpoint")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"


def test_every_page_forbids_loading_from_another_host(client):
    policy = client.get("/login").headers["content-security-policy"]
    assert "default-src 'self'" in policy and "http" not in policy


def transactions(engine) -> int:
    with UnitOfWork(engine) as uow:
        return len(uow.borrowers.book(engine.borrower_id).transactions)


@pytest.mark.parametrize("forged", [None, "", "forged-token"])
def test_a_repayment_form_without_the_sessions_csrf_token_moves_no_money(client, engine, forged):
    signed_in(client)
    form = client.get("/app/repay").text
    key = re.search(r'name="form_key" value="([^"]+)"', form).group(1)
    data = {"form_key": key, "amount": "5.00"} | ({} if forged is None else {"csrf_token": forged})
    answer = client.post("/app/repay", data=data)
    assert answer.status_code == 403 and "nothing was changed" in answer.text
    assert transactions(engine) == 0
    answer = client.post("/app/repay", data={**data, "csrf_token": CSRF.search(form).group(1)})
    assert answer.status_code == 200 and "5.00" in answer.text
    assert transactions(engine) == 1


def test_a_csrf_token_of_another_session_is_refused(engine):
    with TestClient(create_app(engine), base_url="http://127.0.0.1", follow_redirects=False) as mallory, \
            TestClient(create_app(engine), base_url="http://127.0.0.1", follow_redirects=False) as victim:
        their_token = signed_in(mallory)
        signed_in(victim)
        answer = victim.post("/logout", data={"csrf_token": their_token})
        assert answer.status_code == 403
        assert sessions(engine) == 2

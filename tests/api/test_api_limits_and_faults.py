"""Bounded requests and a database that cannot serve (issue 6 items 4 and 5; issue 11
item 2, the API half): 413 above 64 KiB, 408 for a body that never comes, 503 at the
request deadline, 503 with Retry-After for a read-only, full or unreachable database,
a clear 503 for a missing or uninitialised one, and no 500 that drops the connection or
is logged twice."""

from __future__ import annotations

import http.client
import logging
import socket
import time
import uuid
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, text

from api_helpers import FIRST_DAY, live_server, make_api, new_key
from databases import POSTGRES_URL, psycopg_url
from loanbook.api.app import create_app, create_app_from_environment
from loanbook.api.routes import ledger
from loanbook.service.setup import init_database
from loanbook.store.database import make_engine

KIB = 1024


def error_of(reply) -> dict:
    body = reply.json()
    assert set(body) == {"error"} and body["error"]["message"], body
    return body["error"]


# --- the body and the deadline ----------------------------------------------------------


def test_a_body_above_64_kib_is_413_in_the_error_shape(api):
    borrower_id = api.borrower()
    headers = {**api.auth(key=new_key()), "Content-Type": "application/json"}
    padded = b'{"amount": "1.00", "channel": "api"' + b" " * (64 * KIB) + b"}"
    reply = api.client.post(f"/v1/borrowers/{borrower_id}/repayments", content=padded, headers=headers)
    assert reply.status_code == 413 and error_of(reply)["code"] == "body_too_large"
    chunks = (b" " * KIB for _ in range(200))  # sent chunked: no Content-Length to go by
    reply = api.client.post(f"/v1/borrowers/{borrower_id}/repayments", content=chunks, headers=headers)
    assert reply.status_code == 413 and "64 KiB" in error_of(reply)["message"]
    just_below = b'{"amount": "1.00"' + b" " * (60 * KIB) + b"}"
    assert api.client.post(f"/v1/borrowers/{borrower_id}/loans", content=just_below,
                           headers={**headers, "Idempotency-Key": new_key()}).status_code == 422  # read, then judged


def _raw_request(base_url: str, head: bytes) -> socket.socket:
    address = urlsplit(base_url)
    sock = socket.create_connection((address.hostname, address.port), timeout=10)
    sock.sendall(head)
    return sock


def _status_of(sock: socket.socket) -> int:
    response = http.client.HTTPResponse(sock)
    response.begin()
    return response.status


def test_a_200_mb_body_is_refused_unread_and_stalls_no_one(api):
    """The finding: a 200 MB body stalled every other request for 18 s."""
    token = api.tokens["admin"]
    with live_server(api.engine) as base_url:
        started = time.monotonic()
        sock = _raw_request(base_url, (f"POST /v1/borrowers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                                       "Content-Type: application/json\r\nContent-Length: 209715200\r\n\r\n").encode())
        sock.sendall(b"{" + b" " * (256 * KIB))  # the client goes on sending; the answer does not wait for it
        assert _status_of(sock) == 413
        sock.close()
        assert time.monotonic() - started < 5
        # a body dribbling in, byte by byte, holds no one else up
        slow = _raw_request(base_url, (f"POST /v1/borrowers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                                       "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{").encode())
        other = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=10)
        began = time.monotonic()
        other.request("GET", "/v1/business-date", headers={"Authorization": f"Bearer {token}"})
        assert other.getresponse().status == 200 and time.monotonic() - began < 2
        other.close()
        slow.close()


def test_a_body_that_never_arrives_is_408(api):
    token = api.tokens["admin"]
    with live_server(api.engine, body_seconds=0.5) as base_url:
        sock = _raw_request(base_url, (f"POST /v1/borrowers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                                       "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{").encode())
        assert _status_of(sock) == 408
        sock.close()


def test_a_request_without_an_answer_by_its_deadline_is_503(engine, monkeypatch):
    api = make_api(engine)
    borrower_id = api.borrower()
    api.client = TestClient(create_app(engine, request_seconds=0.3))

    def slow(*args, **kwargs):
        time.sleep(1.0)
        raise RuntimeError("too late to matter")

    monkeypatch.setattr("loanbook.service.servicing.borrower_summary", slow)
    began = time.monotonic()
    reply = api.get(f"/v1/borrowers/{borrower_id}")
    assert reply.status_code == 503 and error_of(reply)["code"] == "timeout"
    assert reply.headers["retry-after"] and time.monotonic() - began < 0.9


def test_the_admin_work_that_grows_with_the_book_has_no_deadline(engine, monkeypatch):
    """A night's close or the ledger check over a large book may take minutes."""
    api = make_api(engine)
    api.client = TestClient(create_app(engine, request_seconds=0.2))
    real = ledger.check_ledger

    def slow_check(engine_):
        time.sleep(0.5)
        return real(engine_)

    monkeypatch.setattr(ledger, "check_ledger", slow_check)
    reply = api.get("/v1/ledger/check")
    assert reply.status_code == 200 and reply.json()["ok"] is True


# --- a 500 keeps the connection and is logged once ---------------------------------------


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _recorded(*names: str):
    handler = _Records()
    loggers = [logging.getLogger(name) for name in names]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def test_a_500_keeps_the_connection_alive_and_is_logged_once(api, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("loanbook.service.servicing.borrower_summary", broken)
    token = api.tokens["admin"]
    with live_server(api.engine) as base_url, _recorded("loanbook.api", "uvicorn.error", "uvicorn") as records:
        connection = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=10)
        connection.request("GET", "/v1/borrowers/1", headers={"Authorization": f"Bearer {token}"})
        first = connection.getresponse()
        body = first.read()
        assert first.status == 500 and b"secret" not in body and b"Traceback" not in body
        sock = connection.sock
        connection.request("GET", "/v1/business-date", headers={"Authorization": f"Bearer {token}"})
        second = connection.getresponse()
        assert second.status == 200 and second.read()
        assert connection.sock is sock  # the same kept-alive connection
        connection.close()
    errors = [r for r in records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "\n" not in errors[0].getMessage(), [r.getMessage() for r in errors]
    assert "RuntimeError" in errors[0].getMessage()


# --- a database that cannot serve ---------------------------------------------------------


def _repay(api, borrower_id: int):
    return api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "10.00"})


def _read_only(engine):
    """The same database, opened read-only: SQLite with mode=ro, PostgreSQL with
    default_transaction_read_only."""
    if engine.dialect.name == "sqlite":
        return make_engine(f"sqlite:///file:{engine.url.database}?mode=ro&uri=true")
    return create_engine(engine.url, connect_args={"options": "-c default_transaction_read_only=on"})


def test_a_read_only_database_is_503_with_retry_after_and_books_nothing(engine):
    api = make_api(engine)
    borrower_id = api.borrower()
    api.loan(borrower_id)
    read_only = _read_only(engine)
    try:
        api.client = TestClient(create_app(read_only))
        reply = _repay(api, borrower_id)
        assert reply.status_code == 503, reply.text
        error = error_of(reply)
        assert error["code"] == "database_read_only" and "read-only" in error["message"]
        assert int(reply.headers["retry-after"]) > 0
    finally:
        read_only.dispose()
    api.client = TestClient(create_app(engine))
    assert api.get(f"/v1/borrowers/{borrower_id}").json()["credit_balance"] == "0.00"
    assert _repay(api, borrower_id).status_code == 201  # writable again: the same request goes through


def test_a_full_database_is_503_with_retry_after(tmp_path):
    """SQLite held to its current size (max_page_count) refuses to grow: "database or disk
    is full", as on a full disk."""
    path = tmp_path / "full.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    init_database(engine, business_date=FIRST_DAY)
    api = make_api(engine)
    borrower_id = api.borrower()
    api.loan(borrower_id)
    engine.dispose()
    full = make_engine(f"sqlite:///{path}")

    @event.listens_for(full, "connect")
    def _no_room(dbapi_connection, _record) -> None:  # noqa: ANN001
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    api.engine, api.client = full, TestClient(create_app(full))
    replies = [_repay(api, borrower_id) for _ in range(30)]  # until a page must be added
    statuses = {r.status_code for r in replies}
    assert 503 in statuses and statuses <= {201, 503}, [r.text for r in replies if r.status_code not in (201, 503)]
    refused = next(r for r in replies if r.status_code == 503)
    assert error_of(refused)["code"] == "database_full" and int(refused.headers["retry-after"]) > 0
    full.dispose()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _client_with_token(engine) -> TestClient:
    return TestClient(create_app(engine), headers={"Authorization": "Bearer any-token"})


def test_an_unreachable_postgresql_is_503_with_retry_after():
    engine = make_engine(f"postgresql://postgres@127.0.0.1:{_closed_port()}/loanbook")
    try:
        reply = _client_with_token(engine).get("/v1/business-date")
        assert reply.status_code == 503
        error = error_of(reply)
        assert error["code"] == "database_unavailable" and "cannot be reached" in error["message"]
        assert int(reply.headers["retry-after"]) > 0
        assert "127.0.0.1" not in reply.text and "postgres" not in reply.text
    finally:
        engine.dispose()


def test_a_missing_sqlite_database_is_a_clear_503(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'loanbook.sqlite3'}")
    reply = _client_with_token(engine).get("/v1/business-date")
    assert reply.status_code == 503 and error_of(reply)["code"] == "database_missing"
    assert "loanbook init" in error_of(reply)["message"] and str(tmp_path) not in reply.text


@pytest.fixture
def uninitialised_engine(request, tmp_path):
    """An empty database: a SQLite file, or a PostgreSQL database of its own (per run)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
        yield engine
        engine.dispose()
        return
    name = f"loanbook_empty_{uuid.uuid4().hex[:12]}"
    admin = create_engine(psycopg_url(POSTGRES_URL), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - not reachable: as the other PostgreSQL tests
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable: {type(exc).__name__}")
    engine = make_engine(psycopg_url(POSTGRES_URL.rsplit("/", 1)[0] + "/" + name))
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.parametrize("uninitialised_engine", ["sqlite", "postgresql"], indirect=True)
def test_an_uninitialised_database_says_run_loanbook_init(uninitialised_engine):
    reply = _client_with_token(uninitialised_engine).get("/v1/business-date")
    assert reply.status_code == 503
    error = error_of(reply)
    assert error["code"] == "database_not_initialised" and "loanbook init" in error["message"]
    assert "retry-after" not in reply.headers  # it does not recover by waiting


def test_the_app_from_the_environment_never_makes_a_missing_sqlite_file(tmp_path, monkeypatch):
    """A mistyped path answers 503 and is not left behind as an empty file."""
    missing = tmp_path / "mistyped.sqlite3"
    monkeypatch.setenv("LOANBOOK_DATABASE_URL", f"sqlite:///{missing}")
    app = create_app_from_environment()
    reply = TestClient(app, headers={"Authorization": "Bearer any-token"}).get("/v1/business-date")
    assert reply.status_code == 503 and error_of(reply)["code"] == "database_missing"
    assert not missing.exists()
    app.state.engine.dispose()

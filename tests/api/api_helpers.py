"""What the API tests share besides their fixtures (conftest.py): a client with a token
per role, a fresh Idempotency-Key, the app under a real server. A module of its own, not
conftest: tests import these by name, and a `conftest` imported by name is whichever
folder's conftest came first when several folders run together."""

from __future__ import annotations

import socket
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import uvicorn
from sqlalchemy import Engine

from loanbook.api.app import create_app
from loanbook.service.close_of_business import close_until
from loanbook.service.users import add_user, authenticate
from loanbook.store.unit_of_work import UnitOfWork

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
from fastapi.testclient import TestClient  # noqa: E402 - after the warning filter

FIRST_DAY = date(2026, 1, 15)  # W1's disbursement day
SERVER_START_SECONDS = 60  # a bound, not a wait: a loaded 2-core machine starts slowly


def new_key() -> str:
    return str(uuid.uuid4())


@dataclass
class Api:
    """A TestClient with a token per role and a few steps that tests share."""

    client: TestClient
    engine: Engine
    tokens: dict[str, str] = field(default_factory=dict)
    phones_given: int = 0

    def auth(self, role: str = "admin", key: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    def get(self, path: str, role: str = "admin", **kwargs):
        return self.client.get(path, headers=self.auth(role), **kwargs)

    def post(self, path: str, body: object = None, role: str = "admin", key: str | None = "new"):
        """POST with a fresh Idempotency-Key unless ``key`` is given (None: no header)."""
        return self.client.post(path, json=body, headers=self.auth(role, new_key() if key == "new" else key))

    def borrower(self, credit_limit: str = "50000.00", name: str = "Li Lei", phone: str | None = None) -> int:
        """A new borrower; each with a phone of its own unless ``phone`` is given (one
        phone, one borrower)."""
        self.phones_given += 1
        phone = phone or f"+86 138 {self.phones_given:04d} 8000"
        reply = self.post("/v1/borrowers", {"name": name, "phone": phone, "credit_limit": credit_limit})
        assert reply.status_code == 201, reply.text
        return reply.json()["id"]

    def loan(self, borrower_id: int, principal: str = "10000.00", terms: int = 6, product: str = "FLEX6") -> dict:
        reply = self.post(f"/v1/borrowers/{borrower_id}/loans", {"product": product, "principal": principal, "terms": terms})
        assert reply.status_code == 201, reply.text
        return reply.json()

    def borrower_token(self, borrower_id: int) -> str:
        role = f"borrower:{borrower_id}"
        with UnitOfWork(self.engine) as uow:
            _, self.tokens[role] = add_user(uow, name=f"borrower {borrower_id}", role="borrower", borrower_id=borrower_id)
        return role

    def user_id(self, role: str = "admin") -> int:
        with UnitOfWork(self.engine) as uow:
            return authenticate(uow, self.tokens[role]).user_id

    def close_until(self, day: date) -> None:
        close_until(self.engine, day)


def make_api(engine: Engine, *, raise_server_exceptions: bool = True) -> Api:
    api = Api(TestClient(create_app(engine), raise_server_exceptions=raise_server_exceptions), engine)
    with UnitOfWork(engine) as uow:
        for role in ("admin", "operator", "reviewer"):
            _, api.tokens[role] = add_user(uow, name=f"{role} of the tests", role=role)
    return api



@contextmanager
def live_server(engine: Engine, **app_options: object) -> Iterator[str]:
    """The app (``create_app(engine, **app_options)``) under uvicorn on 127.0.0.1, a port
    the system picks; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # so asyncio sets TCP_NODELAY
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(engine, **app_options), log_level="warning", lifespan="off", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_SECONDS
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(SERVER_START_SECONDS)
        sock.close()

"""Which PostgreSQL the store and API tests use, and what to do when it is not there.

PostgreSQL is tested whenever it is reachable at LOANBOOK_TEST_POSTGRES_URL (default the
local server); CI sets LOANBOOK_REQUIRE_POSTGRES=1 so that an unreachable server fails
the run instead of skipping its half of the tests."""

from __future__ import annotations

import os

import pytest

POSTGRES_URL = os.environ.get("LOANBOOK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("LOANBOOK_REQUIRE_POSTGRES") == "1"


def psycopg_url(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1]


def postgres_missing(why: str, *, what: str) -> None:
    """Fail (CI) or skip with the reason, naming the tests that ran on SQLite only."""
    message = f"PostgreSQL not reachable at {POSTGRES_URL} ({why})"
    if REQUIRE_POSTGRES:
        pytest.fail(f"{message}, and LOANBOOK_REQUIRE_POSTGRES=1")
    pytest.skip(f"{message}: the {what} tests ran on SQLite only")

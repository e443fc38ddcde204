"""Shared test helpers: a tiny parser so tests read like the domain (``A("130.00")``)."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LOANBOOK_SHARED", ROOT.parent / "shared"))


def A(text: str) -> Decimal:  # noqa: N802 - reads like an amount in the tests
    return Decimal(text)


def D(text: str) -> date:  # noqa: N802
    return date.fromisoformat(text)


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"no shared folder at {SHARED} (set LOANBOOK_SHARED)")
    return SHARED

"""Fixtures for every test. Helpers live in modules: words.py (A, D), paths.py, builders.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from paths import SHARED


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"no shared folder at {SHARED} (set LOANBOOK_SHARED)")
    return SHARED

"""A fresh database per test, on SQLite and PostgreSQL (the store suite's fixtures)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("store_conftest", Path(__file__).parent.parent / "store" / "conftest.py")
_store = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_store)

backend = _store.backend
engine = _store.engine

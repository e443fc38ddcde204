"""A tiny parser so tests read like the domain: ``A("130.00")``, ``D("2026-02-10")``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal


def A(text: str) -> Decimal:  # noqa: N802 - reads like an amount in the tests
    return Decimal(text)


def D(text: str) -> date:  # noqa: N802
    return date.fromisoformat(text)

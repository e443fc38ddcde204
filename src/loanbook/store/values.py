"""Rows into values: what a repository hands out of ``store/`` (issue 10, item 4: no ORM
row leaves the store). Each concept's frozen value sits in its own store module, beside
the reads that make it (``store/plan_requests.py``, ``store/coupons.py``,
``store/collections.py`` ...): the store builds them and the services and edges import
them, and the store may not import from ``service/`` (the layers point one way)."""

from __future__ import annotations

from typing import Any, TypeVar

V = TypeVar("V")


def value_of(kind: type[V], row: Any) -> V:  # noqa: ANN401 - an ORM row or a SQLAlchemy Row
    """The frozen dataclass ``kind`` made from the attributes of ``row`` of the same names."""
    return kind(*(getattr(row, name) for name in kind.__match_args__))  # type: ignore[attr-defined]


def values_of(kind: type[V], rows: Any) -> list[V]:  # noqa: ANN401 - an iterable of rows
    return [value_of(kind, row) for row in rows]

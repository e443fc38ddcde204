"""Comparing a checkpoint with a scenario's ``expect`` (SCENARIOS.md).

Values are compared as written: an amount as a decimal ("0.39" equals "0.390"), a date
as ISO text, dpd as a whole number, null as null. A schedule is compared period by
period on the fields the file gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from loanbook.money import format_amount
from loanbook.rules.position import Position
from loanbook.views import loan_view


@dataclass(frozen=True, slots=True)
class Failure:
    checkpoint: date
    loan: str | None
    field: str
    expected: object
    actual: object


def _written(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
        return str(value)
    return value


def same(expected: object, actual: object) -> bool:
    expected = _written(expected)
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(same(e, a) for e, a in zip(expected, actual))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return all(key in actual and same(value, actual[key]) for key, value in expected.items())
    if isinstance(expected, str) and isinstance(actual, (str, int)):
        try:
            return Decimal(expected) == Decimal(str(actual))
        except InvalidOperation:
            return expected == str(actual)
    return False


def compare_checkpoint(checkpoint: Position, expected: dict[str, object]) -> list[Failure]:
    failures = []
    on = checkpoint.on
    for name, want in expected.items():
        if name == "credit_balance":
            actual = format_amount(checkpoint.credit_balance)
            if not same(want, actual):
                failures.append(Failure(on, None, "credit_balance", _written(want), actual))
            continue
        loan = checkpoint.loan(name)
        if loan is None:
            failures.append(Failure(on, name, "(loan)", "exists", "not disbursed yet"))
            continue
        view = loan_view(loan)
        for field_name, value in want.items():  # type: ignore[union-attr]
            if not same(value, view[field_name]):
                failures.append(Failure(on, name, field_name, _written(value), view[field_name]))
    return failures

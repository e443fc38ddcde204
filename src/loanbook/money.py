"""Money as exact decimals (R3).

One place makes amounts: :func:`parse_amount` for text from people and files,
:func:`from_fen` / :func:`to_fen` at the storage edge, :func:`round_fen` where R3 says an
amount becomes payable. No float ever reaches a ``Decimal`` constructor here.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from loanbook.errors import BadInput

ZERO = Decimal("0.00")
FEN = Decimal("0.01")
ONE = Decimal(1)
AMOUNT_MAX = Decimal("100000000.00")  # one hundred million yuan: above any consumer loan


def round_fen(amount: Decimal) -> Decimal:
    """Round half-up to the fen: R3, applied only where an amount becomes payable."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def parse_amount(text: object, *, what: str = "amount", allow_zero: bool = False) -> Decimal:
    """Parse an amount written by a person: a decimal with at most 2 places, never a float.

    Raises :class:`BadInput` naming ``what`` and the value when it is not a positive
    amount of yuan with at most two decimals.
    """
    if isinstance(text, bool) or isinstance(text, float):
        raise BadInput(f"{what} must be written as a string like \"130.00\", not {text!r}")
    if isinstance(text, Decimal):
        value = text
    elif isinstance(text, int):
        value = Decimal(text)
    elif isinstance(text, str):
        try:
            value = Decimal(text.strip().replace(",", ""))
        except InvalidOperation:
            raise BadInput(f"{what} {text!r} is not a number") from None
    else:
        raise BadInput(f"{what} must be an amount like \"130.00\", got {text!r}")
    check_amount_shape(value, what=what, shown=text)
    if value != value.quantize(FEN, rounding=ROUND_HALF_UP):
        raise BadInput(f"{what} {text!r} has more than 2 decimal places (fen is the smallest unit)")
    if value < 0 or (value == 0 and not allow_zero):
        bound = "zero or more" if allow_zero else "more than zero"
        raise BadInput(f"{what} must be {bound}, got {text!r}")
    return value.quantize(FEN)


def check_amount_shape(value: Decimal, *, what: str, shown: object = None) -> None:
    """Finite and within what loanbook takes; checked before any quantize, which would
    raise on a huge exponent."""
    shown = value if shown is None else shown
    if not value.is_finite():
        raise BadInput(f"{what} {shown!r} is not a finite amount")
    if abs(value) > AMOUNT_MAX:
        raise BadInput(f"{what} {shown!r} is above the largest amount loanbook takes ({AMOUNT_MAX})")


def to_fen(amount: Decimal) -> int:
    """Whole fen for storage; refuses an amount that is not already exact to the fen."""
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of fen")
    return int(fen)


def from_fen(amount_fen: int) -> Decimal:
    return (Decimal(amount_fen) / 100).quantize(FEN)


def format_amount(amount: Decimal) -> str:
    """Two decimals, no grouping: the form every file and JSON output uses."""
    return str(amount.quantize(FEN, rounding=ROUND_HALF_UP))


def format_percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).quantize(FEN, rounding=ROUND_HALF_UP)}%"

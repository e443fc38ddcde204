"""Money as exact decimals (R3).

One place makes amounts: :func:`parse_amount` for text from people and files (one
strict grammar at every edge: API, CLI, product and scenario files),
:func:`from_fen` / :func:`to_fen` at the storage edge, :func:`round_fen` where R3 says an
amount becomes payable. No float ever reaches a ``Decimal`` constructor here.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from loanbook.errors import BadInput, InvariantBroken

ZERO = Decimal("0.00")
FEN = Decimal("0.01")
ONE = Decimal(1)
AMOUNT_MAX = Decimal("100000000.00")  # one hundred million yuan: above any consumer loan


def round_fen(amount: Decimal) -> Decimal:
    """Round half-up to the fen: R3, applied only where an amount becomes payable."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


# The one grammar of an amount written at an edge (API, CLI, product and scenario files):
# ASCII digits, then at most two decimals after a ".", and a leading "-" only where the
# caller says a negative is meaningful. Nothing else: no grouping commas ("1,5" was read
# as 15.00), no full-width or other Unicode digits, no "_", no exponent, no spaces, no "+".
# ``[0-9]`` (not ``\d``, which matches every Unicode digit) and ``fullmatch`` (``$`` would
# let a trailing newline through).
AMOUNT_GRAMMAR = re.compile(r"-?[0-9]+(?:\.[0-9]{1,2})?")
AMOUNT_EXAMPLE = '"130.00"'
_TOO_PRECISE = re.compile(r"-?[0-9]+\.[0-9]{3,}")  # in the grammar but for its decimals: said so


def parse_amount(text: object, *, what: str = "amount", allow_zero: bool = False,
                 allow_negative: bool = False) -> Decimal:
    """Parse an amount written by a person: the grammar above, never a float (R3).

    A JSON or YAML integer is taken as its digits; a ``Decimal`` (a JSON number or a YAML
    float, read from its written digits) must print in the grammar. Raises
    :class:`BadInput` naming ``what`` when the text is not such an amount, or is zero
    (unless ``allow_zero``) or negative (unless ``allow_negative``).
    """
    if isinstance(text, bool) or isinstance(text, float):
        raise BadInput(f"{what} must be written as a string like {AMOUNT_EXAMPLE}, not {text!r}")
    if isinstance(text, int):
        written = str(text)
    elif isinstance(text, Decimal):
        written = str(text) if text.is_finite() else repr(str(text))
    elif isinstance(text, str):
        written = text
    else:
        raise BadInput(f"{what} must be an amount like {AMOUNT_EXAMPLE}, got {_shown(text)}")
    if AMOUNT_GRAMMAR.fullmatch(written) is None:
        if _TOO_PRECISE.fullmatch(written) is not None:
            raise BadInput(f"{what} {_shown(text)} has more than 2 decimal places (fen is the smallest unit)")
        raise BadInput(f"{what} {_shown(text)} is not an amount: write ASCII digits with at most 2 decimals "
                       f"after a '.', like {AMOUNT_EXAMPLE}, without commas, spaces or other signs")
    value = Decimal(written)
    check_amount_shape(value, what=what, shown=_shown(text))
    if (value < 0 and not allow_negative) or (value == 0 and not allow_zero):
        bound = "more than zero" if not allow_zero else "zero or more"
        if allow_negative:
            bound = "other than zero"
        raise BadInput(f"{what} must be {bound}, got {_shown(text)}")
    return value.quantize(FEN) if value else ZERO


def _shown(text: object) -> str:
    """The input quoted for a message: printable, at most 40 characters (a lone surrogate
    or a megabyte of digits is not echoed as is)."""
    shown = repr(text) if isinstance(text, str) else repr(str(text))
    return shown if len(shown) <= 42 else shown[:40] + "...'"


def check_amount_shape(value: Decimal, *, what: str, shown: object = None) -> None:
    """Finite and within what loanbook takes; checked before any quantize, which would
    raise on a huge exponent."""
    shown = repr(value) if shown is None else shown
    if not value.is_finite():
        raise BadInput(f"{what} {shown} is not a finite amount")
    if abs(value) > AMOUNT_MAX:
        raise BadInput(f"{what} {shown} is above the largest amount loanbook takes ({AMOUNT_MAX})")


def to_fen(amount: Decimal) -> int:
    """Whole fen for storage; refuses an amount that is not already exact to the fen (the
    one conversion: never ``int(x * 100)``, which truncates). Amounts from people are
    parsed to whole fen first, so one that is not here is a defect."""
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise InvariantBroken(f"{amount} is not a whole number of fen")
    return int(fen)


def from_fen(amount_fen: int) -> Decimal:
    return (Decimal(amount_fen) / 100).quantize(FEN)


def format_amount(amount: Decimal) -> str:
    """Two decimals, no grouping: the form every file and JSON output uses."""
    return str(amount.quantize(FEN, rounding=ROUND_HALF_UP))


def format_percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).quantize(FEN, rounding=ROUND_HALF_UP)}%"

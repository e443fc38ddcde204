"""R3 rounding and money: exact decimals, half-up to the fen, only where payable."""

from __future__ import annotations

import pytest

from words import A
from loanbook.errors import BadInput, InvariantBroken
from loanbook.money import format_amount, from_fen, parse_amount, round_fen, to_fen


@pytest.mark.parametrize(
    ("exact", "rounded"),
    [("0.005", "0.01"), ("0.0049", "0.00"), ("0.4875", "0.49"), ("3.125", "3.13"), ("0.39702", "0.40"), ("-0.005", "-0.01")],
)
def test_r3_round_half_up_to_the_fen(exact, rounded):
    assert round_fen(A(exact)) == A(rounded)


def test_r3_amounts_parse_exactly_and_refuse_floats_and_third_decimals():
    with pytest.raises(BadInput, match="is not an amount"):
        parse_amount("10,000.00")  # no grouping commas: "1,5" was once read as 15.00
    assert parse_amount("130") == A("130.00")
    with pytest.raises(BadInput, match="more than 2 decimal places"):
        parse_amount("130.001")
    with pytest.raises(BadInput, match="string"):
        parse_amount(130.0)
    with pytest.raises(BadInput, match="more than zero"):
        parse_amount("0")
    with pytest.raises(BadInput, match="is not an amount"):
        parse_amount("abc")


def test_r3_storage_is_whole_fen_both_ways():
    assert to_fen(A("10150.39")) == 1015039
    assert from_fen(1015039) == A("10150.39")
    assert format_amount(from_fen(5)) == "0.05"
    with pytest.raises(InvariantBroken):  # a defect: amounts are whole fen before storage
        to_fen(A("0.001"))

"""One strict grammar for money at every edge (issue 6 item 1): ASCII digits, at most two
decimals after a ".", a leading "-" only where the caller allows a negative; nothing else."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loanbook.config.exact_yaml import parse_exact_yaml
from loanbook.config.products import products_from_document
from loanbook.errors import BadInput
from loanbook.money import format_amount, parse_amount
from loanbook.scenario.model import parse_scenario

# The grammar written out again, independently of money.py, for the property below.
GRAMMAR = re.compile(r"-?[0-9]+(\.[0-9]{1,2})?", re.ASCII)


@pytest.mark.parametrize(
    ("text", "was_read_as"),
    [
        ("1,5", "15.00"), ("12,34", "1234.00"), ("1,00", "100.00"),  # commas dropped anywhere
        ("１２３", "123.00"), ("٣.٠٠", "3.00"),  # full-width and Arabic-Indic digits
        ("1_000.00", "1000.00"), ("1e2", "100.00"),  # Python's underscores and exponents
    ],
)
def test_each_finding_of_the_review_is_refused(text, was_read_as):
    with pytest.raises(BadInput, match="is not an amount") as refused:
        parse_amount(text, what="amount")
    assert refused.value.args[0].startswith("amount ")  # the field is named
    assert was_read_as  # what the loose parser made of it, for the record


@pytest.mark.parametrize(
    "text",
    [" 130.00", "130.00 ", "13 0.00", "+130.00", "130.", ".50", "130.001", "1.2.3", "", "-", "0x10", "1E2",
     "130.00\n", "\t1", "NaN", "Infinity", "١٢", "𝟏𝟐", "12\u00a0000", "1'000", "12.5e0", "-1.00"],
)
def test_anything_outside_the_grammar_is_refused(text):
    with pytest.raises(BadInput):
        parse_amount(text)


@pytest.mark.parametrize(("text", "value"), [("130", "130.00"), ("130.1", "130.10"), ("0.01", "0.01"),
                                             ("007.50", "7.50"), ("100000000.00", "100000000.00")])
def test_the_grammar_reads_plain_amounts(text, value):
    assert parse_amount(text) == Decimal(value)


def test_a_negative_only_where_it_is_meaningful():
    with pytest.raises(BadInput, match="more than zero"):
        parse_amount("-5.00")
    assert parse_amount("-5.00", allow_negative=True) == Decimal("-5.00")
    assert parse_amount("0", allow_zero=True) == Decimal("0.00")


def test_numbers_from_json_and_yaml_are_taken_from_their_digits_in_the_grammar():
    assert parse_amount(130) == Decimal("130.00")
    assert parse_amount(Decimal("130.10")) == Decimal("130.10")
    for loose in (Decimal("1E+2"), Decimal("NaN"), 130.0, True):
        with pytest.raises(BadInput):
            parse_amount(loose)


def test_a_refusal_never_echoes_a_huge_input():
    with pytest.raises(BadInput) as refused:
        parse_amount("9" * 10_000)
    assert len(str(refused.value)) < 300


@settings(max_examples=1500, deadline=None)
@given(st.text(max_size=16) | st.from_regex(GRAMMAR, fullmatch=True))
def test_what_is_accepted_is_exactly_the_grammar_and_round_trips(text):
    """Random Unicode (and random members of the grammar): accepted if and only if it is
    in the grammar (and not above the largest amount), and then the value printed again
    reads back as the very same value."""
    try:
        value = parse_amount(text, allow_zero=True, allow_negative=True)
    except BadInput:
        assert GRAMMAR.fullmatch(text) is None or abs(Decimal(text)) > Decimal("100000000")
        return
    assert GRAMMAR.fullmatch(text) is not None
    assert value == Decimal(text)
    assert parse_amount(format_amount(value), allow_zero=True, allow_negative=True) == value
    printed = format_amount(value)
    assert GRAMMAR.fullmatch(printed) is not None and printed != "-0.00"  # "-0" is plain zero


def test_product_files_read_money_in_the_grammar():
    with pytest.raises(BadInput, match="max_principal '1,000.00' is not an amount"):
        products_from_document({"code": "P1", "base": "FLEX6", "max_principal": "1,000.00"}, source="p.toml")
    product, = products_from_document({"code": "P1", "base": "FLEX6", "max_principal": "5000.50"}, source="p.toml")
    assert product.max_principal == Decimal("5000.50")


def test_yaml_numbers_with_underscores_are_refused_not_read_loosely():
    with pytest.raises(BadInput, match="without '_'"):
        parse_exact_yaml("repay: 1_000.00\n", source="s.yaml")


def test_scenario_files_read_money_in_the_grammar(tmp_path: Path):
    document = {"loans": [{"id": "A", "principal": "10000.00", "terms": 6, "disbursed_on": "2026-01-15"}],
                "events": [{"date": "2026-02-10", "repay": "12,34"}], "checkpoints": ["2026-02-11"]}
    with pytest.raises(BadInput, match="repay amount '12,34' is not an amount"):
        parse_scenario(document, tmp_path / "s.yaml")


@pytest.mark.parametrize(("written", "was_read_as"), [("010", 8), ("0x10", 16), ("1:30", 90), ("1_000", 1000), ("0b11", 3)])
def test_yaml_whole_numbers_only_in_plain_decimal_digits(written, was_read_as):
    """YAML 1.1 would silently read these as other numbers: `repay: 010` as 8.00."""
    with pytest.raises(BadInput, match="plain decimal digits"):
        parse_exact_yaml(f"repay: {written}\n", source="s.yaml")
    assert parse_exact_yaml("repay: 130\nterms: -1\n", source="s.yaml") == {"repay": 130, "terms": -1}
    assert was_read_as  # what YAML 1.1 makes of it, for the record

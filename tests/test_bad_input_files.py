"""Bad product files (R1) and bad scenario files (SCENARIOS.md) get a clear message.

A product file's message names the file, the product and the field with its value; a
scenario file's message names the file, the event (number and day) and the reason. Both
are :class:`BadInput` (a scenario's is the subclass :class:`ScenarioFileError`), never a
bare Python error. A rule refusal inside a scenario is refused the same way unless the
event says ``expect_error``, in which case the story goes on and a mismatch is a Failure.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from loanbook.config.products import load_product_file, products_from_document
from loanbook.errors import BadInput
from loanbook.rules.products import RepaymentMethod
from loanbook.scenario.model import ScenarioFileError, load_scenario
from loanbook.scenario.runner import play


def case_id(fragments) -> str:
    """A readable test id from the first expected fragment of a case."""
    text = fragments if isinstance(fragments, str) else fragments[0]
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:60]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# =========================================================================================
# Product files (R1)
# =========================================================================================

# One product from the FLEX6 preset, as a lender would write it, in each format.
GOOD = {
    "toml": 'code = "FLEX12"\nbase = "FLEX6"\nterms = [1, 12]\n',
    "yaml": "code: FLEX12\nbase: FLEX6\nterms: [1, 12]\n",
}

# (field, value as written in TOML, value as written in YAML, what the message must say)
BAD_FIELDS = [
    ("daily_rate", '"0.02"', '"0.02"', "daily_rate '0.02' must be from 0 to 0.01"),
    ("daily_rate", "0.011", "0.011", "daily_rate '0.011' must be from 0 to 0.01"),
    ("daily_rate", '"-0.0001"', '"-0.0001"', "daily_rate '-0.0001' must be from 0 to 0.01"),
    ("daily_rate", '"abc"', "abc", "daily_rate 'abc' must be a decimal number"),
    ("daily_rate", "true", "true", "daily_rate True must be a decimal number"),
    ("penalty_multiplier", '"0.9"', '"0.9"', "penalty_multiplier '0.9' must be from 1 to 5"),
    ("penalty_multiplier", "0.5", "0.5", "penalty is never below the normal rate"),
    ("due_day", "0", "0", "due_day 0 must be a day of the month from 1 to 28"),
    ("due_day", "31", "31", "due_day 31 must be a day of the month from 1 to 28"),
    ("due_day", '"10"', '"10"', "due_day '10' must be a whole number"),
    ("grace_days", "-1", "-1", "grace_days -1 must be from 0 to 30"),
    ("grace_days", "3.5", "3.5", "grace_days Decimal('3.5') must be a whole number"),
    ("early_settlement_fee_rate", '"0.25"', '"0.25"', "early_settlement_fee_rate '0.25' must be from 0 to 0.20"),
    ("settlement_after_days", "0", "0", "R8: never on the disbursement day itself"),
    ("min_principal", '"0.001"', '"0.001"', "min_principal '0.001' has more than 2 decimal places"),
    ("repayment_method", '"balloon"', "balloon", "repayment_method 'balloon' must be one of interest_first, equal_principal, equal_installment"),
    ("dialy_rate", '"0.0005"', '"0.0005"', "unknown field(s) dialy_rate; known fields:"),
    ("base", '"FLEX7"', "FLEX7", "base 'FLEX7' is not a preset (FLEX6, TERM6)"),
    ("terms", "[6, 1]", "[6, 1]", "max_terms 1 must be from min_terms (6) to 120"),
    ("terms", "[1, 121]", "[1, 121]", "max_terms 121 must be from min_terms (1) to 120"),
    ("terms", "[1, 6, 12]", "[1, 6, 12]", "terms must be [min, max], like [1, 6]"),
]


def _with(fmt: str, field: str, value: str) -> str:
    lines = [line for line in GOOD[fmt].splitlines() if not line.startswith(field)]
    sep = " = " if fmt == "toml" else ": "
    return "\n".join(lines + [f"{field}{sep}{value}"]) + "\n"


@pytest.mark.parametrize("fmt", ["toml", "yaml"])
def test_r1_the_good_product_file_loads(tmp_path, fmt):
    (product,) = load_product_file(write(tmp_path, f"good.{fmt}", GOOD[fmt]))
    assert product.code == "FLEX12"
    assert (product.min_terms, product.max_terms) == (1, 12)
    assert product.daily_rate == Decimal("0.0005")
    assert product.repayment_method is RepaymentMethod.INTEREST_FIRST


@pytest.mark.parametrize("fmt", ["toml", "yaml"])
@pytest.mark.parametrize(("field", "toml_value", "yaml_value", "fragment"), BAD_FIELDS, ids=[case_id(c[3]) for c in BAD_FIELDS])
def test_r1_every_bad_parameter_is_named_with_file_product_and_value(tmp_path, fmt, field, toml_value, yaml_value, fragment):
    path = write(tmp_path, f"lender.{fmt}", _with(fmt, field, toml_value if fmt == "toml" else yaml_value))
    with pytest.raises(BadInput) as refused:
        load_product_file(path)
    message = str(refused.value)
    assert str(path) in message
    assert fragment in message
    assert "product FLEX12" in message


@pytest.mark.parametrize(
    ("name", "text", "fragment"),
    [
        ("lender.toml", 'code = "FLEX12"\nbase = "FLEX6"\ndaily_rate = nan\n', "product FLEX12: daily_rate Decimal('NaN') must be a decimal number"),
        ("lender.toml", 'code = "FLEX12"\nbase = "FLEX6"\ndaily_rate = "NaN"\n', "product FLEX12: daily_rate 'NaN' must be a decimal number"),
        ("lender.toml", 'code = "FLEX12"\nbase = "FLEX6"\ndaily_rate = inf\n', "product FLEX12: daily_rate Decimal('Infinity') must be a decimal number"),
        ("lender.yaml", "code: FLEX12\nbase: FLEX6\ndaily_rate: .nan\n", "'.nan' is not a number loanbook accepts"),
        ("lender.yaml", "code: FLEX12\nbase: FLEX6\ndaily_rate: .inf\n", "'.inf' is not a number loanbook accepts"),
    ],
)
def test_r1_daily_rate_that_is_not_a_finite_number_is_refused(tmp_path, name, text, fragment):
    path = write(tmp_path, name, text)
    with pytest.raises(BadInput) as refused:
        load_product_file(path)
    assert str(path) in str(refused.value)
    assert fragment in str(refused.value)


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        ("toml", 'code = "FLEX12"\nbase = "FLEX6"\nmin_terms = 7\n'),
        ("yaml", "code: FLEX12\nbase: FLEX6\nmin_terms: 7\n"),
    ],
)
def test_r1_min_terms_above_max_terms_is_refused(tmp_path, fmt, text):
    path = write(tmp_path, f"lender.{fmt}", text)
    with pytest.raises(BadInput, match=r"product FLEX12: max_terms 6 must be from min_terms \(7\)"):
        load_product_file(path)


@pytest.mark.parametrize(
    ("code_toml", "code_yaml", "fragment"),
    [
        ('"flex12"', "flex12", "product code 'flex12' must be 1-32 capital letters"),
        ('"12FLEX"', "'12FLEX'", "product code '12FLEX' must be 1-32 capital letters"),
        ('"FLEX 12"', "FLEX 12", "product code 'FLEX 12'"),
        ('""', "''", "product code ''"),
        ("12", "12", "product code 12 must be text"),
    ],
)
@pytest.mark.parametrize("fmt", ["toml", "yaml"])
def test_r1_bad_product_code_is_refused(tmp_path, fmt, code_toml, code_yaml, fragment):
    path = write(tmp_path, f"lender.{fmt}", _with(fmt, "code", code_toml if fmt == "toml" else code_yaml))
    with pytest.raises(BadInput) as refused:
        load_product_file(path)
    assert str(path) in str(refused.value)
    assert fragment in str(refused.value)


@pytest.mark.parametrize(
    ("fmt", "text"),
    [("toml", 'code = "MY1"\ndaily_rate = "0.0005"\n'), ("yaml", "code: MY1\ndaily_rate: '0.0005'\n")],
)
def test_r1_missing_fields_without_a_base_are_listed(tmp_path, fmt, text):
    path = write(tmp_path, f"lender.{fmt}", text)
    with pytest.raises(BadInput) as refused:
        load_product_file(path)
    message = str(refused.value)
    assert f"{path}: product MY1: missing field(s) " in message
    for field in ("due_day", "early_settlement_fee_rate", "grace_days", "max_terms", "min_terms",
                  "penalty_multiplier", "repayment_method"):
        assert field in message
    assert "daily_rate" not in message.split("missing field(s)")[1]


@pytest.mark.parametrize(
    ("fmt", "text"),
    [("toml", 'name = "no code"\nbase = "FLEX6"\n'), ("yaml", "name: no code\nbase: FLEX6\n")],
)
def test_r1_product_without_a_code_is_refused(tmp_path, fmt, text):
    path = write(tmp_path, f"lender.{fmt}", text)
    with pytest.raises(BadInput, match="every product needs a code"):
        load_product_file(path)


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        ("toml", '[[products]]\ncode = "P1"\nbase = "FLEX6"\n\n[[products]]\ncode = "P1"\nbase = "TERM6"\n'),
        ("yaml", "products:\n  - {code: P1, base: FLEX6}\n  - {code: P1, base: TERM6}\n"),
    ],
)
def test_r1_duplicate_product_codes_are_refused(tmp_path, fmt, text):
    path = write(tmp_path, f"lender.{fmt}", text)
    with pytest.raises(BadInput) as refused:
        load_product_file(path)
    assert f"{path}: product code(s) P1 appear more than once" in str(refused.value)


@pytest.mark.parametrize(
    ("name", "text", "fragments"),
    [
        ("broken.toml", 'code = "P1\nbase = "FLEX6"\n', ["not valid TOML"]),
        ("broken.toml", 'code = "P1"\ncode = "P2"\n', ["not valid TOML"]),
        ("broken.yaml", "code: P1\n  base: [FLEX6\n", ["not valid YAML", "line"]),
        ("broken.yaml", "code: P1\nbase: FLEX6\ncode: P2\n", ["not valid YAML", "the key 'code' appears more than once", "line 3"]),
        ("broken.yaml", "code: P1\nbase: FLEX6\nname: 2026-13-01\n", ["not valid YAML", "'2026-13-01' is not a real calendar date", "line 3"]),
    ],
)
def test_r1_bad_syntax_is_named_with_the_file(tmp_path, name, text, fragments):
    path = write(tmp_path, name, text)
    with pytest.raises(BadInput) as refused:
        load_product_file(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: ")
    for fragment in fragments:
        assert fragment in message
    if name.endswith(".yaml"):
        assert f'in "{path}"' in message  # the YAML mark names the file, not "<unicode string>"


def test_r1_missing_product_file_is_named(tmp_path):
    path = tmp_path / "nowhere.toml"
    with pytest.raises(BadInput, match="nowhere.toml: no such file"):
        load_product_file(path)


@pytest.mark.parametrize("name", ["lender.json", "lender.txt", "lender"])
def test_r1_wrong_file_extension_is_refused(tmp_path, name):
    path = write(tmp_path, name, GOOD["toml"])
    with pytest.raises(BadInput) as refused:
        load_product_file(path)
    assert f"{path}: unknown file type" in str(refused.value)
    assert "use .toml, .yaml or .yml" in str(refused.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("code: P1\nbase: FLEX6\non: 2026-01-01\n", "unknown field(s) True (a bare on/off/yes/no key"),
        ("code: P1\nbase: FLEX6\n1: x\n", "unknown field(s) 1;"),
        ("code: P1\nbase: [FLEX6]\n", "base ['FLEX6'] is not a preset"),
        ("code: P1\nbase: FLEX6\nname: [a]\n", "name must be text"),
        ("code: P1\nbase: FLEX6\nrepayment_method: [a]\n", "repayment_method ['a'] must be one of"),
        ("products: {P1: x}\n", "'products' must be a non-empty list of products"),
        ("products: []\n", "'products' must be a non-empty list of products"),
        ("products: [{code: P1, base: FLEX6}]\nversion: 2\n", "unknown top-level key(s) version beside 'products'"),
        ("products: [{code: P1, base: FLEX6}]\nyes: 2\n", "unknown top-level key(s) True"),
        ("- code: P1\n", "expected a product (a mapping with 'code') or 'products: [...]'"),
        ("products: [FLEX6]\n", "a product must be a mapping of fields, got str"),
        ("", "expected a product"),
    ],
)
def test_r1_odd_yaml_shapes_get_a_message_not_a_crash(tmp_path, text, fragment):
    path = write(tmp_path, "lender.yaml", text)
    with pytest.raises(BadInput) as refused:
        load_product_file(path)
    assert str(path) in str(refused.value)
    assert fragment in str(refused.value)


def test_r1_products_from_document_refuses_binary_floats():
    """A float is refused: it cannot hold 0.0005 exactly (R3); the readers give Decimals."""
    with pytest.raises(BadInput, match=r"api: product P1: daily_rate 0.0005 must be a decimal number"):
        products_from_document({"code": "P1", "base": "FLEX6", "daily_rate": 0.0005}, source="api")


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        (["P1"], "api: expected a product"),
        ({"products": "P1"}, "api: 'products' must be a non-empty list"),
        ({"code": "P1", "base": "FLEX6", "due_day": True}, "api: product P1: due_day True must be a whole number"),
        ({"code": "P1", "base": "FLEX6", "min_principal": "1e30"}, "min_principal '1e30' is not an amount"),
        ({"code": "P1", "base": "FLEX6", "max_principal": "50.00"}, "min_principal '100.00' is above max_principal 50.00"),
        ({"code": "P1", "base": "FLEX6", "annual_rate_cap": "0"}, "annual_rate_cap '0' must be more than 0"),
    ],
)
def test_r1_products_from_document_names_the_source(document, fragment):
    with pytest.raises(BadInput) as refused:
        products_from_document(document, source="api")
    assert fragment in str(refused.value)


# =========================================================================================
# Scenario files (SCENARIOS.md)
# =========================================================================================

LOAN_A = """\
loans:
  - {id: A, principal: "10000.00", terms: 6, disbursed_on: 2026-01-15}
"""


def scenario(tmp_path: Path, body: str, *, loans: str = LOAN_A, name: str = "story.yaml") -> Path:
    return write(tmp_path, name, loans + body)


def refusal(path: Path) -> str:
    """Load and play ``path``; it must be refused with a ScenarioFileError naming the file."""
    with pytest.raises(ScenarioFileError) as refused:
        play(load_scenario(path))
    message = str(refused.value)
    assert str(path) in message, message
    return message


def test_scenarios_the_base_story_plays(tmp_path):
    """The story the bad variants below start from is fine as it is."""
    path = scenario(tmp_path, 'events:\n  - {date: 2026-02-14, repay: "130.00"}\ncheckpoints: [2026-02-15]\n')
    result = play(load_scenario(path))
    assert result.failures == []
    assert result.checkpoints[0].loan("A").interest_paid == Decimal("129.61")  # W2: 0.39 went to penalty


BAD_SCENARIO_BODIES = [
    (
        "checkpoint: [2026-02-14]\n",
        ["unknown top-level key(s) checkpoint; known: checkpoints, credit_limit, events, expect, loans, name, product"],
    ),
    (
        'events:\n  - {on: 2026-02-14, repay: "130.00"}\ncheckpoints: [2026-02-14]\n',
        ["event 1: the event's day is 'date', not 'on'"],
    ),
    (
        "events:\n  - {date: 2026-02-14}\ncheckpoints: [2026-02-14]\n",
        ["event 1 (2026-02-14) needs one action: repay, payoff, draw"],
    ),
    (
        'events:\n  - {date: 2026-02-10, repay: "130.00"}\n  - {date: 2026-02-14, repay: "1.00", payoff: A}\n'
        "checkpoints: [2026-02-14]\n",
        ["event 2 (2026-02-14) has several actions (repay, payoff); write one event each"],
    ),
    (
        'events:\n  - {date: 2026-02-14, repay: "130.001"}\ncheckpoints: [2026-02-14]\n',
        ["event 1 (2026-02-14) repay amount '130.001' has more than 2 decimal places"],
    ),
    (
        "events:\n  - {date: 2026-02-14, repay: 130.001}\ncheckpoints: [2026-02-14]\n",
        ["event 1 (2026-02-14) repay amount", "has more than 2 decimal places"],
    ),
    (
        'events:\n  - {date: 2026-02-14, repay: "-130.00"}\ncheckpoints: [2026-02-14]\n',
        ["event 1 (2026-02-14) repay amount must be more than zero, got '-130.00'"],
    ),
    (
        'events:\n  - {date: 2026-02-14, repay: "0.00"}\ncheckpoints: [2026-02-14]\n',
        ["event 1 (2026-02-14) repay amount must be more than zero"],
    ),
    (
        'events:\n  - {date: 2026-02-14, repay: "a lot"}\ncheckpoints: [2026-02-14]\n',
        ["event 1 (2026-02-14) repay amount 'a lot' is not an amount"],
    ),
    (
        "events:\n  - {date: '2026-02-30', repay: \"130.00\"}\ncheckpoints: [2026-02-14]\n",
        ["event 1 date '2026-02-30' is not a date written YYYY-MM-DD"],
    ),
    (
        "events:\n  - {date: 14/02/2026, repay: \"130.00\"}\ncheckpoints: [2026-02-14]\n",
        ["event 1 date '14/02/2026' is not a date written YYYY-MM-DD"],
    ),
    (
        'events:\n  - {date: 2026-13-01, repay: "130.00"}\ncheckpoints: [2026-02-14]\n',
        ["not valid YAML", "'2026-13-01' is not a real calendar date", "line 4"],
    ),
    (
        'events:\n  - {date: 2026-02-14 10:30:00, repay: "130.00"}\ncheckpoints: [2026-02-14]\n',
        ["event 1 date '2026-02-14 10:30:00' is a date and time; write the day only"],
    ),
    (
        "events:\n  - {date: 2026-03-01, payoff: B}\ncheckpoints: [2026-03-02]\n",
        ["event 1 (2026-03-01 payoff B) names unknown loan 'B' (loans: A)"],
    ),
    (
        "events:\n  - {date: 2026-01-10, payoff: A}\ncheckpoints: [2026-03-02]\n",
        ["event 1 (2026-01-10 payoff A): loan A does not exist yet on 2026-01-10 (disbursed 2026-01-15)"],
    ),
    (
        'events:\n  - {date: 2026-02-14, repay: "130.00", booked_on: 2026-02-13}\ncheckpoints: [2026-02-14]\n',
        ["event 1 (2026-02-14): booked_on 2026-02-13 is before its date"],
    ),
    (
        "events:\n  - {date: 2026-02-14, draw: {id: B, principal: \"100.00\", terms: 1}, booked_on: 2026-02-15}\n"
        "checkpoints: [2026-02-14]\n",
        ["event 1 (2026-02-14): a drawdown is booked on its own day"],
    ),
    (
        "events:\n  - {date: 2026-02-14, draw: {id: B, principal: \"100.00\", terms: 1, disbursed_on: 2026-02-14}}\n"
        "checkpoints: [2026-02-14]\n",
        ["event 1 (2026-02-14): a drawdown is disbursed on the event's date; remove disbursed_on"],
    ),
    (
        'events:\n  - {date: 2026-02-14, repay: "130.00", expect_error: ""}\ncheckpoints: [2026-02-14]\n',
        ["event 1 (2026-02-14): expect_error must be the text the refusal should contain"],
    ),
    (
        'events:\n  - {date: 2026-02-14, repay: "130.00", memo: hi}\ncheckpoints: [2026-02-14]\n',
        ["event 1: unknown key(s) memo"],
    ),
    (
        "checkpoints: [2026-02-14]\nexpect:\n  2026-02-14:\n    B: {status: ACTIVE}\n",
        ["expect 2026-02-14 names unknown loan 'B' (loans: A)"],
    ),
    (
        "checkpoints: [2026-02-14]\nexpect:\n  2026-02-14:\n    A: {penalty: \"0.39\"}\n",
        ["expect 2026-02-14 A: unknown field(s) penalty; known: status, dpd,"],
    ),
    (
        "checkpoints: [2026-02-14]\nexpect:\n  2026-02-14:\n    A: {5: x}\n",
        ["expect 2026-02-14 A: unknown field(s) 5;"],
    ),
    (
        "checkpoints: []\n",
        ["a scenario needs at least one checkpoint: the days on which to look"],
    ),
    (
        'events:\n  - {date: 2026-02-14, repay: "130.00"}\n',
        ["a scenario needs at least one checkpoint"],
    ),
    (
        "checkpoints: 2026-02-14\n",
        ["checkpoints must be a list of dates"],
    ),
    (
        "checkpoints: [2026-02-14]\ncheckpoints: [2026-02-15]\n",
        ["not valid YAML", "the key 'checkpoints' appears more than once"],
    ),
    (
        'events:\n  - {date: 2026-02-14, repay: "1.00", repay: "2.00"}\ncheckpoints: [2026-02-14]\n',
        ["not valid YAML", "the key 'repay' appears more than once"],
    ),
    (
        "product: FLEX9\ncheckpoints: [2026-02-14]\n",
        ["unknown product 'FLEX9': use a preset (FLEX6, TERM6) or a product file"],
    ),
    (
        "product: lender.toml\ncheckpoints: [2026-02-14]\n",
        ["lender.toml: no such file"],
    ),
    (
        'credit_limit: "0"\ncheckpoints: [2026-02-14]\n',
        ["credit_limit must be more than zero"],
    ),
]


@pytest.mark.parametrize(("body", "fragments"), BAD_SCENARIO_BODIES, ids=[case_id(f) for _, f in BAD_SCENARIO_BODIES])
def test_scenarios_bad_file_is_named_with_the_event_and_the_reason(tmp_path, body, fragments):
    message = refusal(scenario(tmp_path, body))
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


BAD_LOANS = [
    (
        'loans:\n  - {id: A, principal: "10000.00", terms: 6, disbursed_on: 2026-01-15}\n'
        '  - {id: A, principal: "2000.00", terms: 3, disbursed_on: 2026-01-20}\n',
        ["loan id(s) A used more than once"],
    ),
    ('loans:\n  - {id: A, principal: "10000.00", terms: 6}\n', ["loan 1 needs 'disbursed_on'"]),
    ('loans:\n  - {id: A, terms: 6, disbursed_on: 2026-01-15}\n', ["loan 1 needs 'principal'"]),
    (
        'loans:\n  - {id: A, principal: "10000.00", terms: 6, on: 2026-01-15}\n',
        ["loan 1: unknown key(s) True (a bare on/off/yes/no key, which YAML reads as a boolean)"],
    ),
    ('loans:\n  - {id: A, principal: "10000.00", terms: "6", disbursed_on: 2026-01-15}\n',
     ["loan 1 A: terms must be a whole number, got '6'"]),
    ('loans:\n  - {id: A, principal: "10000.001", terms: 6, disbursed_on: 2026-01-15}\n',
     ["loan 1 A principal '10000.001' has more than 2 decimal places"]),
    ('loans:\n  - {id: A, principal: "10000.00", terms: 6, disbursed_on: 2026-01-15, partner_share: "0.123"}\n',
     ["loan 1 A partner_share '0.123' has more than 2 decimal places"]),
    ('loans:\n  - {id: [A], principal: "10000.00", terms: 6, disbursed_on: 2026-01-15}\n',
     ["loan 1: id must be a name like A"]),
    ("loans: {A: 1}\n", ["loans must be a list"]),
]


@pytest.mark.parametrize(("loans", "fragments"), BAD_LOANS, ids=[case_id(f) for _, f in BAD_LOANS])
def test_scenarios_bad_loans_are_named(tmp_path, loans, fragments):
    message = refusal(scenario(tmp_path, "checkpoints: [2026-02-14]\n", loans=loans))
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_scenarios_duplicate_id_between_a_loan_and_a_drawdown(tmp_path):
    body = 'events:\n  - {date: 2026-02-01, draw: {id: A, principal: "1000.00", terms: 3}}\ncheckpoints: [2026-02-14]\n'
    assert "loan id(s) A used more than once" in refusal(scenario(tmp_path, body))


@pytest.mark.parametrize(
    ("event", "what"),
    [
        ('coupon: {id: C1, amount: "100.00"}', "coupon needs expires"),
        ('coupon: {id: C1, amount: "0.00", expires: 2026-03-31}', "coupon amount"),
        ('coupon: {id: C1, amount: "1.00", expires: 2026-03-31, face: 2}', "unknown key(s) face"),
        ("extension: {loan: A, months: 0, decision: approve}", "months must be a whole number of at least 1, got 0"),
        ("extension: {loan: A, months: 3, decision: maybe}", "decision must be approve or reject, got 'maybe'"),
        ("extension: {loan: A, months: 3}", "extension needs decision"),
        ("negotiate: {loan: A, method: balloon, months: 6, decision: approve}", "method must be one of"),
        ("negotiate: {loan: A, months: 6, decision: approve}", "negotiate needs method"),
        ('negotiate: {loan: A, method: interest_first, months: 6, waive_penalty: "some", decision: approve}',
         "waive_penalty"),
        ("extension: {loan: A, months: 3, decision: approve}, booked_on: 2026-03-02",
         "an extension is booked on its own day"),
        ("payoff: A, coupon: [C1]", "coupon names one id"),
    ],
)
def test_scenarios_r11_r13_events_are_checked_before_anything_is_played(tmp_path, event, what):
    body = f"events:\n  - {{date: 2026-03-01, {event}}}\ncheckpoints: [2026-03-02]\n"
    message = refusal(scenario(tmp_path, body))
    assert "event 1 (2026-03-01" in message and what in message, message


def test_scenarios_extension_of_an_unknown_loan_is_named(tmp_path):
    body = "events:\n  - {date: 2026-03-01, extension: {loan: Z, months: 3, decision: approve}}\ncheckpoints: [2026-03-02]\n"
    assert "names unknown loan 'Z'" in refusal(scenario(tmp_path, body))


def test_scenarios_missing_file_and_wrong_extension(tmp_path):
    missing = tmp_path / "absent.yaml"
    with pytest.raises(ScenarioFileError, match="absent.yaml: no such file"):
        load_scenario(missing)
    wrong = write(tmp_path, "story.txt", LOAN_A + "checkpoints: [2026-02-14]\n")
    with pytest.raises(ScenarioFileError, match=r"story.txt: unknown file type '.txt'"):
        load_scenario(wrong)


# --- Rule refusals while playing ------------------------------------------------------------


REFUSED_WHILE_PLAYING = [
    (  # R8: no payoff on the disbursement day
        LOAN_A,
        "events:\n  - {date: 2026-01-15, payoff: A}\ncheckpoints: [2026-01-16]\n",
        ["event 1 (2026-01-15 payoff A) was refused", "the day after disbursement", "R8"],
    ),
    (  # R6/R8: a payoff on a settled loan
        LOAN_A,
        "events:\n  - {date: 2026-02-01, payoff: A}\n  - {date: 2026-02-02, payoff: A}\ncheckpoints: [2026-02-03]\n",
        ["event 2 (2026-02-02 payoff A) was refused", "loan A was settled on 2026-02-01"],
    ),
    (  # R9: a drawdown above what is available
        'credit_limit: "12000.00"\n' + LOAN_A,
        'events:\n  - {date: 2026-02-01, draw: {id: B, principal: "2000.01", terms: 3}}\ncheckpoints: [2026-02-02]\n',
        ["event 1 (2026-02-01 draw B) was refused", "above the available credit 2000.00", "R9"],
    ),
    (  # R9: a loan of the file above the credit line
        'credit_limit: "5000.00"\n' + LOAN_A,
        "checkpoints: [2026-02-02]\n",
        ["loan A (disbursed 2026-01-15) was refused", "above the available credit 5000.00"],
    ),
    (  # R1: terms outside the product
        'loans:\n  - {id: A, principal: "10000.00", terms: 7, disbursed_on: 2026-01-15}\n',
        "checkpoints: [2026-02-02]\n",
        ["loan A (disbursed 2026-01-15) was refused", "terms 7 is outside product FLEX6's range 1 to 6"],
    ),
    (  # R17: the platform keeps at least 30%
        'loans:\n  - {id: A, principal: "10000.00", terms: 6, disbursed_on: 2026-01-15, partner_share: "0.80"}\n',
        "checkpoints: [2026-02-02]\n",
        ["loan A (disbursed 2026-01-15) was refused", "partner_share 0.80 must be from 0 to 0.70"],
    ),
    (  # R6: money before any loan exists
        LOAN_A,
        'events:\n  - {date: 2026-01-10, repay: "10.00"}\ncheckpoints: [2026-02-02]\n',
        ["event 1 (2026-01-10 repay 10.00) was refused", "the borrower has no loan to repay"],
    ),
    (  # R1: a drawdown below the product's principal range
        LOAN_A,
        'events:\n  - {date: 2026-02-01, draw: {id: B, principal: "50.00", terms: 3}}\ncheckpoints: [2026-02-02]\n',
        ["event 1 (2026-02-01 draw B) was refused", "principal 50.00 is outside product FLEX6's range"],
    ),
]


@pytest.mark.parametrize(
    ("loans", "body", "fragments"), REFUSED_WHILE_PLAYING, ids=[case_id(f[-1]) for _, _, f in REFUSED_WHILE_PLAYING]
)
def test_scenarios_an_event_the_rules_refuse_without_expect_error_stops_the_file(tmp_path, loans, body, fragments):
    message = refusal(scenario(tmp_path, body, loans=loans))
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_r8_expect_error_that_matches_lets_the_story_go_on_and_changes_nothing(tmp_path):
    refused_first = scenario(
        tmp_path,
        "events:\n"
        "  - {date: 2026-01-15, payoff: A, expect_error: THE DAY AFTER DISBURSEMENT}\n"  # case does not matter
        "  - {date: 2026-01-16, payoff: A}\n"
        "checkpoints: [2026-01-16, 2026-01-17]\n"
        "expect:\n  2026-01-17:\n    A: {status: SETTLED, settled_on: 2026-01-16, total_paid: \"10005.00\"}\n",
        name="refused-first.yaml",
    )
    result = play(load_scenario(refused_first))
    assert result.failures == []
    assert result.checkpoints[1].loan("A").settled_on.isoformat() == "2026-01-16"
    # the refused event left no trace: the same story without it gives the same positions
    without = scenario(
        tmp_path,
        "events:\n  - {date: 2026-01-16, payoff: A}\ncheckpoints: [2026-01-16, 2026-01-17]\n",
        name="without.yaml",
    )
    assert play(load_scenario(without)).checkpoints == result.checkpoints


def test_r9_expect_error_on_a_drawdown_leaves_the_line_as_it_was(tmp_path):
    path = scenario(
        tmp_path,
        "events:\n"
        '  - {date: 2026-02-01, draw: {id: B, principal: "2000.01", terms: 3}, expect_error: available credit}\n'
        '  - {date: 2026-02-01, draw: {id: C, principal: "2000.00", terms: 3}}\n'
        "checkpoints: [2026-02-02]\n",
        loans='credit_limit: "12000.00"\n' + LOAN_A,
    )
    result = play(load_scenario(path))
    assert result.failures == []
    assert [loan.loan_id for loan in result.checkpoints[0].loans] == ["A", "C"]


def test_expect_error_that_does_not_match_is_a_failure(tmp_path):
    path = scenario(
        tmp_path,
        "events:\n  - {date: 2026-01-15, payoff: A, expect_error: credit line}\n  - {date: 2026-01-16, payoff: A}\n"
        "checkpoints: [2026-01-17]\n",
    )
    result = play(load_scenario(path))
    assert len(result.failures) == 1
    failure = result.failures[0]
    assert failure.field == "event 1 (2026-01-15 payoff A) refusal"
    assert failure.loan == "A"
    assert failure.expected == "credit line"
    assert "the day after disbursement" in failure.actual
    assert result.checkpoints[0].loan("A").status.value == "SETTLED"  # the story went on


def test_expect_error_on_an_event_that_is_accepted_is_a_failure(tmp_path):
    path = scenario(
        tmp_path,
        "events:\n  - {date: 2026-01-16, payoff: A, expect_error: the day after disbursement}\n"
        "checkpoints: [2026-01-17]\n",
    )
    result = play(load_scenario(path))
    assert [(f.field, f.expected, f.actual) for f in result.failures] == [
        ("event 1 (2026-01-16 payoff A) refusal", "the day after disbursement", "accepted")
    ]


def test_expectation_that_does_not_hold_is_a_failure_naming_checkpoint_loan_and_field(tmp_path):
    """W2 on 2026-02-14: OVERDUE, DPD 4, penalty 0.39; the file claims otherwise."""
    path = scenario(
        tmp_path,
        "checkpoints: [2026-02-14]\nexpect:\n  2026-02-14:\n"
        '    credit_balance: "0.00"\n    A: {status: GRACE, dpd: 4, penalty_due: "0.40"}\n',
    )
    result = play(load_scenario(path))
    assert sorted((f.checkpoint.isoformat(), f.loan, f.field, f.expected, f.actual) for f in result.failures) == [
        ("2026-02-14", "A", "penalty_due", "0.40", "0.39"),
        ("2026-02-14", "A", "status", "GRACE", "OVERDUE"),
    ]

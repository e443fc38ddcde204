"""YAML and TOML read with exact decimals.

A lender writes ``daily_rate: 0.0005``; PyYAML would make that a binary float. These
readers turn every non-integer number into a ``Decimal`` from its written digits, so no
float ever reaches the rules (R3).
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import yaml

from loanbook.errors import BadInput


class ExactLoader(yaml.SafeLoader):
    """SafeLoader whose floats are Decimals made from the text as written."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    text = loader.construct_scalar(node).replace("_", "")
    lowered = text.lower()
    if lowered in (".nan", ".inf", "-.inf", "+.inf"):
        raise yaml.constructor.ConstructorError(
            None, None, f"{text!r} is not a number loanbook accepts", node.start_mark
        )
    return Decimal(text)


ExactLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def parse_exact_yaml(text: str, *, source: str) -> object:
    try:
        return yaml.load(text, Loader=ExactLoader)  # noqa: S506 - ExactLoader is a SafeLoader
    except yaml.YAMLError as exc:
        raise BadInput(f"{source}: not valid YAML: {exc}") from None


def parse_exact_toml(text: str, *, source: str) -> object:
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{source}: not valid TOML: {exc}") from None


def read_config_file(path: Path) -> object:
    """Read a .yaml/.yml/.toml file into plain values with exact decimals."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: cannot be read: {exc}") from None
    if path.suffix.lower() == ".toml":
        return parse_exact_toml(text, source=str(path))
    if path.suffix.lower() in (".yaml", ".yml"):
        return parse_exact_yaml(text, source=str(path))
    raise BadInput(f"{path}: unknown file type {path.suffix!r}; use .toml, .yaml or .yml")

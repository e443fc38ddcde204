"""YAML and TOML read with exact decimals.

A lender writes ``daily_rate: 0.0005``; PyYAML would make that a binary float. These
readers turn every non-integer number into a ``Decimal`` from its written digits, so no
float ever reaches the rules (R3).
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path

import yaml

from loanbook.errors import BadInput


class ExactLoader(yaml.SafeLoader):
    """SafeLoader whose floats are Decimals made from the text as written."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    text = loader.construct_scalar(node)
    if "_" in text:  # YAML 1.1 would drop it: "1_000.00" is no amount loanbook reads (money.py)
        raise yaml.constructor.ConstructorError(
            None, None, f"{text!r}: write numbers without '_'", node.start_mark
        )
    lowered = text.lower()
    if lowered in (".nan", ".inf", "-.inf", "+.inf"):
        raise yaml.constructor.ConstructorError(
            None, None, f"{text!r} is not a number loanbook accepts", node.start_mark
        )
    return Decimal(text)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    """Whole numbers in plain decimal digits only. YAML 1.1 reads ``010`` as 8 (octal),
    ``0x10`` as 16, ``1:30`` as 90 and ``1_000`` as 1000: an amount or a term written so
    would be read as another number without a word (issue 6 item 1)."""
    text = loader.construct_scalar(node)
    if not _PLAIN_INT.fullmatch(text):
        raise yaml.constructor.ConstructorError(
            None, None, f"{text!r}: write whole numbers in plain decimal digits, like 1000 (no leading 0, '_', "
                        "0x, 0o or ':')", node.start_mark
        )
    return int(text)


_PLAIN_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    """A date that looks like one but is not on the calendar (2026-13-01, 2026-02-30) is a
    mistake in the file, reported with its line, not a crash."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a real calendar date ({exc})", node.start_mark
        ) from None


def _construct_map(loader: yaml.SafeLoader, node: yaml.MappingNode):
    """A key written twice in one mapping is refused: YAML readers keep the last one
    silently, so a repeated ``repay:`` or ``checkpoints:`` would pass unnoticed."""
    seen: set[object] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in seen
        except TypeError:  # an unhashable key: the base constructor reports it
            continue
        if duplicate:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark, f"the key {key!r} appears more than once", key_node.start_mark
            )
        seen.add(key)
    yield from yaml.SafeLoader.construct_yaml_map(loader, node)


ExactLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
ExactLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
ExactLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
ExactLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def key_names(keys: object) -> str:
    """Keys of a mapping read from a file, for a message: YAML may make a key a number or
    a boolean (a bare ``on``, ``yes``, ``no`` or ``off`` is read as true/false)."""
    names = []
    for key in keys:  # type: ignore[attr-defined]
        if isinstance(key, bool):
            names.append(f"{key!r} (a bare on/off/yes/no key, which YAML reads as a boolean)")
        elif isinstance(key, str):
            names.append(key)
        else:
            names.append(repr(key))
    return ", ".join(sorted(names))


def parse_exact_yaml(text: str, *, source: str) -> object:
    loader = None
    try:
        loader = ExactLoader(text)
        loader.name = source  # marks in messages name the file, not "<unicode string>"
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        raise BadInput(f"{source}: not valid YAML: {exc}") from None
    finally:
        if loader is not None:
            loader.dispose()


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

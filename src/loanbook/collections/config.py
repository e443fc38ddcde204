"""The collections configuration: ladder, guards and templates, from a TOML or YAML file.

``LOANBOOK_COLLECTIONS`` names the lender's file; without it loanbook's default
(``default.toml`` beside this module, R16's defaults) is used. Every field is checked
and a bad one is named; unknown fields are refused, so a typo never passes silently; a
template that threatens what R16 forbids refuses the whole file (templates.py).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from loanbook.collections.guards import Guards
from loanbook.collections.ladder import Ladder, Step
from loanbook.collections.templates import Template, load_templates
from loanbook.config.exact_yaml import key_names, read_config_file
from loanbook.errors import BadInput
from loanbook.money import parse_amount

ENVIRONMENT = "LOANBOOK_COLLECTIONS"
DEFAULT_FILE = Path(__file__).with_name("default.toml")
_TOP = {"time_zone", "quiet_from", "quiet_until", "connected_calls_per_day", "ladder", "templates"}
_STEP = {"action", "channel", "template", "days_before_due", "in_grace", "first_overdue_day", "dpd_from", "dpd_to",
         "owed_over", "bureau_pre_notice"}
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
_ACTION = re.compile(r"[a-z][a-z0-9_]{0,31}")


@dataclass(frozen=True, slots=True)
class CollectionsConfig:
    ladder: Ladder
    guards: Guards
    templates: dict[str, Template]
    source: str


def _clock(source: str, name: str, value: object) -> time:
    if not isinstance(value, str) or (m := _CLOCK.fullmatch(value)) is None:
        raise BadInput(f"{source}: {name} {value!r} must be a time of day HH:MM, like \"22:00\"")
    return time(int(m.group(1)), int(m.group(2)))


def _whole(where: str, name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadInput(f"{where}: {name} {value!r} must be a whole number from {low} to {high}")
    return value


def _flag(where: str, name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise BadInput(f"{where}: {name} {value!r} must be true or false")
    return value


def _step(source: str, index: int, raw: object, templates: Mapping[str, Template]) -> Step:
    where = f"{source}: ladder step {index}"
    if not isinstance(raw, dict):
        raise BadInput(f"{where} must be a table of fields")
    unknown = set(raw) - _STEP
    if unknown:
        raise BadInput(f"{where}: unknown field(s) {key_names(unknown)}; known: {', '.join(sorted(_STEP))}")
    for name in ("action", "channel", "template"):
        if not isinstance(raw.get(name), str):
            raise BadInput(f"{where}: {name} is required, as text")
    action = raw["action"]
    if _ACTION.fullmatch(action) is None:
        raise BadInput(f"{where}: action {action!r} must be lower-case letters, digits and _ (at most 32)")
    if raw["template"] not in templates:
        raise BadInput(f"{where} ({action}): template {raw['template']!r} is not among the templates "
                       f"({', '.join(sorted(templates)) or 'none'})")
    where = f"{where} ({action})"

    def whole(name: str) -> int | None:
        return _whole(where, name, raw[name], 0, 10_000) if name in raw else None

    owed_over: Decimal | None = None
    if "owed_over" in raw:
        owed_over = parse_amount(raw["owed_over"], what=f"{where}: owed_over", allow_zero=True)
    try:
        return Step(
            action=action, channel=raw["channel"], template=raw["template"],
            days_before_due=whole("days_before_due"), dpd_from=whole("dpd_from"), dpd_to=whole("dpd_to"),
            in_grace=_flag(where, "in_grace", raw.get("in_grace", False)),
            first_overdue_day=_flag(where, "first_overdue_day", raw.get("first_overdue_day", False)),
            bureau_pre_notice=_flag(where, "bureau_pre_notice", raw.get("bureau_pre_notice", False)),
            owed_over=owed_over,
        )
    except BadInput as exc:
        raise BadInput(f"{source}: {exc}") from None


def config_from_mapping(raw: object, *, source: str) -> CollectionsConfig:
    if not isinstance(raw, dict):
        raise BadInput(f"{source}: the collections configuration must be a mapping of fields")
    unknown = set(raw) - _TOP
    if unknown:
        raise BadInput(f"{source}: unknown field(s) {key_names(unknown)}; known: {', '.join(sorted(_TOP))}")
    zone_name = raw.get("time_zone", "Asia/Shanghai")
    try:
        if not isinstance(zone_name, str):
            raise ValueError
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(f"{source}: time_zone {zone_name!r} is not a time zone name like \"Asia/Shanghai\"") from None
    guards = Guards(
        time_zone=zone,
        quiet_from=_clock(source, "quiet_from", raw.get("quiet_from", "22:00")),
        quiet_until=_clock(source, "quiet_until", raw.get("quiet_until", "08:00")),
        connected_calls_per_day=_whole(source, "connected_calls_per_day", raw.get("connected_calls_per_day", 3), 0, 20),
    )
    raw_templates = raw.get("templates", {})
    if not isinstance(raw_templates, dict):
        raise BadInput(f"{source}: templates must be a table of name = \"text\"")
    try:
        templates = load_templates(raw_templates)
    except BadInput as exc:
        raise BadInput(f"{source}: {exc}") from None
    steps = raw.get("ladder")
    if not isinstance(steps, list) or not steps:
        raise BadInput(f"{source}: ladder must be a list of steps ([[ladder]] tables), at least one")
    try:
        ladder = Ladder(tuple(_step(source, i + 1, step, templates) for i, step in enumerate(steps)))
    except BadInput as exc:
        message = str(exc)
        raise BadInput(message if message.startswith(source) else f"{source}: {message}") from None
    return CollectionsConfig(ladder, guards, templates, source)


def load_config(path: Path | str) -> CollectionsConfig:
    path = Path(path)
    return config_from_mapping(read_config_file(path), source=str(path))


@lru_cache(maxsize=4)
def _cached(path: str) -> CollectionsConfig:
    return load_config(path)


def active_config() -> CollectionsConfig:
    """The lender's configuration (``LOANBOOK_COLLECTIONS``) or loanbook's default."""
    return _cached(os.environ.get(ENVIRONMENT) or str(DEFAULT_FILE))

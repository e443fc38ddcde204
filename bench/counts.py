"""Counts that do not depend on how busy the machine is: how many times a use case
replays a book through the rules core, and how many SQL statements it sends.

Used by the bench scripts only (never by loanbook itself): the replay counter wraps
:func:`loanbook.rules.replay.position` wherever a loanbook module imported it, and the
statement counter listens to the engine's ``before_cursor_execute`` event.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, event

import loanbook.rules.replay as replay_module


@dataclass(slots=True)
class Tally:
    replays: int = 0
    statements: int = 0


@contextmanager
def counting(engine: Engine) -> Iterator[Tally]:
    """Count replays and statements while the block runs."""
    tally = Tally()
    original = replay_module.position

    def counted(*args, **kwargs):
        tally.replays += 1
        return original(*args, **kwargs)

    patched = [(module, name) for module in list(sys.modules.values())
               if getattr(module, "__name__", "").startswith("loanbook")
               for name, value in list(vars(module).items()) if value is original]

    def on_statement(*_args) -> None:
        tally.statements += 1

    for module, name in patched:
        setattr(module, name, counted)
    event.listen(engine, "before_cursor_execute", on_statement)
    try:
        yield tally
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        for module, name in patched:
            setattr(module, name, original)


def per_use_case(engine: Engine, cases: dict[str, Callable[[], object]]) -> dict[str, dict[str, int]]:
    """{use case: {"replays": n, "statements": n}}, each case run once."""
    result = {}
    for name, run in cases.items():
        with counting(engine) as tally:
            run()
        result[name] = {"replays": tally.replays, "statements": tally.statements}
    return result

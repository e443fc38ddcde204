"""``loanbook demo``: the worked examples W1-W3 of RULES.md, computed and printed."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import typer

from loanbook.cli.calculators import schedule
from loanbook.cli.common import EXIT_FAILURES, out, refusals_as_messages
from loanbook.scenario.model import load_scenario
from loanbook.scenario.report import print_result
from loanbook.scenario.runner import play

DEMO_SCENARIOS = ("w2-late-first-instalment.yaml", "w3-early-settlement.yaml")


def demo() -> None:
    """Compute and print the worked examples W1 (plan), W2 (grace, penalty), W3 (payoff)."""
    out.rule("W1 (R4, R10): the plan of 10,000.00 over 6 months, disbursed 2026-01-15")
    schedule(product="FLEX6", principal="10000.00", terms=6, disbursed="2026-01-15", as_json=False)
    failed = False
    with refusals_as_messages():
        for name in DEMO_SCENARIOS:
            with resources.as_file(resources.files("loanbook.demo") / name) as path:
                result = play(load_scenario(Path(path)))
            out.rule(result.scenario.name)
            print_result(out, result)
            failed = failed or bool(result.failures)
    if failed:
        raise typer.Exit(EXIT_FAILURES)

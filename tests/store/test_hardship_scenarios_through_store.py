"""Hardship scenarios (R11, R13) played in memory and through the services and a real
database, on SQLite and PostgreSQL: every checkpoint the same figure for figure, every
refusal the same, and the ledger check after each (R14)."""

from __future__ import annotations

import pytest

from paths import ROOT
from loanbook.scenario.model import load_scenario
from loanbook.scenario.runner import play
from loanbook.scenario.stored import StoredServicing
from loanbook.service.ledger_check import check_ledger
from loanbook.store.scratch import scratch_engine
from loanbook.views import loan_view

SCENARIOS = sorted((ROOT / "tests" / "scenarios" / "hardship").glob("*.yaml")) + sorted(
    (ROOT / "tests" / "scenarios" / "r11-r13").glob("*.yaml")
)


def _figures(result) -> list[tuple]:
    return [(c.on, str(c.credit_balance), {loan.loan_id: loan_view(loan) for loan in c.loans}) for c in result.checkpoints]


@pytest.mark.parametrize("path", SCENARIOS, ids=[f"{p.parent.name}/{p.stem}" for p in SCENARIOS])
def test_hardship_scenario_through_the_store_matches_the_core(backend, path):
    scenario = load_scenario(path)
    in_memory = play(scenario)
    with scratch_engine(backend) as engine:
        stored = play(scenario, StoredServicing(engine, scenario))
        report = check_ledger(engine)
    assert stored.failures == in_memory.failures == [], (stored.failures, in_memory.failures)
    assert _figures(stored) == _figures(in_memory)
    assert report.ok, report.problems

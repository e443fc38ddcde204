"""Issue 6's engine defects 10-12 played through the services and a real database, on
SQLite and PostgreSQL, with the ledger check after each (the in-memory half and the
rules behind them: tests/test_engine_defects.py)."""

from __future__ import annotations

import pytest

from paths import ROOT
from loanbook.scenario.model import load_scenario
from loanbook.scenario.runner import play
from loanbook.scenario.stored import StoredServicing
from loanbook.service.ledger_check import check_ledger
from loanbook.store.scratch import scratch_engine

DEFECTS = sorted((ROOT / "tests" / "scenarios" / "engine-defects").glob("*.yaml"))


@pytest.mark.parametrize("path", DEFECTS, ids=[p.stem for p in DEFECTS])
def test_issue_6_defect_scenario_passes_through_the_store(backend, path):
    scenario = load_scenario(path)
    with scratch_engine(backend) as engine:
        result = play(scenario, StoredServicing(engine, scenario))
        report = check_ledger(engine)
    assert result.failures == [], result.failures
    assert len(result.checkpoints) == len(scenario.checkpoints)
    assert report.ok, report.problems

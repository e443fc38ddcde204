"""The project's own R11/R13 scenarios (tests/scenarios/r11-r13/), played in memory: the
cases beside the shared examples (rejections, refusals, coupons with payoffs, a
late-booked repayment before an extension). Through the store they play once the stored
service has the R11/R13 events (issue 7's store and review workflow)."""

from __future__ import annotations

import pytest

from paths import ROOT
from loanbook.scenario.model import load_scenario
from loanbook.scenario.runner import play

SCENARIOS = sorted((ROOT / "tests" / "scenarios" / "r11-r13").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_r11_r13_scenario_passes_in_memory(path):
    result = play(load_scenario(path))
    assert result.failures == [], result.failures
    assert len(result.checkpoints) == len(result.scenario.checkpoints)

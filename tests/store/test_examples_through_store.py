"""The worked examples played through the services and a real database (``--store``),
on SQLite and PostgreSQL, with the ledger check after each."""

from __future__ import annotations

import pytest

from paths import SHARED
from loanbook.scenario.model import load_scenario
from loanbook.scenario.runner import play
from loanbook.scenario.stored import StoredServicing
from loanbook.service.ledger_check import check_ledger
from loanbook.store.scratch import scratch_engine

# The worked examples, and R11/R13's (extensions, negotiated plans, coupons: issue 7).
EXAMPLES = sorted((SHARED / "examples").glob("*.yaml")) + sorted((SHARED / "examples" / "r11-r13").glob("*.yaml"))


@pytest.mark.skipif(not EXAMPLES, reason=f"no worked examples found in {SHARED / 'examples'}")
@pytest.mark.parametrize("path", EXAMPLES, ids=[f"{p.parent.name}/{p.stem}" for p in EXAMPLES])
def test_worked_example_through_the_store(backend, path):
    scenario = load_scenario(path)
    with scratch_engine(backend) as engine:
        result = play(scenario, StoredServicing(engine, scenario))
        report = check_ledger(engine)
    assert result.failures == [], result.failures
    assert report.ok, report.problems

"""The project's worked examples (examples/*.yaml and examples/r11-r13/) played through the
services and a real database (``--store``), on SQLite and PostgreSQL, with the ledger
check after each. examples/r15/ joins with the issue that builds R15."""

from __future__ import annotations

import pytest

from paths import EXAMPLES_DIR
from loanbook.scenario.model import load_scenario
from loanbook.scenario.runner import play
from loanbook.scenario.stored import StoredServicing
from loanbook.service.ledger_check import check_ledger
from loanbook.store.scratch import scratch_engine

EXAMPLES = sorted(EXAMPLES_DIR.glob("*.yaml")) + sorted((EXAMPLES_DIR / "r11-r13").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[f"{p.parent.name}/{p.stem}" for p in EXAMPLES])
def test_project_example_through_the_store(backend, path):
    scenario = load_scenario(path)
    with scratch_engine(backend) as engine:
        result = play(scenario, StoredServicing(engine, scenario))
        report = check_ledger(engine)
    assert result.failures == [], result.failures
    assert report.ok, report.problems

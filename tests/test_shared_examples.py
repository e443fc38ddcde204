"""Every worked example in ../shared/examples must pass (SCENARIOS.md): files added there
later are picked up by the glob."""

from __future__ import annotations

import pytest

from paths import SHARED
from loanbook.scenario.model import load_scenario
from loanbook.scenario.runner import play

EXAMPLES = sorted((SHARED / "examples").glob("*.yaml")) if (SHARED / "examples").is_dir() else []


@pytest.mark.skipif(not EXAMPLES, reason=f"no worked examples found in {SHARED / 'examples'}")
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_worked_example_passes(path):
    result = play(load_scenario(path))
    assert result.failures == [], "\n".join(
        f"{f.checkpoint} {f.loan}.{f.field}: expected {f.expected!r}, got {f.actual!r}" for f in result.failures
    )
    assert result.checkpoints, "the example was played but looked at nothing"

"""Every worked example in ../shared/examples, ../shared/examples/r11-r13 (R11, R13) and
../shared/examples/r15 (R15) must pass in memory (SCENARIOS.md): files added there later
are picked up by the glob."""

from __future__ import annotations

import pytest

from paths import SHARED
from loanbook.scenario.model import load_scenario
from loanbook.scenario.runner import play

EXAMPLE_DIRS = (SHARED / "examples", SHARED / "examples" / "r11-r13", SHARED / "examples" / "r15")
EXAMPLES = sorted(path for folder in EXAMPLE_DIRS if folder.is_dir() for path in folder.glob("*.yaml"))


@pytest.mark.skipif(not EXAMPLES, reason=f"no worked examples found in {SHARED / 'examples'}")
@pytest.mark.parametrize("path", EXAMPLES, ids=[f"{p.parent.name}/{p.stem}" for p in EXAMPLES])
def test_worked_example_passes(path):
    result = play(load_scenario(path))
    assert result.failures == [], "\n".join(
        f"{f.checkpoint} {f.loan}.{f.field}: expected {f.expected!r}, got {f.actual!r}" for f in result.failures
    )
    assert result.checkpoints, "the example was played but looked at nothing"

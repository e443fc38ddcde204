"""Every worked example in the project's own examples/ must pass (docs/scenarios.md), and
examples/ must stay equal to ../shared/examples wherever that folder exists.

The top level and examples/r11-r13/ (R11, R13) run here; examples/r15/ joins with the
issue that builds R15.
The same examples through the services and a real database are in
tests/store/test_project_examples_through_store.py.
"""

from __future__ import annotations

import filecmp

import pytest

from paths import EXAMPLES_DIR, SHARED
from loanbook.scenario.model import load_scenario
from loanbook.scenario.runner import play

EXAMPLES = sorted(EXAMPLES_DIR.glob("*.yaml")) + sorted((EXAMPLES_DIR / "r11-r13").glob("*.yaml"))
# Folders whose examples are played by this suite once their rules are built.
SUBFOLDERS = ("r11-r13", "r15")


def test_the_project_carries_its_examples():
    assert EXAMPLES, f"no worked examples in {EXAMPLES_DIR}: a clone must carry them"


@pytest.mark.parametrize("path", EXAMPLES, ids=[f"{p.parent.name}/{p.stem}" for p in EXAMPLES])
def test_project_example_passes(path):
    result = play(load_scenario(path))
    assert result.failures == [], "\n".join(
        f"{f.checkpoint} {f.loan}.{f.field}: expected {f.expected!r}, got {f.actual!r}" for f in result.failures
    )
    assert result.checkpoints, "the example was played but looked at nothing"


def _yaml_files(folder) -> dict[str, object]:
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*.yaml"))}


@pytest.mark.skipif(
    not (SHARED / "examples").is_dir(),
    reason=f"no shared examples at {SHARED / 'examples'} to compare with (a clone alone has none; "
    "set LOANBOOK_SHARED to check for drift)",
)
def test_project_examples_equal_the_shared_ones():
    """The same files, byte for byte, top level and subfolders: the copies never drift."""
    ours, theirs = _yaml_files(EXAMPLES_DIR), _yaml_files(SHARED / "examples")
    assert sorted(ours) == sorted(theirs), (
        f"only in examples/: {sorted(set(ours) - set(theirs))}; only in {SHARED / 'examples'}: "
        f"{sorted(set(theirs) - set(ours))}"
    )
    differing = [name for name in ours if not filecmp.cmp(ours[name], theirs[name], shallow=False)]
    assert differing == [], f"examples/ differs from {SHARED / 'examples'} in {differing}: copy them again"

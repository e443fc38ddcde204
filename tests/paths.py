"""Where the tests find the project and ../shared (override with LOANBOOK_SHARED)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LOANBOOK_SHARED", ROOT.parent / "shared"))

# The project's own worked examples (docs/scenarios.md); kept equal to ../shared/examples.
EXAMPLES_DIR = ROOT / "examples"

"""Layers stay clean (issue 10 item 4): no ORM row leaves ``store/``. Outside
``src/loanbook/store/`` no module imports the mapped tables (``loanbook.store.tables``):
repositories hand out frozen values (store/values.py and each store module's own), so a
service, an edge or the core never holds a row it could edit behind the store's back.

The files listed in KNOWN below still import table rows and belong to other work of
the same round (issue 10); each is listed with why, and the test fails once one of them
no longer needs its entry, so the list only shrinks. Tests and benchmarks are not
checked: they seed and inspect databases on purpose."""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src" / "loanbook"
TABLES = "loanbook.store.tables"

# path under src/loanbook -> why it may still import table rows (to be emptied)
KNOWN = {
    "api/idempotency.py": "the idempotency keys are being reworked in the API's branch (helper 'api' owns api/*)",
    "bureau/export.py": "bureau/ is the demo helper's this round: BureauStore still hands out its record rows",
    "bureau/disputes.py": "bureau/ is the demo helper's this round: BureauStore still hands out its dispute rows",
    "bureau/corrections.py": "bureau/ is the demo helper's this round: BureauStore still hands out its record rows",
    "bureau/retention.py": "bureau/ is the demo helper's this round: BureauStore still hands out its record rows",
    "demo/bureau_day.py": "demo/ is the demo helper's this round: it reads loan events with its own query",
}


def _imports_tables(path: Path) -> list[str]:
    """What ``path`` imports from the mapped tables, wherever the import is (a function's too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module == TABLES:
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module == "loanbook.store":
            found += [f"loanbook.store.{alias.name}" for alias in node.names if alias.name == "tables"]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name == TABLES]
    return found


def _outside_store() -> dict[str, list[str]]:
    return {
        path.relative_to(SOURCE).as_posix(): names
        for path in sorted(SOURCE.rglob("*.py"))
        if path.relative_to(SOURCE).parts[0] != "store" and (names := _imports_tables(path))
    }


def test_no_table_row_is_imported_outside_the_store() -> None:
    offenders = {path: names for path, names in _outside_store().items() if path not in KNOWN}
    assert offenders == {}, (
        "these modules import ORM rows from loanbook.store.tables outside store/; read through a repository "
        f"method handing out a frozen value instead (store/values.py): {offenders}")


def test_every_known_exception_still_needs_its_entry() -> None:
    importing = _outside_store()
    stale = sorted(path for path in KNOWN if path not in importing)
    assert stale == [], f"no longer import table rows: remove them from KNOWN in {Path(__file__).name}: {stale}"


def test_the_check_sees_every_way_of_importing_the_tables(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text("import os\n"
                      "from loanbook.store.tables import LoanRow\n"
                      "def f():\n"
                      "    from loanbook.store import tables\n"
                      "    import loanbook.store.tables\n", encoding="utf-8")
    assert _imports_tables(module) == ["LoanRow", "loanbook.store.tables", "loanbook.store.tables"]
    module.write_text("from loanbook.store.values import Borrower\nfrom loanbook.store import repositories\n",
                      encoding="utf-8")
    assert _imports_tables(module) == []

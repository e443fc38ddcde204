"""The project is self-contained: every link in its documents resolves inside the
repository, nothing points at ../shared, and the docs index lists every document and
every worked example (issue 11, item 1)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from paths import EXAMPLES_DIR, ROOT

DOCS = ROOT / "docs"
DOCUMENTS = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
# [text](target) with a relative target; web links and in-page anchors are not files.
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
OUTSIDE = re.compile(r"\.\./shared|shared/spec|shared/examples")


def anchors(document: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+\s+(.+)$", document.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def relative_links(document: Path) -> list[str]:
    targets = (m.group(1) for m in LINK.finditer(document.read_text(encoding="utf-8")))
    return [document.name + t if t.startswith("#") else t for t in targets if not re.match(r"^[a-z]+:", t)]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_link_resolves_inside_the_repository(document):
    broken = []
    for target in relative_links(document):
        path = (document.parent / target.split("#", 1)[0]).resolve()
        if not path.is_relative_to(ROOT) or not path.exists():
            broken.append(target)
        elif "#" in target and path.suffix == ".md" and target.split("#", 1)[1] not in anchors(path):
            broken.append(target)
    assert broken == [], f"{document.name} links to what a clone does not have: {broken}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_nothing_points_at_the_shared_folder(document):
    lines = [line for line in document.read_text(encoding="utf-8").splitlines() if OUTSIDE.search(line)]
    assert lines == [], f"{document.name} points outside the repository: {lines}"


def test_the_index_lists_every_document_and_every_example():
    index = DOCS / "README.md"
    linked = {(index.parent / t.split("#", 1)[0]).resolve() for t in relative_links(index)}
    wanted = {p.resolve() for p in [ROOT / "README.md", *DOCS.glob("*.md"), *EXAMPLES_DIR.rglob("*.yaml")]}
    wanted.discard(index.resolve())
    missing = sorted(p.relative_to(ROOT).as_posix() for p in wanted - linked)
    assert missing == [], f"docs/README.md does not list {missing}"

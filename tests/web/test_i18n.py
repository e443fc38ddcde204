"""Every phrase of the pages exists in both languages, and every key a template uses is
a phrase (a missing one would show as its key)."""

from __future__ import annotations

import re
from importlib import resources

from loanbook.web.i18n import LANGUAGES, TEXTS, translator

KEY = re.compile(r"""\bt\(\s*'([a-z0-9_]+)'\s*[,)]""")  # a whole key, not a prefix joined with ~


def test_both_languages_have_the_same_phrases():
    assert set(TEXTS["zh"]) == set(TEXTS["en"])
    for language in LANGUAGES:
        assert all(text.strip() for text in TEXTS[language].values())


def test_every_key_the_templates_use_is_a_phrase():
    templates = resources.files("loanbook.web") / "templates"
    used = set()
    for folder in (templates, *(p for p in templates.iterdir() if p.is_dir())):
        for template in folder.iterdir():
            if template.name.endswith(".html"):
                used |= set(KEY.findall(template.read_text(encoding="utf-8")))
    assert used, "no t('...') found: the pattern no longer matches the templates"
    assert sorted(used - set(TEXTS["en"])) == []


def test_a_phrase_takes_its_values():
    assert translator("en")("signed_in_as", name="li") == "Signed in as li"
    assert translator("zh")("signed_in_as", name="li") == "已登录：li"

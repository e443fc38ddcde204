"""Message templates (R16) and the claims no message may make.

The article quotes collectors threatening prosecution (起诉, 刑事, 坐牢, 公安), a credit
"blacklist" (征信黑名单), bans on trains and planes (高铁, 飞机, 出行) and consequences
for the borrower's children and family (子女, 家人). None of these is a rule (R16): a
template that makes any such claim, in Chinese or English, is refused when the
templates are loaded, so no such message can ever be sent.

A template is text with placeholders among {PLACEHOLDERS} (``{amount_due}``...).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass

from loanbook.errors import BadInput

# The claim, then the words that make it. Matched case-insensitively on the template text.
FORBIDDEN_CLAIMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("prosecution or criminal charges", (
        "起诉", "刑事", "坐牢", "公安", "报警", "拘留", "判刑", "诈骗罪", "立案", "法院传票",
        r"prosecut\w*", r"criminal", r"jail", r"prison", r"police", r"arrest\w*", r"lawsuit", r"\bsue\b",
        r"court summons",
    )),
    ("a credit blacklist", ("黑名单", r"black\s*-?\s*list\w*")),
    ("travel bans", (
        "高铁", "飞机", "出行", "火车", "机票", "限高", "限制消费",
        r"travel\s+ban\w*", r"ban\w*\s+from\s+(?:travel\w*|trains?|planes?|flights?|flying)",
        r"high[- ]speed\s+rail", r"\btrains?\b", r"\bplanes?\b", r"\bflights?\b", r"\bflying\b",
    )),
    ("consequences for family", (
        "子女", "家人", "孩子", "亲属", "父母", "配偶", "通讯录", "亲友",
        r"\bchild(?:ren)?\b", r"\bkids?\b", r"\bfamily\b", r"\brelatives?\b", r"\bparents?\b", r"\bspouse\b",
        r"\bcontacts?\s+list\b",
    )),
)
_PATTERNS = tuple((claim, re.compile("|".join(words), re.IGNORECASE)) for claim, words in FORBIDDEN_CLAIMS)
PLACEHOLDERS = ("name", "loan_id", "amount_due", "owed", "dpd", "due_date")


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    text: str

    def render(self, **values: object) -> str:
        return self.text.format(**{key: values.get(key, "") for key in PLACEHOLDERS})


def forbidden_claim(text: str) -> tuple[str, str] | None:
    """(the claim, the words found) if ``text`` makes a claim R16 forbids, else None."""
    for claim, pattern in _PATTERNS:
        found = pattern.search(text)
        if found is not None:
            return claim, found.group(0)
    return None


def check_template(name: str, text: object) -> Template:
    """A template, or BadInput naming what is wrong: not text, an unknown placeholder, or
    a forbidden claim (R16: no threat of prosecution, travel bans or family consequences)."""
    if not isinstance(text, str) or not text.strip():
        raise BadInput(f"template {name!r} must be non-empty text")
    claim = forbidden_claim(text)
    if claim is not None:
        raise BadInput(f"template {name!r} is refused (R16): it threatens {claim[0]} ({claim[1]!r}); "
                       "such claims are not rules and no message may make them")
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(text) if field is not None]
    except ValueError as exc:
        raise BadInput(f"template {name!r}: {exc} (write a literal brace as {{{{ or }}}})") from None
    unknown = sorted(set(fields) - set(PLACEHOLDERS))
    if unknown:
        raise BadInput(f"template {name!r}: unknown placeholder(s) {', '.join(unknown)}; "
                       f"known: {', '.join(PLACEHOLDERS)}")
    return Template(name, text)


def load_templates(raw: Mapping[str, object]) -> dict[str, Template]:
    """Every template checked; the first fault refuses the whole set."""
    return {name: check_template(name, text) for name, text in raw.items()}

"""Personal data: who sees a borrower's phone in full (issue 11 item 3).

Admins and operators see full phones: they call borrowers (servicing, collections). A
borrower sees its own. Reviewers (audit, finance, read-only) see only the last four
digits, enough to tell two borrowers apart on a call: "+86 138 0013 8000" is shown as
"+** *** **** 8000". Names are shown to every staff role; ID numbers are not stored.
"""

from __future__ import annotations

from loanbook.service.users import Role

FULL_PHONE_ROLES = frozenset({Role.ADMIN, Role.OPERATOR, Role.BORROWER})
DIGITS_SHOWN = 4


def mask_phone(phone: str) -> str:
    """Every digit but the last four as ``*``; separators and "+" kept."""
    digits = sum(c.isdigit() for c in phone)
    hidden = max(digits - DIGITS_SHOWN, 0)
    out = []
    for c in phone:
        if c.isdigit() and hidden > 0:
            out.append("*")
            hidden -= 1
        else:
            out.append(c)
    return "".join(out)


def phone_for(role: str, phone: str) -> str:
    """The phone as ``role`` may see it."""
    return phone if role in FULL_PHONE_ROLES else mask_phone(phone)

"""How long an Idempotency-Key and its stored response are kept.

``LOANBOOK_IDEMPOTENCY_TTL_HOURS``: whole hours, 1 to 8760 (a year); default 24. A key
expires that long after it was claimed: sent again later, it is a new request. Close of
business deletes the expired keys (``service/close_of_business.py``).
"""

from __future__ import annotations

import os
from datetime import timedelta

from loanbook.errors import BadInput

TTL_ENV = "LOANBOOK_IDEMPOTENCY_TTL_HOURS"
TTL_DEFAULT_HOURS = 24
TTL_MAX_HOURS = 8760


def idempotency_ttl() -> timedelta:
    text = os.environ.get(TTL_ENV, "").strip()
    if not text:
        return timedelta(hours=TTL_DEFAULT_HOURS)
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= TTL_MAX_HOURS:
        raise BadInput(f"{TTL_ENV} must be a whole number of hours from 1 to {TTL_MAX_HOURS}, not {text!r}")
    return timedelta(hours=int(text))

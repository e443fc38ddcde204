"""Credit bureau reporting (征信, R15): records at the reporting moments, the daily
submission, pre-notices, corrections, holds, disputes and retention.

Functions here take a unit of work and never commit it: the service that calls them
owns the transaction (one use case, one unit of work).
"""

from loanbook.bureau.nightly import nightly
from loanbook.bureau.notices import record_pre_notice

__all__ = ["nightly", "record_pre_notice"]

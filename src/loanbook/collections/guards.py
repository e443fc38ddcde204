"""Compliance guards on contacting a borrower (R16), enforced by the system.

Pure: the attempt, the borrower's phone on file and what was already logged in, a
verdict out. A refusal names its guard with one of :data:`REASONS`:

- ``third party``: only the borrower's own contact points; a ``to`` that is not the
  borrower's phone on file (a relative, an employer, a contact list) is refused;
- ``22:00-08:00``: no contact in the quiet hours of the lender's time zone;
- ``3 connected calls``: at most that many connected calls a day per borrower.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from loanbook.errors import BadInput

OUTCOMES = ("connected", "no_answer", "wrong_number", "refused")
THIRD_PARTY, QUIET_HOURS, CALLS_PER_DAY = "third party", "22:00-08:00", "3 connected calls"
REASONS = (THIRD_PARTY, QUIET_HOURS, CALLS_PER_DAY)
_NOT_DIGITS = re.compile(r"[^0-9]")
CHINA_PREFIX = "86"


@dataclass(frozen=True, slots=True)
class Guards:
    time_zone: ZoneInfo
    quiet_from: time  # contact refused from this local time...
    quiet_until: time  # ...until this one, the next morning
    connected_calls_per_day: int

    def quiet_hours_label(self) -> str:
        return f"{self.quiet_from:%H:%M}-{self.quiet_until:%H:%M}"

    def calls_label(self) -> str:
        return f"{self.connected_calls_per_day} connected calls"

    def local_date(self, at: datetime) -> date:
        return at.astimezone(self.time_zone).date()

    def in_quiet_hours(self, at: datetime) -> bool:
        local = at.astimezone(self.time_zone).time()
        if self.quiet_from > self.quiet_until:  # over midnight, 22:00-08:00
            return local >= self.quiet_from or local < self.quiet_until
        return self.quiet_from <= local < self.quiet_until


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: str  # one of REASONS (with the configured figures)
    message: str


def in_utc(at: datetime) -> datetime | None:
    """``at`` in UTC, or None when it has no offset or lies outside the calendar there
    (0001-01-01T00:00+14:00 is before the first day Python knows)."""
    if at.tzinfo is None or at.utcoffset() is None:
        return None
    try:
        return at.astimezone(UTC)
    except OverflowError:
        return None


def same_phone(a: str, b: str) -> bool:
    """The same number whatever the spacing, dashes or a +86 country code."""
    da, db = _NOT_DIGITS.sub("", a), _NOT_DIGITS.sub("", b)
    if da == db:
        return bool(da)
    for long, short in ((da, db), (db, da)):
        if long == CHINA_PREFIX + short and short:
            return True
    return False


def check_contact(guards: Guards, *, channel: str, to: str, at: datetime, outcome: str, borrower_phone: str,
                  connected_calls_that_day: int) -> Refusal | None:
    """None when the attempt may be logged; else the guard that stops it (R16). The
    third-party guard comes first: whoever was reached, it was not the borrower."""
    if at.tzinfo is None:
        raise BadInput(f"contact time {at.isoformat()} needs its UTC offset (+08:00 or Z)")
    if not same_phone(to, borrower_phone):
        return Refusal(THIRD_PARTY, f"{to} is not the borrower's phone on file: contact only the borrower, never "
                                    "relatives, employers or other third parties (R16)")
    if guards.in_quiet_hours(at):
        local = at.astimezone(guards.time_zone)
        return Refusal(guards.quiet_hours_label(),
                       f"{local:%H:%M} in {guards.time_zone.key} is in the quiet hours "
                       f"{guards.quiet_hours_label()}: no contact then (R16)")
    if channel == "call" and outcome == "connected" and connected_calls_that_day >= guards.connected_calls_per_day:
        return Refusal(guards.calls_label(),
                       f"the borrower already had {connected_calls_that_day} connected calls on "
                       f"{guards.local_date(at)}: at most {guards.connected_calls_per_day} a day (R16)")
    return None

"""Dates and day counts (R2).

Interest counts the start day and not the end day: days = end - start. Due dates are
the product's due day of each following month, never shifted for weekends (R2).
"""

from __future__ import annotations

from datetime import date


def add_months(day: date, months: int, *, day_of_month: int) -> date:
    """The given day of the month ``months`` after ``day``'s month."""
    month_index = day.year * 12 + (day.month - 1) + months
    return date(month_index // 12, month_index % 12 + 1, day_of_month)


def due_date(disbursed_on: date, period: int, *, due_day: int) -> date:
    """R2: period k falls due on the due day of the k-th month after disbursement's month.

    A loan disbursed on any day of January has its first due date on 10 February, so
    the first period is 10 to 40 days long.
    """
    return add_months(disbursed_on, period, day_of_month=due_day)


def days_between(start: date, end: date) -> int:
    """R2: calendar days from ``start`` (counted) to ``end`` (not counted)."""
    return (end - start).days
